// SPDX-License-Identifier: MIT
/* Hostile hypervisor (hostile=unvalidate@150): at the 150th VMGEXIT the page
 * the payload validated last is RMPUPDATEd behind its back (guest-owned
 * again, Validated clear, contents gone).  The next access raises #VC 0x404
 * with the page's address in CR2: the guest learns that a page it validated
 * is no longer validated (APM vol. 2, 15.36.6 and 15.36.10; the paravisor
 * terminates on it: VC_PAGE_REPLAY, vc/misc.c and vc/dispatch.c). */
#include "rt.h"

#define PAGE_GPA (PAYLOAD_SCRATCH_GPA + 0x60000)
#define MARKER	 0x7E57DA7Aull
#define VMGEXITS 400

PAYLOAD(hostile_unvalidate, PAYLOAD_NO_GHCB)
{
	volatile uint64_t *p = gpa_private(PAGE_GPA);
	struct snp_ret r = pvalidate(PAGE_GPA, RMP_PG_SIZE_4K, true);
	struct exc_record rec;
	unsigned i;

	*p = MARKER;
	if (!rt_ghcb_init())
		rt_terminate(PAYLOAD_TERM_SET, PAYLOAD_TERM_FAIL);
	CHECK(r.eax == PVALIDATE_SUCCESS && !r.cf, "PVALIDATE: eax %u cf %d", r.eax, r.cf);
	for (i = 0; i < VMGEXITS; i++)
		ghcb_msr_call(ghcb_msr_sev_info_req());
	exc_expect(X86_VECTOR_VC, &rec);
	probe_read64(p);
	exc_disarm();
	CHECK_VC_AT_PROBE(rec, SVM_EXIT_PAGE_NOT_VALIDATED);
	CHECK_EQ(rec.cr2, (uintptr_t)p);
}
