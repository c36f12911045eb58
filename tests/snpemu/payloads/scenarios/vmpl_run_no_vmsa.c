// SPDX-License-Identifier: MIT
/* RUN_VMPL to a VMPL that has no VMSA on this vCPU fails: the MSR protocol
 * answers 0x017 with error 1 (invalid VMPL, docs/spec-notes.md, 'RUN_VMPL in
 * a multi-VMPL KVM'), the NAE answers
 * "malformed input" (sw_exit_info_1 = 2, sw_exit_info_2 = 5 invalid input,
 * GHCB spec), and VMPL0 simply continues. */
#include "vmpl.h"

PAYLOAD(vmpl_run_no_vmsa, 0)
{
	struct ghcb_result r;
	unsigned vmpl;

	for (vmpl = 1; vmpl <= 4; vmpl++)
		CHECK_EQ(vmpl_run_msr(vmpl),
			 ghcb_msr_run_vmpl_resp(GHCB_RUN_VMPL_ERR_INVALID_VMPL));
	r = vmpl_run_nae(1);
	CHECK_EQ(r.info1, GHCB_RESULT_MALFORMED);
	CHECK_EQ(r.info2, GHCB_ERR_INVALID_INPUT);
}
