// SPDX-License-Identifier: MIT
/* The NPF that tells VMPL0 about a VMPL1 permission violation reports a
 * private access the way the hardware does: EXITINFO1 bit 34 (ENC, the
 * effective C-bit was 1) set, and EXITINFO2 the guest physical address
 * without the C-bit, which is an attribute of the access, not an address
 * bit (APM vol. 2, 15.36.10; KVM tells private faults by bit 34).  Checked for a
 * vTOM context (below vTOM: effective C = 1, no C-bit in the tables) and for
 * a C-bit context (the C-bit set in VMPL1's page tables). */
#include "vmpl.h"

VMPL1_TEXT static void guest(struct vmpl1_state *s)
{
	s->out[0] = *(volatile uint64_t *)s->arg[0];
	vmpl1_finish(s);
}

static void denied_read(uint64_t features, uint64_t gpa)
{
	struct vmpl1 v;
	uint64_t info1;

	if (!vmpl1_create(&v, guest, features, VMPL1_VTOM))
		return;
	v.st->arg[0] = gpa;
	vmpl1_run(&v);
	CHECK_VMPL_NPF(&v, gpa, false);
	info1 = v.vmsa->guest_exit_info1;
	CHECK(info1 & SVM_NPF_ENC, "features 0x%llx: EXITINFO1 0x%llx lacks ENC (bit 34)",
	      (unsigned long long)features, (unsigned long long)info1);
}

PAYLOAD(vmpl_npf_enc, 0)
{
	uint64_t *page = smp_page_alloc(false);

	denied_read(SEV_FEAT_REFLECT_VC | SEV_FEAT_VTOM, (uintptr_t)page);
	denied_read(SEV_FEAT_REFLECT_VC, (uintptr_t)page);
}
