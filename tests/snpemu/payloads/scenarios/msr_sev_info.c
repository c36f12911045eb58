// SPDX-License-Identifier: MIT
/* GHCB MSR protocol SEV information (0x002 -> 0x001): the version range
 * includes 2 and the C-bit is bit 39 (GHCB spec 2.3.1 "GHCB MSR Protocol"). */
#include "rt.h"

PAYLOAD(msr_sev_info, 0)
{
	uint64_t resp = ghcb_msr_call(ghcb_msr_sev_info_req());

	CHECK_EQ(ghcb_msr_info(resp), GHCB_MSR_SEV_INFO_RESP);
	CHECK(ghcb_msr_sev_info_min(resp) <= GHCB_PROTOCOL_VERSION &&
		      ghcb_msr_sev_info_max(resp) >= GHCB_PROTOCOL_VERSION,
	      "version range %u..%u lacks 2", ghcb_msr_sev_info_min(resp),
	      ghcb_msr_sev_info_max(resp));
	CHECK_EQ(ghcb_msr_sev_info_cbit(resp), PAYLOAD_CBIT);
}
