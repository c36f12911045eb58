// SPDX-License-Identifier: MIT
/* SNP AP creation passes the new VMSA's SEV_FEATURES in RAX, and they must
 * equal the VMSA's own (0x3B0): a mismatch is refused (sw_exit_info_1 = 2,
 * sw_exit_info_2 = 5), the matching call is accepted (GHCB spec, SNP AP
 * Creation). */
#include "vmpl.h"

VMPL1_TEXT static void guest(struct vmpl1_state *s)
{
	s->out[0] = 0xA5;
	vmpl1_finish(s);
}

PAYLOAD(vmsa_create_features, 0)
{
	struct vmpl1 v;
	struct ghcb_result r;
	uint64_t feat;

	if (!vmpl1_prepare(&v, guest, SEV_FEAT_REFLECT_VC, 0))
		return;
	feat = v.vmsa->sev_features;
	CHECK_EQ(feat, SEV_FEAT_SNP_ACTIVE | SEV_FEAT_REFLECT_VC);
	r = vmpl1_register(&v, feat | SEV_FEAT_ALTERNATE_INJ);
	CHECK_EQ(r.info1, GHCB_RESULT_MALFORMED);
	CHECK_EQ(r.info2, GHCB_ERR_INVALID_INPUT);
	r = vmpl1_register(&v, SEV_FEAT_SNP_ACTIVE);
	CHECK_EQ(r.info1, GHCB_RESULT_MALFORMED);
	CHECK_EQ(r.info2, GHCB_ERR_INVALID_INPUT);
	CHECK_EQ(vmpl_run_msr(1), ghcb_msr_run_vmpl_resp(GHCB_RUN_VMPL_ERR_INVALID_VMPL));
	r = vmpl1_register(&v, feat);
	CHECK_EQ(r.info1, GHCB_RESULT_OK);
	CHECK_EQ(vmpl1_run(&v), SVM_EXIT_VMGEXIT);
	CHECK_EQ(v.st->out[0], 0xA5);
}
