// SPDX-License-Identifier: MIT
/* Alternate Injection: VMRUN of VMPL1 takes EVENTINJ from its VMSA (0x3E0):
 * an external interrupt VMPL0 writes there is delivered at entry, before
 * VMPL1's first instruction, even with RFLAGS.IF = 0; once taken, EVENTINJ
 * reads back without its valid bit (APM vol. 2, 15.36.16 "Alternate
 * Injection"; 15.20 for EVENTINJ). */
#include "vmpl.h"

#define VECTOR 0x30

VMPL1_TEXT static void guest(struct vmpl1_state *s)
{
	s->out[0] = s->vec_count[VECTOR];
	vmpl1_finish(s);
}

PAYLOAD(ai_eventinj, 0)
{
	struct vmpl1 v;

	if (!vmpl1_create(&v, guest, VMPL1_PARAVISOR_FEATURES, VMPL1_VTOM))
		return;
	CHECK_EQ(v.vmsa->rflags & (1u << 9), 0);
	vmpl1_inject_event(&v, VECTOR);
	CHECK_EQ(vmpl1_run(&v), SVM_EXIT_VMGEXIT);
	CHECK_EQ(v.st->finished, 1);
	CHECK_EQ(v.st->out[0], 1);
	CHECK_EQ(v.st->irq_count, 1);
	CHECK_EQ(v.st->last_vector, VECTOR);
	CHECK_EQ(v.st->last_rip, (uintptr_t)guest);
	CHECK_EQ(v.vmsa->event_inj & SVM_EVT_VALID, 0);
}
