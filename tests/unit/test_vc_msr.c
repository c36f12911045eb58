/* SPDX-License-Identifier: MIT */
/*
 * vc/msr.c through vc_dispatch(): the MSR policy (emulate, forward, zero
 * or #GP, decided before any side effect) and the dispatcher's
 * handling of VC_OK and VC_EXCEPTION (vc/vc.h).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "fake_hw.h"
#include "fake_pv.h"
#include "core/stats.h"

#include <sev.h>
#include <svm.h>
#include <vmsa.h>

#define MSR_TSC		0x10
#define MTRR_CAP	0xFE
#define MTRR_PHYS_BASE0 0x200
#define MTRR_PHYS_MASK0 0x201
#define MTRR_FIX_64K	0x250
#define MTRR_FIX_4K_7	0x26F
#define MTRR_DEF_TYPE	0x2FF
#define GP_EVENT	SVM_EVT_MAKE(13, SVM_EVT_TYPE_EXCEPTION, true, 0)
#define HIGH_GARBAGE	0xBAD0000000000000ULL

static struct sev_vmsa *const a = &fake_guest.vmsa;

static void rdmsr(uint32_t msr)
{
	a->rip = FAKE_GUEST_RIP;
	a->rcx = HIGH_GARBAGE | msr;
	a->rax = a->rdx = 0x5555555555555555ULL;
	vc_dispatch(fake_guest_exit(SVM_EXIT_MSR, 0, 0, 2));
}

/** WRMSR takes EDX:EAX; the upper halves of RAX and RDX do not count. */
static void wrmsr(uint32_t msr, uint64_t val)
{
	a->rip = FAKE_GUEST_RIP;
	a->rcx = msr;
	a->rax = HIGH_GARBAGE | (uint32_t)val;
	a->rdx = HIGH_GARBAGE | (val >> 32);
	vc_dispatch(fake_guest_exit(SVM_EXIT_MSR, 1, 0, 2));
}

/** VC_OK: RIP is the next RIP, nothing is injected. */
static void assert_done(void)
{
	assert_int_equal(a->rip, FAKE_GUEST_RIP + 2);
	assert_int_equal(a->event_inj, 0);
}

static void assert_read(uint64_t val)
{
	assert_done();
	assert_int_equal(a->rax, (uint32_t)val);
	assert_int_equal(a->rdx, val >> 32);
}

/** VC_EXCEPTION: #GP(0) in EVENTINJ, RIP and the registers unchanged. */
static void assert_gp(void)
{
	assert_int_equal(a->event_inj, GP_EVENT);
	assert_int_equal(a->rip, FAKE_GUEST_RIP);
	assert_true(a->rax == 0x5555555555555555ULL || (a->rax & HIGH_GARBAGE));
	a->event_inj = 0;
}

static void test_sev_status(void **state)
{
	(void)state;
	rdmsr(MSR_SEV_STATUS);
	assert_read(0);
	wrmsr(MSR_SEV_STATUS, 0);
	assert_gp();
	assert_int_equal(fake_hv.exit_count, 0);
}

/** SYSCFG: the host's memory-encryption and TOM2 bits are not the guest's;
 * Linux reads it to decide on MTRR trimming. */
static void test_syscfg_reads_zero(void **state)
{
	(void)state;
	rdmsr(0xC0010010);
	assert_read(0);
	assert_int_equal(fake_hv.exit_count, 0);
}

/** TSC_AUX is per vCPU and stays in the paravisor (Linux writes the CPU
 * number; an intercepted RDTSCP returns it, test_vc_misc) and goes into the
 * guest's VMSA, where the CPU's own RDTSCP and RDPID read it; bits 63:32
 * are reserved. */
static void test_tsc_aux(void **state)
{
	(void)state;
	wrmsr(0xC0000103, 3);
	assert_done();
	assert_int_equal(fake_guest.vcpu.tsc_aux, 3);
	assert_int_equal(a->tsc_aux, 3);
	rdmsr(0xC0000103);
	assert_read(3);
	wrmsr(0xC0000103, 1ULL << 32);
	assert_gp();
	assert_int_equal(fake_guest.vcpu.tsc_aux, 3);
	assert_int_equal(a->tsc_aux, 3);
	assert_int_equal(fake_hv.exit_count, 0);
}

