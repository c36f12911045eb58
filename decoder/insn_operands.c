/* SPDX-License-Identifier: MIT */
/*
 * The class of a decoded instruction and the operands of that class, from
 * Zydis's decode (see the operand table above struct insn in insn.h).
 */
#include "insn_zydis.h"

/** Classes that follow from the mnemonic alone. */
static const struct {
	ZydisMnemonic mnemonic;
	uint8_t cls;
} insn_mnemonic_classes[] = {
	{ ZYDIS_MNEMONIC_CPUID, INSN_CPUID }, { ZYDIS_MNEMONIC_RDMSR, INSN_RDMSR },
	{ ZYDIS_MNEMONIC_WRMSR, INSN_WRMSR }, { ZYDIS_MNEMONIC_RDTSC, INSN_RDTSC },
	{ ZYDIS_MNEMONIC_RDTSCP, INSN_RDTSCP }, { ZYDIS_MNEMONIC_WBINVD, INSN_WBINVD },
	{ ZYDIS_MNEMONIC_INVD, INSN_INVD }, { ZYDIS_MNEMONIC_XSETBV, INSN_XSETBV },
	{ ZYDIS_MNEMONIC_MONITOR, INSN_MONITOR }, { ZYDIS_MNEMONIC_MONITORX, INSN_MONITOR },
	{ ZYDIS_MNEMONIC_MWAIT, INSN_MWAIT }, { ZYDIS_MNEMONIC_MWAITX, INSN_MWAIT },
	{ ZYDIS_MNEMONIC_VMMCALL, INSN_VMMCALL }, { ZYDIS_MNEMONIC_HLT, INSN_HLT },
	{ ZYDIS_MNEMONIC_IN, INSN_IN }, { ZYDIS_MNEMONIC_OUT, INSN_OUT },
	{ ZYDIS_MNEMONIC_INSB, INSN_INS }, { ZYDIS_MNEMONIC_INSW, INSN_INS },
	{ ZYDIS_MNEMONIC_INSD, INSN_INS }, { ZYDIS_MNEMONIC_OUTSB, INSN_OUTS },
	{ ZYDIS_MNEMONIC_OUTSW, INSN_OUTS }, { ZYDIS_MNEMONIC_OUTSD, INSN_OUTS },
	{ ZYDIS_MNEMONIC_STOSB, INSN_STOS }, { ZYDIS_MNEMONIC_STOSW, INSN_STOS },
	{ ZYDIS_MNEMONIC_STOSD, INSN_STOS }, { ZYDIS_MNEMONIC_STOSQ, INSN_STOS },
	{ ZYDIS_MNEMONIC_LODSB, INSN_LODS }, { ZYDIS_MNEMONIC_LODSW, INSN_LODS },
	{ ZYDIS_MNEMONIC_LODSD, INSN_LODS }, { ZYDIS_MNEMONIC_LODSQ, INSN_LODS },
	{ ZYDIS_MNEMONIC_MOVSB, INSN_MOVS }, { ZYDIS_MNEMONIC_MOVSW, INSN_MOVS },
	{ ZYDIS_MNEMONIC_MOVSD, INSN_MOVS }, { ZYDIS_MNEMONIC_MOVSQ, INSN_MOVS },
	{ ZYDIS_MNEMONIC_MOV, INSN_MOV_LOAD }, { ZYDIS_MNEMONIC_MOVZX, INSN_MOVZX },
	{ ZYDIS_MNEMONIC_MOVSX, INSN_MOVSX }, { ZYDIS_MNEMONIC_MOVSXD, INSN_MOVSX },
};

/** A general purpose register as index, size and high-byte flag. */
static bool insn_gpr(ZydisRegister r, struct insn_reg *out)
{
	static const struct {
		ZydisRegister first, last;
		uint8_t index0, size;
	} ranges[] = {
		{ ZYDIS_REGISTER_AL, ZYDIS_REGISTER_BL, 0, 1 },
		{ ZYDIS_REGISTER_AH, ZYDIS_REGISTER_BH, 0, 1 },
		{ ZYDIS_REGISTER_SPL, ZYDIS_REGISTER_R15B, 4, 1 },
		{ ZYDIS_REGISTER_AX, ZYDIS_REGISTER_R15W, 0, 2 },
		{ ZYDIS_REGISTER_EAX, ZYDIS_REGISTER_R15D, 0, 4 },
		{ ZYDIS_REGISTER_RAX, ZYDIS_REGISTER_R15, 0, 8 },
	};

	for (size_t i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++) {
		if (r < ranges[i].first || r > ranges[i].last)
			continue;
		out->index = (uint8_t)(ranges[i].index0 + (r - ranges[i].first));
		out->size = ranges[i].size;
		out->high8 = ranges[i].first == ZYDIS_REGISTER_AH;
		return true;
	}
	return false;
}

