// SPDX-License-Identifier: MIT
/* RMPADJUST from VMPL0 granting VMPL1 read/write on a validated 4K page
 * succeeds (APM vol. 3, RMPADJUST; APM vol. 2, 15.36.7). */
#include "rt.h"

#define PAGE_GPA (PAYLOAD_SCRATCH_GPA + 0x1000)

PAYLOAD(rmpadjust_grant, 0)
{
	CHECK_SNP(pvalidate(PAGE_GPA, RMP_PG_SIZE_4K, true), PVALIDATE_SUCCESS, 0);
	CHECK_EQ(rmpadjust(PAGE_GPA, RMP_PG_SIZE_4K, 1 | RMPADJUST_READ | RMPADJUST_WRITE).eax,
		 RMPADJUST_SUCCESS);
}
