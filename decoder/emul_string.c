/* SPDX-License-Identifier: MIT */
/*
 * String instructions: MOVS, STOS, LODS, INS, OUTS, with or without REP
 * (F2 acts as REP on them), and CMPS and SCAS with REPE (F3) or REPNE
 * (F2), which also stop after an element whose compare leaves ZF clear
 * (REPE) or set (REPNE) (APM 24594 "REPx", "CMPS", "SCAS": the flags are
 * those of CMP seg:[rSI], ES:[rDI] and CMP rAX, ES:[rDI]).  One element at
 * a time, as the architecture
 * defines the result (APM 24594 "MOVS", "REP"): the element moves, then
 * rSI/rDI step by the element size (down with RFLAGS.DF), then rCX counts
 * down.  The registers are sized by the address size; a fault leaves them
 * at the last completed element.  At most in.rep_limit elements per call,
 * then EMUL_RETRY (STYLE 14).
 */
#include "emul_priv.h"

/** The two ends of one element: where the value comes from and goes to. */
struct emul_elem {
	uint64_t src_la; /**< MOVS, LODS, OUTS, CMPS: the linear address of seg:rSI */
	uint64_t dst_la; /**< MOVS, STOS, INS, CMPS, SCAS: the linear address of ES:rDI */
	bool src_mem;
	bool dst_mem;
};

static bool emul_is_compare(unsigned int cls)
{
	return cls == INSN_CMPS || cls == INSN_SCAS;
}

/** Compute and check both addresses before anything is read or written. */
static enum emul_result emul_elem_plan(struct emul_ctxt *ctxt, struct emul_elem *e)
{
	const struct insn *insn = &ctxt->insn;
	unsigned int cls = insn->cls;
	enum emul_result r;

	e->src_mem = cls == INSN_MOVS || cls == INSN_LODS || cls == INSN_OUTS || cls == INSN_CMPS;
	e->dst_mem = cls == INSN_MOVS || cls == INSN_STOS || cls == INSN_INS ||
		     emul_is_compare(cls);
	if (e->src_mem) {
		r = emul_linear(ctxt, insn->mem.seg, emul_gpr_read(ctxt, INSN_RSI, insn->addr_size),
				insn->op_size, false, &e->src_la);
		if (r != EMUL_OK)
			return r;
	}
	if (e->dst_mem)
		return emul_linear(ctxt, INSN_SEG_ES,
				   emul_gpr_read(ctxt, INSN_RDI, insn->addr_size), insn->op_size,
				   !emul_is_compare(cls), &e->dst_la);
	return EMUL_OK;
}

/** The element's value: from memory, from the port (INS) or from rAX (STOS). */
static enum emul_result emul_elem_get(struct emul_ctxt *ctxt, const struct emul_ops *ops,
				      const struct emul_elem *e, uint64_t *val)
{
	const struct insn *insn = &ctxt->insn;
	uint32_t io = 0;
	enum emul_result r;

	if (e->src_mem)
		return emul_read_linear(ctxt, ops, e->src_la, insn->op_size, val);
	if (insn->cls == INSN_STOS) {
		*val = emul_reg_read(ctxt, &insn->reg);
		return EMUL_OK;
	}
	r = emul_hook_result(ctxt, ops->read_io(ctxt, emul_port(ctxt), insn->op_size, &io));
	*val = io;
	return r;
}

/** Deliver the value: to memory, to the port (OUTS) or to rAX (LODS). */
static enum emul_result emul_elem_put(struct emul_ctxt *ctxt, const struct emul_ops *ops,
				      const struct emul_elem *e, uint64_t val)
{
	const struct insn *insn = &ctxt->insn;

	if (e->dst_mem)
		return emul_write_linear(ctxt, ops, e->dst_la, insn->op_size, val);
	if (insn->cls == INSN_LODS) {
		emul_reg_write(ctxt, &insn->reg, val);
		return EMUL_OK;
	}
	return emul_hook_result(ctxt,
				ops->write_io(ctxt, emul_port(ctxt), insn->op_size, (uint32_t)val));
}

/** Step an index register (rSI or rDI) by one element, as sized by the address size. */
static void emul_elem_step(struct emul_ctxt *ctxt, unsigned int idx)
{
	const struct insn *insn = &ctxt->insn;
	uint64_t v = emul_gpr_read(ctxt, idx, insn->addr_size);

	if (ctxt->out.rflags & EMUL_RFLAGS_DF)
		v -= insn->op_size;
	else
		v += insn->op_size;
	emul_gpr_write(ctxt, idx, insn->addr_size, v);
}

/** CMPS, SCAS: compare seg:[rSI] (or rAX) with ES:[rDI]; only the flags change. */
static enum emul_result emul_elem_compare(struct emul_ctxt *ctxt, const struct emul_ops *ops,
					  const struct emul_elem *e)
{
	const struct insn *insn = &ctxt->insn;
	uint64_t a = 0, b = 0, rflags = ctxt->out.rflags;
	enum emul_result r = EMUL_OK;

	if (e->src_mem)
		r = emul_read_linear(ctxt, ops, e->src_la, insn->op_size, &a);
	else
		a = emul_reg_read(ctxt, &insn->reg);
	if (r == EMUL_OK)
		r = emul_read_linear(ctxt, ops, e->dst_la, insn->op_size, &b);
	if (r != EMUL_OK)
		return r;
	emul_alu(insn->cls, insn->op_size, a, b, &rflags);
	ctxt->out.rflags = rflags;
	return EMUL_OK;
}

