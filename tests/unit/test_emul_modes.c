/* SPDX-License-Identifier: MIT */
/*
 * decoder/emul.c outside 64-bit mode (OVMF's reset and SEC code): real-mode
 * segment arithmetic and 16-bit wrap, 32-bit protected mode segment rights
 * and limits (APM 24593 §4.12), and the mode itself.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "emul_fixture.h"

#define HI 0xabcd000000000000ULL /* upper bits 16-bit register writes must keep */

/** mov [bx+si+4], ax: DS base + 16-bit offset; the offset wraps at 64 KiB. */
static void test_real_addressing(void **state)
{
	struct fixture f;

	(void)state;
	REAL(&f, "\x89\x40\x04");
	f.c.in.gpr[INSN_RAX] = 0xbeef;
	f.c.in.gpr[INSN_RBX] = 0x10;
	f.c.in.gpr[INSN_RSI] = 0x20;
	assert_int_equal(emul_execute(&f.c, &harness_ops), EMUL_OK);
	assert_int_equal(f.data[0x34], 0xef);
	assert_int_equal(f.data[0x35], 0xbe);
	assert_int_equal(f.c.out.rip, 0x103);

	REAL(&f, "\x89\x00"); /* bx + si = 0x10010: the offset is 0x0010 */
	f.c.in.gpr[INSN_RBX] = 0xfff0;
	f.c.in.gpr[INSN_RSI] = 0x20;
	assert_int_equal(emul_execute(&f.c, &harness_ops), EMUL_OK);
	assert_int_equal(f.h.writes, 1);
	assert_int_equal(f.data[0x10], 0x00);

	REAL(&f, "\x66\x89\x07"); /* mov [bx], eax: 4 bytes */
	f.c.in.gpr[INSN_RAX] = 0x12345678;
	f.c.in.gpr[INSN_RBX] = 0x80;
	assert_int_equal(emul_execute(&f.c, &harness_ops), EMUL_OK);
	assert_int_equal(f.data[0x83], 0x12);

	REAL(&f, "\x67\x8b\x03"); /* mov ax, [ebx] keeps the upper RAX bits */
	f.c.in.gpr[INSN_RAX] = HI;
	f.c.in.gpr[INSN_RBX] = 0xffff000000000002ULL;
	assert_int_equal(emul_execute(&f.c, &harness_ops), EMUL_OK);
	assert_int_equal(f.c.out.gpr[INSN_RAX], HI | 0xa6a7);
}

/** Real-mode limits: a word at 0xffff is #GP(0); through SS it is #SS(0). */
static void test_real_limits(void **state)
{
	struct fixture f;

	(void)state;
	REAL(&f, "\x89\x07");
	f.c.in.gpr[INSN_RBX] = 0xffff;
	assert_fault(&f.c, emul_execute(&f.c, &harness_ops), X86_VEC_GP, 0, 0);
	assert_int_equal(f.h.writes, 0);

	REAL(&f, "\x89\x46\x04"); /* mov [bp+4], ax uses SS */
	f.c.in.seg[INSN_SEG_SS].limit = 0x3;
	assert_fault(&f.c, emul_execute(&f.c, &harness_ops), X86_VEC_SS, 0, 0);

	REAL(&f, "\x89\x46\x04"); /* unreal mode: a big limit passes */
	f.c.in.seg[INSN_SEG_SS].limit = 0xffffffff;
	f.c.in.gpr[INSN_RBP] = 0x10;
	assert_int_equal(emul_execute(&f.c, &harness_ops), EMUL_OK);
}

/** rep movsw with 16-bit SI wrapping to 0: CX/SI/DI keep their upper bits. */
static void test_real_rep_movs(void **state)
{
	struct fixture f;

	(void)state;
	REAL(&f, "\xf3\xa5");
	f.c.in.seg[INSN_SEG_DS].base = 0x12300 - 0xff00; /* SI 0xfffa.. lands at data[0xfa] */
	f.c.in.gpr[INSN_RCX] = HI | 3;
	f.c.in.gpr[INSN_RSI] = HI | 0xfffa;
	f.c.in.gpr[INSN_RDI] = HI | 0x10;
	assert_int_equal(harness_run(&f.c, NULL), EMUL_OK);
	assert_int_equal(f.c.out.gpr[INSN_RCX], HI);
	assert_int_equal(f.c.out.gpr[INSN_RSI], HI);
	assert_int_equal(f.c.out.gpr[INSN_RDI], HI | 0x16);
	assert_int_equal(f.data[0x10], 0xfa ^ 0xa5);
	assert_int_equal(f.data[0x15], 0xff ^ 0xa5);
}

