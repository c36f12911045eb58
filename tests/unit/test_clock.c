/* SPDX-License-Identifier: MIT */
/*
 * The paravisor's clock and the kvmclock it serves: devices/pvclock.c's
 * scale against exact arithmetic and against what a guest derives from it
 * (Linux pvclock_tsc_khz), the RTC decoding of devices/cmos.c, core/clock.c
 * calibrating against fake_hw's PIT under slow port accesses, and
 * vc/kvmclock.c through vc_dispatch (CPUID leaves and MSRs).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "fake_hw.h"
#include "fake_pv.h"
#include "platform/apic.h"

#include "core/clock.h"
#include "run/irq.h"
#include "devices/cmos.h"
#include "devices/pvclock.h"

#include <svm.h>
#include <vmsa.h>

#define GP_EVENT SVM_EVT_MAKE(13, SVM_EVT_TYPE_EXCEPTION, true, 0)

static struct sev_vmsa *const a = &fake_guest.vmsa;

/* ---- devices/pvclock.c -------------------------------------------------- */

static const uint64_t rates[] = {
	1000,	    1193182,	   3579545,	  100000000,	 999999999,	1000000000,
	1000000001, 2500000000ULL, 2800000000ULL, 3999999999ULL, 5000000000ULL, 1ULL << 40,
};

/** |a - b| <= tol */
static void assert_near(uint64_t x, uint64_t y, uint64_t tol)
{
	uint64_t d = x > y ? x - y : y - x;
	if (d > tol)
		fail_msg("%llu vs %llu: off by %llu (> %llu)", (unsigned long long)x,
			 (unsigned long long)y, (unsigned long long)d, (unsigned long long)tol);
}

static void test_scale_exact(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(rates) / sizeof(rates[0]); i++) {
		struct pvclock_scale s;
		uint64_t hz = rates[i];
		assert_true(pvclock_scale_for(hz, &s));
		assert_true(s.mul >= (1u << 31)); /* 31 significant bits */
		/* one second and one hour of ticks: within 1 ppm (+ 1 ns) */
		assert_near(pvclock_scale_ticks(hz, s), NSEC_PER_SEC, 1001);
		assert_near(pvclock_scale_ticks(hz * 3600, s), 3600 * NSEC_PER_SEC,
			    3600 * 1000 + 1);
		/* the rate the guest reads back: Linux's pvclock_tsc_khz() */
		assert_near(pvclock_khz_of(s), hz / 1000, hz / 1000000000 + 1);
	}
}

static void test_scale_rejects(void **state)
{
	(void)state;
	struct pvclock_scale s;
	assert_false(pvclock_scale_for(0, &s));
	assert_false(pvclock_scale_for(999, &s));
	assert_false(pvclock_scale_for((1ULL << 40) + 1, &s));
}

static void test_publish_versions(void **state)
{
	(void)state;
	struct pvclock_scale s;
	assert_true(pvclock_scale_for(2800000000ULL, &s));
	struct pvclock_vcpu_time_info rec, dst;
	memset(&dst, 0xEE, sizeof(dst));
	dst.version = 0;
	pvclock_vcpu_record(&rec, 1234, 5678, s, true);
	pvclock_publish(&dst, &rec);
	assert_int_equal(dst.version, 2);
	assert_int_equal(dst.pad0, 0);
	assert_int_equal(dst.tsc_timestamp, 1234);
	assert_int_equal(dst.system_time, 5678);
	assert_int_equal(dst.tsc_to_system_mul, s.mul);
	assert_int_equal(dst.tsc_shift, s.shift);
	assert_int_equal(dst.flags, PVCLOCK_TSC_STABLE_BIT);
	assert_int_equal(dst.pad[0] | dst.pad[1], 0);
	dst.version = 7; /* a torn record left behind */
	pvclock_publish(&dst, &rec);
	assert_int_equal(dst.version, 10);

	struct pvclock_wall_clock w = { .version = 4 };
	pvclock_publish_wall(&w, 1795326868ULL * NSEC_PER_SEC + 250);
	assert_int_equal(w.version, 6);
	assert_int_equal(w.sec, 1795326868u);
	assert_int_equal(w.nsec, 250);
}

