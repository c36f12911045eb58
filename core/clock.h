/* SPDX-License-Identifier: MIT */
/*
 * The paravisor's clock: the TSC, its rate calibrated once at boot against
 * the platform's PIT, and the wall time read from the RTC.  The guest's
 * software APIC timer and its kvmclock (vc/kvmclock.c) both run on it.
 * On a host with Secure TSC the rate would come from the PSP instead; this
 * one, like every PIT and RTC, is the hypervisor's word.
 */
#ifndef PV_CLOCK_H
#define PV_CLOCK_H

#include "core/pv.h"

#include "devices/pvclock.h"

struct pv_clock {
	uint64_t tsc_hz;	    /* [I] */
	uint64_t tsc0;		    /* [I] the TSC at ns 0 (calibration) */
	struct pvclock_scale scale; /* [I] TSC ticks -> ns */
	uint64_t boot_unix_ns;	    /* [I] wall clock at ns 0; 0 if the RTC was unreadable */
	uint32_t error_ppm;	    /* [I] the calibration's worst-case error */
};

extern struct pv_clock pv_clock;

/** Calibrates the TSC and reads the RTC (before the guest runs: the PIT's
 * channel 2 and the CMOS index are used without the guest's knowledge). */
void clock_init(void);
/** Nanoseconds since clock_init at this TSC value. */
uint64_t clock_ns_at(uint64_t tsc);
uint64_t clock_ns(void);
/** TSC ticks in a duration of ns. */
uint64_t clock_ticks_in(uint64_t ns);
uint64_t clock_tsc_khz(void);

#endif
