/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: devices/lapic*.c, the guest's software local APIC,
 * through every entry the paravisor calls (platform/apic.c): xAPIC MMIO and
 * x2APIC/base/TSC-deadline MSR reads and writes, interrupts arriving,
 * acknowledged and ended, INIT, EOI forwarding, the timer polled and fired
 * as the clocks advance, and hooks that fail.  After every step it checks
 * the architectural invariants (Intel SDM vol. 3 ch. 11, AMD APM vol. 2
 * ch. 16) and the contract of devices/lapic.h:
 *   - vectors 0-15 are never in IRR, ISR or TMR ("Valid Interrupt Vectors":
 *     0-15 are reserved, an APIC refuses them with an illegal-vector error);
 *   - LAPIC_GP and LAPIC_UNSUPPORTED change nothing the guest sees;
 *   - LAPIC_HOST_ERROR only after a hook failed;
 *   - the mode matches IA32_APIC_BASE EN/EXTD, the ID fits the mode;
 *   - lapic_pending() names a vector in IRR, lapic_ack() returns it or the
 *     spurious vector;
 *   - no IPI with a self shorthand reaches send_ipi, and a fixed IPI
 *     carries a vector >= 16;
 *   - the real timer is armed for the guest's own timer vector.
 *
 * Input: [0] configuration bits, [1] initial APIC ID, then steps of 8
 * bytes: [0] the operation, [1..7] its operands.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "devices/lapic.h"

#include "fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define STEP 8

struct fuzz_lapic {
	struct lapic apic;
	uint64_t ns, tsc;
	uint8_t fail_mask; /* hooks that fail: bit per hook */
	bool hook_failed;
};

static bool hook(struct fuzz_lapic *z, unsigned int bit)
{
	if (z->fail_mask & (1u << bit)) {
		z->hook_failed = true;
		return false;
	}
	return true;
}

static bool fz_send_ipi(void *ctx, const struct lapic_ipi *ipi)
{
	struct fuzz_lapic *z = ctx;

	FUZZ_CHECK(ipi->src == &z->apic);
	FUZZ_CHECK(ipi->shorthand != LAPIC_SH_SELF);
	FUZZ_CHECK(ipi->mode <= LAPIC_IPI_SIPI && ipi->shorthand <= LAPIC_SH_OTHERS);
	if (ipi->mode == LAPIC_IPI_FIXED || ipi->mode == LAPIC_IPI_LOWEST)
		FUZZ_CHECK(ipi->vector >= 16);
	if (!ipi->x2apic)
		FUZZ_CHECK(ipi->dest <= 0xFF);
	(void)lapic_ipi_match(&z->apic, ipi);
	return hook(z, 0);
}

static bool fz_eoi(void *ctx, uint8_t vector)
{
	FUZZ_CHECK(vector >= 16);
	return hook(ctx, 1);
}

static uint64_t fz_now_ns(void *ctx)
{
	return ((struct fuzz_lapic *)ctx)->ns;
}

static uint64_t fz_now_tsc(void *ctx)
{
	return ((struct fuzz_lapic *)ctx)->tsc;
}

static bool fz_timer_arm(void *ctx, const struct lapic_timer_req *req)
{
	struct fuzz_lapic *z = ctx;

	FUZZ_CHECK(req->clock == LAPIC_CLOCK_NS || req->clock == LAPIC_CLOCK_TSC);
	FUZZ_CHECK(req->vector == (z->apic.regs[LAPIC_REG_LVT_TIMER / 4] & 0xFF));
	return hook(z, 2);
}

static bool fz_timer_cancel(void *ctx)
{
	return hook(ctx, 3);
}

static const struct lapic_ops fuzz_ops = {
	.send_ipi = fz_send_ipi,
	.eoi = fz_eoi,
	.now_ns = fz_now_ns,
	.now_tsc = fz_now_tsc,
	.timer_arm = fz_timer_arm,
	.timer_cancel = fz_timer_cancel,
};

