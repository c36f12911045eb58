/* SPDX-License-Identifier: MIT */
/*
 * What snpemu needs to know about the guest instruction at RIP, which QEMU
 * TCG does not tell (no NRIP save, no decode assists), decoded with Zydis:
 *  - its length (the NRIP of an intercepted instruction);
 *  - the guest virtual address of a data access that faulted in the nested
 *    walk: #VC 0x404 reports the GVA in CR2 (APM vol. 2, 15.36.10), but an #NPF
 *    exit carries only the GPA, so each memory operand's linear address is
 *    computed and the one that translates to the faulting page is kept;
 *  - the value a MOV/LMSW/CLTS writes to CR0 (the CR0 write intercept).
 */
#include "vm.h"

#include <Zydis/Zydis.h>

static const ZydisRegister gpr64[16] = {
	ZYDIS_REGISTER_RAX, ZYDIS_REGISTER_RCX, ZYDIS_REGISTER_RDX, ZYDIS_REGISTER_RBX,
	ZYDIS_REGISTER_RSP, ZYDIS_REGISTER_RBP, ZYDIS_REGISTER_RSI, ZYDIS_REGISTER_RDI,
	ZYDIS_REGISTER_R8,  ZYDIS_REGISTER_R9,	ZYDIS_REGISTER_R10, ZYDIS_REGISTER_R11,
	ZYDIS_REGISTER_R12, ZYDIS_REGISTER_R13, ZYDIS_REGISTER_R14, ZYDIS_REGISTER_R15,
};

static void register_context(const struct vcpu *v, ZydisRegisterContext *ctx)
{
	const struct guest_gprs *g = &v->gprs;
	const uint64_t vals[16] = {
		v->vmcb->save.rax,
		g->rcx,
		g->rdx,
		g->rbx,
		v->vmcb->save.rsp,
		g->rbp,
		g->rsi,
		g->rdi,
		g->r8,
		g->r9,
		g->r10,
		g->r11,
		g->r12,
		g->r13,
		g->r14,
		g->r15,
	};
	__builtin_memset(ctx, 0, sizeof(*ctx));
	for (int i = 0; i < 16; i++)
		ctx->values[gpr64[i]] = vals[i];
	ctx->values[ZYDIS_REGISTER_RIP] = v->vmcb->save.rip;
}

static unsigned int fetch_insn(struct vcpu *v, uint8_t *buf)
{
	uint64_t rip = v->vmcb->save.cs.base + v->vmcb->save.rip;
	unsigned int n = 0;
	while (n < ZYDIS_MAX_INSTRUCTION_LENGTH && guest_read_virt(v, rip + n, buf + n, 1))
		n++;
	return n;
}

/** Does [addr, addr + size) touch the page of fault_gpa?  Sets *gva to the
 * first faulting byte. */
static bool operand_hits(struct vcpu *v, uint64_t addr, uint64_t size, uint64_t fault_page,
			 uint64_t *gva)
{
	for (uint64_t a = addr; a < addr + size; a = (a & PAGE_MASK) + PAGE_SIZE) {
		uint64_t gpa;
		uint32_t err;
		if (guest_virt_to_phys(v, a, false, &gpa, &err) != WALK_OK)
			continue;
		if ((gpa & ~CBIT_MASK & PAGE_MASK) == fault_page) {
			*gva = a;
			return true;
		}
	}
	return false;
}

static bool decode_at_rip(struct vcpu *v, ZydisDecodedInstruction *insn, ZydisDecodedOperand *ops)
{
	ZydisDecoder dec;
	uint8_t bytes[ZYDIS_MAX_INSTRUCTION_LENGTH];
	const struct vmcb_save *s = &v->vmcb->save;
	ZydisMachineMode mode = ZYDIS_MACHINE_MODE_LONG_64;
	ZydisStackWidth width = ZYDIS_STACK_WIDTH_64;

	if (!(s->efer & EFER_LMA) || !(s->cs.attrib & BIT(9))) {
		bool big = s->cs.attrib & BIT(10);
		mode = !(s->cr0 & CR0_PE) ? ZYDIS_MACHINE_MODE_REAL_16
		       : big		  ? ZYDIS_MACHINE_MODE_LEGACY_32
					  : ZYDIS_MACHINE_MODE_LEGACY_16;
		width = big ? ZYDIS_STACK_WIDTH_32 : ZYDIS_STACK_WIDTH_16;
	}
	unsigned int n = fetch_insn(v, bytes);
	return ZYAN_SUCCESS(ZydisDecoderInit(&dec, mode, width)) &&
	       ZYAN_SUCCESS(ZydisDecoderDecodeFull(&dec, bytes, n, insn, ops));
}

/** Length of the instruction at RIP (the NRIP that TCG does not save);
 * an undecodable instruction kills the guest: it cannot have exited. */
