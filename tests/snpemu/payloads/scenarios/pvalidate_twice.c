// SPDX-License-Identifier: MIT
/* PVALIDATE of an already validated page succeeds with CF=1: the
 * Validated bit did not change (APM vol. 3, PVALIDATE). */
#include "rt.h"

#define PAGE_GPA (PAYLOAD_SCRATCH_GPA + 0x401000)

PAYLOAD(pvalidate_twice, 0)
{
	CHECK_SNP(pvalidate(PAGE_GPA, RMP_PG_SIZE_4K, true), PVALIDATE_SUCCESS, 0);
	CHECK_SNP(pvalidate(PAGE_GPA, RMP_PG_SIZE_4K, true), PVALIDATE_SUCCESS, 1);
}
