// SPDX-License-Identifier: MIT
/* SNP AP creation refuses a page whose RMP entry lacks the VMSA bit
 * (sw_exit_info_1 = 2, sw_exit_info_2 = 5); after RMPADJUST sets the bit
 * (VMPL0, 4K, attribute bit 16) the same page is accepted and runs
 * (GHCB spec, SNP AP Creation; APM vol. 2, 15.36.12 "VMRUN Checks"; APM vol. 3,
 * RMPADJUST). */
#include "vmpl.h"

VMPL1_TEXT static void guest(struct vmpl1_state *s)
{
	s->out[0] = 0x5A;
	vmpl1_finish(s);
}

PAYLOAD(vmsa_create_no_vmsa_bit, 0)
{
	struct vmpl1 v;
	struct ghcb_result r;
	uint64_t va;

	if (!vmpl1_prepare(&v, guest, 0, 0))
		return;
	va = (uintptr_t)v.vmsa;
	/* Take the bit away again: VMPL1 permissions none, no VMSA bit. */
	CHECK_EQ(rmpadjust(va, RMP_PG_SIZE_4K, 1).eax, RMPADJUST_SUCCESS);
	r = vmpl1_register(&v, v.vmsa->sev_features);
	CHECK_EQ(r.info1, GHCB_RESULT_MALFORMED);
	CHECK_EQ(r.info2, GHCB_ERR_INVALID_INPUT);
	CHECK_EQ(vmpl_run_msr(1), ghcb_msr_run_vmpl_resp(GHCB_RUN_VMPL_ERR_INVALID_VMPL));

	CHECK_EQ(rmpadjust(va, RMP_PG_SIZE_4K, 1 | RMPADJUST_VMSA).eax, RMPADJUST_SUCCESS);
	r = vmpl1_register(&v, v.vmsa->sev_features);
	CHECK_EQ(r.info1, GHCB_RESULT_OK);
	CHECK_EQ(vmpl1_run(&v), SVM_EXIT_VMGEXIT);
	CHECK_EQ(v.st->out[0], 0x5A);
}
