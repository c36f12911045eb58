// SPDX-License-Identifier: MIT
/* Registering the GHCB GPA (0x012) is answered by 0x013 echoing the GFN,
 * and the registered page then serves NAE calls (GHCB spec 2.3.2 "GHCB GPA
 * Registration"). */
#include "rt.h"

PAYLOAD(ghcb_register, PAYLOAD_NO_GHCB)
{
	uint64_t gfn = PAYLOAD_GHCB_GPA >> 12, resp;
	struct ghcb_result r;

	CHECK_EQ(ghcb_msr_psc(PAYLOAD_GHCB_GPA, PSC_OP_SHARED), 0);
	resp = ghcb_msr_call(ghcb_msr_reg_gpa_req(gfn));
	CHECK_EQ(ghcb_msr_info(resp), GHCB_MSR_REG_GPA_RESP);
	CHECK_EQ(ghcb_msr_gfn(resp), gfn);

	wrmsr(MSR_SEV_ES_GHCB, PAYLOAD_GHCB_GPA);
	ghcb_begin();
	r = ghcb_call(SVM_VMGEXIT_HV_FEATURES, 0, 0);
	CHECK_EQ(r.info1, GHCB_RESULT_OK);
	if (!rt_ghcb_init())
		rt_terminate(PAYLOAD_TERM_SET, PAYLOAD_TERM_FAIL);
}
