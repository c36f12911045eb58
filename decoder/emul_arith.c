/* SPDX-License-Identifier: MIT */
/*
 * Read-modify-write instructions on a memory operand: ADD..CMP and TEST
 * (mem op= reg/imm, reg op= mem), INC, DEC, NEG, NOT, the shifts and
 * rotates, SHLD, SHRD, BT..BTC, XCHG, CMPXCHG, CMPXCHG8B, CMPXCHG16B and
 * XADD.
 *
 * Order (emul.h): the address is checked first (for a write when the
 * operand is written), then the operand is read, the result computed, the
 * operand written, and only then are registers and RFLAGS updated, so a
 * fault anywhere leaves the registers as they were and no partial write.
 * LOCK (and XCHG, locked without it: APM 24594 "XCHG") turns the write
 * into compare-and-exchange calls (ops->cmpxchg_mem), recomputing from
 * what another CPU left until it sticks.
 */
#include "emul_priv.h"

/** CMP, TEST and BT only read their memory operand. */
static bool emul_writes_mem(unsigned int cls)
{
	return cls != INSN_CMP && cls != INSN_TEST && cls != INSN_BT;
}

static bool emul_is_bt(unsigned int cls)
{
	return cls == INSN_BT || cls == INSN_BTS || cls == INSN_BTR || cls == INSN_BTC;
}

static void emul_to_bytes(const uint64_t *v, uint8_t *buf, unsigned int size)
{
	for (unsigned int i = 0; i < size; i++)
		buf[i] = (uint8_t)(v[i / 8] >> (8 * (i % 8)));
}

static void emul_from_bytes(const uint8_t *buf, uint64_t *v, unsigned int size)
{
	for (unsigned int i = 0; i < size; i++)
		v[i / 8] = (i % 8 ? v[i / 8] : 0) | (uint64_t)buf[i] << (8 * (i % 8));
}

/**
 * One locked compare-and-exchange of size bytes: old[] (in 8-byte words)
 * holds what is expected and, when *ok is false, what was found.
 */
static enum emul_result emul_cas(struct emul_ctxt *ctxt, const struct emul_ops *ops, uint64_t la,
				 uint64_t *old, const uint64_t *new, unsigned int size, bool *ok)
{
	uint8_t o[16], n[16];
	enum emul_result r;

	if (!ops->cmpxchg_mem || size > sizeof(o))
		return EMUL_UNHANDLEABLE;
	emul_to_bytes(old, o, size);
	emul_to_bytes(new, n, size);
	*ok = false;
	r = emul_hook_result(ctxt, ops->cmpxchg_mem(ctxt, la, o, n, size, ok));
	if (r == EMUL_OK && !*ok)
		emul_from_bytes(o, old, size);
	return r;
}

/** One read-modify-write of a memory operand. */
struct emul_rmw {
	unsigned int cls, size;
	uint64_t src;	 /**< the source operand, shift count or bit offset */
	uint64_t count;	 /**< SHLD, SHRD: the shift count (src: the bits shifted in) */
	uint64_t old;	 /**< the operand as read */
	uint64_t new;	 /**< what is written back */
	uint64_t rflags; /**< RFLAGS after the instruction */
};

static void emul_rmw_compute(const struct emul_ctxt *ctxt, struct emul_rmw *m)
{
	m->rflags = ctxt->out.rflags;
	if (m->cls == INSN_XCHG)
		m->new = m->src &emul_size_mask(m->size);
	else if (m->cls == INSN_SHLD || m->cls == INSN_SHRD)
		m->new = emul_shift_double(m->cls, m->size, m->old, m->src, m->count, &m->rflags);
	else
		m->new = emul_alu(m->cls, m->size, m->old, m->src, &m->rflags);
}

