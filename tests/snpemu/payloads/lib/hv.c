// SPDX-License-Identifier: MIT
/*
 * Payload runtime: the #HV handler, the doorbell page, #HV IPI and the
 * x2APIC through the GHCB (GHCB spec, Restricted Injection: the #HV doorbell
 * page and #HV IPI NAE).
 */
#include "hv.h"

void hv_handle(struct exc_frame *f)
{
	struct rt_cpu *c = smp_this_cpu();
	volatile struct hv_doorbell *db = c->hvdb;
	struct hv_event ev = { 0, 0, 0, 0 };
	unsigned n = c->hv_count++;
	uint16_t word;

	(void)f;
	if (!db) {
		c->hv_log[n % HV_LOG_SIZE] = ev;
		c->hv_spurious++;
		return;
	}
	/* Snapshot first, then start processing: clear NoFurtherSignal,
	 * consume the vector (GHCB spec, #HV doorbell page). */
	word = __atomic_load_n((volatile uint16_t *)db, __ATOMIC_SEQ_CST);
	ev.vector = (uint8_t)(word & HVDB_WORD_VECTOR_MASK);
	ev.flags = (uint8_t)(word >> 8);
	ev.no_eoi_required = db->no_eoi_required;
	ev.had_doorbell = 1;
	c->hv_log[n % HV_LOG_SIZE] = ev;
	__atomic_and_fetch(&db->flags, (uint8_t)~HVDB_FLAG_NO_FURTHER_SIGNAL, __ATOMIC_SEQ_CST);
	if (ev.vector) {
		uint8_t want = ev.vector;

		if (__atomic_compare_exchange_n(&db->vector, &want, 0, false, __ATOMIC_SEQ_CST,
						__ATOMIC_SEQ_CST))
			__atomic_or_fetch(&c->hv_vectors[ev.vector / 64], 1ull << (ev.vector % 64),
					  __ATOMIC_SEQ_CST);
	} else if (!(ev.flags & (HVDB_FLAG_NMI | HVDB_FLAG_MC))) {
		c->hv_spurious++;
	}
}

struct hv_event hv_last_event(void)
{
	struct rt_cpu *c = smp_this_cpu();
	struct hv_event none = { 0, 0, 0, 0 };

	if (!c->hv_count)
		return none;
	return c->hv_log[(c->hv_count - 1) % HV_LOG_SIZE];
}

struct ghcb_result hv_doorbell_nae(unsigned op, uint64_t gpa)
{
	ghcb_begin();
	return ghcb_call(SVM_VMGEXIT_HV_DOORBELL_PAGE, op, gpa);
}

bool hv_doorbell_register(void)
{
	struct rt_cpu *c = smp_this_cpu();
	uint64_t gpa = SMP_PERCPU_GPA + c->index * SMP_PERCPU_STRIDE + SMP_PERCPU_DOORBELL;
	struct ghcb_result r;
	volatile uint8_t *p = gpa_shared(gpa);
	unsigned i;

	if (ghcb_msr_psc(gpa, PSC_OP_SHARED) != 0) {
		CHECK(0, "PSC of the doorbell page 0x%llx to shared failed",
		      (unsigned long long)gpa);
		return false;
	}
	for (i = 0; i < 4096; i++)
		p[i] = 0;
	/* Known to the handler before the hypervisor can post to it. */
	c->hvdb_gpa = gpa;
	c->hvdb = (volatile struct hv_doorbell *)p;
	r = hv_doorbell_nae(SVM_VMGEXIT_HVDB_SET, gpa);
	CHECK(r.info1 == 0 && r.info2 == gpa, "HVDB SET: info1 0x%llx info2 0x%llx",
	      (unsigned long long)r.info1, (unsigned long long)r.info2);
	if (r.info1 != 0) {
		c->hvdb = NULL;
		c->hvdb_gpa = 0;
		return false;
	}
	r = hv_doorbell_nae(SVM_VMGEXIT_HVDB_QUERY, 0);
	CHECK(r.info1 == 0 && r.info2 == gpa, "HVDB QUERY: info1 0x%llx info2 0x%llx",
	      (unsigned long long)r.info1, (unsigned long long)r.info2);
	return r.info1 == 0 && r.info2 == gpa;
}

bool hv_ipi(uint32_t apic_id, uint8_t vector)
{
	ghcb_begin();
	return ghcb_call(SVM_VMGEXIT_HV_IPI, ((uint64_t)apic_id << 32) | vector, 0).info1 == 0;
}

bool hv_take(uint8_t vector)
{
	struct rt_cpu *c = smp_this_cpu();
	uint64_t bit = 1ull << (vector % 64);

	return __atomic_fetch_and(&c->hv_vectors[vector / 64], ~bit, __ATOMIC_SEQ_CST) & bit;
}

bool hv_wait(uint8_t vector, unsigned long spins)
{
	unsigned long i;

	for (i = 0; i < spins; i++) {
		if (hv_take(vector))
			return true;
		__asm__ volatile("pause");
	}
	return hv_take(vector);
}

bool hv_poll(uint8_t vector, unsigned long rounds)
{
	unsigned long i;

	for (i = 0; i < rounds; i++) {
		if (hv_take(vector))
			return true;
		ghcb_msr_call(ghcb_msr_sev_info_req());
	}
	return hv_take(vector);
}

void hv_wait_hlt(uint8_t vector)
{
	while (!hv_take(vector))
		__asm__ volatile("hlt" ::: "memory");
}

bool hv_x2apic_read(uint32_t msr, uint64_t *val)
{
	return ghcb_msr_read(msr, val);
}

bool hv_x2apic_write(uint32_t msr, uint64_t val)
{
	return ghcb_msr_write(msr, val);
}

bool hv_timer_start(uint8_t vector, uint32_t count, bool periodic)
{
	return hv_x2apic_write(X2APIC_TDCR, APIC_TDCR_DIV1) &&
	       hv_x2apic_write(X2APIC_LVT_TIMER, vector | (periodic ? APIC_LVT_PERIODIC : 0)) &&
	       hv_x2apic_write(X2APIC_TMICT, count);
}

bool hv_timer_stop(void)
{
	return hv_x2apic_write(X2APIC_LVT_TIMER, APIC_LVT_MASKED) &&
	       hv_x2apic_write(X2APIC_TMICT, 0);
}
