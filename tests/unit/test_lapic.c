/* SPDX-License-Identifier: MIT */
/*
 * devices/lapic*.c (host build): both views of the register page, mode
 * transitions, #GP cases, priorities, IRR/ISR/EOI, ICR decoding, destination
 * matching and the timer, against a fake ops table that records each call
 * and a fake clock.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "devices/lapic.h"

#define MAX_CALLS 16

struct fake {
	uint64_t ns, tsc;
	bool fail; /* every hook reports failure */
	struct lapic_ipi ipi[MAX_CALLS];
	int ipi_count;
	uint8_t eoi[MAX_CALLS];
	int eoi_count;
	struct lapic_timer_req req; /* the last arm */
	bool armed;
	int arm_count, cancel_count;
};

static bool fake_send_ipi(void *ctx, const struct lapic_ipi *ipi)
{
	struct fake *f = ctx;
	if (f->ipi_count < MAX_CALLS)
		f->ipi[f->ipi_count] = *ipi;
	f->ipi_count++;
	return !f->fail;
}

static bool fake_eoi(void *ctx, uint8_t vector)
{
	struct fake *f = ctx;
	if (f->eoi_count < MAX_CALLS)
		f->eoi[f->eoi_count] = vector;
	f->eoi_count++;
	return !f->fail;
}

static uint64_t fake_now_ns(void *ctx)
{
	return ((struct fake *)ctx)->ns;
}

static uint64_t fake_now_tsc(void *ctx)
{
	return ((struct fake *)ctx)->tsc;
}

static bool fake_timer_arm(void *ctx, const struct lapic_timer_req *req)
{
	struct fake *f = ctx;
	f->req = *req;
	f->armed = true;
	f->arm_count++;
	return !f->fail;
}

static bool fake_timer_cancel(void *ctx)
{
	struct fake *f = ctx;
	f->armed = false;
	f->cancel_count++;
	return !f->fail;
}

static const struct lapic_ops fake_ops = {
	.send_ipi = fake_send_ipi,
	.eoi = fake_eoi,
	.now_ns = fake_now_ns,
	.now_tsc = fake_now_tsc,
	.timer_arm = fake_timer_arm,
	.timer_cancel = fake_timer_cancel,
};

static const struct lapic_config default_cfg = {
	.apic_id = 3,
	.bsp = true,
	.x2apic = true,
	.tsc_deadline = true,
	.phys_bits = 48,
	.bus_ns = 1,
};

static struct lapic apic, apic2;
static struct fake fk, fk2;

static void setup_cfg(struct lapic *l, struct fake *f, const struct lapic_config *cfg)
{
	memset(f, 0, sizeof(*f));
	memset(l, 0xA5, sizeof(*l));
	assert_true(lapic_init(l, cfg, &fake_ops, f));
}

static void setup(void)
{
	setup_cfg(&apic, &fk, &default_cfg);
}

static int fx_reset(void **state)
{
	(void)state;
	setup();
	return 0;
}

static void sw_enable(struct lapic *l);

static int fx_enabled(void **state)
{
	(void)state;
	setup();
	sw_enable(&apic);
	return 0;
}

/* --- helpers: every guest access through the views ---------------------- */

static uint32_t mmio_r(struct lapic *l, uint32_t off)
{
	uint32_t v = 0xDEADBEEF;
	assert_int_equal(lapic_mmio_read(l, off, 4, &v), LAPIC_OK);
	return v;
}

static void mmio_w(struct lapic *l, uint32_t off, uint32_t v)
{
	assert_int_equal(lapic_mmio_write(l, off, 4, v), LAPIC_OK);
}

static uint64_t msr_r(struct lapic *l, uint32_t msr)
{
	uint64_t v = 0xDEADBEEF;
	assert_int_equal(lapic_msr_read(l, msr, &v), LAPIC_OK);
	return v;
}

static void msr_w(struct lapic *l, uint32_t msr, uint64_t v)
{
	assert_int_equal(lapic_msr_write(l, msr, v), LAPIC_OK);
}

static enum lapic_result msr_try_r(struct lapic *l, uint32_t msr)
{
	uint64_t v;
	return lapic_msr_read(l, msr, &v);
}

static void to_x2apic(struct lapic *l)
{
	msr_w(l, LAPIC_MSR_APIC_BASE, msr_r(l, LAPIC_MSR_APIC_BASE) | LAPIC_BASE_EXTD);
	assert_int_equal(lapic_mode(l), LAPIC_MODE_X2APIC);
}

static void sw_enable(struct lapic *l)
{
	mmio_w(l, LAPIC_REG_SVR, 0x1FF);
}

static uint32_t esr_latch(struct lapic *l)
{
	mmio_w(l, LAPIC_REG_ESR, 0);
	return mmio_r(l, LAPIC_REG_ESR);
}

static bool irr_has(struct lapic *l, uint8_t v)
{
	return (mmio_r(l, LAPIC_REG_IRR + (v / 32u) * 16u) >> (v % 32u)) & 1u;
}

static bool tmr_has(struct lapic *l, uint8_t v)
{
	return (mmio_r(l, LAPIC_REG_TMR + (v / 32u) * 16u) >> (v % 32u)) & 1u;
}

/* take the pending vector as the paravisor does: pending, then ack */
static int take(struct lapic *l)
{
	int v = lapic_pending(l);
	if (v >= 0)
		assert_int_equal(lapic_ack(l, (uint8_t)v), v);
	return v;
}

/* --- init and reset values ------------------------------------------------ */

static void test_init_config(void **state)
{
	struct lapic_config c = default_cfg;
	struct lapic_ops ops = fake_ops;

	(void)state;
	assert_false(lapic_init(&apic, NULL, &fake_ops, &fk));
	assert_false(lapic_init(&apic, &c, NULL, &fk));
	ops.eoi = NULL;
	assert_false(lapic_init(&apic, &c, &ops, &fk));
	ops = fake_ops;
	ops.now_tsc = NULL;
	assert_false(lapic_init(&apic, &c, &ops, &fk));
	c.tsc_deadline = false;
	assert_true(lapic_init(&apic, &c, &ops, &fk));
	c = default_cfg;
	c.bus_ns = 0;
	assert_false(lapic_init(&apic, &c, &fake_ops, &fk));
	c = default_cfg;
	c.apic_id = 0xFFFFFFFF;
	assert_false(lapic_init(&apic, &c, &fake_ops, &fk));
	c = default_cfg;
	c.x2apic = false;
	c.apic_id = 0x100;
	assert_false(lapic_init(&apic, &c, &fake_ops, &fk));
	c.phys_bits = 60;
	c.apic_id = 1;
	assert_false(lapic_init(&apic, &c, &fake_ops, &fk));
}

static void test_reset_values(void **state)
{
	(void)state;
	assert_int_equal(lapic_mode(&apic), LAPIC_MODE_XAPIC);
	assert_int_equal(msr_r(&apic, LAPIC_MSR_APIC_BASE), 0xFEE00900);
	assert_int_equal(mmio_r(&apic, LAPIC_REG_ID), 3u << 24);
	assert_int_equal(lapic_id(&apic), 3);
	assert_int_equal(mmio_r(&apic, LAPIC_REG_VERSION), 0x00050010);
	assert_int_equal(mmio_r(&apic, LAPIC_REG_SVR), 0xFF);
	assert_int_equal(mmio_r(&apic, LAPIC_REG_DFR), 0xFFFFFFFF);
	assert_int_equal(mmio_r(&apic, LAPIC_REG_TPR), 0);
	assert_int_equal(mmio_r(&apic, LAPIC_REG_PPR), 0);
	for (uint32_t o = LAPIC_REG_LVT_TIMER; o <= LAPIC_REG_LVT_ERROR; o += 16)
		assert_int_equal(mmio_r(&apic, o), LAPIC_LVT_MASKED);
	for (uint32_t i = 0; i < 8; i++)
		assert_int_equal(mmio_r(&apic, LAPIC_REG_IRR + 16 * i), 0);

	struct lapic_config c = default_cfg;
	c.bsp = false;
	setup_cfg(&apic, &fk, &c);
	assert_int_equal(msr_r(&apic, LAPIC_MSR_APIC_BASE), 0xFEE00800);
}

/* --- xAPIC view ------------------------------------------------------------- */

