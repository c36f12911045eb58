/* SPDX-License-Identifier: MIT */
/*
 * Differential tests of the engine (decoder/emul_arith.c, emul_alu.c,
 * emul_move.c, emul_string.c, emul_muldiv.c, emul_bitop.c, emul_vec.c):
 * 645 forms of the read-modify-write, bit, exchange, conditional, stack,
 * byte-swap, multiply, divide, shift-double, bit-count, BMI1/BMI2, ADX,
 * CRC32, string compare and SSE/AVX move instructions (every operand size,
 * memory as destination and as source, immediates, LOCK, 67h,
 * RIP-relative) run on this CPU (inline code, x86-64 Linux hosts) and
 * through emul_execute() on the same memory (emul_harness.c), over random
 * registers, YMM0-15, memory, immediates, counts, bit offsets and input
 * flags from a seeded generator; the GPRs, RFLAGS, vector registers and
 * memory must be equal bit for bit.  DIV and IDIV cases sit around the
 * edges of #DE (zero divisors, quotients at and just past their range):
 * where the CPU raises #DE (SIGFPE here) the engine must report #DE and
 * change nothing.  Forms without REX (and without 67h) run emulated in
 * 32-bit protected mode on every other case (the same bytes mean the same
 * there; the data sits below 4 GiB).  The decode is cached per form and
 * redone on 2 of every DECODE_EVERY cases (and on every CMPS/SCAS case,
 * which runs through EMUL_RETRY with a REP budget of 1 to 5).
 *
 * No flag is masked: where the manuals leave a flag undefined the engine
 * does what this CPU (AMD Zen) does (decoder/emul_alu.c, emul_muldiv.c and
 * emul_bitop.c name each case), so a run on a CPU that differs there fails
 * and says which form and flag.
 *
 * Usage: test_emul_diff [SHARD COUNT]
 *   runs the forms i with i % COUNT == SHARD (meson runs the shards in
 *   parallel); EMUL_DIFF_CASES=N in the environment sets the random cases
 *   per form (default 100000), EMUL_DIFF_SEED=S the seed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <setjmp.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <cmocka.h>

#include "emul_harness.h"
#include "emul_native.h"
#include "test_rng.h"

#define PAGE	    4096
#define WINDOW	    512	     /**< the data bytes a case randomises and compares */
#define MID	    256	     /**< RBX: the memory operand, mid-window */
#define STACK_AT    448	     /**< R14 (the stack forms' RSP) */
#define FLAGS_ARITH 0x8d5ULL /* CF PF AF ZF SF OF */

enum {
	DF_BTREG = 1 << 0, /**< RDX is a bit offset: keep it within +-1024 bits */
	DF_STACK = 1 << 1, /**< PUSH/POP: RSP is R14 (swapped around the native run) */
	DF_CMPX = 1 << 2,  /**< CMPXCHG*: rDX:rAX equal to memory on half the cases */
	DF_NO32 = 1 << 3,  /**< not in 32-bit mode (REX, or a 64-bit default size) */
	DF_VEC = 1 << 4,   /**< SSE/AVX: YMM0-15 random, loaded and compared */
	DF_UNAL = 1 << 5,  /**< the operand at a random offset from RBX's 32-byte alignment */
	DF_STR = 1 << 6,   /**< CMPS/SCAS: RSI, RDI, RCX, DF and the data arranged to match */
	DF_A32 = 1 << 7,   /**< 67h: RBX, RSI, RDI, RCX get garbage in bits 63:32 */
	DF_RIP = 1 << 8,   /**< RIP-relative: the disp32 before the immediate targets RBX's byte */
	DF_DIV = 1 << 9, /**< DIV/IDIV: dividends and divisors around #DE's edges (#DE compared) */
	DF_SDIV = 1 << 10,  /**< ... signed (IDIV) */
	DF_SMALL = 1 << 11, /**< products that fit: [rbx], rAX, rDX, R10 often small or zero */
	DF_CTRL = 1 << 12,  /**< RCX, R10 (BEXTR/BZHI control) mostly in 0..79 per byte */
};

/** One form: bytes, where an immediate to randomise sits, and what the registers mean. */
struct dform {
	char name[48];
	uint8_t bytes[16];
	uint8_t len;
	uint8_t imm_at, imm_len; /**< imm_len 0: none */
	uint8_t size;		 /**< operand size (CMPXCHG*: compare width) */
	uint16_t flags;
};

#define MAX_FORMS 768
static struct dform forms[MAX_FORMS];
static size_t nforms;

static uint8_t *region; /**< page 0: code; page 1: data (below 4 GiB) */
static uint8_t shadow[WINDOW];
static unsigned long cases_per_form = 100000;

static const char *const size_names[9] = { [1] = "8", [2] = "16", [4] = "32", [8] = "64" };

/**
 * Add a form: optional prefix bytes (LOCK, 66, REX), opcode bytes, a ModRM
 * byte for [rbx] with reg field reg, then imm_len immediate bytes.
 */
static void add(const char *name, unsigned int size, const char *pfx, const char *op,
		unsigned int reg, unsigned int imm_len, unsigned int flags)
{
	struct dform *f = &forms[nforms++];
	size_t n = 0;

	assert_true(nforms <= MAX_FORMS);
	memset(f, 0, sizeof(*f));
	snprintf(f->name, sizeof(f->name), "%s", name);
	if (size == 2)
		f->bytes[n++] = 0x66;
	for (; *pfx; pfx++)
		f->bytes[n++] = (uint8_t)*pfx;
	if (size == 8) {
		f->bytes[n++] = 0x48 | (reg >= 8 ? 4 : 0);
		flags |= DF_NO32;
	} else if (reg >= 8) {
		f->bytes[n++] = 0x44;
		flags |= DF_NO32;
	}
	if (!*op)
		f->bytes[n++] = 0; /* "": opcode 00 (ADD m8, r8) */
	for (; *op; op++)
		f->bytes[n++] = (uint8_t)*op;
	f->bytes[n++] = (uint8_t)(((reg & 7) << 3) | 3); /* [rbx] */
	f->imm_at = (uint8_t)n;
	f->imm_len = (uint8_t)imm_len;
	f->len = (uint8_t)(n + imm_len);
	f->size = (uint8_t)size;
	f->flags = (uint16_t)flags;
}

/** Add a form of exactly these bytes (ModRM included). */
static void add_raw(const char *name, unsigned int size, const char *bytes, size_t len,
		    unsigned int flags)
{
	struct dform *f = &forms[nforms++];

	assert_true(nforms <= MAX_FORMS && len <= sizeof(f->bytes));
	memset(f, 0, sizeof(*f));
	snprintf(f->name, sizeof(f->name), "%s", name);
	memcpy(f->bytes, bytes, len);
	f->len = (uint8_t)len;
	f->size = (uint8_t)size;
	f->flags = (uint16_t)flags;
}

#define RAW(name, size, bytes, flags) add_raw(name, size, bytes, sizeof(bytes) - 1, flags)

