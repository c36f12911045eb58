/* SPDX-License-Identifier: MIT */
/*
 * The engine's entry points: mode, fetch and decode, dispatch by class,
 * retirement (next RIP, RF), and the fault reporting hooks use.
 */
#include "emul_priv.h"

/** Hooks and state an executable class needs; a class with none is not run here. */
enum {
	EMUL_NEED_READ = 1 << 0,
	EMUL_NEED_WRITE = 1 << 1,
	EMUL_NEED_IN = 1 << 2,
	EMUL_NEED_OUT = 1 << 3,
	EMUL_NEED_CAS = 1 << 4,	  /**< cmpxchg_mem (LOCK, XCHG) */
	EMUL_NEED_VEC = 1 << 5,	  /**< in.vec_valid */
	EMUL_LOAD_STORE = 1 << 6, /**< READ with insn.reg_dst, else WRITE */
	EMUL_LOCKABLE = 1 << 7,	  /**< LOCK allowed on the memory-destination form */
};

#define EMUL_RW	 (EMUL_NEED_READ | EMUL_NEED_WRITE)
#define EMUL_RMW (EMUL_RW | EMUL_LOCKABLE)

static const uint8_t emul_needs[INSN_CLASS_COUNT] = {
	[INSN_MOV_LOAD] = EMUL_NEED_READ,
	[INSN_MOVZX] = EMUL_NEED_READ,
	[INSN_MOVSX] = EMUL_NEED_READ,
	[INSN_LODS] = EMUL_NEED_READ,
	[INSN_MOV_STORE] = EMUL_NEED_WRITE,
	[INSN_MOV_STORE_IMM] = EMUL_NEED_WRITE,
	[INSN_STOS] = EMUL_NEED_WRITE,
	[INSN_MOVS] = EMUL_RW,
	[INSN_IN] = EMUL_NEED_IN,
	[INSN_OUT] = EMUL_NEED_OUT,
	[INSN_INS] = EMUL_NEED_IN | EMUL_NEED_WRITE,
	[INSN_OUTS] = EMUL_NEED_READ | EMUL_NEED_OUT,
	[INSN_ADD] = EMUL_RMW,
	[INSN_OR] = EMUL_RMW,
	[INSN_ADC] = EMUL_RMW,
	[INSN_SBB] = EMUL_RMW,
	[INSN_AND] = EMUL_RMW,
	[INSN_SUB] = EMUL_RMW,
	[INSN_XOR] = EMUL_RMW,
	[INSN_CMP] = EMUL_NEED_READ,
	[INSN_TEST] = EMUL_NEED_READ,
	[INSN_INC] = EMUL_RMW,
	[INSN_DEC] = EMUL_RMW,
	[INSN_NEG] = EMUL_RMW,
	[INSN_NOT] = EMUL_RMW,
	[INSN_ROL] = EMUL_RW,
	[INSN_ROR] = EMUL_RW,
	[INSN_RCL] = EMUL_RW,
	[INSN_RCR] = EMUL_RW,
	[INSN_SHL] = EMUL_RW,
	[INSN_SHR] = EMUL_RW,
	[INSN_SAR] = EMUL_RW,
	[INSN_BT] = EMUL_NEED_READ,
	[INSN_BTS] = EMUL_RMW,
	[INSN_BTR] = EMUL_RMW,
	[INSN_BTC] = EMUL_RMW,
	[INSN_XCHG] = EMUL_RMW | EMUL_NEED_CAS,
	[INSN_CMPXCHG] = EMUL_RMW,
	[INSN_CMPXCHG8B] = EMUL_RMW,
	[INSN_CMPXCHG16B] = EMUL_RMW,
	[INSN_XADD] = EMUL_RMW,
	[INSN_SETCC] = EMUL_NEED_WRITE,
	[INSN_CMOVCC] = EMUL_NEED_READ,
	[INSN_PUSH] = EMUL_RW,
	[INSN_POP] = EMUL_RW,
	[INSN_CMPS] = EMUL_NEED_READ,
	[INSN_SCAS] = EMUL_NEED_READ,
	[INSN_MOVBE] = EMUL_LOAD_STORE,
	[INSN_MOVNTI] = EMUL_NEED_WRITE,
	[INSN_MUL] = EMUL_NEED_READ,
	[INSN_IMUL] = EMUL_NEED_READ,
	[INSN_DIV] = EMUL_NEED_READ,
	[INSN_IDIV] = EMUL_NEED_READ,
	[INSN_MULX] = EMUL_NEED_READ,
	[INSN_SHLD] = EMUL_RW,
	[INSN_SHRD] = EMUL_RW,
	[INSN_BSF] = EMUL_NEED_READ,
	[INSN_BSR] = EMUL_NEED_READ,
	[INSN_TZCNT] = EMUL_NEED_READ,
	[INSN_LZCNT] = EMUL_NEED_READ,
	[INSN_POPCNT] = EMUL_NEED_READ,
	[INSN_ANDN] = EMUL_NEED_READ,
	[INSN_BEXTR] = EMUL_NEED_READ,
	[INSN_BLSI] = EMUL_NEED_READ,
	[INSN_BLSMSK] = EMUL_NEED_READ,
	[INSN_BLSR] = EMUL_NEED_READ,
	[INSN_BZHI] = EMUL_NEED_READ,
	[INSN_PDEP] = EMUL_NEED_READ,
	[INSN_PEXT] = EMUL_NEED_READ,
	[INSN_SARX] = EMUL_NEED_READ,
	[INSN_SHLX] = EMUL_NEED_READ,
	[INSN_SHRX] = EMUL_NEED_READ,
	[INSN_RORX] = EMUL_NEED_READ,
	[INSN_ADCX] = EMUL_NEED_READ,
	[INSN_ADOX] = EMUL_NEED_READ,
	[INSN_CRC32] = EMUL_NEED_READ,
	[INSN_MOVD] = EMUL_LOAD_STORE | EMUL_NEED_VEC,
	[INSN_MOVQ] = EMUL_LOAD_STORE | EMUL_NEED_VEC,
	[INSN_MOVDQA] = EMUL_LOAD_STORE | EMUL_NEED_VEC,
	[INSN_MOVDQU] = EMUL_LOAD_STORE | EMUL_NEED_VEC,
	[INSN_MOVAPS] = EMUL_LOAD_STORE | EMUL_NEED_VEC,
	[INSN_MOVUPS] = EMUL_LOAD_STORE | EMUL_NEED_VEC,
	[INSN_MOVAPD] = EMUL_LOAD_STORE | EMUL_NEED_VEC,
	[INSN_MOVUPD] = EMUL_LOAD_STORE | EMUL_NEED_VEC,
	[INSN_MOVNTDQ] = EMUL_LOAD_STORE | EMUL_NEED_VEC,
	[INSN_MOVNTPS] = EMUL_LOAD_STORE | EMUL_NEED_VEC,
	[INSN_MOVSS] = EMUL_LOAD_STORE | EMUL_NEED_VEC,
	[INSN_MOVSD] = EMUL_LOAD_STORE | EMUL_NEED_VEC,
	[INSN_MOVNTPD] = EMUL_LOAD_STORE | EMUL_NEED_VEC,
	[INSN_MOVNTDQA] = EMUL_LOAD_STORE | EMUL_NEED_VEC,
	[INSN_LDDQU] = EMUL_LOAD_STORE | EMUL_NEED_VEC,
	[INSN_MOVNTSS] = EMUL_LOAD_STORE | EMUL_NEED_VEC,
	[INSN_MOVNTSD] = EMUL_LOAD_STORE | EMUL_NEED_VEC,
};

