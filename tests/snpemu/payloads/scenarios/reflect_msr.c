// SPDX-License-Identifier: MIT
/* ReflectVC: RDMSR and WRMSR of an intercepted MSR in VMPL1 exit to VMPL0
 * with GUEST_EXITCODE 0x7C and EXITINFO1 0 (read) / 1 (write), ECX naming the
 * MSR and NRIP = RIP + 2; VMPL0 forwards them with the GHCB MSR NAE
 * (APM vol. 2, 15.36.9).  MTRR_DEF_TYPE (0x2FF) is written and read back. */
#include "vmpl.h"

#define MSR_MTRR_DEF_TYPE 0x2FFu
#define MSR_MTRR_CAP	  0xFEu
#define DEF_TYPE	  0xC06ull

VMPL1_TEXT static void guest(struct vmpl1_state *s)
{
	vmpl1_wrmsr(MSR_MTRR_DEF_TYPE, DEF_TYPE);
	s->out[0] = vmpl1_rdmsr(MSR_MTRR_DEF_TYPE);
	s->out[1] = vmpl1_rdmsr(MSR_MTRR_CAP);
	vmpl1_finish(s);
}

static void check_msr(struct vmpl1 *v, uint32_t msr, bool write)
{
	const struct sev_vmsa *a = v->vmsa;

	CHECK_EQ(a->guest_exit_code, SVM_EXIT_MSR);
	CHECK_EQ(a->guest_exit_info1, write ? 1 : 0);
	CHECK_EQ((uint32_t)a->rcx, msr);
	CHECK_EQ(a->guest_nrip, a->rip + 2);
	CHECK(vmpl1_emulate(v), "MSR emulation");
}

PAYLOAD(reflect_msr, 0)
{
	struct vmpl1 v;
	uint64_t cap = 0;

	CHECK(ghcb_msr_read(MSR_MTRR_CAP, &cap), "GHCB RDMSR 0x%x", MSR_MTRR_CAP);
	if (!vmpl1_create(&v, guest, SEV_FEAT_REFLECT_VC, 0))
		return;
	vmpl1_run(&v);
	check_msr(&v, MSR_MTRR_DEF_TYPE, true);
	vmpl1_run(&v);
	check_msr(&v, MSR_MTRR_DEF_TYPE, false);
	vmpl1_run(&v);
	check_msr(&v, MSR_MTRR_CAP, false);
	CHECK_EQ(vmpl1_run(&v), SVM_EXIT_VMGEXIT);
	CHECK_EQ(v.st->finished, 1);
	CHECK_EQ(v.st->out[0], DEF_TYPE);
	CHECK_EQ(v.st->out[1], cap);
}
