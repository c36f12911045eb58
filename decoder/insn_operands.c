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
	{ ZYDIS_MNEMONIC_CPUID, INSN_CPUID },
	{ ZYDIS_MNEMONIC_RDMSR, INSN_RDMSR },
	{ ZYDIS_MNEMONIC_WRMSR, INSN_WRMSR },
	{ ZYDIS_MNEMONIC_RDTSC, INSN_RDTSC },
	{ ZYDIS_MNEMONIC_RDTSCP, INSN_RDTSCP },
	{ ZYDIS_MNEMONIC_WBINVD, INSN_WBINVD },
	{ ZYDIS_MNEMONIC_INVD, INSN_INVD },
	{ ZYDIS_MNEMONIC_XSETBV, INSN_XSETBV },
	{ ZYDIS_MNEMONIC_MONITOR, INSN_MONITOR },
	{ ZYDIS_MNEMONIC_MONITORX, INSN_MONITOR },
	{ ZYDIS_MNEMONIC_MWAIT, INSN_MWAIT },
	{ ZYDIS_MNEMONIC_MWAITX, INSN_MWAIT },
	{ ZYDIS_MNEMONIC_VMMCALL, INSN_VMMCALL },
	{ ZYDIS_MNEMONIC_HLT, INSN_HLT },
	{ ZYDIS_MNEMONIC_IN, INSN_IN },
	{ ZYDIS_MNEMONIC_OUT, INSN_OUT },
	{ ZYDIS_MNEMONIC_INSB, INSN_INS },
	{ ZYDIS_MNEMONIC_INSW, INSN_INS },
	{ ZYDIS_MNEMONIC_INSD, INSN_INS },
	{ ZYDIS_MNEMONIC_OUTSB, INSN_OUTS },
	{ ZYDIS_MNEMONIC_OUTSW, INSN_OUTS },
	{ ZYDIS_MNEMONIC_OUTSD, INSN_OUTS },
	{ ZYDIS_MNEMONIC_STOSB, INSN_STOS },
	{ ZYDIS_MNEMONIC_STOSW, INSN_STOS },
	{ ZYDIS_MNEMONIC_STOSD, INSN_STOS },
	{ ZYDIS_MNEMONIC_STOSQ, INSN_STOS },
	{ ZYDIS_MNEMONIC_LODSB, INSN_LODS },
	{ ZYDIS_MNEMONIC_LODSW, INSN_LODS },
	{ ZYDIS_MNEMONIC_LODSD, INSN_LODS },
	{ ZYDIS_MNEMONIC_LODSQ, INSN_LODS },
	{ ZYDIS_MNEMONIC_MOVSB, INSN_MOVS },
	{ ZYDIS_MNEMONIC_MOVSW, INSN_MOVS },
	{ ZYDIS_MNEMONIC_MOVSD, INSN_MOVS },
	{ ZYDIS_MNEMONIC_MOVSQ, INSN_MOVS },
	{ ZYDIS_MNEMONIC_MOV, INSN_MOV_LOAD },
	{ ZYDIS_MNEMONIC_MOVZX, INSN_MOVZX },
	{ ZYDIS_MNEMONIC_MOVSX, INSN_MOVSX },
	{ ZYDIS_MNEMONIC_MOVSXD, INSN_MOVSX },
	{ ZYDIS_MNEMONIC_ADD, INSN_ADD },
	{ ZYDIS_MNEMONIC_OR, INSN_OR },
	{ ZYDIS_MNEMONIC_ADC, INSN_ADC },
	{ ZYDIS_MNEMONIC_SBB, INSN_SBB },
	{ ZYDIS_MNEMONIC_AND, INSN_AND },
	{ ZYDIS_MNEMONIC_SUB, INSN_SUB },
	{ ZYDIS_MNEMONIC_XOR, INSN_XOR },
	{ ZYDIS_MNEMONIC_CMP, INSN_CMP },
	{ ZYDIS_MNEMONIC_TEST, INSN_TEST },
	{ ZYDIS_MNEMONIC_INC, INSN_INC },
	{ ZYDIS_MNEMONIC_DEC, INSN_DEC },
	{ ZYDIS_MNEMONIC_NEG, INSN_NEG },
	{ ZYDIS_MNEMONIC_NOT, INSN_NOT },
	{ ZYDIS_MNEMONIC_ROL, INSN_ROL },
	{ ZYDIS_MNEMONIC_ROR, INSN_ROR },
	{ ZYDIS_MNEMONIC_RCL, INSN_RCL },
	{ ZYDIS_MNEMONIC_RCR, INSN_RCR },
	{ ZYDIS_MNEMONIC_SHL, INSN_SHL },
	{ ZYDIS_MNEMONIC_SHR, INSN_SHR },
	{ ZYDIS_MNEMONIC_SAR, INSN_SAR },
	{ ZYDIS_MNEMONIC_BT, INSN_BT },
	{ ZYDIS_MNEMONIC_BTS, INSN_BTS },
	{ ZYDIS_MNEMONIC_BTR, INSN_BTR },
	{ ZYDIS_MNEMONIC_BTC, INSN_BTC },
	{ ZYDIS_MNEMONIC_XCHG, INSN_XCHG },
	{ ZYDIS_MNEMONIC_CMPXCHG, INSN_CMPXCHG },
	{ ZYDIS_MNEMONIC_CMPXCHG8B, INSN_CMPXCHG8B },
	{ ZYDIS_MNEMONIC_CMPXCHG16B, INSN_CMPXCHG16B },
	{ ZYDIS_MNEMONIC_XADD, INSN_XADD },
	{ ZYDIS_MNEMONIC_PUSH, INSN_PUSH },
	{ ZYDIS_MNEMONIC_POP, INSN_POP },
	{ ZYDIS_MNEMONIC_CMPSB, INSN_CMPS },
	{ ZYDIS_MNEMONIC_CMPSW, INSN_CMPS },
	{ ZYDIS_MNEMONIC_CMPSD, INSN_CMPS },
	{ ZYDIS_MNEMONIC_CMPSQ, INSN_CMPS },
	{ ZYDIS_MNEMONIC_SCASB, INSN_SCAS },
	{ ZYDIS_MNEMONIC_SCASW, INSN_SCAS },
	{ ZYDIS_MNEMONIC_SCASD, INSN_SCAS },
	{ ZYDIS_MNEMONIC_SCASQ, INSN_SCAS },
	{ ZYDIS_MNEMONIC_MOVBE, INSN_MOVBE },
	{ ZYDIS_MNEMONIC_MOVNTI, INSN_MOVNTI },
	{ ZYDIS_MNEMONIC_CLFLUSH, INSN_CACHE_HINT },
	{ ZYDIS_MNEMONIC_CLFLUSHOPT, INSN_CACHE_HINT },
	{ ZYDIS_MNEMONIC_CLWB, INSN_CACHE_HINT },
	{ ZYDIS_MNEMONIC_PREFETCHNTA, INSN_CACHE_HINT },
	{ ZYDIS_MNEMONIC_PREFETCHT0, INSN_CACHE_HINT },
	{ ZYDIS_MNEMONIC_PREFETCHT1, INSN_CACHE_HINT },
	{ ZYDIS_MNEMONIC_PREFETCHT2, INSN_CACHE_HINT },
	{ ZYDIS_MNEMONIC_PREFETCH, INSN_CACHE_HINT },
	{ ZYDIS_MNEMONIC_PREFETCHW, INSN_CACHE_HINT },
	{ ZYDIS_MNEMONIC_MUL, INSN_MUL },
	{ ZYDIS_MNEMONIC_IMUL, INSN_IMUL },
	{ ZYDIS_MNEMONIC_DIV, INSN_DIV },
	{ ZYDIS_MNEMONIC_IDIV, INSN_IDIV },
	{ ZYDIS_MNEMONIC_SHLD, INSN_SHLD },
	{ ZYDIS_MNEMONIC_SHRD, INSN_SHRD },
	{ ZYDIS_MNEMONIC_BSF, INSN_BSF },
	{ ZYDIS_MNEMONIC_BSR, INSN_BSR },
	{ ZYDIS_MNEMONIC_TZCNT, INSN_TZCNT },
	{ ZYDIS_MNEMONIC_LZCNT, INSN_LZCNT },
	{ ZYDIS_MNEMONIC_POPCNT, INSN_POPCNT },
	{ ZYDIS_MNEMONIC_ADCX, INSN_ADCX },
	{ ZYDIS_MNEMONIC_ADOX, INSN_ADOX },
	{ ZYDIS_MNEMONIC_CRC32, INSN_CRC32 },
};

