/* SPDX-License-Identifier: MIT */
/*
 * One data move between a register and memory or a port: MOV (88, 89, 8A,
 * 8B, A0-A3, C6, C7), MOVZX, MOVSX, MOVSXD, IN and OUT.  None changes RFLAGS.
 */
#include "emul_priv.h"

/** Sign-extend the low size bytes of v to 64 bits. */
static uint64_t emul_sign_extend(uint64_t v, unsigned int size)
{
	unsigned int shift = 64 - 8 * size;

	return (uint64_t)((int64_t)(v << shift) >> shift);
}

/** The checked linear address of the memory operand. */
static enum emul_result emul_operand_linear(struct emul_ctxt *ctxt, bool write, uint64_t *la)
{
	const struct insn_mem *mem = &ctxt->insn.mem;

	return emul_linear(ctxt, mem->seg, emul_mem_offset(ctxt, mem), mem->size, write, la);
}

/** MOV reg, mem; MOVZX; MOVSX: the register is written only once the read succeeded. */
static enum emul_result emul_load(struct emul_ctxt *ctxt, const struct emul_ops *ops)
{
	const struct insn *insn = &ctxt->insn;
	enum emul_result r;
	uint64_t la, val;

	r = emul_operand_linear(ctxt, false, &la);
	if (r != EMUL_OK)
		return r;
	r = emul_read_linear(ctxt, ops, la, insn->mem.size, &val);
	if (r != EMUL_OK)
		return r;
	if (insn->cls == INSN_MOVSX)
		val = emul_sign_extend(val, insn->mem.size);
	emul_reg_write(ctxt, &insn->reg, val);
	return EMUL_OK;
}

/** MOV mem, reg; MOV mem, imm. */
static enum emul_result emul_store(struct emul_ctxt *ctxt, const struct emul_ops *ops)
{
	const struct insn *insn = &ctxt->insn;
	enum emul_result r;
	uint64_t la, val;

	val = insn->cls == INSN_MOV_STORE_IMM ? insn->imm : emul_reg_read(ctxt, &insn->reg);
	r = emul_operand_linear(ctxt, true, &la);
	if (r != EMUL_OK)
		return r;
	return emul_write_linear(ctxt, ops, la, insn->mem.size, val);
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

	return emul_hook_result(ctxt, ops->write_io(ctxt, emul_port(ctxt), ctxt->insn.op_size, val));
}

enum emul_result emul_move(struct emul_ctxt *ctxt, const struct emul_ops *ops)
{
	switch (ctxt->insn.cls) {
	case INSN_MOV_LOAD:
	case INSN_MOVZX:
	case INSN_MOVSX:
		return emul_load(ctxt, ops);
	case INSN_MOV_STORE:
	case INSN_MOV_STORE_IMM:
		return emul_store(ctxt, ops);
	case INSN_IN:
		return emul_in(ctxt, ops);
	case INSN_OUT:
		return emul_out(ctxt, ops);
	default:
		return EMUL_UNHANDLEABLE;
	}
}
