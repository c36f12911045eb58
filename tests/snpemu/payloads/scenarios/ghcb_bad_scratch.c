// SPDX-License-Identifier: MIT
/* A scratch area that starts in the GHCB page must lie inside its shared
 * buffer (0x800..0xFF0): otherwise sw_exit_info_1 = 2, sw_exit_info_2 = 3
 * (invalid scratch area), as KVM's setup_vmgexit_scratch answers. */
#include "rt.h"

#define IOAPIC_IOWIN 0xFEC00010ull

static void mmio_read_with_scratch(uint64_t scratch, uint64_t len, const char *what)
{
	struct ghcb *g = ghcb_begin();
	struct ghcb_result r;

	ghcb_set_sw_scratch(g, scratch);
	r = ghcb_call(SVM_VMGEXIT_MMIO_READ, IOAPIC_IOWIN, len);
	CHECK(r.info1 == GHCB_RESULT_MALFORMED && r.info2 == GHCB_ERR_INVALID_SCRATCH_AREA,
	      "%s: info1=0x%llx info2=0x%llx", what, (unsigned long long)r.info1,
	      (unsigned long long)r.info2);
}

PAYLOAD(ghcb_bad_scratch, 0)
{
	struct ghcb *g = ghcb_page();

	/* In the save area, before the shared buffer. */
	mmio_read_with_scratch(ghcb_gpa_of(&g->save.rax), 4, "save area");
	/* Starts in the shared buffer, runs past its end. */
	mmio_read_with_scratch(ghcb_gpa_of(&g->shared_buffer[GHCB_SHARED_BUF_SIZE - 2]), 4,
			       "past the end");
	/* No scratch GPA at all. */
	mmio_read_with_scratch(0, 4, "zero");
}
