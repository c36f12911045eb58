/* SPDX-License-Identifier: MIT */
/*
 * TSC calibration against PIT channel 2 (Intel 8254 datasheet: counter
 * latch command, mode 2, port 0x61 bit 0 gates channel 2), and the RTC.
 *
 * Every port access is a GHCB round trip of unknown length, so no single
 * read tells when it happened.  Each sample brackets the counter-latch
 * command between two TSC reads; the rate comes from the first and last
 * samples of a window, and its error bound from their two brackets.  The
 * window is 100 ms, longer where round trips are slow, until the bound is
 * 500 ppm (at most 2 s).  Samples in between only count the counter's
 * wraps, and must come at least once per half period (27 ms) for that.
 */
#include "core/clock.h"
#include "core/ghcb_call.h"
#include "core/hw.h"

#include "devices/cmos.h"

#include <lib/string.h>

#define PIT_HZ		 1193182ULL
#define PIT_CH2		 0x42
#define PIT_CMD		 0x43
#define PORT_B		 0x61
#define PORT_B_GATE2	 0x01
#define PORT_B_SPEAKER	 0x02
#define PIT_CMD_LATCH2	 0x80 /* SC=2, RW=0: latch channel 2 */
#define PIT_CMD_MODE2	 0xB4 /* SC=2, RW=lo/hi, mode 2, binary */
#define WINDOW_TICKS	 (PIT_HZ / 10)
#define MAX_WINDOW_TICKS (PIT_HZ * 2)
#define TARGET_PPM	 500
#define MAX_GAP_TICKS	 0x8000 /* half the period: a wrap is still unambiguous */
#define GOOD_PPM	 1000
#define ATTEMPTS	 4
#define TIMEOUT_TSC	 (1ULL << 36) /* > 10 s at any plausible rate */

struct pv_clock pv_clock;

static uint8_t in8(uint16_t port)
{
	uint32_t v = 0;
	ghcb_ioio(port, 1, true, &v, NULL);
	return (uint8_t)v;
}

static void out8(uint16_t port, uint8_t val)
{
	uint32_t v = val;
	ghcb_ioio(port, 1, false, &v, NULL);
}

struct pit_sample {
	uint64_t tsc;	/* middle of the bracket */
	uint64_t width; /* TSC ticks the latch command may have taken */
	uint16_t count;
};

static struct pit_sample pit_sample(void)
{
	uint64_t t0 = hw_rdtsc();
	out8(PIT_CMD, PIT_CMD_LATCH2);
	uint64_t t1 = hw_rdtsc();
	uint8_t lo = in8(PIT_CH2);
	uint8_t hi = in8(PIT_CH2);
	return (struct pit_sample){ .tsc = t0 + (t1 - t0) / 2,
				    .width = t1 - t0,
				    .count = (uint16_t)(lo | hi << 8) };
}

struct calibration {
	uint64_t hz;
	uint64_t error_ppm;
	bool gaps_ok;
};

static struct calibration calibrate_once(void)
{
	out8(PORT_B, (uint8_t)((in8(PORT_B) & ~PORT_B_SPEAKER) | PORT_B_GATE2));
	out8(PIT_CMD, PIT_CMD_MODE2);
	out8(PIT_CH2, 0); /* 0 = 65536: the longest period */
	out8(PIT_CH2, 0);
	struct pit_sample first = pit_sample(), prev = first, cur = first;
	uint64_t ticks = 0, max_gap_tsc = 0;
	while (ticks < WINDOW_TICKS ||
	       (ticks < MAX_WINDOW_TICKS &&
		(first.width + cur.width) / 2 * 1000000 > TARGET_PPM * (cur.tsc - first.tsc))) {
		cur = pit_sample();
		ticks += (uint16_t)(prev.count - cur.count);
		max_gap_tsc = MAX(max_gap_tsc, cur.tsc - prev.tsc);
		prev = cur;
		if (cur.tsc - first.tsc > TIMEOUT_TSC)
			pv_terminate(PV_TERM_HV_ERROR, "PIT channel 2 does not count (%lu ticks)",
				     (unsigned long)ticks);
	}
	uint64_t dt = cur.tsc - first.tsc;
	struct calibration c = { .hz = dt * PIT_HZ / ticks };
	if (!c.hz)
		pv_terminate(PV_TERM_HV_ERROR, "the TSC does not advance");
	c.error_ppm = (first.width + cur.width) / 2 * 1000000 / dt;
	c.gaps_ok = max_gap_tsc * PIT_HZ / c.hz < MAX_GAP_TICKS;
	return c;
}

