/* SPDX-License-Identifier: MIT */
/*
 * CPUID, from the validated CPUID page only (never from the hypervisor),
 * filtered for a guest that knows nothing of SNP:
 *  - 0x8000001F (SEV/SNP) reads as zero: the guest must not try SEV paths;
 *  - 0x40000000-0x400000FF (hypervisor leaves): never the host's, whose
 *    paravirtual features (its kvmclock, steal time, async PF) would make
 *    the guest share memory with it; the paravisor's own kvmclock instead
 *    (kvmclock.c), and CPUID.1:ECX[31] says there is a hypervisor;
 *  - topology: the initial APIC ID in leaf 1 EBX[31:24] and the x2APIC ID
 *    in leaves 0xB/0x1F EDX are this vCPU's;
 *  - the APIC is ours (vc/apic.c): no TSC-deadline mode, no extended APIC
 *    space;
 *  - no MONITOR/MWAIT, as KVM hides them: MWAIT is a NOP here (misc.c), so
 *    a firmware AP loop on it would spin through exits; on HLT it sleeps;
 *  - physical address bits (0x80000008 EAX[7:0]) stop below the C-bit: the
 *    guest's addresses (firmware's 64-bit PCI window) must not set it;
 *  - a leaf the page does not have reads as zero, and is counted.
 */
#include "cpuid_page.h"
#include "core/mm.h"
#include "paravisor_layout.h"
#include "sev.h"
#include "vc/vc.h"
#include "core/stats.h"

#include <lib/string.h>

#define CR4_OSXSAVE BIT(18)
#define CR4_PKE	    BIT(22)

static struct snp_cpuid_page page; /* private copy made at boot */
PV_COUNTER(unknown_leaves, "cpuid: leaves not in the CPUID page (read as 0)");

void cpuid_page_init(void)
{
	memcpy(&page, (const void *)PV_CPUID_GPA, sizeof(page));
	if (!page.count || page.count > SNP_CPUID_MAX_COUNT)
		pv_terminate(PV_TERM_BAD_LAUNCH_PAGE, "CPUID page has %u entries", page.count);
}

static bool indexed_leaf(uint32_t leaf)
{
	return leaf == 0x4 || leaf == 0x7 || leaf == 0xB || leaf == 0xD || leaf == 0xF ||
	       leaf == 0x10 || leaf == 0x14 || leaf == 0x1F || leaf == 0x8000001D;
}

static bool page_lookup(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	for (uint32_t i = 0; i < page.count; i++) {
		const struct snp_cpuid_fn *f = &page.fn[i];
		if (f->eax_in == leaf && (!indexed_leaf(leaf) || f->ecx_in == sub)) {
			r[0] = f->eax;
			r[1] = f->ebx;
			r[2] = f->ecx;
			r[3] = f->edx;
			return true;
		}
	}
	return false;
}

uint32_t cpuid_signature(void)
{
	uint32_t r[4] = { 0 };
	page_lookup(1, 0, r);
	return r[0];
}

/**
 * Leaf 0xD sub-leaves 0 and 1: EBX is the XSAVE area size for the features
 * enabled now (XCR0, and XCR0 | XSS for the compacted format), which the
 * page cannot hold for every combination: it is computed from the
 * components' own sub-leaves, as Linux's snp_cpuid_calc_xsave_size() does.
 */
static uint32_t xsave_size(uint64_t enabled, bool compacted)
{
	uint32_t size = 576; /* legacy area + XSAVE header */
	for (uint32_t i = 2; i < 63; i++) {
		uint32_t c[4];
		if (!(enabled & BIT(i)) || !page_lookup(0xD, i, c))
			continue;
		if (compacted)
			size = (c[2] & 2 ? ALIGN_UP(size, 64) : size) + c[0];
		else
			size = MAX(size, c[1] + c[0]);
	}
	return size;
}

static void cpuid_filtered(const struct vcpu *v, uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	memset(r, 0, 4 * sizeof(uint32_t));
	if (leaf >= 0x40000000 && leaf <= 0x400000FF) {
		kvmclock_cpuid(leaf, r);
		return;
	}
	if (leaf == CPUID_LEAF_SEV)
		return;
	if (!page_lookup(leaf, sub, r)) {
		pv_count(&unknown_leaves);
		return;
	}
	const struct sev_vmsa *a = v->vmsa1;
	if (leaf == 1) {
		r[1] = (r[1] & 0x00FFFFFF) | (v->apic_id << 24);
		/* OSXSAVE is CR4.OSXSAVE as the guest has it now (APM vol. 3,
         * CPUID Fn0000_0001_ECX bit 27) */
		r[2] = (r[2] & ~(uint32_t)BIT(27)) |
		       ((a->cr4 & CR4_OSXSAVE) ? (uint32_t)BIT(27) : 0);
		r[2] &= ~(uint32_t)BIT(24); /* no TSC-deadline timer in our APIC */
		r[2] |= (uint32_t)BIT(21);  /* x2APIC: the software APIC serves its MSRs */
		r[2] &= ~(uint32_t)BIT(3);  /* no MONITOR/MWAIT (as KVM): idle CPUs HLT, not spin */
		r[2] |= (uint32_t)BIT(31);  /* a hypervisor: the paravisor's leaves */
	}
	if (leaf == 7 && sub == 0) /* OSPKE is CR4.PKE (APM vol. 3, Fn0000_0007_ECX bit 4) */
		r[2] = (r[2] & ~(uint32_t)BIT(4)) | ((a->cr4 & CR4_PKE) ? (uint32_t)BIT(4) : 0);
	if (leaf == 0x80000001) {
		r[2] &= ~(uint32_t)BIT(3);  /* no AMD extended APIC space */
		r[2] &= ~(uint32_t)BIT(23); /* no core performance counters: no PMU is offered
                                     * (the legacy PMU MSRs read 0, vc/msr.c) */
	}
	if (leaf == 0x8000001E)
		r[0] = v->apic_id; /* extended APIC ID (APM vol. 3, Fn8000_001E_EAX) */
	if (leaf == 0x80000008 && (r[0] & 0xFF) > mm_cbit_position())
		r[0] = (r[0] & ~0xFFu) | mm_cbit_position(); /* under vTOM a C-bit in a PTE is #PF
                                                         * (RSV): no guest address reaches it */
	if (leaf == 0xB || leaf == 0x1F)
		r[3] = v->apic_id;
	if (leaf == 0xD && (sub == 0 || sub == 1))
		r[1] = xsave_size(sub == 0 ? v->vmsa1->xcr0 : v->vmsa1->xcr0 | v->vmsa1->xss,
				  sub == 1);
}

enum vc_result vc_handle_cpuid(struct vc_exit *e)
{
	struct sev_vmsa *a = e->vmsa;
	uint32_t r[4];
	cpuid_filtered(e->vcpu, (uint32_t)a->rax, (uint32_t)a->rcx, r);
	a->rax = r[0];
	a->rbx = r[1];
	a->rcx = r[2];
	a->rdx = r[3];
	return VC_OK;
}
