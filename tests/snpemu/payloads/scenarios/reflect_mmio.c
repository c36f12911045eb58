// SPDX-License-Identifier: MIT
/* ReflectVC + vTOM: VMPL1's page tables have no C-bit, and an access to
 * device space above vTOM (the IOAPIC) hits the hypervisor's MMIO marker:
 * VMPL0 gets GUEST_EXITCODE 0x400 with EXITINFO1.RSV (bit 3) set, the write
 * bit for a store, and EXITINFO2 = the GPA (APM vol. 2, 15.35.4, 15.36.8,
 * 15.36.9).  VMPL0 decodes the MOV, does the access with the GHCB MMIO NAE
 * and resumes after it; VMPL1 reads the IOAPIC version register. */
#include "vmpl.h"

#define IOAPIC_IOREGSEL 0xFEC00000ull
#define IOAPIC_IOWIN	0xFEC00010ull
#define IOAPIC_REG_VER	1
#define Q35_IOAPIC_VER	0x00170020u

VMPL1_TEXT static void guest(struct vmpl1_state *s)
{
	uint32_t val = IOAPIC_REG_VER;

	__asm__ volatile("movl %0, (%1)" : : "a"(val), "b"(IOAPIC_IOREGSEL) : "memory");
	__asm__ volatile("movl (%1), %0" : "=a"(val) : "b"(IOAPIC_IOWIN) : "memory");
	s->out[0] = val;
	vmpl1_finish(s);
}

static void check_mmio(struct vmpl1 *v, uint64_t gpa, bool write)
{
	const struct sev_vmsa *a = v->vmsa;

	CHECK_EQ(a->guest_exit_code, SVM_EXIT_NPF);
	CHECK(a->guest_exit_info1 & SVM_NPF_RSV, "EXITINFO1 0x%llx lacks RSV",
	      (unsigned long long)a->guest_exit_info1);
	CHECK_EQ(a->guest_exit_info1 & SVM_NPF_RW, write ? SVM_NPF_RW : 0);
	CHECK_EQ(a->guest_exit_info2, gpa);
	CHECK(vmpl1_emulate(v), "MMIO emulation");
}

PAYLOAD(reflect_mmio, 0)
{
	struct vmpl1 v;

	if (!vmpl1_create(&v, guest, SEV_FEAT_REFLECT_VC | SEV_FEAT_VTOM, VMPL1_VTOM))
		return;
	vmpl1_run(&v);
	check_mmio(&v, IOAPIC_IOREGSEL, true);
	vmpl1_run(&v);
	check_mmio(&v, IOAPIC_IOWIN, false);
	CHECK_EQ(vmpl1_run(&v), SVM_EXIT_VMGEXIT);
	CHECK_EQ(v.st->finished, 1);
	CHECK_EQ(v.st->out[0], Q35_IOAPIC_VER);
}