/**
 * The VEX-encoded general-purpose classes (BMI1, BMI2).  TBM's XOP-encoded
 * BEXTR imm32 and the other TBM instructions are not among them: no CPU
 * that runs SEV-SNP has TBM (APM 24594 "BEXTR (immediate form)"), so the CPU
 * itself raises #UD on them before any memory access.
 */
static const struct {
	ZydisMnemonic mnemonic;
	uint8_t cls;
} insn_vex_gp_classes[] = {
	{ ZYDIS_MNEMONIC_MULX, INSN_MULX },	{ ZYDIS_MNEMONIC_ANDN, INSN_ANDN },
	{ ZYDIS_MNEMONIC_BEXTR, INSN_BEXTR },	{ ZYDIS_MNEMONIC_BLSI, INSN_BLSI },
	{ ZYDIS_MNEMONIC_BLSMSK, INSN_BLSMSK }, { ZYDIS_MNEMONIC_BLSR, INSN_BLSR },
	{ ZYDIS_MNEMONIC_BZHI, INSN_BZHI },	{ ZYDIS_MNEMONIC_PDEP, INSN_PDEP },
	{ ZYDIS_MNEMONIC_PEXT, INSN_PEXT },	{ ZYDIS_MNEMONIC_SARX, INSN_SARX },
	{ ZYDIS_MNEMONIC_SHLX, INSN_SHLX },	{ ZYDIS_MNEMONIC_SHRX, INSN_SHRX },
	{ ZYDIS_MNEMONIC_RORX, INSN_RORX },
};

