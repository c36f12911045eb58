/* SPDX-License-Identifier: MIT */
/*
 * CPUID, from the validated CPUID page only (never from the hypervisor),
 * through an allow-list of leaves and bits (allow[] below: a leaf or bit
 * the paravisor does not know reads as zero), then fitted to a guest that
 * knows nothing of SNP:
 *  - 0x8000001F (SEV/SNP) reads as zero: the guest must not try SEV paths;
 *  - 0x40000000-0x400000FF (hypervisor leaves): never the host's, whose
 *    paravirtual features (its kvmclock, steal time, async PF) would make
 *    the guest share memory with it; the paravisor's own kvmclock instead
 *    (kvmclock.c), and CPUID.1:ECX[31] says there is a hypervisor;
 *  - topology: the initial APIC ID in leaf 1 EBX[31:24] and the x2APIC ID
 *    in leaves 0xB/0x1F EDX are this vCPU's;
 *  - the APIC is ours (platform/apic.c): x2APIC, no TSC-deadline mode,
 *    no extended APIC space;
 *  - OSXSAVE and OSPKE are the guest's CR4 at the time of the CPUID;
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

/*
 * The allow-list: the leaves the paravisor knows, and in each the bits it
 * lets through from the page; every other leaf reads as zero and every
 * other bit as clear, so a feature of the host that the paravisor cannot
 * stand behind (new hardware, virtualization, performance monitoring, MSRs
 * it does not serve) never reaches the guest.  Bits by AMD's CPUID
 * specification (APM vol. 3, Appendix E) and the SDM vol. 2 CPUID table.
 */
struct cpuid_allow {
	uint32_t leaf;
	uint32_t sub_last; /* sub-leaves 0..sub_last (0 for unindexed leaves) */
	uint32_t mask[4];  /* EAX, EBX, ECX, EDX */
};

#define ALL 0xFFFFFFFFu

static const struct cpuid_allow allow[] = {
	/* vendor and the highest standard leaf */
	{ 0x0, 0, { ALL, ALL, ALL, ALL } },
	/* EAX signature; EBX brand index, CLFLUSH size, logical count (APIC ID
	 * set per vCPU below); ECX: SSE3, PCLMULQDQ, SSSE3, FMA, CX16, PCID,
	 * SSE4.1/4.2, x2APIC (set below: the software APIC serves it), MOVBE,
	 * POPCNT, AES, XSAVE, OSXSAVE (from CR4 below), AVX, F16C, RDRAND;
	 * not: MONITOR (MWAIT is a NOP here), VMX/SMX (no nested
	 * virtualization), TSC-deadline (not in the software APIC), the
	 * thermal, debug-store and power-management bits.  EDX: AMD's set, as
	 * KVM offers it (no PSN, DS, ACPI, SS, TM, PBE). */
	{ 0x1, 0, { ALL, ALL, 0x7EFA3203, 0x178BFBFF } },
	/* thermal and power: ARAT only (the APIC timer keeps running in C-states) */
	{ 0x6, 0, { BIT(2), 0, 0, 0 } },
	/* EBX: FSGSBASE, BMI1, AVX2, SMEP, BMI2, ERMS, INVPCID, RDSEED, ADX,
	 * SMAP, CLFLUSHOPT, CLWB, SHA; not: TSC_ADJUST (the MSR is not
	 * served), SGX, HLE/RTM, MPX, resource monitoring, Intel PT, AVX-512
	 * (its state is not in the VMSA).  ECX: UMIP, PKU, OSPKE (from CR4
	 * below), VAES, VPCLMULQDQ; not RDPID (it would read the host's TSC_AUX,
	 * which the paravisor keeps per vCPU instead).  EDX: FSRM. */
	{ 0x7, 0, { ALL, 0x219C07A9, 0x0000061C, BIT(4) } },
	{ 0x7, 1, { 0, 0, 0, 0 } },
	/* topology (x2APIC ID per vCPU below) */
	{ 0xB, 1, { ALL, ALL, ALL, ALL } },
	/* XSAVE state components and their sizes (sizes for the enabled set
	 * below); sub-leaf 1: XSAVEOPT, XSAVEC, XGETBV1, XSAVES */
	{ 0xD, 63, { ALL, ALL, ALL, ALL } },
	{ 0x1F, 5, { ALL, ALL, ALL, ALL } },
	/* the highest extended leaf, brand string, caches */
	{ 0x80000000, 0, { ALL, ALL, ALL, ALL } },
	/* ECX: LAHF/SAHF, CmpLegacy, AltMovCr8, ABM, SSE4A, MisAlignSse,
	 * 3DNowPrefetch, XOP, FMA4, TCE, TBM, TopologyExtensions; not: SVM (no
	 * nested virtualization), ExtApicSpace, OSVW and IBS and the
	 * performance counter extensions (no such MSRs served), SKINIT, WDT,
	 * LWP, MONITORX.  EDX: AMD's set (SYSCALL, NX, MmxExt, FFXSR, 1 GiB
	 * pages, RDTSCP, LM, 3DNow). */
	{ 0x80000001, 0, { ALL, ALL, 0x006309F3, 0xEFD3FBFF } },
	{ 0x80000002, 0, { ALL, ALL, ALL, ALL } },
	{ 0x80000003, 0, { ALL, ALL, ALL, ALL } },
	{ 0x80000004, 0, { ALL, ALL, ALL, ALL } },
	{ 0x80000005, 0, { ALL, ALL, ALL, ALL } },
	{ 0x80000006, 0, { ALL, ALL, ALL, ALL } },
	/* EDX: invariant TSC only (the rest is power management) */
	{ 0x80000007, 0, { 0, 0, 0, BIT(8) } },
	/* EAX address sizes (physical bits cut below the C-bit below); EBX:
	 * CLZERO, XSaveErPtr, WBNOINVD, not IRPERF or the speculation-control
	 * bits (their MSRs are not served); ECX core count and APIC ID size */
	{ 0x80000008, 0, { ALL, 0x00000205, ALL, 0 } },
	{ 0x8000001D, 4, { ALL, ALL, ALL, ALL } },
	/* extended APIC ID (per vCPU below), compute unit and node IDs */
	{ 0x8000001E, 0, { ALL, ALL, ALL, 0 } },
};

static const struct cpuid_allow *allowed(uint32_t leaf, uint32_t sub)
{
	for (size_t i = 0; i < ARRAY_SIZE(allow); i++)
		if (allow[i].leaf == leaf && sub <= allow[i].sub_last)
			return &allow[i];
	return NULL;
}
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
	const struct cpuid_allow *al = allowed(leaf, indexed_leaf(leaf) ? sub : 0);
	if (!al)
		return; /* 0x8000001F (SEV), PMU, SVM and every leaf not known */
	if (!page_lookup(leaf, sub, r)) {
		pv_count(&unknown_leaves);
		return;
	}
	for (unsigned int i = 0; i < 4; i++)
		r[i] &= al->mask[i];
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
