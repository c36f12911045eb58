/* SPDX-License-Identifier: MIT */
/*
 * decoder/emul.c with missing and failing hooks (STYLE 24), the faults the
 * guest's own accesses deserve, bounded REP work, and port I/O (which a
 * user-mode test cannot run natively, so against a port model).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "emul_fixture.h"

#define NONCANON 0x0000800000000000ULL

/** A NULL hook makes the instruction unhandleable before any side effect. */
static void test_null_hooks(void **state)
{
	static const struct {
		const char *bytes;
		size_t len;
		size_t hook; /* offset of the hook to remove */
	} rows[] = {
		{ "\x8b\x03", 2, offsetof(struct emul_ops, read_mem) },
		{ "\x0f\xb6\x03", 3, offsetof(struct emul_ops, read_mem) },
		{ "\x89\x03", 2, offsetof(struct emul_ops, write_mem) },
		{ "\xc6\x03\x01", 3, offsetof(struct emul_ops, write_mem) },
		{ "\xa4", 1, offsetof(struct emul_ops, write_mem) },
		{ "\xa4", 1, offsetof(struct emul_ops, read_mem) },
		{ "\xaa", 1, offsetof(struct emul_ops, write_mem) },
		{ "\xec", 1, offsetof(struct emul_ops, read_io) },
		{ "\xe6\x80", 2, offsetof(struct emul_ops, write_io) },
		{ "\x6c", 1, offsetof(struct emul_ops, write_mem) },
		{ "\x6c", 1, offsetof(struct emul_ops, read_io) },
		{ "\x6e", 1, offsetof(struct emul_ops, write_io) },
		{ "\x8b\x03", 2, offsetof(struct emul_ops, insn_fetch) },
	};
	struct fixture f;

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct emul_ops ops = harness_ops;

		memset((char *)&ops + rows[i].hook, 0, sizeof(void *));
		fixture64(&f, rows[i].bytes, rows[i].len);
		assert_int_equal(emul_execute(&f.c, &ops), EMUL_UNHANDLEABLE);
		assert_int_equal(f.h.reads + f.h.writes + f.h.io_count, 0);
		assert_int_equal(f.c.out.gpr_written, 0);
	}
	FIX64(&f, "\x8b\x03");
	assert_int_equal(emul_execute(&f.c, &(const struct emul_ops){ 0 }), EMUL_UNHANDLEABLE);
}

/**
 * Instructions the engine does not run are unhandleable before any access
 * (vc/ runs the exit classes itself; vc/npf.c raises #UD for the rest).
 */
static void test_other_classes(void **state)
{
	static const char *const rows[] = {
		"\x0f\xa2",				/* cpuid */
		"\x0f\x30",				/* wrmsr */
		"\xf4",					/* hlt */
		"\x89\xc8",				/* mov eax, ecx */
		"\x0f\x23\xf8",				/* mov dr7, rax */
		"\xd9\x03",				/* fld dword [rbx] */
		"\xff\x13",				/* call [rbx] */
		"\x8e\x1b",				/* mov ds, [rbx] */
		"\xd7",					/* xlat */
		"\x0f\x58\x0b",				/* addps xmm1, [rbx] */
		"\x0f\xae\x3b",				/* clflush [rbx] */
		"\x8f\xea\x78\x10\x13\x01\x02\x00\x00", /* bextr edx, [rbx], 0x201 (TBM) */
	};
	struct fixture f;

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		fixture64(&f, rows[i], strlen(rows[i]));
		assert_int_equal(emul_execute(&f.c, &harness_ops), EMUL_UNHANDLEABLE);
		assert_int_equal(f.h.reads + f.h.writes, 0);
	}
}