/** What this instance needs: the class's needs, its direction, LOCK. */
static unsigned int emul_insn_needs(const struct insn *insn)
{
	unsigned int needs = emul_needs[insn->cls];

	if (needs & EMUL_LOAD_STORE)
		needs |= insn->reg_dst ? EMUL_NEED_READ : EMUL_NEED_WRITE;
	if (insn->lock)
		needs |= EMUL_NEED_CAS;
	return needs;
}

bool emul_runs(const struct insn *insn)
{
	return insn->cls < INSN_CLASS_COUNT && emul_needs[insn->cls];
}

enum insn_mode emul_mode(const struct emul_input *in)
{
	uint16_t cs = in->seg[INSN_SEG_CS].attrib;

	if (!(in->cr0 & EMUL_CR0_PE) || (in->rflags & EMUL_RFLAGS_VM))
		return INSN_MODE_REAL;
	if ((in->efer & EMUL_EFER_LMA) && (cs & EMUL_SEG_L))
		return INSN_MODE_LONG64;
	return (cs & EMUL_SEG_DB) ? INSN_MODE_PROT32 : INSN_MODE_PROT16;
}

void emul_reset(struct emul_ctxt *ctxt)
{
	struct emul_output *out = &ctxt->out;

	for (unsigned int i = 0; i < INSN_GPR_COUNT; i++)
		out->gpr[i] = ctxt->in.gpr[i];
	out->gpr_written = 0;
	out->vec_written = out->vec_zero_upper = 0;
	if (ctxt->in.vec_valid)
		for (unsigned int i = 0; i < INSN_VEC_COUNT; i++)
			for (unsigned int j = 0; j < sizeof(out->vec[i]); j++)
				out->vec[i][j] = ctxt->in.vec[i][j];
	out->rflags = ctxt->in.rflags;
	out->rip = ctxt->in.rip;
	out->rep_done = 0;
	out->fault = (struct x86_fault){ .vector = X86_VEC_NONE };
}

