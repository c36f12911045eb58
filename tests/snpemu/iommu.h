/* SPDX-License-Identifier: MIT */
/*
 * The DMA rule: device DMA reaches only shared (hypervisor-owned) guest
 * pages, as the IOMMU enforces it on a real SEV-SNP host.  snpemu drives
 * QEMU's intel-iommu (q35 VT-d); see iommu.c and docs/snpemu.md.
 */
#ifndef SNPEMU_IOMMU_H
#define SNPEMU_IOMMU_H

#include "snpemu.h"

/** After rmp_init(): DMA remapping on, every shared guest page mapped.
 * Panics if the machine has no usable VT-d unit. */
void iommu_init(void);

/** The RMP entry of gpa changed: map or unmap it for devices.  Caller
 * holds vm_lock (rmp_update does). */
void iommu_page_changed(uint64_t gpa);

/** Logs and clears pending DMA faults, one line each.  Caller holds
 * vm_lock. */
void iommu_poll(void);

/** The DMA remapping registers are snpemu's: the guest's MMIO requests
 * never reach them. */
bool iommu_mmio_hidden(uint64_t gpa);

#endif