/** A quotient too large or a zero divisor: #DE after the read, nothing committed. */
static void test_divide_error(void **state)
{
	static const struct {
		const char *name, *bytes;
		uint64_t rax, rdx, m; /* m: the divisor at [rbx] */
		bool de;
	} rows[] = {
		{ "div dword by 0", "\xf7\x33", 5, 0, 0, true },
		{ "div qword by 0", "\x48\xf7\x33", 5, 0, 0, true },
		{ "idiv byte by 0", "\xf6\x3b", 5, 0, 0, true },
		{ "div byte: 0x1000 / 0x10", "\xf6\x33", 0x1000, 0, 0x10, true },
		{ "div byte: 0x0fff / 0x10", "\xf6\x33", 0x0fff, 0, 0x10, false },
		{ "div word: dx = divisor", "\x66\xf7\x33", 0, 7, 7, true },
		{ "div qword: rdx = divisor", "\x48\xf7\x33", 0, 7, 7, true },
		{ "div qword: rdx = divisor - 1", "\x48\xf7\x33", ~0ULL, 6, 7, false },
		{ "idiv byte: -128 / -1", "\xf6\x3b", 0xff80, 0, 0xff, true },
		{ "idiv byte: -256 / 2 = -128", "\xf6\x3b", 0xff00, 0, 2, false },
		{ "idiv byte: 256 / 2 = 128", "\xf6\x3b", 0x0100, 0, 2, true },
		{ "idiv dword: -2^31 / -1", "\xf7\x3b", 0x80000000, ~0ULL, ~0ULL, true },
		{ "idiv qword: -2^63 / -1", "\x48\xf7\x3b", 1ULL << 63, ~0ULL, ~0ULL, true },
		{ "idiv qword: -2^63 / 1", "\x48\xf7\x3b", 1ULL << 63, ~0ULL, 1, false },
	};
	struct fixture f;

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		enum emul_result r;

		print_message("%s\n", rows[i].name);
		fixture64(&f, rows[i].bytes, strlen(rows[i].bytes));
		memcpy(f.data + 0x40, &rows[i].m, 8);
		f.c.in.gpr[INSN_RAX] = rows[i].rax;
		f.c.in.gpr[INSN_RDX] = rows[i].rdx;
		f.c.in.rflags = 0x2 | 0x8d5;
		r = emul_execute(&f.c, &harness_ops);
		assert_int_equal(f.h.reads, 1);
		if (!rows[i].de) {
			assert_int_equal(r, EMUL_OK);
			continue;
		}
		assert_fault(&f.c, r, X86_VEC_DE, 0, 0);
		assert_false(f.c.out.fault.has_error);
		assert_int_equal(f.c.out.gpr_written, 0);
		assert_int_equal(f.c.out.rflags, f.c.in.rflags);
		assert_int_equal(f.h.writes, 0);
	}

	REAL(&f, "\xf7\x37"); /* div word [bx] in real mode: DX:AX / [bx] */
	f.c.in.gpr[INSN_RBX] = 0x10;
	f.c.in.gpr[INSN_RAX] = 0x0000; /* DX:AX = 0x10000 / D(0x10):D(0x11) = 0xb4b5 */
	f.c.in.gpr[INSN_RDX] = 0x0001;
	assert_int_equal(emul_execute(&f.c, &harness_ops), EMUL_OK);
	assert_int_equal(f.c.out.gpr[INSN_RAX], 0x10000 / 0xb4b5);
	assert_int_equal(f.c.out.gpr[INSN_RDX], 0x10000 % 0xb4b5);
	assert_int_equal(f.c.out.rip, 0x102);

	FIX64(&f, "\xf7\x33"); /* the read's #PF comes first: the divisor is not known */
	f.c.in.gpr[INSN_RBX] = 0x20000;
	assert_fault(&f.c, emul_execute(&f.c, &harness_ops), X86_VEC_PF, 0, 0x20000);
}

