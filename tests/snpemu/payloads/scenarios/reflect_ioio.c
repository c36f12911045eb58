// SPDX-License-Identifier: MIT
/* ReflectVC: OUT and IN in VMPL1 exit to VMPL0 with GUEST_EXITCODE 0x7B,
 * EXITINFO1 in the APM 15.10.2 IOIO format (port, direction, data size and
 * the instruction's address size: A64 in 64-bit mode, which Linux's and
 * edk2's #VC code also encode for every IN/OUT) and EXITINFO2 = the next RIP
 * (APM vol. 2, 15.36.9).  VMPL0 performs the access through the GHCB
 * (COM1's scratch register) and resumes at EXITINFO2; the IN returns what
 * the OUT wrote. */
#include "vmpl.h"

#define COM1_SCRATCH 0x3FF
#define VALUE	     0xA7

VMPL1_TEXT static void guest(struct vmpl1_state *s)
{
	uint32_t in = 0;

	__asm__ volatile("outb %%al, %%dx" : : "a"(VALUE), "d"(COM1_SCRATCH) : "memory");
	__asm__ volatile("inb %%dx, %%al" : "+a"(in) : "d"(COM1_SCRATCH) : "memory");
	s->out[0] = in;
	vmpl1_finish(s);
}

static void check_ioio(struct vmpl1 *v, bool in)
{
	const struct sev_vmsa *a = v->vmsa;
	const uint8_t *ip = (const uint8_t *)(uintptr_t)a->rip;
	uint64_t info = a->guest_exit_info1;

	CHECK(*ip == (in ? 0xEC : 0xEE), "VMPL1 RIP 0x%llx is not at its %s",
	      (unsigned long long)a->rip, in ? "IN" : "OUT");
	CHECK_EQ(SVM_IOIO_PORT(info), COM1_SCRATCH);
	CHECK_EQ(info & SVM_IOIO_TYPE_IN, in ? SVM_IOIO_TYPE_IN : 0);
	CHECK_EQ(info & SVM_IOIO_SZ_MASK, SVM_IOIO_SZ8);
	CHECK_EQ(info & SVM_IOIO_ASZ_MASK, SVM_IOIO_A64);
	CHECK_EQ(info & (SVM_IOIO_STR | SVM_IOIO_REP), 0);
	CHECK_EQ(info & SVM_IOIO_RSVD_MASK, 0);
	CHECK_EQ(a->guest_exit_info2, a->rip + 1);
}

PAYLOAD(reflect_ioio, 0)
{
	struct vmpl1 v;

	if (!vmpl1_create(&v, guest, SEV_FEAT_REFLECT_VC, 0))
		return;
	CHECK_EQ(vmpl1_run(&v), SVM_EXIT_IOIO);
	check_ioio(&v, false);
	CHECK(vmpl1_emulate(&v), "OUT emulation");
	CHECK_EQ(vmpl1_run(&v), SVM_EXIT_IOIO);
	check_ioio(&v, true);
	CHECK(vmpl1_emulate(&v), "IN emulation");
	CHECK_EQ(vmpl1_run(&v), SVM_EXIT_VMGEXIT);
	CHECK_EQ(v.st->finished, 1);
	CHECK_EQ(v.st->out[0], VALUE);
}