static uint64_t le(const uint8_t *p, unsigned int n)
{
	uint64_t v = 0;

	for (unsigned int i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

/** An MSR of the APIC's, now and then a neighbour or anything. */
static uint32_t pick_msr(const uint8_t *p)
{
	switch (p[0] & 7) {
	case 0:
		return LAPIC_MSR_APIC_BASE;
	case 1:
		return LAPIC_MSR_TSC_DEADLINE;
	case 2:
		return (uint32_t)le(p + 1, 4);
	default:
		return LAPIC_MSR_X2APIC_FIRST + p[1];
	}
}

/** An interesting IA32_APIC_BASE value: the mode bits, BSP, the base, reserved bits. */
static uint64_t pick_base(const uint8_t *p)
{
	uint64_t v = LAPIC_DEFAULT_BASE | (p[0] & 1 ? LAPIC_BASE_BSP : 0) |
		     (p[0] & 2 ? LAPIC_BASE_EXTD : 0) | (p[0] & 4 ? LAPIC_BASE_EN : 0);

	if (p[0] & 8)
		v ^= (uint64_t)p[1] << (p[2] & 63);
	return v;
}

/** Vectors 0-15 in IRR, ISR or TMR. */
static bool low_vectors(const struct lapic *l)
{
	return (l->regs[LAPIC_REG_IRR / 4] | l->regs[LAPIC_REG_ISR / 4] |
		l->regs[LAPIC_REG_TMR / 4]) &
	       0xFFFF;
}

static void check_state(struct fuzz_lapic *z)
{
	const struct lapic *l = &z->apic;
	enum lapic_mode m = lapic_mode(l);
	int p = lapic_pending(l);

	FUZZ_CHECK(!low_vectors(l));
	FUZZ_CHECK(m <= LAPIC_MODE_X2APIC);
	FUZZ_CHECK((m == LAPIC_MODE_DISABLED) == !(l->base & LAPIC_BASE_EN));
	FUZZ_CHECK((m == LAPIC_MODE_X2APIC) ==
		   !!((l->base & LAPIC_BASE_EXTD) && (l->base & LAPIC_BASE_EN)));
	FUZZ_CHECK(!(l->base & LAPIC_BASE_EXTD) || l->cfg.x2apic);
	FUZZ_CHECK(m == LAPIC_MODE_X2APIC || lapic_id(l) <= 0xFF);
	if (p != LAPIC_NO_VECTOR) {
		FUZZ_CHECK(p >= 16 && p <= 255);
		FUZZ_CHECK(l->regs[LAPIC_REG_IRR / 4 + 4 * (p / 32)] >> (p % 32) & 1);
	}
}

/** The result of a guest access; GP and UNSUPPORTED leave what the guest sees alone. */
static void check_result(struct fuzz_lapic *z, enum lapic_result r, const struct lapic *before)
{
	FUZZ_CHECK(r <= LAPIC_HOST_ERROR);
	FUZZ_CHECK(r != LAPIC_HOST_ERROR || z->hook_failed);
	if (r == LAPIC_GP || r == LAPIC_UNSUPPORTED) {
		FUZZ_CHECK(memcmp(before->regs, z->apic.regs, sizeof(before->regs)) == 0);
		FUZZ_CHECK(before->base == z->apic.base);
	}
}

static void step(struct fuzz_lapic *z, const uint8_t *s)
{
	static struct lapic before;
	struct lapic *l = &z->apic;
	enum lapic_result r = LAPIC_OK;
	uint64_t v64 = le(s + 3, 4);
	uint32_t v32 = (uint32_t)v64;
	uint32_t off = (uint32_t)le(s + 1, 2) & 0xFFF;
	unsigned int size = 1u << (s[0] >> 4 & 3);
	bool access = true;
	int p;

	before = *l;
	z->hook_failed = false;
	switch (s[0] & 15) {
	case 0: /* an aligned register, most of the time */
		r = lapic_mmio_read(l, (s[0] & 0x40) ? off : off & 0xFF0, (s[0] & 0x40) ? size : 4,
				    &v32);
		break;
	case 1:
		r = lapic_mmio_write(l, (s[0] & 0x40) ? off : off & 0xFF0, (s[0] & 0x40) ? size : 4,
				     v32);
		break;
	case 2:
		r = lapic_msr_read(l, pick_msr(s + 1), &v64);
		break;
	case 3: {
		uint32_t msr = pick_msr(s + 1);

		if (msr == LAPIC_MSR_APIC_BASE)
			v64 = pick_base(s + 3);
		else if (s[0] & 0x80)
			v64 |= le(s + 5, 2) << 32;
		r = lapic_msr_write(l, msr, v64);
		break;
	}
	case 4:
		access = false;
		if (lapic_set_irr(l, s[1], s[2] & 1))
			FUZZ_CHECK(s[1] >= 16);
		break;
	case 5: /* the guest takes the best vector, or one it names */
		access = false;
		p = lapic_pending(l);
		if (s[1] & 1 || p == LAPIC_NO_VECTOR) {
			uint8_t got = lapic_ack(l, s[2]);

			FUZZ_CHECK(got == s[2] || got == (l->regs[LAPIC_REG_SVR / 4] & 0xFF));
		} else {
			FUZZ_CHECK(lapic_ack(l, (uint8_t)p) == p);
			FUZZ_CHECK(l->regs[LAPIC_REG_ISR / 4 + 4 * (p / 32)] >> (p % 32) & 1);
		}
		break;
	case 6: /* the clocks move on */
		access = false;
		z->ns += le(s + 1, 3) << (s[4] & 31);
		z->tsc += le(s + 5, 2) << (s[4] >> 3 & 31);
		r = (s[0] & 0x10) ? lapic_timer_fired(l) : lapic_timer_poll(l);
		FUZZ_CHECK(r == LAPIC_OK || r == LAPIC_HOST_ERROR);
		break;
	case 7:
		r = lapic_init_reset(l);
		break;
	case 8:
		access = false;
		lapic_set_eoi_forward(l, s[1], s[2] & 1);
		break;
	case 9:
		r = lapic_read(l, off & 0xFF0, &v64);
		break;
	case 10:
		r = lapic_write(l, off & 0xFF0, v64 | (s[0] & 0x80 ? le(s + 5, 2) << 32 : 0));
		break;
	case 11: { /* does this APIC take an IPI like that? */
		struct lapic_ipi ipi = { .src = l,
					 .mode = (enum lapic_ipi_mode)(s[1] % 5),
					 .shorthand = (enum lapic_shorthand)(s[2] & 3),
					 .logical = s[2] & 4,
					 .x2apic = s[2] & 8,
					 .dest = (s[2] & 8) ? v32 : (v32 & 0xFF),
					 .vector = s[3] };

		access = false;
		(void)lapic_ipi_match(l, &ipi);
		break;
	}
	default: /* the hooks that fail from now on */
		access = false;
		z->fail_mask = s[1] & s[2] & 15;
		break;
	}
	if (access)
		check_result(z, r, &before);
	check_state(z);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fuzz_lapic z;
	uint8_t head[2] = { 0 };
	struct lapic_config cfg;

	memcpy(head, data, size < 2 ? size : 2);
	cfg = (struct lapic_config){ .apic_id = (head[0] & 1) ? head[1] : (uint32_t)head[1] << 20,
				     .bsp = head[0] & 2,
				     .x2apic = head[0] & 4,
				     .tsc_deadline = head[0] & 8,
				     .phys_bits = (head[0] & 16) ? 52 : 40 + (head[0] >> 5),
				     .bus_ns = 1 + (head[0] >> 5) };
	memset(&z, 0, sizeof(z));
	z.ns = 1000;
	z.tsc = 5000;
	if (!cfg.x2apic && cfg.apic_id > 0xFF)
		cfg.apic_id &= 0xFF;
	FUZZ_CHECK(lapic_init(&z.apic, &cfg, &fuzz_ops, &z));
	check_state(&z);
	for (size_t off = 2; off + STEP <= size; off += STEP)
		step(&z, data + off);
	return 0;
}
