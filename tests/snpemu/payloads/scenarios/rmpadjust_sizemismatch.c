// SPDX-License-Identifier: MIT
/* RMPADJUST with a 2 MiB size on a page whose RMP entry is 4K fails with
 * FAIL_SIZEMISMATCH (6) (APM vol. 3, RMPADJUST; APM vol. 2, 15.36.11). */
#include "rt.h"

#define REGION_GPA (PAYLOAD_SCRATCH_GPA + 0x600000)

PAYLOAD(rmpadjust_sizemismatch, 0)
{
	/* A 4K page state change inside the region makes its entries 4K. */
	CHECK(psc_roundtrip_4k(REGION_GPA + 0x3000), "4K PSC failed");
	CHECK_SNP(pvalidate(REGION_GPA, RMP_PG_SIZE_4K, true), PVALIDATE_SUCCESS, 0);
	CHECK_EQ(rmpadjust(REGION_GPA, RMP_PG_SIZE_2M, 1 | RMPADJUST_READ).eax,
		 RMPADJUST_FAIL_SIZEMISMATCH);
}
