// SPDX-License-Identifier: MIT
/* Guest RAM that was never validated raises #VC 0x404 on access, at the
 * accessing instruction, with the GVA in CR2 (APM vol. 2, 15.36.10). */
#include "rt.h"

#define PAGE_GPA (PAYLOAD_SCRATCH_GPA + 0x7000)

PAYLOAD(page_not_validated, 0)
{
	volatile uint64_t *p = gpa_private(PAGE_GPA);
	struct exc_record rec;

	exc_expect(X86_VECTOR_VC, &rec);
	probe_read64(p);
	exc_disarm();
	CHECK_VC_AT_PROBE(rec, SVM_EXIT_PAGE_NOT_VALIDATED);
	CHECK_EQ(rec.cr2, (uintptr_t)p);
}
