/* SPDX-License-Identifier: MIT */
/*
 * The SNP secrets page (written by the PSP at launch; IGVM PAGE_DATA
 * data_type SECRETS).
 *
 * Layout: SNP ABI, the secrets page; the SVSM fields (0x140-0x15F) from the
 * SVSM spec.  Linux's struct snp_secrets_page (arch/x86/include/asm/sev.h),
 * COCONUT-SVSM and edk2 agree; the VMSA tweak bitmap at 0x100 (VMSA register
 * protection, APM vol. 2, 15.36.17) as mushroom and openvmm read it.
 */
#ifndef PROTOCOL_SECRETS_H
#define PROTOCOL_SECRETS_H

#include <stddef.h>
#include <stdint.h>

#define SNP_VMPCK_SIZE	32
#define SNP_VMPCK_COUNT 4

/** Secrets page: 4 KiB. */
struct snp_secrets_page {
	uint32_t version; /**< 0x000 */
	uint32_t flags;	  /**< 0x004: bit 0 IMIEN */
	uint32_t fms;	  /**< 0x008: family/model/stepping */
	uint32_t reserved_00c;
	uint8_t gosvw[16];				/**< 0x010 */
	uint8_t vmpck[SNP_VMPCK_COUNT][SNP_VMPCK_SIZE]; /**< 0x020 .. 0x09F */
	uint8_t os_area[96];				/**< 0x0A0: guest OS area */
	uint8_t vmsa_tweak_bitmap[64];			/**< 0x100: VMSA register protection */
	uint64_t svsm_base;				/**< 0x140: written by an SVSM */
	uint64_t svsm_size;				/**< 0x148: SVSM present when non-zero */
	uint64_t svsm_caa;				/**< 0x150: BSP calling area GPA */
	uint32_t svsm_max_version;			/**< 0x158 */
	uint8_t svsm_guest_vmpl;			/**< 0x15C */
	uint8_t reserved_15d[3];
	uint32_t tsc_factor; /**< 0x160: Secure TSC (COCONUT-SVSM) */
	uint8_t reserved_164[0x1000 - 0x164];
};

#define SNP_SECRETS_FLAG_IMIEN (1u << 0)

_Static_assert(sizeof(struct snp_secrets_page) == 0x1000,
	       "secrets page is 4 KiB (SNP ABI, secrets page)");
#define SECRETS_ASSERT_OFF(field, off)                                    \
	_Static_assert(offsetof(struct snp_secrets_page, field) == (off), \
		       "secrets " #field " offset (SNP ABI, secrets page)")
SECRETS_ASSERT_OFF(fms, 0x008);
SECRETS_ASSERT_OFF(gosvw, 0x010);
SECRETS_ASSERT_OFF(vmpck, 0x020);
SECRETS_ASSERT_OFF(os_area, 0x0A0);
SECRETS_ASSERT_OFF(vmsa_tweak_bitmap, 0x100);
SECRETS_ASSERT_OFF(svsm_base, 0x140);
SECRETS_ASSERT_OFF(svsm_size, 0x148);
SECRETS_ASSERT_OFF(svsm_caa, 0x150);
SECRETS_ASSERT_OFF(svsm_max_version, 0x158);
SECRETS_ASSERT_OFF(svsm_guest_vmpl, 0x15C);
SECRETS_ASSERT_OFF(tsc_factor, 0x160);
#undef SECRETS_ASSERT_OFF

#endif /* PROTOCOL_SECRETS_H */