/**
 * Exceptions that push an error code (APM 24593 §8.2, Table 8-1): #DF, #TS,
 * #NP, #SS, #GP, #PF, #AC, #CP, #VC, #SX.
 */
#define EMUL_VECTORS_WITH_ERROR_CODE                                                               \
	((1u << 8) | (1u << 10) | (1u << 11) | (1u << 12) | (1u << 13) | (1u << 14) | (1u << 17) | \
	 (1u << 21) | (1u << 29) | (1u << 30))

void emul_raise(struct emul_ctxt *ctxt, uint8_t vector, uint32_t error_code)
{
	bool has_ec = vector < 32 && (EMUL_VECTORS_WITH_ERROR_CODE >> vector & 1);

	ctxt->out.fault = (struct x86_fault){
		.vector = vector,
		.has_error = has_ec,
		.error = has_ec ? error_code : 0,
	};
}

void emul_page_fault(struct emul_ctxt *ctxt, uint64_t cr2, uint32_t error_code)
{
	emul_raise(ctxt, X86_VEC_PF, error_code);
	ctxt->out.fault.cr2 = cr2;
}

enum emul_result emul_hook_result(struct emul_ctxt *ctxt, enum emul_result r)
{
	if (r == EMUL_EXCEPTION && ctxt->out.fault.vector != X86_VEC_NONE)
		return r;
	ctxt->out.fault = (struct x86_fault){ .vector = X86_VEC_NONE };
	if (r == EMUL_OK || r == EMUL_RETRY)
		return r;
	return EMUL_UNHANDLEABLE;
}

/** IP, EIP or RIP: the width of the instruction pointer in this mode. */
static uint64_t emul_ip_mask(enum insn_mode mode)
{
	if (mode == INSN_MODE_LONG64)
		return ~0ULL;
	return mode == INSN_MODE_PROT32 ? 0xffffffffULL : 0xffff;
}

/**
 * The linear address of CS:RIP and how many bytes may be fetched there
 * (15, fewer near the CS limit).  #GP(0) for a non-canonical RIP or an IP
 * beyond the CS limit.
 */
static enum emul_result emul_fetch_window(struct emul_ctxt *ctxt, uint64_t *la, unsigned int *avail)
{
	enum insn_mode mode = emul_mode(&ctxt->in);
	uint64_t ip = ctxt->in.rip & emul_ip_mask(mode);
	const struct emul_seg *cs = &ctxt->in.seg[INSN_SEG_CS];

	*avail = INSN_MAX_LENGTH;
	if (mode == INSN_MODE_LONG64) /* no limit: the canonical check alone */
		return emul_linear(ctxt, INSN_SEG_CS, ip, 1, false, la);
	if (ip > cs->limit) {
		emul_raise(ctxt, X86_VEC_GP, 0);
		return EMUL_EXCEPTION;
	}
	if (cs->limit - ip + 1 < *avail)
		*avail = (unsigned int)(cs->limit - ip + 1);
	*la = (cs->base + ip) & 0xffffffffULL;
	return EMUL_OK;
}

