// SPDX-License-Identifier: MIT
/* The hypervisor features snp-paravisor needs are offered, the same through
 * the MSR protocol (0x080) and NAE 0x8000FFFD: SNP AP creation (bit 1),
 * Restricted Injection (bit 2, which requires bits 0 and 1) and multi-VMPL
 * RUN_VMPL (bit 5) (GHCB spec, hypervisor feature support; protocol/sev.h). */
#include "rt.h"

#define NEEDED                                                                    \
	(SEV_HV_FEAT_SNP | SEV_HV_FEAT_AP_CREATION | SEV_HV_FEAT_RESTRICTED_INJ | \
	 SEV_HV_FEAT_MULTI_VMPL)

PAYLOAD(hv_features_vmpl, 0)
{
	uint64_t resp = ghcb_msr_call(ghcb_msr_hv_features_req());
	uint64_t feats = ghcb_msr_hv_features(resp);
	struct ghcb_result r;

	CHECK_EQ(ghcb_msr_info(resp), GHCB_MSR_HV_FEATURES_RESP);
	CHECK_EQ(feats & NEEDED, NEEDED);
	/* Restricted Injection timer (bit 3) needs NAE 0x8000_0016, which
	 * snpemu does not implement: it must not be offered. */
	CHECK_EQ(feats & SEV_HV_FEAT_RESTRICTED_INJ_TIMER, 0);
	ghcb_begin();
	r = ghcb_call(SVM_VMGEXIT_HV_FEATURES, 0, 0);
	CHECK_EQ(r.info1, GHCB_RESULT_OK);
	CHECK_EQ(r.info2, feats);
}
