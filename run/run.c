/* SPDX-License-Identifier: MIT */
/*
 * The per-vCPU loop: RUN_VMPL(1) -> the guest runs until an exit comes to
 * VMPL0 -> vc_dispatch() -> RUN_VMPL(1) again (docs/architecture.md, "A guest
 * exit").  GUEST_EXITCODE is set to VMEXIT_INVALID after each exit
 * is consumed, so a return for another reason (an #HV) is not mistaken for
 * a second exit (as mushroom does: docs/spec-notes.md, 'How mushroom and
 * COCONUT-SVSM run a lower VMPL').
 */
#include "core/ghcb_call.h"
#include "core/hw.h"
#include "run/irq.h"
#include "svm.h"
#include "vc/vc.h"
#include "platform/apic.h"
#include "run/run.h"

#define EXIT_CONSUMED  SVM_EXIT_INVALID
#define PROGRESS_EVERY 20000 /* a line in the log to show where the guest is */

/** An exit during event delivery: the event goes back into EVENTINJ and
 * BUSY is cleared, or the next VMRUN would fail (APM vol. 2, 15.36.9 and
 * 15.36.16). */
static void finish_event_delivery(struct sev_vmsa *a)
{
	if (!(a->vintr_ctrl & VINTR_BUSY))
		return;
	if (a->event_inj & SVM_EVT_VALID)
		pv_terminate(PV_TERM_HV_ERROR, "BUSY VMSA with a pending EVENTINJ");
	a->event_inj = a->guest_exit_int_info;
	a->vintr_ctrl &= ~VINTR_BUSY;
}

static void handle_exit(struct vcpu *v)
{
	struct sev_vmsa *a = v->vmsa1;
	uint64_t code = a->guest_exit_code;
	if (code == EXIT_CONSUMED || code == SVM_EXIT_INTR)
		return;
	finish_event_delivery(a);
	if (code == SVM_EXIT_BUSY || code == SVM_EXIT_INVALID)
		pv_terminate(PV_TERM_BUG, "the guest VMSA was refused (%#lx)", (unsigned long)code);
	struct vc_exit e = {
		.vcpu = v,
		.vmsa = a,
		.code = code,
		.info1 = a->guest_exit_info1,
		.info2 = a->guest_exit_info2,
		.nrip = a->guest_nrip,
	};
	a->guest_exit_code = EXIT_CONSUMED;
	if (++v->exit_count % PROGRESS_EVERY == 0)
		pv_info("vCPU %u: %lu exits, now %#lx (%#lx, %#lx) at rip %#lx", v->index,
			(unsigned long)v->exit_count, (unsigned long)code, (unsigned long)e.info1,
			(unsigned long)e.info2, (unsigned long)a->rip);
	vc_dispatch(&e);
}

/** The guest's INIT and SIPI to this vCPU (vc/apic.c posts them): INIT
 * puts the guest vCPU in wait-for-SIPI with its APIC reset; a SIPI there
 * starts it in real mode.  True while there is no guest to run. */
static bool init_sipi(struct vcpu *v)
{
	int r = guest_apic_startup(v);
	if (r == -1)
		return false;
	v->guest_halted = false;
	if (r == -2) {
		hw_halt_unless(&v->hv_pending); /* a kick (#HV) brings the SIPI */
		return true;
	}
	vcpu_start_guest_sipi(v, (uint8_t)r);
	v->vmsa1->guest_exit_code = EXIT_CONSUMED;
	v->vmsa1->vintr_ctrl &= ~VINTR_IRQ;
	v->offered_vector = -1;
	return false;
}

_Noreturn void vcpu_run(struct vcpu *v)
{
	if (v->vmsa1)
		v->vmsa1->guest_exit_code = EXIT_CONSUMED;
	v->offered_vector = -1;
	for (;;) {
		if (v->hv_pending)
			irq_poll_doorbell(v);
		if (init_sipi(v))
			continue;
		if (v->guest_halted) {
			irq_wait(v);
			continue; /* an INIT that ended it is taken first */
		}
		irq_before_run(v);
		if (!ghcb_msr_run_vmpl(1, &v->hv_pending))
			continue; /* an #HV came after the check: its doorbell first */
		irq_after_exit(v);
		handle_exit(v);
	}
}
