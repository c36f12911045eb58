// SPDX-License-Identifier: MIT
/* RMPADJUST's target VMPL must be numerically greater than the caller's:
 * VMPL0 adjusting VMPL0 fails with FAIL_PERMISSION (2) (APM vol. 2, 15.36.7;
 * APM vol. 3, RMPADJUST). */
#include "rt.h"

#define PAGE_GPA (PAYLOAD_SCRATCH_GPA + 0x1000)

PAYLOAD(rmpadjust_vmpl0, 0)
{
	CHECK_SNP(pvalidate(PAGE_GPA, RMP_PG_SIZE_4K, true), PVALIDATE_SUCCESS, 0);
	CHECK_EQ(rmpadjust(PAGE_GPA, RMP_PG_SIZE_4K, 0 | RMPADJUST_READ).eax,
		 RMPADJUST_FAIL_PERMISSION);
}
