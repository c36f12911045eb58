/* SPDX-License-Identifier: MIT */
#include "pvclock.h"

#define MUL_MIN (1ull << 31)

bool pvclock_scale_for(uint64_t hz, struct pvclock_scale *s)
{
	if (hz < 1000 || hz > (1ull << 40))
		return false;
	/* mul = floor(10^9 * 2^k / hz) for the smallest k that gives 31
     * significant bits, by long division one bit of k at a time (no
     * 128-bit division in the freestanding build); shift = 32 - k. */
	uint64_t q = NSEC_PER_SEC / hz, r = NSEC_PER_SEC % hz;
	int k = 0;
	while (q < MUL_MIN) {
		r <<= 1;
		q <<= 1;
		if (r >= hz) {
			r -= hz;
			q |= 1;
		}
		k++;
	}
	s->mul = (uint32_t)q;
	s->shift = (int8_t)(32 - k);
	return true;
}

uint64_t pvclock_scale_ticks(uint64_t ticks, struct pvclock_scale s)
{
	if (s.shift < 0)
		ticks >>= -s.shift;
	else
		ticks <<= s.shift;
	return (uint64_t)(((unsigned __int128)ticks * s.mul) >> 32);
}

uint64_t pvclock_khz_of(struct pvclock_scale s)
{
	uint64_t khz = (1000000ull << 32) / s.mul;
	return s.shift < 0 ? khz << -s.shift : khz >> s.shift;
}

void pvclock_vcpu_record(struct pvclock_vcpu_time_info *t, uint64_t tsc, uint64_t ns,
			 struct pvclock_scale s, bool tsc_stable)
{
	*t = (struct pvclock_vcpu_time_info){
		.tsc_timestamp = tsc,
		.system_time = ns,
		.tsc_to_system_mul = s.mul,
		.tsc_shift = s.shift,
		.flags = tsc_stable ? PVCLOCK_TSC_STABLE_BIT : 0,
	};
}

#define COMPILER_BARRIER() __asm__ volatile("" ::: "memory")

/* x86 keeps stores in order: compiler barriers are enough between the
 * version and the fields. */
static uint32_t begin_update(volatile uint32_t *version)
{
	uint32_t odd = *version | 1;
	if (odd == *version) /* an odd version left behind: move past it */
		odd += 2;
	*version = odd;
	COMPILER_BARRIER();
	return odd;
}

static void end_update(volatile uint32_t *version, uint32_t odd)
{
	COMPILER_BARRIER();
	*version = odd + 1;
}

void pvclock_publish(volatile struct pvclock_vcpu_time_info *dst,
		     const struct pvclock_vcpu_time_info *src)
{
	uint32_t odd = begin_update(&dst->version);
	dst->pad0 = 0;
	dst->tsc_timestamp = src->tsc_timestamp;
	dst->system_time = src->system_time;
	dst->tsc_to_system_mul = src->tsc_to_system_mul;
	dst->tsc_shift = src->tsc_shift;
	dst->flags = src->flags;
	dst->pad[0] = dst->pad[1] = 0;
	end_update(&dst->version, odd);
}

void pvclock_publish_wall(volatile struct pvclock_wall_clock *dst, uint64_t boot_unix_ns)
{
	uint32_t odd = begin_update(&dst->version);
	dst->sec = (uint32_t)(boot_unix_ns / NSEC_PER_SEC);
	dst->nsec = (uint32_t)(boot_unix_ns % NSEC_PER_SEC);
	end_update(&dst->version, odd);
}
