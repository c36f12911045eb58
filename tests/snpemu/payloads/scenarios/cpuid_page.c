// SPDX-License-Identifier: MIT
/* The CPUID page holds 1..64 entries, and its 0x8000001F entry reports
 * SEV, SEV-ES and SNP with the C-bit at 39 (SNP ABI, CPUID page; APM vol. 3,
 * CPUID Fn8000_001F). */
#include "cpuid_page.h"
#include "rt.h"

PAYLOAD(cpuid_page, 0)
{
	const struct snp_cpuid_page *p = gpa_private(PAYLOAD_CPUID_GPA);
	const uint32_t want = CPUID_SEV_EAX_SEV | CPUID_SEV_EAX_SEV_ES | CPUID_SEV_EAX_SNP;
	uint32_t regs[4];

	CHECK(p->count > 0 && p->count <= SNP_CPUID_MAX_COUNT, "count %u", p->count);
	if (!cpuid_page_lookup(CPUID_LEAF_SEV, 0, regs)) {
		CHECK(false, "no 0x8000001F entry");
		return;
	}
	CHECK((regs[0] & want) == want, "0x8000001F EAX 0x%x", regs[0]);
	CHECK_EQ(CPUID_SEV_EBX_CBIT(regs[1]), PAYLOAD_CBIT);
}
