// SPDX-License-Identifier: MIT
/* Without an RDTSC intercept (snpemu's default config), RDTSC runs
 * natively: no #VC, and the counter advances. */
#include "rt.h"

static uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi) : : "memory");
	return ((uint64_t)hi << 32) | lo;
}

PAYLOAD(rdtsc_native, 0)
{
	struct exc_record rec;
	uint64_t t0, t1;

	exc_expect(X86_VECTOR_VC, &rec);
	t0 = rdtsc();
	t1 = rdtsc();
	exc_disarm();
	CHECK(rec.hits == 0, "#VC 0x%llx on RDTSC", (unsigned long long)rec.error_code);
	CHECK(t1 > t0, "TSC did not advance");
}
