/* SPDX-License-Identifier: MIT */
/*
 * The arithmetic of the read-modify-write instructions: results and RFLAGS
 * (CF PF AF ZF SF OF) of ADD..CMP, TEST, INC, DEC, NEG, NOT, the shifts and
 * rotates, SHLD, SHRD, and BT..BTC, as APM 24594 (vol. 3) ch. 3 and the
 * SDM vol. 2 define each one, and the condition codes (APM 24594 "Jcc",
 * SDM vol. 1 Appendix B "EFLAGS Condition Codes").
 *
 * Where the manuals call a flag undefined, the engine leaves what an AMD
 * Zen CPU leaves (the differential tests in tests/unit/test_emul_diff.c run
 * each form natively and compare bit for bit); each such rule says so.
 */
#include "emul_priv.h"

/** The most significant bit of an operand of size bytes. */
static uint64_t emul_msb(uint64_t v, unsigned int size)
{
	return (v >> (size * 8 - 1)) & 1;
}

/** PF: even parity of the result's low byte (APM 24592 "Flags Register"). */
uint64_t emul_parity(uint64_t r)
{
	return (0x9669u >> ((r ^ (r >> 4)) & 0xf)) & 1 ? EMUL_PF : 0;
}

/** SF, ZF and PF of a result. */
static uint64_t emul_szp(uint64_t r, unsigned int size)
{
	r &= emul_size_mask(size);
	return (emul_msb(r, size) ? EMUL_SF : 0) | (r ? 0 : EMUL_ZF) | emul_parity(r);
}

/**
 * Flags of d + s (+ carry-in) = r: the carry out of each bit is
 * (d & s) | ((d | s) & ~r), so CF is that of the top bit and AF that of
 * bit 3; OF when both inputs have the sign the result has not.
 */
static uint64_t emul_add_flags(uint64_t d, uint64_t s, uint64_t r, unsigned int size)
{
	uint64_t carry = (d & s) | ((d | s) & ~r);

	return (emul_msb(carry, size) ? EMUL_CF : 0) | ((carry >> 3) & 1 ? EMUL_AF : 0) |
	       (emul_msb((d ^ r) & (s ^ r), size) ? EMUL_OF : 0) | emul_szp(r, size);
}

/** Flags of d - s (- borrow-in) = r: the borrow out of each bit is (~d & s) | ((~d | s) & r). */
static uint64_t emul_sub_flags(uint64_t d, uint64_t s, uint64_t r, unsigned int size)
{
	uint64_t borrow = (~d & s) | ((~d | s) & r);

	return (emul_msb(borrow, size) ? EMUL_CF : 0) | ((borrow >> 3) & 1 ? EMUL_AF : 0) |
	       (emul_msb((d ^ s) & (d ^ r), size) ? EMUL_OF : 0) | emul_szp(r, size);
}

/**
 * AND, OR, XOR, TEST: CF = OF = 0, SF ZF PF from the result.  AF is
 * undefined (APM 24594 "AND"); Zen clears it.
 */
static uint64_t emul_logic_flags(uint64_t r, unsigned int size)
{
	return emul_szp(r, size);
}

/** Rotate the low bits bits of v left by n (0 <= n < bits). */
static uint64_t emul_rotl(uint64_t v, unsigned int n, unsigned int bits)
{
	if (!n)
		return v;
	return ((v << n) | (v >> (bits - n))) & (bits == 64 ? ~0ULL : (1ULL << bits) - 1);
}

/**
 * RCL and RCR through CF, one bit at a time as APM 24594 "RCL"/"RCR" and
 * the SDM's pseudocode do.  The count is the masked count modulo size+1
 * (8- and 16-bit operands: count 9 or 17 rotates by 0 bits).
 */
static uint64_t emul_rc(bool left, uint64_t d, unsigned int n, unsigned int size, uint64_t *cf)
{
	unsigned int bits = size * 8;

	for (n %= bits + 1; n; n--) {
		uint64_t out = left ? emul_msb(d, size) : d & 1;

		d = left ? ((d << 1) | *cf) & emul_size_mask(size) : (d >> 1) | (*cf << (bits - 1));
		*cf = out;
	}
	return d;
}

