/* SPDX-License-Identifier: MIT */
/*
 * The software APIC's state machine and views: power-up and INIT reset,
 * IA32_APIC_BASE and the mode transitions, and the two adapters that turn a
 * guest access into lapic_read/lapic_write (xAPIC MMIO, MSRs).
 */
#include "lapic_priv.h"

/* ---- reset and modes --------------------------------------------------- */

/** x2APIC logical ID: cluster ID[19:4] in 31:16, bit ID[3:0] in 15:0 (SDM
 * "Logical Destination Mode in x2APIC Mode"). */
static uint32_t lapic_x2apic_ldr(uint32_t id)
{
	return ((id >> 4) << 16) | (1u << (id & 0xFu));
}

/** Reset values (SDM "Local APIC State After Power-Up or Reset"): zero,
 * except the ID, the version, SVR 0xFF, DFR all ones, LVT masks set. */
static void lapic_regs_reset(struct lapic *l, uint32_t id_reg)
{
	for (unsigned int i = 0; i < LAPIC_PAGE_SIZE / 4; i++)
		l->regs[i] = 0;
	*lapic_reg(l, LAPIC_REG_ID) = id_reg;
	*lapic_reg(l, LAPIC_REG_VERSION) = LAPIC_VERSION_VALUE;
	*lapic_reg(l, LAPIC_REG_SVR) = 0xFFu;
	*lapic_reg(l, LAPIC_REG_DFR) = 0xFFFFFFFFu;
	lapic_lvt_mask_all(l);
	l->esr_pending = 0;
	lapic_timer_reset(l);
}

static bool lapic_config_ok(const struct lapic_config *cfg, const struct lapic_ops *ops)
{
	if (!cfg || !ops || !ops->send_ipi || !ops->eoi || !ops->now_ns || !ops->timer_arm ||
	    !ops->timer_cancel || (cfg->tsc_deadline && !ops->now_tsc))
		return false;
	/* 2^32 counts x divider 128 x bus_ns must fit in 64 bits */
	return cfg->bus_ns >= 1 && cfg->bus_ns <= 1000000u && cfg->phys_bits >= 32 &&
	       cfg->phys_bits <= 52 && cfg->apic_id != 0xFFFFFFFFu &&
	       (cfg->x2apic || cfg->apic_id <= 0xFFu);
}

bool lapic_init(struct lapic *l, const struct lapic_config *cfg, const struct lapic_ops *ops,
		void *ctx)
{
	if (!lapic_config_ok(cfg, ops))
		return false;
	l->cfg = *cfg;
	l->ops = ops;
	l->ctx = ctx;
	l->base = LAPIC_DEFAULT_BASE | LAPIC_BASE_EN | (cfg->bsp ? LAPIC_BASE_BSP : 0);
	for (unsigned int i = 0; i < 8; i++)
		l->eoi_forward[i] = 0;
	for (unsigned int i = 0; i < LAPIC_STAT_COUNT; i++)
		l->stat[i] = 0;
	l->timer.armed = false;
	lapic_regs_reset(l, (cfg->apic_id & 0xFFu) << 24);
	return true;
}

enum lapic_mode lapic_mode(const struct lapic *l)
{
	if (!(l->base & LAPIC_BASE_EN))
		return LAPIC_MODE_DISABLED;
	return (l->base & LAPIC_BASE_EXTD) ? LAPIC_MODE_X2APIC : LAPIC_MODE_XAPIC;
}

uint32_t lapic_id(const struct lapic *l)
{
	uint32_t id = lapic_reg_get(l, LAPIC_REG_ID);
	return lapic_mode(l) == LAPIC_MODE_X2APIC ? id : id >> 24;
}

enum lapic_result lapic_init_reset(struct lapic *l)
{
	enum lapic_mode mode = lapic_mode(l);

	lapic_regs_reset(l, lapic_reg_get(l, LAPIC_REG_ID));
	if (mode == LAPIC_MODE_X2APIC)
		*lapic_reg(l, LAPIC_REG_LDR) = lapic_x2apic_ldr(l->cfg.apic_id);
	return lapic_timer_sync(l);
}

/* ---- IA32_APIC_BASE ----------------------------------------------------- */

/** Decode a base MSR value: false for reserved bits, EN=0 EXTD=1, or a
 * relocated base (not emulated: the paravisor maps only 0xFEE00000). */
static bool lapic_base_decode(const struct lapic *l, uint64_t val, enum lapic_mode *mode)
{
	uint64_t addr_mask = ((1ULL << l->cfg.phys_bits) - 1) & ~0xFFFULL;
	uint64_t legal = addr_mask | LAPIC_BASE_BSP | LAPIC_BASE_EN |
			 (l->cfg.x2apic ? LAPIC_BASE_EXTD : 0);

	if ((val & ~legal) || (val & addr_mask) != LAPIC_DEFAULT_BASE)
		return false;
	if (!(val & LAPIC_BASE_EN))
		*mode = LAPIC_MODE_DISABLED;
	else
		*mode = (val & LAPIC_BASE_EXTD) ? LAPIC_MODE_X2APIC : LAPIC_MODE_XAPIC;
	return !(val & LAPIC_BASE_EXTD) || (val & LAPIC_BASE_EN);
}

/** SDM "x2APIC State Transitions": x2APIC -> xAPIC and disabled -> x2APIC
 * are illegal; everything else (and staying) is legal. */