/** Read, compute, write back: plainly, or locked as a compare-and-exchange loop. */
static enum emul_result emul_rmw_run(struct emul_ctxt *ctxt, const struct emul_ops *ops,
				     uint64_t la, bool locked, struct emul_rmw *m)
{
	enum emul_result r;
	bool ok = false;

	r = emul_read_linear(ctxt, ops, la, m->size, &m->old);
	if (r != EMUL_OK)
		return r;
	emul_rmw_compute(ctxt, m);
	if (!emul_writes_mem(m->cls))
		return EMUL_OK;
	if (!locked)
		return emul_write_linear(ctxt, ops, la, m->size, m->new);
	for (unsigned int i = 0; i < EMUL_LOCK_TRIES; i++) {
		r = emul_cas(ctxt, ops, la, &m->old, &m->new, m->size, &ok);
		if (r != EMUL_OK || ok)
			return r;
		emul_rmw_compute(ctxt, m);
	}
	return EMUL_RETRY; /* contended: nothing done, the guest runs it again */
}

uint64_t emul_operand_disp(const struct emul_ctxt *ctxt)
{
	const struct insn *insn = &ctxt->insn;
	unsigned int size = insn->mem.size, shift = 64 - size * 8;
	unsigned int log2 = size == 2 ? 4 : size == 4 ? 5 : 6;
	int64_t off;

	if (!emul_is_bt(insn->cls) || insn->has_imm || insn->reg.index >= INSN_GPR_COUNT)
		return 0;
	off = (int64_t)(emul_reg_read(ctxt, &insn->reg) << shift) >> shift;
	return (uint64_t)((off >> log2) * (int64_t)size);
}

/** reg op= mem (ADD..CMP 02/03-style): the memory operand is only read. */
static enum emul_result emul_reg_op_mem(struct emul_ctxt *ctxt, const struct emul_ops *ops)
{
	const struct insn *insn = &ctxt->insn;
	uint64_t la, val, res, rflags = ctxt->out.rflags;
	enum emul_result r;

	if (insn->cls > INSN_CMP)
		return EMUL_UNHANDLEABLE;
	r = emul_operand_linear(ctxt, 0, false, &la);
	if (r == EMUL_OK)
		r = emul_read_linear(ctxt, ops, la, insn->mem.size, &val);
	if (r != EMUL_OK)
		return r;
	res = emul_alu(insn->cls, insn->mem.size, emul_reg_read(ctxt, &insn->reg), val, &rflags);
	if (insn->cls != INSN_CMP)
		emul_reg_write(ctxt, &insn->reg, res);
	ctxt->out.rflags = rflags;
	return EMUL_OK;
}

/** mem op= reg/imm/count, INC..NOT, XCHG, XADD, SHLD, SHRD. */
static enum emul_result emul_mem_op(struct emul_ctxt *ctxt, const struct emul_ops *ops)
{
	const struct insn *insn = &ctxt->insn;
	struct emul_rmw m = { .cls = insn->cls, .size = insn->mem.size };
	uint64_t la;
	enum emul_result r;

	if (m.cls == INSN_SHLD || m.cls == INSN_SHRD) {
		m.src = emul_reg_read(ctxt, &insn->reg);
		m.count = insn->has_imm ? insn->imm : emul_reg_read(ctxt, &insn->reg2);
	} else if (insn->has_imm) {
		m.src = insn->imm;
	} else if (insn->reg.index < INSN_GPR_COUNT) {
		m.src = emul_reg_read(ctxt, &insn->reg);
	}
	r = emul_operand_linear(ctxt, emul_operand_disp(ctxt), emul_writes_mem(m.cls), &la);
	if (r == EMUL_OK)
		r = emul_rmw_run(ctxt, ops, la, insn->lock || m.cls == INSN_XCHG, &m);
	if (r != EMUL_OK)
		return r;
	ctxt->out.rflags = m.rflags;
	if (m.cls == INSN_XCHG || m.cls == INSN_XADD)
		emul_reg_write(ctxt, &insn->reg, m.old);
	return EMUL_OK;
}

/**
 * CMPXCHG (APM 24594 "CMPXCHG"): compare rAX with the operand; equal: ZF
 * and the operand gets the source; not equal: rAX gets the operand, which
 * is written back unchanged (the CPU always writes: SDM "CMPXCHG").  The
 * flags are those of CMP rAX, operand.  rAX is written only on a mismatch
 * (a 32-bit match leaves bits 63:32 of RAX alone).
 */
