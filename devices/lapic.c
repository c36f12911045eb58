/* SPDX-License-Identifier: MIT */
/*
 * The guest's software local APIC: the register page, lapic_read and
 * lapic_write with their access checks, the per-register side effects, and
 * interrupt acceptance (IRR/ISR/TMR, TPR/PPR, EOI, ESR).  Reset, modes and
 * the MMIO/MSR views are in lapic_mode.c, the timer in lapic_timer.c, the
 * ICR in lapic_ipi.c.
 * References: Intel SDM vol. 3 ch. 11 (here "SDM"), AMD APM vol. 2 ch. 16.
 */
#include "lapic_priv.h"

const char *const lapic_stat_names[LAPIC_STAT_COUNT] = {
#define LAPIC_STAT_NAME(name, desc) #name ": " desc,
	LAPIC_STATS(LAPIC_STAT_NAME)
#undef LAPIC_STAT_NAME
};

/* ---- the register table ---------------------------------------------- */

#define ACC_R  1u /* readable in this mode */
#define ACC_W  2u /* writable in this mode */
#define ACC_RW (ACC_R | ACC_W)

typedef enum lapic_result (*lapic_write_fn)(struct lapic *l, uint32_t offset, uint64_t val);
typedef enum lapic_result (*lapic_read_fn)(struct lapic *l, uint32_t offset, uint64_t *val);

/** One architectural register (or a run of `count`, 16 bytes apart). */
struct lapic_reg_info {
	uint16_t offset;
	uint8_t count;
	uint8_t xapic;	      /** ACC_* in xAPIC mode; 0 = reserved */
	uint8_t x2apic;	      /** ACC_* in x2APIC mode; 0 = reserved (#GP) */
	uint32_t wmask;	      /** bits a write stores (x2APIC: others #GP) */
	uint32_t ign;	      /** read-only bits an x2APIC write may carry */
	lapic_write_fn write; /** side effects; NULL for read-only */
	lapic_read_fn read;   /** computed value; NULL = the stored one */
};

static enum lapic_result lapic_store_write(struct lapic *l, uint32_t offset, uint64_t val);
static enum lapic_result lapic_tpr_write(struct lapic *l, uint32_t offset, uint64_t val);
static enum lapic_result lapic_eoi_write(struct lapic *l, uint32_t offset, uint64_t val);
static enum lapic_result lapic_dfr_write(struct lapic *l, uint32_t offset, uint64_t val);
static enum lapic_result lapic_svr_write(struct lapic *l, uint32_t offset, uint64_t val);
static enum lapic_result lapic_esr_write(struct lapic *l, uint32_t offset, uint64_t val);
static enum lapic_result lapic_lvt_write(struct lapic *l, uint32_t offset, uint64_t val);
static enum lapic_result lapic_apr_read(struct lapic *l, uint32_t offset, uint64_t *val);
static enum lapic_result lapic_icr_read(struct lapic *l, uint32_t offset, uint64_t *val);

#define LVT_STATUS (1u << 12) /* delivery status, read-only */
#define LVT_RIRR   (1u << 14) /* remote IRR, read-only */

/* SDM "Local APIC Register Address Map" and "... Supported by x2APIC";
 * write masks from the register figures (SDM "Local Vector Table", "ICR",
 * "Divide Configuration Register"; APM "Spurious Interrupt Vector Register"
 * for bit 9, focus CPU core checking).  CMCI (0x2F0) is Intel-only and the
 * version register counts six LVT entries without it: reserved here. */