static enum emul_result emul_string_one(struct emul_ctxt *ctxt, const struct emul_ops *ops)
{
	struct emul_elem e;
	enum emul_result r;
	uint64_t val = 0;

	r = emul_elem_plan(ctxt, &e);
	if (r != EMUL_OK)
		return r;
	if (emul_is_compare(ctxt->insn.cls)) {
		r = emul_elem_compare(ctxt, ops, &e);
	} else {
		r = emul_elem_get(ctxt, ops, &e, &val);
		if (r == EMUL_OK)
			r = emul_elem_put(ctxt, ops, &e, val);
	}
	if (r != EMUL_OK)
		return r;
	if (e.src_mem)
		emul_elem_step(ctxt, INSN_RSI);
	if (e.dst_mem)
		emul_elem_step(ctxt, INSN_RDI);
	ctxt->out.rep_done++;
	return EMUL_OK;
}

enum emul_result emul_string(struct emul_ctxt *ctxt, const struct emul_ops *ops)
{
	const struct insn *insn = &ctxt->insn;
	uint32_t limit = ctxt->in.rep_limit ? ctxt->in.rep_limit : EMUL_REP_MAX;
	uint64_t count;
	enum emul_result r;

	if (!insn->rep && !insn->repne)
		return emul_string_one(ctxt, ops);
	count = emul_gpr_read(ctxt, INSN_RCX, insn->addr_size);
	while (count) {
		if (ctxt->out.rep_done >= limit)
			return EMUL_RETRY;
		r = emul_string_one(ctxt, ops);
		if (r != EMUL_OK)
			return r;
		emul_gpr_write(ctxt, INSN_RCX, insn->addr_size, --count);
		if (emul_is_compare(insn->cls) && !(ctxt->out.rflags & EMUL_ZF) == !insn->repne)
			break; /* REPE and ZF clear, or REPNE and ZF set */
	}
	return EMUL_OK;
}

/** INS writes ES:rDI, OUTS reads seg:rSI. */
static void emul_io_side(const struct insn *insn, unsigned int *idx, unsigned int *seg)
{
	bool ins = insn->cls == INSN_INS;

	*idx = ins ? INSN_RDI : INSN_RSI;
	*seg = ins ? INSN_SEG_ES : insn->mem.seg;
}

enum emul_result emul_string_run(struct emul_ctxt *ctxt, uint64_t max, uint64_t *linear,
				 uint64_t *count)
{
	const struct insn *insn = &ctxt->insn;
	unsigned int size = insn->op_size, idx, seg;
	bool write = insn->cls == INSN_INS;
	uint64_t off, n, la_last;
	enum emul_result r;

	emul_reset(ctxt);
	*count = 0;
	if (!ctxt->insn_valid || (insn->cls != INSN_INS && insn->cls != INSN_OUTS) || !max ||
	    !(size == 1 || size == 2 || size == 4) || max > UINT32_MAX / size)
		return EMUL_UNHANDLEABLE;
	emul_io_side(insn, &idx, &seg);
	n = (insn->rep || insn->repne) ? emul_gpr_read(ctxt, INSN_RCX, insn->addr_size) : 1;
	if (!n)
		return EMUL_OK;
	if (n > max)
		n = max;
	off = emul_gpr_read(ctxt, idx, insn->addr_size);
	r = emul_linear(ctxt, seg, off, size, write, linear);
	if (r != EMUL_OK)
		return r; /* the first element faults */
	if (ctxt->out.rflags & EMUL_RFLAGS_DF)
		n = 1; /* backwards: one element per run */
	/* Halve the run until all of it passes the checks, does not wrap the
	 * address size and is contiguous in linear memory. */
	while (n > 1 &&
	       !(off + n * size - 1 <= emul_size_mask(insn->addr_size) &&
		 emul_linear_ok(ctxt, seg, off, (unsigned int)(n * size), write, &la_last) &&
		 emul_linear_ok(ctxt, seg, off + (n - 1) * size, size, write, &la_last) &&
		 la_last == *linear + (n - 1) * size))
		n /= 2;
	*count = n;
	return EMUL_OK;
}

bool emul_string_advance(struct emul_ctxt *ctxt, uint64_t count)
{
	const struct insn *insn = &ctxt->insn;
	uint64_t step = count * insn->op_size, v, left = 0;
	unsigned int idx, seg;

	emul_io_side(insn, &idx, &seg);
	v = emul_gpr_read(ctxt, idx, insn->addr_size);
	emul_gpr_write(ctxt, idx, insn->addr_size,
		       (ctxt->out.rflags & EMUL_RFLAGS_DF) ? v - step : v + step);
	ctxt->out.rep_done += (uint32_t)count;
	if (insn->rep || insn->repne) {
		left = emul_gpr_read(ctxt, INSN_RCX, insn->addr_size) - count;
		emul_gpr_write(ctxt, INSN_RCX, insn->addr_size, left);
	}
	if (left)
		return false;
	emul_finish(ctxt);
	return true;
}