unsigned int insn_length(struct vcpu *v)
{
	ZydisDecodedInstruction insn;
	ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
	if (!decode_at_rip(v, &insn, ops))
		guest_kill("cannot decode the instruction at rip %#lx",
			   (unsigned long)v->vmcb->save.rip);
	return insn.length;
}

bool fault_gva(struct vcpu *v, uint64_t fault_gpa, uint64_t *gva)
{
	ZydisDecodedInstruction insn;
	ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
	ZydisRegisterContext ctx;
	uint64_t fault_page = fault_gpa & ~CBIT_MASK & PAGE_MASK;

	if (!decode_at_rip(v, &insn, ops))
		return false;
	register_context(v, &ctx);
	for (unsigned int i = 0; i < insn.operand_count; i++) {
		const ZydisDecodedOperand *op = &ops[i];
		uint64_t addr;
		if (op->type != ZYDIS_OPERAND_TYPE_MEMORY || op->mem.type != ZYDIS_MEMOP_TYPE_MEM)
			continue;
		if (ZYAN_FAILED(
			    ZydisCalcAbsoluteAddressEx(&insn, op, v->vmcb->save.rip, &ctx, &addr)))
			continue;
		if (op->mem.segment == ZYDIS_REGISTER_FS)
			addr += v->vmcb->save.fs.base;
		else if (op->mem.segment == ZYDIS_REGISTER_GS)
			addr += v->vmcb->save.gs.base;
		uint64_t size = MAX(op->size / 8, 1u);
		/* An implicit stack write lands below RSP. */
		if (op->mem.base == ZYDIS_REGISTER_RSP &&
		    (op->visibility == ZYDIS_OPERAND_VISIBILITY_HIDDEN))
			if (operand_hits(v, addr - size, size, fault_page, gva))
				return true;
		if (operand_hits(v, addr, size, fault_page, gva))
			return true;
	}
	return false;
}

/** The 64-bit value of a general-purpose register operand (any width). */
static bool gpr_value(const struct vcpu *v, ZydisRegister reg, uint64_t *val)
{
	ZydisRegister full = ZydisRegisterGetLargestEnclosing(ZYDIS_MACHINE_MODE_LONG_64, reg);
	ZydisRegisterContext ctx;
	register_context(v, &ctx);
	for (int i = 0; i < 16; i++)
		if (gpr64[i] == full) {
			*val = ctx.values[full];
			return true;
		}
	return false;
}

/** The value a MOV to CRn at RIP writes; false if it is not one. */
bool insn_mov_to_cr(struct vcpu *v, unsigned int cr, uint64_t *val)
{
	ZydisDecodedInstruction insn;
	ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
	uint64_t src;
	if (!decode_at_rip(v, &insn, ops) || insn.mnemonic != ZYDIS_MNEMONIC_MOV ||
	    ops[0].type != ZYDIS_OPERAND_TYPE_REGISTER ||
	    ops[0].reg.value != (ZydisRegister)(ZYDIS_REGISTER_CR0 + cr) ||
	    ops[1].type != ZYDIS_OPERAND_TYPE_REGISTER || !gpr_value(v, ops[1].reg.value, &src))
		return false;
	*val = insn.operand_width == 32 ? (uint32_t)src : src;
	return true;
}

/** The new CR0 of a MOV to CR0, LMSW or CLTS at RIP; false if it is none. */
bool insn_cr0_write(struct vcpu *v, uint64_t *cr0)
{
	ZydisDecodedInstruction insn;
	ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
	uint64_t old = v->vmcb->save.cr0, src;

	if (!decode_at_rip(v, &insn, ops))
		return false;
	switch (insn.mnemonic) {
	case ZYDIS_MNEMONIC_MOV:
		return insn_mov_to_cr(v, 0, cr0);
	case ZYDIS_MNEMONIC_CLTS:
		*cr0 = old & ~BIT(3);
		return true;
	case ZYDIS_MNEMONIC_LMSW:
		if (ops[0].type != ZYDIS_OPERAND_TYPE_REGISTER ||
		    !gpr_value(v, ops[0].reg.value, &src))
			return false; /* (LMSW from memory: not used by firmware) */
		/* LMSW sets PE but cannot clear it, and writes MP, EM, TS. */
		*cr0 = (old & ~0xEULL) | (src & 0xF) | (old & 1);
		return true;
	default:
		return false;
	}
}

/** IOIO EXITINFO1 address-size bit (A16/A32/A64, APM 15.10.2) of the IN/OUT
 * at RIP: QEMU 7.2 TCG leaves bits 7-9 clear (observed), the hardware
 * sets them. */
uint64_t insn_ioio_address_size(struct vcpu *v)
{
	ZydisDecodedInstruction insn;
	ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
	if (!decode_at_rip(v, &insn, ops))
		guest_kill("cannot decode the I/O instruction at rip %#lx",
			   (unsigned long)v->vmcb->save.rip);
	switch (insn.address_width) {
	case 16:
		return BIT(7);
	case 32:
		return BIT(8);
	default:
		return BIT(9);
	}
}