static const struct lapic_reg_info lapic_regs[] = {
	{ LAPIC_REG_ID, 1, ACC_RW, ACC_R, 0xFF000000u, 0, lapic_store_write, NULL },
	{ LAPIC_REG_VERSION, 1, ACC_R, ACC_R, 0, 0, NULL, NULL },
	{ LAPIC_REG_TPR, 1, ACC_RW, ACC_RW, 0xFFu, 0, lapic_tpr_write, NULL },
	{ LAPIC_REG_APR, 1, ACC_R, 0, 0, 0, NULL, lapic_apr_read },
	{ LAPIC_REG_PPR, 1, ACC_R, ACC_R, 0, 0, NULL, NULL },
	/* EOI is write-only; an xAPIC read returns 0, an x2APIC read is #GP */
	{ LAPIC_REG_EOI, 1, ACC_RW, ACC_W, 0, 0, lapic_eoi_write, NULL },
	{ LAPIC_REG_RRD, 1, ACC_R, 0, 0, 0, NULL, NULL },
	{ LAPIC_REG_LDR, 1, ACC_RW, ACC_R, 0xFF000000u, 0, lapic_store_write, NULL },
	{ LAPIC_REG_DFR, 1, ACC_RW, 0, 0xF0000000u, 0, lapic_dfr_write, NULL },
	{ LAPIC_REG_SVR, 1, ACC_RW, ACC_RW, 0x3FFu, 0, lapic_svr_write, NULL },
	{ LAPIC_REG_ISR, 8, ACC_R, ACC_R, 0, 0, NULL, NULL },
	{ LAPIC_REG_TMR, 8, ACC_R, ACC_R, 0, 0, NULL, NULL },
	{ LAPIC_REG_IRR, 8, ACC_R, ACC_R, 0, 0, NULL, NULL },
	/* ESR: any xAPIC write latches; x2APIC writes must be 0 */
	{ LAPIC_REG_ESR, 1, ACC_RW, ACC_RW, 0, 0, lapic_esr_write, NULL },
	/* ICR: x2APIC ignores bit 12 (SDM "ICR in x2APIC Mode") */
	{ LAPIC_REG_ICR, 1, ACC_RW, ACC_RW, 0x000CCFFFu, LVT_STATUS, lapic_icr_write,
	  lapic_icr_read },
	{ LAPIC_REG_ICR2, 1, ACC_RW, 0, 0xFF000000u, 0, lapic_store_write, NULL },
	/* timer: bit 18 joins the mask with TSC-deadline (lapic_wmask) */
	{ LAPIC_REG_LVT_TIMER, 1, ACC_RW, ACC_RW, 0x000300FFu, LVT_STATUS, lapic_timer_lvt_write,
	  NULL },
	{ LAPIC_REG_LVT_THERMAL, 1, ACC_RW, ACC_RW, 0x000107FFu, LVT_STATUS, lapic_lvt_write,
	  NULL },
	{ LAPIC_REG_LVT_PERF, 1, ACC_RW, ACC_RW, 0x000107FFu, LVT_STATUS, lapic_lvt_write, NULL },
	{ LAPIC_REG_LVT_LINT0, 1, ACC_RW, ACC_RW, 0x0001A7FFu, LVT_STATUS | LVT_RIRR,
	  lapic_lvt_write, NULL },
	{ LAPIC_REG_LVT_LINT1, 1, ACC_RW, ACC_RW, 0x0001A7FFu, LVT_STATUS | LVT_RIRR,
	  lapic_lvt_write, NULL },
	{ LAPIC_REG_LVT_ERROR, 1, ACC_RW, ACC_RW, 0x000100FFu, LVT_STATUS, lapic_lvt_write, NULL },
	{ LAPIC_REG_TIMER_ICR, 1, ACC_RW, ACC_RW, 0xFFFFFFFFu, 0, lapic_timer_icr_write, NULL },
	{ LAPIC_REG_TIMER_CCR, 1, ACC_R, ACC_R, 0, 0, NULL, lapic_timer_ccr_read },
	{ LAPIC_REG_TIMER_DCR, 1, ACC_RW, ACC_RW, 0xBu, 0, lapic_timer_dcr_write, NULL },
	{ LAPIC_REG_SELF_IPI, 1, 0, ACC_W, 0xFFu, 0, lapic_self_ipi_write, NULL },
};

static const uint32_t lapic_lvts[] = {
	LAPIC_REG_LVT_TIMER, LAPIC_REG_LVT_THERMAL, LAPIC_REG_LVT_PERF,
	LAPIC_REG_LVT_LINT0, LAPIC_REG_LVT_LINT1,   LAPIC_REG_LVT_ERROR,
};

void lapic_lvt_mask_all(struct lapic *l)
{
	for (unsigned int i = 0; i < sizeof(lapic_lvts) / sizeof(lapic_lvts[0]); i++)
		*lapic_reg(l, lapic_lvts[i]) |= LAPIC_LVT_MASKED;
}

static const struct lapic_reg_info *lapic_reg_find(uint32_t offset)
{
	if (offset & 0xF)
		return NULL;
	for (unsigned int i = 0; i < sizeof(lapic_regs) / sizeof(lapic_regs[0]); i++) {
		const struct lapic_reg_info *r = &lapic_regs[i];
		if (offset >= r->offset && offset < r->offset + 16u * r->count)
			return r;
	}
	return NULL;
}

static uint32_t lapic_wmask(const struct lapic *l, const struct lapic_reg_info *r)
{
	if (r->offset == LAPIC_REG_LVT_TIMER && l->cfg.tsc_deadline)
		return r->wmask | (1u << 18);
	return r->wmask;
}

/* ---- vector bitmaps (ISR, TMR, IRR) and priorities -------------------- */

