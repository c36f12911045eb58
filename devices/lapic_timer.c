/* SPDX-License-Identifier: MIT */
/*
 * The software APIC's timer (SDM "APIC Timer"): one-shot and periodic
 * counts on the ns clock, TSC-deadline on the TSC.  Nothing ticks: the
 * current count is computed from ops->now_ns, and the next expiry is handed
 * to the real timer (VMPL0's x2APIC) through ops->timer_arm.  Every write
 * that changes the timer first delivers what was due under the old
 * settings (lapic_timer_update), then changes it, then re-arms
 * (lapic_timer_sync).  A masked timer keeps counting but is not armed; its
 * expiries are lost, as on hardware.
 */
#include "lapic_priv.h"

static enum lapic_timer_mode lapic_timer_mode(const struct lapic *l)
{
	return (enum lapic_timer_mode)LAPIC_LVT_TIMER_MODE(lapic_reg_get(l, LAPIC_REG_LVT_TIMER));
}

static bool lapic_timer_counting(const struct lapic *l)
{
	enum lapic_timer_mode m = lapic_timer_mode(l);
	return l->timer.running && (m == LAPIC_TIMER_ONESHOT || m == LAPIC_TIMER_PERIODIC);
}

/** SDM "Divide Configuration Register": bits 3 and 1:0 give 000 = /2,
 * 001 = /4, ... 110 = /128, 111 = /1. */
static uint64_t lapic_timer_tick_ns(const struct lapic *l)
{
	uint32_t dcr = lapic_reg_get(l, LAPIC_REG_TIMER_DCR);
	uint32_t code = (dcr & 3u) | ((dcr >> 1) & 4u);
	return (uint64_t)l->cfg.bus_ns << ((code + 1u) & 7u);
}

static uint64_t lapic_timer_due_ns(const struct lapic *l)
{
	return l->timer.start_ns + l->timer.start_count * l->timer.tick_ns;
}

/** The current count at now (0 once a one-shot count ran out). */
static uint64_t lapic_timer_count(const struct lapic *l, uint64_t now)
{
	const struct lapic_timer *t = &l->timer;
	uint64_t ticks = now > t->start_ns ? (now - t->start_ns) / t->tick_ns : 0;
	return ticks >= t->start_count ? 0 : t->start_count - ticks;
}

void lapic_timer_reset(struct lapic *l)
{
	l->timer.running = false;
	l->timer.deadline_tsc = 0;
}

/** Stop everything: a switch into or out of TSC-deadline mode disarms the
 * timer (SDM "TSC-Deadline Mode"). */
static void lapic_timer_stop(struct lapic *l)
{
	lapic_timer_reset(l);
	*lapic_reg(l, LAPIC_REG_TIMER_ICR) = 0;
}

/** An expiry.  The real timer is one-shot (ops->timer_arm), so it is no
 * longer armed. */
static void lapic_timer_fire(struct lapic *l)
{
	l->timer.armed = false;
	if (lapic_reg_get(l, LAPIC_REG_LVT_TIMER) & LAPIC_LVT_MASKED) {
		LAPIC_STAT(l, TIMER_MASKED);
		return;
	}
	LAPIC_STAT(l, TIMER_FIRED);
	lapic_lvt_fire(l, LAPIC_REG_LVT_TIMER);
}

/** One-shot: fire and stop.  Periodic: fire once, reload from the initial
 * count, and skip the periods that passed meanwhile (one interrupt: the
 * IRR bit holds one). */
static void lapic_timer_count_update(struct lapic *l, uint64_t now)
{
	struct lapic_timer *t = &l->timer;
	uint64_t due = lapic_timer_due_ns(l);
	uint64_t period = (uint64_t)lapic_reg_get(l, LAPIC_REG_TIMER_ICR) * t->tick_ns;
	uint64_t missed;

	if (now < due)
		return;
	lapic_timer_fire(l);
	if (lapic_timer_mode(l) == LAPIC_TIMER_ONESHOT || !period) {
		t->running = false;
		return;
	}
	missed = (now - due) / period;
	l->stat[LAPIC_STAT_TIMER_COALESCED] += missed;
	t->start_ns = due + missed * period;
	t->start_count = lapic_reg_get(l, LAPIC_REG_TIMER_ICR);
}

void lapic_timer_update(struct lapic *l)
{
	struct lapic_timer *t = &l->timer;

	if (lapic_timer_counting(l)) {
		lapic_timer_count_update(l, l->ops->now_ns(l->ctx));
	} else if (lapic_timer_mode(l) == LAPIC_TIMER_TSC_DEADLINE && t->deadline_tsc &&
		   l->ops->now_tsc(l->ctx) >= t->deadline_tsc) {
		t->deadline_tsc = 0; /* SDM: the MSR clears when it fires */
		lapic_timer_fire(l);
	}
}

/** The real timer's job right now, or false for none. */
static bool lapic_timer_want(const struct lapic *l, struct lapic_timer_req *req)
{
	uint32_t lvt = lapic_reg_get(l, LAPIC_REG_LVT_TIMER);

	if (lvt & LAPIC_LVT_MASKED)
		return false;
	req->vector = LAPIC_LVT_VECTOR(lvt);
	if (lapic_timer_counting(l)) {
		req->clock = LAPIC_CLOCK_NS;
		req->deadline = lapic_timer_due_ns(l);
		return true;
	}
	if (lapic_timer_mode(l) == LAPIC_TIMER_TSC_DEADLINE && l->timer.deadline_tsc) {
		req->clock = LAPIC_CLOCK_TSC;
		req->deadline = l->timer.deadline_tsc;
		return true;
	}
	return false;
}

