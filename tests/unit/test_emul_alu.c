/* SPDX-License-Identifier: MIT */
/*
 * Differential tests of the engine's read-modify-write, bit, exchange,
 * conditional, stack and byte-swap instructions (decoder/emul_arith.c,
 * emul_alu.c, emul_move.c): every form below runs on this CPU (inline
 * code, x86-64 Linux hosts) and through emul_execute() on a copy of the
 * memory (emul_harness.c), over random registers, memory, immediates,
 * counts and input flags from a seeded generator, and the GPRs, RFLAGS
 * and memory must be equal bit for bit.  Forms without REX run emulated
 * in 32-bit protected mode on every other case (the same bytes mean the
 * same there; the data sits below 4 GiB).
 *
 * No flag is masked: where the manuals leave a flag undefined the engine
 * does what this CPU does (decoder/emul_alu.c names each case), so a run
 * on a CPU that differs there fails and says which form and flag.
 *
 * Usage: test_emul_alu [SHARD COUNT]
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
};

/** One form: bytes, where an immediate to randomise sits, and what the registers mean. */
struct dform {
	char name[48];
	uint8_t bytes[16];
	uint8_t len;
	uint8_t imm_at, imm_len; /**< imm_len 0: none */
	uint8_t size;		 /**< operand size (CMPXCHG*: compare width) */
	uint8_t flags;
};

#define MAX_FORMS 512
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
	f->flags = (uint8_t)flags;
}

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
}

/* The stack swap around PUSH/POP natively: xchg rsp, r14 (49 87 e6). */
static const uint8_t xchg_rsp_r14[] = { 0x49, 0x87, 0xe6 };

static uint8_t *data(void)
{
	return region + PAGE;
}

/** Random inputs for form f (memory: the bytes it can reach). */
static void random_case(const struct dform *f, struct cpu *cpu)
{
	uint64_t *w = (uint64_t *)data();

	if (f->flags & DF_BTREG) {
		for (unsigned int i = 0; i < WINDOW / 8; i++)
			w[i] = test_rng();
	} else {
		for (unsigned int i = MID / 8 - 1; i < MID / 8 + 3; i++)
			w[i] = test_rng();
		for (unsigned int i = STACK_AT / 8 - 2; i < STACK_AT / 8 + 4; i++)
			w[i] = test_rng();
	}
	for (unsigned int i = 0; i < INSN_GPR_COUNT; i++)
		cpu->gpr[i] = test_rng();
	cpu->gpr[INSN_RBX] = (uint64_t)data() + MID;
	cpu->rflags = NATIVE_FLAGS_FIXED | (test_rng() & FLAGS_ARITH);
	if (f->flags & DF_STACK)
		cpu->gpr[INSN_R14] = (uint64_t)data() + STACK_AT;
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
		    "rax %#llx rcx %#llx rdx %#llx [rbx] %#llx\n",
		    f->name, n, (n & 1) && !(f->flags & DF_NO32) ? "32-bit" : "64-bit", what,
		    (unsigned long long)native, (unsigned long long)emulated,
		    (unsigned long long)init->rflags, (unsigned long long)init->gpr[INSN_RAX],
		    (unsigned long long)init->gpr[INSN_RCX],
		    (unsigned long long)init->gpr[INSN_RDX],
		    (unsigned long long)*(uint64_t *)(shadow + MID));
	return false;
}

/** Run case n of form f natively and emulated; true when they agree. */
static bool run_case(const struct dform *f, unsigned long n, struct emul_ctxt *c, struct harness *h,
		     uint8_t *code, size_t at, struct cached *cache)
{
	struct cpu init, native;
	uint8_t before[WINDOW];
	bool mode32 = (n & 1) && !(f->flags & DF_NO32);
	enum emul_result r;

	random_case(f, &init);
	if (f->imm_len)
		random_imm(f, code + at, &cache->insn[mode32], cache->imm_signed);
	memcpy(before, data(), WINDOW);
	native = init;
	native_run(&native, code, NULL);
	memcpy(shadow, data(), WINDOW); /* native result */
	memcpy(data(), before, WINDOW); /* the emulation runs on the inputs */

	harness_init(h, (uint64_t)data(), data(), WINDOW, (uint64_t)(code + at), code + at,
		     PAGE - at);
	if (mode32)
		harness_ctxt32(c, h, (uint64_t)(code + at));
	else
		harness_ctxt64(c, h, (uint64_t)(code + at));
	memcpy(c->in.gpr, init.gpr, sizeof(c->in.gpr));
	c->in.rflags = init.rflags;
	c->in.wide_mem = true;
	if (f->flags & DF_STACK) {
		c->in.gpr[INSN_RSP] = init.gpr[INSN_R14];
		native.gpr[INSN_RSP] = native.gpr[INSN_R14];
		native.gpr[INSN_R14] = init.gpr[INSN_R14];
	}
	if (n % DECODE_EVERY >= 2) {
		c->insn = cache->insn[mode32];
		c->insn_valid = true;
		r = emul_execute(c, &harness_ops);
	} else {
		r = harness_run(c, NULL);
	}
	if (r != EMUL_OK)
		return report(f, n, "result", EMUL_OK, r, &init);
	if (c->out.rip != c->in.rip + f->len)
		return report(f, n, "rip", c->in.rip + f->len, c->out.rip, &init);
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
	code[n] = 0xc3; /* ret */
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
	unsigned int failed = 0, run = 0;

	(void)state;
	build_forms();
	for (size_t i = 0; i < nforms; i++) {
		if (i % shards != shard)
			continue;
		run++;
		failed += !run_form(&forms[i]);
	}
	print_message("shard %u/%u: %u of %zu forms, %lu cases each, %lu in all, %u failed\n",
		      shard, shards, run, nforms, cases_per_form, run * cases_per_form, failed);
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