/** A "%s m%u, ..." name. */
static const char *fmt(const char *pattern, const char *mn, unsigned int size)
{
	static char buf[48];

	snprintf(buf, sizeof(buf), pattern, mn, size_names[size], size_names[size]);
	return buf;
}

/** The opcode for size: 8-bit forms have op8, the rest op8 + 1. */
static const char *opc(uint8_t op8, unsigned int size)
{
	static char buf[3];

	buf[0] = (char)(size == 1 ? op8 : op8 + 1);
	buf[1] = 0;
	return buf;
}

static const char *opc2(uint8_t op8, unsigned int size)
{
	static char buf[4];

	buf[0] = 0x0f;
	buf[1] = (char)(size == 1 ? op8 : op8 + 1);
	buf[2] = 0;
	return buf;
}

static const unsigned int sizes[] = { 1, 2, 4, 8 };

static void add_alu(void)
{
	static const char *const mn[] = { "add", "or", "adc", "sbb", "and", "sub", "xor", "cmp" };

	for (unsigned int op = 0; op < 8; op++) {
		for (unsigned int i = 0; i < 4; i++) {
			unsigned int s = sizes[i], il = s == 1 ? 1 : s == 2 ? 2 : 4;

			add(fmt("%s m%s, r%s", mn[op], s), s, "", opc((uint8_t)(op * 8), s), 2, 0,
			    0);
			add(fmt("%s r%s, m%s", mn[op], s), s, "", opc((uint8_t)(op * 8 + 2), s),
			    s == 1 ? 4 : 10, 0, 0); /* AH, or R10 */
			add(fmt("%s m%s, imm", mn[op], s), s, "", s == 1 ? "\x80" : "\x81", op, il,
			    0);
			if (s > 1)
				add(fmt("%s m%s, imm8", mn[op], s), s, "", "\x83", op, 1, 0);
			if (op == 7)
				continue;
			add(fmt("lock %s m%s, r%s", mn[op], s), s, "\xf0",
			    opc((uint8_t)(op * 8), s), 2, 0, 0);
			if (s != 1)
				continue;
			add(fmt("lock %s m%s, imm", mn[op], s), s, "\xf0", "\x80", op, 1, 0);
		}
	}
	for (unsigned int i = 0; i < 4; i++) {
		unsigned int s = sizes[i];

		add(fmt("test m%2$s, r%2$s", "", s), s, "", opc(0x84, s), 2, 0, 0);
		add(fmt("test m%2$s, imm", "", s), s, "", s == 1 ? "\xf6" : "\xf7", 0,
		    s == 1   ? 1
		    : s == 2 ? 2
			     : 4,
		    0);
	}
}

static void add_unary(void)
{
	static const struct {
		const char *mn;
		uint8_t op8, reg;
	} u[] = { { "inc", 0xfe, 0 }, { "dec", 0xfe, 1 }, { "not", 0xf6, 2 }, { "neg", 0xf6, 3 } };

	for (unsigned int k = 0; k < 4; k++) {
		for (unsigned int i = 0; i < 4; i++) {
			add(fmt("%s m%s", u[k].mn, sizes[i]), sizes[i], "", opc(u[k].op8, sizes[i]),
			    u[k].reg, 0, 0);
			add(fmt("lock %s m%s", u[k].mn, sizes[i]), sizes[i], "\xf0",
			    opc(u[k].op8, sizes[i]), u[k].reg, 0, 0);
		}
	}
}

static void add_shifts(void)
{
	static const char *const mn[] = { "rol", "ror", "rcl", "rcr", "shl", "shr", "sal", "sar" };

	for (unsigned int op = 0; op < 8; op++) {
		for (unsigned int i = 0; i < 4; i++) {
			unsigned int s = sizes[i];

			if (op == 6 && s != 4)
				continue; /* SAL /6: one size is enough for the alias */
			add(fmt("%s m%s, 1", mn[op], s), s, "", opc(0xd0, s), op, 0, 0);
			add(fmt("%s m%s, cl", mn[op], s), s, "", opc(0xd2, s), op, 0, 0);
			add(fmt("%s m%s, imm8", mn[op], s), s, "", opc(0xc0, s), op, 1, 0);
		}
	}
}

static void add_bits(void)
{
	static const char *const mn[] = { "bt", "bts", "btr", "btc" };

	for (unsigned int op = 0; op < 4; op++) {
		for (unsigned int i = 1; i < 4; i++) {
			unsigned int s = sizes[i];
			char o[3] = { 0x0f, (char)(0xa3 + op * 8), 0 };

			add(fmt("%s m%s, r%s", mn[op], s), s, "", o, 2, 0, DF_BTREG);
			add(fmt("%s m%s, imm8", mn[op], s), s, "", "\x0f\xba", 4 + op, 1, 0);
			if (op == 0)
				continue;
			add(fmt("lock %s m%s, r%s", mn[op], s), s, "\xf0", o, 2, 0, DF_BTREG);
			add(fmt("lock %s m%s, imm8", mn[op], s), s, "\xf0", "\x0f\xba", 4 + op, 1,
			    0);
		}
	}
}

static void add_exchange(void)
{
	for (unsigned int i = 0; i < 4; i++) {
		unsigned int s = sizes[i];

		add(fmt("xchg m%2$s, r%2$s", "", s), s, "", opc(0x86, s), 2, 0, 0);
		add(fmt("xchg m%2$s, r%2$s (AH/R9)", "", s), s, "", opc(0x86, s), s == 1 ? 4 : 9, 0,
		    0);
		add(fmt("xadd m%2$s, r%2$s", "", s), s, "", opc2(0xc0, s), 2, 0, 0);
		add(fmt("lock xadd m%2$s, r%2$s", "", s), s, "\xf0", opc2(0xc0, s), 2, 0, 0);
		add(fmt("cmpxchg m%2$s, r%2$s", "", s), s, "", opc2(0xb0, s), 2, 0, DF_CMPX);
		add(fmt("lock cmpxchg m%2$s, r%2$s", "", s), s, "\xf0", opc2(0xb0, s), 2, 0,
		    DF_CMPX);
	}
	add("cmpxchg8b m64", 4, "", "\x0f\xc7", 1, 0, DF_CMPX);
	add("lock cmpxchg8b m64", 4, "\xf0", "\x0f\xc7", 1, 0, DF_CMPX);
	add("cmpxchg16b m128", 8, "", "\x0f\xc7", 1, 0, DF_CMPX);
	add("lock cmpxchg16b m128", 8, "\xf0", "\x0f\xc7", 1, 0, DF_CMPX);
}

static void add_conditional(void)
{
	for (unsigned int cc = 0; cc < 16; cc++) {
		char name[32], o[3] = { 0x0f, (char)(0x90 + cc), 0 };

		snprintf(name, sizeof(name), "set%x m8", cc);
		add(name, 1, "", o, 0, 0, 0);
		o[1] = (char)(0x40 + cc);
		for (unsigned int i = 1; i < 4; i++) {
			snprintf(name, sizeof(name), "cmov%x r%s, m%s", cc, size_names[sizes[i]],
				 size_names[sizes[i]]);
			add(name, sizes[i], "", o, 2, 0, 0);
		}
	}
}

