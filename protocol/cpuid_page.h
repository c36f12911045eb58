/* SPDX-License-Identifier: MIT */
/*
 * The SNP CPUID table ("CPUID page"): one 4 KiB page loaded with IGVM
 * PAGE_DATA data_type CPUID_DATA, filled by the VMM and checked by the PSP.
 *
 * Layout: SNP ABI, the CPUID page; Linux's struct snp_cpuid_table and
 * snp_cpuid_fn (arch/x86/include/asm/sev.h, citing the ABI's table), QEMU's
 * SnpCpuidInfo (target/i386/sev.c), COCONUT-SVSM and openvmm agree.  The
 * PSP's per-leaf filtering policy is in the SNP ABI and not modelled here.
 */
#ifndef PROTOCOL_CPUID_PAGE_H
#define PROTOCOL_CPUID_PAGE_H

#include <stddef.h>
#include <stdint.h>

#define SNP_CPUID_MAX_COUNT 64

/** One 48-byte entry. */
struct snp_cpuid_fn {
	uint32_t eax_in;   /**< +0: leaf */
	uint32_t ecx_in;   /**< +4: sub-leaf (only where significant) */
	uint64_t xcr0_in;  /**< +8 */
	uint64_t xss_in;   /**< +16 */
	uint32_t eax;	   /**< +24 */
	uint32_t ebx;	   /**< +28 */
	uint32_t ecx;	   /**< +32 */
	uint32_t edx;	   /**< +36 */
	uint64_t reserved; /**< +40 */
};

/** The whole page. */
struct snp_cpuid_page {
	uint32_t count; /**< 0x00: valid entries, <= 64 */
	uint32_t reserved_04;
	uint64_t reserved_08;
	struct snp_cpuid_fn fn[SNP_CPUID_MAX_COUNT]; /**< 0x10 */
	uint8_t reserved_c10[1008];
};

_Static_assert(sizeof(struct snp_cpuid_fn) == 48,
	       "CPUID entry is 48 bytes (SNP ABI, CPUID page; Linux snp_cpuid_fn)");
_Static_assert(offsetof(struct snp_cpuid_fn, eax) == 24,
	       "CPUID entry eax at +24 (Linux snp_cpuid_fn)");
_Static_assert(offsetof(struct snp_cpuid_fn, edx) == 36,
	       "CPUID entry edx at +36 (Linux snp_cpuid_fn)");
_Static_assert(offsetof(struct snp_cpuid_page, fn) == 0x10,
	       "CPUID entries start at 0x10 (Linux snp_cpuid_table)");
_Static_assert(offsetof(struct snp_cpuid_page, reserved_c10) == 0xC10,
	       "CPUID table ends at 0xC10 (64 entries, Linux SNP_CPUID_COUNT_MAX)");
_Static_assert(sizeof(struct snp_cpuid_page) == 0x1000,
	       "CPUID page is 4 KiB (SNP ABI, CPUID page)");

#endif /* PROTOCOL_CPUID_PAGE_H */
