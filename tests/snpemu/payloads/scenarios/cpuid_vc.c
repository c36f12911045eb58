// SPDX-License-Identifier: MIT
/* CPUID always raises #VC 0x72 in an SNP guest, at the CPUID itself
 * (APM vol. 2, 15.36.12: unconditional intercept). */
#include "rt.h"

PAYLOAD(cpuid_vc, 0)
{
	struct exc_record rec;
	uint32_t a = 0, b, c = 0, d, page[4];

	exc_expect(X86_VECTOR_VC, &rec);
	__asm__ volatile(PROBE_MARK "cpuid" PROBE_END
			 : "+a"(a), "=b"(b), "+c"(c), "=d"(d)
			 :
			 : "r11", "memory");
	exc_disarm();
	CHECK_VC_AT_PROBE(rec, SVM_EXIT_CPUID);
	/* The default handler answered from the CPUID page. */
	CHECK(cpuid_page_lookup(0, 0, page), "leaf 0 missing from the CPUID page");
	CHECK_EQ(a, page[0]);
	CHECK_EQ(b, page[1]);
	CHECK_EQ(c, page[2]);
	CHECK_EQ(d, page[3]);
}
