// SPDX-License-Identifier: MIT
/* With vTOM, a guest page-table entry must not set the C-bit: the bit is
 * reserved, and a walk that meets it raises #PF in the guest with the RSV
 * bit (3) in the error code and CR2 = the address (APM vol. 2, 15.36.8).
 * VMPL1 maps one 2 MiB page with the C-bit and reads it; its
 * own #PF handler records the fault. */
#include "vmpl.h"

#define PROBE_VA 0x3000000ull /* 48 MiB: VMPL1 uses nothing there */
#define PF_P	 (1ull << 0)
#define PF_RSV	 (1ull << 3)

VMPL1_TEXT static void guest(struct vmpl1_state *s)
{
	s->out[0] = *(volatile uint64_t *)PROBE_VA;
	vmpl1_finish(s);
}

PAYLOAD(vtom_cbit_rsv, 0)
{
	uint64_t *pde;
	struct vmpl1 v;

	if (!vmpl1_create(&v, guest, SEV_FEAT_REFLECT_VC | SEV_FEAT_VTOM, VMPL1_VTOM))
		return;
	pde = vmpl1_pde(true, PROBE_VA);
	CHECK(pde != NULL, "no PDE for 0x%llx", PROBE_VA);
	if (!pde)
		return;
	*pde |= PAYLOAD_CBIT_MASK;
	CHECK_EQ(vmpl1_run(&v), SVM_EXIT_VMGEXIT);
	CHECK_EQ(v.st->finished, 0);
	CHECK_EQ(v.st->exc_count, 1);
	CHECK_EQ(v.st->last_vector, 14);
	CHECK_EQ(v.st->last_error & (PF_P | PF_RSV), PF_P | PF_RSV);
	CHECK_EQ(v.st->last_cr2, PROBE_VA);
}
