// SPDX-License-Identifier: MIT
/* An SNP guest must register its GHCB: a page call through an unregistered
 * GHCB gets sw_exit_info_1 = 2, sw_exit_info_2 = 1 (not registered), as
 * KVM's sev_handle_vmgexit answers (GHCB spec, the NAE error reasons). */
#include <lib/string.h>

#include "rt.h"

PAYLOAD(ghcb_unregistered, PAYLOAD_NO_GHCB)
{
	struct ghcb_result r;

	CHECK_EQ(ghcb_msr_psc(PAYLOAD_GHCB_GPA, PSC_OP_SHARED), 0);
	memset(ghcb_page(), 0, sizeof(struct ghcb));
	ghcb_begin();
	r = ghcb_call(SVM_VMGEXIT_HV_FEATURES, 0, 0);
	CHECK_EQ(r.info1 & GHCB_RESULT_MASK, GHCB_RESULT_MALFORMED);
	CHECK_EQ(r.info2 & GHCB_RESULT_MASK, GHCB_ERR_NOT_REGISTERED);
	if (!rt_ghcb_init())
		rt_terminate(PAYLOAD_TERM_SET, PAYLOAD_TERM_FAIL);
}
