/* SPDX-License-Identifier: MIT */
#ifndef PV_DEVICES_H
#define PV_DEVICES_H

#include "core/pv.h"

/** fw_cfg and the filters; returns the number of vCPUs. */
unsigned int devices_init(void);
/** true if the paravisor answered the access (for IN: *val), false to
 * send it to the hypervisor. */
bool devices_port_io(u16 port, unsigned int size, bool in, u32 *val);
/** A string access the hypervisor may take whole (see platform.c). */
bool devices_port_bulk(u16 port, unsigned int size, bool in, u64 count);
/** The same for MMIO (the guest's local APIC page). */
bool devices_mmio(u64 gpa, unsigned int size, bool write, u64 *val);

/* pci.c: configuration space (mechanism #1 and ECAM) and the virtio proxy */
void pci_init(void);
bool pci_port_io(u16 port, unsigned int size, bool in, u32 *val);   /* 0xCF8-0xCFF */
bool pci_mmio(u64 gpa, unsigned int size, bool write, u64 *val);
void pci_vector(u8 vector);         /* PV_VECTOR_VIRTIO_* arrived (platform/apic.h) */

#endif