/* ---- devices/cmos.c: the RTC -------------------------------------------- */

static void test_rtc_decoding(void **state)
{
	(void)state;
	uint64_t t;
	/* 2026-11-22 05:54:28, BCD, 24-hour */
	struct cmos_rtc r = { 0x28, 0x54, 0x05, 0x22, 0x11, 0x26, 0x20, RTC_B_24H };
	assert_true(cmos_rtc_to_unix(&r, &t));
	assert_int_equal(t, 1795326868ULL);
	/* the same in binary */
	r = (struct cmos_rtc){ 28, 54, 5, 22, 11, 26, 20, RTC_B_24H | RTC_B_BINARY };
	assert_true(cmos_rtc_to_unix(&r, &t));
	assert_int_equal(t, 1795326868ULL);
	/* 12-hour mode: 5 AM, and 12 PM is noon */
	r = (struct cmos_rtc){ 0x28, 0x54, 0x05, 0x22, 0x11, 0x26, 0x20, 0 };
	assert_true(cmos_rtc_to_unix(&r, &t));
	assert_int_equal(t, 1795326868ULL);
	r = (struct cmos_rtc){ 0x00, 0x00, 0x12 | RTC_HOUR_PM, 0x31, 0x12, 0x99, 0x19, 0 };
	assert_true(cmos_rtc_to_unix(&r, &t));
	assert_int_equal(t, 946641600ULL);
	/* a leap day, and a century byte that means nothing */
	r = (struct cmos_rtc){ 0x59, 0x59, 0x23, 0x29, 0x02, 0x24, 0x00, RTC_B_24H };
	assert_true(cmos_rtc_to_unix(&r, &t));
	assert_int_equal(t, 1709251199ULL);
	/* out of range: 29 February 2023, BCD 0x1A, hour 24, month 13 */
	r = (struct cmos_rtc){ 0, 0, 0, 0x29, 0x02, 0x23, 0x20, RTC_B_24H };
	assert_false(cmos_rtc_to_unix(&r, &t));
	r = (struct cmos_rtc){ 0x1A, 0, 0, 1, 1, 0x26, 0x20, RTC_B_24H };
	assert_false(cmos_rtc_to_unix(&r, &t));
	r = (struct cmos_rtc){ 0, 0, 0x24, 1, 1, 0x26, 0x20, RTC_B_24H };
	assert_false(cmos_rtc_to_unix(&r, &t));
	r = (struct cmos_rtc){ 0, 0, 0, 1, 0x13, 0x26, 0x20, RTC_B_24H };
	assert_false(cmos_rtc_to_unix(&r, &t));
}

/* ---- core/clock.c against fake_hw's PIT --------------------------------- */

static void set_rtc(void)
{
	const uint8_t regs[][2] = {
		{ RTC_REG_SECONDS, 0x28 }, { RTC_REG_MINUTES, 0x54 }, { RTC_REG_HOURS, 0x05 },
		{ RTC_REG_MDAY, 0x22 },	   { RTC_REG_MONTH, 0x11 },   { RTC_REG_YEAR, 0x26 },
		{ RTC_REG_CENTURY, 0x20 }, { RTC_REG_A, 0x26 },	      { RTC_REG_B, RTC_B_24H },
	};
	for (size_t i = 0; i < sizeof(regs) / sizeof(regs[0]); i++)
		fake_hv.cmos[regs[i][0]] = regs[i][1];
}

/** A platform whose TSC runs at hz and whose port accesses take io_cost
 * ticks each (fake_pv_boot() resets FAKE_EXPECT_TERM's catcher: call it
 * outside). */