static uint32_t *lapic_vec_word(struct lapic *l, uint32_t base, uint8_t v)
{
	return lapic_reg(l, base + (v / 32u) * 16u);
}

static bool lapic_vec_test(const struct lapic *l, uint32_t base, uint8_t v)
{
	return (lapic_reg_get(l, base + (v / 32u) * 16u) >> (v % 32u)) & 1u;
}

static void lapic_vec_set(struct lapic *l, uint32_t base, uint8_t v, bool on)
{
	if (on)
		*lapic_vec_word(l, base, v) |= 1u << (v % 32u);
	else
		*lapic_vec_word(l, base, v) &= ~(1u << (v % 32u));
}

static int lapic_vec_highest(const struct lapic *l, uint32_t base)
{
	for (int i = 7; i >= 0; i--) {
		uint32_t w = lapic_reg_get(l, base + (uint32_t)i * 16u);
		if (w)
			return i * 32 + 31 - __builtin_clz(w);
	}
	return LAPIC_NO_VECTOR;
}

static uint32_t lapic_class(int vector)
{
	return vector < 0 ? 0 : (uint32_t)vector & 0xF0u;
}

/** SDM "Processor Priority Register (PPR)": TPR if its class is at least
 * the highest in-service class, else that class. */
static void lapic_ppr_update(struct lapic *l)
{
	uint32_t tpr = lapic_reg_get(l, LAPIC_REG_TPR);
	uint32_t isrv = lapic_class(lapic_vec_highest(l, LAPIC_REG_ISR));

	*lapic_reg(l, LAPIC_REG_PPR) = (tpr & 0xF0u) >= isrv ? tpr : isrv;
}

/** SDM "Arbitration Priority Register (APR)", APM "ArbPri": TPR if its
 * class is at least the IRR class and above the ISR class, else the
 * highest of the three classes. */
static enum lapic_result lapic_apr_read(struct lapic *l, uint32_t offset, uint64_t *val)
{
	uint32_t tpr = lapic_reg_get(l, LAPIC_REG_TPR);
	uint32_t irrv = lapic_class(lapic_vec_highest(l, LAPIC_REG_IRR));
	uint32_t isrv = lapic_class(lapic_vec_highest(l, LAPIC_REG_ISR));
	uint32_t top = irrv > isrv ? irrv : isrv;

	(void)offset;
	if ((tpr & 0xF0u) >= irrv && (tpr & 0xF0u) > isrv)
		*val = tpr;
	else
		*val = (tpr & 0xF0u) > top ? tpr & 0xF0u : top;
	return LAPIC_OK;
}

/* ---- interrupt acceptance ---------------------------------------------- */

/** Log errors; a newly logged one raises the error LVT interrupt (SDM
 * "Error Handling").  An illegal error vector logs "receive illegal vector"
 * once more and stops there, the bit being already pending. */
void lapic_error(struct lapic *l, uint32_t esr_bits)
{
	uint32_t fresh = esr_bits & ~l->esr_pending;

	if (!fresh)
		return;
	l->esr_pending |= fresh;
	LAPIC_STAT(l, ERROR);
	lapic_lvt_fire(l, LAPIC_REG_LVT_ERROR);
}

/** A local interrupt through an LVT entry (timer, error): fixed, edge. */
void lapic_lvt_fire(struct lapic *l, uint32_t lvt_offset)
{
	uint32_t lvt = lapic_reg_get(l, lvt_offset);

	if (!(lvt & LAPIC_LVT_MASKED))
		lapic_set_irr(l, LAPIC_LVT_VECTOR(lvt), false);
}

/** SDM "Interrupt Acceptance for Fixed Interrupts": into IRR; TMR set for
 * level, cleared for edge.  A disabled APIC takes no fixed interrupt (SDM
 * "Local APIC State After It Has Been Software Disabled"). */
bool lapic_set_irr(struct lapic *l, uint8_t vector, bool level)
{
	if (lapic_mode(l) == LAPIC_MODE_DISABLED || !lapic_sw_enabled(l)) {
		LAPIC_STAT(l, IRR_DROPPED);
		return false;
	}
	if (vector < 16) {
		lapic_error(l, LAPIC_ESR_RECV_ILLEGAL);
		return false;
	}
	lapic_vec_set(l, LAPIC_REG_IRR, vector, true);
	lapic_vec_set(l, LAPIC_REG_TMR, vector, level);
	LAPIC_STAT(l, IRR_SET);
	return true;
}

