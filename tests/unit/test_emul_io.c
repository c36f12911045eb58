/* SPDX-License-Identifier: MIT */
/*
 * decoder/emul.c port I/O: IN, OUT, INS, OUTS with and without REP, against
 * the harness's port model (a user-mode test cannot run them natively).
 * The model answers reads with 0x44332211, then 0x55443322, ... (low bytes).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "emul_fixture.h"

#define RAX0 0x1122334455667788ULL

static void assert_io(const struct harness_io *io, uint16_t port, unsigned int size, bool in,
		      uint32_t val)
{
	assert_int_equal(io->port, port);
	assert_int_equal(io->size, size);
	assert_int_equal(io->in, in);
	assert_int_equal(io->val, val);
}

/** IN: 8/16-bit reads keep the rest of RAX, a 32-bit read zero-extends. */
static void test_in(void **state)
{
	static const struct {
		const char *bytes;
		uint16_t port;
		uint8_t size;
		uint64_t rax;
	} rows[] = {
		{ "\xe4\x60", 0x60, 1, 0x1122334455667711ULL },
		{ "\x66\xe5\x71", 0x71, 2, 0x1122334455662211ULL },
		{ "\xe5\xff", 0xff, 4, 0x44332211ULL },
		{ "\xec", 0xcf8, 1, 0x1122334455667711ULL },
		{ "\x66\xed", 0xcf8, 2, 0x1122334455662211ULL },
		{ "\xed", 0xcf8, 4, 0x44332211ULL },
	};
	struct fixture f;

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		fixture64(&f, rows[i].bytes, strlen(rows[i].bytes));
		f.c.in.gpr[INSN_RAX] = RAX0;
		f.c.in.gpr[INSN_RDX] = 0xffffffff00000cf8ULL; /* only DX is the port */
		assert_int_equal(emul_execute(&f.c, &harness_ops), EMUL_OK);
		assert_int_equal(f.c.out.gpr[INSN_RAX], rows[i].rax);
		assert_int_equal(f.c.out.gpr_written, 1 << INSN_RAX);
		assert_int_equal(f.h.io_count, 1);
		assert_io(&f.h.io[0], rows[i].port, rows[i].size, true,
			  0x44332211 & (uint32_t)((1ULL << (8 * rows[i].size)) - 1));
		assert_int_equal(f.c.out.rip, 0x400000 + strlen(rows[i].bytes));
	}
}

/** OUT: the low bytes of RAX, no register written. */
static void test_out(void **state)
{
	static const struct {
		const char *bytes;
		uint16_t port;
		uint8_t size;
		uint32_t val;
	} rows[] = {
		{ "\xe6\x80", 0x80, 1, 0x88 },	     { "\x66\xe7\x80", 0x80, 2, 0x7788 },
		{ "\xe7\x80", 0x80, 4, 0x55667788 }, { "\xee", 0x3f8, 1, 0x88 },
		{ "\x66\xef", 0x3f8, 2, 0x7788 },    { "\xef", 0x3f8, 4, 0x55667788 },
	};
	struct fixture f;

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		fixture64(&f, rows[i].bytes, strlen(rows[i].bytes));
		f.c.in.gpr[INSN_RAX] = RAX0;
		f.c.in.gpr[INSN_RDX] = 0x3f8;
		assert_int_equal(emul_execute(&f.c, &harness_ops), EMUL_OK);
		assert_int_equal(f.c.out.gpr_written, 0);
		assert_int_equal(f.h.io_count, 1);
		assert_io(&f.h.io[0], rows[i].port, rows[i].size, false, rows[i].val);
	}
}

