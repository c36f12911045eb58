/* SPDX-License-Identifier: MIT */
/*
 * One data move between a register and memory or a port: MOV (88, 89, 8A,
 * 8B, A0-A3, C6, C7), MOVZX, MOVSX, MOVSXD, MOVBE, MOVNTI, CMOVcc, SETcc,
 * PUSH mem, POP mem, IN and OUT.  None changes RFLAGS.
 */
#include "emul_priv.h"

/** Sign-extend the low size bytes of v to 64 bits. */
static uint64_t emul_sign_extend(uint64_t v, unsigned int size)
{
	unsigned int shift = 64 - 8 * size;

	return (uint64_t)((int64_t)(v << shift) >> shift);
}

/** The bytes of the low size bytes of v in reverse order (MOVBE). */
static uint64_t emul_bswap(uint64_t v, unsigned int size)
{
	uint64_t r = 0;

	for (unsigned int i = 0; i < size; i++, v >>= 8)
		r = (r << 8) | (v & 0xff);
	return r;
}

/**
 * MOV reg, mem; MOVZX; MOVSX; MOVBE reg, mem; CMOVcc: the register is
 * written only once the read succeeded.  CMOVcc reads its source whatever
 * the condition, and a 32-bit CMOVcc zero-extends the destination even
 * when the condition is false (APM 24594 "CMOVcc", SDM "CMOVcc").
 */
static enum emul_result emul_load(struct emul_ctxt *ctxt, const struct emul_ops *ops)
{
	const struct insn *insn = &ctxt->insn;
	enum emul_result r;
	uint64_t la, val;

	r = emul_operand_linear(ctxt, 0, false, &la);
	if (r != EMUL_OK)
		return r;
	r = emul_read_linear(ctxt, ops, la, insn->mem.size, &val);
	if (r != EMUL_OK)
		return r;
	if (insn->cls == INSN_MOVSX)
		val = emul_sign_extend(val, insn->mem.size);
	else if (insn->cls == INSN_MOVBE)
		val = emul_bswap(val, insn->mem.size);
	else if (insn->cls == INSN_CMOVCC && !emul_cond(insn->cc, ctxt->out.rflags))
		val = emul_reg_read(ctxt, &insn->reg); /* unchanged, but 32 bits zero-extend */
	emul_reg_write(ctxt, &insn->reg, val);
	return EMUL_OK;
}

/** MOV mem, reg; MOV mem, imm; MOVBE mem, reg; MOVNTI; SETcc. */
static enum emul_result emul_store(struct emul_ctxt *ctxt, const struct emul_ops *ops)
{
	const struct insn *insn = &ctxt->insn;
	enum emul_result r;
	uint64_t la, val;

	if (insn->cls == INSN_MOV_STORE_IMM)
		val = insn->imm;
	else if (insn->cls == INSN_SETCC)
		val = emul_cond(insn->cc, ctxt->out.rflags);
	else
		val = emul_reg_read(ctxt, &insn->reg);
	if (insn->cls == INSN_MOVBE)
		val = emul_bswap(val, insn->mem.size);
	r = emul_operand_linear(ctxt, 0, true, &la);
	if (r != EMUL_OK)
		return r;
	return emul_write_linear(ctxt, ops, la, insn->mem.size, val);
}

/**
 * The stack's address size: 8 in 64-bit mode, else SS.B selects ESP or SP
 * (APM 24593 "Data-Segment Descriptors": the B bit of SS).
 */
static unsigned int emul_stack_size(const struct emul_ctxt *ctxt)
{
	if (emul_mode(&ctxt->in) == INSN_MODE_LONG64)
		return 8;
	return (ctxt->in.seg[INSN_SEG_SS].attrib & EMUL_SEG_DB) ? 4 : 2;
}

