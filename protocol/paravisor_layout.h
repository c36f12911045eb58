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

/** VMPL1's vTOM: every guest access below it is private (the guest is not
 * SNP-aware), so it sits above all guest memory including the firmware at
 * the top of 4 GiB. */
#define PV_GUEST_VTOM (4ULL << 30)

#ifndef __ASSEMBLER__
#include <stdint.h>
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