static void add_moves(void)
{
	for (unsigned int i = 1; i < 4; i++) {
		unsigned int s = sizes[i];

		add(fmt("movbe r%2$s, m%2$s", "", s), s, "", "\x0f\x38\xf0", 2, 0, 0);
		add(fmt("movbe m%2$s, r%2$s", "", s), s, "", "\x0f\x38\xf1", 2, 0, 0);
		if (s >= 4)
			add(fmt("movnti m%2$s, r%2$s", "", s), s, "", "\x0f\xc3", 2, 0, 0);
	}
	/* PUSH/POP: 64-bit default size; RSP is R14 (DF_STACK) */
	add("push m64", 8, "", "\xff", 6, 0, DF_STACK | DF_NO32);
	add("push m16", 2, "", "\xff", 6, 0, DF_STACK | DF_NO32);
	add("pop m64", 8, "", "\x8f", 0, 0, DF_STACK | DF_NO32);
	add("pop m16", 2, "", "\x8f", 0, 0, DF_STACK | DF_NO32);
	/* pop [rsp+8]: the address uses RSP after the pop */
	add("pop [rsp+8]", 8, "", "\x8f\x44\x24\x08", 0, 0, DF_STACK | DF_NO32);
	forms[nforms - 1].len--; /* no ModRM of add()'s: it is in the opcode bytes */
}

/**
 * MUL, IMUL (1, 2 and 3 operands), DIV, IDIV: RDX or R10 with [rbx], every
 * size; MULX with distinct and equal destinations.
 */
static void add_muldiv(void)
{
	static const struct {
		const char *mn;
		unsigned int reg, flags;
	} one[] = { { "mul", 4, DF_SMALL },
		    { "imul", 5, DF_SMALL },
		    { "div", 6, DF_DIV },
		    { "idiv", 7, DF_DIV | DF_SDIV } };

	for (unsigned int k = 0; k < 4; k++)
		for (unsigned int i = 0; i < 4; i++)
			add(fmt("%s m%s", one[k].mn, sizes[i]), sizes[i], "", opc(0xf6, sizes[i]),
			    one[k].reg, 0, one[k].flags);
	for (unsigned int i = 1; i < 4; i++) {
		unsigned int s = sizes[i];

		add(fmt("imul r%2$s, m%2$s", "", s), s, "", "\x0f\xaf", 2, 0, DF_SMALL);
		add(fmt("imul r%2$s (r10), m%2$s", "", s), s, "", "\x0f\xaf", 10, 0, DF_SMALL);
		add(fmt("imul r%2$s, m%2$s, imm8", "", s), s, "", "\x6b", 2, 1, DF_SMALL);
		add(fmt("imul r%2$s, m%2$s, imm", "", s), s, "", "\x69", 2, s == 2 ? 2 : 4,
		    DF_SMALL);
	}
	RAW("mulx r10d, ecx, m32", 4, "\xc4\x62\x73\xf6\x13", DF_SMALL | DF_NO32);
	RAW("mulx r10, rcx, m64", 8, "\xc4\x62\xf3\xf6\x13", DF_SMALL | DF_NO32);
	RAW("mulx rcx, r10, m64", 8, "\xc4\xe2\xab\xf6\x0b", DF_SMALL | DF_NO32);
	RAW("mulx edx, edx, m32", 4, "\xc4\xe2\x6b\xf6\x13", DF_SMALL);
	RAW("mulx rdx, rdx, m64", 8, "\xc4\xe2\xeb\xf6\x13", DF_SMALL | DF_NO32);
	RAW("mulx ecx, esi, m32", 4, "\xc4\xe2\x4b\xf6\x0b", DF_SMALL);
}

/** SHLD and SHRD into [rbx] (by imm8 and by CL), BSF..POPCNT, ADCX, ADOX, CRC32. */
static void add_bitops(void)
{
	static const struct {
		const char *mn, *pfx, *op;
	} rm[] = {
		{ "bsf", "", "\x0f\xbc" },	  { "bsr", "", "\x0f\xbd" },
		{ "tzcnt", "\xf3", "\x0f\xbc" },  { "lzcnt", "\xf3", "\x0f\xbd" },
		{ "popcnt", "\xf3", "\x0f\xb8" },
	};

	for (unsigned int i = 1; i < 4; i++) {
		unsigned int s = sizes[i];

		add(fmt("shld m%2$s, r%2$s, imm8", "", s), s, "", "\x0f\xa4", 2, 1, 0);
		add(fmt("shld m%2$s, r%2$s, cl", "", s), s, "", "\x0f\xa5", 2, 0, 0);
		add(fmt("shrd m%2$s, r%2$s, imm8", "", s), s, "", "\x0f\xac", 2, 1, 0);
		add(fmt("shrd m%2$s, r%2$s, cl", "", s), s, "", "\x0f\xad", 2, 0, 0);
		for (unsigned int k = 0; k < sizeof(rm) / sizeof(rm[0]); k++)
			add(fmt("%s r%s, m%s", rm[k].mn, s), s, rm[k].pfx, rm[k].op, 2, 0,
			    DF_SMALL);
	}
	add("shld m16 (r10), cl", 2, "", "\x0f\xa5", 10, 0, 0);
	add("bsf r32 (r10), m32", 4, "", "\x0f\xbc", 10, 0, DF_SMALL);
	for (unsigned int i = 2; i < 4; i++) {
		unsigned int s = sizes[i];

		add(fmt("adcx r%2$s, m%2$s", "", s), s, "\x66", "\x0f\x38\xf6", 2, 0, 0);
		add(fmt("adox r%2$s, m%2$s", "", s), s, "\xf3", "\x0f\x38\xf6", 2, 0, 0);
	}
	RAW("crc32 r32, m8", 4, "\xf2\x0f\x38\xf0\x13", 0);
	RAW("crc32 r32, m16", 4, "\x66\xf2\x0f\x38\xf1\x13", 0);
	RAW("crc32 r32, m32", 4, "\xf2\x0f\x38\xf1\x13", 0);
	RAW("crc32 r64, m64", 8, "\xf2\x48\x0f\x38\xf1\x13", DF_NO32);
	RAW("crc32 r64, m8", 8, "\xf2\x48\x0f\x38\xf0\x13", DF_NO32);
}

