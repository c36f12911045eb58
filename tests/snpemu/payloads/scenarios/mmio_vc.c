// SPDX-License-Identifier: MIT
/* A direct access to emulated MMIO through a shared mapping raises #VC
 * 0x400 (NPF with the reserved-bit marker) at the instruction
 * (APM vol. 2, 15.35.4: an NPF with a reserved-bit error is not automatic). */
#include "rt.h"

#define IOAPIC_IOWIN_VA 0xFEC00010ull /* VA == GPA in [3 GiB, 4 GiB) */

PAYLOAD(mmio_vc, 0)
{
	struct exc_record rec;
	uint32_t val = 0;

	exc_expect(X86_VECTOR_VC, &rec);
	__asm__ volatile(PROBE_SKIP "movl (%[p]), %[v]" PROBE_END
			 : [v] "+r"(val)
			 : [p] "r"((uintptr_t)IOAPIC_IOWIN_VA)
			 : "r11", "memory");
	exc_disarm();
	CHECK_VC_AT_PROBE(rec, SVM_EXIT_NPF);
}
