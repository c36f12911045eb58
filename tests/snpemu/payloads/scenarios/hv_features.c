// SPDX-License-Identifier: MIT
/* The hypervisor feature bitmap is the same through the MSR protocol
 * (0x080) and NAE 0x8000FFFD, and has SEV-SNP (bit 0) (GHCB spec, hypervisor
 * feature support; protocol/sev.h). */
#include "rt.h"

PAYLOAD(hv_features, 0)
{
	uint64_t resp = ghcb_msr_call(ghcb_msr_hv_features_req());
	uint64_t feats = ghcb_msr_hv_features(resp);
	struct ghcb_result r;

	CHECK_EQ(ghcb_msr_info(resp), GHCB_MSR_HV_FEATURES_RESP);
	CHECK(feats & SEV_HV_FEAT_SNP, "features 0x%llx lack SNP", (unsigned long long)feats);
	ghcb_begin();
	r = ghcb_call(SVM_VMGEXIT_HV_FEATURES, 0, 0);
	CHECK_EQ(r.info1, GHCB_RESULT_OK);
	CHECK_EQ(r.info2, feats);
}
