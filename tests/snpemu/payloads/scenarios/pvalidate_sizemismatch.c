// SPDX-License-Identifier: MIT
/* A 2 MiB PVALIDATE where the RMP holds 4K entries fails with
 * FAIL_SIZEMISMATCH (6).  A 4K page state change inside the region makes
 * the entries 4K (APM vol. 2, 15.36.11; APM vol. 3, PVALIDATE). */
#include "rt.h"

#define REGION_GPA (PAYLOAD_SCRATCH_GPA + 0x600000)

PAYLOAD(pvalidate_sizemismatch, 0)
{
	CHECK(psc_roundtrip_4k(REGION_GPA + 0x3000), "4K PSC failed");
	CHECK_EQ(pvalidate(REGION_GPA, RMP_PG_SIZE_2M, true).eax, PVALIDATE_FAIL_SIZEMISMATCH);
}
