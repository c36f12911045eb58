/* SPDX-License-Identifier: MIT */
/*
 * RDMSR/WRMSR of the guest, by a policy table: each MSR is
 * emulated here, forwarded to the hypervisor, or #GP.  SEV MSRs never reach
 * the guest: SEV_STATUS reads 0 (the guest is "not SEV"), the GHCB MSR is
 * #GP.  The kvmclock MSRs are the paravisor's own (kvmclock.c).  MTRRs and PAT are emulated (the firmware programs them; the values
 * change no memory type under SNP guests here).  Decisions come before any
 * side effect.
 */
#include "core/ghcb_call.h"
#include "pvclock_abi.h"
#include "sev.h"
#include "vc/vc.h"
#include "core/stats.h"
#include "platform/apic.h"

enum msr_policy { MSR_EMULATE, MSR_FORWARD, MSR_ZERO, MSR_SINK, MSR_KVMCLOCK };

#define MSR_APIC_BASE	    0x1B
#define MSR_MTRR_CAP	    0xFE
#define MSR_MTRR_PHYS_FIRST 0x200
#define MSR_MTRR_PHYS_LAST  0x20F
#define MSR_MTRR_FIX_64K    0x250
#define MSR_MTRR_FIX_16K_0  0x258
#define MSR_MTRR_FIX_16K_1  0x259
#define MSR_MTRR_FIX_4K_0   0x268
#define MSR_MTRR_FIX_4K_7   0x26F
#define MSR_MTRR_DEF_TYPE   0x2FF
#define MSR_TSC_AUX	    0xC0000103
#define MSR_AMD_NB_CFG	    0xC001001F
#define MSR_AMD_SYSCFG	    0xC0010010 /* APM vol. 2, 3.2.1 */
#define MSR_K7_EVNTSEL0	    0xC0010000 /* PerfEvtSel0-3, PerfCtr0-3: APM vol. 2, 13.2.1 */
#define MSR_K7_PERFCTR3	    0xC0010007

struct msr_rule {
	uint32_t first, last;
	enum msr_policy policy;
	const char *why;
};

static const struct msr_rule rules[] = {
	{ 0x10, 0x10, MSR_FORWARD, "TSC" },
	{ 0x17, 0x17, MSR_ZERO, "platform ID" },
	{ 0x8B, 0x8B, MSR_ZERO, "microcode revision" },
	{ MSR_MTRR_CAP, MSR_MTRR_CAP, MSR_EMULATE, "MTRR capabilities" },
	{ 0x179, 0x17A, MSR_ZERO, "machine check capabilities/status" },
	{ 0x1A0, 0x1A0, MSR_EMULATE, "misc enable" },
	{ MSR_MTRR_PHYS_FIRST, MSR_MTRR_PHYS_LAST, MSR_EMULATE, "variable MTRRs" },
	{ MSR_MTRR_FIX_64K, MSR_MTRR_FIX_64K, MSR_EMULATE, "fixed MTRR" },
	{ MSR_MTRR_FIX_16K_0, MSR_MTRR_FIX_16K_1, MSR_EMULATE, "fixed MTRRs" },
	{ MSR_MTRR_FIX_4K_0, MSR_MTRR_FIX_4K_7, MSR_EMULATE, "fixed MTRRs" },
	{ MSR_MTRR_DEF_TYPE, MSR_MTRR_DEF_TYPE, MSR_EMULATE, "MTRR default type" },
	{ MSR_SEV_STATUS, MSR_SEV_STATUS, MSR_ZERO, "the guest is not an SEV guest" },
	{ MSR_AMD_NB_CFG, MSR_AMD_NB_CFG, MSR_SINK, "NB_CFG: reads 0, writes dropped, as KVM" },
	{ MSR_K7_EVNTSEL0, MSR_K7_PERFCTR3, MSR_SINK,
	  "legacy PMU: no PMU is offered; reads 0, writes dropped, as KVM without one" },
	{ MSR_AMD_SYSCFG, MSR_AMD_SYSCFG, MSR_ZERO,
	  "SYSCFG: no TOM2 or MTRR extensions to report" },
	{ MSR_TSC_AUX, MSR_TSC_AUX, MSR_EMULATE, "TSC_AUX: per vCPU, for RDTSCP" },
	{ KVM_MSR_FIRST, KVM_MSR_LAST, MSR_KVMCLOCK, "the paravisor's kvmclock (others #GP)" },
};

static const struct msr_rule *rule_of(uint32_t msr)
{
	for (size_t i = 0; i < ARRAY_SIZE(rules); i++)
		if (msr >= rules[i].first && msr <= rules[i].last)
			return &rules[i];
	return NULL;
}

static enum vc_result gp(struct vc_exit *e)
{
	return vc_raise(e, x86_fault_gp(0));
}

