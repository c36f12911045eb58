/* SPDX-License-Identifier: MIT */
/*
 * The hypervisor's in-spec "raise #GP or #UD" answer (GHCB spec 2.03,
 * 4.1.7), on every exit family that relays a guest instruction to it: the
 * guest gets exactly the exception asked for, at the instruction (RIP
 * unchanged, no other register written); an event outside the spec ends
 * the VM with PV_TERM_HV_ERROR.  One table, one row per family.
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

#define GP_EVENT       SVM_EVT_MAKE(13, SVM_EVT_TYPE_EXCEPTION, true, 0)
#define GP_EVENT_NO_EV SVM_EVT_MAKE(13, SVM_EVT_TYPE_EXCEPTION, false, 0)
#define UD_EVENT       SVM_EVT_MAKE(6, SVM_EVT_TYPE_EXCEPTION, false, 0)
#define PF_EVENT       SVM_EVT_MAKE(14, SVM_EVT_TYPE_EXCEPTION, true, 2)
#define DEVICE_GPA     0xFEB00000ULL /* no RAM, no device of the paravisor */
#define DATA_GPA       0x20000ULL

static struct sev_vmsa *const a = &fake_guest.vmsa;

struct family {
	const char *name;
	const uint8_t insn[8]; /* at CS:RIP */
	unsigned int len;
	uint64_t code, info1, info2;
	void (*setup)(void);
};

static void set_tsc_msr(void)
{
	a->rcx = 0x10; /* TSC: forwarded to the hypervisor */
	fake_hv_set_msr(0x10, 5, false);
	a->rax = 1;
	a->rdx = 0;
}

static void set_string(void)
{
	a->rsi = a->rdi = DATA_GPA;
	a->rcx = 4;
}

#define IO(port, sz, more) (((uint64_t)(port) << 16) | (sz) | (more))
#define STR		   (SVM_IOIO_STR | ((uint64_t)SVM_IOIO_SEG_DS << SVM_IOIO_SEG_SHIFT) | SVM_IOIO_A32)

static const struct family families[] = {
	{ "in",
	  { 0xEC },
	  1,
	  SVM_EXIT_IOIO,
	  IO(0x61, SVM_IOIO_SZ8, SVM_IOIO_TYPE_IN),
	  FAKE_GUEST_RIP + 1,
	  NULL },
	{ "out", { 0xEE }, 1, SVM_EXIT_IOIO, IO(0x61, SVM_IOIO_SZ8, 0), FAKE_GUEST_RIP + 1, NULL },
	{ "rep insb",
	  { 0xF3, 0x6C },
	  2,
	  SVM_EXIT_IOIO,
	  IO(0x61, SVM_IOIO_SZ8, STR | SVM_IOIO_REP | SVM_IOIO_TYPE_IN),
	  FAKE_GUEST_RIP + 2,
	  set_string },
	{ "rep outsb",
	  { 0xF3, 0x6E },
	  2,
	  SVM_EXIT_IOIO,
	  IO(0x61, SVM_IOIO_SZ8, STR | SVM_IOIO_REP),
	  FAKE_GUEST_RIP + 2,
	  set_string },
	{ "rdmsr", { 0x0F, 0x32 }, 2, SVM_EXIT_MSR, 0, 0, set_tsc_msr },
	{ "wrmsr", { 0x0F, 0x30 }, 2, SVM_EXIT_MSR, 1, 0, set_tsc_msr },
	{ "rdtsc", { 0x0F, 0x31 }, 2, SVM_EXIT_RDTSC, 0, 0, NULL },
	{ "rdtscp", { 0x0F, 0x01, 0xF9 }, 3, SVM_EXIT_RDTSCP, 0, 0, NULL },
	/* mov eax, [DEVICE_GPA] / mov [DEVICE_GPA], eax (32-bit, paging off) */
	{ "mmio read", { 0x8B, 0x05, 0x00, 0x00, 0xB0, 0xFE }, 6, SVM_EXIT_NPF, 0, DEVICE_GPA, NULL },
	{ "mmio write",
	  { 0x89, 0x05, 0x00, 0x00, 0xB0, 0xFE },
	  6,
	  SVM_EXIT_NPF,
	  0,
	  DEVICE_GPA,
	  NULL },
};

/** The exit of family f with the hypervisor answering event (0: plainly). */
static void run(const struct family *f, uint64_t event)
{
	a->rip = FAKE_GUEST_RIP;
	a->event_inj = 0;
	a->rcx = a->rsi = a->rdi = 0;
	memcpy(fake_mem(FAKE_GUEST_RIP), f->insn, f->len);
	a->rax = 0x1111;
	a->rdx = 0x2222;
	if (f->setup)
		f->setup();
	fake_hv.next_event = event;
	vc_dispatch(fake_guest_exit(f->code, f->info1, f->info2, f->len));
}

static void check_raised(const struct family *f, uint64_t asked, uint64_t want)
{
	uint64_t rax = 0x1111;

	run(f, asked);
	if (a->event_inj != want)
		fail_msg("%s: event_inj %#llx, want %#llx", f->name,
			 (unsigned long long)a->event_inj, (unsigned long long)want);
	assert_int_equal(a->rip, FAKE_GUEST_RIP);
	if (f->setup != set_tsc_msr)
		assert_int_equal(a->rax, rax); /* nothing read into RAX */
	if (f->setup == set_string) {
		assert_int_equal(a->rcx, 4); /* no element counted */
		assert_int_equal(a->rsi, DATA_GPA);
		assert_int_equal(a->rdi, DATA_GPA);
	}
}

/** Without an event every family completes: the rows are live paths. */
static void test_plain_answers_complete(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(families); i++) {
		run(&families[i], 0);
		if (a->event_inj || a->rip != FAKE_GUEST_RIP + families[i].len)
			fail_msg("%s: event_inj %#llx rip %#llx", families[i].name,
				 (unsigned long long)a->event_inj, (unsigned long long)a->rip);
	}
}

static void test_gp_is_raised(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(families); i++)
		check_raised(&families[i], GP_EVENT, GP_EVENT);
}

/** #UD as asked, not turned into #GP. */
static void test_ud_is_raised(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(families); i++)
		check_raised(&families[i], UD_EVENT, UD_EVENT);
}

/** KVM's #GP carries no EV bit; the guest's #GP still pushes error code 0. */
static void test_gp_without_ev(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(families); i++)
		check_raised(&families[i], GP_EVENT_NO_EV, GP_EVENT);
}

/** #PF is not an exception the hypervisor may ask for: the VM ends. */
static void test_other_event_terminates(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(families); i++) {
		FAKE_EXPECT_TERM(PV_TERM_HV_ERROR, run(&families[i], PF_EVENT));
		assert_int_equal(a->event_inj, 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_plain_answers_complete, fake_pv_setup),
		cmocka_unit_test_setup(test_gp_is_raised, fake_pv_setup),
		cmocka_unit_test_setup(test_ud_is_raised, fake_pv_setup),
		cmocka_unit_test_setup(test_gp_without_ev, fake_pv_setup),
		cmocka_unit_test_setup(test_other_event_terminates, fake_pv_setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