struct rw_case {
	uint32_t offset, written, read;
};

static void test_xapic_rw_masks(void **state)
{
	/* write all ones, read back the writable bits (reserved bits ignored) */
	static const struct rw_case cases[] = {
		{ LAPIC_REG_ID, 0xFFFFFFFF, 0xFF000000 },
		{ LAPIC_REG_TPR, 0xFFFFFFFF, 0xFF },
		{ LAPIC_REG_LDR, 0xFFFFFFFF, 0xFF000000 },
		{ LAPIC_REG_DFR, 0x0, 0x0FFFFFFF },
		{ LAPIC_REG_SVR, 0xFFFFFFFF, 0x3FF },
		{ LAPIC_REG_ICR2, 0xFFFFFFFF, 0xFF000000 },
		{ LAPIC_REG_LVT_TIMER, 0xFFFDFFFF, 0x500FF }, /* mode 10b */
		{ LAPIC_REG_LVT_THERMAL, 0xFFFFFFFF, 0x107FF },
		{ LAPIC_REG_LVT_PERF, 0xFFFFFFFF, 0x107FF },
		{ LAPIC_REG_LVT_LINT0, 0xFFFFFFFF, 0x1A7FF },
		{ LAPIC_REG_LVT_LINT1, 0xFFFFFFFF, 0x1A7FF },
		{ LAPIC_REG_LVT_ERROR, 0xFFFFFFFF, 0x100FF },
		{ LAPIC_REG_TIMER_DCR, 0xFFFFFFFF, 0xB },
		{ LAPIC_REG_TIMER_ICR, 0x12345678, 0x12345678 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		setup();
		sw_enable(&apic);
		mmio_w(&apic, cases[i].offset, cases[i].written);
		assert_int_equal(mmio_r(&apic, cases[i].offset), cases[i].read);
	}
	/* without TSC-deadline, LVT timer bit 18 is reserved */
	struct lapic_config c = default_cfg;
	c.tsc_deadline = false;
	setup_cfg(&apic, &fk, &c);
	sw_enable(&apic);
	mmio_w(&apic, LAPIC_REG_LVT_TIMER, 0xFFFFFFFF);
	assert_int_equal(mmio_r(&apic, LAPIC_REG_LVT_TIMER), 0x300FF);
}

static void test_xapic_read_only(void **state)
{
	static const uint32_t ro[] = {
		LAPIC_REG_VERSION, LAPIC_REG_APR,	 LAPIC_REG_PPR,	       LAPIC_REG_RRD,
		LAPIC_REG_ISR,	   LAPIC_REG_TMR + 0x70, LAPIC_REG_IRR + 0x30, LAPIC_REG_TIMER_CCR,
	};

	(void)state;
	setup();
	sw_enable(&apic);
	for (size_t i = 0; i < sizeof(ro) / sizeof(ro[0]); i++) {
		uint32_t before = mmio_r(&apic, ro[i]);
		mmio_w(&apic, ro[i], 0xFFFFFFFF);
		assert_int_equal(mmio_r(&apic, ro[i]), before);
	}
	assert_int_equal(apic.stat[LAPIC_STAT_RO_WRITE], 8);
	assert_int_equal(esr_latch(&apic), 0);
	/* EOI is write-only: an xAPIC read is 0 */
	assert_int_equal(mmio_r(&apic, LAPIC_REG_EOI), 0);
}

static void test_xapic_reserved_register(void **state)
{
	static const uint32_t rsvd[] = { 0x000, 0x010, 0x040, 0x2F0, 0x3A0, 0x3F0, 0x400, 0xFF0 };

	(void)state;
	for (size_t i = 0; i < sizeof(rsvd) / sizeof(rsvd[0]); i++) {
		setup();
		sw_enable(&apic);
		assert_int_equal(mmio_r(&apic, rsvd[i]), 0);
		assert_int_equal(esr_latch(&apic), LAPIC_ESR_ILLEGAL_REG);
		mmio_w(&apic, rsvd[i], 0xFFFFFFFF);
		assert_int_equal(mmio_r(&apic, rsvd[i]), 0);
		assert_int_equal(esr_latch(&apic), LAPIC_ESR_ILLEGAL_REG);
		assert_int_equal(apic.stat[LAPIC_STAT_ILLEGAL_REG], 3);
	}
}

static void test_mmio_gp(void **state)
{
	uint32_t v;

	(void)state;
	setup();
	assert_int_equal(lapic_mmio_read(&apic, LAPIC_REG_TPR, 2, &v), LAPIC_GP);
	assert_int_equal(lapic_mmio_read(&apic, LAPIC_REG_TPR, 8, &v), LAPIC_GP);
	assert_int_equal(lapic_mmio_read(&apic, LAPIC_REG_TPR + 4, 4, &v), LAPIC_GP);
	assert_int_equal(lapic_mmio_write(&apic, LAPIC_REG_TPR + 1, 4, 1), LAPIC_GP);
	assert_int_equal(lapic_mmio_write(&apic, LAPIC_PAGE_SIZE, 4, 1), LAPIC_GP);
	assert_int_equal(mmio_r(&apic, LAPIC_REG_TPR), 0);
	assert_int_equal(apic.stat[LAPIC_STAT_GP], 5);
	/* wrong mode: x2APIC, then disabled */
	to_x2apic(&apic);
	assert_int_equal(lapic_mmio_read(&apic, LAPIC_REG_TPR, 4, &v), LAPIC_GP);
	assert_int_equal(lapic_mmio_write(&apic, LAPIC_REG_TPR, 4, 0x20), LAPIC_GP);
	assert_int_equal(msr_r(&apic, 0x808), 0);
	msr_w(&apic, LAPIC_MSR_APIC_BASE, LAPIC_DEFAULT_BASE);
	assert_int_equal(lapic_mmio_read(&apic, LAPIC_REG_ID, 4, &v), LAPIC_GP);
	uint64_t v64;
	assert_int_equal(lapic_read(&apic, LAPIC_REG_ID, &v64), LAPIC_GP);
	assert_int_equal(lapic_write(&apic, LAPIC_REG_TPR, 1), LAPIC_GP);
}

/* --- x2APIC view ------------------------------------------------------------ */

static void test_x2apic_ids(void **state)
{
	struct lapic_config c = default_cfg;

	(void)state;
	c.apic_id = 0x125;
	setup_cfg(&apic, &fk, &c);
	assert_int_equal(mmio_r(&apic, LAPIC_REG_ID), 0x25u << 24);
	mmio_w(&apic, LAPIC_REG_ID, 0x07000000); /* xAPIC ID is writable */
	assert_int_equal(lapic_id(&apic), 7);
	to_x2apic(&apic);
	/* the 32-bit x2APIC ID comes back, the logical ID is derived */
	assert_int_equal(msr_r(&apic, 0x802), 0x125);
	assert_int_equal(lapic_id(&apic), 0x125);
	assert_int_equal(msr_r(&apic, 0x80D), (0x12u << 16) | (1u << 5));
	assert_int_equal(msr_r(&apic, 0x803), 0x00050010);
}

static void test_x2apic_rw(void **state)
{
	(void)state;
	to_x2apic(&apic);
	msr_w(&apic, 0x80F, 0x1FF);
	assert_int_equal(msr_r(&apic, 0x80F), 0x1FF);
	msr_w(&apic, 0x808, 0x5A);
	assert_int_equal(msr_r(&apic, 0x808), 0x5A);
	assert_int_equal(msr_r(&apic, 0x80A), 0x5A);
	msr_w(&apic, 0x835, 0x1A7FF);
	assert_int_equal(msr_r(&apic, 0x835), 0x1A7FF);
	msr_w(&apic, 0x83E, 0xB);
	assert_int_equal(msr_r(&apic, 0x83E), 0xB);
	msr_w(&apic, 0x828, 0);
	assert_int_equal(msr_r(&apic, 0x828), 0);
	/* ICR is one 64-bit register: the destination in the high half */
	msr_w(&apic, 0x830, (0x12345ULL << 32) | 0x4031);
	assert_int_equal(msr_r(&apic, 0x830), (0x12345ULL << 32) | 0x4031);
	/* bit 12 is ignored, not #GP (SDM "ICR in x2APIC mode") */
	msr_w(&apic, 0x830, (1ULL << 32) | 0x1031);
	assert_int_equal(msr_r(&apic, 0x830), (1ULL << 32) | 0x0031);
}

static void test_x2apic_gp(void **state)
{
	/* read-only: write is #GP */
	static const uint32_t ro[] = { 0x802, 0x803, 0x80A, 0x80D, 0x810,
				       0x817, 0x818, 0x820, 0x827, 0x839 };
	/* write-only: read is #GP */
	static const uint32_t wo[] = { 0x80B, 0x83F };
	/* not in x2APIC: APR, RRD, DFR, ICR2, CMCI, reserved, beyond */
	static const uint32_t absent[] = { 0x800, 0x801, 0x809, 0x80C, 0x80E,
					   0x82F, 0x831, 0x83A, 0x840, 0x8FF };

	(void)state;
	setup();
	to_x2apic(&apic);
	for (size_t i = 0; i < sizeof(ro) / sizeof(ro[0]); i++) {
		assert_int_equal(msr_try_r(&apic, ro[i]), LAPIC_OK);
		assert_int_equal(lapic_msr_write(&apic, ro[i], 0), LAPIC_GP);
	}
	for (size_t i = 0; i < sizeof(wo) / sizeof(wo[0]); i++)
		assert_int_equal(msr_try_r(&apic, wo[i]), LAPIC_GP);
	for (size_t i = 0; i < sizeof(absent) / sizeof(absent[0]); i++) {
		assert_int_equal(msr_try_r(&apic, absent[i]), LAPIC_GP);
		assert_int_equal(lapic_msr_write(&apic, absent[i], 0), LAPIC_GP);
	}
	assert_int_equal(apic.stat[LAPIC_STAT_GP], 10 + 2 + 20);
}

static void test_x2apic_reserved_bits(void **state)
{
	struct {
		uint32_t msr;
		uint64_t val;
	} gp[] = {
		{ 0x808, 0x100 },			   /* TPR 31:8 */
		{ 0x808, 1ULL << 32 },			   /* upper half of a 32-bit register */
		{ 0x80B, 1 },				   /* EOI: only 0 */
		{ 0x828, 1 },				   /* ESR: only 0 */
		{ 0x80F, 1u << 12 },			   /* SVR: no EOI-broadcast suppression */
		{ 0x832, 1u << 19 },			   /* LVT timer */
		{ 0x832, 3u << 17 },			   /* LVT timer mode 11b */
		{ 0x833, 1u << 13 },			   /* LVT thermal */
		{ 0x837, 1u << 8 },			   /* LVT error: no delivery mode */
		{ 0x830, 1u << 13 },			   /* ICR */
		{ 0x830, 1u << 16 },   { 0x83E, 1u << 2 }, /* DCR */
		{ 0x83F, 0x100 },			   /* SELF_IPI */
	};

	(void)state;
	setup();
	to_x2apic(&apic);
	msr_w(&apic, 0x80F, 0x1FF);
	msr_w(&apic, 0x808, 0x20);
	for (size_t i = 0; i < sizeof(gp) / sizeof(gp[0]); i++)
		assert_int_equal(lapic_msr_write(&apic, gp[i].msr, gp[i].val), LAPIC_GP);
	/* nothing changed */
	assert_int_equal(msr_r(&apic, 0x808), 0x20);
	assert_int_equal(msr_r(&apic, 0x832), LAPIC_LVT_MASKED);
	assert_int_equal(msr_r(&apic, 0x830), 0);
	assert_int_equal(fk.ipi_count, 0);
	/* read-only status bits are ignored, not #GP */
	msr_w(&apic, 0x835, (1u << 14) | (1u << 12) | 0x700);
	assert_int_equal(msr_r(&apic, 0x835), 0x700);
	/* without TSC-deadline, bit 18 is reserved */
	struct lapic_config c = default_cfg;
	c.tsc_deadline = false;
	setup_cfg(&apic, &fk, &c);
	to_x2apic(&apic);
	assert_int_equal(lapic_msr_write(&apic, 0x832, 1u << 18), LAPIC_GP);
}

static void test_msr_wrong_mode(void **state)
{
	struct lapic_config c = default_cfg;

	(void)state;
	setup();
	assert_int_equal(msr_try_r(&apic, 0x808), LAPIC_GP);
	assert_int_equal(lapic_msr_write(&apic, 0x808, 0), LAPIC_GP);
	assert_int_equal(msr_try_r(&apic, 0x10), LAPIC_GP);
	assert_int_equal(lapic_msr_write(&apic, 0x6E1, 0), LAPIC_GP);
	assert_true(lapic_msr_owned(0x1B));
	assert_true(lapic_msr_owned(0x6E0));
	assert_true(lapic_msr_owned(0x800));
	assert_true(lapic_msr_owned(0x8FF));
	assert_false(lapic_msr_owned(0x900));
	assert_false(lapic_msr_owned(0x10));
	msr_w(&apic, LAPIC_MSR_APIC_BASE, LAPIC_DEFAULT_BASE);
	assert_int_equal(msr_try_r(&apic, 0x808), LAPIC_GP);
	/* IA32_TSC_DEADLINE only with the feature */
	c.tsc_deadline = false;
	setup_cfg(&apic, &fk, &c);
	assert_int_equal(msr_try_r(&apic, LAPIC_MSR_TSC_DEADLINE), LAPIC_GP);
	assert_int_equal(lapic_msr_write(&apic, LAPIC_MSR_TSC_DEADLINE, 1), LAPIC_GP);
}

/* --- mode transitions ------------------------------------------------------- */

static void test_mode_transitions(void **state)
{
	const uint64_t b = LAPIC_DEFAULT_BASE;
	const uint64_t en = LAPIC_BASE_EN, x2 = LAPIC_BASE_EXTD;

	(void)state;
	setup();
	sw_enable(&apic);
	mmio_w(&apic, LAPIC_REG_TPR, 0x30);
	/* illegal values and transitions: #GP, nothing changes */
	assert_int_equal(lapic_msr_write(&apic, 0x1B, b | x2), LAPIC_GP); /* EN=0 EXTD=1 */
	assert_int_equal(lapic_msr_write(&apic, 0x1B, b | en | (1u << 9)), LAPIC_GP);
	assert_int_equal(lapic_msr_write(&apic, 0x1B, b | en | 1), LAPIC_GP);
	assert_int_equal(lapic_msr_write(&apic, 0x1B, b | en | (1ULL << 48)), LAPIC_GP);
	assert_int_equal(lapic_msr_write(&apic, 0x1B, 0xFED00000 | en), LAPIC_GP); /* relocated */
	assert_int_equal(mmio_r(&apic, LAPIC_REG_TPR), 0x30);
	/* xAPIC -> xAPIC with BSP cleared: legal */
	msr_w(&apic, 0x1B, b | en);
	assert_int_equal(msr_r(&apic, 0x1B), b | en);
	/* xAPIC -> x2APIC keeps registers */
	msr_w(&apic, 0x1B, b | en | x2);
	assert_int_equal(msr_r(&apic, 0x808), 0x30);
	/* x2APIC -> xAPIC: #GP */
	assert_int_equal(lapic_msr_write(&apic, 0x1B, b | en), LAPIC_GP);
	assert_int_equal(lapic_mode(&apic), LAPIC_MODE_X2APIC);
	/* x2APIC -> disabled: state reset */
	msr_w(&apic, 0x1B, b);
	assert_int_equal(lapic_mode(&apic), LAPIC_MODE_DISABLED);
	/* disabled -> x2APIC: #GP */
	assert_int_equal(lapic_msr_write(&apic, 0x1B, b | en | x2), LAPIC_GP);
	/* disabled -> xAPIC: power-up register values */
	msr_w(&apic, 0x1B, b | en);
	assert_int_equal(mmio_r(&apic, LAPIC_REG_TPR), 0);
	assert_int_equal(mmio_r(&apic, LAPIC_REG_SVR), 0xFF);
	assert_int_equal(mmio_r(&apic, LAPIC_REG_ID), 3u << 24);
	assert_int_equal(apic.stat[LAPIC_STAT_MODE_CHANGE], 3);

	/* a CPU without x2APIC: EXTD is reserved */
	struct lapic_config c = default_cfg;
	c.x2apic = false;
	setup_cfg(&apic, &fk, &c);
	assert_int_equal(lapic_msr_write(&apic, 0x1B, b | en | x2), LAPIC_GP);
}

static void test_disable_drops_state(void **state)
{
	(void)state;
	mmio_w(&apic, LAPIC_REG_LVT_TIMER, 0x30);
	mmio_w(&apic, LAPIC_REG_TIMER_ICR, 1000);
	assert_true(fk.armed);
	assert_true(lapic_set_irr(&apic, 0x40, false));
	msr_w(&apic, 0x1B, LAPIC_DEFAULT_BASE);
	assert_false(fk.armed);
	assert_int_equal(lapic_pending(&apic), LAPIC_NO_VECTOR);
	assert_false(lapic_set_irr(&apic, 0x40, false));
	msr_w(&apic, 0x1B, LAPIC_DEFAULT_BASE | LAPIC_BASE_EN);
	assert_false(irr_has(&apic, 0x40));
	assert_int_equal(mmio_r(&apic, LAPIC_REG_TIMER_ICR), 0);
}

static void test_init_reset(void **state)
{
	(void)state;
	to_x2apic(&apic);
	msr_w(&apic, 0x80F, 0x1FF);
	msr_w(&apic, 0x808, 0x40);
	msr_w(&apic, 0x832, 0x31);
	msr_w(&apic, 0x838, 500);
	assert_true(lapic_set_irr(&apic, 0x90, false));
	assert_true(fk.armed);
	assert_int_equal(lapic_init_reset(&apic), LAPIC_OK);
	assert_int_equal(lapic_mode(&apic), LAPIC_MODE_X2APIC);
	assert_int_equal(msr_r(&apic, 0x802), 3);
	assert_int_equal(msr_r(&apic, 0x80D), 1u << 3);
	assert_int_equal(msr_r(&apic, 0x808), 0);
	assert_int_equal(msr_r(&apic, 0x80F), 0xFF);
	assert_int_equal(msr_r(&apic, 0x832), LAPIC_LVT_MASKED);
	assert_int_equal(lapic_pending(&apic), LAPIC_NO_VECTOR);
	assert_false(fk.armed);
	assert_int_equal(fk.cancel_count, 1);
}

/* --- priorities, IRR/ISR/EOI ------------------------------------------------ */

/* write TPR, then read reg */
static void tpr_then(uint32_t tpr, uint32_t reg, uint32_t want)
{
	mmio_w(&apic, LAPIC_REG_TPR, tpr);
	assert_int_equal(mmio_r(&apic, reg), want);
}

static void test_tpr_ppr(void **state)
{
	(void)state;
	tpr_then(0x45, LAPIC_REG_PPR, 0x45);
	assert_true(lapic_set_irr(&apic, 0x61, false));
	assert_int_equal(take(&apic), 0x61);
	/* ISR class 6 above TPR class 4: PPR = 0x60 */
	assert_int_equal(mmio_r(&apic, LAPIC_REG_PPR), 0x60);
	tpr_then(0x65, LAPIC_REG_PPR, 0x65); /* TPR class = ISR class: TPR */
	tpr_then(0x7F, LAPIC_REG_PPR, 0x7F);
	tpr_then(0x10, LAPIC_REG_PPR, 0x60);
	mmio_w(&apic, LAPIC_REG_EOI, 0);
	assert_int_equal(mmio_r(&apic, LAPIC_REG_PPR), 0x10);
}

static void test_apr(void **state)
{
	(void)state;
	tpr_then(0x35, LAPIC_REG_APR, 0x35);
	assert_true(lapic_set_irr(&apic, 0x52, false));
	assert_int_equal(mmio_r(&apic, LAPIC_REG_APR), 0x50); /* IRR class wins */
	assert_int_equal(take(&apic), 0x52);
	assert_int_equal(mmio_r(&apic, LAPIC_REG_APR), 0x50); /* ISR class wins */
	tpr_then(0x57, LAPIC_REG_APR, 0x50);		      /* not above ISR */
	tpr_then(0x67, LAPIC_REG_APR, 0x67);
}

static void test_pending_priority(void **state)
{
	(void)state;
	assert_int_equal(lapic_pending(&apic), LAPIC_NO_VECTOR);
	mmio_w(&apic, LAPIC_REG_TPR, 0x50);
	assert_true(lapic_set_irr(&apic, 0x5F, false));
	assert_int_equal(lapic_pending(&apic), LAPIC_NO_VECTOR); /* class 5 vs PPR 5 */
	mmio_w(&apic, LAPIC_REG_TPR, 0x4F);
	assert_int_equal(lapic_pending(&apic), 0x5F);
	assert_true(lapic_set_irr(&apic, 0x31, false));
	assert_true(lapic_set_irr(&apic, 0x82, false));
	assert_int_equal(lapic_pending(&apic), 0x82);
	assert_int_equal(take(&apic), 0x82);
	assert_int_equal(lapic_pending(&apic), LAPIC_NO_VECTOR); /* 0x5F below 0x80 */
	mmio_w(&apic, LAPIC_REG_EOI, 0);
	assert_int_equal(take(&apic), 0x5F);
	mmio_w(&apic, LAPIC_REG_EOI, 0);
	assert_int_equal(lapic_pending(&apic), LAPIC_NO_VECTOR); /* 0x31 under TPR 0x4F */
	mmio_w(&apic, LAPIC_REG_TPR, 0);
	assert_int_equal(take(&apic), 0x31);
}

static void test_nested_eoi_order(void **state)
{
	(void)state;
	assert_true(lapic_set_irr(&apic, 0x40, false));
	assert_int_equal(take(&apic), 0x40);
	assert_true(lapic_set_irr(&apic, 0x80, false));
	assert_int_equal(take(&apic), 0x80); /* nests above 0x40 */
	assert_true(lapic_set_irr(&apic, 0x60, false));
	assert_int_equal(lapic_pending(&apic), LAPIC_NO_VECTOR);
	assert_int_equal(mmio_r(&apic, LAPIC_REG_ISR + 0x40), 1u << 0); /* 0x80 */
	assert_int_equal(mmio_r(&apic, LAPIC_REG_ISR + 0x20), 1u << 0); /* 0x40 */
	mmio_w(&apic, LAPIC_REG_EOI, 0);				/* ends 0x80 */
	assert_int_equal(mmio_r(&apic, LAPIC_REG_ISR + 0x40), 0);
	assert_int_equal(mmio_r(&apic, LAPIC_REG_PPR), 0x40);
	assert_int_equal(take(&apic), 0x60);
	mmio_w(&apic, LAPIC_REG_EOI, 0); /* ends 0x60 */
	assert_int_equal(mmio_r(&apic, LAPIC_REG_ISR + 0x20), 1u << 0);
	mmio_w(&apic, LAPIC_REG_EOI, 0); /* ends 0x40 */
	assert_int_equal(mmio_r(&apic, LAPIC_REG_ISR + 0x20), 0);
	assert_int_equal(mmio_r(&apic, LAPIC_REG_PPR), 0);
	mmio_w(&apic, LAPIC_REG_EOI, 0); /* nothing in service */
	assert_int_equal(apic.stat[LAPIC_STAT_EOI], 3);
	assert_int_equal(apic.stat[LAPIC_STAT_EOI_EMPTY], 1);
	assert_int_equal(fk.eoi_count, 0);
}

static void test_eoi_forward(void **state)
{
	(void)state;
	/* level-triggered: TMR set, EOI forwarded */
	assert_true(lapic_set_irr(&apic, 0x50, true));
	assert_true(tmr_has(&apic, 0x50));
	assert_int_equal(take(&apic), 0x50);
	mmio_w(&apic, LAPIC_REG_EOI, 0);
	assert_int_equal(fk.eoi_count, 1);
	assert_int_equal(fk.eoi[0], 0x50);
	/* edge: not forwarded; re-accepting as edge clears TMR */
	assert_true(lapic_set_irr(&apic, 0x50, false));
	assert_false(tmr_has(&apic, 0x50));
	assert_int_equal(take(&apic), 0x50);
	mmio_w(&apic, LAPIC_REG_EOI, 0);
	assert_int_equal(fk.eoi_count, 1);
	/* marked "EOI to host": forwarded though edge */
	lapic_set_eoi_forward(&apic, 0x52, true);
	assert_true(lapic_set_irr(&apic, 0x52, false));
	assert_int_equal(take(&apic), 0x52);
	to_x2apic(&apic);
	msr_w(&apic, 0x80B, 0);
	assert_int_equal(fk.eoi_count, 2);
	assert_int_equal(fk.eoi[1], 0x52);
	lapic_set_eoi_forward(&apic, 0x52, false);
	assert_true(lapic_set_irr(&apic, 0x52, false));
	assert_int_equal(take(&apic), 0x52);
	msr_w(&apic, 0x80B, 0);
	assert_int_equal(fk.eoi_count, 2);
	/* the host failing is a host error */
	assert_true(lapic_set_irr(&apic, 0x53, true));
	assert_int_equal(take(&apic), 0x53);
	fk.fail = true;
	assert_int_equal(lapic_msr_write(&apic, 0x80B, 0), LAPIC_HOST_ERROR);
	assert_int_equal(apic.stat[LAPIC_STAT_EOI_FORWARD], 3);
}

/** What the host holds in its ISR for this APIC: pending or in-service
 * vectors whose EOI goes to the host (forwarded or level), at or above a
 * vector; edge vectors not forwarded and lower vectors do not count. */
static void test_host_holds_from(void **state)
{
	(void)state;
	assert_false(lapic_host_holds_from(&apic, 0x20));
	assert_true(lapic_set_irr(&apic, 0x61, false)); /* edge, not forwarded */
	assert_false(lapic_host_holds_from(&apic, 0x20));
	lapic_set_eoi_forward(&apic, 0x61, true);
	assert_true(lapic_host_holds_from(&apic, 0x61));
	assert_true(lapic_host_holds_from(&apic, 0x20));
	assert_false(lapic_host_holds_from(&apic, 0x62));
	assert_int_equal(take(&apic), 0x61); /* in service: still held */
	assert_true(lapic_host_holds_from(&apic, 0x40));
	mmio_w(&apic, LAPIC_REG_EOI, 0);
	assert_false(lapic_host_holds_from(&apic, 0x40));
	assert_true(lapic_set_irr(&apic, 0xC1, true)); /* level: held */
	assert_true(lapic_host_holds_from(&apic, 0xC1));
	assert_false(lapic_host_holds_from(&apic, 0xC2));
}

static void test_spurious_and_refusals(void **state)
{
	(void)state;
	/* software-disabled: fixed interrupts refused */
	assert_false(lapic_set_irr(&apic, 0x40, false));
	assert_int_equal(apic.stat[LAPIC_STAT_IRR_DROPPED], 1);
	mmio_w(&apic, LAPIC_REG_SVR, 0x1EF);
	/* an ack of a vector no longer in IRR gets the spurious vector */
	assert_int_equal(lapic_ack(&apic, 0x40), 0xEF);
	assert_int_equal(apic.stat[LAPIC_STAT_SPURIOUS], 1);
	assert_int_equal(mmio_r(&apic, LAPIC_REG_ISR + 0x20), 0);
	assert_int_equal(mmio_r(&apic, LAPIC_REG_PPR), 0);
	/* illegal vectors 0-15: receive error, nothing in IRR */
	for (unsigned int v = 0; v < 16; v++)
		assert_false(lapic_set_irr(&apic, (uint8_t)v, false));
	assert_int_equal(mmio_r(&apic, LAPIC_REG_IRR), 0);
	assert_int_equal(esr_latch(&apic), LAPIC_ESR_RECV_ILLEGAL);
	assert_int_equal(esr_latch(&apic), 0);
	/* with the error LVT unmasked, the error raises its interrupt */
	mmio_w(&apic, LAPIC_REG_LVT_ERROR, 0xFE);
	assert_false(lapic_set_irr(&apic, 3, false));
	assert_true(irr_has(&apic, 0xFE));
	/* an illegal error vector logs once and stops */
	setup();
	sw_enable(&apic);
	mmio_w(&apic, LAPIC_REG_LVT_ERROR, 0x05);
	assert_false(lapic_set_irr(&apic, 3, false));
	assert_int_equal(apic.stat[LAPIC_STAT_ERROR], 1);
	assert_int_equal(esr_latch(&apic), LAPIC_ESR_RECV_ILLEGAL);
}

static void test_esr_latch(void **state)
{
	(void)state;
	assert_false(lapic_set_irr(&apic, 1, false));
	/* logged, not visible until a write */
	assert_int_equal(mmio_r(&apic, LAPIC_REG_ESR), 0);
	mmio_w(&apic, LAPIC_REG_ESR, 0xFFFFFFFF);
	assert_int_equal(mmio_r(&apic, LAPIC_REG_ESR), LAPIC_ESR_RECV_ILLEGAL);
	mmio_r(&apic, 0x2F0); /* illegal register */
	assert_int_equal(mmio_r(&apic, LAPIC_REG_ESR), LAPIC_ESR_RECV_ILLEGAL);
	mmio_w(&apic, LAPIC_REG_ESR, 0);
	assert_int_equal(mmio_r(&apic, LAPIC_REG_ESR), LAPIC_ESR_ILLEGAL_REG);
	mmio_w(&apic, LAPIC_REG_ESR, 0);
	assert_int_equal(mmio_r(&apic, LAPIC_REG_ESR), 0);
}

static void test_software_disable_masks(void **state)
{
	(void)state;
	for (uint32_t o = LAPIC_REG_LVT_TIMER; o <= LAPIC_REG_LVT_ERROR; o += 16)
		mmio_w(&apic, o, 0x40);
	assert_int_equal(mmio_r(&apic, LAPIC_REG_LVT_LINT0), 0x40);
	mmio_w(&apic, LAPIC_REG_SVR, 0xFF);
	for (uint32_t o = LAPIC_REG_LVT_TIMER; o <= LAPIC_REG_LVT_ERROR; o += 16) {
		assert_int_equal(mmio_r(&apic, o), 0x40 | LAPIC_LVT_MASKED);
		mmio_w(&apic, o, 0x41); /* the mask stays */
		assert_int_equal(mmio_r(&apic, o), 0x41 | LAPIC_LVT_MASKED);
	}
	sw_enable(&apic);
	assert_int_equal(mmio_r(&apic, LAPIC_REG_LVT_PERF), 0x41 | LAPIC_LVT_MASKED);
	mmio_w(&apic, LAPIC_REG_LVT_PERF, 0x41);
	assert_int_equal(mmio_r(&apic, LAPIC_REG_LVT_PERF), 0x41);
}

/* --- ICR --------------------------------------------------------------------- */

static void icr_send(uint32_t dest8, uint32_t low)
{
	mmio_w(&apic, LAPIC_REG_ICR2, dest8 << 24);
	mmio_w(&apic, LAPIC_REG_ICR, low);
}

static void test_icr_fixed_physical(void **state)
{
	(void)state;
	icr_send(5, 0x00004041);
	assert_int_equal(fk.ipi_count, 1);
	assert_ptr_equal(fk.ipi[0].src, &apic);
	assert_int_equal(fk.ipi[0].mode, LAPIC_IPI_FIXED);
	assert_int_equal(fk.ipi[0].shorthand, LAPIC_SH_NONE);
	assert_false(fk.ipi[0].logical);
	assert_false(fk.ipi[0].x2apic);
	assert_int_equal(fk.ipi[0].dest, 5);
	assert_int_equal(fk.ipi[0].vector, 0x41);
	/* stored; delivery status reads idle */
	assert_int_equal(mmio_r(&apic, LAPIC_REG_ICR), 0x4041);
	assert_int_equal(mmio_r(&apic, LAPIC_REG_ICR2), 5u << 24);
	/* writing ICR2 alone sends nothing */
	mmio_w(&apic, LAPIC_REG_ICR2, 6u << 24);
	assert_int_equal(fk.ipi_count, 1);
	assert_int_equal(apic.stat[LAPIC_STAT_IPI_SENT], 1);
}

static void test_icr_delivery_modes(void **state)
{
	static const struct {
		uint32_t low;
		enum lapic_ipi_mode mode;
		uint8_t vector;
		bool logical;
	} cases[] = {
		{ 0x00004433, LAPIC_IPI_NMI, 0, false },
		{ 0x00004533, LAPIC_IPI_INIT, 0, false },
		{ 0x0000C500, LAPIC_IPI_INIT, 0, false }, /* level assert */
		{ 0x00004608, LAPIC_IPI_SIPI, 0x08, false },
		{ 0x00004609, LAPIC_IPI_SIPI, 0x09, true },
		{ 0x00004151, LAPIC_IPI_LOWEST, 0x51, true },
		{ 0x00004051, LAPIC_IPI_FIXED, 0x51, true },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		setup();
		sw_enable(&apic);
		icr_send(0x0F, cases[i].low | (cases[i].logical ? LAPIC_ICR_LOGICAL : 0));
		assert_int_equal(fk.ipi_count, 1);
		assert_int_equal(fk.ipi[0].mode, cases[i].mode);
		assert_int_equal(fk.ipi[0].vector, cases[i].vector);
		assert_int_equal(fk.ipi[0].logical, cases[i].logical);
		assert_int_equal(fk.ipi[0].dest, 0x0F);
	}
	/* INIT level de-assert: nothing sent */
	setup();
	icr_send(1, 0x00008500);
	assert_int_equal(fk.ipi_count, 0);
	assert_int_equal(apic.stat[LAPIC_STAT_IPI_DEASSERT], 1);
}

static void test_icr_shorthands(void **state)
{
	(void)state;
	/* self, fixed: into our own IRR, not to the router */
	icr_send(0, (1u << 18) | 0x4071);
	assert_int_equal(fk.ipi_count, 0);
	assert_true(irr_has(&apic, 0x71));
	assert_int_equal(apic.stat[LAPIC_STAT_IPI_SELF], 1);
	/* self and all-including-self carry fixed only */
	icr_send(0, (1u << 18) | 0x4400);
	icr_send(0, (2u << 18) | 0x4500);
	icr_send(0, (2u << 18) | 0x4600);
	icr_send(0, (2u << 18) | 0x4140);
	assert_int_equal(fk.ipi_count, 0);
	assert_int_equal(apic.stat[LAPIC_STAT_IPI_INVALID], 4);
	/* all including self, fixed */
	icr_send(0, (2u << 18) | 0x4072);
	assert_int_equal(fk.ipi_count, 1);
	assert_int_equal(fk.ipi[0].shorthand, LAPIC_SH_ALL);
	assert_int_equal(fk.ipi[0].vector, 0x72);
	/* all excluding self: INIT and SIPI (the AP wake-up) */
	icr_send(0, (3u << 18) | 0x4500);
	icr_send(0, (3u << 18) | 0x4610);
	assert_int_equal(fk.ipi_count, 3);
	assert_int_equal(fk.ipi[1].shorthand, LAPIC_SH_OTHERS);
	assert_int_equal(fk.ipi[1].mode, LAPIC_IPI_INIT);
	assert_int_equal(fk.ipi[2].mode, LAPIC_IPI_SIPI);
	assert_int_equal(fk.ipi[2].vector, 0x10);
}

static void test_icr_refused(void **state)
{
	(void)state;
	/* fixed/lowest with vector 0-15: send error, not sent */
	icr_send(1, 0x400F);
	icr_send(1, 0x410E);
	assert_int_equal(fk.ipi_count, 0);
	assert_int_equal(esr_latch(&apic), LAPIC_ESR_SEND_ILLEGAL);
	/* reserved delivery modes */
	icr_send(1, 0x4340);
	icr_send(1, 0x4740);
	assert_int_equal(fk.ipi_count, 0);
	assert_int_equal(apic.stat[LAPIC_STAT_IPI_INVALID], 2);
	/* SMI: not emulated, and nothing is stored */
	uint32_t before = mmio_r(&apic, LAPIC_REG_ICR);
	assert_int_equal(lapic_mmio_write(&apic, LAPIC_REG_ICR, 4, 0x4200), LAPIC_UNSUPPORTED);
	assert_int_equal(mmio_r(&apic, LAPIC_REG_ICR), before);
	assert_int_equal(fk.ipi_count, 0);
	/* the router failing is a host error */
	fk.fail = true;
	assert_int_equal(lapic_mmio_write(&apic, LAPIC_REG_ICR, 4, 0x4040), LAPIC_HOST_ERROR);
}

static void test_icr_x2apic(void **state)
{
	(void)state;
	to_x2apic(&apic);
	msr_w(&apic, 0x80F, 0x1FF);
	msr_w(&apic, 0x830, (0x12345ULL << 32) | LAPIC_ICR_LOGICAL | 0x4044);
	assert_int_equal(fk.ipi_count, 1);
	assert_true(fk.ipi[0].x2apic);
	assert_true(fk.ipi[0].logical);
	assert_int_equal(fk.ipi[0].dest, 0x12345);
	assert_int_equal(fk.ipi[0].vector, 0x44);
	/* SELF_IPI */
	msr_w(&apic, 0x83F, 0x33);
	assert_true((msr_r(&apic, 0x821) >> 19) & 1); /* 0x33: IRR word 1, bit 19 */
	assert_int_equal(lapic_pending(&apic), 0x33);
	msr_w(&apic, 0x83F, 0x05);
	msr_w(&apic, 0x828, 0);
	assert_int_equal(msr_r(&apic, 0x828), LAPIC_ESR_RECV_ILLEGAL);
	assert_int_equal(fk.ipi_count, 1);
}

/* --- destinations ------------------------------------------------------------ */

struct match_case {
	uint32_t ldr, dfr; /* the target's (xAPIC) */
	uint32_t dest;
	bool logical, x2apic;
	enum lapic_shorthand sh;
	bool from_self; /* the target sent it */
	bool want;
};

static void check_matches(struct lapic *t, const struct match_case *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct lapic_ipi ipi = {
			.src = c[i].from_self ? t : &apic,
			.mode = LAPIC_IPI_FIXED,
			.shorthand = c[i].sh,
			.logical = c[i].logical,
			.x2apic = c[i].x2apic,
			.dest = c[i].dest,
			.vector = 0x40,
		};
		if (lapic_mode(t) == LAPIC_MODE_XAPIC) {
			mmio_w(t, LAPIC_REG_LDR, c[i].ldr);
			mmio_w(t, LAPIC_REG_DFR, c[i].dfr);
		}
		assert_int_equal(lapic_ipi_match(t, &ipi), c[i].want);
	}
}