static bool emulate_read(struct vcpu *v, uint32_t msr, uint64_t *val)
{
	if (msr == MSR_TSC_AUX)
		*val = v->tsc_aux;
	else if (msr == MSR_MTRR_CAP)
		*val = 0x508; /* WC, fixed MTRRs, 8 variable */
	else if (msr == 0x1A0)
		*val = v->misc_enable;
	else if (msr >= MSR_MTRR_PHYS_FIRST && msr <= MSR_MTRR_DEF_TYPE)
		*val = v->mtrr[msr - MSR_MTRR_PHYS_FIRST];
	else
		return false;
	return true;
}

/** Memory types an MTRR may hold: UC, WC, WT, WP, WB (APM vol. 2 §7.7). */
static bool valid_type(uint64_t t)
{
	return t == 0 || t == 1 || t == 4 || t == 5 || t == 6;
}

#define MTRR_PHYS_BITS 48 /* reserved above; matches the CPUID page's 0x80000008 */

/** The architectural #GP checks of an MTRR write (APM vol. 2 §7.7.1-7.7.2). */
static bool mtrr_valid(uint32_t msr, uint64_t val)
{
	uint64_t above = ~((1ULL << MTRR_PHYS_BITS) - 1);
	if (msr == MSR_MTRR_DEF_TYPE)
		return !(val & ~0xCFFULL) && valid_type(val & 0xFF);
	if (msr >= MSR_MTRR_PHYS_FIRST && msr <= MSR_MTRR_PHYS_LAST) {
		if (msr & 1) /* PHYSMASK: bit 11 valid, [10:0] reserved */
			return !(val & (above | 0x7FFULL));
		return !(val & (above | 0xF00ULL)) && valid_type(val & 0xFF);
	}
	for (int i = 0; i < 8; i++) /* fixed ranges: a type per byte */
		if (!valid_type((val >> (8 * i)) & 0xFF))
			return false;
	return true;
}

static bool emulate_write(struct vcpu *v, uint32_t msr, uint64_t val)
{
	if (msr == MSR_TSC_AUX) {
		if (val >> 32)
			return false; /* bits 63:32 reserved (SDM vol. 4, IA32_TSC_AUX) */
		v->tsc_aux = (uint32_t)val;
		return true;
	}
	if (msr == MSR_MTRR_CAP)
		return false; /* read-only */
	if (msr == 0x1A0) {
		v->misc_enable = val;
		return true;
	}
	if (msr < MSR_MTRR_PHYS_FIRST || msr > MSR_MTRR_DEF_TYPE || !mtrr_valid(msr, val))
		return false;
	v->mtrr[msr - MSR_MTRR_PHYS_FIRST] = val;
	return true;
}

/** An MSR no rule claims: the x2APIC's, or #GP. */
static enum vc_result apic_msr(struct vc_exit *e, uint32_t msr, bool write, uint64_t val)
{
	switch (guest_apic_msr(e->vcpu, msr, write, &val)) {
	case LAPIC_OK:
		if (!write) {
			e->vmsa->rax = (uint32_t)val;
			e->vmsa->rdx = val >> 32;
		}
		return VC_OK;
	case LAPIC_GP:
		return gp(e);
	case LAPIC_HOST_ERROR:
		return VC_HV_ERROR;
	case LAPIC_UNSUPPORTED:
		break;
	}
	return VC_UNSUPPORTED;
}

PV_HIST(exits_by_msr, "exits by MSR");

enum vc_result vc_handle_msr(struct vc_exit *e)
{
	struct sev_vmsa *a = e->vmsa;
	uint32_t msr = (uint32_t)a->rcx;
	bool write = e->info1 & 1;
	uint64_t val = ((a->rdx & 0xFFFFFFFF) << 32) | (a->rax & 0xFFFFFFFF);
	const struct msr_rule *r = rule_of(msr);
	pv_hist_count(&exits_by_msr, msr);

	if (!r)
		return apic_msr(e, msr, write, val);
	switch (r->policy) {
	case MSR_ZERO:
		if (write)
			return gp(e);
		val = 0;
		break;
	case MSR_SINK:
		val = 0;
		break;
	case MSR_EMULATE:
		if (write ? !emulate_write(e->vcpu, msr, val) : !emulate_read(e->vcpu, msr, &val))
			return gp(e);
		/* RDTSCP and RDPID, which the hypervisor need not intercept, read the
		 * TSC_AUX of the running VMSA (offset 0x2EC, APM vol. 2 Table B-4;
		 * CPUID Fn8000_001F EAX[9] TscAuxVirtualization, which Linux's
		 * arch/x86/kvm/svm/sev.c uses for SEV-ES guests). */
		if (write && msr == MSR_TSC_AUX)
			a->tsc_aux = (uint32_t)val;
		break;
	case MSR_KVMCLOCK:
		if (!kvmclock_msr(e->vcpu, msr, write, &val))
			return gp(e);
		break;
	case MSR_FORWARD:
		if ((write ? ghcb_msr_write(msr, val, &e->fault)
			   : ghcb_msr_read(msr, &val, &e->fault)) != GHCB_STATUS_OK)
			return VC_EXCEPTION; /* exactly what the hypervisor asked: #GP or #UD */
		break;
	}
	if (!write) {
		a->rax = (uint32_t)val;
		a->rdx = val >> 32;
	}
	return VC_OK;
}
