// SPDX-License-Identifier: MIT
/* A VMPL1 VMSA made by VMPL0 (RMPADJUST VMSA bit, SNP AP creation for VMPL1
 * of its own APIC ID) runs with RUN_VMPL by the MSR protocol (0x016): the
 * response is 0x017 with error 0; VMPL1 comes back with its own RUN_VMPL(0),
 * which VMPL0 sees as GUEST_EXITCODE 0x403 (VMGEXIT) in the VMPL1 VMSA, and
 * the next run resumes VMPL1 where it stopped (GHCB spec 2.3.1; docs/spec-notes.md,
 * 'RUN_VMPL in a multi-VMPL KVM'; APM vol. 2, 15.36.9). */
#include "vmpl.h"

VMPL1_TEXT static void guest(struct vmpl1_state *s)
{
	s->out[0] = 0x1111;
	vmpl1_yield();
	s->out[1] = s->out[0] + 1;
	vmpl1_finish(s);
}

PAYLOAD(vmpl_run_msr, 0)
{
	struct vmpl1 v;
	uint64_t resp;

	if (!vmpl1_create(&v, guest, 0, 0))
		return;
	v.vmsa->guest_exit_code = VMPL1_EXIT_POISON;
	resp = vmpl_run_msr(1);
	CHECK_EQ(resp, ghcb_msr_run_vmpl_resp(0));
	CHECK_EQ(v.vmsa->guest_exit_code, SVM_EXIT_VMGEXIT);
	CHECK_EQ(v.st->out[0], 0x1111);
	CHECK_EQ(v.st->out[1], 0);
	CHECK_EQ(v.vmsa->vmpl, 1);
	CHECK_EQ(vmpl1_run(&v), SVM_EXIT_VMGEXIT);
	CHECK_EQ(v.st->out[1], 0x1112);
	CHECK_EQ(v.st->finished, 1);
}
