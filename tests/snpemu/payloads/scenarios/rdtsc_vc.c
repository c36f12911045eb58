// SPDX-License-Identifier: MIT
/* With RDTSC intercepted (snpemu config intercept=rdtsc), RDTSC raises
 * #VC 0x6E at the instruction, and the GHCB RDTSC NAE returns a counter
 * that goes forward (APM vol. 2, 15.35.5; GHCB spec, the RDTSC NAE event). */
#include "rt.h"

static uint64_t nae_rdtsc(void)
{
	struct ghcb *g = ghcb_begin();
	struct ghcb_result r = ghcb_call(SVM_EXIT_RDTSC, 0, 0);

	CHECK_EQ(r.info1, GHCB_RESULT_OK);
	CHECK(ghcb_rax_is_valid(g) && ghcb_rdx_is_valid(g), "RDTSC NAE: RAX/RDX not marked valid");
	return (g->save.rdx << 32) | (uint32_t)g->save.rax;
}

PAYLOAD(rdtsc_vc, 0)
{
	struct exc_record rec;
	uint32_t lo, hi;
	uint64_t t0, t1;

	exc_expect(X86_VECTOR_VC, &rec);
	__asm__ volatile(PROBE_MARK "rdtsc" PROBE_END : "=a"(lo), "=d"(hi) : : "r11", "memory");
	exc_disarm();
	CHECK_VC_AT_PROBE(rec, SVM_EXIT_RDTSC);

	t0 = nae_rdtsc();
	t1 = nae_rdtsc();
	CHECK(t1 > t0, "TSC did not advance: 0x%llx then 0x%llx", (unsigned long long)t0,
	      (unsigned long long)t1);
}