static bool lapic_transition_ok(enum lapic_mode from, enum lapic_mode to)
{
	return !(from == LAPIC_MODE_X2APIC && to == LAPIC_MODE_XAPIC) &&
	       !(from == LAPIC_MODE_DISABLED && to == LAPIC_MODE_X2APIC);
}

/** Disabling loses all state but the ID (the 8-bit xAPIC ID after
 * x2APIC); entering x2APIC sets the 32-bit ID and the logical ID. */
static enum lapic_result lapic_mode_enter(struct lapic *l, enum lapic_mode from, enum lapic_mode to)
{
	LAPIC_STAT(l, MODE_CHANGE);
	if (to == LAPIC_MODE_DISABLED) {
		uint32_t id = lapic_reg_get(l, LAPIC_REG_ID);
		if (from == LAPIC_MODE_X2APIC)
			id = (l->cfg.apic_id & 0xFFu) << 24;
		lapic_regs_reset(l, id);
		return lapic_timer_sync(l);
	}
	if (to == LAPIC_MODE_X2APIC) {
		*lapic_reg(l, LAPIC_REG_ID) = l->cfg.apic_id;
		*lapic_reg(l, LAPIC_REG_LDR) = lapic_x2apic_ldr(l->cfg.apic_id);
	}
	return LAPIC_OK;
}

static enum lapic_result lapic_base_write(struct lapic *l, uint64_t val)
{
	enum lapic_mode from = lapic_mode(l), to;

	if (!lapic_base_decode(l, val, &to) || !lapic_transition_ok(from, to))
		return LAPIC_GP;
	l->base = val;
	return from == to ? LAPIC_OK : lapic_mode_enter(l, from, to);
}

/* ---- the views ------------------------------------------------------------ */

static enum lapic_result lapic_counted(struct lapic *l, enum lapic_result res)
{
	if (res == LAPIC_GP)
		LAPIC_STAT(l, GP);
	return res;
}

/** xAPIC MMIO: 32-bit accesses at 16-byte aligned offsets (SDM "Local APIC
 * Register Address Map"); anything else, or another mode, is #GP. */
static bool lapic_mmio_ok(const struct lapic *l, uint32_t offset, unsigned int size)
{
	return lapic_mode(l) == LAPIC_MODE_XAPIC && size == 4 && !(offset & 0xFu) &&
	       offset < LAPIC_PAGE_SIZE;
}

enum lapic_result lapic_mmio_read(struct lapic *l, uint32_t offset, unsigned int size,
				  uint32_t *val)
{
	uint64_t v = 0;
	enum lapic_result res = LAPIC_GP;

	LAPIC_STAT(l, MMIO_READ);
	if (lapic_mmio_ok(l, offset, size))
		res = lapic_read(l, offset, &v);
	*val = (uint32_t)v;
	return lapic_counted(l, res);
}

enum lapic_result lapic_mmio_write(struct lapic *l, uint32_t offset, unsigned int size,
				   uint32_t val)
{
	LAPIC_STAT(l, MMIO_WRITE);
	if (!lapic_mmio_ok(l, offset, size))
		return lapic_counted(l, LAPIC_GP);
	return lapic_counted(l, lapic_write(l, offset, val));
}

static bool lapic_msr_x2apic(uint32_t msr)
{
	return msr >= LAPIC_MSR_X2APIC_FIRST && msr <= LAPIC_MSR_X2APIC_LAST;
}

bool lapic_msr_owned(uint32_t msr)
{
	return msr == LAPIC_MSR_APIC_BASE || msr == LAPIC_MSR_TSC_DEADLINE || lapic_msr_x2apic(msr);
}

/** The x2APIC MSRs exist only in x2APIC mode (SDM "x2APIC Register
 * Availability"); IA32_TSC_DEADLINE only with the TSC-deadline feature. */
static enum lapic_result lapic_msr_check(const struct lapic *l, uint32_t msr)
{
	if (msr == LAPIC_MSR_APIC_BASE)
		return LAPIC_OK;
	if (msr == LAPIC_MSR_TSC_DEADLINE)
		return l->cfg.tsc_deadline ? LAPIC_OK : LAPIC_GP;
	return lapic_msr_x2apic(msr) && lapic_mode(l) == LAPIC_MODE_X2APIC ? LAPIC_OK : LAPIC_GP;
}

enum lapic_result lapic_msr_read(struct lapic *l, uint32_t msr, uint64_t *val)
{
	enum lapic_result res = lapic_msr_check(l, msr);

	LAPIC_STAT(l, MSR_READ);
	*val = 0;
	if (res != LAPIC_OK)
		return lapic_counted(l, res);
	if (msr == LAPIC_MSR_APIC_BASE) {
		*val = l->base;
		return LAPIC_OK;
	}
	if (msr == LAPIC_MSR_TSC_DEADLINE)
		return lapic_timer_deadline_read(l, val);
	return lapic_counted(l, lapic_read(l, (msr - LAPIC_MSR_X2APIC_FIRST) << 4, val));
}

enum lapic_result lapic_msr_write(struct lapic *l, uint32_t msr, uint64_t val)
{
	enum lapic_result res = lapic_msr_check(l, msr);

	LAPIC_STAT(l, MSR_WRITE);
	if (res != LAPIC_OK)
		return lapic_counted(l, res);
	if (msr == LAPIC_MSR_APIC_BASE)
		return lapic_counted(l, lapic_base_write(l, val));
	if (msr == LAPIC_MSR_TSC_DEADLINE)
		return lapic_timer_deadline_write(l, val);
	return lapic_counted(l, lapic_write(l, (msr - LAPIC_MSR_X2APIC_FIRST) << 4, val));
}
