/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: decoder/ (insn_decode, emul_decode, emul_execute,
 * emul_mem_linear) on guest bytes, registers, modes and segments from the
 * input, with missing and failing hooks (STYLE 24, Xen's maybe_fail).  It
 * checks the engine's contract (emul.h), not just the absence of crashes.
 *
 * Input (short inputs are zero-padded):
 *   [0]      bits 0-1 mode, 2 DF, 3 LA57, 4 decode first, 5 odd segments,
 *            6 small REP budget, 7 raw bytes (no template)
 *   [1]      bits 0-4: hooks to remove (read, write, fetch, in, out)
 *   [2], [3] bits 0-3 of [2]: the data access that fails (1-based, 0 never),
 *            [3]: how; [2] bit 4: remove cmpxchg_mem, 5: in.vec_valid,
 *            6: in.wide_mem, 7: another CPU interferes with cmpxchg_mem
 *   [4..6]   up to three prefixes (a byte >= 0xc0 is none)
 *   [7]      the opcode template (the read-modify-write, exchange, stack,
 *            string compare, multiply/divide, bit-count, BMI and SSE/AVX
 *            classes among them)
 *   [8..23]  one selector per GPR (value table + small offset)
 *   [24..39] instruction bytes after the template (or all, when raw)
 *   [40..]   the data window's contents (also the start of YMM0-15)
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "emul_harness.h"
#include "fuzz_check.h"

#define DATA_GVA 0x1000
#define CODE_GVA 0x7000
#define IN_SIZE	 40

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/** Opcodes of the classes the engine runs, and their neighbours (0 ends a shorter one). */
static const uint8_t templates[][3] = {
	{ 0x88 },
	{ 0x89 },
	{ 0x8a },
	{ 0x8b },
	{ 0xa0 },
	{ 0xa1 },
	{ 0xa2 },
	{ 0xa3 },
	{ 0xc6 },
	{ 0xc7 },
	{ 0x0f, 0xb6 },
	{ 0x0f, 0xb7 },
	{ 0x0f, 0xbe },
	{ 0x0f, 0xbf },
	{ 0x63 },
	{ 0xa4 },
	{ 0xa5 },
	{ 0xaa },
	{ 0xab },
	{ 0xac },
	{ 0xad },
	{ 0x6c },
	{ 0x6d },
	{ 0x6e },
	{ 0x6f },
	{ 0xe4 },
	{ 0xe5 },
	{ 0xe6 },
	{ 0xe7 },
	{ 0xec },
	{ 0xed },
	{ 0xee },
	{ 0xef },
	{ 0x0f, 0x21 },
	{ 0x0f, 0x23 },
	{ 0x8c },
	{ 0x8e },
	{ 0x0f, 0x01 },
	{ 0x01 },
	{ 0x0f, 0x10 },
	/* ALU, unary, shifts */
	{ 0x00 },
	{ 0x03 },
	{ 0x0a },
	{ 0x11 },
	{ 0x1b },
	{ 0x20 },
	{ 0x29 },
	{ 0x32 },
	{ 0x39 },
	{ 0x3a },
	{ 0x80 },
	{ 0x81 },
	{ 0x83 },
	{ 0x84 },
	{ 0x85 },
	{ 0xf6 },
	{ 0xf7 },
	{ 0xfe },
	{ 0xff },
	{ 0xd0 },
	{ 0xd1 },
	{ 0xd2 },
	{ 0xd3 },
	{ 0xc0 },
	{ 0xc1 },
	/* bits, exchanges, conditionals, stack, string compares, MOVBE, MOVNTI */
	{ 0x0f, 0xa3 },
	{ 0x0f, 0xab },
	{ 0x0f, 0xb3 },
	{ 0x0f, 0xbb },
	{ 0x0f, 0xba },
	{ 0x86 },
	{ 0x87 },
	{ 0x0f, 0xb0 },
	{ 0x0f, 0xb1 },
	{ 0x0f, 0xc7 },
	{ 0x0f, 0xc0 },
	{ 0x0f, 0xc1 },
	{ 0x0f, 0x94 },
	{ 0x0f, 0x9f },
	{ 0x0f, 0x42 },
	{ 0x0f, 0x4e },
	{ 0x8f },
	{ 0xa6 },
	{ 0xa7 },
	{ 0xae },
	{ 0xaf },
	{ 0x0f, 0x38, 0xf0 },
	{ 0x0f, 0x38, 0xf1 },
	{ 0x0f, 0xc3 },
	/* multiply and divide (F6/F7 above), shift-double, bit counts, ADX, CRC32, BMI */
	{ 0x0f, 0xaf },
	{ 0x69 },
	{ 0x6b },
	{ 0x0f, 0xa4 },
	{ 0x0f, 0xa5 },
	{ 0x0f, 0xac },
	{ 0x0f, 0xad },
	{ 0x0f, 0xbc },
	{ 0x0f, 0xbd },
	{ 0x0f, 0xb8 },
	{ 0x0f, 0x38, 0xf6 },
	{ 0x0f, 0x38, 0xf0 },
	{ 0xc4, 0xe2 },
	{ 0xc4, 0x62 },
	{ 0xc4, 0xe3 },
	/* SSE moves (the 66/F3 prefixes come from [4..6]) and VEX */
	{ 0x0f, 0x6e },
	{ 0x0f, 0x7e },
	{ 0x0f, 0x6f },
	{ 0x0f, 0x7f },
	{ 0x0f, 0x28 },
	{ 0x0f, 0x29 },
	{ 0x0f, 0x11 },
	{ 0x0f, 0xe7 },
	{ 0x0f, 0x2b },
	{ 0x0f, 0xd6 },
	{ 0x0f, 0x38, 0x2a },
	{ 0x0f, 0xf0 },
	{ 0xc5, 0xfd },
	{ 0xc5, 0xfe },
	{ 0xc5, 0xf9 },
	{ 0xc5, 0x7c },
	{ 0xc4 },
};

#define NTEMPLATES (sizeof(templates) / sizeof(templates[0]))

static const uint8_t prefixes[] = { 0x66, 0x67, 0xf3, 0xf2, 0xf0, 0x2e, 0x26, 0x64,
				    0x65, 0x36, 0x3e, 0x48, 0x41, 0x4c, 0x40, 0x4f };

static const uint64_t values[16] = {
	0,
	1,
	DATA_GVA,
	DATA_GVA + 0x80,
	DATA_GVA + 0x1fe,
	0xffff,
	0x7fffffff,
	0xffffffff,
	0x0000800000000000ULL,
	0x00007ffffffffffcULL,
	~0ULL,
	0x8000000000000000ULL,
	DATA_GVA | 0xdead00000000ULL,
	3,
	17,
	300,
};

/** Instruction bytes: prefixes, a template, then the input's bytes. */
static size_t fuzz_insn(const uint8_t *in, uint8_t *code, size_t max)
{
	size_t n = 0;

	if (in[0] & 0x80) {
		memcpy(code, in + 24, 16);
		return 16;
	}
	for (unsigned int i = 4; i < 7; i++)
		if (in[i] < 0xc0)
			code[n++] = prefixes[in[i] % sizeof(prefixes)];
	code[n++] = templates[in[7] % NTEMPLATES][0];
	for (unsigned int i = 1; i < 3 && templates[in[7] % NTEMPLATES][i]; i++)
		code[n++] = templates[in[7] % NTEMPLATES][i];
	memcpy(code + n, in + 24, max - n);
	return max;
}

/** Mode, flags and segments from in[0]. */
static void fuzz_ctxt(const uint8_t *in, struct emul_ctxt *c, struct harness *h)
{
	switch (in[0] & 3) {
	case 0:
		harness_ctxt64(c, h, CODE_GVA);
		break;
	case 1:
		harness_ctxt32(c, h, CODE_GVA);
		break;
	case 2:
		harness_ctxt32(c, h, CODE_GVA);
		c->in.seg[INSN_SEG_CS].attrib = 0x09b; /* 16-bit protected mode */
		break;
	default:
		harness_ctxt_real(c, h, CODE_GVA);
		break;
	}
	if (in[0] & 4)
		c->in.rflags |= 0x400;
	if (in[0] & 8)
		c->in.cr4 |= 1 << 12;
	if (in[0] & 0x20) {
		c->in.seg[INSN_SEG_DS] = (struct emul_seg){ 0, (uint16_t)(0xc90 | (in[2] & 0xf)),
							    0x17ff, in[3] & 1 ? 0xfffff000 : 0 };
		c->in.seg[INSN_SEG_SS].limit = 0x1000 + in[3];
		c->in.seg[INSN_SEG_FS].base = values[in[3] & 15];
	}
	c->in.rep_limit = (in[0] & 0x40) ? 1 + (in[1] >> 5) : 0;
	for (unsigned int i = 0; i < INSN_GPR_COUNT; i++)
		c->in.gpr[i] = values[in[8 + i] & 15] + (in[8 + i] >> 4);
	c->in.vec_valid = in[2] & 0x20;
	c->in.wide_mem = in[2] & 0x40;
	h->cas_interfere = (in[2] & 0x80) ? in[3] & 31 : 0;
}

static struct emul_ops fuzz_ops(uint8_t remove)
{
	struct emul_ops ops = harness_ops;

	if (remove & 1)
		ops.read_mem = NULL;
	if (remove & 2)
		ops.write_mem = NULL;
	if (remove & 4)
		ops.insn_fetch = NULL;
	if (remove & 8)
		ops.read_io = NULL;
	if (remove & 16)
		ops.write_io = NULL;
	if (remove & 32)
		ops.cmpxchg_mem = NULL;
	return ops;
}

/**
 * Registers the instruction may write: the count and index registers, rAX,
 * rDX (CMPXCHG8B/16B, MUL, DIV), rSP (PUSH, POP), its operands (MULX: both).
 */
static uint16_t fuzz_writable(const struct insn *insn)
{
	uint16_t m = 1 << INSN_RAX | 1 << INSN_RCX | 1 << INSN_RSI | 1 << INSN_RDI | 1 << INSN_RDX |
		     1 << INSN_RSP;

	if (insn->reg.index < INSN_GPR_COUNT)
		m |= (uint16_t)(1 << insn->reg.index);
	if (insn->reg2.index < INSN_GPR_COUNT)
		m |= (uint16_t)(1 << insn->reg2.index);
	return m;
}

/** The contract of emul.h; after emul_decode() (executed false) out.rip stays in.rip. */
static void fuzz_check(const struct emul_ctxt *c, enum emul_result r, bool executed)
{
	const struct emul_output *o = &c->out;
	uint32_t limit = c->in.rep_limit ? c->in.rep_limit : EMUL_REP_MAX;

	FUZZ_CHECK(r <= EMUL_UNHANDLEABLE);
	FUZZ_CHECK(o->rep_done <= limit);
	for (unsigned int i = 0; i < INSN_GPR_COUNT; i++)
		FUZZ_CHECK((o->gpr_written >> i & 1) || o->gpr[i] == c->in.gpr[i]);
	if (r != EMUL_OK || !executed)
		FUZZ_CHECK(o->rip == c->in.rip);
	FUZZ_CHECK(c->in.vec_valid || o->vec_written == 0);
	FUZZ_CHECK((o->vec_zero_upper & ~o->vec_written) == 0);
	for (unsigned int i = 0; c->in.vec_valid && i < INSN_VEC_COUNT; i++)
		FUZZ_CHECK((o->vec_written >> i & 1) || memcmp(o->vec[i], c->in.vec[i], 32) == 0);
	if (r != EMUL_OK && r != EMUL_RETRY && c->insn_valid && c->insn.cls >= INSN_ADD &&
	    c->insn.cls != INSN_CMPS && c->insn.cls != INSN_SCAS)
		/* no partial commit outside the REP string instructions */
		FUZZ_CHECK(o->gpr_written == 0 && o->rflags == c->in.rflags && o->vec_written == 0);
	if (r == EMUL_EXCEPTION) {
		uint8_t v = o->fault.vector;

		FUZZ_CHECK(v == X86_VEC_UD || v == X86_VEC_GP || v == X86_VEC_SS ||
			   v == X86_VEC_PF ||
			   (v == X86_VEC_DE && c->insn_valid && c->insn.cls >= INSN_DIV &&
			    c->insn.cls <= INSN_IDIV));
		FUZZ_CHECK(o->fault.has_error == (v != X86_VEC_UD && v != X86_VEC_DE));
		FUZZ_CHECK(v == X86_VEC_PF || o->fault.error == 0);
	}
	if (!c->insn_valid) {
		FUZZ_CHECK(r != EMUL_OK && o->gpr_written == 0);
		return;
	}
	FUZZ_CHECK(c->insn.length >= 1 && c->insn.length <= INSN_MAX_LENGTH);
	FUZZ_CHECK((o->gpr_written & ~fuzz_writable(&c->insn)) == 0);
	if (r == EMUL_OK && executed)
		FUZZ_CHECK(o->rip == ((c->in.rip + c->insn.length) &
				      (emul_mode(&c->in) == INSN_MODE_LONG64   ? ~0ULL
				       : emul_mode(&c->in) == INSN_MODE_PROT32 ? 0xffffffffULL
									       : 0xffff)));
}

/** insn_decode on the raw bytes in every mode and at every length. */
static void fuzz_decode(const uint8_t *code, size_t len)
{
	struct insn insn;

	for (unsigned int m = INSN_MODE_REAL; m <= INSN_MODE_LONG64; m++) {
		for (size_t n = 0; n <= len; n += 5) {
			enum insn_status st = insn_decode(code, n, m, CODE_GVA, &insn);

			FUZZ_CHECK(st <= INSN_TOO_LONG);
			FUZZ_CHECK(st != INSN_OK || (insn.length >= 1 && insn.length <= n));
			FUZZ_CHECK(st != INSN_OK || !insn.has_mem || insn.mem.seg < INSN_SEG_COUNT);
			FUZZ_CHECK(st != INSN_OK || (insn.cls < INSN_CLASS_COUNT &&
						     insn.vreg.index < INSN_VEC_COUNT &&
						     !(insn.align & (insn.align - 1)) &&
						     insn_class_name(insn.cls)[0] != '?'));
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t in[IN_SIZE] = { 0 }, code[32] = { 0 }, mem[512] = { 0 };
	struct harness h;
	struct emul_ctxt c;
	struct emul_ops ops;
	enum emul_result r = EMUL_OK;
	uint64_t la;

	memcpy(in, data, size < IN_SIZE ? size : IN_SIZE);
	if (size > IN_SIZE)
		memcpy(mem, data + IN_SIZE,
		       size - IN_SIZE < sizeof(mem) ? size - IN_SIZE : sizeof(mem));
	fuzz_decode(code, fuzz_insn(in, code, 16));
	harness_init(&h, DATA_GVA, mem, sizeof(mem), CODE_GVA, code, sizeof(code));
	h.fail_at = in[2] & 15;
	h.fail_with = (enum emul_result)(in[3] % 5);
	fuzz_ctxt(in, &c, &h);
	for (unsigned int i = 0; i < INSN_VEC_COUNT; i++)
		memcpy(c.in.vec[i], mem + (i * 32) % (sizeof(mem) - 32), 32);
	ops = fuzz_ops((uint8_t)((in[1] & 0x1f) | ((in[2] & 0x10) << 1)));
	if (in[0] & 0x10) {
		r = emul_decode(&c, &ops);
		fuzz_check(&c, r, false);
		if (r == EMUL_OK && emul_mem_linear(&c, in[1] & 0x20, &la) == EMUL_EXCEPTION)
			FUZZ_CHECK(c.out.fault.vector == X86_VEC_GP ||
				   c.out.fault.vector == X86_VEC_SS);
	}
	if (r == EMUL_OK) {
		r = emul_execute(&c, &ops);
		fuzz_check(&c, r, true);
	}
	return 0;
}