/** The GPR index of an address register, or INSN_REG_NONE. */
static uint8_t insn_addr_reg(ZydisRegister r)
{
	struct insn_reg reg;

	return insn_gpr(r, &reg) ? reg.index : INSN_REG_NONE;
}

/** A Zydis memory operand (not LEA's agen, not MIB or VSIB) as struct insn_mem. */
static bool insn_mem(const ZydisDecodedOperand *op, uint64_t next_rip, struct insn_mem *m)
{
	const ZydisDecodedOperandMem *zm = &op->mem;

	if (op->type != ZYDIS_OPERAND_TYPE_MEMORY || zm->type != ZYDIS_MEMOP_TYPE_MEM)
		return false;
	if (zm->segment < ZYDIS_REGISTER_ES || zm->segment > ZYDIS_REGISTER_GS)
		return false;
	m->seg = (uint8_t)(zm->segment - ZYDIS_REGISTER_ES);
	m->size = (uint8_t)(op->size / 8);
	m->disp = zm->disp.has_displacement ? (uint64_t)zm->disp.value : 0;
	m->index = insn_addr_reg(zm->index);
	m->scale = m->index == INSN_REG_NONE ? 1 : zm->scale;
	if (zm->base == ZYDIS_REGISTER_RIP || zm->base == ZYDIS_REGISTER_EIP) {
		m->base = INSN_REG_NONE;
		m->disp += next_rip;
	} else {
		m->base = insn_addr_reg(zm->base);
	}
	return true;
}

static bool insn_is_reg(const ZydisDecodedOperand *op, ZydisRegisterClass cls)
{
	return op->type == ZYDIS_OPERAND_TYPE_REGISTER &&
	       ZydisRegisterGetClass(op->reg.value) == cls;
}

static bool insn_op_gpr(const ZydisDecodedOperand *op, struct insn_reg *out)
{
	return op->type == ZYDIS_OPERAND_TYPE_REGISTER && insn_gpr(op->reg.value, out);
}

/** MOV reg, mem / MOV mem, reg / MOV mem, imm / MOV DRn <-> reg; other MOVs are OTHER. */
static uint8_t insn_mov_class(const ZydisDecodedOperand *ops, uint64_t next_rip, struct insn *insn)
{
	if (insn_mem(&ops[0], next_rip, &insn->mem)) {
		insn->has_mem = true;
		if (ops[1].type == ZYDIS_OPERAND_TYPE_IMMEDIATE) {
			insn->imm = ops[1].imm.value.u;
			insn->has_imm = true;
			return INSN_MOV_STORE_IMM;
		}
		return insn_op_gpr(&ops[1], &insn->reg) ? INSN_MOV_STORE : INSN_OTHER;
	}
	if (insn_mem(&ops[1], next_rip, &insn->mem)) {
		insn->has_mem = true;
		return insn_op_gpr(&ops[0], &insn->reg) ? INSN_MOV_LOAD : INSN_OTHER;
	}
	if (insn_is_reg(&ops[0], ZYDIS_REGCLASS_DEBUG) && insn_op_gpr(&ops[1], &insn->reg)) {
		insn->dr = (uint8_t)(ops[0].reg.value - ZYDIS_REGISTER_DR0);
		return INSN_MOV_TO_DR;
	}
	if (insn_is_reg(&ops[1], ZYDIS_REGCLASS_DEBUG) && insn_op_gpr(&ops[0], &insn->reg)) {
		insn->dr = (uint8_t)(ops[1].reg.value - ZYDIS_REGISTER_DR0);
		return INSN_MOV_FROM_DR;
	}
	return INSN_OTHER;
}

/** MOVZX/MOVSX/MOVSXD reg, mem; the register forms are OTHER. */
static uint8_t insn_extend_class(uint8_t cls, const ZydisDecodedOperand *ops, uint64_t next_rip,
				 struct insn *insn)
{
	if (insn_mem(&ops[1], next_rip, &insn->mem) && insn_op_gpr(&ops[0], &insn->reg)) {
		insn->has_mem = true;
		return cls;
	}
	return INSN_OTHER;
}

