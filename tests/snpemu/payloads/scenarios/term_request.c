// SPDX-License-Identifier: MIT
/* The GHCB MSR termination request (0x100) carries any reason set and
 * code to the hypervisor: run_payload.py expects set 2, code 0x42 in the
 * snpemu log and QEMU status 33 (GHCB spec 2.3.1, termination request). */
#include "rt.h"

#define TERM_SET  2
#define TERM_CODE 0x42

PAYLOAD(term_request, 0)
{
	con_printf("terminating with set %u code 0x%x\n", TERM_SET, TERM_CODE);
	rt_terminate(TERM_SET, TERM_CODE);
}