static void test_ipi_match_xapic(void **state)
{
	const uint32_t flat = 0xFFFFFFFF, cluster = 0x0FFFFFFF, ldr = 0x24u << 24;
	static const struct match_case cases[] = {
		/* physical (target ID 9), broadcast */
		{ 0, 0xFFFFFFFF, 9, false, false, LAPIC_SH_NONE, false, true },
		{ 0, 0xFFFFFFFF, 3, false, false, LAPIC_SH_NONE, false, false },
		{ 0, 0xFFFFFFFF, 0xFF, false, false, LAPIC_SH_NONE, false, true },
		/* shorthands */
		{ 0, 0xFFFFFFFF, 0, false, false, LAPIC_SH_OTHERS, false, true },
		{ 0, 0xFFFFFFFF, 0, false, false, LAPIC_SH_OTHERS, true, false },
		{ 0, 0xFFFFFFFF, 0, false, false, LAPIC_SH_ALL, true, true },
		{ 0, 0xFFFFFFFF, 0, false, false, LAPIC_SH_SELF, true, true },
		{ 0, 0xFFFFFFFF, 0, false, false, LAPIC_SH_SELF, false, false },
	};
	/* logical, by the target's DFR model and LDR 0x24 */
	const struct match_case logical[] = {
		{ ldr, flat, 0x04, true, false, LAPIC_SH_NONE, false, true },
		{ ldr, flat, 0x09, true, false, LAPIC_SH_NONE, false, false },
		{ ldr, flat, 0xFF, true, false, LAPIC_SH_NONE, false, true },
		{ ldr, cluster, 0x24, true, false, LAPIC_SH_NONE, false, true },
		{ ldr, cluster, 0x34, true, false, LAPIC_SH_NONE, false, false },
		{ ldr, cluster, 0x28, true, false, LAPIC_SH_NONE, false, false },
	};
	struct lapic_config c = default_cfg;

	(void)state;
	setup();
	c.apic_id = 9;
	setup_cfg(&apic2, &fk2, &c);
	check_matches(&apic2, cases, sizeof(cases) / sizeof(cases[0]));
	check_matches(&apic2, logical, sizeof(logical) / sizeof(logical[0]));
	/* a disabled APIC is nobody's destination */
	msr_w(&apic2, 0x1B, LAPIC_DEFAULT_BASE);
	struct lapic_ipi all = { .src = &apic, .shorthand = LAPIC_SH_ALL };
	assert_false(lapic_ipi_match(&apic2, &all));
}

