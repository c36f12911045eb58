/* SPDX-License-Identifier: MIT */
/*
 * Register <- f(memory) instructions: BSF, BSR, TZCNT, LZCNT, POPCNT; the
 * BMI1 and BMI2 instructions ANDN, BEXTR, BLSI, BLSMSK, BLSR, BZHI, PDEP,
 * PEXT, SARX, SHLX, SHRX, RORX (MULX is in emul_muldiv.c); ADCX, ADOX;
 * CRC32.  Each reads its memory operand (checks, then read_mem), computes,
 * and only then writes its register and RFLAGS.
 *
 * The CPUID the paravisor offers (vc/cpuid.c) passes POPCNT, ABM (LZCNT),
 * BMI1 (TZCNT, ANDN, BEXTR, BLS*), BMI2, ADX and SSE4.2 (CRC32) through from
 * the CPU, and every CPU that runs SEV-SNP has them; an instruction gets
 * here only after the CPU itself decoded it and started its memory access,
 * so F3 0F BC/BD are TZCNT/LZCNT here (a CPU without BMI1/ABM would run
 * them as BSF/BSR, APM 24594 "LZCNT", "TZCNT").
 *
 * Flags, as APM 24594 (vol. 3) defines them on each instruction's page
 * ("BSF", "BSR", "TZCNT", "LZCNT", "POPCNT", "ANDN", "BEXTR (register
 * form)", "BLSI", "BLSMSK", "BLSR", "BZHI", "ADCX", "ADOX"); where it lists
 * a flag as undefined the engine follows what the AMD CPU (this one: family
 * 1Ah) does, and the differential tests (tests/unit/test_emul_diff.c)
 * compare it:
 *   BSF, BSR    ZF = (source 0), and then the destination is unchanged;
 *               undefined CF OF SF AF PF: CF OF SF AF cleared, PF the
 *               parity of the result (of 0 for a zero source)
 *   TZCNT,      CF = (source 0), ZF = (result 0); undefined OF SF AF PF:
 *   LZCNT       OF kept, SF AF PF cleared
 *   POPCNT      ZF = (source 0), CF OF SF AF PF cleared (all defined)
 *   ANDN        SF ZF from the result, CF OF cleared; undefined AF PF:
 *               AF cleared, PF the result's parity
 *   BEXTR       ZF from the result, CF OF cleared; undefined AF SF PF: AF
 *               set, SF cleared, PF the result's parity
 *   BLSI        SF ZF from the result, CF = (source not 0), OF cleared
 *   BLSMSK      SF from the result, CF = (source 0), ZF OF cleared
 *   BLSR        SF ZF from the result, CF = (source 0), OF cleared
 *   BZHI        SF ZF from the result, CF = (index > operand bits - 1), OF
 *               cleared
 *     (BLSI..BZHI: undefined AF PF: AF cleared, PF the result's parity)
 *   ADCX, ADOX  CF (ADCX) or OF (ADOX) the carry out; nothing else
 *   PDEP, PEXT, SARX, SHLX, SHRX, RORX, CRC32: no flag
 */
#include "emul_priv.h"

/** Index of the lowest set bit of v (v not 0). */
static unsigned int emul_lowest(uint64_t v)
{
	unsigned int i = 0;

	while (!(v >> i & 1))
		i++;
	return i;
}

/** Index of the highest set bit of v (v not 0). */
static unsigned int emul_highest(uint64_t v)
{
	unsigned int i = 63;

	while (!(v >> i & 1))
		i--;
	return i;
}

/** PDEP (deposit) or PEXT (extract) of src under mask (APM 24594 "PDEP", "PEXT"). */
static uint64_t emul_deposit(bool extract, uint64_t src, uint64_t mask)
{
	uint64_t r = 0;
	unsigned int k = 0;

	for (unsigned int i = 0; i < 64; i++) {
		if (!(mask >> i & 1))
			continue;
		if (extract)
			r |= (src >> i & 1) << k;
		else
			r |= (src >> k & 1) << i;
		k++;
	}
	return r;
}

/**
 * CRC32 (APM 24594 "CRC32"): the CRC-32C polynomial 11EDC6F41h, bit
 * reflected (82F63B78h), over the size bytes of m from the lowest, with no
 * inversion before or after.
 */
static uint32_t emul_crc32c(uint32_t crc, uint64_t m, unsigned int size)
{
	for (unsigned int i = 0; i < size; i++) {
		crc ^= (uint8_t)(m >> (8 * i));
		for (unsigned int b = 0; b < 8; b++)
			crc = (crc >> 1) ^ (crc & 1 ? 0x82f63b78u : 0);
	}
	return crc;
}

/** SF from the result, ZF if zero, PF its parity (bits, in EMUL_* form). */
static uint64_t emul_sign_zero_parity(uint64_t r, unsigned int size)
{
	return ((r >> (size * 8 - 1)) & 1 ? EMUL_SF : 0) | (r ? 0 : EMUL_ZF) | emul_parity(r);
}

/** One computation: the result and the flags (within EMUL_FLAGS_ARITH) it sets. */
struct emul_bitop_result {
	uint64_t val;
	uint64_t flags;	  /**< the new values of the flags in changed */
	uint64_t changed; /**< the flags the instruction writes */
	bool write;	  /**< val goes to the destination (BSF/BSR with a zero source: not) */
};

