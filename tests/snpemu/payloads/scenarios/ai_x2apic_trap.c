// SPDX-License-Identifier: MIT
/* Alternate Injection: every access of VMPL1 to the x2APIC MSRs
 * (0x800-0x8FF) is intercepted; with ReflectVC it reaches VMPL0 as
 * GUEST_EXITCODE 0x7C (EXITINFO1 0 = RDMSR, 1 = WRMSR, ECX = the MSR), so
 * the paravisor emulates the guest's APIC (APM vol. 2, 15.36.16).  VMPL0 answers
 * the ID read with a value of its own and swallows the EOI write. */
#include "vmpl.h"

#define FAKE_ID 0x77ull

VMPL1_TEXT static void guest(struct vmpl1_state *s)
{
	s->out[0] = vmpl1_rdmsr(0x802); /* x2APIC ID */
	vmpl1_wrmsr(0x80B, 0);		/* EOI */
	s->out[1] = vmpl1_rdmsr(0x808); /* TPR */
	vmpl1_finish(s);
}

static void expect(struct vmpl1 *v, uint32_t msr, bool write)
{
	struct sev_vmsa *a = v->vmsa;

	CHECK_EQ(a->guest_exit_code, SVM_EXIT_MSR);
	CHECK_EQ(a->guest_exit_info1, write ? 1 : 0);
	CHECK_EQ((uint32_t)a->rcx, msr);
	CHECK_EQ(a->guest_nrip, a->rip + 2);
}

PAYLOAD(ai_x2apic_trap, 0)
{
	struct vmpl1 v;

	if (!vmpl1_create(&v, guest, VMPL1_PARAVISOR_FEATURES, VMPL1_VTOM))
		return;
	vmpl1_run(&v);
	expect(&v, 0x802, false);
	v.vmsa->rax = FAKE_ID;
	v.vmsa->rdx = 0;
	vmpl1_skip(&v);
	vmpl1_run(&v);
	expect(&v, 0x80B, true);
	vmpl1_skip(&v);
	vmpl1_run(&v);
	expect(&v, 0x808, false);
	v.vmsa->rax = 0x20;
	v.vmsa->rdx = 0;
	vmpl1_skip(&v);
	CHECK_EQ(vmpl1_run(&v), SVM_EXIT_VMGEXIT);
	CHECK_EQ(v.st->finished, 1);
	CHECK_EQ(v.st->out[0], FAKE_ID);
	CHECK_EQ(v.st->out[1], 0x20);
}
