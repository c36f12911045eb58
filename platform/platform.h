/* SPDX-License-Identifier: MIT */
#ifndef PV_DEVICES_H
#define PV_DEVICES_H

#include "core/pv.h"

/** fw_cfg and the filters; returns the number of vCPUs. */
unsigned int devices_init(void);
/** true if the paravisor answered the access (for IN: *val), false to
 * send it to the hypervisor. */
bool devices_port_io(uint16_t port, unsigned int size, bool in, uint32_t *val);
/** The guest's console output the paravisor holds (devices/uart_tx.h),
 * to the device: at every exit that is not more of it. */
void devices_flush_output(void);
/** The guest's console UART, COM1: 8 ports; its accesses flush it themselves. */
#define PV_CONSOLE_PORT 0x3F8
static inline bool devices_port_console(uint16_t port)
{
	return port >= PV_CONSOLE_PORT && port < PV_CONSOLE_PORT + 8;
}
/** A string access the hypervisor may take whole (see platform.c). */
bool devices_port_bulk(uint16_t port, unsigned int size, bool in, uint64_t count);
/** The same for MMIO (the guest's local APIC page). */
bool devices_mmio(uint64_t gpa, unsigned int size, bool write, uint64_t *val);
/** The device at a port, or at an MMIO address, for the exit histograms
 * ("ACPI PM timer", "HPET"); an empty string for one it does not know. */
void devices_port_label(uint64_t port, char *buf, size_t len);
void devices_mmio_label(uint64_t gpa, char *buf, size_t len);
/** How the guest's I/O APIC routes vector, from the first unmasked pin that
 * uses it with fixed or lowest-priority delivery:
 *  level        level-triggered: the host's delivery of it is a level
 *               interrupt (TMR set in the guest's APIC; the host's APIC
 *               broadcasts its EOI to its I/O APIC)
 *  logical_set  fixed delivery to a logical destination, which may name
 *               several vCPUs: every one of them gets it (the host's I/O
 *               APIC can name one: platform/apic.c hands it to the rest)
 * False if no pin uses vector. */
struct ioapic_route {
	bool found, level, logical_set;
	uint8_t dest; /* the logical destination */
};
bool ioapic_route_of(uint8_t vector, struct ioapic_route *rt);

/* pci.c: configuration space (mechanism #1 and ECAM) and the virtio proxy */
void pci_init(void);
bool pci_port_io(uint16_t port, unsigned int size, bool in, uint32_t *val); /* 0xCF8-0xCFF */
bool pci_mmio(uint64_t gpa, unsigned int size, bool write, uint64_t *val);
/** The function whose ECAM page gpa is in ("PCI config 00:1f.0"); false
 * outside ECAM. */
bool pci_ecam_label(uint64_t gpa, char *buf, size_t len);
void pci_vector(uint8_t vector); /* PV_VECTOR_VIRTIO_* or _AHCI arrived (platform/apic.h) */

#endif