/** LOCK on the multiply, divide, shift-double, bit-count and BMI forms: #UD, no access. */
static void test_lock_ud(void **state)
{
	static const char *const rows[] = {
		"\xf0\xf7\x23",		    /* lock mul dword [rbx] */
		"\xf0\xf7\x2b",		    /* lock imul dword [rbx] */
		"\xf0\x0f\xaf\x13",	    /* lock imul edx, [rbx] */
		"\xf0\x6b\x13\x05",	    /* lock imul edx, [rbx], 5 */
		"\xf0\xf7\x33",		    /* lock div */
		"\xf0\xf6\x3b",		    /* lock idiv byte */
		"\xf0\x0f\xa5\x13",	    /* lock shld [rbx], edx, cl */
		"\xf0\x0f\xac\x13\x03",	    /* lock shrd [rbx], edx, 3 */
		"\xf0\x0f\xbc\x13",	    /* lock bsf */
		"\xf0\xf3\x0f\xbd\x13",	    /* lock lzcnt */
		"\xf0\xf3\x0f\xb8\x13",	    /* lock popcnt */
		"\xf0\x66\x0f\x38\xf6\x13", /* lock adcx */
		"\xf0\xf2\x0f\x38\xf1\x13", /* lock crc32 */
		"\xf0\xc4\xe2\x28\xf2\x13", /* lock andn */
		"\xf0\xc4\x62\xf3\xf6\x13", /* lock mulx */
		"\xc4\xe2\x2c\xf2\x13",	    /* andn with VEX.L = 1 */
		"\xc4\xe2\x2c\xf3\x0b",	    /* blsr with VEX.L = 1 */
	};
	static const uint8_t classes[] = { INSN_MUL,   INSN_IMUL,   INSN_DIV,  INSN_IDIV,
					   INSN_MULX,  INSN_SHLD,   INSN_SHRD, INSN_BSF,
					   INSN_TZCNT, INSN_POPCNT, INSN_ANDN, INSN_CRC32 };
	(void)state;
	assert_lock_ud(rows, sizeof(rows) / sizeof(rows[0]), classes, sizeof(classes), "\xf7\x23",
		       2);
}

/** A hook's #PF reaches out.fault; the destination register is not written. */
static void test_page_faults(void **state)
{
	struct fixture f;

	(void)state;
	FIX64(&f, "\x8b\x03");
	f.c.in.gpr[INSN_RBX] = 0x20000;
	assert_fault(&f.c, emul_execute(&f.c, &harness_ops), X86_VEC_PF, 0, 0x20000);
	assert_true(f.c.out.fault.has_error);
	assert_int_equal(f.c.out.gpr_written, 0);

	FIX64(&f, "\x89\x03");
	f.c.in.gpr[INSN_RBX] = 0x100fe; /* the last 2 of 4 bytes are outside */
	assert_fault(&f.c, emul_execute(&f.c, &harness_ops), X86_VEC_PF, HARNESS_PF_WRITE, 0x100fe);
}

/** REP MOVSB faulting on its third store keeps the two completed elements. */
static void test_rep_fault_midway(void **state)
{
	struct fixture f;

	(void)state;
	FIX64(&f, "\xf3\xa4");
	f.c.in.gpr[INSN_RCX] = 5;
	f.c.in.gpr[INSN_RDI] = 0x10080;
	f.h.fail_at = 6; /* read, write, read, write, read, *write* */
	f.h.fail_with = EMUL_EXCEPTION;
	assert_fault(&f.c, emul_execute(&f.c, &harness_ops), X86_VEC_PF, HARNESS_PF_WRITE, 0x10082);
	assert_int_equal(f.c.out.gpr[INSN_RCX], 3);
	assert_int_equal(f.c.out.gpr[INSN_RSI], 0x10042);
	assert_int_equal(f.c.out.gpr[INSN_RDI], 0x10082);
	assert_int_equal(f.c.out.gpr_written, (1 << INSN_RCX) | (1 << INSN_RSI) | (1 << INSN_RDI));
	assert_int_equal(f.data[0x80], 0x40 ^ 0xa5);
	assert_int_equal(f.data[0x81], 0x41 ^ 0xa5);
	assert_int_equal(f.data[0x82], 0x82 ^ 0xa5);
}

static enum emul_result read_exception_without_fault(struct emul_ctxt *c, uint64_t gva, void *buf,
						     unsigned int size)
{
	(void)c;
	(void)gva;
	(void)buf;
	(void)size;
	return EMUL_EXCEPTION;
}