/**
 * Shifts and rotates (APM 24594 "ROL".."SHR", SDM "RCL/RCR/ROL/ROR",
 * "SAL/SAR/SHL/SHR").  The count is masked to 5 bits (6 with a 64-bit
 * operand); a masked count of 0 changes no flag.  Otherwise:
 *   SHL/SHR/SAR: CF the last bit shifted out, SF ZF PF from the result, OF
 *   as defined for a count of 1 (SHL: MSB(r) ^ CF, SHR: MSB(d), SAR: 0).
 *   Undefined, and what Zen does: OF for counts above 1 is MSB(r) ^ CF
 *   (SHL), MSB(r) ^ MSB-1(r) (SHR: 0 for counts above 1), 0 (SAR); AF is
 *   set; CF for counts past the operand width (8- and 16-bit operands) is
 *   the bit that would have come out: 0 (SHL, SHR), the sign (SAR).
 *   ROL/ROR/RCL/RCR: CF and OF only (SF ZF PF AF kept); ROL: CF = LSB(r),
 *   ROR: CF = MSB(r), OF = MSB(r) ^ CF (ROL, RCL) or MSB(r) ^ MSB-1(r)
 *   (ROR, RCR after the rotate), defined for a count of 1, and Zen uses the
 *   same rule for every count.
 */
static uint64_t emul_shift(unsigned int cls, unsigned int size, uint64_t d, uint64_t count,
			   uint64_t *rflags)
{
	unsigned int bits = size * 8, n = (unsigned int)(count & (size == 8 ? 0x3f : 0x1f));
	uint64_t mask = emul_size_mask(size), cf = *rflags & EMUL_CF, r, of, f;
	int64_t sd;

	d &= mask;
	if (!n)
		return d;
	switch (cls) {
	case INSN_ROL:
		r = emul_rotl(d, n % bits, bits);
		cf = r & 1;
		of = emul_msb(r, size) ^ cf;
		break;
	case INSN_ROR:
		r = emul_rotl(d, (bits - n % bits) % bits, bits);
		cf = emul_msb(r, size);
		of = cf ^ ((r >> (bits - 2)) & 1);
		break;
	case INSN_RCL:
		r = emul_rc(true, d, n, size, &cf);
		of = emul_msb(r, size) ^ cf;
		break;
	case INSN_RCR:
		r = emul_rc(false, d, n, size, &cf);
		of = emul_msb(r, size) ^ ((r >> (bits - 2)) & 1);
		break;
	case INSN_SHL:
		r = n >= bits ? 0 : (d << n) & mask;
		cf = n > bits ? 0 : (d >> (bits - n)) & 1;
		of = emul_msb(r, size) ^ cf;
		break;
	case INSN_SHR: /* OF: MSB(d) for 1 = MSB(r) ^ MSB-1(r), Zen's rule for any count */
		r = n >= bits ? 0 : d >> n;
		cf = n > bits ? 0 : (d >> (n - 1)) & 1;
		of = emul_msb(r, size) ^ ((r >> (bits - 2)) & 1);
		break;
	default: /* SAR */
		sd = (int64_t)(d << (64 - bits)) >> (64 - bits);
		r = (uint64_t)(sd >> (n >= bits ? bits - 1 : n)) & mask;
		cf = (uint64_t)(sd >> (n > bits ? bits - 1 : n - 1)) & 1;
		of = 0;
		break;
	}
	f = (cf ? EMUL_CF : 0) | (of ? EMUL_OF : 0);
	if (cls == INSN_SHL || cls == INSN_SHR || cls == INSN_SAR) {
		f |= emul_szp(r, size) | EMUL_AF;
		*rflags = (*rflags & ~EMUL_FLAGS_ARITH) | f;
	} else {
		*rflags = (*rflags & ~(EMUL_CF | EMUL_OF)) | f;
	}
	return r;
}

/**
 * SHLD and SHRD (APM 24594 "SHLD", "SHRD"): d shifted left (right) by the
 * count, the vacated bits filled from the top (bottom) of s.  The count is
 * masked to 5 bits (6 with a 64-bit operand); a masked count of 0 changes
 * nothing.  CF is the last bit shifted out of d, SF ZF PF are from the
 * result, OF is defined for a count of 1 (set if the sign changed).
 * Undefined in APM 24594, and what this CPU (AMD family 1Ah) does, which
 * the engine follows (the differential tests compare it):
 *   OF for any count: MSB(r) ^ CF (SHLD), MSB(r) ^ MSB-1(r) (SHRD), which
 *   for a count of 1 is the sign change; AF is set.
 *   16-bit operands with a count of 16 to 31 (APM: "the result ... is
 *   undefined"): the shift runs through d:s:s (SHLD) or s:s:d (SHRD), so
 *   a count of 16 + k gives s rotated by k; CF is 0 for counts above 16;
 *   SHLD's OF is CF for counts of 16 and above.
 */