void lapic_set_eoi_forward(struct lapic *l, uint8_t vector, bool on)
{
	if (on)
		l->eoi_forward[vector / 32u] |= 1u << (vector % 32u);
	else
		l->eoi_forward[vector / 32u] &= ~(1u << (vector % 32u));
}

bool lapic_host_holds_from(const struct lapic *l, uint8_t vector)
{
	for (unsigned int i = vector / 32u; i < 8; i++) {
		uint32_t live = lapic_reg_get(l, LAPIC_REG_IRR + i * 16u) |
				lapic_reg_get(l, LAPIC_REG_ISR + i * 16u);
		uint32_t held = live &
				(l->eoi_forward[i] | lapic_reg_get(l, LAPIC_REG_TMR + i * 16u));
		if (i == vector / 32u)
			held &= ~0u << (vector % 32u);
		if (held)
			return true;
	}
	return false;
}

/** SDM "Interrupt, Task, and Processor Priority": the highest IRR vector is
 * delivered if its class is above the PPR class. */
int lapic_pending(const struct lapic *l)
{
	int v = lapic_vec_highest(l, LAPIC_REG_IRR);

	if (v == LAPIC_NO_VECTOR || lapic_class(v) <= (lapic_reg_get(l, LAPIC_REG_PPR) & 0xF0u))
		return LAPIC_NO_VECTOR;
	return v;
}

uint8_t lapic_ack(struct lapic *l, uint8_t vector)
{
	if (!lapic_vec_test(l, LAPIC_REG_IRR, vector)) {
		LAPIC_STAT(l, SPURIOUS);
		return (uint8_t)lapic_reg_get(l, LAPIC_REG_SVR);
	}
	lapic_vec_set(l, LAPIC_REG_IRR, vector, false);
	lapic_vec_set(l, LAPIC_REG_ISR, vector, true);
	lapic_ppr_update(l);
	LAPIC_STAT(l, ACK);
	return vector;
}

/* ---- per-register side effects ------------------------------------------ */

/** ID, LDR, ICR2 (xAPIC): no side effect; lapic_id() and
 * lapic_ipi_match() read them live. */
static enum lapic_result lapic_store_write(struct lapic *l, uint32_t offset, uint64_t val)
{
	*lapic_reg(l, offset) = (uint32_t)val;
	return LAPIC_OK;
}

static enum lapic_result lapic_tpr_write(struct lapic *l, uint32_t offset, uint64_t val)
{
	*lapic_reg(l, offset) = (uint32_t)val;
	lapic_ppr_update(l);
	return LAPIC_OK;
}

/** Ends the highest in-service interrupt; its EOI goes to the host if it
 * was level-triggered or marked (SDM "EOI Register"). */
static enum lapic_result lapic_eoi_write(struct lapic *l, uint32_t offset, uint64_t val)
{
	int v = lapic_vec_highest(l, LAPIC_REG_ISR);

	(void)offset;
	(void)val;
	if (v == LAPIC_NO_VECTOR) {
		LAPIC_STAT(l, EOI_EMPTY);
		return LAPIC_OK;
	}
	lapic_vec_set(l, LAPIC_REG_ISR, (uint8_t)v, false);
	lapic_ppr_update(l);
	LAPIC_STAT(l, EOI);
	if (!lapic_vec_test(l, LAPIC_REG_TMR, (uint8_t)v) &&
	    !((l->eoi_forward[v / 32] >> (v % 32)) & 1u))
		return LAPIC_OK;
	LAPIC_STAT(l, EOI_FORWARD);
	return l->ops->eoi(l->ctx, (uint8_t)v) ? LAPIC_OK : LAPIC_HOST_ERROR;
}

/** Model in bits 31:28 (1111 flat, 0000 cluster); 27:0 read as ones. */
static enum lapic_result lapic_dfr_write(struct lapic *l, uint32_t offset, uint64_t val)
{
	*lapic_reg(l, offset) = (uint32_t)val | 0x0FFFFFFFu;
	return LAPIC_OK;
}

/** Software disable masks every LVT entry (SDM "Local APIC State After It
 * Has Been Software Disabled"); due timer expiries happen first. */
static enum lapic_result lapic_svr_write(struct lapic *l, uint32_t offset, uint64_t val)
{
	lapic_timer_update(l);
	*lapic_reg(l, offset) = (uint32_t)val;
	if (val & LAPIC_SVR_ENABLE)
		return LAPIC_OK;
	lapic_lvt_mask_all(l);
	return lapic_timer_sync(l);
}

/** SDM "Error Handling": a write moves the errors logged since the last
 * write into ESR (the value written does not matter). */
