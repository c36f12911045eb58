// SPDX-License-Identifier: MIT
/* A 2 MiB PVALIDATE of a pristine 2 MiB-aligned region validates every 4K
 * page in it: a 4K PVALIDATE inside then reports CF=1 (no change) after
 * the hypervisor splits the 2M RMP entry (APM vol. 2, 15.36.11; APM vol. 3,
 * PVALIDATE). */
#include "rt.h"

#define REGION_GPA PAYLOAD_SCRATCH_GPA
#define INNER_GPA  (REGION_GPA + 0x5000)

PAYLOAD(pvalidate_2m, 0)
{
	struct exc_record rec;

	CHECK_SNP(pvalidate(REGION_GPA, RMP_PG_SIZE_2M, true), PVALIDATE_SUCCESS, 0);

	exc_expect(X86_VECTOR_VC, &rec);
	probe_write64(gpa_private(INNER_GPA), 42);
	exc_disarm();
	CHECK(rec.hits == 0, "#VC 0x%llx touching a page of the 2M region",
	      (unsigned long long)rec.error_code);

	CHECK_SNP(pvalidate(INNER_GPA, RMP_PG_SIZE_4K, true), PVALIDATE_SUCCESS, 1);
}
