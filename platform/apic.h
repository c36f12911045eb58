/* SPDX-License-Identifier: MIT */
/*
 * The guest's local APICs (platform/apic.c): devices/lapic.c's engine, one
 * per vCPU, wired to the paravisor's clock and to VMPL0's own x2APIC (the
 * hypervisor's), which carries the guest's timer and the EOIs of the
 * vectors the hypervisor delivered.
 */
#ifndef PV_PLATFORM_APIC_H
#define PV_PLATFORM_APIC_H

#include "core/vcpu.h"
#include "devices/lapic.h"

/* The paravisor's own vectors on the host's APIC, above the guest device
 * vectors (Linux allocates those below 0xEC): an IPI between vCPUs (a kick,
 * platform/apic.c) and the virtio proxy's device interrupts
 * (platform/pci.c). */
#define PV_VECTOR_KICK		0xF2
#define PV_VECTOR_VIRTIO_QUEUE	0xF3
#define PV_VECTOR_VIRTIO_CONFIG 0xF4
#define PV_VECTOR_NVME		0xF6 /* the NVMe proxy's controllers (MSI-X entry 0) */

#define GUEST_APIC_BUS_NS 1 /* the guest APIC's bus clock: 1 GHz, as KVM's */

void guest_apic_init(struct vcpu *v);
/** The guest's INIT/SIPI to v: -1 run, -2 wait for SIPI, else start at
 * that SIPI vector. */
int guest_apic_startup(struct vcpu *v);
void guest_apic_host_vector(struct vcpu *v, uint8_t vector); /* into IRR */
int guest_apic_pending(struct vcpu *v);			     /* -1: none */
/** The APIC ID of the first vCPU a logical destination names, or -1. */
int guest_apic_logical_target(uint8_t dest);
void guest_apic_accept(struct vcpu *v, uint8_t vector); /* IRR -> ISR */
/** An MSI for the guest (address and data as it programmed them). */
void guest_apic_msi(uint64_t addr, uint32_t data);
/** The xAPIC page (offset in the page); true if handled, false = #GP-worthy. */
bool guest_apic_mmio(uint32_t offset, unsigned int size, bool write, uint64_t *val);
/** RDMSR/WRMSR of an x2APIC MSR by v (for RDMSR, *val is the result);
 * LAPIC_GP for an MSR the APIC does not own. */
enum lapic_result guest_apic_msr(struct vcpu *v, uint32_t msr, bool write, uint64_t *val);

#endif
