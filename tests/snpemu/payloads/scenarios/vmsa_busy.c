// SPDX-License-Identifier: MIT
/* VINTR_CTRL.BUSY (VMSA 0x3B8 bit 63) makes VMRUN of the VMSA fail with
 * VMEXIT_BUSY: RUN_VMPL returns at once with GUEST_EXITCODE -2 and VMPL1 does
 * not run; with BUSY clear it runs (APM vol. 2, 15.36.16, 15.36.9). */
#include "vmpl.h"

VMPL1_TEXT static void guest(struct vmpl1_state *s)
{
	s->out[0]++;
	vmpl1_finish(s);
}

PAYLOAD(vmsa_busy, 0)
{
	struct vmpl1 v;

	if (!vmpl1_create(&v, guest, SEV_FEAT_REFLECT_VC | SEV_FEAT_ALTERNATE_INJ, 0))
		return;
	v.vmsa->vintr_ctrl |= VINTR_BUSY;
	CHECK_EQ(vmpl1_run(&v), SVM_EXIT_BUSY);
	CHECK_EQ(v.st->out[0], 0);
	CHECK_EQ(v.vmsa->rip, (uintptr_t)guest);
	v.vmsa->vintr_ctrl &= ~VINTR_BUSY;
	CHECK_EQ(vmpl1_run(&v), SVM_EXIT_VMGEXIT);
	CHECK_EQ(v.st->out[0], 1);
	CHECK_EQ(v.st->finished, 1);
}
