// SPDX-License-Identifier: MIT
/* A GHCB call with an exit code the hypervisor does not know is malformed:
 * sw_exit_info_1 = 2, sw_exit_info_2 = 6 (invalid event), as KVM's
 * sev_es_validate_vmgexit answers (GHCB spec, the NAE error reasons). */
#include "rt.h"

/* No NAE event is defined between AP jump table and PSC. */
#define UNKNOWN_EXIT_CODE 0x80000009ull

PAYLOAD(ghcb_invalid_event, 0)
{
	struct ghcb_result r;

	ghcb_begin();
	r = ghcb_call(UNKNOWN_EXIT_CODE, 0, 0);
	CHECK_EQ(r.info1 & GHCB_RESULT_MASK, GHCB_RESULT_MALFORMED);
	CHECK_EQ(r.info2 & GHCB_RESULT_MASK, GHCB_ERR_INVALID_EVENT);
}
