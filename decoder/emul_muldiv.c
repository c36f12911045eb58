/* SPDX-License-Identifier: MIT */
/*
 * Multiply and divide with a memory operand: MUL, IMUL with one, two and
 * three operands, DIV, IDIV (APM 24594 "MUL", "IMUL", "DIV", "IDIV") and
 * MULX (APM 24594 "MULX").  The memory operand is read first (its checks,
 * then read_mem); registers and RFLAGS change only after that and, for
 * DIV and IDIV, only if the quotient fits: a divisor of 0, or a quotient
 * too large for its register (IDIV: outside -2^(n-1)..2^(n-1)-1), is #DE
 * with nothing changed (APM 24594 "DIV", "IDIV"; APM 24593, the #DE
 * divide-by-zero-error exception).
 *
 * Flags: MUL and IMUL set CF and OF when the high half of the product is
 * significant (MUL: not zero; IMUL: not the sign extension of the low
 * half).  SF ZF AF PF are undefined (APM 24594 "MUL", "IMUL"): this CPU
 * (AMD family 1Ah) leaves them unchanged.  DIV and IDIV leave all six
 * undefined (APM 24594 "DIV", "IDIV"): this CPU keeps CF and OF, clears
 * SF ZF PF and sets AF, whatever the operands.  MULX changes no flag.  The
 * engine follows what the AMD CPU does; the differential tests
 * (tests/unit/test_emul_diff.c) compare each rule with it, #DE included.
 *
 * The 64-bit forms need 128-bit products and dividends: pairs of 64-bit
 * halves, without compiler helpers (the freestanding build has no libgcc).
 */
#include "emul_priv.h"

#define EMUL_DIV_FLAGS EMUL_AF /**< what DIV and IDIV leave in SF ZF AF PF on this CPU */

/** hi:lo = a * b, unsigned 64 x 64 bits, from 32-bit halves. */
static void emul_umul128(uint64_t a, uint64_t b, uint64_t *hi, uint64_t *lo)
{
	uint64_t al = a & 0xffffffff, ah = a >> 32, bl = b & 0xffffffff, bh = b >> 32;
	uint64_t ll = al * bl, lh = al * bh, hl = ah * bl, hh = ah * bh;
	uint64_t mid = (ll >> 32) + (lh & 0xffffffff) + (hl & 0xffffffff);

	*lo = (mid << 32) | (ll & 0xffffffff);
	*hi = hh + (lh >> 32) + (hl >> 32) + (mid >> 32);
}

/** Sign-extend the low size bytes of v. */
static int64_t emul_sx(uint64_t v, unsigned int size)
{
	unsigned int shift = 64 - 8 * size;

	return (int64_t)(v << shift) >> shift;
}

/**
 * The double-width product of the size-byte operands a and b, as its high
 * and low halves (each size bytes); true when the high half is
 * significant: not zero (unsigned), not the sign extension of the low half
 * (signed).
 */
static bool emul_product(bool sgn, unsigned int size, uint64_t a, uint64_t b, uint64_t *hi,
			 uint64_t *lo)
{
	uint64_t mask = emul_size_mask(size), p;

	a &= mask;
	b &= mask;
	if (size == 8) {
		emul_umul128(a, b, hi, lo);
		if (sgn && (int64_t)a < 0) /* the signed product: hi - b*2^64 - a*2^64 */
			*hi -= b;
		if (sgn && (int64_t)b < 0)
			*hi -= a;
	} else {
		/* at most 32 x 32 bits: the product fits in 64 */
		p = sgn ? (uint64_t)(emul_sx(a, size) * emul_sx(b, size)) : a * b;
		*lo = p & mask;
		*hi = (p >> (size * 8)) & mask;
	}
	if (sgn)
		return *hi != ((*lo >> (size * 8 - 1)) & 1 ? mask : 0);
	return *hi != 0;
}

/**
 * hi:lo / d, unsigned, for hi < d (so the quotient fits in 64 bits):
 * restoring division, one quotient bit per step.
 */
static void emul_udiv128(uint64_t hi, uint64_t lo, uint64_t d, uint64_t *q, uint64_t *r)
{
	uint64_t quot = 0;

	if (!hi) {
		*q = lo / d;
		*r = lo % d;
		return;
	}
	for (unsigned int i = 0; i < 64; i++) {
		bool out = hi >> 63;

		hi = (hi << 1) | (lo >> 63);
		lo <<= 1;
		quot <<= 1;
		if (out || hi >= d) { /* with a bit shifted out, hi:lo exceeds d anyway */
			hi -= d;
			quot |= 1;
		}
	}
	*q = quot;
	*r = hi;
}

/**
 * The dividend of DIV/IDIV: AX for 8 bits, else rDX:rAX, as a 128-bit
 * value (two halves; for sizes below 8 it fits in lo).
 */
static void emul_dividend(const struct emul_ctxt *ctxt, unsigned int size, uint64_t *hi,
			  uint64_t *lo)
{
	uint64_t a = emul_gpr_read(ctxt, INSN_RAX, size), d = emul_gpr_read(ctxt, INSN_RDX, size);

	if (size == 1) {
		*hi = 0;
		*lo = emul_gpr_read(ctxt, INSN_RAX, 2);
	} else if (size == 8) {
		*hi = d;
		*lo = a;
	} else {
		*hi = 0;
		*lo = (d << (size * 8)) | a;
	}
}

