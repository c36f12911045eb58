// SPDX-License-Identifier: MIT
/* Alternate Injection: an interrupt queued in VMPL1's VINTR_CTRL (V_IRQ,
 * V_INTR_VECTOR, V_INTR_PRIO) waits while VMPL1 runs with RFLAGS.IF = 0
 * (V_IRQ still set at the next exit) and is delivered when VMPL1 sets IF;
 * after delivery V_IRQ reads back 0 (APM vol. 2, 15.36.16: V_IRQ is written
 * back at #VMEXIT; "V_IRQ=0 means delivered"). */
#include "vmpl.h"

#define VECTOR 0x31

VMPL1_TEXT static void guest(struct vmpl1_state *s)
{
	__asm__ volatile("nop; nop; nop" ::: "memory");
	s->out[0] = s->vec_count[VECTOR];
	vmpl1_yield(); /* VMPL0 looks at V_IRQ */
	__asm__ volatile("sti; nop; nop; cli" ::: "memory");
	s->out[1] = s->vec_count[VECTOR];
	vmpl1_finish(s);
}

PAYLOAD(ai_vintr, 0)
{
	struct vmpl1 v;

	if (!vmpl1_create(&v, guest, VMPL1_PARAVISOR_FEATURES, VMPL1_VTOM))
		return;
	vmpl1_inject_vintr(&v, VECTOR);
	CHECK_EQ(vmpl1_run(&v), SVM_EXIT_VMGEXIT);
	CHECK_EQ(v.st->out[0], 0);
	CHECK(v.vmsa->vintr_ctrl & VINTR_IRQ, "V_IRQ cleared while IF = 0: 0x%llx",
	      (unsigned long long)v.vmsa->vintr_ctrl);
	CHECK_EQ((v.vmsa->vintr_ctrl & VINTR_VECTOR_MASK) >> VINTR_VECTOR_SHIFT, VECTOR);
	CHECK_EQ(vmpl1_run(&v), SVM_EXIT_VMGEXIT);
	CHECK_EQ(v.st->finished, 1);
	CHECK_EQ(v.st->out[1], 1);
	CHECK_EQ(v.st->last_vector, VECTOR);
	CHECK_EQ(v.vmsa->vintr_ctrl & VINTR_IRQ, 0);
}