/**
 * PUSH mem (FF /6) and POP mem (8F /0), APM 24594 "PUSH", "POP": the
 * stack slot is SS:rSP (#SS(0) on its checks), rSP sized by the stack's
 * address size.  PUSH computes its operand's address with rSP before the
 * push; POP with rSP after the pop (SDM "POP": "If the ESP register is used
 * as a base register ... after it increments").  Both addresses are
 * checked before the read; rSP moves once the write succeeded.
 */
static enum emul_result emul_push_pop(struct emul_ctxt *ctxt, const struct emul_ops *ops)
{
	const struct insn *insn = &ctxt->insn;
	unsigned int size = insn->mem.size, ss = emul_stack_size(ctxt);
	bool push = insn->cls == INSN_PUSH;
	uint64_t sp = emul_gpr_read(ctxt, INSN_RSP, ss), rsp = ctxt->out.gpr[INSN_RSP];
	uint64_t new_sp = (push ? sp - size : sp + size) & emul_size_mask(ss);
	uint64_t stack_la, mem_la, val;
	uint16_t written = ctxt->out.gpr_written;
	enum emul_result r;

	if (!push) /* the destination's address with rSP already moved */
		emul_gpr_write(ctxt, INSN_RSP, ss, new_sp);
	r = emul_operand_linear(ctxt, 0, !push, &mem_la);
	ctxt->out.gpr[INSN_RSP] = rsp;
	ctxt->out.gpr_written = written;
	if (r != EMUL_OK)
		return r;
	r = emul_linear(ctxt, INSN_SEG_SS, push ? new_sp : sp, size, push, &stack_la);
	if (r != EMUL_OK)
		return r;
	r = emul_read_linear(ctxt, ops, push ? mem_la : stack_la, size, &val);
	if (r == EMUL_OK)
		r = emul_write_linear(ctxt, ops, push ? stack_la : mem_la, size, val);
	if (r != EMUL_OK)
		return r;
	emul_gpr_write(ctxt, INSN_RSP, ss, new_sp);
	return EMUL_OK;
}

uint16_t emul_port(const struct emul_ctxt *ctxt)
{
	if (ctxt->insn.has_imm)
		return (uint16_t)(ctxt->insn.imm & 0xff);
	return (uint16_t)ctxt->out.gpr[INSN_RDX];
}

/** IN AL/AX/EAX, port: a 4-byte read zero-extends into RAX like any 32-bit write. */
static enum emul_result emul_in(struct emul_ctxt *ctxt, const struct emul_ops *ops)
{
	enum emul_result r;
	uint32_t val = 0;

	r = emul_hook_result(ctxt, ops->read_io(ctxt, emul_port(ctxt), ctxt->insn.op_size, &val));
	if (r != EMUL_OK)
		return r;
	emul_reg_write(ctxt, &ctxt->insn.reg, val);
	return EMUL_OK;
}

static enum emul_result emul_out(struct emul_ctxt *ctxt, const struct emul_ops *ops)
{
	uint32_t val = (uint32_t)emul_reg_read(ctxt, &ctxt->insn.reg);

	return emul_hook_result(ctxt,
				ops->write_io(ctxt, emul_port(ctxt), ctxt->insn.op_size, val));
}

enum emul_result emul_move(struct emul_ctxt *ctxt, const struct emul_ops *ops)
{
	switch (ctxt->insn.cls) {
	case INSN_MOV_LOAD:
	case INSN_MOVZX:
	case INSN_MOVSX:
	case INSN_CMOVCC:
		return emul_load(ctxt, ops);
	case INSN_MOV_STORE:
	case INSN_MOV_STORE_IMM:
	case INSN_MOVNTI:
	case INSN_SETCC:
		return emul_store(ctxt, ops);
	case INSN_MOVBE:
		return ctxt->insn.reg_dst ? emul_load(ctxt, ops) : emul_store(ctxt, ops);
	case INSN_PUSH:
	case INSN_POP:
		return emul_push_pop(ctxt, ops);
	case INSN_IN:
		return emul_in(ctxt, ops);
	case INSN_OUT:
		return emul_out(ctxt, ops);
	default:
		return EMUL_UNHANDLEABLE;
	}
}
