// SPDX-License-Identifier: MIT
/* HLT in VMPL1 is an automatic exit (never reflected: APM vol. 2, 15.35.4,
 * 15.36.9) that snpemu's hypervisor hands to VMPL0: RUN_VMPL returns with
 * GUEST_EXITCODE 0x78, VMPL1's RIP and GUEST_NRIP past the HLT, and the
 * next run continues after it (the choice of a multi-VMPL hypervisor,
 * docs/spec-notes.md, 'HLT and other automatic exits of VMPL1'). */
#include "vmpl.h"

VMPL1_TEXT static void guest(struct vmpl1_state *s)
{
	uint64_t after;

	__asm__ volatile("lea 1f(%%rip), %0\n\thlt\n1:" : "=r"(after) : : "memory");
	s->out[0] = after;
	vmpl1_finish(s);
}

PAYLOAD(vmpl1_hlt, 0)
{
	struct vmpl1 v;
	uint64_t rip;

	if (!vmpl1_create(&v, guest, SEV_FEAT_REFLECT_VC | SEV_FEAT_VTOM, VMPL1_VTOM))
		return;
	CHECK_EQ(vmpl1_run(&v), SVM_EXIT_HLT);
	rip = v.vmsa->rip;
	CHECK_EQ(*(const uint8_t *)(uintptr_t)(rip - 1), 0xF4);
	CHECK_EQ(v.vmsa->guest_nrip, rip);
	CHECK_EQ(vmpl1_run(&v), SVM_EXIT_VMGEXIT);
	CHECK_EQ(v.st->finished, 1);
	CHECK_EQ(v.st->out[0], rip);
}