static void test_ipi_match_x2apic(void **state)
{
	/* target x2APIC ID 0x123: logical cluster 0x12, bit 3 */
	static const struct match_case cases[] = {
		{ 0, 0, 0x123, false, true, LAPIC_SH_NONE, false, true },
		{ 0, 0, 0x23, false, true, LAPIC_SH_NONE, false, false },
		{ 0, 0, 0xFFFFFFFF, false, true, LAPIC_SH_NONE, false, true },
		{ 0, 0, (0x12u << 16) | 0x0008, true, true, LAPIC_SH_NONE, false, true },
		{ 0, 0, (0x12u << 16) | 0x0004, true, true, LAPIC_SH_NONE, false, false },
		{ 0, 0, (0x13u << 16) | 0x0008, true, true, LAPIC_SH_NONE, false, false },
		{ 0, 0, 0xFFFFFFFF, true, true, LAPIC_SH_NONE, false, true },
	};
	struct lapic_config c = default_cfg;

	(void)state;
	setup();
	c.apic_id = 0x123;
	setup_cfg(&apic2, &fk2, &c);
	to_x2apic(&apic2);
	check_matches(&apic2, cases, sizeof(cases) / sizeof(cases[0]));
}

/* --- timer -------------------------------------------------------------------- */

static void timer_start(uint32_t lvt, uint32_t dcr, uint32_t count)
{
	sw_enable(&apic);
	mmio_w(&apic, LAPIC_REG_TIMER_DCR, dcr);
	mmio_w(&apic, LAPIC_REG_LVT_TIMER, lvt);
	mmio_w(&apic, LAPIC_REG_TIMER_ICR, count);
}

