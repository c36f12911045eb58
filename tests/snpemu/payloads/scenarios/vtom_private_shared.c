// SPDX-License-Identifier: MIT
/* vTOM (SEV_FEATURES bit 1, VIRTUAL_TOM = 256 MiB): VMPL1's page tables
 * carry no C-bit, yet its accesses below vTOM are private (it reads what
 * VMPL0 wrote into a private page) and its accesses at or above vTOM are
 * shared (it reads and writes a page VMPL0 converted to shared and sees
 * through its own shared mapping) (APM vol. 2, 15.36.8). */
#include "vmpl.h"

#define SHARED_GPA     (VMPL1_VTOM + 0x200000)
#define PRIVATE_DATA   0x9217A7Eull
#define SHARED_DATA    0x5A4EDull
#define VMPL1_DATA_OUT 0x1D0D1Dull

VMPL1_TEXT static void guest(struct vmpl1_state *s)
{
	volatile uint64_t *priv = (volatile uint64_t *)s->arg[0];
	volatile uint64_t *shared = (volatile uint64_t *)SHARED_GPA;

	s->out[0] = *priv;
	s->out[1] = *shared;
	*shared = VMPL1_DATA_OUT;
	vmpl1_finish(s);
}

PAYLOAD(vtom_private_shared, 0)
{
	volatile uint64_t *priv = smp_page_alloc(false);
	volatile uint64_t *shared = gpa_shared(SHARED_GPA);
	struct vmpl1 v;

	*priv = PRIVATE_DATA;
	CHECK(vmpl_grant((uintptr_t)priv, 4096, RMPADJUST_READ), "grant R");
	CHECK_EQ(ghcb_msr_psc(SHARED_GPA, PSC_OP_SHARED), 0);
	*shared = SHARED_DATA;
	if (!vmpl1_create(&v, guest, SEV_FEAT_REFLECT_VC | SEV_FEAT_VTOM, VMPL1_VTOM))
		return;
	CHECK_EQ(v.vmsa->virtual_tom, VMPL1_VTOM);
	v.st->arg[0] = (uintptr_t)priv;
	CHECK_EQ(vmpl1_run(&v), SVM_EXIT_VMGEXIT);
	CHECK_EQ(v.st->finished, 1);
	CHECK_EQ(v.st->exc_count, 0);
	CHECK_EQ(v.st->out[0], PRIVATE_DATA);
	CHECK_EQ(v.st->out[1], SHARED_DATA);
	CHECK_EQ(*shared, VMPL1_DATA_OUT);
}