/**
 * Fetch bytes [have, want) of the instruction at la.  In 64-bit mode the
 * bytes on a second page must be canonical too (#GP(0)).
 */
static enum emul_result emul_fetch(struct emul_ctxt *ctxt, const struct emul_ops *ops, uint64_t la,
				   uint8_t *bytes, unsigned int have, unsigned int want)
{
	uint64_t at = la + have;
	enum emul_result r;

	if (emul_mode(&ctxt->in) != INSN_MODE_LONG64) {
		at &= 0xffffffffULL;
	} else if (have) {
		r = emul_linear(ctxt, INSN_SEG_CS, at, want - have, false, &at);
		if (r != EMUL_OK)
			return r;
	}
	return emul_hook_result(ctxt, ops->insn_fetch(ctxt, at, bytes + have, want - have));
}

/** What a decode status means for the guest. */
static enum emul_result emul_decode_status(struct emul_ctxt *ctxt, enum insn_status st)
{
	switch (st) {
	case INSN_OK:
		ctxt->insn_valid = true;
		return EMUL_OK;
	case INSN_INVALID:
		emul_raise(ctxt, X86_VEC_UD, 0);
		return EMUL_EXCEPTION;
	default: /* too long, or cut short by the CS limit */
		emul_raise(ctxt, X86_VEC_GP, 0);
		return EMUL_EXCEPTION;
	}
}

enum emul_result emul_decode(struct emul_ctxt *ctxt, const struct emul_ops *ops)
{
	uint8_t bytes[INSN_MAX_LENGTH];
	enum insn_mode mode = emul_mode(&ctxt->in);
	unsigned int avail, have;
	enum emul_result r;
	enum insn_status st;
	uint64_t la;

	emul_reset(ctxt);
	ctxt->insn_valid = false;
	if (!ops->insn_fetch)
		return EMUL_UNHANDLEABLE;
	r = emul_fetch_window(ctxt, &la, &avail);
	if (r != EMUL_OK)
		return r;
	have = 4096 - (unsigned int)(la & 4095);
	if (have > avail)
		have = avail;
	r = emul_fetch(ctxt, ops, la, bytes, 0, have);
	if (r != EMUL_OK)
		return r;
	st = insn_decode(bytes, have, mode, ctxt->in.rip, &ctxt->insn);
	if (st == INSN_TRUNCATED && have < avail) {
		/* the instruction goes on in the next page: only now may that page fault */
		r = emul_fetch(ctxt, ops, la, bytes, have, avail);
		if (r != EMUL_OK)
			return r;
		st = insn_decode(bytes, avail, mode, ctxt->in.rip, &ctxt->insn);
	}
	return emul_decode_status(ctxt, st);
}

bool emul_needs_vec(const struct emul_ctxt *ctxt)
{
	return ctxt->insn_valid && ctxt->insn.cls < INSN_CLASS_COUNT &&
	       (emul_needs[ctxt->insn.cls] & EMUL_NEED_VEC);
}

static bool emul_hooks_present(const struct emul_ctxt *ctxt, unsigned int needs,
			       const struct emul_ops *ops)
{
	return (needs & (EMUL_RW | EMUL_NEED_IN | EMUL_NEED_OUT)) &&
	       (!(needs & EMUL_NEED_READ) || ops->read_mem) &&
	       (!(needs & EMUL_NEED_WRITE) || ops->write_mem) &&
	       (!(needs & EMUL_NEED_IN) || ops->read_io) &&
	       (!(needs & EMUL_NEED_OUT) || ops->write_io) &&
	       (!(needs & EMUL_NEED_CAS) || ops->cmpxchg_mem) &&
	       (!(needs & EMUL_NEED_VEC) || ctxt->in.vec_valid);
}

/** 1, 2, 4, ... up to max. */
static bool emul_size_ok(unsigned int size, unsigned int max)
{
	return size && size <= max && !(size & (size - 1));
}

/**
 * The sizes a caller-supplied insn must have (emul_decode() only makes
 * such ones): anything else is a caller bug, not the guest's doing.
 * Register indexes need no check: emul_reg_read/write mask them.
 */
