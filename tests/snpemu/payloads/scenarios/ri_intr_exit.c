// SPDX-License-Identifier: MIT
/* A physical interrupt for a vCPU that is running guest code takes the
 * vCPU out of the guest at once (INTR is always intercepted with RI/AI,
 * APM vol. 2, 15.36.16; KVM runs the guest with host interrupts open, so an IPI
 * or timer exits it): (1) VMPL0 (RI, on the AP) spinning with PAUSE and no
 * exits gets the #HV for an #HV IPI; (2) VMPL1 spinning the same way while
 * VMPL0's APIC timer expires is stopped: RUN_VMPL returns with
 * GUEST_EXITCODE 0x60 (INTR) and VMPL0 has the timer's #HV
 * (APM vol. 2, 15.36.9: exit fields on every automatic exit; GHCB spec,
 * #HV doorbell page). */
#include "hv.h"
#include "vmpl.h"

#define IPI_VECTOR   0x52
#define TIMER_VECTOR 0x62
#define TIMER_COUNT  2000000u /* 2 ms: expires while VMPL1 spins */
#define SPINS	     10000000ul

VMPL1_TEXT static void guest(struct vmpl1_state *s)
{
	uint64_t i;

	for (i = 0; i < SPINS; i++)
		__asm__ volatile("pause" ::: "memory");
	s->out[0] = i;
	vmpl1_finish(s);
}

static void ap_main(struct rt_cpu *c)
{
	struct vmpl1 v;
	uint64_t code;

	if (!hv_doorbell_register())
		rt_finish();
	CHECK(hv_ipi(c->apic_id, IPI_VECTOR), "HV_IPI NAE failed");
	CHECK(hv_wait(IPI_VECTOR, SPINS), "no #HV while VMPL0 spins");
	if (!hv_take(IPI_VECTOR))
		hv_poll(IPI_VECTOR, 1000); /* collect it anyway */
	CHECK(hv_x2apic_write(X2APIC_EOI, 0), "EOI");

	if (!vmpl1_create(&v, guest, VMPL1_PARAVISOR_FEATURES, VMPL1_VTOM))
		rt_finish();
	CHECK(hv_timer_start(TIMER_VECTOR, TIMER_COUNT, false), "timer start");
	code = vmpl1_run(&v);
	CHECK_EQ(code, SVM_EXIT_INTR);
	CHECK(hv_poll(TIMER_VECTOR, 1000), "no #HV for the timer");
	CHECK_EQ(v.st->finished, 0);
	CHECK(hv_x2apic_write(X2APIC_EOI, 0), "EOI");
	hv_timer_stop();
	rt_finish();
}

PAYLOAD(ri_intr_exit, 0)
{
	smp_run_on_ap(SEV_FEAT_SNP_ACTIVE | SEV_FEAT_RESTRICTED_INJ, ap_main);
}