static void platform_at(uint64_t hz, uint64_t io_cost, uint64_t start_tsc)
{
	fake_pv_boot();
	fake_hv.pit = true;
	fake_hv.tsc_hz = hz;
	fake_hv.io_cost = io_cost;
	fake_hv.now_tsc = start_tsc;
	set_rtc();
	memset(&pv_clock, 0, sizeof(pv_clock));
}

static void test_calibration(void **state)
{
	(void)state;
	/* round trips of 2 us, 40 us and 1 ms (a slow emulator: the window
	 * grows until the bound is met) */
	const uint64_t hz[] = { 2500000000ULL, 2800000000ULL, 3700000000ULL };
	const uint64_t us[] = { 2, 40, 1000 };
	for (size_t i = 0; i < 3; i++) {
		platform_at(hz[i], hz[i] / 1000000 * us[i], 1ULL << 40);
		clock_init();
		/* the bound the calibration claims holds, and is 500 ppm */
		assert_true(pv_clock.error_ppm <= 500);
		assert_near(pv_clock.tsc_hz, hz[i], hz[i] / 1000000 * (pv_clock.error_ppm + 2));
		assert_near(clock_tsc_khz(), hz[i] / 1000, hz[i] / 1000000 * 2 + 1);
		/* the wall clock at ns 0 is the RTC's time minus the time
		 * since calibration (the fake RTC stands still) */
		uint64_t wall_now = pv_clock.boot_unix_ns + clock_ns();
		assert_true(wall_now >= 1795326868ULL * NSEC_PER_SEC);
		assert_true(wall_now < 1795326868ULL * NSEC_PER_SEC + NSEC_PER_SEC / 10);
		/* the clock runs from calibration, in ns */
		assert_near(clock_ns_at(pv_clock.tsc0 + hz[i]), NSEC_PER_SEC,
			    1000 * (pv_clock.error_ppm + 2));
		assert_near(clock_ticks_in(NSEC_PER_SEC), pv_clock.tsc_hz, 1);
	}
}

static void test_calibration_refuses_gaps(void **state)
{
	(void)state;
	/* 30 ms per port access: the PIT wraps unseen between reads */
	platform_at(2500000000ULL, 75000000ULL, 0);
	FAKE_EXPECT_TERM(PV_TERM_HV_ERROR, clock_init());
	assert_non_null(strstr(fake_pv.term_msg, "27 ms"));
	/* a PIT that does not count */
	platform_at(2500000000ULL, 100000000ULL, 0);
	fake_hv.pit_hz = 0;
	FAKE_EXPECT_TERM(PV_TERM_HV_ERROR, clock_init());
	assert_non_null(strstr(fake_pv.term_msg, "does not count"));
}

static void test_rtc_unreadable(void **state)
{
	(void)state;
	fake_pv_boot();
	fake_hv.pit = true;
	fake_hv.cmos[RTC_REG_MONTH] = 0x13;
	fake_hv.cmos[RTC_REG_B] = RTC_B_24H;
	memset(&pv_clock, 0, sizeof(pv_clock));
	clock_init();
	assert_int_equal(pv_clock.boot_unix_ns, 0);
	assert_true(fake_pv_log_has("RTC unreadable"));
}

/* ---- vc/kvmclock.c through vc_dispatch ----------------------------------- */

#define CLOCK_HZ 2800000000ULL
#define REC_GPA	 0x123440ULL

static int kvmclock_setup(void **state)
{
	(void)state;
	fake_pv_boot();
	memset(&pv_clock, 0, sizeof(pv_clock));
	pv_clock.tsc_hz = CLOCK_HZ;
	pv_clock.tsc0 = 1000;
	pv_clock.boot_unix_ns = 1795326868ULL * NSEC_PER_SEC;
	assert_true(pvclock_scale_for(CLOCK_HZ, &pv_clock.scale));
	fake_hv.now_tsc = 1000 + 5 * CLOCK_HZ; /* 5 s after calibration */
	return 0;
}

