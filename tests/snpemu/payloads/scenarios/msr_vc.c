// SPDX-License-Identifier: MIT
/* RDMSR of an intercepted MSR (APIC_BASE) raises #VC 0x7C at the RDMSR;
 * the GHCB MSR NAE returns the value, with the APIC enable bit set. */
#include "rt.h"

#define MSR_APIC_BASE	 0x1Bu
#define APIC_BASE_ENABLE (1ull << 11)

PAYLOAD(msr_vc, 0)
{
	struct exc_record rec;
	uint32_t lo, hi;
	uint64_t direct = 0, nae = 0;

	exc_expect(X86_VECTOR_VC, &rec);
	__asm__ volatile(PROBE_MARK "rdmsr" PROBE_END
			 : "=a"(lo), "=d"(hi)
			 : "c"(MSR_APIC_BASE)
			 : "r11", "memory");
	exc_disarm();
	direct = ((uint64_t)hi << 32) | lo;
	CHECK_VC_AT_PROBE(rec, SVM_EXIT_MSR);

	CHECK(ghcb_msr_read(MSR_APIC_BASE, &nae), "MSR NAE failed");
	CHECK(nae & APIC_BASE_ENABLE, "APIC_BASE 0x%llx not enabled", (unsigned long long)nae);
	CHECK_EQ(direct, nae);
}
