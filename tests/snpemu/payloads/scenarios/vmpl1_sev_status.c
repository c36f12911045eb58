// SPDX-License-Identifier: MIT
/* SEV_STATUS (MSR 0xC001_0131, never intercepted) read in VMPL1 reports
 * VMPL1's own SEV_FEATURES (bit n + 2 = feature bit n, plus SEV and SEV-ES),
 * not VMPL0's; at VMPL0 it still shows VMPL0's (APM vol. 2, 15.34.10). */
#include "vmpl.h"

#define FEATURES VMPL1_PARAVISOR_FEATURES

VMPL1_TEXT static void guest(struct vmpl1_state *s)
{
	s->out[0] = vmpl1_rdmsr(MSR_SEV_STATUS);
	vmpl1_finish(s);
}

PAYLOAD(vmpl1_sev_status, 0)
{
	struct vmpl1 v;
	uint64_t want = SEV_STATUS_SEV | SEV_STATUS_SEV_ES |
			SEV_STATUS_FROM_FEAT(SEV_FEAT_SNP_ACTIVE | FEATURES);

	if (!vmpl1_create(&v, guest, FEATURES, VMPL1_VTOM))
		return;
	CHECK_EQ(vmpl1_run(&v), SVM_EXIT_VMGEXIT);
	CHECK_EQ(v.st->finished, 1);
	CHECK_EQ(v.st->out[0], want);
	CHECK(v.st->out[0] & SEV_STATUS_REFLECT_VC, "no ReflectVC bit");
	CHECK_EQ(rdmsr(MSR_SEV_STATUS), SEV_STATUS_SEV | SEV_STATUS_SEV_ES | SEV_STATUS_SNP);
}
