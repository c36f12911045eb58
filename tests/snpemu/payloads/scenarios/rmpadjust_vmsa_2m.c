// SPDX-License-Identifier: MIT
/* The RMPADJUST VMSA bit is only legal with a 4K page size: with 2M it
 * fails with FAIL_INPUT (1) (APM vol. 3, RMPADJUST: attribute bit 16). */
#include "rt.h"

#define REGION_GPA PAYLOAD_SCRATCH_GPA

PAYLOAD(rmpadjust_vmsa_2m, 0)
{
	CHECK_SNP(pvalidate(REGION_GPA, RMP_PG_SIZE_2M, true), PVALIDATE_SUCCESS, 0);
	CHECK_EQ(rmpadjust(REGION_GPA, RMP_PG_SIZE_2M, 1 | RMPADJUST_VMSA).eax,
		 RMPADJUST_FAIL_INPUT);
}
