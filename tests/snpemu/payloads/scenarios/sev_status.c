// SPDX-License-Identifier: MIT
/* SEV_STATUS (MSR 0xC0010131) cannot be intercepted: RDMSR gives no #VC
 * and shows SEV, SEV-ES and SNP active (APM vol. 2, 15.34.10). */
#include "rt.h"

PAYLOAD(sev_status, 0)
{
	struct exc_record rec;
	uint64_t status;
	const uint64_t want = SEV_STATUS_SEV | SEV_STATUS_SEV_ES | SEV_STATUS_SNP;

	exc_expect(X86_VECTOR_VC, &rec);
	status = rdmsr(MSR_SEV_STATUS);
	exc_disarm();
	CHECK(rec.hits == 0, "#VC 0x%llx on RDMSR SEV_STATUS", (unsigned long long)rec.error_code);
	CHECK((status & want) == want, "SEV_STATUS 0x%llx", (unsigned long long)status);
}