static void cpuid(uint32_t leaf)
{
	a->rip = FAKE_GUEST_RIP;
	a->rax = leaf;
	a->rcx = 0;
	vc_dispatch(fake_guest_exit(SVM_EXIT_CPUID, 0, 0, 2));
	assert_int_equal(a->rip, FAKE_GUEST_RIP + 2);
}

static void msr(uint32_t index, bool write, uint64_t val)
{
	a->rip = FAKE_GUEST_RIP;
	a->rcx = index;
	a->rax = (uint32_t)val;
	a->rdx = val >> 32;
	vc_dispatch(fake_guest_exit(SVM_EXIT_MSR, write, 0, 2));
}

static void test_hypervisor_leaves(void **state)
{
	(void)state;
	cpuid(KVM_CPUID_SIGNATURE);
	assert_int_equal(a->rax, KVM_CPUID_TIMING_INFO);
	char sig[13] = { 0 };
	memcpy(sig, &a->rbx, 4);
	memcpy(sig + 4, &a->rcx, 4);
	memcpy(sig + 8, &a->rdx, 4);
	assert_string_equal(sig, "KVMKVMKVM");
	cpuid(KVM_CPUID_FEATURES);
	assert_int_equal(a->rax, (1u << KVM_FEATURE_CLOCKSOURCE2) |
					 (1u << KVM_FEATURE_NOP_IO_DELAY) |
					 (1u << KVM_FEATURE_CLOCKSOURCE_STABLE_BIT));
	assert_int_equal(a->rdx, 0); /* no hints */
	cpuid(KVM_CPUID_TIMING_INFO);
	assert_int_equal(a->rax, CLOCK_HZ / 1000);
	assert_int_equal(a->rbx, 1000000); /* the APIC bus, kHz */
	cpuid(0x40000100);		   /* no second interface */
	assert_int_equal(a->rax | a->rbx | a->rcx | a->rdx, 0);
	/* the host's interface never shows: nothing reached the hypervisor */
	assert_int_equal(fake_hv.exit_count, 0);
}

static void test_system_time(void **state)
{
	(void)state;
	struct pvclock_vcpu_time_info *t = fake_mem(REC_GPA);
	msr(MSR_KVM_SYSTEM_TIME_NEW, true, REC_GPA | KVM_SYSTEM_TIME_ENABLE);
	assert_int_equal(a->event_inj, 0);
	assert_int_equal(t->version, 2);
	assert_int_equal(t->tsc_to_system_mul, pv_clock.scale.mul);
	assert_int_equal(t->tsc_shift, pv_clock.scale.shift);
	assert_int_equal(t->flags, PVCLOCK_TSC_STABLE_BIT);
	/* the record says what the paravisor's clock says */
	assert_near(t->system_time, clock_ns_at(t->tsc_timestamp), 0);
	assert_near(t->system_time, 5 * NSEC_PER_SEC, 1000);
	/* a guest reading 2 s later */
	uint64_t later = t->tsc_timestamp + 2 * CLOCK_HZ;
	assert_near(t->system_time +
			    pvclock_scale_ticks(
				    later - t->tsc_timestamp,
				    (struct pvclock_scale){ t->tsc_to_system_mul, t->tsc_shift }),
		    7 * NSEC_PER_SEC, 1000);
	msr(MSR_KVM_SYSTEM_TIME_NEW, false, 0);
	assert_int_equal(a->rax, (uint32_t)(REC_GPA | 1));
	/* disabled: the record is left alone */
	t->version = 0;
	msr(MSR_KVM_SYSTEM_TIME_NEW, true, REC_GPA);
	assert_int_equal(t->version, 0);
	msr(MSR_KVM_SYSTEM_TIME_NEW, false, 0);
	assert_int_equal(a->rax, (uint32_t)REC_GPA);
}