/** NB_CFG: reads 0 and takes writes without effect, as KVM (Linux's
 * pci/amd_bus sets EnableCf8ExtCfg on every CPU). */
static void test_nb_cfg(void **state)
{
	(void)state;
	wrmsr(0xC001001F, 1ULL << 46);
	assert_done();
	rdmsr(0xC001001F);
	assert_read(0);
	assert_int_equal(fake_hv.exit_count, 0);
}

/** AMD's legacy PMU (PerfEvtSel0-3, PerfCtr0-3) with no PMU offered: every
 * write accepted, every read 0, as KVM does; nothing reaches the host.  The
 * core extension (0xC0010200-) is not offered (CPUID) and stays #GP. */
static void test_legacy_pmu_sunk(void **state)
{
	(void)state;
	for (uint32_t msr = 0xC0010000; msr <= 0xC0010007; msr++) {
		wrmsr(msr, msr & 4 ? 0 : 0x430076); /* an event select, or 0 */
		assert_done();
		rdmsr(msr);
		assert_read(0);
	}
	rdmsr(0xC0010008);
	assert_gp();
	rdmsr(0xC0010200);
	assert_gp();
	assert_int_equal(fake_hv.exit_count, 0);
}

/** The GHCB MSR is the paravisor's; the guest gets #GP, the hypervisor
 * hears nothing. */
static void test_ghcb_msr(void **state)
{
	(void)state;
	rdmsr(MSR_SEV_ES_GHCB);
	assert_gp();
	wrmsr(MSR_SEV_ES_GHCB, 0x1000);
	assert_gp();
	assert_int_equal(fake_hv.exit_count, 0);
	assert_int_equal(fake_hv.msr_write_count, 0);
}

static void test_mtrr_write_read(void **state)
{
	static const struct {
		uint32_t msr;
		uint64_t val;
	} w[] = {
		{ MTRR_PHYS_BASE0, 0x80000006 },
		{ MTRR_PHYS_MASK0, 0xFFFF80000800ULL },
		{ MTRR_FIX_64K, 0x0606060606060606ULL },
		{ MTRR_FIX_4K_7, 0x0505050505050505ULL },
		{ MTRR_DEF_TYPE, 0xC06 },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(w); i++) {
		wrmsr(w[i].msr, w[i].val);
		assert_done();
	}
	for (size_t i = 0; i < ARRAY_SIZE(w); i++) {
		rdmsr(w[i].msr);
		assert_read(w[i].val);
	}
	assert_int_equal(fake_hv.exit_count, 0);
}

/** Each bad value is #GP, and MTRRdefType keeps the good one. */
static void assert_def_type_refused(uint64_t good, const uint64_t *bad, size_t count)
{
	wrmsr(MTRR_DEF_TYPE, good);
	assert_done();
	for (size_t i = 0; i < count; i++) {
		wrmsr(MTRR_DEF_TYPE, bad[i]);
		assert_gp();
	}
	rdmsr(MTRR_DEF_TYPE);
	assert_read(good);
}

/** Reserved bits of MTRRdefType. */
static void test_mtrr_def_type_reserved(void **state)
{
	static const uint64_t bad[] = { 0x1006, 0x306, 1ULL << 32, 0x8000000000000C06ULL };

	(void)state;
	assert_def_type_refused(0x806, bad, ARRAY_SIZE(bad));
}

/** Memory types 2, 3 and 7 and above are reserved: a WRMSR of one is #GP
 * (AMD APM vol. 2 §7.7.1 "MTRR default type"; Intel SDM vol. 3 §12.11.2.1). */
static void test_mtrr_def_type_illegal_type(void **state)
{
	static const uint64_t bad[] = { 0xC02, 0xC03, 0xC07, 0xCFF };

	(void)state;
	assert_def_type_refused(0xC06, bad, ARRAY_SIZE(bad));
}

static void test_mtrr_cap_read_only(void **state)
{
	(void)state;
	rdmsr(MTRR_CAP);
	assert_read(0x508);
	wrmsr(MTRR_CAP, 0);
	assert_gp();
	rdmsr(MTRR_CAP);
	assert_read(0x508);
}