static void test_timer_oneshot(void **state)
{
	(void)state;
	fk.ns = 1000;
	timer_start(0x30, 0xB, 1000); /* divide by 1 */
	assert_true(fk.armed);
	assert_int_equal(fk.req.clock, LAPIC_CLOCK_NS);
	assert_int_equal(fk.req.deadline, 2000);
	assert_int_equal(fk.req.vector, 0x30);
	fk.ns = 1400;
	assert_int_equal(mmio_r(&apic, LAPIC_REG_TIMER_CCR), 600);
	assert_int_equal(lapic_timer_poll(&apic), LAPIC_OK);
	assert_false(irr_has(&apic, 0x30));
	/* the real timer runs on another clock and fires 3 ns early: not
	 * due yet, so it is armed again for the rest */
	fk.ns = 1997;
	fk.armed = false;
	assert_int_equal(lapic_timer_fired(&apic), LAPIC_OK);
	assert_false(irr_has(&apic, 0x30));
	assert_true(fk.armed);
	assert_int_equal(fk.req.deadline, 2000);
	assert_int_equal(fk.arm_count, 2);
	fk.ns = 2000;
	fk.armed = false; /* the real timer fired */
	assert_int_equal(lapic_timer_fired(&apic), LAPIC_OK);
	assert_true(irr_has(&apic, 0x30));
	assert_int_equal(mmio_r(&apic, LAPIC_REG_TIMER_CCR), 0);
	assert_int_equal(fk.arm_count, 2);
	assert_int_equal(fk.cancel_count, 0);
	assert_int_equal(apic.stat[LAPIC_STAT_TIMER_FIRED], 1);
	/* restart, then stop with a zero count */
	mmio_w(&apic, LAPIC_REG_TIMER_ICR, 50);
	assert_int_equal(fk.req.deadline, 2050);
	mmio_w(&apic, LAPIC_REG_TIMER_ICR, 0);
	assert_false(fk.armed);
	assert_int_equal(fk.cancel_count, 1);
	assert_int_equal(mmio_r(&apic, LAPIC_REG_TIMER_CCR), 0);
}