/** Fetch at CS base + IP; IP wraps at 64 KiB; an instruction cut by the CS limit is #GP. */
static void test_real_fetch(void **state)
{
	struct fixture f;

	(void)state;
	fixture_init(&f, 0x12300, 0xffffe, "\x89\x07", 2);
	harness_ctxt_real(&f.c, &f.h, 0xfffe);
	f.c.in.seg[INSN_SEG_CS] = (struct emul_seg){ 0xf000, 0x9b, 0xffff, 0xf0000 };
	f.c.in.seg[INSN_SEG_DS].base = 0x12300;
	assert_int_equal(emul_execute(&f.c, &harness_ops), EMUL_OK);
	assert_int_equal(f.c.out.rip, 0);

	fixture_init(&f, 0x12300, 0xfffff, "\x89\x07", 2);
	harness_ctxt_real(&f.c, &f.h, 0xffff);
	f.c.in.seg[INSN_SEG_CS] = (struct emul_seg){ 0xf000, 0x9b, 0xffff, 0xf0000 };
	assert_fault(&f.c, emul_execute(&f.c, &harness_ops), X86_VEC_GP, 0, 0);
}

/** 32-bit protected mode: ESP uses SS, 67h gives 16-bit addressing, bases wrap at 4 GiB. */
static void test_prot32_addressing(void **state)
{
	struct fixture f;

	(void)state;
	PROT32(&f, "\x8b\x04\x24"); /* mov eax, [esp] */
	f.c.in.seg[INSN_SEG_SS].base = 0x10;
	f.c.in.gpr[INSN_RAX] = HI;
	assert_int_equal(emul_execute(&f.c, &harness_ops), EMUL_OK);
	assert_int_equal(f.c.out.gpr[INSN_RAX], 0xf6f7f4f5); /* data[0x50..0x53] */

	PROT32(&f, "\x67\x89\x07"); /* mov [bx], eax */
	f.c.in.gpr[INSN_RBX] = 0x12340080;
	f.c.in.seg[INSN_SEG_DS].base = 0x10000 - 0x80 + 0x10;
	assert_int_equal(emul_execute(&f.c, &harness_ops), EMUL_OK);
	assert_int_equal(f.h.writes, 1);

	PROT32(&f, "\x89\x03"); /* base + offset wraps at 4 GiB */
	f.c.in.seg[INSN_SEG_DS].base = 0xfffff000;
	f.c.in.gpr[INSN_RBX] = 0x11000;
	assert_int_equal(emul_execute(&f.c, &harness_ops), EMUL_OK);
	assert_int_equal(f.h.writes, 1);

	PROT32(&f, "\x66\xab"); /* stosw: ES:EDI, EDI += 2 zero-extends */
	f.c.in.gpr[INSN_RDI] = 0xffff000000010000ULL;
	assert_int_equal(emul_execute(&f.c, &harness_ops), EMUL_OK);
	assert_int_equal(f.c.out.gpr[INSN_RDI], 0x10002);
}

/** Rights and limits: read-only, expand-down, not present, code segments. */
static void test_prot32_rights(void **state)
{
	static const struct {
		const char *bytes; /* through DS, or CS (2E) */
		uint16_t attrib;
		uint32_t limit;
		uint64_t offset;
		uint8_t vector; /* 0: allowed */
	} rows[] = {
		{ "\x89\x03", 0xc91, 0xffffffff, 0x10040, X86_VEC_GP }, /* write, read-only */
		{ "\x8b\x03", 0xc91, 0xffffffff, 0x10040, 0 },		/* read, read-only */
		{ "\x89\x03", 0xc93, 0x10041, 0x10040, X86_VEC_GP },	/* past the limit */
		{ "\x89\x03", 0xc93, 0x10043, 0x10040, 0 },		/* the last byte fits */
		{ "\x89\x03", 0xc97, 0x1003f, 0x10040, 0 },		/* expand-down, above */
		{ "\x89\x03", 0xc97, 0x10040, 0x10040, X86_VEC_GP },	/* expand-down, at limit */
		{ "\x89\x03", 0x897, 0x0fff, 0x10040, X86_VEC_GP },	/* expand-down 16-bit top */
		{ "\x89\x03", 0xc13, 0xffffffff, 0x10040, X86_VEC_GP }, /* not present */
		{ "\x2e\x8b\x03", 0xc9b, 0xffffffff, 0x10040, 0 },	/* read, readable code */
		{ "\x2e\x8b\x03", 0xc99, 0xffffffff, 0x10040, X86_VEC_GP }, /* execute-only */
		{ "\x2e\x89\x03", 0xc9b, 0xffffffff, 0x10040, X86_VEC_GP }, /* write to code */
	};
	struct fixture f;

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		unsigned int seg = rows[i].bytes[0] == 0x2e ? INSN_SEG_CS : INSN_SEG_DS;
		enum emul_result r;

		fixture32(&f, rows[i].bytes, strlen(rows[i].bytes));
		f.c.in.seg[seg].attrib = rows[i].attrib;
		f.c.in.seg[seg].limit = rows[i].limit;
		f.c.in.gpr[INSN_RBX] = rows[i].offset;
		r = emul_execute(&f.c, &harness_ops);
		if (rows[i].vector)
			assert_fault(&f.c, r, rows[i].vector, 0, 0);
		else
			assert_int_equal(r, EMUL_OK);
	}

	PROT32(&f, "\x89\x04\x24"); /* through SS: #SS(0) */
	f.c.in.seg[INSN_SEG_SS].limit = 0x1000;
	assert_fault(&f.c, emul_execute(&f.c, &harness_ops), X86_VEC_SS, 0, 0);
}