static void test_tsc_forwarded(void **state)
{
	(void)state;
	fake_hv_set_msr(MSR_TSC, 0x1122334455667788ULL, false);
	rdmsr(MSR_TSC);
	assert_read(0x1122334455667788ULL);
	const struct ghcb *g = fake_hv_last_exit();
	assert_int_equal(g->save.sw_exit_code, SVM_EXIT_MSR);
	assert_int_equal(g->save.sw_exit_info_1, 0);
	assert_int_equal(g->save.rcx, MSR_TSC);

	wrmsr(MSR_TSC, 0xAABBCCDD00112233ULL);
	assert_done();
	g = fake_hv_last_exit();
	assert_int_equal(g->save.sw_exit_info_1, 1);
	assert_int_equal(g->save.rax, 0x00112233);
	assert_int_equal(g->save.rdx, 0xAABBCCDD);
	assert_int_equal(fake_hv.msr_writes[fake_hv.msr_write_count - 1].value,
			 0xAABBCCDD00112233ULL);
	assert_int_equal(fake_hv.bad_requests, 0);
}

static void test_tsc_gp_answer(void **state)
{
	(void)state;
	fake_hv_set_msr(MSR_TSC, 0, true);
	rdmsr(MSR_TSC);
	assert_gp();
	wrmsr(MSR_TSC, 5);
	assert_gp();
	assert_int_equal(fake_hv.exit_count, 2);
}

/** MSRs the paravisor answers alone: a read is 0 (reads_zero) or #GP, a
 * write is #GP, and the hypervisor hears of none. */
static void assert_local_msrs(const uint32_t *msrs, size_t count, bool reads_zero)
{
	for (size_t i = 0; i < count; i++) {
		rdmsr(msrs[i]);
		if (reads_zero)
			assert_read(0);
		else
			assert_gp();
		wrmsr(msrs[i], 0);
		assert_gp();
	}
	assert_int_equal(fake_hv.exit_count, 0);
}

static void test_unknown_msr(void **state)
{
	/* 0x4B564D02: KVM's async PF, which the paravisor does not offer */
	static const uint32_t msrs[] = { 0xC0011234, 0x3A, 0x4B564D02, 0x12345678 };

	(void)state;
	assert_local_msrs(msrs, ARRAY_SIZE(msrs), false);
}

static void test_zero_msrs(void **state)
{
	static const uint32_t msrs[] = { 0x17, 0x8B, 0x179, 0x17A };

	(void)state;
	assert_local_msrs(msrs, ARRAY_SIZE(msrs), true);
}

/* ---- the dispatcher ------------------------------------------------------ */

/** VC_OK also ends an STI/MOV SS interrupt shadow. */
static void test_dispatch_ok(void **state)
{
	(void)state;
	a->vintr_ctrl = VINTR_INT_SHADOW;
	rdmsr(MTRR_CAP);
	assert_read(0x508);
	assert_int_equal(a->vintr_ctrl & VINTR_INT_SHADOW, 0);
}

static void test_dispatch_exception(void **state)
{
	(void)state;
	a->cr2 = 0x1234;
	wrmsr(MTRR_CAP, 0);
	assert_int_equal(SVM_EVT_VECTOR(a->event_inj), 13);
	assert_int_equal(SVM_EVT_TYPE(a->event_inj), SVM_EVT_TYPE_EXCEPTION);
	assert_true(SVM_EVT_HAS_ERR(a->event_inj));
	assert_int_equal(SVM_EVT_ERRCODE(a->event_inj), 0);
	assert_true(SVM_EVT_IS_VALID(a->event_inj));
	assert_int_equal(a->rip, FAKE_GUEST_RIP);
	assert_int_equal(a->cr2, 0x1234); /* only a #PF sets CR2 */
}

static void test_dispatch_event_pending(void **state)
{
	(void)state;
	a->event_inj = SVM_EVT_MAKE(0x30, SVM_EVT_TYPE_INTR, false, 0);
	FAKE_EXPECT_TERM(PV_TERM_BUG, wrmsr(MTRR_CAP, 0));
}

