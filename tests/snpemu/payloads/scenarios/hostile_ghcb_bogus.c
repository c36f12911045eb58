// SPDX-License-Identifier: MIT
/* Hostile hypervisor (hostile=ghcb-bogus): every GHCB answer is wrong.  An
 * NAE answered with "raise an exception" carrying #PF is refused (only #GP
 * and #UD are legal, as Linux's verify_exception_info() checks), and CPUID
 * values from the hypervisor disagree with the CPUID page, which is what the
 * guest trusts (the PSP checked it at launch: SNP ABI, CPUID page). */
#include "rt.h"

PAYLOAD(hostile_ghcb_bogus, PAYLOAD_NO_GHCB)
{
	struct ghcb_result r,
		gp = { GHCB_RESULT_EXCEPTION, SVM_EVT_MAKE(13, SVM_EVT_TYPE_EXCEPTION, true, 0) };
	uint32_t page[4] = { 0, 0, 0, 0 };
	struct ghcb *g;

	con_set_poll(false); /* the LSR reads are garbage too */
	if (!rt_ghcb_init())
		rt_terminate(PAYLOAD_TERM_SET, PAYLOAD_TERM_FAIL);
	ghcb_begin();
	r = ghcb_call(SVM_VMGEXIT_HV_FEATURES, 0, 0);
	CHECK_EQ(r.info1, GHCB_RESULT_EXCEPTION);
	CHECK_EQ(SVM_EVT_VECTOR(r.info2), 14);
	CHECK(!ghcb_event_is_legal(r), "a #PF event 0x%llx was accepted",
	      (unsigned long long)r.info2);
	CHECK(ghcb_event_is_legal(gp), "a #GP event was refused");

	CHECK(cpuid_page_lookup(0, 0, page), "leaf 0 not in the CPUID page");
	g = ghcb_begin();
	ghcb_set_rax(g, 0);
	ghcb_set_rcx(g, 0);
	r = ghcb_call(SVM_EXIT_CPUID, 0, 0);
	CHECK_EQ(r.info1, GHCB_RESULT_OK);
	CHECK(g->save.rax != page[0], "the hypervisor's CPUID agrees with the page");
}
