// SPDX-License-Identifier: MIT
/* Restricted Injection at VMPL0 (on the AP: the IGVM VMSA lacks the
 * feature): after the #HV doorbell page is registered (NAE 0x8000_0014 SET,
 * QUERY returns it), an #HV IPI to itself (NAE 0x8000_0015) arrives as #HV
 * with the vector in doorbell byte 0 and NoFurtherSignal (byte 1 bit 7)
 * set.  The vector stays in service until the x2APIC EOI (MSR 0x80B through
 * the GHCB): a second IPI of the same vector comes only after it.  A
 * self-IPI written to the x2APIC ICR (0x830) through the GHCB arrives the
 * same way (GHCB spec, Restricted Injection: #HV doorbell page, #HV IPI). */
#include "hv.h"

#define VECTOR	     0x50
#define ICR_VECTOR   0x51
#define POLL_ROUNDS  20000ul
#define SHORT_ROUNDS 500ul

static void ap_main(struct rt_cpu *c)
{
	struct hv_event ev;
	uint64_t id = ~0ull;

	CHECK(rdmsr(MSR_SEV_STATUS) & SEV_STATUS_RESTRICTED_INJ, "no RI at VMPL0");
	CHECK(hv_x2apic_read(X2APIC_ID, &id), "x2APIC ID read");
	CHECK_EQ(id, c->apic_id);
	if (!hv_doorbell_register())
		rt_finish();
	CHECK(hv_ipi(c->apic_id, VECTOR), "HV_IPI NAE failed");
	CHECK(hv_poll(VECTOR, POLL_ROUNDS), "no #HV for the IPI");
	ev = hv_last_event();
	CHECK_EQ(ev.had_doorbell, 1);
	CHECK_EQ(ev.vector, VECTOR);
	CHECK(ev.flags & HVDB_FLAG_NO_FURTHER_SIGNAL, "NoFurtherSignal clear: flags 0x%x",
	      ev.flags);
	CHECK_EQ(c->hvdb->vector, 0);

	CHECK(hv_ipi(c->apic_id, VECTOR), "second HV_IPI NAE failed");
	CHECK(!hv_poll(VECTOR, SHORT_ROUNDS), "#HV for a vector still in service");
	CHECK(hv_x2apic_write(X2APIC_EOI, 0), "EOI");
	CHECK(hv_poll(VECTOR, POLL_ROUNDS), "no #HV after the EOI");
	CHECK(hv_x2apic_write(X2APIC_EOI, 0), "EOI");

	/* The same through the x2APIC ICR (0x830: fixed, physical). */
	CHECK(hv_x2apic_write(X2APIC_ICR, ((uint64_t)c->apic_id << 32) | ICR_VECTOR), "ICR write");
	CHECK(hv_poll(ICR_VECTOR, POLL_ROUNDS), "no #HV for the ICR IPI");
	CHECK_EQ(hv_last_event().vector, ICR_VECTOR);
	CHECK(hv_x2apic_write(X2APIC_EOI, 0), "EOI");
	CHECK_EQ(c->hv_count, 3);
	CHECK_EQ(c->hv_spurious, 0);
	rt_finish();
}

PAYLOAD(ri_hv_ipi, 0)
{
	smp_run_on_ap(SEV_FEAT_SNP_ACTIVE | SEV_FEAT_RESTRICTED_INJ, ap_main);
}
