// SPDX-License-Identifier: MIT
/* Restricted Injection: VMPL0 programs its x2APIC timer through the GHCB
 * MSR NAE (divide 0x83E, LVT timer 0x832, initial count 0x838); the
 * expiry arrives as #HV with the timer's vector in the doorbell, the
 * current count (0x839) reads 0 afterwards, and EOI (0x80B) retires it
 * (GHCB spec, #HV doorbell page; VMPL0's x2APIC is the hypervisor's, reached
 * through the GHCB MSR NAE). */
#include "hv.h"

#define VECTOR	    0x60
#define COUNT	    200000u
#define POLL_ROUNDS 20000ul

static void ap_main(struct rt_cpu *c)
{
	struct hv_event ev;
	uint64_t lvt = 0, cur = ~0ull;

	if (!hv_doorbell_register())
		rt_finish();
	CHECK(hv_timer_start(VECTOR, COUNT, false), "timer programming failed");
	CHECK(hv_x2apic_read(X2APIC_LVT_TIMER, &lvt), "LVT read");
	CHECK_EQ(lvt & 0x300FF, VECTOR);
	CHECK(hv_poll(VECTOR, POLL_ROUNDS), "no #HV for the timer");
	ev = hv_last_event();
	CHECK_EQ(ev.vector, VECTOR);
	CHECK(ev.flags & HVDB_FLAG_NO_FURTHER_SIGNAL, "NoFurtherSignal clear: flags 0x%x",
	      ev.flags);
	CHECK(hv_x2apic_read(X2APIC_TMCCT, &cur), "current count read");
	CHECK_EQ(cur, 0);
	CHECK(hv_x2apic_write(X2APIC_EOI, 0), "EOI");
	CHECK_EQ(c->hv_spurious, 0);
	CHECK(hv_timer_stop(), "timer stop");
	rt_finish();
}

PAYLOAD(ri_timer, 0)
{
	smp_run_on_ap(SEV_FEAT_SNP_ACTIVE | SEV_FEAT_RESTRICTED_INJ, ap_main);
}