static void test_timer_periodic(void **state)
{
	(void)state;
	timer_start(0x31 | (1u << 17), 0x0, 100); /* divide by 2: period 200 ns */
	assert_int_equal(fk.req.deadline, 200);
	fk.ns = 199;
	assert_int_equal(mmio_r(&apic, LAPIC_REG_TIMER_CCR), 1);
	fk.ns = 200;
	assert_int_equal(lapic_timer_poll(&apic), LAPIC_OK);
	assert_true(irr_has(&apic, 0x31));
	assert_int_equal(fk.req.deadline, 400);
	assert_int_equal(mmio_r(&apic, LAPIC_REG_TIMER_CCR), 100);
	assert_int_equal(take(&apic), 0x31);
	mmio_w(&apic, LAPIC_REG_EOI, 0);
	/* late by three periods: one interrupt, the next deadline on the grid */
	fk.ns = 1050;
	assert_int_equal(lapic_timer_poll(&apic), LAPIC_OK);
	assert_true(irr_has(&apic, 0x31));
	assert_int_equal(fk.req.deadline, 1200);
	assert_int_equal(apic.stat[LAPIC_STAT_TIMER_COALESCED], 3);
	assert_int_equal(apic.stat[LAPIC_STAT_TIMER_FIRED], 2);
	assert_int_equal(mmio_r(&apic, LAPIC_REG_TIMER_CCR), 100 - 50 / 2);
}

