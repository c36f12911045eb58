// SPDX-License-Identifier: MIT
/* ReflectVC: CPUID in VMPL1 does not raise #VC there; VMPL0 gets control
 * with GUEST_EXITCODE 0x72, RIP still at the CPUID and GUEST_NRIP = RIP + 2.
 * VMPL0 answers from the CPUID page, sets RIP = NRIP and resumes; VMPL1
 * sees the page's values (APM vol. 2, 15.36.9). */
#include "vmpl.h"

#define LEAF 0x8000001Fu

VMPL1_TEXT static void guest(struct vmpl1_state *s)
{
	uint32_t a = LEAF, b, c = 0, d;

	__asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	s->out[0] = a;
	s->out[1] = b;
	s->out[2] = c;
	s->out[3] = d;
	vmpl1_finish(s);
}

PAYLOAD(reflect_cpuid, 0)
{
	struct vmpl1 v;
	uint32_t r[4] = { 0, 0, 0, 0 };
	const uint8_t *ip;

	CHECK(cpuid_page_lookup(LEAF, 0, r), "leaf 0x%x not in the CPUID page", LEAF);
	if (!vmpl1_create(&v, guest, SEV_FEAT_REFLECT_VC, 0))
		return;
	CHECK_EQ(vmpl1_run(&v), SVM_EXIT_CPUID);
	ip = (const uint8_t *)(uintptr_t)v.vmsa->rip;
	CHECK(ip[0] == 0x0F && ip[1] == 0xA2, "VMPL1 RIP 0x%llx is not at its CPUID",
	      (unsigned long long)v.vmsa->rip);
	CHECK_EQ(v.vmsa->guest_nrip, v.vmsa->rip + 2);
	CHECK_EQ(v.vmsa->rax, LEAF);
	CHECK_EQ(v.st->exc_count, 0);
	CHECK(vmpl1_emulate(&v), "CPUID emulation");
	CHECK_EQ(vmpl1_run(&v), SVM_EXIT_VMGEXIT);
	CHECK_EQ(v.st->finished, 1);
	CHECK_EQ(v.st->out[0], r[0]);
	CHECK_EQ(v.st->out[1], r[1]);
	CHECK_EQ(v.st->out[2], r[2]);
	CHECK_EQ(v.st->out[3], r[3]);
}
