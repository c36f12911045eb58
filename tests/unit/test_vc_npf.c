/* SPDX-License-Identifier: MIT */
/*
 * MMIO exits (vc/npf.c) with the instruction forms a stock guest uses on
 * device registers: a read-modify-write (OR into a register), a LOCKed
 * compare-exchange, a 16-byte SSE store and load, and what reaches the
 * device (the hypervisor's MMIO calls) for each.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "fake_hw.h"
#include "fake_pv.h"

#include <svm.h>
#include <vmsa.h>

#define DEVICE_GPA 0xFEB00040ULL /* no RAM, no device of the paravisor */

static struct sev_vmsa *const a = &fake_guest.vmsa;

/** The instruction at CS:RIP touching DEVICE_GPA (32-bit, paging off). */
static void npf_exit(const uint8_t *insn, unsigned int len)
{
	a->rip = FAKE_GUEST_RIP;
	a->event_inj = 0;
	memcpy(fake_mem(FAKE_GUEST_RIP), insn, len);
	vc_dispatch(fake_guest_exit(SVM_EXIT_NPF, 0, DEVICE_GPA, len));
	assert_int_equal(a->event_inj, 0);
	assert_int_equal(a->rip, FAKE_GUEST_RIP + len);
}

/** The same, for bytes that cannot have made the exit: the VM ends with
 * PV_TERM_DECODE_FAILED, no event for the guest. */
static void npf_exit_ends(const uint8_t *insn, unsigned int len)
{
	a->rip = FAKE_GUEST_RIP;
	a->event_inj = 0;
	memcpy(fake_mem(FAKE_GUEST_RIP), insn, len);
	FAKE_EXPECT_TERM(PV_TERM_DECODE_FAILED,
			 vc_dispatch(fake_guest_exit(SVM_EXIT_NPF, 0, DEVICE_GPA, len)));
	assert_int_equal(a->event_inj, 0);
}

/** or [DEVICE_GPA], eax: the device is read, then written with the OR, and
 * RFLAGS holds the result's flags. */
static void test_or_into_device(void **state)
{
	static const uint8_t insn[] = { 0x09, 0x05, 0x40, 0x00, 0xB0, 0xFE };

	(void)state;
	fake_hv.mmio_read_value = 0x80000001;
	a->rax = 0x00000010;
	a->rflags = 0x2 | 0x40; /* ZF set before: must clear */
	npf_exit(insn, sizeof(insn));
	assert_int_equal(fake_hv.mmio_count, 2);
	assert_false(fake_hv.mmio[0].write);
	assert_int_equal(fake_hv.mmio[0].size, 4);
	assert_true(fake_hv.mmio[1].write);
	assert_int_equal(fake_hv.mmio[1].value, 0x80000011);
	assert_int_equal(a->rflags & (0x40 | 0x80 | 0x1 | 0x800), 0x80); /* SF only */
}

/** lock cmpxchg [DEVICE_GPA], ecx: equal, so the new value is written. */
static void test_lock_cmpxchg_device(void **state)
{
	static const uint8_t insn[] = { 0xF0, 0x0F, 0xB1, 0x0D, 0x40, 0x00, 0xB0, 0xFE };

	(void)state;
	fake_hv.mmio_read_value = 5;
	a->rax = 5;
	a->rcx = 9;
	npf_exit(insn, sizeof(insn));
	assert_int_equal(fake_hv.mmio_count, 2);
	assert_true(fake_hv.mmio[1].write);
	assert_int_equal(fake_hv.mmio[1].value, 9);
	assert_int_equal(a->rflags & 0x40, 0x40); /* ZF: exchanged */
}

/** movdqu [DEVICE_GPA], xmm1 then movdqu xmm2, [DEVICE_GPA]: 16 bytes as
 * two 8-byte device accesses each, from and into the VMSA's XMM registers. */
static void test_sse_store_and_load(void **state)
{
	static const uint8_t store[] = { 0xF3, 0x0F, 0x7F, 0x0D, 0x40, 0x00, 0xB0, 0xFE };
	static const uint8_t load[] = { 0xF3, 0x0F, 0x6F, 0x15, 0x40, 0x00, 0xB0, 0xFE };

	(void)state;
	for (unsigned int i = 0; i < 16; i++)
		a->fpreg_xmm[16 + i] = (uint8_t)(0xA0 + i);
	npf_exit(store, sizeof(store));
	assert_int_equal(fake_hv.mmio_count, 2);
	assert_true(fake_hv.mmio[0].write && fake_hv.mmio[1].write);
	assert_int_equal(fake_hv.mmio[0].gpa, DEVICE_GPA);
	assert_int_equal(fake_hv.mmio[1].gpa, DEVICE_GPA + 8);
	assert_int_equal(fake_hv.mmio[0].value, 0xA7A6A5A4A3A2A1A0ULL);

	fake_hv.mmio_read_value = 0x1122334455667788ULL;
	npf_exit(load, sizeof(load));
	assert_int_equal(fake_hv.mmio_count, 4);
	for (unsigned int i = 0; i < 16; i++)
		assert_int_equal(a->fpreg_xmm[32 + i], (uint8_t)(0x88 - 0x11 * (i % 8)));
}

