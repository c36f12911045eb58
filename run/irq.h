/* SPDX-License-Identifier: MIT */
/*
 * Interrupts for the guest (docs/architecture.md, "An interrupt"): the
 * hypervisor can only raise #HV at VMPL0 and posts the vector in the #HV
 * doorbell page; the paravisor hands it to the guest's software APIC
 * (platform/apic.c), and delivers the APIC's highest deliverable vector
 * into the guest's VMSA (Alternate Injection: VINTR_CTRL, so the CPU takes
 * it when RFLAGS.IF allows).
 */
#ifndef PV_RUN_IRQ_H
#define PV_RUN_IRQ_H

#include "core/vcpu.h"

void irq_init(struct vcpu *v);		/* irq_alloc + irq_register */
void irq_alloc(struct vcpu *v);		/* the doorbell page, made shared */
void irq_register(struct vcpu *v);	/* by the vCPU itself */
void irq_poll_doorbell(struct vcpu *v); /* consume what the host posted */
void irq_before_run(struct vcpu *v);	/* offer a vector to the guest */
void irq_after_exit(struct vcpu *v);	/* was the offered vector taken? */
void irq_wait(struct vcpu *v);		/* the guest halted */

#endif