uint64_t emul_shift_double(unsigned int cls, unsigned int size, uint64_t d, uint64_t s,
			   uint64_t count, uint64_t *rflags)
{
	unsigned int bits = size * 8, n = (unsigned int)(count & (size == 8 ? 0x3f : 0x1f));
	uint64_t mask = emul_size_mask(size), r, cf, of;
	bool left = cls == INSN_SHLD;

	d &= mask;
	s &= mask;
	if (!n)
		return d;
	if (n > bits) { /* 16-bit operands only: s rotated by n - 16 */
		r = emul_rotl(s, left ? n - bits : bits - (n - bits), bits);
		cf = 0;
	} else if (left) {
		r = ((d << n) | (s >> (bits - n))) & mask;
		cf = (d >> (bits - n)) & 1;
	} else {
		r = ((d >> n) | (s << (bits - n))) & mask;
		cf = (d >> (n - 1)) & 1;
	}
	if (left)
		of = n >= 16 && size == 2 ? cf : emul_msb(r, size) ^ cf;
	else
		of = emul_msb(r, size) ^ ((r >> (bits - 2)) & 1);
	*rflags = (*rflags & ~EMUL_FLAGS_ARITH) | (cf ? EMUL_CF : 0) | (of ? EMUL_OF : 0) |
		  emul_szp(r, size) | EMUL_AF;
	return r;
}

/**
 * BT, BTS, BTR, BTC on an operand already fetched: CF is the bit (the
 * offset modulo the operand width); BTS/BTR/BTC then set, clear or flip
 * it.  OF SF AF PF are undefined (APM 24594 "BT"): Zen keeps them, as it
 * keeps ZF, which the manuals leave unchanged.
 */
static uint64_t emul_bit(unsigned int cls, unsigned int size, uint64_t d, uint64_t offset,
			 uint64_t *rflags)
{
	uint64_t bit = 1ULL << (offset & (size * 8 - 1));

	*rflags = (*rflags & ~EMUL_CF) | ((d & bit) ? EMUL_CF : 0);
	switch (cls) {
	case INSN_BTS:
		return d | bit;
	case INSN_BTR:
		return d & ~bit;
	case INSN_BTC:
		return d ^ bit;
	default:
		return d;
	}
}

uint64_t emul_alu(unsigned int cls, unsigned int size, uint64_t d, uint64_t s, uint64_t *rflags)
{
	uint64_t mask = emul_size_mask(size), cf = *rflags & EMUL_CF, r, f;

	d &= mask;
	s &= mask;
	switch (cls) {
	case INSN_ADD:
	case INSN_ADC:
	case INSN_XADD:
		r = (d + s + (cls == INSN_ADC ? cf : 0)) & mask;
		f = emul_add_flags(d, s, r, size);
		break;
	case INSN_SUB:
	case INSN_SBB:
	case INSN_CMP:
	case INSN_CMPXCHG:
	case INSN_CMPS:
	case INSN_SCAS:
		r = (d - s - (cls == INSN_SBB ? cf : 0)) & mask;
		f = emul_sub_flags(d, s, r, size);
		break;
	case INSN_NEG: /* 0 - d: CF = (d != 0) falls out of the borrow */
		r = (0 - d) & mask;
		f = emul_sub_flags(0, d, r, size);
		break;
	case INSN_INC: /* CF unchanged (APM 24594 "INC") */
		r = (d + 1) & mask;
		f = (emul_add_flags(d, 1, r, size) & ~EMUL_CF) | cf;
		break;
	case INSN_DEC:
		r = (d - 1) & mask;
		f = (emul_sub_flags(d, 1, r, size) & ~EMUL_CF) | cf;
		break;
	case INSN_AND:
	case INSN_TEST:
		r = d & s;
		f = emul_logic_flags(r, size);
		break;
	case INSN_OR:
		r = d | s;
		f = emul_logic_flags(r, size);
		break;
	case INSN_XOR:
		r = d ^ s;
		f = emul_logic_flags(r, size);
		break;
	case INSN_NOT: /* no flag */
		return ~d & mask;
	case INSN_BT:
	case INSN_BTS:
	case INSN_BTR:
	case INSN_BTC:
		return emul_bit(cls, size, d, s, rflags);
	default:
		return emul_shift(cls, size, d, s, rflags);
	}
	*rflags = (*rflags & ~EMUL_FLAGS_ARITH) | f;
	return r;
}

bool emul_cond(unsigned int cc, uint64_t rflags)
{
	bool cf = rflags & EMUL_CF, zf = rflags & EMUL_ZF, sf = rflags & EMUL_SF;
	bool of = rflags & EMUL_OF, pf = rflags & EMUL_PF, t;

	switch ((cc >> 1) & 7) {
	case 0: /* O */
		t = of;
		break;
	case 1: /* B, C */
		t = cf;
		break;
	case 2: /* Z, E */
		t = zf;
		break;
	case 3: /* BE */
		t = cf || zf;
		break;
	case 4: /* S */
		t = sf;
		break;
	case 5: /* P */
		t = pf;
		break;
	case 6: /* L */
		t = sf != of;
		break;
	default: /* LE */
		t = zf || sf != of;
		break;
	}
	return (cc & 1) ? !t : t;
}
