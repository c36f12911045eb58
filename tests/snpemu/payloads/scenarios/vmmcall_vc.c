// SPDX-License-Identifier: MIT
/* VMMCALL (0F 01 D9, without the F3 of VMGEXIT) raises #VC 0x81 at the
 * instruction (APM vol. 2, 15.35.5). */
#include "rt.h"

PAYLOAD(vmmcall_vc, 0)
{
	struct exc_record rec;

	exc_expect(X86_VECTOR_VC, &rec);
	__asm__ volatile(PROBE_SKIP ".byte 0x0f, 0x01, 0xd9" PROBE_END
			 :
			 : "a"(0)
			 : "r11", "memory");
	exc_disarm();
	CHECK_VC_AT_PROBE(rec, SVM_EXIT_VMMCALL);
}
