/* SPDX-License-Identifier: MIT */
/*
 * The launch layout of paravisor.igvm: the contract between images/mkigvm
 * (which writes the image) and core/ (the paravisor at VMPL0).
 *
 * The paravisor starts at VMPL0 in 32-bit protected mode with paging off
 * (every access is private then, whatever the platform's C-bit position),
 * builds its page tables from the C-bit in the CPUID page, moves itself to
 * the top of guest RAM (PV_RESERVE bytes, carved out of the memory map the
 * guest sees) and gives the launch region back to the guest.  OVMF's bytes
 * sit unmodified where OVMF expects them: at the top of 4 GiB.
 *
 *   GPA PV_LAUNCH_BASE ..        CPUID page, secrets page, memory map,
 *                                boot GDT (one page each)
 *   GPA PV_IMAGE_GPA ..          the paravisor ELF (PT_LOAD by p_paddr)
 *   GPA 4 GiB - size(OVMF.fd)    OVMF.fd, 4 KiB pages, measured
 *   PV_VMSA_GPA                  the VMPL0 VMSA (IGVM VP context)
 */
#ifndef PROTOCOL_PARAVISOR_LAYOUT_H
#define PROTOCOL_PARAVISOR_LAYOUT_H

#define PV_LAUNCH_BASE 0x200000ULL
#define PV_CPUID_GPA   0x200000ULL /* IGVM CPUID_DATA page */
#define PV_SECRETS_GPA 0x201000ULL /* IGVM SECRETS page */
#define PV_MEMMAP_GPA  0x202000ULL /* MEMORY_MAP parameter, 1 page */
#define PV_GDT_GPA     0x203000ULL /* null, code32 0x08, data 0x10, code64 0x18 */
#define PV_FW_INFO_GPA 0x204000ULL /* struct pv_fw_info, measured */
#define PV_EARLY_GHCB_GPA \
	0x205000ULL		  /* not loaded: the GHCB until the
                                             * paravisor has its own memory */
#define PV_IMAGE_GPA  0x210000ULL /* lowest PT_LOAD p_paddr allowed */
#define PV_BOOT32_GPA 0x210000ULL /* the 32-bit entry code */
#define PV_KERNEL_LMA 0x400000ULL /* the 64-bit image (2 MiB aligned) */
#define PV_LAUNCH_END 0x800000ULL /* everything launched lies below */

#define PV_VMSA_GPA   0xFFFFFFFFF000ULL
#define PV_RESERVE    (32ULL << 20) /* paravisor memory at the top of RAM */
#define PV_KERNEL_VMA 0xFFFFFFFF80000000ULL

#define PV_SEL_CODE32 0x08
#define PV_SEL_DATA   0x10
#define PV_SEL_CODE64 0x18
#define PV_SEL_TSS    0x20 /* 64-bit TSS, 16 bytes (core/idt.c) */

#ifndef __ASSEMBLER__
#include <stdint.h>

/**
 * VMPL1's vTOM for guest RAM that ends at ram_end.  Every guest access below
 * vTOM is private and every one at or above it shared, whatever the guest's
 * page tables say (APM vol. 2, 15.36.8 "Virtual Top-of-Memory"); the guest
 * is not SNP-aware, so vTOM sits above all its memory: its RAM below and
 * above 4 GiB and the firmware at the top of 4 GiB.  It is the top of RAM
 * rounded up to 2 MiB (VIRTUAL_TOM is 2 MiB aligned, 15.36.8), at least
 * 4 GiB, and no higher: device space above RAM (the firmware's 64-bit PCI
 * window) stays above it, where the guest's accesses are shared, as device
 * accesses are on the host.
 */
static inline uint64_t pv_guest_vtom(uint64_t ram_end)
{
	const uint64_t two_mib = 2ULL << 20, four_gib = 4ULL << 30;
	uint64_t top = (ram_end + two_mib - 1) & ~(two_mib - 1);
	return top > four_gib ? top : four_gib;
}

/** Where the firmware (OVMF) was loaded: mkigvm writes it, measured. */
struct pv_fw_info {
	uint64_t magic;	  /* PV_FW_INFO_MAGIC */
	uint64_t fw_base; /* GPA of the first firmware page */
	uint64_t fw_size; /* bytes; the image ends at 4 GiB */
};
#define PV_FW_INFO_MAGIC 0x4F464E4957465650ULL /* "PVFWINFO" */
_Static_assert(sizeof(struct pv_fw_info) == 24, "pv_fw_info layout");
#endif

#endif
