/* SPDX-License-Identifier: MIT */
/*
 * MSRs the hypervisor emulates for the guest (the GHCB MSR NAE, 0x7C), as
 * KVM would for a q35 guest.  Anything not listed is #GP: the hypervisor
 * never lets the guest reach a physical MSR.
 */
#include "vm.h"
#include "x86.h"

#define MSR_TSC		  0x10
#define MSR_PLATFORM_ID	  0x17
#define MSR_APIC_BASE	  0x1B
#define MSR_UCODE_REV	  0x8B
#define MSR_MTRR_CAP	  0xFE
#define MSR_MCG_CAP	  0x179
#define MSR_MCG_STATUS	  0x17A
#define MSR_MISC_ENABLE	  0x1A0
#define MSR_MTRR_DEF_TYPE 0x2FF
#define MSR_TSC_AUX	  0xC0000103

#define APIC_BASE_DEFAULT 0xFEE00000ULL
#define APIC_BASE_BSP	  BIT(8)
#define APIC_BASE_X2APIC  BIT(10)
#define APIC_BASE_ENABLE  BIT(11)

#define X2APIC_FIRST	0x800
#define X2APIC_LAST	0x8FF
#define X2APIC_ID	0x802
#define X2APIC_EOI	0x80B
#define X2APIC_LDR	0x80D
#define X2APIC_SVR	0x80F
#define X2APIC_ICR	0x830
#define X2APIC_SELF_IPI 0x83F

/**
 * The guest's x2APIC (what a KVM guest sees) is carried by the real LAPIC
 * of the CPU that runs the vCPU, which QEMU 7.2 TCG offers only in xAPIC
 * mode: MSR 0x800 + n is MMIO offset n << 4 (Intel SDM vol. 3 §11.12.1).
 * Only the registers a guest needs for its timer, IPIs and EOI pass; the
 * spurious-vector register is kept per vCPU (snpemu owns the real one).
 */
static uint32_t x2apic_svr[MAX_VCPUS] = { [0 ... MAX_VCPUS - 1] = 0xFF };

static bool x2apic_readable(uint32_t msr)
{
	return msr == 0x803 || msr == 0x808 || msr == 0x80A || (msr >= 0x810 && msr <= 0x828) ||
	       msr == 0x832 || (msr >= 0x835 && msr <= 0x839) || msr == 0x83E;
}

static bool x2apic_writable(uint32_t msr)
{
	return msr == 0x808 || msr == 0x828 || msr == 0x832 || (msr >= 0x835 && msr <= 0x838) ||
	       msr == 0x83E;
}

static enum msr_result x2apic_read(struct vcpu *v, uint32_t msr, uint64_t *val)
{
	if (msr == X2APIC_ID)
		*val = v->apic_id;
	else if (msr == X2APIC_LDR)
		*val = ((v->apic_id >> 4) << 16) | (1u << (v->apic_id & 15));
	else if (msr == X2APIC_SVR)
		*val = x2apic_svr[v->index];
	else if (msr == X2APIC_ICR)
		*val = ((uint64_t)(lapic_read32(0x310) >> 24) << 32) | lapic_read32(0x300);
	else if (x2apic_readable(msr))
		*val = lapic_read32((msr - X2APIC_FIRST) << 4);
	else
		return MSR_GP;
	return MSR_OK;
}

static enum msr_result x2apic_write(struct vcpu *v, uint32_t msr, uint64_t val)
{
	if (msr == X2APIC_EOI) {
		if (val)
			return MSR_GP;
		irq_guest_eoi(v);
	} else if (msr == X2APIC_SVR) {
		if (val & ~0x11FFULL)
			return MSR_GP;
		x2apic_svr[v->index] = (uint32_t)val;
	} else if (msr == X2APIC_ICR) {
		unsigned int mode = (val >> 8) & 7, shorthand = (val >> 18) & 3;
		if ((val & 0xFF) < 16 || (mode != 0 && mode != 4) || (val & BIT(11)))
			return MSR_GP; /* fixed or NMI, physical destination */
		if (shorthand)
			lapic_write32(0x300, (uint32_t)val & 0xCFFFF);
		else if (mode == 0)
			irq_send_ipi(v, (uint32_t)(val >> 32), (uint8_t)val);
		else
			lapic_send_ipi((uint32_t)(val >> 32), (uint32_t)val & 0xFFFF);
	} else if (msr == X2APIC_SELF_IPI) {
		if (val > 0xFF || val < 16)
			return MSR_GP;
		lapic_write32(0x300, (1u << 18) | (uint32_t)val);
	} else if (x2apic_writable(msr) && !(val >> 32)) {
		lapic_write32((msr - X2APIC_FIRST) << 4, (uint32_t)val);
	} else {
		return MSR_GP;
	}
	return MSR_OK;
}

static uint64_t apic_base(const struct vcpu *v)
{
	return APIC_BASE_DEFAULT | APIC_BASE_ENABLE | APIC_BASE_X2APIC |
	       (v->index == 0 ? APIC_BASE_BSP : 0);
}

static uint64_t mtrr_def_type = 0xC06; /* MTRRs enabled, default write-back */

/** The vCPU's TSC: the CPU's plus the offset a TSC write set. */
uint64_t guest_tsc(const struct vcpu *v)
{
	return rdtsc() + v->vmcb->control.tsc_offset;
}

enum msr_result hv_msr_read(struct vcpu *v, uint32_t msr, uint64_t *val)
{
	if (msr >= X2APIC_FIRST && msr <= X2APIC_LAST)
		return x2apic_read(v, msr, val);
	switch (msr) {
	case MSR_TSC:
		*val = guest_tsc(v);
		return MSR_OK;
	case MSR_APIC_BASE:
		*val = apic_base(v);
		return MSR_OK;
	case MSR_PLATFORM_ID:
	case MSR_UCODE_REV:
	case MSR_MCG_CAP:
	case MSR_MCG_STATUS:
	case MSR_TSC_AUX:
		*val = 0;
		return MSR_OK;
	case MSR_MTRR_CAP:
		*val = 0x508; /* WC, fixed ranges, 8 variable ranges */
		return MSR_OK;
	case MSR_MISC_ENABLE:
		*val = 1; /* fast strings */
		return MSR_OK;
	case MSR_MTRR_DEF_TYPE:
		*val = mtrr_def_type;
		return MSR_OK;
	default:
		return MSR_GP;
	}
}

enum msr_result hv_msr_write(struct vcpu *v, uint32_t msr, uint64_t val)
{
	if (msr >= X2APIC_FIRST && msr <= X2APIC_LAST)
		return x2apic_write(v, msr, val);
	switch (msr) {
	case MSR_MTRR_DEF_TYPE:
		if (val & ~0xCFFULL)
			return MSR_GP;
		mtrr_def_type = val;
		return MSR_OK;
	case MSR_APIC_BASE:
		/* x2APIC mode only: no relocation, no return to xAPIC. */
		return val == apic_base(v) ? MSR_OK : MSR_GP;
	case MSR_MISC_ENABLE:
	case MSR_TSC_AUX:
		return MSR_OK;
	case MSR_TSC:
		/* As KVM (kvm_set_msr_common(), MSR_IA32_TSC): the vCPU's TSC offset,
		 * so that its TSC reads @val now, at every VMPL of the vCPU (one VMCB;
		 * TSC_OFFSET at offset 0x50, APM vol. 2 Table B-1). */
		v->vmcb->control.tsc_offset = val - rdtsc();
		return MSR_OK;
	default:
		return MSR_GP;
	}
}
