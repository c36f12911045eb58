// SPDX-License-Identifier: MIT
/* ReflectVC: VMPL1 touching private RAM that was never validated does not
 * raise #VC 0x404 in VMPL1; VMPL0 gets GUEST_EXITCODE 0x404 with EXITINFO2 =
 * the GPA (vTOM context: no C-bit) and RIP still at the access.  VMPL0
 * validates the page, writes it, grants VMPL1 read access and resumes; the
 * access is retried and sees the data (APM vol. 2, 15.36.9, 15.36.10; what
 * EXITINFO1/2 hold is snpemu's choice, docs/snpemu.md). */
#include "vmpl.h"

#define PAGE_GPA (PAYLOAD_SCRATCH_GPA + 0x40000)
#define MARKER	 0x600DDA7Aull

VMPL1_TEXT static void guest(struct vmpl1_state *s)
{
	s->out[0] = *(volatile uint64_t *)PAGE_GPA;
	vmpl1_finish(s);
}

PAYLOAD(reflect_not_validated, 0)
{
	struct vmpl1 v;
	uint64_t rip;

	if (!vmpl1_create(&v, guest, SEV_FEAT_REFLECT_VC | SEV_FEAT_VTOM, VMPL1_VTOM))
		return;
	CHECK_EQ(vmpl1_run(&v), SVM_EXIT_PAGE_NOT_VALIDATED);
	CHECK_EQ(v.vmsa->guest_exit_info2, PAGE_GPA);
	CHECK_EQ(v.st->exc_count, 0);
	rip = v.vmsa->rip;
	CHECK(rip >= (uintptr_t)guest && rip < (uintptr_t)guest + 64,
	      "VMPL1 RIP 0x%llx is not in its code", (unsigned long long)rip);
	CHECK_SNP(pvalidate(PAGE_GPA, RMP_PG_SIZE_4K, true), PVALIDATE_SUCCESS, 0);
	*(volatile uint64_t *)gpa_private(PAGE_GPA) = MARKER;
	CHECK(vmpl_grant(PAGE_GPA, 4096, RMPADJUST_READ), "grant");
	CHECK_EQ(vmpl1_run(&v), SVM_EXIT_VMGEXIT);
	CHECK_EQ(v.st->finished, 1);
	CHECK_EQ(v.st->out[0], MARKER);
}