/** SSE and AVX moves between a vector register and memory (legacy or VEX encoded). */
static const struct {
	ZydisMnemonic sse, avx;
	uint8_t cls;
	bool aligned; /**< #GP(0) unless the operand is aligned to its size */
} insn_vec_classes[] = {
	{ ZYDIS_MNEMONIC_MOVD, ZYDIS_MNEMONIC_VMOVD, INSN_MOVD, false },
	{ ZYDIS_MNEMONIC_MOVQ, ZYDIS_MNEMONIC_VMOVQ, INSN_MOVQ, false },
	{ ZYDIS_MNEMONIC_MOVDQA, ZYDIS_MNEMONIC_VMOVDQA, INSN_MOVDQA, true },
	{ ZYDIS_MNEMONIC_MOVDQU, ZYDIS_MNEMONIC_VMOVDQU, INSN_MOVDQU, false },
	{ ZYDIS_MNEMONIC_MOVAPS, ZYDIS_MNEMONIC_VMOVAPS, INSN_MOVAPS, true },
	{ ZYDIS_MNEMONIC_MOVUPS, ZYDIS_MNEMONIC_VMOVUPS, INSN_MOVUPS, false },
	{ ZYDIS_MNEMONIC_MOVAPD, ZYDIS_MNEMONIC_VMOVAPD, INSN_MOVAPD, true },
	{ ZYDIS_MNEMONIC_MOVUPD, ZYDIS_MNEMONIC_VMOVUPD, INSN_MOVUPD, false },
	{ ZYDIS_MNEMONIC_MOVNTDQ, ZYDIS_MNEMONIC_VMOVNTDQ, INSN_MOVNTDQ, true },
	{ ZYDIS_MNEMONIC_MOVNTPS, ZYDIS_MNEMONIC_VMOVNTPS, INSN_MOVNTPS, true },
	{ ZYDIS_MNEMONIC_MOVSS, ZYDIS_MNEMONIC_VMOVSS, INSN_MOVSS, false },
	{ ZYDIS_MNEMONIC_MOVSD, ZYDIS_MNEMONIC_VMOVSD, INSN_MOVSD,
	  false }, /* not the string MOVSD */
	{ ZYDIS_MNEMONIC_MOVNTPD, ZYDIS_MNEMONIC_VMOVNTPD, INSN_MOVNTPD, true },
	{ ZYDIS_MNEMONIC_MOVNTDQA, ZYDIS_MNEMONIC_VMOVNTDQA, INSN_MOVNTDQA, true },
	{ ZYDIS_MNEMONIC_LDDQU, ZYDIS_MNEMONIC_VLDDQU, INSN_LDDQU, false },
	{ ZYDIS_MNEMONIC_MOVNTSS, ZYDIS_MNEMONIC_INVALID, INSN_MOVNTSS, false }, /* no VEX form */
	{ ZYDIS_MNEMONIC_MOVNTSD, ZYDIS_MNEMONIC_INVALID, INSN_MOVNTSD, false },
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

/** XMM0-15 or YMM0-15 as a vector register operand. */
static bool insn_op_vreg(const ZydisDecodedOperand *op, struct insn_vreg *out)
{
	if (insn_is_reg(op, ZYDIS_REGCLASS_XMM))
		out->index = (uint8_t)(op->reg.value - ZYDIS_REGISTER_XMM0);
	else if (insn_is_reg(op, ZYDIS_REGCLASS_YMM))
		out->index = (uint8_t)(op->reg.value - ZYDIS_REGISTER_YMM0);
	else
		return false;
	return out->index < INSN_VEC_COUNT;
}

/**
 * The classes with one memory operand (op 0 or op 1) and at most one other
 * explicit or implicit operand: an immediate, a GPR, or (vector classes) an
 * XMM/YMM register.  reg_dst when the memory operand is the source (op 1).
 * A form without a memory operand, or with another kind of operand (MMX,
 * segment register, a push of an immediate), is OTHER.
 */
static uint8_t insn_mem_class(uint8_t cls, const ZydisDecodedInstruction *zi,
			      const ZydisDecodedOperand *ops, uint64_t next_rip, struct insn *insn)
{
	unsigned int m = 0;
	const ZydisDecodedOperand *other;

	if (!insn_mem(&ops[0], next_rip, &insn->mem)) {
		m = 1;
		if (zi->operand_count_visible < 2 || !insn_mem(&ops[1], next_rip, &insn->mem))
			return INSN_OTHER;
	}
	insn->has_mem = true;
	insn->reg_dst = m == 1;
	if (zi->operand_count_visible < 2)
		return cls;
	other = &ops[1 - m];
	if (other->type == ZYDIS_OPERAND_TYPE_IMMEDIATE) {
		insn->imm = other->imm.value.u;
		insn->has_imm = true;
		return cls;
	}
	if (cls >= INSN_MOVD)
		return insn_op_vreg(other, &insn->vreg) ? cls : INSN_OTHER;
	return insn_op_gpr(other, &insn->reg) ? cls : INSN_OTHER;
}

/**
 * MUL..CRC32: one memory operand, up to two GPRs and an immediate among
 * the visible operands, in Zydis's order (the destination first): the
 * first GPR is reg, the second reg2 (VEX.vvvv, or SHLD/SHRD's CL); reg_dst
 * when operand 0 is a register.  A form without a memory operand, or with
 * another kind of operand, is OTHER.
 */
static uint8_t insn_gpr_ops_class(uint8_t cls, const ZydisDecodedInstruction *zi,
				  const ZydisDecodedOperand *ops, uint64_t next_rip,
				  struct insn *insn)
{
	unsigned int nregs = 0;
	struct insn_reg r;

	for (unsigned int i = 0; i < zi->operand_count_visible; i++) {
		if (ops[i].type == ZYDIS_OPERAND_TYPE_IMMEDIATE && !insn->has_imm) {
			insn->imm = ops[i].imm.value.u;
			insn->has_imm = true;
		} else if (!insn->has_mem && insn_mem(&ops[i], next_rip, &insn->mem)) {
			insn->has_mem = true;
		} else if (nregs < 2 && insn_op_gpr(&ops[i], &r)) {
			if (nregs++)
				insn->reg2 = r;
			else
				insn->reg = r;
		} else {
			return INSN_OTHER;
		}
	}
	if (!insn->has_mem)
		return INSN_OTHER;
	insn->reg_dst = ops[0].type == ZYDIS_OPERAND_TYPE_REGISTER;
	return cls;
}

/** The SSE/AVX move classes; VEX.128 and VEX.256 only (no EVEX, no MMX). */
static uint8_t insn_vec_class(const ZydisDecodedInstruction *zi, const ZydisDecodedOperand *ops,
			      uint64_t next_rip, struct insn *insn)
{
	bool vex = zi->encoding == ZYDIS_INSTRUCTION_ENCODING_VEX;

	if (!vex && zi->encoding != ZYDIS_INSTRUCTION_ENCODING_LEGACY)
		return INSN_OTHER;
	for (size_t i = 0; i < sizeof(insn_vec_classes) / sizeof(insn_vec_classes[0]); i++) {
		if (zi->mnemonic != (vex ? insn_vec_classes[i].avx : insn_vec_classes[i].sse))
			continue;
		if (insn_mem_class(insn_vec_classes[i].cls, zi, ops, next_rip, insn) ==
			    INSN_OTHER ||
		    insn->has_imm)
			return INSN_OTHER;
		insn->vreg.vex = vex;
		insn->align = insn_vec_classes[i].aligned ? insn->mem.size : 0;
		return insn_vec_classes[i].cls;
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
		bool read = ops[i].actions &
			    (ZYDIS_OPERAND_ACTION_READ | ZYDIS_OPERAND_ACTION_CONDREAD);

		if (ops[i].type == ZYDIS_OPERAND_TYPE_IMMEDIATE) {
			insn->imm = ops[i].imm.value.u;
			insn->has_imm = true;
		} else if (insn_mem(&ops[i], 0, &mem) && !have_read) {
			/* the first one read (CMPS: seg:rSI), else the last one written */
			insn->mem = mem;
			insn->has_mem = true;
			have_read = read;
		}
	}
	if (cls != INSN_MOVS && cls != INSN_INS && cls != INSN_OUTS && cls != INSN_CMPS)
		insn->reg = (struct insn_reg){ .index = INSN_RAX, .size = insn->op_size };
	return cls;
}

/**
 * The class by mnemonic; SETcc and CMOVcc by opcode (0F 90-9F, 0F 40-4F);
 * string instructions only in the one-byte map (SSE MOVSD is 0F 10, CMPSD
 * F2 0F C2); the VEX-encoded ones from their own table (the vector moves
 * are OTHER here: insn_vec_class() takes them).
 */
static uint8_t insn_mnemonic_class(const ZydisDecodedInstruction *zi)
{
	uint8_t cls;

	if (zi->encoding == ZYDIS_INSTRUCTION_ENCODING_VEX) {
		for (size_t i = 0; i < sizeof(insn_vex_gp_classes) / sizeof(insn_vex_gp_classes[0]);
		     i++)
			if (insn_vex_gp_classes[i].mnemonic == zi->mnemonic)
				return insn_vex_gp_classes[i].cls;
		return INSN_OTHER;
	}
	if (zi->encoding != ZYDIS_INSTRUCTION_ENCODING_LEGACY)
		return INSN_OTHER;
	if (zi->mnemonic == ZYDIS_MNEMONIC_MOV)
		return INSN_MOV_LOAD; /* most device accesses: before the table's search */
	if (zi->opcode_map == ZYDIS_OPCODE_MAP_0F && (zi->opcode & 0xf0) == 0x90)
		return INSN_SETCC;
	if (zi->opcode_map == ZYDIS_OPCODE_MAP_0F && (zi->opcode & 0xf0) == 0x40)
		return INSN_CMOVCC;
	for (size_t i = 0; i < sizeof(insn_mnemonic_classes) / sizeof(insn_mnemonic_classes[0]);
	     i++) {
		if (insn_mnemonic_classes[i].mnemonic != zi->mnemonic)
			continue;
		cls = insn_mnemonic_classes[i].cls;
		if ((cls == INSN_MOVS || cls == INSN_CMPS) &&
		    zi->opcode_map != ZYDIS_OPCODE_MAP_DEFAULT)
			return INSN_OTHER;
		return cls;
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
	case INSN_MOVS:
	case INSN_STOS:
	case INSN_LODS:
	case INSN_CMPS:
	case INSN_SCAS:
	case INSN_IN:
	case INSN_OUT:
	case INSN_INS:
	case INSN_OUTS:
		return insn_string_io_class(cls, zi, ops, insn);
	case INSN_VMMCALL:
		return insn_last_rep_is_f3(zi) ? INSN_VMGEXIT : INSN_VMMCALL;
	case INSN_SETCC:
	case INSN_CMOVCC:
		insn->cc = zi->opcode & 0xf;
		return insn_mem_class(cls, zi, ops, next_rip, insn);
	case INSN_CMPXCHG16B:
		insn->align = 16;
		return insn_mem_class(cls, zi, ops, next_rip, insn);
	case INSN_OTHER:
		return insn_vec_class(zi, ops, next_rip, insn);
	default:
		if (cls >= INSN_MUL && cls <= INSN_CRC32)
			return insn_gpr_ops_class(cls, zi, ops, next_rip, insn);
		if (cls >= INSN_ADD)
			return insn_mem_class(cls, zi, ops, next_rip, insn);
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
	insn->reg = insn->reg2 = (struct insn_reg){ .index = INSN_REG_NONE };
	insn->mem = (struct insn_mem){ .base = INSN_REG_NONE,
				       .index = INSN_REG_NONE,
				       .seg = INSN_SEG_NONE };
	insn->has_mem = insn->has_imm = insn->reg_dst = false;
	insn->imm = 0;
	insn->cc = insn->align = 0;
	insn->vreg = (struct insn_vreg){ 0 };
}
