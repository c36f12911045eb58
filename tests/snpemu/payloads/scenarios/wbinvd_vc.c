// SPDX-License-Identifier: MIT
/* WBINVD raises #VC 0x89 at the instruction; the WBINVD NAE completes it
 * (APM vol. 2, 15.35.5; GHCB spec, the WBINVD NAE event). */
#include "rt.h"

PAYLOAD(wbinvd_vc, 0)
{
	struct exc_record rec;

	exc_expect(X86_VECTOR_VC, &rec);
	__asm__ volatile(PROBE_MARK "wbinvd" PROBE_END : : : "r11", "memory");
	exc_disarm();
	CHECK_VC_AT_PROBE(rec, SVM_EXIT_WBINVD);
}
