/* SPDX-License-Identifier: MIT */
/*
 * SNP launch measurement: page types and the PAGE_INFO chain element.
 *
 * Sources: SNP ABI, SNP_LAUNCH_UPDATE (page types) and 8.17.2, the layout of
 * the PAGE_INFO structure, as virtee/sev-snp-measure (sevsnpmeasure/gctx.py)
 * cites it; openvmm, microsoft/igvm and QEMU (KVM_SEV_SNP_PAGE_TYPE_*) use the
 * same values.
 *
 * THE MEASUREMENT RULE for an IGVM file (images/mkigvm and snpemu implement
 * it independently; keep them identical):
 *
 *  0. SNP_MASK = compatibility_mask of the one SUPPORTED_PLATFORM header whose
 *     platform_type is SEV-SNP (2).  A directive "applies" when
 *     (directive.compatibility_mask & SNP_MASK) != 0; directives that do not
 *     apply are skipped entirely.
 *  1. digest = 48 zero bytes.
 *  2. Walk the directive headers (0x301..0x400) in file order:
 *     - PARAMETER_AREA: remember number_of_bytes for parameter_area_index.
 *       Nothing is measured.
 *     - PAGE_DATA (4 KiB; the is_2mb flag is rejected as unsupported):
 *         flags.shared                    -> skipped, nothing measured
 *         data_type SECRETS               -> SECRETS,    contents 0
 *         data_type CPUID_DATA / CPUID_XF -> CPUID,      contents 0
 *         data_type NORMAL, flags.unmeasured -> UNMEASURED, contents 0
 *         data_type NORMAL, file_offset 0 -> ZERO,       contents 0
 *         data_type NORMAL, file data     -> NORMAL, contents = SHA-384 of
 *                                            the 4096 file bytes at file_offset
 *       (checked in this order; any other data_type is rejected).
 *       The step's GPA is the directive's gpa.
 *     - PARAMETER_INSERT: for each page i of the parameter area
 *       (number_of_bytes / 4096 pages, index declared earlier): one
 *       UNMEASURED step, contents 0, gpa = insert.gpa + i * 4096.
 *     - VP_CONTEXT: deferred (step 3).
 *     - anything else: not measured.
 *  3. Then, for each VP_CONTEXT in file order: one VMSA step, contents =
 *     SHA-384 of the 4096-byte VMSA page at file_offset, gpa = its gpa.
 *     (QEMU/KVM measure VMSAs at launch finish, after all page data.)
 *  Each step:  digest = SHA-384(struct snp_page_info {
 *      digest_cur = digest, contents, length = 0x70, page_type,
 *      imi_page = 0, vmpl3_perms = vmpl2_perms = vmpl1_perms = 0,
 *      reserved = 0, gpa })
 *  The launch digest is the final 48-byte digest.
 *
 *  Note: the microsoft/igvm crate measures file_offset-0 NORMAL pages as
 *  NORMAL with the SHA-384 of a zero page and VMSAs in file order; we follow
 *  QEMU's loader (ZERO page type, VMSAs last; backends/igvm.c) instead.
 */
#ifndef PROTOCOL_SNP_MEASURE_H
#define PROTOCOL_SNP_MEASURE_H

#include <stddef.h>
#include <stdint.h>

#define SNP_DIGEST_SIZE 48 /* SHA-384 */

/* SNP_LAUNCH_UPDATE page types (SNP ABI, SNP_LAUNCH_UPDATE) */
#define SNP_PAGE_TYPE_NORMAL	 0x1
#define SNP_PAGE_TYPE_VMSA	 0x2
#define SNP_PAGE_TYPE_ZERO	 0x3
#define SNP_PAGE_TYPE_UNMEASURED 0x4
#define SNP_PAGE_TYPE_SECRETS	 0x5
#define SNP_PAGE_TYPE_CPUID	 0x6

/** PAGE_INFO: one 112-byte measurement chain element. */
struct snp_page_info {
	uint8_t digest_cur[SNP_DIGEST_SIZE]; /**< 0x00 previous digest */
	uint8_t contents[SNP_DIGEST_SIZE];   /**< 0x30 SHA-384 of page or 0 */
	uint16_t length;		     /**< 0x60 = 0x70 */
	uint8_t page_type;		     /**< 0x62 SNP_PAGE_TYPE_* */
	uint8_t imi_page;		     /**< 0x63 */
	uint8_t vmpl3_perms;		     /**< 0x64 */
	uint8_t vmpl2_perms;		     /**< 0x65 */
	uint8_t vmpl1_perms;		     /**< 0x66 */
	uint8_t reserved;		     /**< 0x67 */
	uint64_t gpa;			     /**< 0x68 */
};

#define SNP_PAGE_INFO_LENGTH 0x70

_Static_assert(sizeof(struct snp_page_info) == SNP_PAGE_INFO_LENGTH,
	       "PAGE_INFO is 112 bytes (SNP ABI 8.17.2, PAGE_INFO)");
_Static_assert(offsetof(struct snp_page_info, contents) == 0x30,
	       "PAGE_INFO contents at 0x30 (SNP ABI 8.17.2, PAGE_INFO)");
_Static_assert(offsetof(struct snp_page_info, length) == 0x60,
	       "PAGE_INFO length at 0x60 (SNP ABI 8.17.2, PAGE_INFO)");
_Static_assert(offsetof(struct snp_page_info, page_type) == 0x62,
	       "PAGE_INFO page_type at 0x62 (SNP ABI 8.17.2, PAGE_INFO)");
_Static_assert(offsetof(struct snp_page_info, vmpl3_perms) == 0x64,
	       "PAGE_INFO vmpl3_perms at 0x64 (SNP ABI 8.17.2, PAGE_INFO)");
_Static_assert(offsetof(struct snp_page_info, gpa) == 0x68,
	       "PAGE_INFO gpa at 0x68 (SNP ABI 8.17.2, PAGE_INFO)");

#endif /* PROTOCOL_SNP_MEASURE_H */
