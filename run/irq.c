/* SPDX-License-Identifier: MIT */
#include "core/ghcb_call.h"
#include "core/hw.h"
#include "run/irq.h"
#include "core/mm.h"
#include "core/stats.h"
#include "svm.h"
#include "platform/apic.h"

#define NO_FURTHER_SIGNAL HVDB_FLAG_NO_FURTHER_SIGNAL

PV_COUNTER(hv_reserved_vectors, "irq: #HV doorbell vectors 16-31 dropped");

void irq_alloc(struct vcpu *v)
{
	void *page = mm_alloc_pages(1);
	v->doorbell_gpa = mm_virt_to_phys(page);
	mm_make_shared(v->doorbell_gpa);
}

void irq_init(struct vcpu *v)
{
	irq_alloc(v);
	irq_register(v);
}

void irq_register(struct vcpu *v)
{
	v->doorbell = mm_shared_va(v->doorbell_gpa);
	struct ghcb *g = ghcb_begin();
	if (ghcb_call(g, SVM_VMGEXIT_HV_DOORBELL_PAGE, SVM_VMGEXIT_HVDB_SET, v->doorbell_gpa,
		      NULL) != GHCB_STATUS_OK ||
	    ghcb_out(g, GHCB_OFF(sw_exit_info_2)) != v->doorbell_gpa)
		pv_terminate(PV_TERM_HV_ERROR, "#HV doorbell registration refused");
}

/**
 * The doorbell is written by the hypervisor at any time: read each byte
 * once, validate, and take the vector with a compare-exchange so a vector
 * the host posts meanwhile is not lost (GHCB spec, #HV doorbell page).
 */
void irq_poll_doorbell(struct vcpu *v)
{
	struct hv_doorbell *db = v->doorbell;
	v->hv_pending = false;
	if (!db)
		return;
	uint8_t flags = __atomic_fetch_and(
		&db->flags, (uint8_t) ~(NO_FURTHER_SIGNAL | HVDB_FLAG_NMI), __ATOMIC_SEQ_CST);
	if (flags & HVDB_FLAG_NMI)
		guest_apic_platform_nmi(v); /* taken once, cleared with the same access */
	uint8_t vec = __atomic_load_n(&db->vector, __ATOMIC_ACQUIRE);
	if (!vec)
		return;
	if (vec < 16)
		pv_terminate(PV_TERM_HV_ERROR, "#HV doorbell posted vector %u", vec);
	if (!__atomic_compare_exchange_n(&db->vector, &vec, 0, false, __ATOMIC_SEQ_CST,
					 __ATOMIC_SEQ_CST))
		return;
	/* 16-31 are the exceptions' vectors (SDM vol. 3, 6.3; the APIC
	 * accepts them, 10.5.2): taken, one would run the guest's exception
	 * handler for an interrupt.  No OS programs a device or pin with one
	 * (Linux's external vectors start at 0x20, FIRST_EXTERNAL_VECTOR in
	 * arch/x86/include/asm/irq_vectors.h), so the host made it up: dropped,
	 * counted, logged once (a deviation from bare metal, which would
	 * deliver a vector the guest itself chose). */
	if (vec < 32) {
		static bool told;
		pv_count(&hv_reserved_vectors);
		if (!__atomic_exchange_n(&told, true, __ATOMIC_RELAXED))
			pv_notice("#HV doorbell posted reserved vector %u: dropped", vec);
		return;
	}
	guest_apic_host_vector(v, vec);
}

/** Offer the APIC's best vector through VINTR_CTRL (V_IRQ): the CPU
 * delivers it when the guest's RFLAGS.IF and interrupt shadow allow. */
void irq_before_run(struct vcpu *v)
{
	struct sev_vmsa *a = v->vmsa1;
	/* An NMI: V_NMI, which the CPU takes at the next instruction boundary
     * unless an NMI is being handled (V_NMI_MASK until the guest's IRET;
     * APM vol. 2, 15.21.10).  A second one while V_NMI is still set is one. */
	if (__atomic_exchange_n(&v->nmi_pending, false, __ATOMIC_ACQ_REL))
		a->vintr_ctrl |= VINTR_NMI;
	int vec = guest_apic_pending(v);
	if (a->vintr_ctrl & VINTR_IRQ) {
		if (vec == v->offered_vector)
			return; /* still the one to offer */
		/* Offered, not yet taken (the guest kept IF clear), and no longer
		 * the APIC's choice: a higher-priority vector came meanwhile, or the
		 * TPR rose above it.  The CPU would take the highest-priority
		 * request above the processor priority (SDM vol. 3 §11.8.3), so the
		 * offer is withdrawn (it stays in the IRR) and renewed below. */
		a->vintr_ctrl &= ~VINTR_IRQ;
		v->offered_vector = -1;
	}
	if (vec < 0)
		return;
	a->vintr_ctrl = (a->vintr_ctrl & ~(VINTR_VECTOR_MASK | VINTR_PRIO_MASK)) | VINTR_IRQ |
			VINTR_IGN_TPR | ((uint64_t)vec << VINTR_VECTOR_SHIFT) |
			((uint64_t)(vec >> 4) << VINTR_PRIO_SHIFT);
	v->offered_vector = vec;
}

/** V_IRQ cleared by the CPU: the guest took the vector (APM vol. 2, 15.36.16). */
void irq_after_exit(struct vcpu *v)
{
	if (v->offered_vector < 0 || (v->vmsa1->vintr_ctrl & VINTR_IRQ))
		return;
	guest_apic_accept(v, (uint8_t)v->offered_vector);
	v->offered_vector = -1;
	v->guest_halted = false;
}

/**
 * What ends the guest's HLT, as on the CPU (APM vol. 3 "HLT", SDM vol. 2
 * "HLT"): INIT always; a maskable interrupt only when RFLAGS.IF was set at
 * the HLT (STI; HLT sets it before the HLT).  A `cli; hlt` loop such as
 * OVMF's idle APs stays halted until INIT, however much its IRR holds;
 * waking it would only run it into the next HLT (OVMF's AP made 265,001
 * HLT exits in one 2-vCPU boot that way).  An NMI ends any HLT unless one is
 * being handled.
 */
static bool halt_ends(struct vcpu *v)
{
	uint64_t vintr = v->vmsa1->vintr_ctrl;
	if (v->init_pending)
		return true;
	if ((v->nmi_pending || (vintr & VINTR_NMI)) && !(vintr & VINTR_NMI_MASK))
		return true; /* an NMI ends HLT whatever RFLAGS.IF says */
	return (v->vmsa1->rflags & VMSA_RFLAGS_IF) && guest_apic_pending(v) >= 0;
}

/** The guest halted: wait at VMPL0 until something ends its HLT (HLT here
 * is an automatic exit; the hypervisor ends VMPL0's own HLT with #HV). */
void irq_wait(struct vcpu *v)
{
	while (!halt_ends(v)) {
		hw_halt_unless(&v->hv_pending);
		irq_poll_doorbell(v);
	}
	v->guest_halted = false;
}
