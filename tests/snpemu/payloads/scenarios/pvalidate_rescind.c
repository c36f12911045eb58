// SPDX-License-Identifier: MIT
/* PVALIDATE with EDX=0 rescinds validation: the next access raises #VC
 * 0x404 at the accessing instruction (APM vol. 2, 15.36.6 and 15.36.10). */
#include "rt.h"

#define PAGE_GPA (PAYLOAD_SCRATCH_GPA + 0x501000)

PAYLOAD(pvalidate_rescind, 0)
{
	volatile uint64_t *p = gpa_private(PAGE_GPA);

	CHECK_SNP(pvalidate(PAGE_GPA, RMP_PG_SIZE_4K, true), PVALIDATE_SUCCESS, 0);
	*p = 0xABCDEF;
	CHECK_EQ(*p, 0xABCDEF);
	CHECK_SNP(pvalidate(PAGE_GPA, RMP_PG_SIZE_4K, false), PVALIDATE_SUCCESS, 0);
	CHECK_NOT_VALIDATED(p);
}