static bool emul_insn_sane(const struct insn *insn, unsigned int needs)
{
	bool io = needs & (EMUL_NEED_IN | EMUL_NEED_OUT);
	bool mem = needs & EMUL_RW;
	bool vec = needs & EMUL_NEED_VEC;
	unsigned int mem_max = vec ? 32 : insn->cls == INSN_CMPXCHG16B ? 16 : 8;

	return insn->length >= 1 && insn->length <= INSN_MAX_LENGTH &&
	       (vec || emul_size_ok(insn->op_size, io ? 4 : 8)) &&
	       emul_size_ok(insn->addr_size, 8) && insn->addr_size >= 2 &&
	       (!mem || (insn->has_mem && emul_size_ok(insn->mem.size, mem_max))) &&
	       (!insn->align || emul_size_ok(insn->align, 32));
}

static bool emul_is_string(unsigned int cls)
{
	return cls == INSN_MOVS || cls == INSN_STOS || cls == INSN_LODS || cls == INSN_INS ||
	       cls == INSN_OUTS || cls == INSN_CMPS || cls == INSN_SCAS;
}

/** The classes of emul_arith.c. */
static bool emul_is_arith(unsigned int cls)
{
	return (cls >= INSN_ADD && cls <= INSN_XADD) || cls == INSN_SHLD || cls == INSN_SHRD;
}

enum emul_result emul_execute(struct emul_ctxt *ctxt, const struct emul_ops *ops)
{
	const struct insn *insn = &ctxt->insn;
	unsigned int needs;
	enum emul_result r;

	emul_reset(ctxt);
	if (!ctxt->insn_valid) {
		r = emul_decode(ctxt, ops);
		if (r != EMUL_OK)
			return r;
	}
	if (insn->cls >= INSN_CLASS_COUNT)
		return EMUL_UNHANDLEABLE;
	needs = emul_insn_needs(insn);
	if (insn->lock && (!(needs & EMUL_LOCKABLE) || insn->reg_dst)) {
		/* a caller-supplied insn: decoded bytes never get here (INSN_INVALID) */
		emul_raise(ctxt, X86_VEC_UD, 0);
		return EMUL_EXCEPTION;
	}
	if (!emul_hooks_present(ctxt, needs, ops) || !emul_insn_sane(insn, needs))
		return EMUL_UNHANDLEABLE;
	if (emul_is_string(insn->cls))
		r = emul_string(ctxt, ops);
	else if (emul_is_arith(insn->cls))
		r = emul_arith(ctxt, ops);
	else if (insn->cls >= INSN_MUL && insn->cls <= INSN_MULX)
		r = emul_muldiv(ctxt, ops);
	else if (insn->cls >= INSN_BSF && insn->cls <= INSN_CRC32)
		r = emul_bitop(ctxt, ops);
	else if (needs & EMUL_NEED_VEC)
		r = emul_vec(ctxt, ops);
	else
		r = emul_move(ctxt, ops);
	if (r != EMUL_OK)
		return r;
	emul_finish(ctxt);
	return EMUL_OK;
}

void emul_finish(struct emul_ctxt *ctxt)
{
	ctxt->out.rip = (ctxt->in.rip + ctxt->insn.length) & emul_ip_mask(emul_mode(&ctxt->in));
	ctxt->out.rflags &= ~EMUL_RFLAGS_RF;
}

enum emul_result emul_mem_linear(struct emul_ctxt *ctxt, bool write, uint64_t *linear)
{
	const struct insn *insn = &ctxt->insn;
	unsigned int seg = insn->mem.seg;
	uint64_t offset;

	emul_reset(ctxt);
	if (!ctxt->insn_valid || !insn->has_mem)
		return EMUL_UNHANDLEABLE;
	if (!emul_is_string(insn->cls)) /* with BT's offset and the alignment rule */
		return emul_operand_linear(ctxt, emul_operand_disp(ctxt), write, linear);
	offset = emul_mem_offset(ctxt, &insn->mem);
	if (insn->cls == INSN_MOVS && write) {
		/* the destination of MOVS is always ES:rDI */
		seg = INSN_SEG_ES;
		offset = emul_gpr_read(ctxt, INSN_RDI, insn->addr_size);
	}
	return emul_linear(ctxt, seg, offset, insn->mem.size, write, linear);
}