static void test_wall_clock(void **state)
{
	(void)state;
	struct pvclock_wall_clock *w = fake_mem(REC_GPA);
	msr(MSR_KVM_WALL_CLOCK_NEW, true, REC_GPA);
	assert_int_equal(a->event_inj, 0);
	assert_int_equal(w->version, 2);
	assert_int_equal(w->sec, 1795326868u);
	assert_int_equal(w->nsec, 0);
	msr(MSR_KVM_WALL_CLOCK_NEW, false, 0);
	assert_int_equal(a->rax, (uint32_t)REC_GPA);
}

/** A guest with RAM above 4 GiB may register its records there (Linux
 * allocates its per-CPU clock pages wherever memory is free). */
static void test_records_in_high_ram(void **state)
{
	(void)state;
	const uint64_t gpa = (5ULL << 30) + 0x40;
	fake_pv_high_ram(6ULL << 30);
	struct pvclock_vcpu_time_info *t = fake_mem(gpa);
	struct pvclock_wall_clock *w = fake_mem(gpa + 0x100);
	msr(MSR_KVM_SYSTEM_TIME_NEW, true, gpa | KVM_SYSTEM_TIME_ENABLE);
	msr(MSR_KVM_WALL_CLOCK_NEW, true, gpa + 0x100);
	assert_int_equal(a->event_inj, 0);
	assert_int_equal(t->version, 2);
	assert_int_equal(t->tsc_to_system_mul, pv_clock.scale.mul);
	assert_int_equal(w->version, 2);
	/* past the end of that RAM: refused as before */
	msr(MSR_KVM_SYSTEM_TIME_NEW, true, (6ULL << 30) | 1);
	assert_int_equal(((struct pvclock_vcpu_time_info *)fake_mem(6ULL << 30))->version, 0);
}

static void test_records_only_in_guest_ram(void **state)
{
	(void)state;
	uint8_t *pv = fake_mem(FAKE_PV_BASE + 0x40);
	msr(MSR_KVM_SYSTEM_TIME_NEW, true, (FAKE_PV_BASE + 0x40) | 1);
	assert_int_equal(a->event_inj, 0); /* accepted, as KVM does */
	for (int i = 0; i < 32; i++)
		assert_int_equal(pv[i], 0); /* paravisor memory untouched */
	assert_true(fake_pv_log_has("not guest RAM"));
	/* across a page boundary, in MMIO space, above 4 GiB */
	uint8_t *edge = fake_mem(0x200FF0);
	msr(MSR_KVM_SYSTEM_TIME_NEW, true, 0x200FF0 | 1);
	for (int i = 0; i < 16; i++)
		assert_int_equal(edge[i], 0);
	msr(MSR_KVM_WALL_CLOCK_NEW, true, 0xFEC00000ULL);
	msr(MSR_KVM_SYSTEM_TIME_NEW, true, (5ULL << 30) | 1);
	assert_int_equal(a->event_inj, 0);
	assert_int_equal(fake_hv.exit_count, 0);
}

static void test_other_kvm_msrs_gp(void **state)
{
	(void)state;
	const uint32_t others[] = { 0x11, 0x12, 0x4B564D02, 0x4B564D03, 0x4B564D04, 0x4B564DFF };
	for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
		msr(others[i], true, REC_GPA | 1);
		assert_int_equal(a->event_inj, GP_EVENT);
		assert_int_equal(a->rip, FAKE_GUEST_RIP);
		a->event_inj = 0;
	}
	assert_int_equal(fake_hv.exit_count, 0);
}

/* ---- vc/apic.c: the guest's timer carried by the real one --------------- */

#define X2APIC_EOI     0x80B
#define X2APIC_LVT_TMR 0x832
#define X2APIC_TMICT   0x838
#define X2APIC_TDCR    0x83E
#define TIMER_VECTOR   0xEC

static size_t host_writes(uint32_t index)
{
	size_t n = 0;
	for (size_t i = 0; i < fake_hv.msr_write_count; i++)
		n += fake_hv.msr_writes[i].msr == index;
	return n;
}

