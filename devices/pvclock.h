/* SPDX-License-Identifier: MIT */
/*
 * The arithmetic of the paravirtual clock (protocol/pvclock.h): the scale
 * that turns TSC ticks into nanoseconds, and the time records the guest
 * reads.  The paravisor keeps its own time with the same scale, so its
 * clock and the guest's kvmclock are one clock by construction.
 */
#ifndef DEVICES_PVCLOCK_H
#define DEVICES_PVCLOCK_H

#include <stdbool.h>
#include <stdint.h>

#include <pvclock_abi.h>

#define NSEC_PER_SEC 1000000000ull

/** ns = ((ticks << shift, or >> -shift) * mul) >> 32 */
struct pvclock_scale {
	uint32_t mul;
	int8_t shift;
};

/** The scale for a TSC of hz (1 kHz .. 2^40 Hz), with mul in [2^31, 2^32)
 * so that it keeps 31 significant bits.  False for a rate outside that. */
bool pvclock_scale_for(uint64_t hz, struct pvclock_scale *s);

/** What the guest computes from a scale (msr.rst), without overflow for
 * any delta below 2^63 >> max(shift, 0). */
uint64_t pvclock_scale_ticks(uint64_t ticks, struct pvclock_scale s);

/** The TSC kHz a guest derives from a scale, as Linux's pvclock_tsc_khz()
 * does: (10^6 << 32) / mul, then shifted back. */
uint64_t pvclock_khz_of(struct pvclock_scale s);

/** A consistent time record: the version is left even (a writer that
 * another vCPU may observe first makes it odd, see pvclock_publish). */
void pvclock_vcpu_record(struct pvclock_vcpu_time_info *t, uint64_t tsc, uint64_t ns,
			 struct pvclock_scale s, bool tsc_stable);

/** Writes a record to where the guest reads it: version odd, fields,
 * version even again (msr.rst: the guest retries on an odd or changed
 * version). */
void pvclock_publish(volatile struct pvclock_vcpu_time_info *dst,
		     const struct pvclock_vcpu_time_info *src);

/** The wall clock at system time 0, written the same way. */
void pvclock_publish_wall(volatile struct pvclock_wall_clock *dst, uint64_t boot_unix_ns);

#endif
