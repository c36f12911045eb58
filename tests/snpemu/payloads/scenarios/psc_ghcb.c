// SPDX-License-Identifier: MIT
/* Page State Change NAE 0x80000010 with several entries: the hypervisor
 * processes them all, cur_entry ends past end_entry, sw_exit_info_2 is 0
 * and the pages are shared afterwards (GHCB spec, Page State Change). */
#include "rt.h"

#define FIRST_GPA  (PAYLOAD_SCRATCH_GPA + 0x300000)
#define PAGE_COUNT 3

PAYLOAD(psc_ghcb, 0)
{
	struct ghcb *g = ghcb_begin();
	struct psc_desc *desc = (struct psc_desc *)g->shared_buffer;
	struct ghcb_result r;
	unsigned i;

	desc->hdr.cur_entry = 0;
	desc->hdr.end_entry = PAGE_COUNT - 1;
	desc->hdr.reserved = 0;
	for (i = 0; i < PAGE_COUNT; i++)
		desc->entries[i] = psc_entry_make((FIRST_GPA >> 12) + i, PSC_OP_SHARED, PSC_PAGE_4K,
						  0);
	ghcb_set_sw_scratch(g, ghcb_gpa_of(desc));
	r = ghcb_call(SVM_VMGEXIT_PSC, 0, 0);
	CHECK_EQ(r.info1, GHCB_RESULT_OK);
	CHECK_EQ(r.info2, PSC_ERR_OK);
	CHECK(desc->hdr.cur_entry > desc->hdr.end_entry, "cur_entry %u, end_entry %u",
	      desc->hdr.cur_entry, desc->hdr.end_entry);
	CHECK_EQ(desc->hdr.end_entry, PAGE_COUNT - 1);

	/* A write through a C-bit-clear mapping needs a shared page. */
	for (i = 0; i < PAGE_COUNT; i++) {
		volatile uint64_t *p = gpa_shared(FIRST_GPA + i * 0x1000ull);

		*p = 0xC0FFEE00u + i;
		CHECK_EQ(*p, 0xC0FFEE00u + i);
	}
}