static void emul_bitop_compute(const struct emul_ctxt *ctxt, uint64_t m,
			       struct emul_bitop_result *o)
{
	const struct insn *insn = &ctxt->insn;
	unsigned int size = insn->mem.size, bits = size * 8;
	uint64_t mask = emul_size_mask(size), v2 = 0, r = 0, cf, carry;

	m &= mask;
	if (insn->reg2.index < INSN_GPR_COUNT)
		v2 = emul_reg_read(ctxt, &insn->reg2);
	o->changed = EMUL_FLAGS_ARITH;
	o->write = true;
	o->flags = 0;
	switch (insn->cls) {
	case INSN_BSF:
	case INSN_BSR:
		o->write = m != 0;
		if (m)
			r = insn->cls == INSN_BSF ? emul_lowest(m) : emul_highest(m);
		o->flags = (m ? 0 : EMUL_ZF) | emul_parity(r);
		break;
	case INSN_TZCNT:
	case INSN_LZCNT:
		if (!m)
			r = bits;
		else
			r = insn->cls == INSN_TZCNT ? emul_lowest(m) : bits - 1 - emul_highest(m);
		o->flags = (m ? 0 : EMUL_CF) | (r ? 0 : EMUL_ZF);
		o->changed = EMUL_FLAGS_ARITH & ~EMUL_OF;
		break;
	case INSN_POPCNT:
		for (uint64_t x = m; x; x &= x - 1)
			r++;
		o->flags = m ? 0 : EMUL_ZF;
		break;
	case INSN_ANDN:
		r = ~v2 & m;
		o->flags = emul_sign_zero_parity(r, size);
		break;
	case INSN_BEXTR: { /* start: bits 7:0 of the control, length: bits 15:8 */
		unsigned int start = v2 & 0xff, len = (v2 >> 8) & 0xff;

		r = start < bits ? m >> start : 0;
		if (len < bits)
			r &= (1ULL << len) - 1;
		o->flags = (r ? 0 : EMUL_ZF) | emul_parity(r) | EMUL_AF;
		break;
	}
	case INSN_BLSI:
		r = m & (0 - m) & mask;
		o->flags = emul_sign_zero_parity(r, size) | (m ? EMUL_CF : 0);
		break;
	case INSN_BLSMSK:
		r = (m ^ (m - 1)) & mask;
		o->flags = (emul_sign_zero_parity(r, size) & ~EMUL_ZF) | (m ? 0 : EMUL_CF);
		break;
	case INSN_BLSR:
		r = m & (m - 1);
		o->flags = emul_sign_zero_parity(r, size) | (m ? 0 : EMUL_CF);
		break;
	case INSN_BZHI: { /* the index: bits 7:0 */
		unsigned int n = v2 & 0xff;

		r = n < bits ? m & ((1ULL << n) - 1) : m;
		o->flags = emul_sign_zero_parity(r, size) | (n > bits - 1 ? EMUL_CF : 0);
		break;
	}
	case INSN_PDEP:
	case INSN_PEXT:
		r = emul_deposit(insn->cls == INSN_PEXT, v2, m) & mask;
		o->changed = 0;
		break;
	case INSN_SARX:
		r = (uint64_t)(((int64_t)(m << (64 - bits)) >> (64 - bits)) >> (v2 & (bits - 1)));
		o->changed = 0;
		break;
	case INSN_SHLX:
		r = m << (v2 & (bits - 1));
		o->changed = 0;
		break;
	case INSN_SHRX:
		r = m >> (v2 & (bits - 1));
		o->changed = 0;
		break;
	case INSN_RORX: {
		unsigned int n = insn->imm & (bits - 1);

		r = n ? (m >> n) | (m << (bits - n)) : m;
		o->changed = 0;
		break;
	}
	case INSN_ADCX:
	case INSN_ADOX: /* reg + m + CF (OF), the carry out to CF (OF) */
		cf = insn->cls == INSN_ADCX ? EMUL_CF : EMUL_OF;
		v2 = emul_reg_read(ctxt, &insn->reg);
		carry = (ctxt->out.rflags & cf) ? 1 : 0;
		r = (v2 + m + carry) & mask;
		carry = size == 8 ? r < v2 || (carry && r == v2) : (v2 + m + carry) >> bits;
		o->flags = carry ? cf : 0;
		o->changed = cf;
		break;
	default: /* CRC32: the accumulator is the low 32 bits of the register */
		r = emul_crc32c((uint32_t)emul_reg_read(ctxt, &insn->reg), m, size);
		o->changed = 0;
		break;
	}
	o->val = insn->cls == INSN_CRC32 ? r : r & mask;
}

enum emul_result emul_bitop(struct emul_ctxt *ctxt, const struct emul_ops *ops)
{
	struct emul_bitop_result o;
	enum emul_result r;
	uint64_t m;

	r = emul_read_operand(ctxt, ops, &m);
	if (r != EMUL_OK)
		return r;
	emul_bitop_compute(ctxt, m, &o);
	if (o.write)
		emul_reg_write(ctxt, &ctxt->insn.reg, o.val);
	ctxt->out.rflags = (ctxt->out.rflags & ~o.changed) | (o.flags & o.changed);
	return EMUL_OK;
}