static enum emul_result emul_cmpxchg(struct emul_ctxt *ctxt, const struct emul_ops *ops)
{
	const struct insn *insn = &ctxt->insn;
	unsigned int size = insn->mem.size;
	struct insn_reg acc = { .index = INSN_RAX, .size = (uint8_t)size };
	uint64_t want = emul_reg_read(ctxt, &acc), src = emul_reg_read(ctxt, &insn->reg);
	uint64_t la, cur = want, rflags = ctxt->out.rflags;
	enum emul_result r;
	bool eq = false;

	r = emul_operand_linear(ctxt, 0, true, &la);
	if (r != EMUL_OK)
		return r;
	if (insn->lock) {
		r = emul_cas(ctxt, ops, la, &cur, &src, size, &eq);
	} else {
		r = emul_read_linear(ctxt, ops, la, size, &cur);
		eq = r == EMUL_OK && cur == want;
		if (r == EMUL_OK)
			r = emul_write_linear(ctxt, ops, la, size, eq ? src : cur);
	}
	if (r != EMUL_OK)
		return r;
	emul_alu(INSN_CMPXCHG, size, want, cur, &rflags);
	ctxt->out.rflags = rflags;
	if (!eq)
		emul_reg_write(ctxt, &acc, cur);
	return EMUL_OK;
}

/**
 * CMPXCHG8B/16B (APM 24594 "CMPXCHG8B/CMPXCHG16B"): rDX:rAX against the
 * operand; equal: ZF and the operand gets rCX:rBX; not equal: ZF clear,
 * rDX:rAX gets the operand (written back unchanged without LOCK).  Only ZF
 * changes.  CMPXCHG16B needs a 16-byte aligned operand (#GP(0), insn.align).
 */
static enum emul_result emul_cmpxchg_wide(struct emul_ctxt *ctxt, const struct emul_ops *ops)
{
	const struct insn *insn = &ctxt->insn;
	unsigned int half = insn->cls == INSN_CMPXCHG16B ? 8 : 4, size = 2 * half;
	uint64_t m = emul_size_mask(half), want[2], src[2], cur[2], la;
	uint8_t buf[16];
	enum emul_result r;
	bool eq = false;

	want[0] = emul_gpr_read(ctxt, INSN_RAX, half);
	want[1] = emul_gpr_read(ctxt, INSN_RDX, half);
	src[0] = emul_gpr_read(ctxt, INSN_RBX, half);
	src[1] = emul_gpr_read(ctxt, INSN_RCX, half);
	if (half == 4) { /* one 8-byte value: EDX:EAX, ECX:EBX */
		want[0] |= want[1] << 32;
		src[0] |= src[1] << 32;
		want[1] = src[1] = 0;
	}
	r = emul_operand_linear(ctxt, 0, true, &la);
	if (r != EMUL_OK)
		return r;
	cur[0] = want[0];
	cur[1] = want[1];
	if (insn->lock) {
		r = emul_cas(ctxt, ops, la, cur, src, size, &eq);
	} else {
		r = emul_read_buf(ctxt, ops, la, buf, size);
		if (r == EMUL_OK) {
			emul_from_bytes(buf, cur, size);
			eq = cur[0] == want[0] && (half == 4 || cur[1] == want[1]);
			emul_to_bytes(eq ? src : cur, buf, size);
			r = emul_write_buf(ctxt, ops, la, buf, size);
		}
	}
	if (r != EMUL_OK)
		return r;
	ctxt->out.rflags = (ctxt->out.rflags & ~EMUL_ZF) | (eq ? EMUL_ZF : 0);
	if (eq)
		return EMUL_OK;
	emul_gpr_write(ctxt, INSN_RAX, half, cur[0] & m);
	emul_gpr_write(ctxt, INSN_RDX, half, half == 4 ? cur[0] >> 32 : cur[1]);
	return EMUL_OK;
}

enum emul_result emul_arith(struct emul_ctxt *ctxt, const struct emul_ops *ops)
{
	const struct insn *insn = &ctxt->insn;

	if (insn->cls == INSN_CMPXCHG)
		return emul_cmpxchg(ctxt, ops);
	if (insn->cls == INSN_CMPXCHG8B || insn->cls == INSN_CMPXCHG16B)
		return emul_cmpxchg_wide(ctxt, ops);
	if (insn->reg_dst)
		return emul_reg_op_mem(ctxt, ops);
	return emul_mem_op(ctxt, ops);
}