/** fld dword [DEVICE_GPA]: an instruction the engine does not run is the
 * guest's #UD (RIP unchanged, no device access) and a log line naming it. */
static void test_not_emulated_ud(void **state)
{
	static const uint8_t insn[] = { 0xD9, 0x05, 0x40, 0x00, 0xB0, 0xFE };

	(void)state;
	a->rip = FAKE_GUEST_RIP;
	a->event_inj = 0;
	memcpy(fake_mem(FAKE_GUEST_RIP), insn, sizeof(insn));
	vc_dispatch(fake_guest_exit(SVM_EXIT_NPF, 0, DEVICE_GPA, sizeof(insn)));
	assert_int_equal(a->event_inj & 0xFF, X86_VEC_UD);
	assert_true(a->event_inj & SVM_EVT_VALID);
	assert_int_equal(a->rip, FAKE_GUEST_RIP);
	assert_int_equal(fake_hv.mmio_count, 0);
	assert_false(fake_pv.terminated);
	assert_true(fake_pv_log_has("fld at rip"));
	assert_true(fake_pv_log_has("not emulated: #UD"));
}

/** clflush, clflushopt, clwb, prefetcht0, prefetchw [DEVICE_GPA]: no data
 * moves, no device access, no fault; the guest goes on past them. */
static void test_cache_hints_complete(void **state)
{
	static const struct {
		unsigned int len;
		uint8_t bytes[8];
	} forms[] = {
		{ 7, { 0x0F, 0xAE, 0x3D, 0x40, 0x00, 0xB0, 0xFE } },	   /* clflush */
		{ 8, { 0x66, 0x0F, 0xAE, 0x3D, 0x40, 0x00, 0xB0, 0xFE } }, /* clflushopt */
		{ 8, { 0x66, 0x0F, 0xAE, 0x35, 0x40, 0x00, 0xB0, 0xFE } }, /* clwb */
		{ 7, { 0x0F, 0x18, 0x0D, 0x40, 0x00, 0xB0, 0xFE } },	   /* prefetcht0 */
		{ 7, { 0x0F, 0x0D, 0x0D, 0x40, 0x00, 0xB0, 0xFE } },	   /* prefetchw */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		npf_exit(forms[i].bytes, forms[i].len);
		assert_int_equal(fake_hv.mmio_count, 0);
		assert_false(fake_pv.terminated);
	}
}

/** A hint whose operand is not on the page that faulted did not make the
 * exit (the bytes changed): the VM ends, as for any other such instruction. */
static void test_cache_hint_elsewhere_ends(void **state)
{
	static const uint8_t insn[] = { 0x0F, 0xAE, 0x3D, 0x40, 0x00, 0xC0, 0xFE }; /* other page */

	(void)state;
	npf_exit_ends(insn, sizeof(insn));
}

/** An instruction with no memory operand cannot have made the exit (the
 * bytes at RIP changed): no #UD for it, the VM ends as before, with a line. */
static void test_no_memory_operand_ends(void **state)
{
	static const uint8_t insn[] = { 0x89, 0xC8 }; /* mov eax, ecx */

	(void)state;
	npf_exit_ends(insn, sizeof(insn));
	assert_true(fake_pv_log_has("other instruction at rip"));
}

/* The nested page fault's error code for the MMIO marker (APM vol. 2,
 * 15.25.6): present, reserved bit, final GPA; RW for a write. */
#define NPF_MMIO_READ	 (SVM_NPF_P | SVM_NPF_RSV | SVM_NPF_FINAL_GPA)
#define NPF_MMIO_WRITE	 (NPF_MMIO_READ | SVM_NPF_RW)
#define OTHER_DEVICE_GPA (DEVICE_GPA - 0x100000) /* same page offset */

/** The exit as the hardware reports it: error code info1 and GPA info2,
 * for an instruction whose operand is DEVICE_GPA (paging off). */
