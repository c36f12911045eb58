/* SPDX-License-Identifier: MIT */
#ifndef PV_DEVICES_H
#define PV_DEVICES_H

#include "core/pv.h"

/** fw_cfg and the filters; returns the number of vCPUs. */
unsigned int devices_init(void);
/** true if the paravisor answered the access (for IN: *val), false to
 * send it to the hypervisor. */
bool devices_port_io(uint16_t port, unsigned int size, bool in, uint32_t *val);
/** A string access the hypervisor may take whole (see platform.c). */
bool devices_port_bulk(uint16_t port, unsigned int size, bool in, uint64_t count);
/** The same for MMIO (the guest's local APIC page). */
bool devices_mmio(uint64_t gpa, unsigned int size, bool write, uint64_t *val);
/** An unmasked level-triggered I/O APIC pin of the guest's uses vector:
 * the host's delivery of it is a level interrupt (TMR set in the guest's
 * APIC, whose EOI the host's APIC then broadcasts to its I/O APIC). */
bool ioapic_vector_level(uint8_t vector);

/* pci.c: configuration space (mechanism #1 and ECAM) and the virtio proxy */
void pci_init(void);
bool pci_port_io(uint16_t port, unsigned int size, bool in, uint32_t *val); /* 0xCF8-0xCFF */
bool pci_mmio(uint64_t gpa, unsigned int size, bool write, uint64_t *val);
void pci_vector(uint8_t vector); /* PV_VECTOR_VIRTIO_* arrived (platform/apic.h) */

#endif