/** RETRY and UNHANDLEABLE pass through; EXCEPTION without a fault and junk do not. */
static void test_hook_results(void **state)
{
	static const struct {
		int hook_result;
		enum emul_result want;
	} rows[] = {
		{ EMUL_RETRY, EMUL_RETRY },
		{ EMUL_UNHANDLEABLE, EMUL_UNHANDLEABLE },
		{ 42, EMUL_UNHANDLEABLE },
		{ -1, EMUL_UNHANDLEABLE },
	};
	struct emul_ops ops = harness_ops;
	struct fixture f;

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		FIX64(&f, "\x8b\x03");
		f.h.fail_at = 1;
		f.h.fail_with = (enum emul_result)rows[i].hook_result;
		assert_int_equal(emul_execute(&f.c, &harness_ops), rows[i].want);
		assert_int_equal(f.c.out.gpr_written, 0);
		assert_int_equal(f.c.out.fault.vector, X86_VEC_NONE);
		assert_int_equal(f.c.out.rip, f.c.in.rip);
	}
	ops.read_mem = read_exception_without_fault;
	FIX64(&f, "\x8b\x03");
	assert_int_equal(emul_execute(&f.c, &ops), EMUL_UNHANDLEABLE);
}

/** emul_raise() knows which vectors push an error code. */
static void test_raise(void **state)
{
	static const struct {
		uint8_t vector;
		bool has_error_code;
	} rows[] = { { 0, false },  { 6, false },	    { 8, true },  { 10, true },
		     { 12, true },  { 13, true },	    { 14, true }, { 16, false },
		     { 17, true },  { 18, false },	    { 21, true }, { 29, true },
		     { 31, false }, { X86_VEC_NONE, false } };
	struct emul_ctxt c;

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		emul_raise(&c, rows[i].vector, 0x1234);
		assert_int_equal(c.out.fault.vector, rows[i].vector);
		assert_int_equal(c.out.fault.has_error, rows[i].has_error_code);
		assert_int_equal(c.out.fault.error, rows[i].has_error_code ? 0x1234 : 0);
		assert_int_equal(c.out.fault.cr2, 0);
	}
	emul_page_fault(&c, 0xdead000, 0x15);
	assert_int_equal(c.out.fault.cr2, 0xdead000);
	assert_int_equal(c.out.fault.error, 0x15);
}

/** Non-canonical addresses: #GP(0), #SS(0) through the stack segment; LA57 widens. */
static void test_canonical(void **state)
{
	struct fixture f;

	(void)state;
	FIX64(&f, "\x8b\x03");
	f.c.in.gpr[INSN_RBX] = NONCANON;
	assert_fault(&f.c, emul_execute(&f.c, &harness_ops), X86_VEC_GP, 0, 0);
	assert_int_equal(f.h.reads, 0);

	FIX64(&f, "\x8b\x45\x00"); /* mov eax, [rbp] */
	f.c.in.gpr[INSN_RBP] = NONCANON;
	assert_fault(&f.c, emul_execute(&f.c, &harness_ops), X86_VEC_SS, 0, 0);

	FIX64(&f, "\x8b\x03"); /* the last byte is past the canonical hole */
	f.c.in.gpr[INSN_RBX] = 0x00007ffffffffffeULL;
	assert_fault(&f.c, emul_execute(&f.c, &harness_ops), X86_VEC_GP, 0, 0);

	FIX64(&f, "\x8b\x03"); /* with 5-level paging it is canonical: the hook decides */
	f.c.in.gpr[INSN_RBX] = NONCANON;
	f.c.in.cr4 |= 1 << 12;
	assert_fault(&f.c, emul_execute(&f.c, &harness_ops), X86_VEC_PF, 0, NONCANON);

	FIX64(&f, "\xf3\xaa"); /* rep stosb: nothing done, RCX untouched */
	f.c.in.gpr[INSN_RCX] = 4;
	f.c.in.gpr[INSN_RDI] = NONCANON;
	assert_fault(&f.c, emul_execute(&f.c, &harness_ops), X86_VEC_GP, 0, 0);
	assert_int_equal(f.c.out.gpr_written, 0);
}

