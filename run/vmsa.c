/* SPDX-License-Identifier: MIT */
/*
 * The guest's VMSA: VMPL1 at the x86 reset state (protocol/vmsa.h, "Reset
 * (INIT) values"), CS:IP = F000:FFF0 with CS base 0xFFFF0000, so the unmodified
 * firmware starts at its reset vector as on bare metal.  SEV features
 * (docs/architecture.md, "Boot"): SNP, vTOM above all guest memory, its RAM
 * above 4 GiB included (mm.guest_vtom, pv_guest_vtom(): every access private
 * whatever the guest's page tables say), ReflectVC (its #VCs come to us),
 * Alternate Injection (we inject its interrupts through the VMSA).
 */
#include "core/ghcb_call.h"
#include "core/hw.h"
#include "core/mm.h"
#include "sev.h"
#include "vc/vc.h"
#include "core/vcpu.h"
#include "run/run.h"

#include <lib/string.h>

#define GUEST_SEV_FEATURES \
	(SEV_FEAT_SNP_ACTIVE | SEV_FEAT_VTOM | SEV_FEAT_REFLECT_VC | SEV_FEAT_ALTERNATE_INJ)

static struct vmsa_seg seg(uint16_t sel, uint16_t attrib, uint32_t limit, uint64_t base)
{
	return (struct vmsa_seg){ .selector = sel, .attrib = attrib, .limit = limit, .base = base };
}

static void reset_state(struct sev_vmsa *a, uint32_t cpu_signature)
{
	memset(a, 0, sizeof(*a));
	a->cs = seg(0xF000, 0x9B, 0xFFFF, 0xFFFF0000);
	a->ds = a->es = a->fs = a->gs = a->ss = seg(0, 0x93, 0xFFFF, 0);
	a->gdtr = a->idtr = seg(0, 0, 0xFFFF, 0);
	a->ldtr = seg(0, 0x82, 0xFFFF, 0);
	a->tr = seg(0, 0x8B, 0xFFFF, 0);
	a->rip = 0xFFF0;
	a->rflags = 0x2;
	a->rdx = cpu_signature;
	a->cr0 = 0x60000010;
	a->efer = BIT(12); /* SVME: required to run */
	a->dr6 = 0xFFFF0FF0;
	a->dr7 = 0x400;
	a->g_pat = 0x0007040600070406ULL;
	a->xcr0 = 1;
	a->mxcsr = 0x1F80;
	a->x87_fcw = 0x37F;
	a->vmpl = 1;
	a->sev_features = GUEST_SEV_FEATURES;
	a->virtual_tom = mm.guest_vtom;
	a->vintr_ctrl = VINTR_NMI_ENABLE; /* NMIs go in through V_NMI (run/irq.c) */
}

struct sev_vmsa *vcpu_vmsa_page(uint64_t *gpa)
{
	/* A VMSA must not be 2 MiB aligned (an SNP erratum; Linux snp_alloc_vmsa_page()). */
	struct sev_vmsa *a = mm_alloc_pages(1);
	if (!(mm_virt_to_phys(a) & (PAGE_2M - 1)))
		a = mm_alloc_pages(1);
	*gpa = mm_virt_to_phys(a);
	return a;
}

void vcpu_alloc_guest_vmsa(struct vcpu *v)
{
	v->vmsa1 = vcpu_vmsa_page(&v->vmsa1_gpa);
}

/** The guest VMSA in its state, registered once; later starts (INIT,
 * SIPI) rewrite it in place: it never runs while its vCPU is at VMPL0. */
static void guest_vmsa_start(struct vcpu *v, const char *how)
{
	v->dr7 = 0x400;
	if (v->guest_created) {
		pv_info("vCPU %u: guest restarted (%s)", v->index, how);
		return;
	}
	v->guest_created = true;
	uint32_t rc = hw_rmpadjust((uint64_t)mm_private_va(v->vmsa1_gpa), false,
				   1 | RMPADJUST_VMSA);
	if (rc != RMPADJUST_SUCCESS)
		pv_terminate(PV_TERM_HV_ERROR, "RMPADJUST of the VMSA page: %u", rc);
	struct ghcb *g = ghcb_begin();
	ghcb_set_rax(g, GUEST_SEV_FEATURES);
	if (ghcb_call(g, SVM_VMGEXIT_AP_CREATION,
		      ghcb_ap_create_info1(SVM_VMGEXIT_AP_CREATE, 1, v->apic_id), v->vmsa1_gpa,
		      NULL) != GHCB_STATUS_OK)
		pv_terminate(PV_TERM_HV_ERROR, "AP creation of the guest VMSA refused");
	pv_info("vCPU %u: guest VMSA at %#lx, %s", v->index, (unsigned long)v->vmsa1_gpa, how);
}

void vcpu_start_guest(struct vcpu *v)
{
	vcpu_alloc_guest_vmsa(v);
	reset_state(v->vmsa1, cpuid_signature());
	guest_vmsa_start(v, "reset vector");
}

void vcpu_start_guest_sipi(struct vcpu *v, uint8_t vector)
{
	reset_state(v->vmsa1, cpuid_signature());
	v->vmsa1->cs = seg((uint16_t)(vector << 8), 0x9B, 0xFFFF, (uint64_t)vector << 12);
	v->vmsa1->rip = 0;
	guest_vmsa_start(v, "SIPI");
}