enum lapic_result lapic_timer_sync(struct lapic *l)
{
	struct lapic_timer *t = &l->timer;
	struct lapic_timer_req want;

	if (lapic_timer_want(l, &want)) {
		if (t->armed && t->armed_req.clock == want.clock &&
		    t->armed_req.deadline == want.deadline && t->armed_req.vector == want.vector)
			return LAPIC_OK;
		LAPIC_STAT(l, TIMER_ARM);
		t->armed = true;
		t->armed_req = want;
		return l->ops->timer_arm(l->ctx, &want) ? LAPIC_OK : LAPIC_HOST_ERROR;
	}
	if (!t->armed)
		return LAPIC_OK;
	LAPIC_STAT(l, TIMER_CANCEL);
	t->armed = false;
	return l->ops->timer_cancel(l->ctx) ? LAPIC_OK : LAPIC_HOST_ERROR;
}

enum lapic_result lapic_timer_poll(struct lapic *l)
{
	lapic_timer_update(l);
	return lapic_timer_sync(l);
}

enum lapic_result lapic_timer_fired(struct lapic *l)
{
	l->timer.armed = false;
	return lapic_timer_poll(l);
}

/* ---- register handlers ---------------------------------------------------- */

enum lapic_result lapic_timer_lvt_write(struct lapic *l, uint32_t offset, uint64_t val)
{
	uint32_t v = (uint32_t)val;
	enum lapic_timer_mode from, to = (enum lapic_timer_mode)LAPIC_LVT_TIMER_MODE(v);

	lapic_timer_update(l);
	from = lapic_timer_mode(l);
	if (!lapic_sw_enabled(l))
		v |= LAPIC_LVT_MASKED;
	*lapic_reg(l, offset) = v;
	if (from != to && (from >= LAPIC_TIMER_TSC_DEADLINE || to >= LAPIC_TIMER_TSC_DEADLINE))
		lapic_timer_stop(l);
	return lapic_timer_sync(l);
}

/** Initial count: (re)starts the count, 0 stops it; ignored outside
 * one-shot/periodic mode (SDM "TSC-Deadline Mode"). */
enum lapic_result lapic_timer_icr_write(struct lapic *l, uint32_t offset, uint64_t val)
{
	enum lapic_timer_mode m = lapic_timer_mode(l);
	struct lapic_timer *t = &l->timer;

	if (m != LAPIC_TIMER_ONESHOT && m != LAPIC_TIMER_PERIODIC) {
		LAPIC_STAT(l, TIMER_IGNORED);
		return LAPIC_OK;
	}
	lapic_timer_update(l);
	*lapic_reg(l, offset) = (uint32_t)val;
	t->running = val != 0;
	t->start_ns = l->ops->now_ns(l->ctx);
	t->start_count = (uint32_t)val;
	t->tick_ns = lapic_timer_tick_ns(l);
	return lapic_timer_sync(l);
}

/** A new divider applies from now on: the count continues from where it
 * is, at the new rate. */
enum lapic_result lapic_timer_dcr_write(struct lapic *l, uint32_t offset, uint64_t val)
{
	struct lapic_timer *t = &l->timer;

	if (lapic_timer_counting(l)) {
		uint64_t now = l->ops->now_ns(l->ctx);
		lapic_timer_count_update(l, now);
		t->start_count = lapic_timer_count(l, now);
		t->start_ns = now;
	}
	*lapic_reg(l, offset) = (uint32_t)val;
	t->tick_ns = lapic_timer_tick_ns(l);
	return lapic_timer_sync(l);
}

/** Current count: 0 when stopped or outside one-shot/periodic mode. */
enum lapic_result lapic_timer_ccr_read(struct lapic *l, uint32_t offset, uint64_t *val)
{
	uint64_t now;
	enum lapic_result res;

	(void)offset;
	*val = 0;
	if (!lapic_timer_counting(l))
		return LAPIC_OK;
	now = l->ops->now_ns(l->ctx);
	lapic_timer_count_update(l, now);
	res = lapic_timer_sync(l);
	if (lapic_timer_counting(l))
		*val = lapic_timer_count(l, now);
	return res;
}

/** IA32_TSC_DEADLINE reads 0 outside TSC-deadline mode (SDM "TSC-Deadline
 * Mode"). */
enum lapic_result lapic_timer_deadline_read(struct lapic *l, uint64_t *val)
{
	enum lapic_result res;

	*val = 0;
	if (lapic_timer_mode(l) != LAPIC_TIMER_TSC_DEADLINE)
		return LAPIC_OK;
	lapic_timer_update(l);
	res = lapic_timer_sync(l);
	*val = l->timer.deadline_tsc;
	return res;
}

/** Arms (0 disarms) in TSC-deadline mode, is ignored in the others; a
 * deadline already past fires at once. */
enum lapic_result lapic_timer_deadline_write(struct lapic *l, uint64_t val)
{
	if (lapic_timer_mode(l) != LAPIC_TIMER_TSC_DEADLINE) {
		LAPIC_STAT(l, TIMER_IGNORED);
		return LAPIC_OK;
	}
	l->timer.deadline_tsc = val;
	lapic_timer_update(l);
	return lapic_timer_sync(l);
}
