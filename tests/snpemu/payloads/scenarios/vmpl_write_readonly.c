// SPDX-License-Identifier: MIT
/* A page granted to VMPL1 read-only (RMPADJUST R): VMPL1 reads it, but its
 * store fails the VMPL check, leaves the data unchanged and reaches VMPL0
 * as GUEST_EXITCODE 0x400 with EXITINFO1 bits 36 (VMPL), 31 (RMP) and 1
 * (write) and EXITINFO2 = the GPA, RIP at the store.  VMPL0 then grants
 * read + write and resumes VMPL1 at the same instruction: the store is
 * retried and now succeeds (APM vol. 2, 15.36.7, 15.36.10, and 15.36.15 for
 * the TLB after RMPADJUST). */
#include "vmpl.h"

#define OLD 0x01D0ull
#define NEW 0x2E30ull

VMPL1_TEXT static void guest(struct vmpl1_state *s)
{
	volatile uint64_t *p = (volatile uint64_t *)s->arg[0];

	s->out[0] = *p;
	/* 48 89 03: mov %rax, (%rbx) */
	__asm__ volatile("movq %%rax, (%%rbx)" : : "a"(NEW), "b"(p) : "memory");
	s->out[1] = *p;
	vmpl1_finish(s);
}

PAYLOAD(vmpl_write_readonly, 0)
{
	volatile uint64_t *page = smp_page_alloc(false);
	struct vmpl1 v;
	const uint8_t *ip;

	*page = OLD;
	CHECK(vmpl_grant((uintptr_t)page, 4096, RMPADJUST_READ), "grant R");
	if (!vmpl1_create(&v, guest, SEV_FEAT_REFLECT_VC | SEV_FEAT_VTOM, VMPL1_VTOM))
		return;
	v.st->arg[0] = (uintptr_t)page;
	vmpl1_run(&v);
	CHECK_VMPL_NPF(&v, (uintptr_t)page, true);
	CHECK_EQ(v.st->out[0], OLD);
	CHECK_EQ(*page, OLD);
	ip = (const uint8_t *)(uintptr_t)v.vmsa->rip;
	CHECK(ip[0] == 0x48 && ip[1] == 0x89 && ip[2] == 0x03,
	      "VMPL1 RIP 0x%llx is not at its store", (unsigned long long)v.vmsa->rip);

	CHECK(vmpl_grant((uintptr_t)page, 4096, RMPADJUST_READ | RMPADJUST_WRITE), "grant RW");
	CHECK_EQ(vmpl1_run(&v), SVM_EXIT_VMGEXIT);
	CHECK_EQ(v.st->finished, 1);
	CHECK_EQ(v.st->out[1], NEW);
	CHECK_EQ(*page, NEW);
}
