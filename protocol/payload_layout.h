/* SPDX-License-Identifier: MIT */
/*
 * The memory layout of an snpemu payload image: the contract between
 * images/mkigvm (which packs a payload ELF into an IGVM file), snpemu (which
 * launches it) and the payload runtime in tests/snpemu/payloads/lib.
 *
 * A payload is an SNP-aware VMPL0 guest that starts in 64-bit mode with the
 * page tables below already built and pre-validated (loaded as IGVM
 * PAGE_DATA, so the "PSP" validates them).  Every GPA below is a plain GPA;
 * private mappings add the C-bit (PAYLOAD_CBIT) to it in the page tables.
 *
 * Virtual layout set up by mkigvm's page tables (2 MiB pages):
 *   VA [0, 1 GiB)          -> GPA [0, 1 GiB) | C-bit   private
 *   VA [1 GiB, 2 GiB)      -> GPA [0, 1 GiB)           shared alias (no C-bit)
 *   VA [3 GiB, 4 GiB)      -> GPA [3 GiB, 4 GiB)       shared, for MMIO
 */
#ifndef PROTOCOL_PAYLOAD_LAYOUT_H
#define PROTOCOL_PAYLOAD_LAYOUT_H

/** C-bit position that snpemu reports in CPUID 0x8000001F EBX[5:0].
 * QEMU TCG has 40 physical address bits; the C-bit must be an address bit
 * the TCG page walker passes through to the nested walk, so it is bit 39. */
#define PAYLOAD_CBIT	  39
#define PAYLOAD_CBIT_MASK (1ULL << PAYLOAD_CBIT)

#define PAYLOAD_PML4_GPA    0x10000ULL /* PML4, then PDPT, then 4 PDs */
#define PAYLOAD_PDPT_GPA    0x11000ULL
#define PAYLOAD_PD_GPA	    0x12000ULL /* 4 pages: 0x12000..0x15FFF */
#define PAYLOAD_GDT_GPA	    0x16000ULL /* null, code64 (0x08), data (0x10) */
#define PAYLOAD_CPUID_GPA   0x1A000ULL /* IGVM CPUID_DATA page */
#define PAYLOAD_SECRETS_GPA 0x1B000ULL /* IGVM SECRETS page */
#define PAYLOAD_MEMMAP_GPA  0x1C000ULL /* IGVM MEMORY_MAP parameter (1 page) */
#define PAYLOAD_GHCB_GPA \
	0x1D000ULL			 /* NOT loaded: unvalidated RAM the
                                             * payload converts to shared */
#define PAYLOAD_LOAD_GPA    0x100000ULL	 /* ELF loaded here (VA == GPA) */
#define PAYLOAD_LOAD_MAX    0x400000ULL	 /* ELF must end below this */
#define PAYLOAD_SCRATCH_GPA 0x1000000ULL /* 16 MiB: unvalidated RAM for tests */

#define PAYLOAD_SHARED_VA_OFFSET 0x40000000ULL	   /* VA = GPA + this: shared alias */
#define PAYLOAD_VMSA_GPA	 0xFFFFFFFFF000ULL /* KVM's fixed IGVM VMSA GPA */

#define PAYLOAD_SEL_CODE64 0x08
#define PAYLOAD_SEL_DATA   0x10

/** Termination reason set the payload runtime uses to report its result
 * (GHCB MSR protocol 0x100).  Codes: 0 = all checks passed, 1 = a check
 * failed, 2 = unexpected exception. */
#define PAYLOAD_TERM_SET       3
#define PAYLOAD_TERM_PASS      0
#define PAYLOAD_TERM_FAIL      1
#define PAYLOAD_TERM_EXCEPTION 2

#endif