/** BMI1 and BMI2 but MULX (VEX): R10 (or ECX) as VEX.vvvv, EDX/RDX as the destination. */
static void add_bmi(void)
{
	enum { C = DF_CTRL, Z = DF_SMALL, X = DF_NO32 };
	static const struct {
		const char *name;
		unsigned int size;
		const char *bytes;
		unsigned int flags;
	} rows[] = {
		{ "andn r32, r10d, m32", 4, "\xc4\xe2\x28\xf2\x13", Z | X },
		{ "andn r64, r10, m64", 8, "\xc4\xe2\xa8\xf2\x13", Z | X },
		{ "andn r32, ecx, m32", 4, "\xc4\xe2\x70\xf2\x13", Z },
		{ "bextr r32, m32, r10d", 4, "\xc4\xe2\x28\xf7\x13", C | X },
		{ "bextr r64, m64, r10", 8, "\xc4\xe2\xa8\xf7\x13", C | X },
		{ "bextr r32, m32, ecx", 4, "\xc4\xe2\x70\xf7\x13", C },
		{ "blsi r10d, m32", 4, "\xc4\xe2\x28\xf3\x1b", Z | X },
		{ "blsi r10, m64", 8, "\xc4\xe2\xa8\xf3\x1b", Z | X },
		{ "blsi ecx, m32", 4, "\xc4\xe2\x70\xf3\x1b", Z },
		{ "blsmsk r10d, m32", 4, "\xc4\xe2\x28\xf3\x13", Z | X },
		{ "blsmsk r10, m64", 8, "\xc4\xe2\xa8\xf3\x13", Z | X },
		{ "blsr r10d, m32", 4, "\xc4\xe2\x28\xf3\x0b", Z | X },
		{ "blsr r10, m64", 8, "\xc4\xe2\xa8\xf3\x0b", Z | X },
		{ "bzhi r32, m32, r10d", 4, "\xc4\xe2\x28\xf5\x13", C | X },
		{ "bzhi r64, m64, r10", 8, "\xc4\xe2\xa8\xf5\x13", C | X },
		{ "bzhi r32, m32, ecx", 4, "\xc4\xe2\x70\xf5\x13", C },
		{ "pdep r32, r10d, m32", 4, "\xc4\xe2\x2b\xf5\x13", X },
		{ "pdep r64, r10, m64", 8, "\xc4\xe2\xab\xf5\x13", X },
		{ "pext r32, r10d, m32", 4, "\xc4\xe2\x2a\xf5\x13", X },
		{ "pext r64, r10, m64", 8, "\xc4\xe2\xaa\xf5\x13", X },
		{ "pext r32, ecx, m32", 4, "\xc4\xe2\x72\xf5\x13", 0 },
		{ "sarx r32, m32, r10d", 4, "\xc4\xe2\x2a\xf7\x13", X },
		{ "sarx r64, m64, r10", 8, "\xc4\xe2\xaa\xf7\x13", X },
		{ "shlx r32, m32, r10d", 4, "\xc4\xe2\x29\xf7\x13", X },
		{ "shlx r64, m64, r10", 8, "\xc4\xe2\xa9\xf7\x13", X },
		{ "shrx r32, m32, r10d", 4, "\xc4\xe2\x2b\xf7\x13", X },
		{ "shrx r64, m64, r10", 8, "\xc4\xe2\xab\xf7\x13", X },
		{ "shrx r32, m32, ecx", 4, "\xc4\xe2\x73\xf7\x13", 0 },
		{ "rorx r32, m32, imm8", 4, "\xc4\xe3\x7b\xf0\x13\x05", 0 },
		{ "rorx r64, m64, imm8", 8, "\xc4\xe3\xfb\xf0\x13\x2d", X },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		add_raw(rows[i].name, rows[i].size, rows[i].bytes, strlen(rows[i].bytes),
			rows[i].flags);
		if (rows[i].bytes[3] == (char)0xf0) { /* RORX: the last byte is the imm8 */
			forms[nforms - 1].imm_at = (uint8_t)(forms[nforms - 1].len - 1);
			forms[nforms - 1].imm_len = 1;
		}
	}
}