static void test_timer_dividers(void **state)
{
	static const struct {
		uint32_t dcr, div;
	} d[] = {
		{ 0x0, 2 },  { 0x1, 4 },  { 0x2, 8 },	{ 0x3, 16 },
		{ 0x8, 32 }, { 0x9, 64 }, { 0xA, 128 }, { 0xB, 1 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(d) / sizeof(d[0]); i++) {
		for (uint32_t bus = 1; bus <= 3; bus += 2) {
			struct lapic_config c = default_cfg;
			c.bus_ns = bus;
			setup_cfg(&apic, &fk, &c);
			fk.ns = 77;
			timer_start(0x30, d[i].dcr, 0x100000);
			assert_int_equal(fk.req.deadline, 77 + 0x100000ULL * d[i].div * bus);
			fk.ns = 77 + 12800 * bus + bus - 1; /* just before the next tick */
			assert_int_equal(mmio_r(&apic, LAPIC_REG_TIMER_CCR),
					 0x100000 - 12800 / d[i].div);
		}
	}
}

static void test_timer_divider_change(void **state)
{
	(void)state;
	timer_start(0x30, 0xB, 1000);		 /* /1 */
	fk.ns = 300;				 /* count 700 */
	mmio_w(&apic, LAPIC_REG_TIMER_DCR, 0x1); /* /4 from now on */
	assert_int_equal(mmio_r(&apic, LAPIC_REG_TIMER_CCR), 700);
	assert_int_equal(fk.req.deadline, 300 + 700 * 4);
	fk.ns = 700;
	assert_int_equal(mmio_r(&apic, LAPIC_REG_TIMER_CCR), 600);
	/* a periodic reload uses the new divider */
	mmio_w(&apic, LAPIC_REG_LVT_TIMER, 0x30 | (1u << 17));
	fk.ns = 3100;
	assert_int_equal(lapic_timer_poll(&apic), LAPIC_OK);
	assert_true(irr_has(&apic, 0x30));
	assert_int_equal(fk.req.deadline, 3100 + 1000 * 4);
}

static void test_timer_masked(void **state)
{
	(void)state;
	timer_start(0x30 | LAPIC_LVT_MASKED, 0xB, 100);
	assert_false(fk.armed);
	fk.ns = 50;
	assert_int_equal(mmio_r(&apic, LAPIC_REG_TIMER_CCR), 50); /* counts while masked */
	fk.ns = 150;
	assert_int_equal(mmio_r(&apic, LAPIC_REG_TIMER_CCR), 0);
	assert_false(irr_has(&apic, 0x30));
	assert_int_equal(apic.stat[LAPIC_STAT_TIMER_MASKED], 1);
	/* unmasking after the expiry delivers nothing */
	mmio_w(&apic, LAPIC_REG_LVT_TIMER, 0x30);
	assert_false(fk.armed);
	assert_false(irr_has(&apic, 0x30));
	/* masking an armed timer cancels the real one; unmasking re-arms */
	mmio_w(&apic, LAPIC_REG_TIMER_ICR, 100);
	assert_true(fk.armed);
	mmio_w(&apic, LAPIC_REG_LVT_TIMER, 0x30 | LAPIC_LVT_MASKED);
	assert_false(fk.armed);
	mmio_w(&apic, LAPIC_REG_LVT_TIMER, 0x32);
	assert_true(fk.armed);
	assert_int_equal(fk.req.vector, 0x32);
	assert_int_equal(fk.req.deadline, 250);
	/* software disable masks it too */
	mmio_w(&apic, LAPIC_REG_SVR, 0xFF);
	assert_false(fk.armed);
}

static void test_timer_tsc_deadline(void **state)
{
	const uint32_t tscdl = 2u << 17;

	(void)state;
	setup();
	to_x2apic(&apic);
	msr_w(&apic, 0x80F, 0x1FF);
	msr_w(&apic, 0x832, tscdl | 0x40);
	/* initial count ignored, current count 0 */
	msr_w(&apic, 0x838, 1000);
	assert_int_equal(msr_r(&apic, 0x838), 0);
	assert_int_equal(msr_r(&apic, 0x839), 0);
	assert_false(fk.armed);
	fk.tsc = 1000;
	msr_w(&apic, LAPIC_MSR_TSC_DEADLINE, 5000);
	assert_true(fk.armed);
	assert_int_equal(fk.req.clock, LAPIC_CLOCK_TSC);
	assert_int_equal(fk.req.deadline, 5000);
	assert_int_equal(fk.req.vector, 0x40);
	assert_int_equal(msr_r(&apic, LAPIC_MSR_TSC_DEADLINE), 5000);
	fk.tsc = 5000;
	assert_int_equal(lapic_timer_poll(&apic), LAPIC_OK);
	assert_int_equal(lapic_pending(&apic), 0x40);
	assert_int_equal(msr_r(&apic, LAPIC_MSR_TSC_DEADLINE), 0);
	assert_int_equal(take(&apic), 0x40);
	msr_w(&apic, 0x80B, 0);
	/* a deadline in the past fires at once */
	msr_w(&apic, LAPIC_MSR_TSC_DEADLINE, 4000);
	assert_int_equal(lapic_pending(&apic), 0x40);
	assert_int_equal(msr_r(&apic, LAPIC_MSR_TSC_DEADLINE), 0);
	/* 0 disarms */
	msr_w(&apic, LAPIC_MSR_TSC_DEADLINE, 9000);
	assert_true(fk.armed);
	msr_w(&apic, LAPIC_MSR_TSC_DEADLINE, 0);
	assert_false(fk.armed);
	/* leaving TSC-deadline mode disarms; the MSR then reads 0, writes ignored */
	msr_w(&apic, LAPIC_MSR_TSC_DEADLINE, 9000);
	msr_w(&apic, 0x832, 0x40);
	assert_false(fk.armed);
	assert_int_equal(msr_r(&apic, LAPIC_MSR_TSC_DEADLINE), 0);
	msr_w(&apic, LAPIC_MSR_TSC_DEADLINE, 9500);
	assert_false(fk.armed);
	assert_int_equal(apic.stat[LAPIC_STAT_TIMER_IGNORED], 2);
}

static void test_timer_mode_switch(void **state)
{
	(void)state;
	timer_start(0x30, 0xB, 1000);
	assert_true(fk.armed);
	/* one-shot -> periodic keeps counting */
	mmio_w(&apic, LAPIC_REG_LVT_TIMER, 0x30 | (1u << 17));
	assert_true(fk.armed);
	assert_int_equal(mmio_r(&apic, LAPIC_REG_TIMER_ICR), 1000);
	/* -> TSC-deadline stops it and clears the initial count */
	mmio_w(&apic, LAPIC_REG_LVT_TIMER, 0x30 | (2u << 17));
	assert_false(fk.armed);
	assert_int_equal(mmio_r(&apic, LAPIC_REG_TIMER_ICR), 0);
	/* xAPIC mode 11b (reserved) keeps the timer inert */
	mmio_w(&apic, LAPIC_REG_LVT_TIMER, 0x30 | (3u << 17));
	mmio_w(&apic, LAPIC_REG_TIMER_ICR, 10);
	msr_w(&apic, LAPIC_MSR_TSC_DEADLINE, 10);
	assert_false(fk.armed);
	assert_int_equal(mmio_r(&apic, LAPIC_REG_TIMER_CCR), 0);
}

static void test_timer_host_error(void **state)
{
	(void)state;
	mmio_w(&apic, LAPIC_REG_LVT_TIMER, 0x30);
	fk.fail = true;
	assert_int_equal(lapic_mmio_write(&apic, LAPIC_REG_TIMER_ICR, 4, 10), LAPIC_HOST_ERROR);
	fk.fail = false;
	mmio_w(&apic, LAPIC_REG_TIMER_ICR, 0);
	assert_int_equal(fk.cancel_count, 1);
}

static void test_stat_names(void **state)
{
	(void)state;
	for (unsigned int i = 0; i < LAPIC_STAT_COUNT; i++)
		assert_non_null(strchr(lapic_stat_names[i], ':'));
	assert_string_equal(lapic_stat_names[LAPIC_STAT_TIMER_FIRED],
			    "TIMER_FIRED: timer interrupts");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_config),
		cmocka_unit_test_setup(test_reset_values, fx_reset),
		cmocka_unit_test(test_xapic_rw_masks),
		cmocka_unit_test(test_xapic_read_only),
		cmocka_unit_test(test_xapic_reserved_register),
		cmocka_unit_test(test_mmio_gp),
		cmocka_unit_test(test_x2apic_ids),
		cmocka_unit_test_setup(test_x2apic_rw, fx_reset),
		cmocka_unit_test(test_x2apic_gp),
		cmocka_unit_test(test_x2apic_reserved_bits),
		cmocka_unit_test(test_msr_wrong_mode),
		cmocka_unit_test(test_mode_transitions),
		cmocka_unit_test_setup(test_disable_drops_state, fx_enabled),
		cmocka_unit_test_setup(test_init_reset, fx_reset),
		cmocka_unit_test_setup(test_tpr_ppr, fx_enabled),
		cmocka_unit_test_setup(test_apr, fx_enabled),
		cmocka_unit_test_setup(test_pending_priority, fx_enabled),
		cmocka_unit_test_setup(test_nested_eoi_order, fx_enabled),
		cmocka_unit_test_setup(test_eoi_forward, fx_enabled),
		cmocka_unit_test_setup(test_host_holds_from, fx_enabled),
		cmocka_unit_test_setup(test_spurious_and_refusals, fx_reset),
		cmocka_unit_test_setup(test_esr_latch, fx_enabled),
		cmocka_unit_test_setup(test_software_disable_masks, fx_enabled),
		cmocka_unit_test_setup(test_icr_fixed_physical, fx_enabled),
		cmocka_unit_test(test_icr_delivery_modes),
		cmocka_unit_test_setup(test_icr_shorthands, fx_enabled),
		cmocka_unit_test_setup(test_icr_refused, fx_enabled),
		cmocka_unit_test_setup(test_icr_x2apic, fx_reset),
		cmocka_unit_test(test_ipi_match_xapic),
		cmocka_unit_test(test_ipi_match_x2apic),
		cmocka_unit_test_setup(test_timer_oneshot, fx_reset),
		cmocka_unit_test_setup(test_timer_periodic, fx_reset),
		cmocka_unit_test(test_timer_dividers),
		cmocka_unit_test_setup(test_timer_divider_change, fx_reset),
		cmocka_unit_test_setup(test_timer_masked, fx_reset),
		cmocka_unit_test(test_timer_tsc_deadline),
		cmocka_unit_test_setup(test_timer_mode_switch, fx_reset),
		cmocka_unit_test_setup(test_timer_host_error, fx_enabled),
		cmocka_unit_test(test_stat_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
