// SPDX-License-Identifier: MIT
/* A GHCB request without a required input's valid bit is malformed: an
 * MMIO read with sw_scratch not marked valid gets sw_exit_info_1 = 2,
 * sw_exit_info_2 = 4 (missing input), as KVM's sev_es_validate_vmgexit
 * answers (GHCB spec, the NAE error reasons). */
#include "rt.h"

#define IOAPIC_IOWIN 0xFEC00010ull

PAYLOAD(ghcb_missing_input, 0)
{
	struct ghcb *g = ghcb_begin();
	struct ghcb_result r;

	/* The value is right, only its valid bit is missing. */
	g->save.sw_scratch = ghcb_gpa_of(g->shared_buffer);
	r = ghcb_call(SVM_VMGEXIT_MMIO_READ, IOAPIC_IOWIN, 4);
	CHECK_EQ(r.info1 & GHCB_RESULT_MASK, GHCB_RESULT_MALFORMED);
	CHECK_EQ(r.info2 & GHCB_RESULT_MASK, GHCB_ERR_MISSING_INPUT);
}