/** 16-bit protected mode: 16-bit operands and addresses by default. */
static void test_prot16(void **state)
{
	struct fixture f;

	(void)state;
	fixture_init(&f, 0x10000, 0x400000, "\x89\x07", 2);
	harness_ctxt32(&f.c, &f.h, 0x400000);
	f.c.in.seg[INSN_SEG_CS] = (struct emul_seg){ 0x8, 0x09b, 0xffff, 0x400000 - 0x100 };
	f.c.in.rip = 0x100;
	f.c.in.seg[INSN_SEG_DS].base = 0x10000;
	f.c.in.gpr[INSN_RBX] = 0x12340040;
	f.c.in.gpr[INSN_RAX] = 0x5566;
	assert_int_equal(emul_mode(&f.c.in), INSN_MODE_PROT16);
	assert_int_equal(emul_execute(&f.c, &harness_ops), EMUL_OK);
	assert_int_equal(f.data[0x40], 0x66);
	assert_int_equal(f.data[0x41], 0x55);
	assert_int_equal(f.data[0x42], 0x42 ^ 0xa5);
	assert_int_equal(f.c.out.rip, 0x102);
}

/** The mode from CR0.PE, RFLAGS.VM, EFER.LMA, CS.L and CS.D. */
static void test_mode(void **state)
{
	static const struct {
		uint64_t cr0, efer, rflags;
		uint16_t cs;
		enum insn_mode mode;
	} rows[] = {
		{ 0x10, 0, 0x2, 0x09b, INSN_MODE_REAL },
		{ 0x11, 0, 0x20002, 0x0fb, INSN_MODE_REAL }, /* virtual-8086 */
		{ 0x11, 0, 0x2, 0xc9b, INSN_MODE_PROT32 },
		{ 0x11, 0, 0x2, 0x09b, INSN_MODE_PROT16 },
		{ 0x80000011, 0x500, 0x2, 0x29b, INSN_MODE_LONG64 },
		{ 0x80000011, 0x500, 0x2, 0xc9b, INSN_MODE_PROT32 }, /* compatibility mode */
		{ 0x80000011, 0x500, 0x2, 0x09b, INSN_MODE_PROT16 },
		{ 0x11, 0x100, 0x2, 0x29b, INSN_MODE_PROT16 }, /* LME without LMA */
	};
	struct emul_input in = { 0 };

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		in.cr0 = rows[i].cr0;
		in.efer = rows[i].efer;
		in.rflags = rows[i].rflags;
		in.seg[INSN_SEG_CS].attrib = rows[i].cs;
		assert_int_equal(emul_mode(&in), rows[i].mode);
	}
}

/** 64-bit mode: FS and GS bases count, ES/DS/SS bases do not. */
static void test_long_segments(void **state)
{
	struct fixture f;

	(void)state;
	FIX64(&f, "\x65\x8b\x03"); /* mov eax, gs:[rbx] */
	f.c.in.seg[INSN_SEG_GS].base = 0x10;
	f.c.in.gpr[INSN_RBX] = 0x10000;
	assert_int_equal(emul_execute(&f.c, &harness_ops), EMUL_OK);
	assert_int_equal(f.c.out.gpr[INSN_RAX], 0xb6b7b4b5); /* data[0x10..0x13] */

	FIX64(&f, "\x26\x8b\x03"); /* es: is ignored */
	f.c.in.seg[INSN_SEG_ES].base = 0x10;
	f.c.in.seg[INSN_SEG_DS].base = 0x20;
	f.c.in.gpr[INSN_RBX] = 0x10000;
	assert_int_equal(emul_execute(&f.c, &harness_ops), EMUL_OK);
	assert_int_equal(f.c.out.gpr[INSN_RAX], 0xa6a7a4a5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_real_addressing),
		cmocka_unit_test(test_real_limits),
		cmocka_unit_test(test_real_rep_movs),
		cmocka_unit_test(test_real_fetch),
		cmocka_unit_test(test_prot32_addressing),
		cmocka_unit_test(test_prot32_rights),
		cmocka_unit_test(test_prot16),
		cmocka_unit_test(test_mode),
		cmocka_unit_test(test_long_segments),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