/**
 * String and port instructions: the data register is rAX of the operand
 * size; the memory operand is the one read (seg:rSI) if there is one, else
 * the one written (ES:rDI); the port is the imm8 if there is one, else DX.
 */
static uint8_t insn_string_io_class(uint8_t cls, const ZydisDecodedInstruction *zi,
				    const ZydisDecodedOperand *ops, struct insn *insn)
{
	struct insn_mem mem;
	bool have_read = false;

	for (unsigned int i = 0; i < zi->operand_count; i++) {
		bool read = ops[i].actions & (ZYDIS_OPERAND_ACTION_READ | ZYDIS_OPERAND_ACTION_CONDREAD);

		if (ops[i].type == ZYDIS_OPERAND_TYPE_IMMEDIATE) {
			insn->imm = ops[i].imm.value.u;
			insn->has_imm = true;
		} else if (insn_mem(&ops[i], 0, &mem) && (read || !have_read)) {
			insn->mem = mem;
			insn->has_mem = true;
			have_read = read;
		}
	}
	if (cls != INSN_MOVS && cls != INSN_INS && cls != INSN_OUTS)
		insn->reg = (struct insn_reg){ .index = INSN_RAX, .size = insn->op_size };
	return cls;
}

/** The class by mnemonic; string moves only in the one-byte map (SSE MOVSD is 0F 10). */
static uint8_t insn_mnemonic_class(const ZydisDecodedInstruction *zi)
{
	if (zi->encoding != ZYDIS_INSTRUCTION_ENCODING_LEGACY)
		return INSN_OTHER;
	for (size_t i = 0; i < sizeof(insn_mnemonic_classes) / sizeof(insn_mnemonic_classes[0]); i++) {
		if (insn_mnemonic_classes[i].mnemonic != zi->mnemonic)
			continue;
		if (insn_mnemonic_classes[i].cls == INSN_MOVS && zi->opcode_map != ZYDIS_OPCODE_MAP_DEFAULT)
			return INSN_OTHER;
		return insn_mnemonic_classes[i].cls;
	}
	return INSN_OTHER;
}

/** F3 0F 01 D9 is VMGEXIT: the last of the F2/F3 prefixes is F3 (GHCB 56421 §2.3.1). */
static bool insn_last_rep_is_f3(const ZydisDecodedInstruction *zi)
{
	uint8_t last = 0;

	for (unsigned int i = 0; i < zi->raw.prefix_count; i++)
		if (zi->raw.prefixes[i].value == 0xf2 || zi->raw.prefixes[i].value == 0xf3)
			last = zi->raw.prefixes[i].value;
	return last == 0xf3;
}

static uint8_t insn_class_of(const ZydisDecodedInstruction *zi, const ZydisDecodedOperand *ops,
			     uint64_t next_rip, struct insn *insn)
{
	uint8_t cls = insn_mnemonic_class(zi);

	switch (cls) {
	case INSN_MOV_LOAD:
		return insn_mov_class(ops, next_rip, insn);
	case INSN_MOVZX:
	case INSN_MOVSX:
		return insn_extend_class(cls, ops, next_rip, insn);
	case INSN_MOVS: case INSN_STOS: case INSN_LODS:
	case INSN_IN: case INSN_OUT: case INSN_INS: case INSN_OUTS:
		return insn_string_io_class(cls, zi, ops, insn);
	case INSN_VMMCALL:
		return insn_last_rep_is_f3(zi) ? INSN_VMGEXIT : INSN_VMMCALL;
	default:
		return cls;
	}
}

void insn_fill_class(const ZydisDecodedInstruction *zi, const ZydisDecodedOperand *ops,
		     uint64_t rip, struct insn *insn)
{
	insn->cls = insn_class_of(zi, ops, rip + zi->length, insn);
	if (insn->cls != INSN_OTHER)
		return;
	/* A partly matched form (MOV to a segment register, say): no operands. */
	insn->reg = (struct insn_reg){ .index = INSN_REG_NONE };
	insn->mem = (struct insn_mem){ .base = INSN_REG_NONE, .index = INSN_REG_NONE,
				       .seg = INSN_SEG_NONE };
	insn->has_mem = insn->has_imm = false;
	insn->imm = 0;
}
