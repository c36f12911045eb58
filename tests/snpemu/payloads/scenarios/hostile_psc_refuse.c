// SPDX-License-Identifier: MIT
/* Hostile hypervisor (hostile=psc-refuse): every page state change is
 * refused.  The payload sees the MSR-protocol error (0x015 response with a
 * non-zero error, GHCB spec 2.3.1) and cannot even set up its GHCB, so it
 * reports through the termination code alone: TERM_REFUSAL_SEEN if every
 * refusal was noticed, PAYLOAD_TERM_FAIL otherwise. */
#include "rt.h"

#define TERM_REFUSAL_SEEN 0x10
#define PAGE_GPA	  (PAYLOAD_SCRATCH_GPA + 0x50000)

static bool refused(uint64_t gpa, unsigned op)
{
	uint64_t err = ghcb_msr_psc(gpa, op);

	return err != 0 && err != ~0ull; /* a 0x015 answer, with an error */
}

PAYLOAD(hostile_psc_refuse, PAYLOAD_NO_GHCB)
{
	bool ok = refused(PAGE_GPA, PSC_OP_SHARED) && refused(PAGE_GPA, PSC_OP_PRIVATE) &&
		  !rt_ghcb_init();

	rt_terminate(PAYLOAD_TERM_SET, ok ? TERM_REFUSAL_SEEN : PAYLOAD_TERM_FAIL);
}
