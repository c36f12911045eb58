/* SPDX-License-Identifier: MIT */
/*
 * Inside the software APIC: what lapic.c, lapic_mode.c, lapic_timer.c and
 * lapic_ipi.c share.  Not for other modules.
 */
#ifndef DEVICES_LAPIC_PRIV_H
#define DEVICES_LAPIC_PRIV_H

#include <stddef.h>

#include "lapic.h"

#define LAPIC_STAT(l, name) ((l)->stat[LAPIC_STAT_##name]++)

#define LAPIC_LVT_VECTOR(v)	((uint8_t)((v)&0xFF))
#define LAPIC_LVT_TIMER_MODE(v) (((v) >> 17) & 3)

/** LVT timer modes (SDM "Timer Mode"); 3 is reserved: the timer is inert. */
enum lapic_timer_mode {
	LAPIC_TIMER_ONESHOT = 0,
	LAPIC_TIMER_PERIODIC = 1,
	LAPIC_TIMER_TSC_DEADLINE = 2,
	LAPIC_TIMER_RESERVED = 3,
};

static inline uint32_t *lapic_reg(struct lapic *l, uint32_t offset)
{
	return &l->regs[offset / 4];
}

static inline uint32_t lapic_reg_get(const struct lapic *l, uint32_t offset)
{
	return l->regs[offset / 4];
}

static inline bool lapic_sw_enabled(const struct lapic *l)
{
	return lapic_reg_get(l, LAPIC_REG_SVR) & LAPIC_SVR_ENABLE;
}

/* lapic.c */
void lapic_error(struct lapic *l, uint32_t esr_bits);
void lapic_lvt_fire(struct lapic *l, uint32_t lvt_offset);
void lapic_lvt_mask_all(struct lapic *l);

/* lapic_timer.c: register handlers and bookkeeping */
void lapic_timer_reset(struct lapic *l);
void lapic_timer_update(struct lapic *l);
enum lapic_result lapic_timer_sync(struct lapic *l);
enum lapic_result lapic_timer_lvt_write(struct lapic *l, uint32_t offset, uint64_t val);
enum lapic_result lapic_timer_icr_write(struct lapic *l, uint32_t offset, uint64_t val);
enum lapic_result lapic_timer_dcr_write(struct lapic *l, uint32_t offset, uint64_t val);
enum lapic_result lapic_timer_ccr_read(struct lapic *l, uint32_t offset, uint64_t *val);
enum lapic_result lapic_timer_deadline_read(struct lapic *l, uint64_t *val);
enum lapic_result lapic_timer_deadline_write(struct lapic *l, uint64_t val);

/* lapic_ipi.c: register handlers */
enum lapic_result lapic_icr_write(struct lapic *l, uint32_t offset, uint64_t val);
enum lapic_result lapic_self_ipi_write(struct lapic *l, uint32_t offset, uint64_t val);

#endif /* DEVICES_LAPIC_PRIV_H */
