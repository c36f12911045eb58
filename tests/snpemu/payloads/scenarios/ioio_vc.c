// SPDX-License-Identifier: MIT
/* Every IN/OUT raises #VC 0x7B in an SNP guest, at the instruction
 * (APM vol. 2, 15.36.12: unconditional intercept). */
#include "rt.h"

#define POST_PORT 0x80

PAYLOAD(ioio_vc, 0)
{
	struct exc_record rec;

	exc_expect(X86_VECTOR_VC, &rec);
	__asm__ volatile(PROBE_MARK "outb %%al, %%dx" PROBE_END
			 :
			 : "a"(0x5A), "d"(POST_PORT)
			 : "r11", "memory");
	exc_disarm();
	CHECK_VC_AT_PROBE(rec, SVM_EXIT_IOIO);
}
