/* SPDX-License-Identifier: MIT */
/*
 * The ACPI power management timer as the paravisor answers it (ACPI 6.4
 * §4.8.3.3 "Power Management Timer (PM_TMR)"; ICH9 datasheet 316972,
 * "PM1_TMR - Power Management 1 Timer Register" at PMBASE + 08h): a
 * free-running counter at 3.579545 MHz, read-only, 24 bits wide on QEMU's
 * q35 and i440FX (the FADT's TMR_VAL_EXT is clear there), bits 31:24 reading 0.
 *
 * Firmware and kernels poll it in their delay loops, one exit per read.
 * Its value is a function of time only, so the paravisor answers it from
 * the TSC: the device is read once to anchor the count, and afterwards
 * count = anchor + elapsed TSC ticks * 3579545 / TSC Hz (mod 2^24).  The
 * guest sees the same rate and phase as the device's, up to the TSC
 * calibration's error (core/clock.h), and a counter that never goes back
 * (reads are serialized by the caller, and the TSCs of the vCPUs agree).
 */
#ifndef DEVICES_PM_TIMER_H
#define DEVICES_PM_TIMER_H

#include <stdbool.h>
#include <stdint.h>

#define PM_TMR_OFFSET 8	      /* from the PM base */
#define PM_TMR_HZ     3579545 /* ACPI 6.4 §4.8.3.3 */
#define PM_TMR_MASK   0xFFFFFFu

struct pm_timer {
	uint64_t tsc_hz;   /* the TSC's rate; 0: not anchored */
	uint64_t tsc;	   /* the TSC at the anchor */
	uint64_t last_tsc; /* the latest TSC read from (the count never goes back) */
	uint32_t count;	   /* the device's count at the anchor */
};

/** Anchors t at the device's reading val taken at tsc.  False (t stays
 * unanchored) if val is not a 24-bit count, e.g. all ones from a PM block
 * that is not decoded yet, or if tsc_hz is 0. */
bool pm_timer_anchor(struct pm_timer *t, uint64_t tsc, uint32_t val, uint64_t tsc_hz);
static inline bool pm_timer_anchored(const struct pm_timer *t)
{
	return t->tsc_hz != 0;
}
/** Forgets the anchor (the PM block moved). */
static inline void pm_timer_reset(struct pm_timer *t)
{
	*t = (struct pm_timer){ 0 };
}
/** The count at tsc (t anchored). */
uint32_t pm_timer_read(struct pm_timer *t, uint64_t tsc);

#endif