/** REP INSW: five words to ES:RDI upwards; RCX to 0. */
static void test_rep_ins(void **state)
{
	struct fixture f;

	(void)state;
	FIX64(&f, "\x66\xf3\x6d");
	f.c.in.gpr[INSN_RCX] = 5;
	f.c.in.gpr[INSN_RDX] = 0x1f0;
	assert_int_equal(harness_run(&f.c, NULL), EMUL_OK);
	assert_int_equal(f.c.out.gpr[INSN_RCX], 0);
	assert_int_equal(f.c.out.gpr[INSN_RDI], 0x10040 + 10);
	assert_int_equal(f.c.out.gpr[INSN_RSI], 0x10040);
	assert_int_equal(f.h.io_count, 5);
	for (unsigned int i = 0; i < 5; i++) {
		assert_io(&f.h.io[i], 0x1f0, 2, true, (0x2211 + i * 0x0101) & 0xffff);
		assert_int_equal(f.data[0x40 + 2 * i], 0x11 + i);
		assert_int_equal(f.data[0x41 + 2 * i], 0x22 + i);
	}
}

/** REP OUTSB with DF=1: bytes from DS:RSI downwards. */
static void test_rep_outs_down(void **state)
{
	struct fixture f;

	(void)state;
	FIX64(&f, "\xf3\x6e");
	f.c.in.gpr[INSN_RCX] = 3;
	f.c.in.gpr[INSN_RDX] = 0xe9;
	f.c.in.rflags |= 0x400;
	assert_int_equal(emul_execute(&f.c, &harness_ops), EMUL_OK);
	assert_int_equal(f.c.out.gpr[INSN_RSI], 0x10040 - 3);
	for (unsigned int i = 0; i < 3; i++)
		assert_io(&f.h.io[i], 0xe9, 1, false, (0x40 - i) ^ 0xa5);
}

/** REP INSB over the budget: RETRY twice, then done; a port is never read twice. */
static void test_rep_ins_budget(void **state)
{
	struct fixture f;
	unsigned int retries;

	(void)state;
	FIX64(&f, "\xf3\x6c");
	f.c.in.gpr[INSN_RCX] = 5;
	f.c.in.rep_limit = 2;
	assert_int_equal(harness_run(&f.c, &retries), EMUL_OK);
	assert_int_equal(retries, 2);
	assert_int_equal(f.h.io_count, 5);
	assert_int_equal(f.c.out.gpr[INSN_RDI], 0x10045);
}

/** INS checks its destination before it reads the port; a store fault keeps progress. */
static void test_ins_faults(void **state)
{
	struct fixture f;

	(void)state;
	FIX64(&f, "\xf3\x6c");
	f.c.in.gpr[INSN_RCX] = 2;
	f.c.in.gpr[INSN_RDI] = 0x0000800000000000ULL;
	assert_fault(&f.c, emul_execute(&f.c, &harness_ops), X86_VEC_GP, 0, 0);
	assert_int_equal(f.h.io_count, 0);

	FIX64(&f, "\xf3\x6c");
	f.c.in.gpr[INSN_RCX] = 4;
	f.h.fail_at = 4; /* port, store, port, *store* */
	f.h.fail_with = EMUL_EXCEPTION;
	assert_fault(&f.c, emul_execute(&f.c, &harness_ops), X86_VEC_PF, HARNESS_PF_WRITE, 0x10041);
	assert_int_equal(f.c.out.gpr[INSN_RCX], 3);
	assert_int_equal(f.c.out.gpr[INSN_RDI], 0x10041);

	FIX64(&f, "\xe4\x60"); /* a port hook giving up */
	f.h.fail_at = 1;
	f.h.fail_with = EMUL_UNHANDLEABLE;
	assert_int_equal(emul_execute(&f.c, &harness_ops), EMUL_UNHANDLEABLE);
	assert_int_equal(f.c.out.gpr_written, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_in),
		cmocka_unit_test(test_out),
		cmocka_unit_test(test_rep_ins),
		cmocka_unit_test(test_rep_outs_down),
		cmocka_unit_test(test_rep_ins_budget),
		cmocka_unit_test(test_ins_faults),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
