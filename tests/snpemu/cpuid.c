/* SPDX-License-Identifier: MIT */
/*
 * CPUID as the SNP platform reports it: the CPU snpemu runs on (QEMU TCG
 * EPYC), plus the SEV leaf 0x8000001F that TCG lacks, minus SVM (KVM offers
 * no nested SVM to SEV guests).  The same function answers the hypervisor's
 * CPUID NAE and fills the CPUID page, as KVM and QEMU take both from one
 * table (QEMU's target/i386/sev.c fills the page from KVM's CPUID list).
 */
#include "cpuid_page.h"
#include "sev.h"
#include "vm.h"
#include "x86.h"

#include <lib/string.h>

/** 0x8000001F as snpemu's platform has it. */
#define SEV_LEAF_EAX                                                                         \
	(CPUID_SEV_EAX_SME | CPUID_SEV_EAX_SEV | CPUID_SEV_EAX_SEV_ES | CPUID_SEV_EAX_SNP |  \
	 CPUID_SEV_EAX_VMPL | CPUID_SEV_EAX_RESTRICTED_INJ | CPUID_SEV_EAX_ALTERNATE_INJ_U | \
	 CPUID_SEV_EAX_VIRTUAL_TOM | CPUID_SEV_EAX_TSC_AUX_VIRT)
#define SEV_LEAF_EBX (CBIT | (1u << 6) /* phys-address reduction */ | (4u << 12) /* VMPLs */)
#define SEV_LEAF_ECX 15u /* simultaneous encrypted guests */
#define SEV_LEAF_EDX 1u	 /* minimum SEV-no-ES ASID */

void snp_cpuid(uint32_t leaf, uint32_t subleaf, uint32_t r[4])
{
	cpuid_count(leaf, subleaf, r);
	switch (leaf) {
	case 0x1:
		r[2] |= (uint32_t)BIT(21); /* x2APIC: the guest's APIC is x2APIC (msr.c) */
		break;
	case 0x80000000:
		r[0] = MAX(r[0], CPUID_LEAF_SEV);
		break;
	case 0x80000001:
		r[2] &= ~(uint32_t)BIT(2); /* SVM */
		break;
	case 0x80000008:
		/* With memory encryption on, the physical address space shrinks by
         * the reduction (0x8000001F EBX[11:6], APM vol. 2 §7.10.1) and the
         * C-bit lies above it; KVM reports the reduced width to guests. */
		r[0] = (r[0] & ~0xFFu) | ((r[0] & 0xFF) - ((SEV_LEAF_EBX >> 6) & 0x3F));
		break;
	case 0x8000000A:
		r[0] = r[1] = r[2] = r[3] = 0; /* SVM features */
		break;
	case CPUID_LEAF_SEV:
		r[0] = SEV_LEAF_EAX;
		r[1] = SEV_LEAF_EBX;
		r[2] = SEV_LEAF_ECX;
		r[3] = SEV_LEAF_EDX;
		break;
	}
}

static bool cpuid_add(struct snp_cpuid_page *p, uint32_t leaf, uint32_t sub, uint64_t xcr0_in)
{
	if (p->count == SNP_CPUID_MAX_COUNT) {
		log_printf("CPUID page full at leaf %#x.%u", leaf, sub);
		return false;
	}
	struct snp_cpuid_fn *f = &p->fn[p->count++];
	uint32_t r[4];
	snp_cpuid(leaf, sub, r);
	f->eax_in = leaf;
	f->ecx_in = sub;
	f->xcr0_in = xcr0_in;
	f->eax = r[0];
	f->ebx = r[1];
	f->ecx = r[2];
	f->edx = r[3];
	return true;
}

/** Sub-leaves that exist for the indexed leaves. */
static uint32_t subleaf_count(uint32_t leaf)
{
	uint32_t r[4];
	switch (leaf) {
	case 0x4:
	case 0x8000001D:
		for (uint32_t i = 0; i < 16; i++) {
			cpuid_count(leaf, i, r);
			if (!(r[0] & 0x1F))
				return i;
		}
		return 16;
	case 0x7:
		cpuid_count(leaf, 0, r);
		return MIN(r[0] + 1, 4u);
	case 0xB:
		for (uint32_t i = 0; i < 8; i++) {
			cpuid_count(leaf, i, r);
			if (!(r[2] & 0xFF00))
				return i;
		}
		return 8;
	case 0xF:
	case 0x14:
		return 2;
	case 0x10:
		return 4;
	default:
		return 0; /* not indexed */
	}
}

static void cpuid_add_leaf(struct snp_cpuid_page *p, uint32_t leaf)
{
	uint32_t n = subleaf_count(leaf);
	if (leaf == 0xD) {
		/* XSAVE: sub-leaves 0 and 1 for XCR0 = x87 (the guest sizes the
         * rest itself, as QEMU fills it), then one per supported component. */
		uint32_t r[4];
		cpuid_count(0xD, 0, r);
		cpuid_add(p, 0xD, 0, 1);
		cpuid_add(p, 0xD, 1, 1);
		for (uint32_t i = 2; i < 32; i++)
			if (r[0] & BIT(i))
				cpuid_add(p, 0xD, i, 0);
		return;
	}
	if (!n) {
		cpuid_add(p, leaf, 0, 0);
		return;
	}
	for (uint32_t i = 0; i < n; i++)
		cpuid_add(p, leaf, i, 0);
}

void cpuid_page_fill(void *page)
{
	struct snp_cpuid_page *p = page;
	uint32_t r[4];
	memset(p, 0, sizeof(*p));
	snp_cpuid(0, 0, r);
	uint32_t max_std = MIN(r[0], 0x1Fu);
	for (uint32_t leaf = 0; leaf <= max_std; leaf++)
		cpuid_add_leaf(p, leaf);
	snp_cpuid(0x80000000, 0, r);
	uint32_t max_ext = MIN(r[0], 0x80000021u);
	for (uint32_t leaf = 0x80000000; leaf <= max_ext; leaf++)
		cpuid_add_leaf(p, leaf);
	log_printf("CPUID page: %u entries", p->count);
}