/** SSE and AVX loads and stores, XMM1 (or XMM9/YMM9) and [rbx]. */
static void add_vector(void)
{
	enum { VA = DF_VEC, VU = DF_VEC | DF_UNAL, X = DF_NO32 };
	static const struct {
		const char *name;
		unsigned int size;
		const char *bytes;
		unsigned int flags;
	} rows[] = {
		{ "movd xmm1, m32", 4, "\x66\x0f\x6e\x0b", VU },
		{ "movd m32, xmm1", 4, "\x66\x0f\x7e\x0b", VU },
		{ "movq xmm1, m64 (66 REX.W 0F 6E)", 8, "\x66\x48\x0f\x6e\x0b", VU | X },
		{ "movq xmm1, m64 (F3 0F 7E)", 8, "\xf3\x0f\x7e\x0b", VU },
		{ "movq m64, xmm1 (66 REX.W 0F 7E)", 8, "\x66\x48\x0f\x7e\x0b", VU | X },
		{ "movq m64, xmm1 (66 0F D6)", 8, "\x66\x0f\xd6\x0b", VU },
		{ "movdqa xmm1, m128", 16, "\x66\x0f\x6f\x0b", VA },
		{ "movdqa m128, xmm1", 16, "\x66\x0f\x7f\x0b", VA },
		{ "movdqu xmm1, m128", 16, "\xf3\x0f\x6f\x0b", VU },
		{ "movdqu m128, xmm1", 16, "\xf3\x0f\x7f\x0b", VU },
		{ "movdqu xmm9, m128", 16, "\xf3\x44\x0f\x6f\x0b", VU | X },
		{ "movdqu m128, xmm9", 16, "\xf3\x44\x0f\x7f\x0b", VU | X },
		{ "movaps xmm1, m128", 16, "\x0f\x28\x0b", VA },
		{ "movaps m128, xmm1", 16, "\x0f\x29\x0b", VA },
		{ "movups xmm1, m128", 16, "\x0f\x10\x0b", VU },
		{ "movups m128, xmm1", 16, "\x0f\x11\x0b", VU },
		{ "movapd xmm1, m128", 16, "\x66\x0f\x28\x0b", VA },
		{ "movapd m128, xmm1", 16, "\x66\x0f\x29\x0b", VA },
		{ "movupd xmm1, m128", 16, "\x66\x0f\x10\x0b", VU },
		{ "movupd m128, xmm1", 16, "\x66\x0f\x11\x0b", VU },
		{ "movntdq m128, xmm1", 16, "\x66\x0f\xe7\x0b", VA },
		{ "movntps m128, xmm1", 16, "\x0f\x2b\x0b", VA },
		{ "vmovd xmm1, m32", 4, "\xc5\xf9\x6e\x0b", VU },
		{ "vmovd m32, xmm1", 4, "\xc5\xf9\x7e\x0b", VU },
		{ "vmovq xmm1, m64", 8, "\xc5\xfa\x7e\x0b", VU },
		{ "vmovq m64, xmm1", 8, "\xc5\xf9\xd6\x0b", VU },
		{ "vmovdqa xmm1, m128", 16, "\xc5\xf9\x6f\x0b", VA },
		{ "vmovdqa ymm1, m256", 32, "\xc5\xfd\x6f\x0b", VA },
		{ "vmovdqa m128, xmm1", 16, "\xc5\xf9\x7f\x0b", VA },
		{ "vmovdqa m256, ymm1", 32, "\xc5\xfd\x7f\x0b", VA },
		{ "vmovdqu xmm1, m128", 16, "\xc5\xfa\x6f\x0b", VU },
		{ "vmovdqu ymm1, m256", 32, "\xc5\xfe\x6f\x0b", VU },
		{ "vmovdqu ymm9, m256", 32, "\xc5\x7e\x6f\x0b", VU | X },
		{ "vmovdqu m128, xmm1", 16, "\xc5\xfa\x7f\x0b", VU },
		{ "vmovdqu m256, ymm1", 32, "\xc5\xfe\x7f\x0b", VU },
		{ "vmovdqu m256, ymm9", 32, "\xc5\x7e\x7f\x0b", VU | X },
		{ "vmovaps xmm1, m128", 16, "\xc5\xf8\x28\x0b", VA },
		{ "vmovaps ymm1, m256", 32, "\xc5\xfc\x28\x0b", VA },
		{ "vmovaps m128, xmm1", 16, "\xc5\xf8\x29\x0b", VA },
		{ "vmovaps m256, ymm1", 32, "\xc5\xfc\x29\x0b", VA },
		{ "vmovups xmm1, m128", 16, "\xc5\xf8\x10\x0b", VU },
		{ "vmovups ymm1, m256", 32, "\xc5\xfc\x10\x0b", VU },
		{ "vmovups m128, xmm1", 16, "\xc5\xf8\x11\x0b", VU },
		{ "vmovups m256, ymm1", 32, "\xc5\xfc\x11\x0b", VU },
		{ "vmovapd ymm1, m256", 32, "\xc5\xfd\x28\x0b", VA },
		{ "vmovapd m256, ymm1", 32, "\xc5\xfd\x29\x0b", VA },
		{ "vmovupd xmm1, m128", 16, "\xc5\xf9\x10\x0b", VU },
		{ "vmovupd m256, ymm1", 32, "\xc5\xfd\x11\x0b", VU },
		{ "vmovntdq m128, xmm1", 16, "\xc5\xf9\xe7\x0b", VA },
		{ "vmovntdq m256, ymm1", 32, "\xc5\xfd\xe7\x0b", VA },
		{ "vmovntps m256, ymm1", 32, "\xc5\xfc\x2b\x0b", VA },
		{ "movss xmm1, m32", 4, "\xf3\x0f\x10\x0b", VU },
		{ "movss m32, xmm1", 4, "\xf3\x0f\x11\x0b", VU },
		{ "movss xmm9, m32", 4, "\xf3\x44\x0f\x10\x0b", VU | X },
		{ "movsd xmm1, m64", 8, "\xf2\x0f\x10\x0b", VU },
		{ "movsd m64, xmm1", 8, "\xf2\x0f\x11\x0b", VU },
		{ "vmovss xmm1, m32", 4, "\xc5\xfa\x10\x0b", VU },
		{ "vmovss m32, xmm1", 4, "\xc5\xfa\x11\x0b", VU },
		{ "vmovsd xmm1, m64", 8, "\xc5\xfb\x10\x0b", VU },
		{ "vmovsd m64, xmm1", 8, "\xc5\xfb\x11\x0b", VU },
		{ "movntpd m128, xmm1", 16, "\x66\x0f\x2b\x0b", VA },
		{ "vmovntpd m128, xmm1", 16, "\xc5\xf9\x2b\x0b", VA },
		{ "vmovntpd m256, ymm1", 32, "\xc5\xfd\x2b\x0b", VA },
		{ "movntdqa xmm1, m128", 16, "\x66\x0f\x38\x2a\x0b", VA },
		{ "vmovntdqa xmm1, m128", 16, "\xc4\xe2\x79\x2a\x0b", VA },
		{ "vmovntdqa ymm1, m256", 32, "\xc4\xe2\x7d\x2a\x0b", VA },
		{ "lddqu xmm1, m128", 16, "\xf2\x0f\xf0\x0b", VU },
		{ "vlddqu xmm1, m128", 16, "\xc5\xfb\xf0\x0b", VU },
		{ "vlddqu ymm1, m256", 32, "\xc5\xff\xf0\x0b", VU },
		{ "movntss m32, xmm1", 4, "\xf3\x0f\x2b\x0b", VU },
		{ "movntsd m64, xmm1", 8, "\xf2\x0f\x2b\x0b", VU },
		{ "movntsd m64, xmm9", 8, "\xf2\x44\x0f\x2b\x0b", VU | X },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		add_raw(rows[i].name, rows[i].size, rows[i].bytes, strlen(rows[i].bytes),
			rows[i].flags);
}

/** CMPS and SCAS, plain, REPE and REPNE, every size, and with 67h. */
static void add_strings(void)
{
	static const char *const rep_names[] = { "", "repe ", "repne " };
	static const char rep_bytes[] = { 0, (char)0xf3, (char)0xf2 };

	for (unsigned int k = 0; k < 2; k++) {
		for (unsigned int p = 0; p < 3; p++) {
			for (unsigned int i = 0; i < 4; i++) {
				unsigned int sz = sizes[i], n = 0;
				char b[4], name[32];

				if (sz == 2)
					b[n++] = 0x66;
				if (p)
					b[n++] = rep_bytes[p];
				if (sz == 8)
					b[n++] = 0x48;
				b[n++] = (char)((k ? 0xae : 0xa6) + (sz > 1));
				snprintf(name, sizeof(name), "%s%s%c", rep_names[p],
					 k ? "scas" : "cmps", "?bw?d???q"[sz]);
				add_raw(name, sz, b, n, DF_STR | DF_NO32);
			}
		}
	}
	RAW("repe cmpsb (67)", 1, "\x67\xf3\xa6", DF_STR | DF_NO32 | DF_A32);
	RAW("repne scasd (67)", 4, "\x67\xf2\xaf", DF_STR | DF_NO32 | DF_A32);
}

/** The address-size and RIP-relative forms: 67h in 64-bit mode, [rip+disp32]. */
static void add_addressing(void)
{
	const unsigned int a = DF_A32 | DF_NO32, r = DF_RIP | DF_NO32;

	RAW("lock add [ebx], edx (67)", 4, "\x67\xf0\x01\x13", a);
	RAW("bts [ebx], edx (67)", 4, "\x67\x0f\xab\x13", a | DF_BTREG);
	RAW("push qword [ebx] (67)", 8, "\x67\xff\x33", a | DF_STACK);
	RAW("cmpxchg8b [ebx] (67)", 4, "\x67\x0f\xc7\x0b", a | DF_CMPX);
	RAW("movdqu xmm1, [ebx] (67)", 16, "\x67\xf3\x0f\x6f\x0b", a | DF_VEC);
	RAW("add [rip+d], edx", 4, "\x01\x15\0\0\0\0", r);
	RAW("cmpxchg [rip+d], edx", 4, "\x0f\xb1\x15\0\0\0\0", r | DF_CMPX);
	RAW("xor qword [rip+d], imm8", 8, "\x48\x83\x35\0\0\0\0\x5a", r);
	forms[nforms - 1].imm_at = 7;
	forms[nforms - 1].imm_len = 1;
	RAW("div dword [ebx] (67)", 4, "\x67\xf7\x33", a | DF_DIV);
	RAW("imul edx, [ebx], imm8 (67)", 4, "\x67\x6b\x13\x05", a | DF_SMALL);
	forms[nforms - 1].imm_at = 3;
	forms[nforms - 1].imm_len = 1;
	RAW("shrd [ebx], edx, cl (67)", 4, "\x67\x0f\xad\x13", a);
	RAW("andn edx, r10d, [ebx] (67)", 4, "\x67\xc4\xe2\x28\xf2\x13", a);
	RAW("bsr rdx, [rip+d]", 8, "\x48\x0f\xbd\x15\0\0\0\0", r | DF_SMALL);
	RAW("idiv qword [rip+d]", 8, "\x48\xf7\x3d\0\0\0\0", r | DF_DIV | DF_SDIV);
	RAW("imul edx, [rip+d], imm32", 4, "\x69\x15\0\0\0\0\x78\x56\x34\x12", r);
	forms[nforms - 1].imm_at = 6;
	forms[nforms - 1].imm_len = 4;
	RAW("rorx rdx, [rip+d], imm8", 8, "\xc4\xe3\xfb\xf0\x15\0\0\0\0\x2d", r);
	forms[nforms - 1].imm_at = 9;
	forms[nforms - 1].imm_len = 1;
}

static void build_forms(void)
{
	nforms = 0;
	add_alu();
	add_unary();
	add_shifts();
	add_bits();
	add_exchange();
	add_conditional();
	add_moves();
	add_muldiv();
	add_bitops();
	add_bmi();
	add_vector();
	add_strings();
	add_addressing();
}

/* The stack swap around PUSH/POP natively: xchg rsp, r14 (49 87 e6). */
static const uint8_t xchg_rsp_r14[] = { 0x49, 0x87, 0xe6 };

static uint8_t *data(void)
{
	return region + PAGE;
}

#define STR_MAX	 24 /**< elements a CMPS/SCAS case compares at most */
#define STR_AREA (STR_MAX * 8)

/**
 * CMPS/SCAS: up to STR_MAX elements forwards or backwards, from two areas
 * that are equal, equal but for one byte, random, or random with one
 * element equal (SCAS: rAX one of the elements, or all elements rAX but
 * one byte), so that REPE and REPNE stop early and late.
 */
static void random_string(const struct dform *f, struct cpu *cpu)
{
	bool df = test_rng() & 1, scas = (f->bytes[f->len - 1] & 0xfe) == 0xae;
	unsigned int src_lo = 16, dst_lo = 272, sz = f->size;
	unsigned int k = (unsigned int)(test_rng() % (STR_AREA / sz));
	unsigned int mode = (unsigned int)(test_rng() % 4);
	uint64_t hi = (f->flags & DF_A32) ? 0xdead00000000ULL : 0;
	uint8_t *d = data();

	cpu->gpr[INSN_RCX] = (test_rng() % (STR_MAX + 1)) | hi;
	cpu->gpr[INSN_RSI] = ((uint64_t)d + (df ? src_lo + STR_AREA - sz : src_lo)) | hi;
	cpu->gpr[INSN_RDI] = ((uint64_t)d + (df ? dst_lo + STR_AREA - sz : dst_lo)) | hi;
	cpu->rflags |= df ? 0x400 : 0;
	if (scas) {
		if (mode == 0)
			memcpy(&cpu->gpr[INSN_RAX], d + dst_lo + k * sz, sz);
		if (mode == 1) {
			for (unsigned int i = 0; i < STR_AREA; i += sz)
				memcpy(d + dst_lo + i, &cpu->gpr[INSN_RAX], sz);
			d[dst_lo + test_rng() % STR_AREA]++;
		}
		return;
	}
	if (mode <= 1)
		memcpy(d + dst_lo, d + src_lo, STR_AREA);
	if (mode == 1)
		d[dst_lo + test_rng() % STR_AREA]++;
	if (mode == 3)
		memcpy(d + dst_lo + k * sz, d + src_lo + k * sz, sz);
}

/** A small value, zero-extended or sign-extended from a byte: 0..255 or -256..-1. */
static uint64_t small_value(void)
{
	uint64_t v = test_rng() % 256;

	return (test_rng() & 1) ? v : (uint64_t) - (int64_t)(v + 1);
}

/** Set the low size bytes of *r to v, keeping the rest. */
static void set_low(uint64_t *r, uint64_t v, unsigned int size)
{
	uint64_t m = size == 8 ? ~0ULL : (1ULL << (size * 8)) - 1;

	*r = (*r & ~m) | (v & m);
}

/** The low bits bits of v, zero- or sign-extended. */
static __int128 extend(uint64_t v, unsigned int bits, bool sgn)
{
	if (sgn)
		return (__int128)((int64_t)(v << (64 - bits)) >> (64 - bits));
	return (__int128)(bits == 64 ? v : v & ((1ULL << bits) - 1));
}

/**
 * DIV/IDIV: a zero divisor (1 in 8), random operands (1 in 8, mostly a
 * quotient too large), or dividend = quotient * divisor + remainder with
 * the quotient at or just past the edges of its range, or random in it
 * (the divisor 1, -1 or 2 on 1 in 8).
 */
static void random_div(const struct dform *f, struct cpu *cpu, uint8_t *mem)
{
	unsigned int size = f->size, bits = size * 8, pick = (unsigned int)(test_rng() % 8);
	bool sgn = f->flags & DF_SDIV, neg;
	__int128 max = sgn ? ((__int128)1 << (bits - 1)) - 1 : ((__int128)1 << bits) - 1;
	__int128 min = sgn ? -((__int128)1 << (bits - 1)) : 0, q, d;
	unsigned __int128 n, r;

	if (pick == 0)
		memset(mem, 0, size);
	if (pick <= 1)
		return;
	d = extend(test_rng(), bits, sgn);
	if (pick == 2)
		d = (test_rng() & 1) ? 1 : sgn ? -1 : 2;
	if (!d)
		d = 3;
	switch (test_rng() % 6) {
	case 0:
		q = max;
		break;
	case 1:
		q = max + 1;
		break;
	case 2:
		q = sgn ? min : 0;
		break;
	case 3:
		q = sgn ? min - 1 : max - 1;
		break;
	default:
		q = extend(test_rng(), bits, sgn);
		break;
	}
	/* in unsigned arithmetic (the bits are those of the signed values) */
	n = (unsigned __int128)q * (unsigned __int128)d;
	r = (unsigned __int128)(test_rng() % (uint64_t)(d < 0 ? -d : d));
	neg = sgn && (q && d ? (q < 0) != (d < 0) : test_rng() & 1);
	n = neg ? n - r : n + r;
	memcpy(mem, &d, size);
	if (size == 1) {
		set_low(&cpu->gpr[INSN_RAX], (uint64_t)n, 2);
		return;
	}
	set_low(&cpu->gpr[INSN_RAX], (uint64_t)n, size);
	set_low(&cpu->gpr[INSN_RDX], (uint64_t)(n >> bits), size);
}

/** Random inputs for form f (memory: the bytes it can reach). */
static void random_case(const struct dform *f, struct cpu *cpu)
{
	uint64_t *w = (uint64_t *)data();

	if (f->flags & (DF_BTREG | DF_STR)) {
		for (unsigned int i = 0; i < WINDOW / 8; i++)
			w[i] = test_rng();
	} else {
		for (unsigned int i = MID / 8 - 1; i < MID / 8 + 9; i++)
			w[i] = test_rng();
		for (unsigned int i = STACK_AT / 8 - 2; i < STACK_AT / 8 + 4; i++)
			w[i] = test_rng();
	}
	for (unsigned int i = 0; i < INSN_GPR_COUNT; i++)
		cpu->gpr[i] = test_rng();
	cpu->gpr[INSN_RBX] = (uint64_t)data() + MID;
	if (f->flags & DF_A32)
		cpu->gpr[INSN_RBX] |= 0xdead00000000ULL;
	cpu->rflags = NATIVE_FLAGS_FIXED | (test_rng() & FLAGS_ARITH);
	if (f->flags & DF_STACK)
		cpu->gpr[INSN_R14] = (uint64_t)data() + STACK_AT;
	if (f->flags & DF_UNAL)
		cpu->gpr[INSN_RBX] += test_rng() % 32;
	if (f->flags & DF_STR)
		random_string(f, cpu);
	if (f->flags & DF_DIV)
		random_div(f, cpu, data() + MID);
	if ((f->flags & DF_SMALL) && (test_rng() & 1))
		w[MID / 8] = test_rng() % 4 ? small_value() : 0;
	if ((f->flags & DF_SMALL) && (test_rng() & 1)) {
		cpu->gpr[INSN_RAX] = small_value();
		cpu->gpr[INSN_RDX] = small_value();
		cpu->gpr[INSN_R10] = small_value();
	}
	if (f->flags & DF_CTRL) {
		cpu->gpr[INSN_RCX] = (cpu->gpr[INSN_RCX] & ~0xffffULL) | (test_rng() % 80) |
				     (test_rng() % 80) << 8;
		cpu->gpr[INSN_R10] = (cpu->gpr[INSN_R10] & ~0xffffULL) | (test_rng() % 80) |
				     (test_rng() % 80) << 8;
	}
	if (f->flags & DF_BTREG) {
		/* offsets of +-1024 bits, sign-extended from the operand size */
		uint64_t m = f->size == 8 ? ~0ULL : (1ULL << (f->size * 8)) - 1;
		uint64_t off = (uint64_t)((int64_t)(test_rng() % 2048) - 1024);

		cpu->gpr[INSN_RDX] = (cpu->gpr[INSN_RDX] & ~m) | (off & m);
	}
	if ((f->flags & DF_CMPX) && (test_rng() & 1)) {
		/* rDX:rAX (or rAX) equal to the operand: the exchange happens */
		if (f->len >= 3 && (f->bytes[f->len - 2] == 0xc7)) {
			uint64_t lo = w[MID / 8], hi = w[MID / 8 + 1];

			if (f->size == 4) {
				cpu->gpr[INSN_RAX] = (cpu->gpr[INSN_RAX] & ~0xffffffffULL) |
						     (uint32_t)lo;
				cpu->gpr[INSN_RDX] = (cpu->gpr[INSN_RDX] & ~0xffffffffULL) |
						     (lo >> 32);
			} else {
				cpu->gpr[INSN_RAX] = lo;
				cpu->gpr[INSN_RDX] = hi;
			}
		} else {
			uint64_t m = f->size == 8 ? ~0ULL : (1ULL << (f->size * 8)) - 1;

			cpu->gpr[INSN_RAX] = (cpu->gpr[INSN_RAX] & ~m) | (w[MID / 8] & m);
		}
	}
}

/**
 * The immediate: random bytes in the code, and the same value in the
 * cached decode (sign-extended where the decoder sign-extends it).
 */
static void random_imm(const struct dform *f, uint8_t *code, struct insn *insn, bool sign)
{
	unsigned int bits = f->imm_len * 8;
	uint64_t v = test_rng() & ((1ULL << bits) - 1);

	for (unsigned int i = 0; i < f->imm_len; i++)
		code[f->imm_at + i] = (uint8_t)(v >> (8 * i));
	if (sign)
		v = (uint64_t)((int64_t)(v << (64 - bits)) >> (64 - bits));
	insn->imm = v;
}

static sigjmp_buf de_jump;
static unsigned long de_cases; /**< cases where the CPU raised #DE (and so must the engine) */

static void on_sigfpe(int sig)
{
	(void)sig;
	siglongjmp(de_jump, 1);
}

/** native_run(), with a #DE (SIGFPE) caught: true when the CPU raised it. */
static bool native_run_de(struct cpu *cpu, const void *code)
{
	if (sigsetjmp(de_jump, 1))
		return true;
	native_run(cpu, code, NULL);
	return false;
}

/** The form's decode, done once (and again on every DECODE_EVERY-th case). */
struct cached {
	struct insn insn[2]; /**< 64-bit and 32-bit mode */
	bool imm_signed;
};

#define DECODE_EVERY 64

static bool report(const struct dform *f, unsigned long n, const char *what, uint64_t native,
		   uint64_t emulated, const struct cpu *init)
{
	print_error("%s (case %lu, %s mode): %s native %#llx emulated %#llx; rflags in %#llx "
		    "rax %#llx rcx %#llx rdx %#llx r10 %#llx [rbx] %#llx\n",
		    f->name, n, (n & 1) && !(f->flags & DF_NO32) ? "32-bit" : "64-bit", what,
		    (unsigned long long)native, (unsigned long long)emulated,
		    (unsigned long long)init->rflags, (unsigned long long)init->gpr[INSN_RAX],
		    (unsigned long long)init->gpr[INSN_RCX],
		    (unsigned long long)init->gpr[INSN_RDX],
		    (unsigned long long)init->gpr[INSN_R10],
		    (unsigned long long)*(uint64_t *)(shadow + MID));
	return false;
}

/** Run case n of form f natively and emulated; true when they agree. */
static bool run_case(const struct dform *f, unsigned long n, struct emul_ctxt *c, struct harness *h,
		     uint8_t *code, size_t at, struct cached *cache)
{
	struct cpu init, native;
	uint8_t before[WINDOW];
	static uint8_t vec[INSN_VEC_COUNT][32], vec_in[INSN_VEC_COUNT][32];
	bool mode32 = (n & 1) && !(f->flags & DF_NO32), is_vec = f->flags & DF_VEC, de = false;
	enum emul_result r;

	random_case(f, &init);
	if (is_vec)
		for (unsigned int i = 0; i < sizeof(vec) / 8; i++)
			((uint64_t *)vec)[i] = test_rng();
	if (f->imm_len)
		random_imm(f, code + at, &cache->insn[mode32], cache->imm_signed);
	memcpy(before, data(), WINDOW);
	native = init;
	if (is_vec)
		memcpy(vec_in, vec, sizeof(vec)); /* the inputs, before native_run stores */
	if (f->flags & DF_DIV)
		de = native_run_de(&native, code);
	else
		native_run(&native, code, is_vec ? vec : NULL);
	de_cases += de;
	memcpy(shadow, data(), WINDOW); /* native result */
	memcpy(data(), before, WINDOW); /* the emulation runs on the inputs */

	harness_init(h, (uint64_t)data(), data(), WINDOW, (uint64_t)(code + at), code + at,
		     PAGE - at);
	if (mode32)
		harness_ctxt32(c, h, (uint64_t)(code + at));
	else
		harness_ctxt64(c, h, (uint64_t)(code + at));
	if (is_vec)
		memcpy(c->in.vec, vec_in, sizeof(vec_in));
	memcpy(c->in.gpr, init.gpr, sizeof(c->in.gpr));
	c->in.rflags = init.rflags;
	c->in.wide_mem = true;
	c->in.vec_valid = is_vec;
	c->in.rep_limit = (f->flags & DF_STR) ? 1 + (unsigned int)(test_rng() % 5) : 0;
	if (f->flags & DF_STACK) {
		c->in.gpr[INSN_RSP] = init.gpr[INSN_R14];
		native.gpr[INSN_RSP] = native.gpr[INSN_R14];
		native.gpr[INSN_R14] = init.gpr[INSN_R14];
	}
	if (n % DECODE_EVERY >= 2 && !(f->flags & DF_STR)) {
		c->insn = cache->insn[mode32];
		c->insn_valid = true;
		r = emul_execute(c, &harness_ops);
	} else {
		r = harness_run(c, NULL);
	}
	if (de && (r != EMUL_EXCEPTION || c->out.fault.vector != X86_VEC_DE))
		return report(f, n, "#DE: result << 8 | vector", EMUL_EXCEPTION << 8 | X86_VEC_DE,
			      (uint64_t)r << 8 | c->out.fault.vector, &init);
	if (!de && r != EMUL_OK)
		return report(f, n, "result", EMUL_OK, r, &init);
	if (c->out.rip != c->in.rip + (de ? 0 : f->len)) /* a fault leaves RIP */
		return report(f, n, "rip", c->in.rip + (de ? 0 : f->len), c->out.rip, &init);
	for (unsigned int i = 0; i < INSN_GPR_COUNT; i++) {
		if (i == INSN_RSP && !(f->flags & DF_STACK))
			continue;
		if (native.gpr[i] != c->out.gpr[i]) {
			char what[16];

			snprintf(what, sizeof(what), "gpr %u", i);
			return report(f, n, what, native.gpr[i], c->out.gpr[i], &init);
		}
	}
	if (native.rflags != c->out.rflags)
		return report(f, n, "rflags", native.rflags, c->out.rflags, &init);
	for (unsigned int i = 0; is_vec && i < sizeof(vec) / 8; i++) {
		uint64_t nv, ev;

		memcpy(&nv, (uint8_t *)vec + 8 * i, 8);
		memcpy(&ev, (uint8_t *)c->out.vec + 8 * i, 8);
		if (nv != ev) {
			char what[24];

			snprintf(what, sizeof(what), "ymm%u[%u]", i / 4, i % 4);
			return report(f, n, what, nv, ev, &init);
		}
	}
	for (unsigned int i = 0; i < WINDOW; i += 8)
		if (memcmp(shadow + i, data() + i, 8))
			return report(f, n, "memory", *(uint64_t *)(shadow + i),
				      *(uint64_t *)(data() + i), &init);
	return true;
}

/** All cases of one form; the code sits at the start of page 0 (after the stack swap). */
static bool run_form(const struct dform *f)
{
	struct harness h;
	struct emul_ctxt c;
	struct cached cache;
	uint8_t *code = region;
	size_t at = 0, n = 0;

	if (f->flags & DF_STACK) {
		memcpy(code, xchg_rsp_r14, sizeof(xchg_rsp_r14));
		at = n = sizeof(xchg_rsp_r14);
	}
	memcpy(code + n, f->bytes, f->len);
	n += f->len;
	if (f->flags & DF_STACK) {
		memcpy(code + n, xchg_rsp_r14, sizeof(xchg_rsp_r14));
		n += sizeof(xchg_rsp_r14);
	}
	code[n] = 0xc3;		 /* ret */
	if (f->flags & DF_RIP) { /* disp32 ends where the immediate starts, or the form */
		size_t end = f->imm_len ? f->imm_at : f->len;
		int32_t disp = (int32_t)((uint64_t)data() + MID - (uint64_t)(code + at + f->len));

		memcpy(code + at + end - 4, &disp, 4);
	}
	/* the cached decodes, with an immediate of all 0x80s to see its sign-extension */
	memset(code + at + f->imm_at, 0x80, f->imm_len);
	for (unsigned int m = 0; m < 2; m++) {
		if (m && (f->flags & DF_NO32))
			break;
		assert_int_equal(insn_decode(code + at, f->len,
					     m ? INSN_MODE_PROT32 : INSN_MODE_LONG64,
					     (uint64_t)(code + at), &cache.insn[m]),
				 INSN_OK);
	}
	cache.imm_signed = f->imm_len && f->imm_len < 8 && (cache.insn[0].imm >> 63);
	for (unsigned long i = 0; i < cases_per_form; i++)
		if (!run_case(f, i, &c, &h, code, at, &cache))
			return false;
	return true;
}

static unsigned int shard, shards = 1;

static void test_differential(void **state)
{
	struct sigaction sa = { .sa_handler = on_sigfpe };
	unsigned int failed = 0, run = 0;

	(void)state;
	/* here, not in setup(): cmocka installs its own SIGFPE handler around each test */
	assert_int_equal(sigaction(SIGFPE, &sa, NULL), 0);
	build_forms();
	for (size_t i = 0; i < nforms; i++) {
		if (i % shards != shard)
			continue;
		run++;
		failed += !run_form(&forms[i]);
	}
	print_message("shard %u/%u: %u of %zu forms, %lu cases each, %lu in all (%lu of them "
		      "#DE), %u failed\n",
		      shard, shards, run, nforms, cases_per_form, run * cases_per_form, de_cases,
		      failed);
	assert_int_equal(failed, 0);
}

static int setup(void **state)
{
	(void)state;
	region = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE | PROT_EXEC,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
	return region == MAP_FAILED ? -1 : 0;
}

static int teardown(void **state)
{
	(void)state;
	return munmap(region, 2 * PAGE);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_differential),
	};
	const char *env = getenv("EMUL_DIFF_CASES"), *seed = getenv("EMUL_DIFF_SEED");

	if (env)
		cases_per_form = strtoul(env, NULL, 0);
	if (seed)
		test_rng_state = strtoull(seed, NULL, 0) | 1;
	if (argc == 3) {
		shard = (unsigned int)strtoul(argv[1], NULL, 0);
		shards = (unsigned int)strtoul(argv[2], NULL, 0);
	}
	test_rng_state += shard;
	return cmocka_run_group_tests(tests, setup, teardown);
}