static void npf_hw_exit(const uint8_t *insn, unsigned int len, uint64_t info1, uint64_t gpa)
{
	a->rip = FAKE_GUEST_RIP;
	a->event_inj = 0;
	memcpy(fake_mem(FAKE_GUEST_RIP), insn, len);
	vc_dispatch(fake_guest_exit(SVM_EXIT_NPF, info1, gpa, len));
}

/** A MOV makes one access, so it is the one that faulted: it goes to the GPA
 * the hardware translated, not to what the guest's tables say now (here they
 * say DEVICE_GPA, as a mapping changed since the fault would). */
static void test_mov_goes_to_faulting_gpa(void **state)
{
	static const uint8_t load[] = { 0x8B, 0x05, 0x40, 0x00, 0xB0, 0xFE };  /* mov eax, [] */
	static const uint8_t store[] = { 0x89, 0x0D, 0x40, 0x00, 0xB0, 0xFE }; /* mov [], ecx */

	(void)state;
	fake_hv.mmio_read_value = 0x1234;
	npf_hw_exit(load, sizeof(load), NPF_MMIO_READ, OTHER_DEVICE_GPA);
	assert_int_equal(a->rip, FAKE_GUEST_RIP + sizeof(load));
	assert_int_equal(a->rax & 0xFFFFFFFF, 0x1234);
	a->rcx = 0x5678;
	npf_hw_exit(store, sizeof(store), NPF_MMIO_WRITE, OTHER_DEVICE_GPA);
	assert_int_equal(a->rip, FAKE_GUEST_RIP + sizeof(store));
	assert_int_equal(fake_hv.mmio_count, 2);
	assert_int_equal(fake_hv.mmio[0].gpa, OTHER_DEVICE_GPA);
	assert_false(fake_hv.mmio[0].write);
	assert_int_equal(fake_hv.mmio[1].gpa, OTHER_DEVICE_GPA);
	assert_true(fake_hv.mmio[1].write);
	assert_int_equal(fake_hv.mmio[1].value, 0x5678);
}

/** The hardware's GPA stands only for the access it describes: a store for
 * a fault on a read, an operand at another page offset, a fault in the
 * guest's table walk, and an instruction with two accesses (OR reads and
 * writes) are walked, reach DEVICE_GPA, not the page that faulted, and so
 * cannot have made the exit: the VM ends. */
static void test_other_accesses_are_walked(void **state)
{
	static const uint8_t store[] = { 0x89, 0x0D, 0x40, 0x00, 0xB0, 0xFE }; /* mov [], ecx */
	static const uint8_t load[] = { 0x8B, 0x05, 0x40, 0x00, 0xB0, 0xFE };  /* mov eax, [] */
	static const uint8_t or [] = { 0x09, 0x05, 0x40, 0x00, 0xB0, 0xFE };   /* or [], eax */
	const struct {
		const uint8_t *insn;
		unsigned int len;
		uint64_t info1, gpa;
	} cases[] = {
		{ store, sizeof(store), NPF_MMIO_READ, OTHER_DEVICE_GPA },
		{ load, sizeof(load), NPF_MMIO_WRITE, OTHER_DEVICE_GPA },
		{ load, sizeof(load), NPF_MMIO_READ, OTHER_DEVICE_GPA + 8 },
		{ load, sizeof(load), NPF_MMIO_READ | SVM_NPF_PT_WALK, OTHER_DEVICE_GPA },
		{ or, sizeof(or), NPF_MMIO_WRITE, OTHER_DEVICE_GPA },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		fake_hv.mmio_count = 0;
		FAKE_EXPECT_TERM(PV_TERM_DECODE_FAILED, npf_hw_exit(cases[i].insn, cases[i].len,
								    cases[i].info1, cases[i].gpa));
		for (unsigned int k = 0; k < fake_hv.mmio_count; k++)
			assert_int_equal(fake_hv.mmio[k].gpa, DEVICE_GPA);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_or_into_device, fake_pv_setup),
		cmocka_unit_test_setup(test_lock_cmpxchg_device, fake_pv_setup),
		cmocka_unit_test_setup(test_sse_store_and_load, fake_pv_setup),
		cmocka_unit_test_setup(test_not_emulated_ud, fake_pv_setup),
		cmocka_unit_test_setup(test_no_memory_operand_ends, fake_pv_setup),
		cmocka_unit_test_setup(test_cache_hints_complete, fake_pv_setup),
		cmocka_unit_test_setup(test_cache_hint_elsewhere_ends, fake_pv_setup),
		cmocka_unit_test_setup(test_mov_goes_to_faulting_gpa, fake_pv_setup),
		cmocka_unit_test_setup(test_other_accesses_are_walked, fake_pv_setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