static void test_dispatch_unknown_exit(void **state)
{
	(void)state;
	FAKE_EXPECT_TERM(PV_TERM_UNSUPPORTED, vc_dispatch(fake_guest_exit(0x3FF, 0, 0, 2)));
	FAKE_EXPECT_TERM(PV_TERM_UNSUPPORTED,
			 vc_dispatch(fake_guest_exit(SVM_EXIT_INVALID, 0, 0, 2)));
	assert_int_equal(a->rip, FAKE_GUEST_RIP);
}

/** A triple fault ends the VM with its own reason code. */
static void test_dispatch_shutdown(void **state)
{
	(void)state;
	FAKE_EXPECT_TERM(PV_TERM_GUEST_SHUTDOWN,
			 vc_dispatch(fake_guest_exit(SVM_EXIT_SHUTDOWN, 0, 0, 2)));
}

static void test_dispatch_counts(void **state)
{
	(void)state;
	rdmsr(MTRR_CAP);
	pv_counters_print();
	assert_true(fake_pv_log_has("exits 0x7c (msr): "));
}

/** MTRRs are per CPU: the peer's write does not show on vCPU 0, and the
 * exit it made is counted in its own slot of the registry. */
static void test_mtrr_per_vcpu_and_counted_per_vcpu(void **state)
{
	(void)state;
	fake_guest.peer.self = &fake_guest.peer; /* a second vCPU, no APIC needed */
	fake_guest.peer.index = 1;
	fake_guest.peer.ghcb = fake_guest.vcpu.ghcb;
	wrmsr(0x2FF, 0xC06); /* vCPU 0: default WB, enabled */
	assert_done();
	struct vc_exit *e = fake_guest_exit(SVM_EXIT_MSR, 0, 0, 2);
	e->vcpu = &fake_guest.peer;
	a->rip = FAKE_GUEST_RIP;
	a->rcx = 0x2FF;
	fake_guest.on_peer = true;
	vc_dispatch(e); /* the peer reads its own */
	fake_guest.on_peer = false;
	assert_int_equal(a->rax, 0);
	rdmsr(0x2FF);
	assert_read(0xC06);
	pv_counters_print();
	assert_true(fake_pv_log_has("exits 0x7c (msr): "));
	assert_true(fake_pv_log_has(", 1: 1)")); /* one exit on vCPU 1 */
	/* and the MSR histogram names 0x2ff with vCPU 1's one exit */
	assert_true(fake_pv_log_has("exits by MSR 0x2ff: "));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_sev_status, fake_pv_setup),
		cmocka_unit_test_setup(test_mtrr_per_vcpu_and_counted_per_vcpu, fake_pv_setup),
		cmocka_unit_test_setup(test_syscfg_reads_zero, fake_pv_setup),
		cmocka_unit_test_setup(test_tsc_aux, fake_pv_setup),
		cmocka_unit_test_setup(test_nb_cfg, fake_pv_setup),
		cmocka_unit_test_setup(test_legacy_pmu_sunk, fake_pv_setup),
		cmocka_unit_test_setup(test_ghcb_msr, fake_pv_setup),
		cmocka_unit_test_setup(test_mtrr_write_read, fake_pv_setup),
		cmocka_unit_test_setup(test_mtrr_def_type_reserved, fake_pv_setup),
		cmocka_unit_test_setup(test_mtrr_def_type_illegal_type, fake_pv_setup),
		cmocka_unit_test_setup(test_mtrr_cap_read_only, fake_pv_setup),
		cmocka_unit_test_setup(test_tsc_forwarded, fake_pv_setup),
		cmocka_unit_test_setup(test_tsc_gp_answer, fake_pv_setup),
		cmocka_unit_test_setup(test_unknown_msr, fake_pv_setup),
		cmocka_unit_test_setup(test_zero_msrs, fake_pv_setup),
		cmocka_unit_test_setup(test_dispatch_ok, fake_pv_setup),
		cmocka_unit_test_setup(test_dispatch_exception, fake_pv_setup),
		cmocka_unit_test_setup(test_dispatch_event_pending, fake_pv_setup),
		cmocka_unit_test_setup(test_dispatch_unknown_exit, fake_pv_setup),
		cmocka_unit_test_setup(test_dispatch_shutdown, fake_pv_setup),
		cmocka_unit_test_setup(test_dispatch_counts, fake_pv_setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