static uint64_t last_host_write(uint32_t index)
{
	for (size_t i = fake_hv.msr_write_count; i-- > 0;)
		if (fake_hv.msr_writes[i].msr == index)
			return fake_hv.msr_writes[i].value;
	fail_msg("no host write to MSR %#x", index);
	return 0;
}

/** The real timer fires a little early (it runs on the host's clock, ours
 * is the calibrated TSC): nothing for the guest yet, the host vector is
 * ended at once and the real timer is armed again; when the guest's timer
 * is due, the guest gets its vector, and its EOI stays in its own APIC. */
static void test_guest_timer_on_real_timer(void **state)
{
	(void)state;
	struct vcpu *v = &fake_guest.vcpu;
	guest_apic_init(v);
	msr(0x1B, false, 0); /* APIC base: x2APIC mode */
	msr(0x1B, true, ((a->rdx << 32) | (uint32_t)a->rax) | (1u << 10));
	assert_int_equal(a->event_inj, 0);
	msr(0x80F, true, 0x1FF);		 /* SVR: software enable */
	msr(X2APIC_TDCR, true, 0xB);		 /* divide by 1: 1 ns ticks */
	msr(X2APIC_LVT_TMR, true, TIMER_VECTOR); /* one-shot */
	msr(X2APIC_TMICT, true, 1000000);	 /* 1 ms */
	assert_int_equal(a->event_inj, 0);
	assert_near(last_host_write(X2APIC_TMICT), 1000000, 100);
	assert_int_equal(last_host_write(X2APIC_LVT_TMR), TIMER_VECTOR);
	size_t arms = host_writes(X2APIC_TMICT);

	fake_hv.now_tsc += CLOCK_HZ / 1000 - CLOCK_HZ / 100000; /* 10 us early */
	guest_apic_host_vector(v, TIMER_VECTOR);
	assert_int_equal(host_writes(X2APIC_EOI), 1);
	assert_int_equal(guest_apic_pending(v), -1);
	assert_int_equal(host_writes(X2APIC_TMICT), arms + 1);
	assert_near(last_host_write(X2APIC_TMICT), 10000, 100);

	fake_hv.now_tsc += CLOCK_HZ / 100000;
	guest_apic_host_vector(v, TIMER_VECTOR);
	assert_int_equal(host_writes(X2APIC_EOI), 2);
	assert_int_equal(guest_apic_pending(v), TIMER_VECTOR);
	guest_apic_accept(v, TIMER_VECTOR);
	msr(X2APIC_EOI, true, 0);
	assert_int_equal(a->event_inj, 0);
	assert_int_equal(host_writes(X2APIC_EOI), 2); /* not forwarded */

	/* a device's vector: the guest's EOI goes to the host */
	guest_apic_host_vector(v, 0x41);
	assert_int_equal(guest_apic_pending(v), 0x41);
	guest_apic_accept(v, 0x41);
	msr(X2APIC_EOI, true, 0);
	assert_int_equal(host_writes(X2APIC_EOI), 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scale_exact),
		cmocka_unit_test(test_scale_rejects),
		cmocka_unit_test(test_publish_versions),
		cmocka_unit_test(test_rtc_decoding),
		cmocka_unit_test(test_calibration),
		cmocka_unit_test(test_calibration_refuses_gaps),
		cmocka_unit_test(test_rtc_unreadable),
		cmocka_unit_test_setup(test_hypervisor_leaves, kvmclock_setup),
		cmocka_unit_test_setup(test_system_time, kvmclock_setup),
		cmocka_unit_test_setup(test_wall_clock, kvmclock_setup),
		cmocka_unit_test_setup(test_records_only_in_guest_ram, kvmclock_setup),
		cmocka_unit_test_setup(test_records_in_high_ram, kvmclock_setup),
		cmocka_unit_test_setup(test_other_kvm_msrs_gp, kvmclock_setup),
		cmocka_unit_test_setup(test_guest_timer_on_real_timer, kvmclock_setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