static void calibrate(void)
{
	struct calibration best = { 0 };
	for (int i = 0; i < ATTEMPTS; i++) {
		struct calibration c = calibrate_once();
		if (!c.gaps_ok)
			continue;
		if (!best.hz || c.error_ppm < best.error_ppm)
			best = c;
		if (best.error_ppm <= GOOD_PPM)
			break;
	}
	if (!best.hz)
		pv_terminate(PV_TERM_HV_ERROR, "TSC calibration: PIT reads more than 27 ms apart");
	if (!pvclock_scale_for(best.hz, &pv_clock.scale))
		pv_terminate(PV_TERM_HV_ERROR, "TSC rate %lu Hz out of range",
			     (unsigned long)best.hz);
	pv_clock.tsc_hz = best.hz;
	pv_clock.error_ppm = (uint32_t)best.error_ppm;
	if (best.error_ppm > GOOD_PPM)
		pv_notice("TSC calibration error up to %lu ppm", (unsigned long)best.error_ppm);
}

static uint8_t cmos_read(uint8_t reg)
{
	out8(CMOS_PORT_INDEX, reg);
	return in8(CMOS_PORT_DATA);
}

static void cmos_read_rtc(struct cmos_rtc *r)
{
	*r = (struct cmos_rtc){
		.sec = cmos_read(RTC_REG_SECONDS),
		.min = cmos_read(RTC_REG_MINUTES),
		.hour = cmos_read(RTC_REG_HOURS),
		.mday = cmos_read(RTC_REG_MDAY),
		.mon = cmos_read(RTC_REG_MONTH),
		.year = cmos_read(RTC_REG_YEAR),
		.century = cmos_read(RTC_REG_CENTURY),
		.reg_b = cmos_read(RTC_REG_B),
	};
}

/** The wall clock at ns 0: two equal reads outside an update, minus the
 * time since calibration.  The RTC counts whole seconds. */
static void read_wall_clock(void)
{
	for (int tries = 0; tries < 100; tries++) {
		struct cmos_rtc a, b;
		if (cmos_read(RTC_REG_A) & RTC_A_UIP)
			continue;
		cmos_read_rtc(&a);
		uint64_t tsc = hw_rdtsc();
		cmos_read_rtc(&b);
		uint64_t sec;
		if (memcmp(&a, &b, sizeof(a)))
			continue;
		if (!cmos_rtc_to_unix(&a, &sec))
			break;
		pv_clock.boot_unix_ns = sec * NSEC_PER_SEC -
					MIN(sec * NSEC_PER_SEC, clock_ns_at(tsc));
		return;
	}
	pv_notice("RTC unreadable: the guest's kvmclock wall time starts at 1970");
}

void clock_init(void)
{
	pv_clock.tsc0 = hw_rdtsc();
	calibrate();
	read_wall_clock();
	pv_info("TSC %lu kHz (within %u ppm, against PIT channel 2); RTC %lu s since 1970",
		(unsigned long)clock_tsc_khz(), pv_clock.error_ppm,
		(unsigned long)(pv_clock.boot_unix_ns / NSEC_PER_SEC));
}

uint64_t clock_ns_at(uint64_t tsc)
{
	return pvclock_scale_ticks(tsc - pv_clock.tsc0, pv_clock.scale);
}

uint64_t clock_ns(void)
{
	return clock_ns_at(hw_rdtsc());
}

uint64_t clock_ticks_in(uint64_t ns)
{
	uint64_t hz = pv_clock.tsc_hz;
	return ns / NSEC_PER_SEC * hz + ns % NSEC_PER_SEC * (hz / 1000) / 1000000;
}

uint64_t clock_tsc_khz(void)
{
	return (pv_clock.tsc_hz + 500) / 1000;
}