/** Fetch: non-canonical RIP, a fetch #PF, and a second page touched only when needed. */
static void test_fetch(void **state)
{
	struct fixture f;

	(void)state;
	FIX64(&f, "\x8b\x03");
	f.c.in.rip = NONCANON;
	assert_fault(&f.c, emul_execute(&f.c, &harness_ops), X86_VEC_GP, 0, 0);
	assert_int_equal(f.h.fetches, 0);

	FIX64(&f, "\x8b\x03");
	f.c.in.rip = 0x500000;
	assert_fault(&f.c, emul_execute(&f.c, &harness_ops), X86_VEC_PF, HARNESS_PF_FETCH,
		     0x500000);

	/* movsb on the last byte of a page whose successor is absent: one fetch */
	fixture_init(&f, 0x10000, 0x400fff, "\xa4", 1);
	f.h.code_size = 1;
	harness_ctxt64(&f.c, &f.h, 0x400fff);
	f.c.in.gpr[INSN_RSI] = f.c.in.gpr[INSN_RDI] = 0x10000;
	assert_int_equal(emul_execute(&f.c, &harness_ops), EMUL_OK);
	assert_int_equal(f.h.fetches, 1);
	assert_int_equal(f.c.out.rip, 0x401000);

	/* mov eax, [rbx] split over the page boundary, second page absent */
	fixture_init(&f, 0x10000, 0x400fff, "\x8b", 1);
	f.h.code_size = 1;
	harness_ctxt64(&f.c, &f.h, 0x400fff);
	assert_fault(&f.c, emul_execute(&f.c, &harness_ops), X86_VEC_PF, HARNESS_PF_FETCH,
		     0x401000);

	/* ... crossing into non-canonical space: #GP(0), no fetch there */
	fixture_init(&f, 0x10000, 0x00007fffffffffffULL, "\x8b", 1);
	harness_ctxt64(&f.c, &f.h, 0x00007fffffffffffULL);
	assert_fault(&f.c, emul_execute(&f.c, &harness_ops), X86_VEC_GP, 0, 0);
	assert_int_equal(f.h.fetches, 1);

	/* ... and present */
	fixture_init(&f, 0x10000, 0x400fff, "\x8b\x03", 2);
	harness_ctxt64(&f.c, &f.h, 0x400fff);
	f.c.in.gpr[INSN_RBX] = 0x10000;
	assert_int_equal(emul_execute(&f.c, &harness_ops), EMUL_OK);
	assert_int_equal(f.h.fetches, 2);
	assert_int_equal(f.c.out.gpr[INSN_RAX], 0xa6a7a4a5); /* data[0..3] = i ^ 0xa5 */
}

/** Invalid opcode: #UD without error code; over-long: #GP(0). */
static void test_decode_faults(void **state)
{
	static const char too_long[] = "\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66\x66"
				       "\x66\x89\x03";
	struct fixture f;

	(void)state;
	FIX64(&f, "\xf0\x89\x03");
	assert_fault(&f.c, emul_execute(&f.c, &harness_ops), X86_VEC_UD, 0, 0);
	assert_false(f.c.out.fault.has_error);
	FIX64(&f, too_long);
	assert_fault(&f.c, emul_execute(&f.c, &harness_ops), X86_VEC_GP, 0, 0);
	assert_true(f.c.out.fault.has_error);
}

