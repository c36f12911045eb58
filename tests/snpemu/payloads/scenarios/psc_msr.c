// SPDX-License-Identifier: MIT
/* Page State Change through the MSR protocol (0x014): private -> shared
 * makes the page usable through a C-bit-clear mapping; shared -> private
 * gives back an unvalidated page, so touching it raises #VC 0x404
 * (GHCB spec 2.3.1; APM vol. 2, 15.36.6: RMPUPDATE leaves it unvalidated). */
#include "rt.h"

#define PAGE_GPA (PAYLOAD_SCRATCH_GPA + 0x201000)

PAYLOAD(psc_msr, 0)
{
	volatile uint64_t *shared = gpa_shared(PAGE_GPA);

	/* Start from a page that was validated once. */
	CHECK_SNP(pvalidate(PAGE_GPA, RMP_PG_SIZE_4K, true), PVALIDATE_SUCCESS, 0);
	CHECK_SNP(pvalidate(PAGE_GPA, RMP_PG_SIZE_4K, false), PVALIDATE_SUCCESS, 0);

	CHECK_EQ(ghcb_msr_psc(PAGE_GPA, PSC_OP_SHARED), 0);
	*shared = 0x5A5A5A5A12345678ull;
	CHECK_EQ(*shared, 0x5A5A5A5A12345678ull);

	CHECK_EQ(ghcb_msr_psc(PAGE_GPA, PSC_OP_PRIVATE), 0);
	CHECK_NOT_VALIDATED(gpa_private(PAGE_GPA));
}
