// SPDX-License-Identifier: MIT
/* PVALIDATE of an address not aligned to the requested page size fails
 * with FAIL_INPUT (1) and changes nothing (APM vol. 3, PVALIDATE). */
#include "rt.h"

#define PAGE_GPA (PAYLOAD_SCRATCH_GPA + 0x801000)

PAYLOAD(pvalidate_misaligned, 0)
{
	CHECK_EQ(pvalidate(PAGE_GPA + 0x800, RMP_PG_SIZE_4K, true).eax, PVALIDATE_FAIL_INPUT);
	CHECK_EQ(pvalidate(PAGE_GPA, RMP_PG_SIZE_2M, true).eax, PVALIDATE_FAIL_INPUT);
	/* Neither validated the page. */
	CHECK_NOT_VALIDATED(gpa_private(PAGE_GPA));
}