/** vc/'s path: decode, cross-check the address, then run the same decode. */
static void test_decode_check_execute(void **state)
{
	struct fixture f;
	uint64_t la;

	(void)state;
	FIX64(&f, "\x64\x89\x03"); /* mov fs:[rbx], eax */
	f.c.in.seg[INSN_SEG_FS].base = 0x40;
	f.c.in.seg[INSN_SEG_ES].base = 0x1000; /* ignored in 64-bit mode */
	assert_int_equal(emul_mem_linear(&f.c, true, &la), EMUL_UNHANDLEABLE); /* not decoded */
	assert_int_equal(emul_decode(&f.c, &harness_ops), EMUL_OK);
	assert_true(f.c.insn_valid);
	assert_int_equal(f.c.insn.cls, INSN_MOV_STORE);
	assert_int_equal(emul_mem_linear(&f.c, true, &la), EMUL_OK);
	assert_int_equal(la, 0x10080);
	assert_int_equal(emul_execute(&f.c, &harness_ops), EMUL_OK);
	assert_int_equal(f.h.fetches, 1);
	assert_int_equal(f.h.writes, 1);

	FIX64(&f, "\x26\xa4"); /* movsb: the write goes to ES:rDI, the read to DS:rSI */
	f.c.in.gpr[INSN_RDI] = 0x10090;
	assert_int_equal(emul_decode(&f.c, &harness_ops), EMUL_OK);
	assert_int_equal(emul_mem_linear(&f.c, true, &la), EMUL_OK);
	assert_int_equal(la, 0x10090);
	assert_int_equal(emul_mem_linear(&f.c, false, &la), EMUL_OK);
	assert_int_equal(la, 0x10040);

	FIX64(&f, "\x89\x03"); /* a caller-made insn with impossible sizes */
	assert_int_equal(emul_decode(&f.c, &harness_ops), EMUL_OK);
	f.c.insn.mem.size = 3;
	assert_int_equal(emul_execute(&f.c, &harness_ops), EMUL_UNHANDLEABLE);
	assert_int_equal(f.h.writes, 0);
}

/** RF is cleared when the instruction completes, and only then. */
static void test_rflags(void **state)
{
	struct fixture f;

	(void)state;
	FIX64(&f, "\x8b\x03");
	f.c.in.rflags = 0x10cd7;
	assert_int_equal(emul_execute(&f.c, &harness_ops), EMUL_OK);
	assert_int_equal(f.c.out.rflags, 0x0cd7);
	f.c.in.gpr[INSN_RBX] = 0;
	assert_int_equal(emul_execute(&f.c, &harness_ops), EMUL_EXCEPTION);
	assert_int_equal(f.c.out.rflags, 0x10cd7);
}

/** REP budget: EMUL_RETRY after rep_limit elements, with the registers of the progress. */
static void test_rep_budget(void **state)
{
	struct fixture f;
	unsigned int retries;

	(void)state;
	FIX64(&f, "\xf3\xaa");
	f.c.in.gpr[INSN_RCX] = 10;
	f.c.in.rep_limit = 4;
	assert_int_equal(emul_execute(&f.c, &harness_ops), EMUL_RETRY);
	assert_int_equal(f.c.out.rep_done, 4);
	assert_int_equal(f.c.out.gpr[INSN_RCX], 6);
	assert_int_equal(f.c.out.gpr[INSN_RDI], 0x10044);
	assert_int_equal(f.c.out.rip, f.c.in.rip);
	assert_int_equal(harness_run(&f.c, &retries), EMUL_OK);
	assert_int_equal(retries, 2);
	assert_int_equal(f.c.out.gpr[INSN_RCX], 0);
	assert_int_equal(f.c.out.gpr[INSN_RDI], 0x1004a);

	FIX64(&f, "\xf3\xaa"); /* default budget */
	f.c.in.gpr[INSN_RCX] = EMUL_REP_MAX + 1;
	f.c.in.gpr[INSN_RDI] = 0x10000;
	f.c.in.gpr[INSN_RAX] = 0;
	assert_int_equal(emul_execute(&f.c, &harness_ops), EMUL_RETRY);
	assert_int_equal(f.c.out.rep_done, EMUL_REP_MAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_null_hooks),    cmocka_unit_test(test_other_classes),
		cmocka_unit_test(test_divide_error),  cmocka_unit_test(test_lock_ud),
		cmocka_unit_test(test_page_faults),   cmocka_unit_test(test_rep_fault_midway),
		cmocka_unit_test(test_hook_results),  cmocka_unit_test(test_raise),
		cmocka_unit_test(test_canonical),     cmocka_unit_test(test_fetch),
		cmocka_unit_test(test_decode_faults), cmocka_unit_test(test_decode_check_execute),
		cmocka_unit_test(test_rflags),	      cmocka_unit_test(test_rep_budget),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
