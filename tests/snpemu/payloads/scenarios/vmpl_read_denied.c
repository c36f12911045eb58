// SPDX-License-Identifier: MIT
/* VMPL1 reading a page only VMPL0 may access fails the RMP VMPL check: the
 * load does not happen (VMPL1's register keeps its old value), and VMPL0
 * learns of it as GUEST_EXITCODE 0x400 (NPF) with EXITINFO1 bits 36 (VMPL)
 * and 31 (RMP) and EXITINFO2 = the GPA (APM vol. 2, 15.36.7, 15.36.10;
 * handing the NPF to VMPL0 is snpemu's choice, docs/snpemu.md).  VMPL0
 * skips the instruction; VMPL1 never sees the data. */
#include "vmpl.h"

#define SECRET	 0x5EC2E7C0FFEEull
#define SENTINEL 0x1234ull

VMPL1_TEXT static void guest(struct vmpl1_state *s)
{
	uint64_t val = SENTINEL;

	/* 48 8B 03: mov (%rbx), %rax */
	__asm__ volatile("movq (%%rbx), %%rax" : "+a"(val) : "b"(s->arg[0]) : "memory");
	s->out[0] = val;
	vmpl1_finish(s);
}

PAYLOAD(vmpl_read_denied, 0)
{
	volatile uint64_t *secret = smp_page_alloc(false);
	struct vmpl1 v;
	const uint8_t *ip;

	*secret = SECRET;
	if (!vmpl1_create(&v, guest, SEV_FEAT_REFLECT_VC | SEV_FEAT_VTOM, VMPL1_VTOM))
		return;
	v.st->arg[0] = (uintptr_t)secret;
	vmpl1_run(&v);
	CHECK_VMPL_NPF(&v, (uintptr_t)secret, false);
	CHECK_EQ(v.vmsa->rax, SENTINEL);
	ip = (const uint8_t *)(uintptr_t)v.vmsa->rip;
	CHECK(ip[0] == 0x48 && ip[1] == 0x8B && ip[2] == 0x03,
	      "VMPL1 RIP 0x%llx is not at its load", (unsigned long long)v.vmsa->rip);
	v.vmsa->rip += 3;
	CHECK_EQ(vmpl1_run(&v), SVM_EXIT_VMGEXIT);
	CHECK_EQ(v.st->finished, 1);
	CHECK_EQ(v.st->out[0], SENTINEL);
	CHECK_EQ(*secret, SECRET);
}
