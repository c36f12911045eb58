// SPDX-License-Identifier: MIT
/* RUN_VMPL through the GHCB page (NAE 0x8000_0018, exit_info_1 = target
 * VMPL): the call answers sw_exit_info_1 = 0 and VMPL0 resumes when VMPL1
 * yields, with GUEST_EXITCODE 0x403 in the VMPL1 VMSA (GHCB spec, SNP Run
 * VMPL; APM vol. 2, 15.36.9). */
#include "vmpl.h"

VMPL1_TEXT static void guest(struct vmpl1_state *s)
{
	s->out[0]++;
	vmpl1_yield();
	s->out[0]++;
	vmpl1_finish(s);
}

PAYLOAD(vmpl_run_nae, 0)
{
	struct vmpl1 v;
	struct ghcb_result r;

	if (!vmpl1_create(&v, guest, 0, 0))
		return;
	v.vmsa->guest_exit_code = VMPL1_EXIT_POISON;
	r = vmpl_run_nae(1);
	CHECK_EQ(r.info1, GHCB_RESULT_OK);
	CHECK_EQ(v.vmsa->guest_exit_code, SVM_EXIT_VMGEXIT);
	CHECK_EQ(v.st->out[0], 1);
	CHECK_EQ(vmpl1_run_nae(&v), SVM_EXIT_VMGEXIT);
	CHECK_EQ(v.st->out[0], 2);
	CHECK_EQ(v.st->finished, 1);
}
