// SPDX-License-Identifier: MIT
/* Hostile hypervisor (hostile=spurious-hv@7): #HV arrives with nothing
 * posted.  The handler sees doorbell byte 0 = 0 and NoFurtherSignal clear
 * (or no doorbell yet) and counts it spurious; it neither invents a vector
 * nor disturbs real events: an #HV IPI still arrives as one vector (RI on
 * the AP; GHCB spec, #HV doorbell page). */
#include "hv.h"

#define VECTOR	    0x58
#define VMGEXITS    300
#define POLL_ROUNDS 20000ul

static void ap_main(struct rt_cpu *c)
{
	unsigned i, n;

	if (!hv_doorbell_register())
		rt_finish();
	for (i = 0; i < VMGEXITS; i++)
		ghcb_msr_call(ghcb_msr_sev_info_req());
	CHECK(c->hv_count > 0, "no #HV at all");
	CHECK_EQ(c->hv_spurious, c->hv_count);
	n = c->hv_count < HV_LOG_SIZE ? c->hv_count : HV_LOG_SIZE;
	for (i = 0; i < n; i++) {
		CHECK_EQ(c->hv_log[i].vector, 0);
		CHECK_EQ(c->hv_log[i].flags & HVDB_FLAG_NO_FURTHER_SIGNAL, 0);
	}
	CHECK_EQ(c->hv_vectors[0] | c->hv_vectors[1] | c->hv_vectors[2] | c->hv_vectors[3], 0);
	CHECK(hv_ipi(c->apic_id, VECTOR), "HV_IPI NAE failed");
	CHECK(hv_poll(VECTOR, POLL_ROUNDS), "no #HV for the IPI among the spurious ones");
	CHECK(hv_x2apic_write(X2APIC_EOI, 0), "EOI");
	CHECK(!hv_take(VECTOR), "the vector came twice");
	rt_finish();
}

PAYLOAD(hostile_spurious_hv, 0)
{
	smp_run_on_ap(SEV_FEAT_SNP_ACTIVE | SEV_FEAT_RESTRICTED_INJ, ap_main);
}
