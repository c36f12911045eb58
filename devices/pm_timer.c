/* SPDX-License-Identifier: MIT */
#include "pm_timer.h"

bool pm_timer_anchor(struct pm_timer *t, uint64_t tsc, uint32_t val, uint64_t tsc_hz)
{
	if ((val & ~PM_TMR_MASK) || !tsc_hz)
		return false;
	*t = (struct pm_timer){ .tsc_hz = tsc_hz, .tsc = tsc, .last_tsc = tsc, .count = val };
	return true;
}

uint32_t pm_timer_read(struct pm_timer *t, uint64_t tsc)
{
	if (tsc < t->last_tsc)
		tsc = t->last_tsc; /* another vCPU's TSC, a few ticks behind */
	t->last_tsc = tsc;
	/* whole seconds and the rest apart: no product passes 2^64 for any
	 * TSC rate below 2^44 Hz */
	uint64_t d = tsc - t->tsc;
	uint64_t ticks = (d / t->tsc_hz) * PM_TMR_HZ + (d % t->tsc_hz) * PM_TMR_HZ / t->tsc_hz;
	return (uint32_t)((t->count + ticks) & PM_TMR_MASK);
}
