// SPDX-License-Identifier: MIT
/* Only GHCB usage 0 (standard format) is valid: another value gets
 * sw_exit_info_1 = 2, sw_exit_info_2 = 2 (invalid usage), as KVM's
 * sev_es_validate_vmgexit answers (GHCB spec, the NAE error reasons). */
#include "rt.h"

PAYLOAD(ghcb_bad_usage, 0)
{
	struct ghcb *g = ghcb_begin();
	struct ghcb_result r;

	g->ghcb_usage = 1;
	r = ghcb_call(SVM_VMGEXIT_HV_FEATURES, 0, 0);
	CHECK_EQ(r.info1 & GHCB_RESULT_MASK, GHCB_RESULT_MALFORMED);
	CHECK_EQ(r.info2 & GHCB_RESULT_MASK, GHCB_ERR_INVALID_USAGE);
}
