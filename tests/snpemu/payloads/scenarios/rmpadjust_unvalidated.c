// SPDX-License-Identifier: MIT
/* RMPADJUST on a page that is not validated fails with FAIL_PERMISSION
 * (2) (the code is from APM vol. 3, RMPADJUST; that this case gets it is
 * snpemu's choice, docs/snpemu.md). */
#include "rt.h"

#define PAGE_GPA (PAYLOAD_SCRATCH_GPA + 0x1000)

PAYLOAD(rmpadjust_unvalidated, 0)
{
	CHECK_EQ(rmpadjust(PAGE_GPA, RMP_PG_SIZE_4K, 1 | RMPADJUST_READ).eax,
		 RMPADJUST_FAIL_PERMISSION);
}
