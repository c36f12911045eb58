/* SPDX-License-Identifier: MIT */
/*
 * Payload runtime: Restricted Injection at VMPL0 (APM vol. 2, 15.36.16).  The
 * hypervisor can raise only #HV (vector 28); what is pending is in the #HV
 * doorbell page, a shared page registered with NAE 0x8000_0014.  The
 * local APIC (timer, EOI, self-IPI) is the hypervisor's x2APIC, reached
 * through the GHCB MSR NAE (0x7C); IPIs also through NAE 0x8000_0015.
 *
 * The #HV handler never uses the GHCB (it may interrupt a GHCB call): it
 * snapshots the doorbell, clears NoFurtherSignal, consumes the vector with
 * a compare-and-exchange and records it in the CPU's rt_cpu; test code
 * picks recorded vectors up with hv_take() and does the EOI itself.
 */
#ifndef PAYLOAD_HV_H
#define PAYLOAD_HV_H

#include "smp.h"

/* x2APIC MSRs: 0x800 + xAPIC offset >> 4 (Intel SDM vol. 3 §11.12.1) */
#define X2APIC_ID	  0x802u
#define X2APIC_TPR	  0x808u
#define X2APIC_EOI	  0x80Bu
#define X2APIC_ICR	  0x830u
#define X2APIC_LVT_TIMER  0x832u
#define X2APIC_TMICT	  0x838u
#define X2APIC_TMCCT	  0x839u
#define X2APIC_TDCR	  0x83Eu
#define APIC_LVT_MASKED	  (1u << 16)
#define APIC_LVT_PERIODIC (1u << 17)
#define APIC_TDCR_DIV1	  0xBu

/** #HV from exc_dispatch(). */
void hv_handle(struct exc_frame *f);

/** NAE 0x8000_0014 sub-function @op (SVM_VMGEXIT_HVDB_*) with @gpa. */
struct ghcb_result hv_doorbell_nae(unsigned op, uint64_t gpa);

/** This CPU's doorbell page (smp.h): PSC to shared, SET, then QUERY must
 * return it.  False with a FAIL line otherwise. */
bool hv_doorbell_register(void);

/** #HV IPI NAE (0x8000_0015): fixed @vector, physical destination. */
bool hv_ipi(uint32_t apic_id, uint8_t vector);

/** Take @vector if the #HV handler has recorded it. */
bool hv_take(uint8_t vector);

/** Spin (PAUSE, no exits) until the handler records @vector (then take
 * it); at most about @spins iterations.  Relies on the hypervisor taking a
 * physical interrupt out of a running guest at once. */
bool hv_wait(uint8_t vector, unsigned long spins);

/** The same, but each round makes one VMGEXIT (an MSR-protocol SEV
 * information request), so the hypervisor gets control @rounds times
 * whatever it does with interrupts that arrive while the guest runs. */
bool hv_poll(uint8_t vector, unsigned long rounds);

/** HLT until the handler records @vector, then take it.  Use with a
 * periodic source: a #HV between the check and HLT is caught by the next. */
void hv_wait_hlt(uint8_t vector);

/** The x2APIC through the GHCB MSR NAE. */
bool hv_x2apic_read(uint32_t msr, uint64_t *val);
bool hv_x2apic_write(uint32_t msr, uint64_t val);

/** APIC timer: divide by 1, @vector, one-shot or periodic, @count. */
bool hv_timer_start(uint8_t vector, uint32_t count, bool periodic);
/** Mask the timer LVT and zero the initial count. */
bool hv_timer_stop(void);

/** The last #HV this CPU took (its log entry). */
struct hv_event hv_last_event(void);

#endif
