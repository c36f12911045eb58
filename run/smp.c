/* SPDX-License-Identifier: MIT */
/*
 * The paravisor on every vCPU.  The BSP prepares each AP (stack, GHCB and
 * #HV doorbell pages made shared, the guest's VMSA page) and starts it at
 * VMPL0 with SNP AP creation (GHCB NAE 0x8000_0013) in 64-bit mode on the
 * paravisor's own page tables, GDT and IDT, GS base = its struct vcpu.  The
 * AP registers its GHCB and doorbell, and waits at VMPL0 for what the
 * guest's BSP sends it through the software APIC (vc/apic.c): INIT, then
 * SIPI, which starts the guest's VMPL1 in real mode at the SIPI page.
 *
 * APIC IDs: vCPU i has APIC ID i (QEMU and KVM number the vCPUs of one
 * socket so); a hypervisor that has no such vCPU refuses the AP creation,
 * and the paravisor stops with that reason.
 */
#include "core/ghcb_call.h"
#include "core/hw.h"
#include "run/irq.h"
#include "core/mm.h"
#include "paravisor_layout.h"
#include "sev.h"
#include "core/vcpu.h"
#include "platform/apic.h"
#include "run/run.h"
#include "core/idt.h"

#include <lib/string.h>

#define AP_STACK_PAGES	4
#define MSR_EFER	0xC0000080
#define MSR_PAT		0x277
#define ATTR_CODE64	0x029B
#define ATTR_DATA	0x0093
#define ATTR_LDT	0x0082
#define ATTR_TSS64_BUSY 0x008B
#define PV_SEV_FEATURES (SEV_FEAT_SNP_ACTIVE | SEV_FEAT_RESTRICTED_INJ)

struct desc_ptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

static struct vmsa_seg seg(uint16_t sel, uint16_t attrib, uint32_t limit, uint64_t base)
{
	return (struct vmsa_seg){ .selector = sel, .attrib = attrib, .limit = limit, .base = base };
}

static uint64_t read_cr0(void)
{
	uint64_t v;
	__asm__ volatile("mov %%cr0, %0" : "=r"(v));
	return v;
}

static uint64_t read_cr3(void)
{
	uint64_t v;
	__asm__ volatile("mov %%cr3, %0" : "=r"(v));
	return v;
}

static uint64_t read_cr4(void)
{
	uint64_t v;
	__asm__ volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}

_Noreturn void ap_main(struct vcpu *v);

/** The AP's VMPL0 state: this CPU's long mode, at ap_main(v). */
static void ap_vmsa(struct sev_vmsa *a, struct vcpu *v)
{
	struct desc_ptr gdtr, idtr;
	__asm__ volatile("sgdt %0; sidt %1" : "=m"(gdtr), "=m"(idtr));
	memset(a, 0, sizeof(*a));
	a->cs = seg(PV_SEL_CODE64, ATTR_CODE64, 0xFFFFFFFF, 0);
	a->ss = a->ds = a->es = a->fs = seg(PV_SEL_DATA, ATTR_DATA, 0xFFFFFFFF, 0);
	a->gs = seg(PV_SEL_DATA, ATTR_DATA, 0xFFFFFFFF, (uint64_t)v);
	a->gdtr = seg(0, 0, gdtr.limit, gdtr.base);
	a->idtr = seg(0, 0, idtr.limit, idtr.base);
	a->ldtr = seg(0, ATTR_LDT, 0xFFFF, 0);
	a->tr = seg(PV_SEL_TSS, ATTR_TSS64_BUSY, PV_TSS_LIMIT, idt_ap_tss());
	a->cr0 = read_cr0();
	a->cr3 = read_cr3();
	a->cr4 = read_cr4();
	a->efer = hw_rdmsr(MSR_EFER) | BIT(12); /* SVME: runnable */
	a->g_pat = hw_rdmsr(MSR_PAT);
	a->rflags = 0x2;
	a->rip = (uint64_t)ap_main;
	a->rsp = v->stack_top - 8; /* as after a call */
	a->rdi = (uint64_t)v;
	a->dr6 = 0xFFFF0FF0;
	a->dr7 = 0x400;
	a->xcr0 = 1;
	a->mxcsr = 0x1F80;
	a->x87_fcw = 0x37F;
	a->vmpl = 0;
	a->sev_features = PV_SEV_FEATURES;
}

/** Everything an AP needs from the allocator, which only the BSP uses. */
static void ap_prepare(struct vcpu *v)
{
	v->stack_top = (uint64_t)mm_alloc_pages(AP_STACK_PAGES) + AP_STACK_PAGES * PAGE_SIZE;
	v->ghcb.gpa = ghcb_alloc_shared();
	irq_alloc(v);
	vcpu_alloc_guest_vmsa(v);
}

void smp_start_aps(unsigned int count)
{
	for (unsigned int i = 1; i < count; i++) {
		struct vcpu *v = vcpu_by_index(i);
		CHECK(v);
		ap_prepare(v);
		uint64_t gpa;
		struct sev_vmsa *a = vcpu_vmsa_page(&gpa);
		ap_vmsa(a, v);
		uint32_t rc = hw_rmpadjust((uint64_t)a, false,
					   1 | RMPADJUST_VMSA); /* VMSA bit; VMPL1: no access */
		if (rc != RMPADJUST_SUCCESS)
			pv_terminate(PV_TERM_HV_ERROR, "RMPADJUST of AP %u's VMSA: %u", i, rc);
		struct ghcb *g = ghcb_begin();
		ghcb_set_rax(g, PV_SEV_FEATURES);
		if (ghcb_call(g, SVM_VMGEXIT_AP_CREATION,
			      ghcb_ap_create_info1(SVM_VMGEXIT_AP_CREATE, 0, v->apic_id), gpa,
			      NULL) != GHCB_STATUS_OK)
			pv_terminate(PV_TERM_BAD_CONFIG,
				     "the hypervisor has no vCPU with APIC ID %u", v->apic_id);
		while (!__atomic_load_n(&v->ap_ready, __ATOMIC_ACQUIRE))
			__builtin_ia32_pause();
	}
	if (count > 1)
		pv_info("%u APs at VMPL0, waiting for the guest's INIT and SIPI", count - 1);
}

_Noreturn void ap_main(struct vcpu *v)
{
	ghcb_init_ap(v->ghcb.gpa);
	irq_register(v);
	guest_apic_init(v);
	v->wait_for_sipi = true;
	__atomic_store_n(&v->ap_ready, true, __ATOMIC_RELEASE);
	vcpu_run(v);
}