/**
 * DIV (sgn false) or IDIV of the dividend by m: quotient and remainder
 * (size bytes each), or false for #DE.  IDIV's remainder has the sign of
 * the dividend, its quotient is truncated toward zero.
 */
static bool emul_divide(const struct emul_ctxt *ctxt, bool sgn, unsigned int size, uint64_t m,
			uint64_t *q, uint64_t *r)
{
	uint64_t mask = emul_size_mask(size), hi, lo, d = m & mask, limit = mask;
	bool neg_n = false, neg_d = false;

	emul_dividend(ctxt, size, &hi, &lo);
	if (sgn) {
		if (size == 8) {
			neg_n = (int64_t)hi < 0;
			if (neg_n) { /* the 128-bit magnitude */
				hi = ~hi + (lo == 0);
				lo = 0 - lo;
			}
		} else {
			int64_t n = emul_sx(lo, 2 * size);

			neg_n = n < 0;
			lo = neg_n ? 0 - (uint64_t)n : (uint64_t)n;
		}
		neg_d = emul_sx(d, size) < 0;
		if (neg_d)
			d = (0 - d) & mask;
		limit = (mask >> 1) + (neg_n != neg_d); /* 2^(n-1) - 1, or 2^(n-1) if negative */
	}
	if (!d || hi >= d)
		return false;
	emul_udiv128(hi, lo, d, q, r);
	if (*q > limit)
		return false;
	if (neg_n != neg_d)
		*q = 0 - *q;
	if (neg_n)
		*r = 0 - *r;
	*q &= mask;
	*r &= mask;
	return true;
}

/** MUL, IMUL (one operand): rDX:rAX, or AX, = rAX * m. */
static void emul_mul_acc(struct emul_ctxt *ctxt, bool sgn, unsigned int size, uint64_t m)
{
	uint64_t hi, lo;
	bool wide = emul_product(sgn, size, emul_gpr_read(ctxt, INSN_RAX, size), m, &hi, &lo);

	if (size == 1) {
		emul_gpr_write(ctxt, INSN_RAX, 2, (hi << 8) | lo);
	} else {
		emul_gpr_write(ctxt, INSN_RAX, size, lo);
		emul_gpr_write(ctxt, INSN_RDX, size, hi);
	}
	ctxt->out.rflags = (ctxt->out.rflags & ~(EMUL_CF | EMUL_OF)) |
			   (wide ? EMUL_CF | EMUL_OF : 0);
}

enum emul_result emul_muldiv(struct emul_ctxt *ctxt, const struct emul_ops *ops)
{
	const struct insn *insn = &ctxt->insn;
	unsigned int size = insn->mem.size, cls = insn->cls;
	uint64_t m, q, r, hi, lo;
	enum emul_result res;
	bool wide;

	res = emul_read_operand(ctxt, ops, &m);
	if (res != EMUL_OK)
		return res;
	switch (cls) {
	case INSN_MUL:
		emul_mul_acc(ctxt, false, size, m);
		return EMUL_OK;
	case INSN_IMUL:
		if (insn->reg.index >= INSN_GPR_COUNT) {
			emul_mul_acc(ctxt, true, size, m);
			return EMUL_OK;
		}
		/* reg = reg * m, or reg = m * imm: the product cut to the register */
		wide = emul_product(true, size, insn->has_imm ? m : emul_reg_read(ctxt, &insn->reg),
				    insn->has_imm ? insn->imm : m, &hi, &lo);
		emul_reg_write(ctxt, &insn->reg, lo);
		ctxt->out.rflags = (ctxt->out.rflags & ~(EMUL_CF | EMUL_OF)) |
				   (wide ? EMUL_CF | EMUL_OF : 0);
		return EMUL_OK;
	case INSN_DIV:
	case INSN_IDIV:
		if (!emul_divide(ctxt, cls == INSN_IDIV, size, m, &q, &r)) {
			emul_raise(ctxt, X86_VEC_DE, 0);
			return EMUL_EXCEPTION;
		}
		if (size == 1) {
			emul_gpr_write(ctxt, INSN_RAX, 2, (r << 8) | q);
		} else {
			emul_gpr_write(ctxt, INSN_RAX, size, q);
			emul_gpr_write(ctxt, INSN_RDX, size, r);
		}
		ctxt->out.rflags = (ctxt->out.rflags & ~(EMUL_SF | EMUL_ZF | EMUL_AF | EMUL_PF)) |
				   EMUL_DIV_FLAGS;
		return EMUL_OK;
	case INSN_MULX: /* reg2 = low half, then reg = high half (the same register: high) */
		emul_product(false, size, emul_gpr_read(ctxt, INSN_RDX, size), m, &hi, &lo);
		emul_reg_write(ctxt, &insn->reg2, lo);
		emul_reg_write(ctxt, &insn->reg, hi);
		return EMUL_OK;
	default:
		return EMUL_UNHANDLEABLE;
	}
}
