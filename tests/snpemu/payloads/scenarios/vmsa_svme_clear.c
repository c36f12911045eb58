// SPDX-License-Identifier: MIT
/* A VMSA with EFER.SVME (bit 12) clear is not runnable: RUN_VMPL returns at
 * once with GUEST_EXITCODE -1 (VMEXIT_INVALID) and VMPL1 does not run; with
 * SVME set again it runs (APM vol. 2, 15.5.1, consistency checks; COCONUT-SVSM
 * and mushroom disable a VMSA this way while editing it, docs/spec-notes.md). */
#include "vmpl.h"

VMPL1_TEXT static void guest(struct vmpl1_state *s)
{
	s->out[0]++;
	vmpl1_finish(s);
}

PAYLOAD(vmsa_svme_clear, 0)
{
	struct vmpl1 v;

	if (!vmpl1_create(&v, guest, SEV_FEAT_REFLECT_VC, 0))
		return;
	v.vmsa->efer &= ~VMSA_EFER_SVME;
	CHECK_EQ(vmpl1_run(&v), SVM_EXIT_INVALID);
	CHECK_EQ(v.st->out[0], 0);
	v.vmsa->efer |= VMSA_EFER_SVME;
	CHECK_EQ(vmpl1_run(&v), SVM_EXIT_VMGEXIT);
	CHECK_EQ(v.st->out[0], 1);
}
