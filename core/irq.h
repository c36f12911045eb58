/* SPDX-License-Identifier: MIT */
/*
 * Interrupts for the guest (DESIGN "An interrupt"): the hypervisor can
 * only raise #HV at VMPL0 and posts the vector in the #HV doorbell page;
 * the paravisor hands it to the guest's software APIC, and delivers the
 * APIC's highest deliverable vector into the guest's VMSA (Alternate
 * Injection: VINTR_CTRL, so the CPU takes it when RFLAGS.IF allows).
 */
#ifndef PV_IRQ_H
#define PV_IRQ_H

#include "vcpu.h"

/* The paravisor's own vectors on the host's APIC, above the guest device
 * vectors (Linux allocates those below 0xEC): an IPI between vCPUs
 * (vc/apic.c) and the virtio proxy's device interrupts (core/pci.c). */
#define PV_VECTOR_KICK              0xF2
#define PV_VECTOR_VIRTIO_QUEUE      0xF3
#define PV_VECTOR_VIRTIO_CONFIG     0xF4

void irq_init(struct vcpu *v);              /* irq_alloc + irq_register */
void irq_alloc(struct vcpu *v);             /* the doorbell page, made shared */
void irq_register(struct vcpu *v);          /* by the vCPU itself */
void irq_poll_doorbell(struct vcpu *v);     /* consume what the host posted */
void irq_before_run(struct vcpu *v);        /* offer a vector to the guest */
void irq_after_exit(struct vcpu *v);        /* was the offered vector taken? */
void irq_wait(struct vcpu *v);              /* the guest halted */

/* The guest's APIC, behind vc/apic.c. */
void guest_apic_init(struct vcpu *v);
/** The guest's INIT/SIPI to v: -1 run, -2 wait for SIPI, else start at
 * that SIPI vector. */
int guest_apic_startup(struct vcpu *v);
void guest_apic_host_vector(struct vcpu *v, u8 vector);    /* into IRR */
int guest_apic_pending(struct vcpu *v);                    /* -1: none */
/** The APIC ID of the first vCPU a logical destination names, or -1. */
int guest_apic_logical_target(u8 dest);
void guest_apic_accept(struct vcpu *v, u8 vector);         /* IRR -> ISR */
/** An MSI for the guest (address and data as it programmed them). */
void guest_apic_msi(u64 addr, u32 data);
/** The xAPIC page (offset in the page); true if handled, false = #GP-worthy. */
bool guest_apic_mmio(u32 offset, unsigned int size, bool write, u64 *val);

#endif
