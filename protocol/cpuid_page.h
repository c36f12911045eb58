/* SPDX-License-Identifier: MIT */
/*
 * The SNP CPUID table ("CPUID page"): one 4 KiB page loaded with IGVM
 * PAGE_DATA data_type CPUID_DATA, filled by the VMM and checked by the PSP.
 *
 * Facts: shared/SPEC-FACTS.md (the project notes) §8.1 [CO, OV, Q-sev, ED] C2.  The PSP's
 * per-leaf filtering policy (SNP ABI 56860) is U.
 */
#ifndef PROTOCOL_CPUID_PAGE_H
#define PROTOCOL_CPUID_PAGE_H

#include <stddef.h>
#include <stdint.h>

#define SNP_CPUID_MAX_COUNT     64

/** One 48-byte entry. */
struct snp_cpuid_fn {
	uint32_t eax_in;        /**< +0: leaf */
	uint32_t ecx_in;        /**< +4: sub-leaf (only where significant) */
	uint64_t xcr0_in;       /**< +8 */
	uint64_t xss_in;        /**< +16 */
	uint32_t eax;           /**< +24 */
	uint32_t ebx;           /**< +28 */
	uint32_t ecx;           /**< +32 */
	uint32_t edx;           /**< +36 */
	uint64_t reserved;      /**< +40 */
};

/** The whole page. */
struct snp_cpuid_page {
	uint32_t count;         /**< 0x00: valid entries, <= 64 */
	uint32_t reserved_04;
	uint64_t reserved_08;
	struct snp_cpuid_fn fn[SNP_CPUID_MAX_COUNT]; /**< 0x10 */
	uint8_t  reserved_c10[1008];
};

_Static_assert(sizeof(struct snp_cpuid_fn) == 48,
	       "CPUID entry is 48 bytes (SNP ABI 56860 §8.14.2.6 / SPEC-FACTS §8.1)");
_Static_assert(offsetof(struct snp_cpuid_fn, eax) == 24,
	       "CPUID entry eax at +24 (SPEC-FACTS §8.1)");
_Static_assert(offsetof(struct snp_cpuid_fn, edx) == 36,
	       "CPUID entry edx at +36 (SPEC-FACTS §8.1)");
_Static_assert(offsetof(struct snp_cpuid_page, fn) == 0x10,
	       "CPUID entries start at 0x10 (SPEC-FACTS §8.1)");
_Static_assert(offsetof(struct snp_cpuid_page, reserved_c10) == 0xC10,
	       "CPUID table ends at 0xC10 (SPEC-FACTS §8.1)");
_Static_assert(sizeof(struct snp_cpuid_page) == 0x1000,
	       "CPUID page is 4 KiB (SPEC-FACTS §8.1)");

#endif /* PROTOCOL_CPUID_PAGE_H */