static enum lapic_result lapic_esr_write(struct lapic *l, uint32_t offset, uint64_t val)
{
	(void)val;
	*lapic_reg(l, offset) = l->esr_pending;
	l->esr_pending = 0;
	return LAPIC_OK;
}

/** Thermal, performance counter, LINT0/1, error: storage (no source raises
 * them but the error path); the mask stays set while software-disabled. */
static enum lapic_result lapic_lvt_write(struct lapic *l, uint32_t offset, uint64_t val)
{
	uint32_t v = (uint32_t)val;

	if (!lapic_sw_enabled(l))
		v |= LAPIC_LVT_MASKED;
	*lapic_reg(l, offset) = v;
	return LAPIC_OK;
}

/** xAPIC: the low half (delivery status always idle); x2APIC: 64 bits. */
static enum lapic_result lapic_icr_read(struct lapic *l, uint32_t offset, uint64_t *val)
{
	*val = lapic_reg_get(l, offset);
	if (lapic_mode(l) == LAPIC_MODE_X2APIC)
		*val |= (uint64_t)lapic_reg_get(l, LAPIC_REG_ICR2) << 32;
	return LAPIC_OK;
}

/* ---- lapic_read / lapic_write: the only entries into register state ----- */

enum lapic_access { ACCESS_OK, ACCESS_GP, ACCESS_ILLEGAL_REG, ACCESS_IGNORED };

/** x2APIC: reserved bits and the upper half (but ICR's) must be zero, the
 * reserved timer mode 11b is refused (SDM "Reserved Bit Checking"). */
static bool lapic_x2apic_value_ok(const struct lapic *l, const struct lapic_reg_info *r,
				  uint64_t val)
{
	uint32_t allowed = lapic_wmask(l, r) | r->ign;

	if (r->offset != LAPIC_REG_ICR && (val >> 32))
		return false;
	if ((uint32_t)val & ~allowed)
		return false;
	return r->offset != LAPIC_REG_LVT_TIMER ||
	       LAPIC_LVT_TIMER_MODE(val) != LAPIC_TIMER_RESERVED;
}

static enum lapic_access lapic_access(const struct lapic *l, uint32_t offset, unsigned int acc,
				      const struct lapic_reg_info **out)
{
	enum lapic_mode mode = lapic_mode(l);
	const struct lapic_reg_info *r = lapic_reg_find(offset);
	unsigned int allowed;

	*out = r;
	if (mode == LAPIC_MODE_DISABLED)
		return ACCESS_GP;
	allowed = !r ? 0 : mode == LAPIC_MODE_X2APIC ? r->x2apic : r->xapic;
	if (mode == LAPIC_MODE_X2APIC)
		return (allowed & acc) ? ACCESS_OK : ACCESS_GP;
	if (!allowed)
		return ACCESS_ILLEGAL_REG;
	return (allowed & acc) ? ACCESS_OK : ACCESS_IGNORED;
}

static enum lapic_result lapic_access_refused(struct lapic *l, enum lapic_access a)
{
	if (a == ACCESS_GP)
		return LAPIC_GP;
	if (a == ACCESS_ILLEGAL_REG) {
		LAPIC_STAT(l, ILLEGAL_REG);
		lapic_error(l, LAPIC_ESR_ILLEGAL_REG);
	} else {
		LAPIC_STAT(l, RO_WRITE);
	}
	return LAPIC_OK;
}

enum lapic_result lapic_read(struct lapic *l, uint32_t offset, uint64_t *val)
{
	const struct lapic_reg_info *r;
	enum lapic_access a = lapic_access(l, offset, ACC_R, &r);

	*val = 0;
	if (a != ACCESS_OK)
		return lapic_access_refused(l, a);
	if (r->read)
		return r->read(l, offset, val);
	*val = lapic_reg_get(l, offset);
	return LAPIC_OK;
}

enum lapic_result lapic_write(struct lapic *l, uint32_t offset, uint64_t val)
{
	const struct lapic_reg_info *r;
	enum lapic_access a = lapic_access(l, offset, ACC_W, &r);

	if (a == ACCESS_OK && lapic_mode(l) == LAPIC_MODE_X2APIC &&
	    !lapic_x2apic_value_ok(l, r, val))
		a = ACCESS_GP;
	if (a != ACCESS_OK)
		return lapic_access_refused(l, a);
	/* stored: the writable bits of the low half; the high half is ICR's
     * x2APIC destination (zero, checked above, for any other register) */
	if (lapic_mode(l) == LAPIC_MODE_XAPIC)
		val = (uint32_t)val;
	val = (val >> 32 << 32) | ((uint32_t)val & lapic_wmask(l, r));
	return r->write(l, offset, val);
}
