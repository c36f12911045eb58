/* SPDX-License-Identifier: MIT */
/*
 * The read-modify-write, exchange, stack and vector classes without a
 * native run: decode (class, direction, condition, alignment, vector
 * register), faults (#GP/#SS on segment limits and rights, #PF from the
 * hooks with nothing committed, #UD for LOCK misuse, alignment #GP), LOCK
 * through cmpxchg_mem (contention, a missing hook), the state the caller
 * must opt in to (in.vec_valid, in.wide_mem), and the modes other than
 * 64-bit (real, 16- and 32-bit protected: addressing and the stack).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "emul_fixture.h"

/** Data byte i as fixture_init() leaves it. */
#define D(i) ((uint8_t)((i) ^ 0xa5))

/** Nothing of the instruction is committed: registers, flags, RIP as they were. */
static void assert_nothing_committed(const struct fixture *f)
{
	assert_int_equal(f->c.out.gpr_written, 0);
	assert_int_equal(f->c.out.rflags, f->c.in.rflags);
	assert_int_equal(f->c.out.rip, f->c.in.rip);
	assert_int_equal(f->c.out.vec_written, 0);
}

/** The decode of each new class: class, direction, cc, alignment, vector register, sizes. */
/** A row of a decode table: decodes in its mode, to its class, with a
 * memory operand of its size (the row's name printed first, for a failure). */
static void decode_row(const char *name, const char *bytes, enum insn_mode mode, unsigned int cls,
		       unsigned int mem_size, struct insn *insn)
{
	print_message("%s\n", name);
	assert_int_equal(insn_decode((const uint8_t *)bytes, strlen(bytes), mode, 0, insn),
			 INSN_OK);
	assert_int_equal(insn->cls, cls);
	assert_true(insn->has_mem);
	assert_int_equal(insn->mem.size, mem_size);
}

static void test_decode_classes(void **state)
{
	static const struct {
		const char *name, *bytes;
		enum insn_mode mode;
		uint8_t cls, mem_size, op_size;
		bool reg_dst, has_imm;
		uint8_t reg, cc, align, vreg;
		bool vex;
	} rows[] = {
		{ "add [rbx], eax", "\x01\x03", INSN_MODE_LONG64, INSN_ADD, 4, 4, false, false, 0 },
		{ "add eax, [rbx]", "\x03\x03", INSN_MODE_LONG64, INSN_ADD, 4, 4, true, false, 0 },
		{ "or word [rbx], imm8", "\x66\x83\x0b\xff", INSN_MODE_LONG64, INSN_OR, 2, 2, false,
		  true, INSN_REG_NONE },
		{ "lock sbb [rbx], r9", "\xf0\x4c\x19\x0b", INSN_MODE_LONG64, INSN_SBB, 8, 8, false,
		  false, INSN_R9 },
		{ "cmp al, [rbx]", "\x3a\x03", INSN_MODE_LONG64, INSN_CMP, 1, 1, true, false, 0 },
		{ "test [rbx], dh", "\x84\x33", INSN_MODE_LONG64, INSN_TEST, 1, 1, false, false,
		  2 },
		{ "not byte [rbx]", "\xf6\x13", INSN_MODE_LONG64, INSN_NOT, 1, 1, false, false,
		  INSN_REG_NONE },
		{ "dec word [bx] (real)", "\xff\x0f", INSN_MODE_REAL, INSN_DEC, 2, 2, false, false,
		  INSN_REG_NONE },
		{ "rcr dword [rbx], 1", "\xd1\x1b", INSN_MODE_LONG64, INSN_RCR, 4, 4, false, true,
		  INSN_REG_NONE },
		{ "sar [rbx], cl", "\xd3\x3b", INSN_MODE_LONG64, INSN_SAR, 4, 4, false, false, 1 },
		{ "sal /6 is shl", "\xc0\x33\x03", INSN_MODE_LONG64, INSN_SHL, 1, 1, false, true,
		  INSN_REG_NONE },
		{ "bts [rbx], edx", "\x0f\xab\x13", INSN_MODE_LONG64, INSN_BTS, 4, 4, false, false,
		  2 },
		{ "btc [rbx], imm8", "\x0f\xba\x3b\x21", INSN_MODE_LONG64, INSN_BTC, 4, 4, false,
		  true, INSN_REG_NONE },
		{ "xchg [rbx], ecx", "\x87\x0b", INSN_MODE_LONG64, INSN_XCHG, 4, 4, false, false,
		  1 },
		{ "cmpxchg [rbx], cx", "\x66\x0f\xb1\x0b", INSN_MODE_LONG64, INSN_CMPXCHG, 2, 2,
		  false, false, 1 },
		{ "cmpxchg8b [ebx] (32)", "\x0f\xc7\x0b", INSN_MODE_PROT32, INSN_CMPXCHG8B, 8, 4,
		  false, false, INSN_REG_NONE },
		{ "cmpxchg16b [rbx]", "\x48\x0f\xc7\x0b", INSN_MODE_LONG64, INSN_CMPXCHG16B, 16, 8,
		  false, false, INSN_REG_NONE, 0, 16 },
		{ "xadd [rbx], rdx", "\x48\x0f\xc1\x13", INSN_MODE_LONG64, INSN_XADD, 8, 8, false,
		  false, 2 },
		{ "setnle [rbx]", "\x0f\x9f\x03", INSN_MODE_LONG64, INSN_SETCC, 1, 1, false, false,
		  INSN_REG_NONE, 0xf },
		{ "cmovb edx, [rbx]", "\x0f\x42\x13", INSN_MODE_LONG64, INSN_CMOVCC, 4, 4, true,
		  false, 2, 2 },
		{ "push qword [rbx]", "\xff\x33", INSN_MODE_LONG64, INSN_PUSH, 8, 8, false, false,
		  INSN_REG_NONE },
		{ "pop word [ebx] (32)", "\x66\x8f\x03", INSN_MODE_PROT32, INSN_POP, 2, 2, false,
		  false, INSN_REG_NONE },
		{ "repe cmpsw", "\xf3\x66\xa7", INSN_MODE_LONG64, INSN_CMPS, 2, 2, false, false,
		  INSN_REG_NONE },
		{ "repne scasb", "\xf2\xae", INSN_MODE_LONG64, INSN_SCAS, 1, 1, false, false, 0 },
		{ "movbe edx, [rbx]", "\x0f\x38\xf0\x13", INSN_MODE_LONG64, INSN_MOVBE, 4, 4, true,
		  false, 2 },
		{ "movnti [rbx], rdx", "\x48\x0f\xc3\x13", INSN_MODE_LONG64, INSN_MOVNTI, 8, 8,
		  false, false, 2 },
		{ "movq xmm1, [rbx]", "\xf3\x0f\x7e\x0b", INSN_MODE_LONG64, INSN_MOVQ, 8, 4, true,
		  false, INSN_REG_NONE, 0, 0, 1 },
		{ "movdqa [rbx], xmm9", "\x66\x44\x0f\x7f\x0b", INSN_MODE_LONG64, INSN_MOVDQA, 16,
		  4, false, false, INSN_REG_NONE, 0, 16, 9 },
		{ "vmovaps ymm1, [rbx]", "\xc5\xfc\x28\x0b", INSN_MODE_LONG64, INSN_MOVAPS, 32, 4,
		  true, false, INSN_REG_NONE, 0, 32, 1, true },
		{ "vmovups [rbx], ymm9", "\xc5\x7c\x11\x0b", INSN_MODE_LONG64, INSN_MOVUPS, 32, 4,
		  false, false, INSN_REG_NONE, 0, 0, 9, true },
		{ "movntps [ebx], xmm7 (32)", "\x0f\x2b\x3b", INSN_MODE_PROT32, INSN_MOVNTPS, 16, 4,
		  false, false, INSN_REG_NONE, 0, 16, 7 },
		{ "movsd xmm1, [ebx] (32)", "\xf2\x0f\x10\x0b", INSN_MODE_PROT32, INSN_MOVSD, 8, 4,
		  true, false, INSN_REG_NONE, 0, 0, 1 },
		{ "vmovss [rbx], xmm9", "\xc5\x7a\x11\x0b", INSN_MODE_LONG64, INSN_MOVSS, 4, 4,
		  false, false, INSN_REG_NONE, 0, 0, 9, true },
		{ "vmovntdqa ymm1, [rbx]", "\xc4\xe2\x7d\x2a\x0b", INSN_MODE_LONG64, INSN_MOVNTDQA,
		  32, 4, true, false, INSN_REG_NONE, 0, 32, 1, true },
		{ "lddqu xmm1, [rbx]", "\xf2\x0f\xf0\x0b", INSN_MODE_LONG64, INSN_LDDQU, 16, 4,
		  true, false, INSN_REG_NONE, 0, 0, 1 },
		{ "movntpd [rbx], xmm1", "\x66\x0f\x2b\x0b", INSN_MODE_LONG64, INSN_MOVNTPD, 16, 4,
		  false, false, INSN_REG_NONE, 0, 16, 1 },
		{ "movntss [rbx], xmm2", "\xf3\x0f\x2b\x13", INSN_MODE_LONG64, INSN_MOVNTSS, 4, 4,
		  false, false, INSN_REG_NONE, 0, 0, 2 },
	};
	/* register-only forms, MMX, EVEX and other operand kinds stay OTHER */
	static const char *const other[] = {
		"\x01\xd8",		    /* add eax, ebx */
		"\xff\xc0",		    /* inc eax */
		"\x0f\x94\xc0",		    /* sete al */
		"\x0f\x44\xc3",		    /* cmove eax, ebx */
		"\x6a\x01",		    /* push 1 */
		"\xff\xf0",		    /* push rax */
		"\x0f\x6e\x0b",		    /* movd mm1, [rbx] */
		"\x66\x0f\x6e\xcb",	    /* movd xmm1, ebx */
		"\x62\xf1\x7c\x48\x28\x0b", /* vmovaps zmm1, [rbx] (EVEX) */
		"\x0f\xaf\xc3",		    /* imul eax, ebx */
		"\xf7\xf3",		    /* div ebx */
		"\x0f\xa5\xd8",		    /* shld eax, ebx, cl */
		"\xf3\x0f\xbc\xc3",	    /* tzcnt eax, ebx */
		"\xc4\xe2\x70\xf2\xc3",	    /* andn eax, ecx, ebx */
		"\xc4\xe2\x78\xf3\xcb",	    /* blsr eax, ebx */
		"\xc4\xe3\x7b\xf0\xc3\x05", /* rorx eax, ebx, 5 */
	};
	struct insn insn;

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		decode_row(rows[i].name, rows[i].bytes, rows[i].mode, rows[i].cls, rows[i].mem_size,
			   &insn);
		assert_int_equal(insn.op_size, rows[i].op_size);
		assert_int_equal(insn.reg_dst, rows[i].reg_dst);
		assert_int_equal(insn.has_imm, rows[i].has_imm);
		if (rows[i].cls < INSN_MOVD)
			assert_int_equal(insn.reg.index, rows[i].reg);
		assert_int_equal(insn.cc, rows[i].cc);
		assert_int_equal(insn.align, rows[i].align);
		assert_int_equal(insn.vreg.index, rows[i].vreg);
		assert_int_equal(insn.vreg.vex, rows[i].vex);
	}
	for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++) {
		assert_int_equal(insn_decode((const uint8_t *)other[i], strlen(other[i]),
					     INSN_MODE_LONG64, 0, &insn),
				 INSN_OK);
		assert_int_equal(insn.cls, INSN_OTHER);
		assert_false(insn.has_mem);
	}
	/* CMPS reads seg:rSI as its memory operand (the segment prefix applies) */
	assert_int_equal(insn_decode((const uint8_t *)"\x64\xa6", 2, INSN_MODE_LONG64, 0, &insn),
			 INSN_OK);
	assert_int_equal(insn.mem.base, INSN_RSI);
	assert_int_equal(insn.mem.seg, INSN_SEG_FS);
}

/** MUL..CRC32: the class, reg, reg2 (VEX.vvvv or CL), the immediate and the direction. */
static void test_decode_gpr_ops(void **state)
{
	enum { N = INSN_REG_NONE };
	static const struct {
		const char *name, *bytes;
		enum insn_mode mode;
		uint8_t cls, mem_size, reg, reg_size, reg2;
		bool reg_dst, has_imm;
		uint64_t imm;
	} rows[] = {
		{ "mul byte [rbx]", "\xf6\x23", INSN_MODE_LONG64, INSN_MUL, 1, N, 0, N },
		{ "imul qword [rbx]", "\x48\xf7\x2b", INSN_MODE_LONG64, INSN_IMUL, 8, N, 0, N },
		{ "imul edx, [rbx]", "\x0f\xaf\x13", INSN_MODE_LONG64, INSN_IMUL, 4, 2, 4, N,
		  true },
		{ "imul dx, [rbx], -2", "\x66\x6b\x13\xfe", INSN_MODE_LONG64, INSN_IMUL, 2, 2, 2, N,
		  true, true, (uint64_t)-2 },
		{ "imul r10, [rbx], imm32", "\x4c\x69\x13\x21\x43\x65\x87", INSN_MODE_LONG64,
		  INSN_IMUL, 8, INSN_R10, 8, N, true, true, 0xffffffff87654321ULL },
		{ "div word [bx+si] (real)", "\xf7\x30", INSN_MODE_REAL, INSN_DIV, 2, N, 0, N },
		{ "idiv dword [ebx] (32)", "\xf7\x3b", INSN_MODE_PROT32, INSN_IDIV, 4, N, 0, N },
		{ "mulx r10, rcx, [rbx]", "\xc4\x62\xf3\xf6\x13", INSN_MODE_LONG64, INSN_MULX, 8,
		  INSN_R10, 8, INSN_RCX, true },
		{ "shld [rbx], edx, cl", "\x0f\xa5\x13", INSN_MODE_LONG64, INSN_SHLD, 4, 2, 4,
		  INSN_RCX },
		{ "shrd [rbx], dx, 3", "\x66\x0f\xac\x13\x03", INSN_MODE_LONG64, INSN_SHRD, 2, 2, 2,
		  N, false, true, 3 },
		{ "bsf edx, [rbx]", "\x0f\xbc\x13", INSN_MODE_LONG64, INSN_BSF, 4, 2, 4, N, true },
		{ "bsr dx, [bx] (real)", "\x0f\xbd\x17", INSN_MODE_REAL, INSN_BSR, 2, 2, 2, N,
		  true },
		{ "tzcnt rdx, [rbx]", "\xf3\x48\x0f\xbc\x13", INSN_MODE_LONG64, INSN_TZCNT, 8, 2, 8,
		  N, true },
		{ "lzcnt edx, [rbx]", "\xf3\x0f\xbd\x13", INSN_MODE_LONG64, INSN_LZCNT, 4, 2, 4, N,
		  true },
		{ "popcnt edx, [ebx] (32)", "\xf3\x0f\xb8\x13", INSN_MODE_PROT32, INSN_POPCNT, 4, 2,
		  4, N, true },
		{ "andn edx, r10d, [rbx]", "\xc4\xe2\x28\xf2\x13", INSN_MODE_LONG64, INSN_ANDN, 4,
		  2, 4, INSN_R10, true },
		{ "bextr rdx, [rbx], r10", "\xc4\xe2\xa8\xf7\x13", INSN_MODE_LONG64, INSN_BEXTR, 8,
		  2, 8, INSN_R10, true },
		{ "blsi ecx, [ebx] (32)", "\xc4\xe2\x70\xf3\x1b", INSN_MODE_PROT32, INSN_BLSI, 4, 1,
		  4, N, true },
		{ "blsmsk r10, [rbx]", "\xc4\xe2\xa8\xf3\x13", INSN_MODE_LONG64, INSN_BLSMSK, 8,
		  INSN_R10, 8, N, true },
		{ "blsr r10d, [rbx]", "\xc4\xe2\x28\xf3\x0b", INSN_MODE_LONG64, INSN_BLSR, 4,
		  INSN_R10, 4, N, true },
		{ "bzhi edx, [rbx], ecx", "\xc4\xe2\x70\xf5\x13", INSN_MODE_LONG64, INSN_BZHI, 4, 2,
		  4, INSN_RCX, true },
		{ "pdep rdx, r10, [rbx]", "\xc4\xe2\xab\xf5\x13", INSN_MODE_LONG64, INSN_PDEP, 8, 2,
		  8, INSN_R10, true },
		{ "pext edx, r10d, [rbx]", "\xc4\xe2\x2a\xf5\x13", INSN_MODE_LONG64, INSN_PEXT, 4,
		  2, 4, INSN_R10, true },
		{ "sarx edx, [rbx], r10d", "\xc4\xe2\x2a\xf7\x13", INSN_MODE_LONG64, INSN_SARX, 4,
		  2, 4, INSN_R10, true },
		{ "shlx rdx, [rbx], r10", "\xc4\xe2\xa9\xf7\x13", INSN_MODE_LONG64, INSN_SHLX, 8, 2,
		  8, INSN_R10, true },
		{ "shrx edx, [rbx], r10d", "\xc4\xe2\x2b\xf7\x13", INSN_MODE_LONG64, INSN_SHRX, 4,
		  2, 4, INSN_R10, true },
		{ "rorx rdx, [rbx], 45", "\xc4\xe3\xfb\xf0\x13\x2d", INSN_MODE_LONG64, INSN_RORX, 8,
		  2, 8, N, true, true, 45 },
		{ "adcx edx, [rbx]", "\x66\x0f\x38\xf6\x13", INSN_MODE_LONG64, INSN_ADCX, 4, 2, 4,
		  N, true },
		{ "adox rdx, [rbx]", "\xf3\x48\x0f\x38\xf6\x13", INSN_MODE_LONG64, INSN_ADOX, 8, 2,
		  8, N, true },
		{ "crc32 edx, byte [rbx]", "\xf2\x0f\x38\xf0\x13", INSN_MODE_LONG64, INSN_CRC32, 1,
		  2, 4, N, true },
		{ "crc32 rdx, qword [rbx]", "\xf2\x48\x0f\x38\xf1\x13", INSN_MODE_LONG64,
		  INSN_CRC32, 8, 2, 8, N, true },
	};
	struct insn insn;

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		decode_row(rows[i].name, rows[i].bytes, rows[i].mode, rows[i].cls, rows[i].mem_size,
			   &insn);
		assert_int_equal(insn.reg.index, rows[i].reg);
		if (rows[i].reg != N)
			assert_int_equal(insn.reg.size, rows[i].reg_size);
		assert_int_equal(insn.reg2.index, rows[i].reg2);
		assert_int_equal(insn.reg_dst, rows[i].reg_dst);
		assert_int_equal(insn.has_imm, rows[i].has_imm);
		assert_int_equal(insn.imm, rows[i].imm);
		assert_false(insn.lock);
	}
}

/** Every class has a name of its own, for the caller's log line. */
static void test_class_names(void **state)
{
	(void)state;
	for (unsigned int i = 0; i < INSN_CLASS_COUNT; i++) {
		assert_non_null(insn_class_name(i));
		assert_string_not_equal(insn_class_name(i), "?");
		for (unsigned int j = 0; j < i; j++)
			assert_string_not_equal(insn_class_name(i), insn_class_name(j));
	}
	assert_string_equal(insn_class_name(INSN_CLASS_COUNT), "?");
	assert_string_equal(insn_class_name(INSN_OR), "or");
}

/** A read fault: no write, nothing committed; a write fault: the same after the read. */
static void test_page_faults(void **state)
{
	static const char *const rows[] = {
		"\x01\x13",	    /* add [rbx], edx */
		"\x03\x13",	    /* add edx, [rbx] */
		"\xd3\x23",	    /* shl dword [rbx], cl */
		"\x0f\xab\x13",	    /* bts [rbx], edx */
		"\x0f\xc1\x13",	    /* xadd [rbx], edx */
		"\x0f\xb1\x13",	    /* cmpxchg [rbx], edx */
		"\x0f\xc7\x0b",	    /* cmpxchg8b [rbx] */
		"\x0f\x38\xf1\x13", /* movbe [rbx], edx */
		"\x0f\x44\x13",	    /* cmove edx, [rbx] */
		"\xff\x33",	    /* push qword [rbx] */
		"\x8f\x03",	    /* pop qword [rbx] */
		"\x0f\x97\x03",	    /* seta [rbx] */
		"\xf0\x09\x13",	    /* lock or [rbx], edx */
		"\x87\x13",	    /* xchg [rbx], edx */
	};
	struct fixture f;

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		for (unsigned int at = 1; at <= 2; at++) {
			enum emul_result r;

			fixture64(&f, rows[i], strlen(rows[i]));
			f.c.in.gpr[INSN_RSP] = 0x10080;
			f.c.in.rflags = 0x2 | 0x41; /* ZF CF: SETA false, CMOVE true */
			f.h.fail_at = at;
			f.h.fail_with = EMUL_EXCEPTION;
			r = emul_execute(&f.c, &harness_ops);
			if (f.h.accesses < at) { /* one access only: it never got there */
				assert_int_equal(r, EMUL_OK);
				continue;
			}
			assert_int_equal(r, EMUL_EXCEPTION);
			assert_int_equal(f.c.out.fault.vector, X86_VEC_PF);
			assert_nothing_committed(&f);
			for (unsigned int b = 0; b < sizeof(f.data); b++)
				assert_int_equal(f.data[b], D(b));
		}
	}
}

/** #GP(0) and #SS(0) from the segment checks come before any access. */
static void test_segment_faults(void **state)
{
	static const struct {
		const char *bytes;
		unsigned int seg;
		uint16_t attrib;
		uint32_t limit;
		uint8_t vector; /* 0: allowed */
	} rows[] = {
		{ "\x01\x13", INSN_SEG_DS, 0xc91, 0xffffffff, X86_VEC_GP }, /* add: read-only */
		{ "\x39\x13", INSN_SEG_DS, 0xc91, 0xffffffff, 0 },	    /* cmp: read-only ok */
		{ "\x0f\xa3\x13", INSN_SEG_DS, 0xc91, 0xffffffff, 0 },	    /* bt: read-only ok */
		{ "\x0f\xab\x13", INSN_SEG_DS, 0xc91, 0xffffffff, X86_VEC_GP }, /* bts */
		{ "\x01\x13", INSN_SEG_DS, 0xc93, 0x10042, X86_VEC_GP }, /* add: past limit */
		{ "\x01\x53\x00", INSN_SEG_DS, 0xc93, 0x10043, 0 },	 /* the last byte fits */
		{ "\x01\x55\x00", INSN_SEG_SS, 0xc93, 0x10042, X86_VEC_SS }, /* add [ebp]: #SS */
		{ "\xff\x33", INSN_SEG_SS, 0xc93, 0x1003b, X86_VEC_SS },     /* push: slot 3c..3f */
		{ "\xff\x33", INSN_SEG_SS, 0xc93, 0x1003f, 0 },
		{ "\x8f\x03", INSN_SEG_SS, 0xc93, 0x10042, X86_VEC_SS },    /* pop: slot 40..43 */
		{ "\x8f\x03", INSN_SEG_DS, 0xc91, 0xffffffff, X86_VEC_GP }, /* pop to read-only */
		{ "\xff\x33", INSN_SEG_SS, 0xc91, 0xffffffff, X86_VEC_SS }, /* push, SS read-only */
		{ "\x0f\x94\x03", INSN_SEG_DS, 0xc93, 0x1003f, X86_VEC_GP }, /* sete */
		{ "\x26\x0f\xb1\x13", INSN_SEG_ES, 0xc13, 0xffffffff,
		  X86_VEC_GP }, /* not present */
	};
	struct fixture f;

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		enum emul_result r;

		fixture32(&f, rows[i].bytes, strlen(rows[i].bytes));
		f.c.in.gpr[INSN_RBP] = 0x10040;
		f.c.in.seg[rows[i].seg].attrib = rows[i].attrib;
		f.c.in.seg[rows[i].seg].limit = rows[i].limit;
		r = emul_execute(&f.c, &harness_ops);
		if (!rows[i].vector) {
			assert_int_equal(r, EMUL_OK);
			continue;
		}
		assert_fault(&f.c, r, rows[i].vector, 0, 0);
		assert_int_equal(f.h.reads + f.h.writes + f.h.cas_calls, 0);
		assert_nothing_committed(&f);
	}
}

/** BT with a register offset: the operand read moves by the offset, up and down. */
static void test_bt_offset(void **state)
{
	struct fixture f;

	(void)state;
	FIX64(&f, "\x0f\xab\x13");				      /* bts [rbx], edx */
	f.c.in.gpr[INSN_RDX] = 0xffffffff00000000ULL | (uint32_t)-33; /* dword -2, bit 31 */
	assert_int_equal(emul_execute(&f.c, &harness_ops), EMUL_OK);
	assert_int_equal(f.data[0x3b], D(0x3b) | 0x80);
	assert_int_equal(f.c.out.rflags & 1, D(0x3b) >> 7);

	FIX64(&f, "\x66\x0f\xa3\x13");			/* bt [rbx], dx: 16-bit signed offset */
	f.c.in.gpr[INSN_RDX] = 0x10000 + 0x7f * 16 + 3; /* dx = 0x7f3: word 0x7f */
	assert_fault(&f.c, emul_execute(&f.c, &harness_ops), X86_VEC_PF, 0, 0x10040 + 0xfe);

	FIX64(&f, "\x0f\xba\x2b\x45"); /* bts [rbx], 0x45: the immediate is mod 32 */
	assert_int_equal(emul_execute(&f.c, &harness_ops), EMUL_OK);
	assert_int_equal(f.data[0x40], D(0x40) | 0x20);

	/* a 32-bit address size wraps the moved address */
	FIX64(&f, "\x67\x0f\xa3\x13"); /* bt [ebx], edx */
	f.c.in.gpr[INSN_RBX] = 0x10;
	f.c.in.gpr[INSN_RDX] = (uint32_t)-0x100;
	assert_fault(&f.c, emul_execute(&f.c, &harness_ops), X86_VEC_PF, 0, 0xfffffff0ULL);
}

/** emul_mem_linear() (vc/'s cross-check) sees BT's moved operand and the alignment rule. */
static void test_mem_linear(void **state)
{
	struct fixture f;
	uint64_t la;

	(void)state;
	FIX64(&f, "\x48\x0f\xa3\x13");	      /* bt [rbx], rdx */
	f.c.in.gpr[INSN_RDX] = (uint64_t)-65; /* qword -2 */
	assert_int_equal(emul_decode(&f.c, &harness_ops), EMUL_OK);
	assert_int_equal(emul_mem_linear(&f.c, false, &la), EMUL_OK);
	assert_int_equal(la, 0x10040 - 16);

	FIX64(&f, "\x66\x0f\x7f\x0b"); /* movdqa [rbx], xmm1 at 0x10048 */
	f.c.in.gpr[INSN_RBX] = 0x10048;
	assert_int_equal(emul_decode(&f.c, &harness_ops), EMUL_OK);
	assert_fault(&f.c, emul_mem_linear(&f.c, true, &la), X86_VEC_GP, 0, 0);
}

/** LOCK on a form that cannot take it: #UD, from the decoder and from the engine. */
static void test_lock_ud(void **state)
{
	static const char *const rows[] = {
		"\xf0\x39\x03",		/* lock cmp [rbx], eax */
		"\xf0\x85\x03",		/* lock test */
		"\xf0\x01\xd8",		/* lock add eax, ebx */
		"\xf0\x03\x03",		/* lock add eax, [rbx] */
		"\xf0\x0f\xa3\x03",	/* lock bt */
		"\xf0\xd1\x23",		/* lock shl */
		"\xf0\x0f\x94\x03",	/* lock sete */
		"\xf0\xff\x33",		/* lock push */
		"\xf0\x0f\x44\x03",	/* lock cmove */
		"\xf0\x66\x0f\x6f\x0b", /* lock movdqa */
		"\xf0\x0f\x38\xf0\x03", /* lock movbe */
	};
	static const uint8_t classes[] = { INSN_CMP,   INSN_TEST, INSN_BT,     INSN_SHL,
					   INSN_SETCC, INSN_PUSH, INSN_CMOVCC, INSN_MOV_STORE };
	struct fixture f;

	(void)state;
	assert_lock_ud(rows, sizeof(rows) / sizeof(rows[0]), classes, sizeof(classes), "\x01\x03",
		       2);
	FIX64(&f, "\x03\x03"); /* add eax, [rbx] with lock: the register is the destination */
	assert_int_equal(emul_decode(&f.c, &harness_ops), EMUL_OK);
	f.c.insn.lock = true;
	assert_fault(&f.c, emul_execute(&f.c, &harness_ops), X86_VEC_UD, 0, 0);
}

/** LOCK goes through cmpxchg_mem; another CPU in between makes it compute again. */
static void test_lock(void **state)
{
	struct emul_ops ops = harness_ops;
	struct fixture f;

	(void)state;
	FIX64(&f, "\xf0\x01\x13"); /* lock add [rbx], edx */
	f.c.in.gpr[INSN_RDX] = 0x01010101;
	assert_int_equal(emul_execute(&f.c, &harness_ops), EMUL_OK);
	assert_int_equal(f.h.cas_calls, 1);
	assert_int_equal(f.h.writes, 0);
	assert_int_equal(f.data[0x40], (uint8_t)(D(0x40) + 1));

	FIX64(&f, "\xf0\x01\x13"); /* three interferences: four calls, the last one's result */
	f.c.in.gpr[INSN_RDX] = 0x01010101;
	f.h.cas_interfere = 3;
	assert_int_equal(emul_execute(&f.c, &harness_ops), EMUL_OK);
	assert_int_equal(f.h.cas_calls, 4);
	assert_int_equal(f.data[0x40], (uint8_t)(D(0x40) + 3 + 1));
	assert_int_equal(f.data[0x41], (uint8_t)(D(0x41) + 1));

	FIX64(&f, "\xf0\x0f\xc1\x13"); /* lock xadd: the register gets what was there last */
	f.c.in.gpr[INSN_RDX] = 5;
	f.h.cas_interfere = 1;
	assert_int_equal(emul_execute(&f.c, &harness_ops), EMUL_OK);
	assert_int_equal(f.c.out.gpr[INSN_RDX] & 0xff, (uint8_t)(D(0x40) + 1));

	FIX64(&f, "\xf0\xff\x03"); /* contended past EMUL_LOCK_TRIES: RETRY, nothing committed */
	f.h.cas_interfere = 1000;
	assert_int_equal(emul_execute(&f.c, &harness_ops), EMUL_RETRY);
	assert_int_equal(f.h.cas_calls, EMUL_LOCK_TRIES);
	assert_nothing_committed(&f);

	FIX64(&f, "\xf0\x0f\xb1\x13"); /* lock cmpxchg: one call, no read */
	f.c.in.gpr[INSN_RAX] = 0x1234;
	assert_int_equal(emul_execute(&f.c, &harness_ops), EMUL_OK);
	assert_int_equal(f.h.cas_calls, 1);
	assert_int_equal(f.h.reads, 0);
	assert_int_equal(f.c.out.gpr[INSN_RAX],
			 D(0x40) | D(0x41) << 8 | D(0x42) << 16 | (uint64_t)D(0x43) << 24);
	assert_int_equal(f.c.out.rflags & 0x40, 0);

	FIX64(&f, "\xf0\x01\x13"); /* a #PF from the hook: nothing committed */
	f.h.fail_at = 2;
	f.h.fail_with = EMUL_EXCEPTION;
	assert_fault(&f.c, emul_execute(&f.c, &harness_ops), X86_VEC_PF, HARNESS_PF_WRITE, 0x10040);
	assert_nothing_committed(&f);

	/* without the hook: LOCKed forms and XCHG are unhandleable, untouched */
	ops.cmpxchg_mem = NULL;
	FIX64(&f, "\xf0\x01\x13");
	assert_int_equal(emul_execute(&f.c, &ops), EMUL_UNHANDLEABLE);
	FIX64(&f, "\x87\x13");
	assert_int_equal(emul_execute(&f.c, &ops), EMUL_UNHANDLEABLE);
	assert_int_equal(f.h.reads + f.h.writes, 0);
	FIX64(&f, "\x01\x13"); /* without LOCK it runs */
	assert_int_equal(emul_execute(&f.c, &ops), EMUL_OK);
}

/** Aligned SSE/AVX forms and CMPXCHG16B: #GP(0) before any access; the others run. */
static void test_alignment(void **state)
{
	static const struct {
		const char *bytes;
		uint64_t rbx;
		bool fault;
	} rows[] = {
		{ "\x66\x0f\x6f\x0b", 0x10048, true }, /* movdqa xmm1, [rbx+8] */
		{ "\x66\x0f\x6f\x0b", 0x10040, false },
		{ "\x0f\x29\x0b", 0x10041, true },     /* movaps [rbx], xmm1 */
		{ "\x66\x0f\xe7\x0b", 0x10044, true }, /* movntdq */
		{ "\xc5\xfd\x6f\x0b", 0x10050, true }, /* vmovdqa ymm1: 32 bytes */
		{ "\xc5\xfd\x6f\x0b", 0x10060, false },
		{ "\xc5\xf9\x6f\x0b", 0x10050, false }, /* vmovdqa xmm1: 16 */
		{ "\xf3\x0f\x6f\x0b", 0x10043, false }, /* movdqu */
		{ "\xc5\xfe\x7f\x0b", 0x10041, false }, /* vmovdqu */
		{ "\x48\x0f\xc7\x0b", 0x10048, true },	/* cmpxchg16b */
		{ "\xf0\x48\x0f\xc7\x0b", 0x10048, true },
		{ "\x48\x0f\xc7\x0b", 0x10040, false },
		{ "\x0f\xc7\x0b", 0x10041, false },	   /* cmpxchg8b: no rule */
		{ "\x66\x0f\x38\x2a\x0b", 0x10048, true }, /* movntdqa */
		{ "\xc4\xe2\x7d\x2a\x0b", 0x10050, true }, /* vmovntdqa ymm1 */
		{ "\x66\x0f\x2b\x0b", 0x10044, true },	   /* movntpd */
		{ "\xf2\x0f\xf0\x0b", 0x10043, false },	   /* lddqu */
		{ "\xf3\x0f\x10\x0b", 0x10041, false },	   /* movss */
	};
	struct fixture f;

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		enum emul_result r;

		fixture64(&f, rows[i].bytes, strlen(rows[i].bytes));
		f.c.in.gpr[INSN_RBX] = rows[i].rbx;
		f.c.in.vec_valid = f.c.in.wide_mem = true;
		r = emul_execute(&f.c, &harness_ops);
		if (!rows[i].fault) {
			assert_int_equal(r, EMUL_OK);
			continue;
		}
		assert_fault(&f.c, r, X86_VEC_GP, 0, 0);
		assert_int_equal(f.h.reads + f.h.writes + f.h.cas_calls, 0);
		assert_nothing_committed(&f);
	}
}

/** Vector moves need in.vec_valid; 16/32-byte accesses need in.wide_mem. */
static void test_opt_in(void **state)
{
	struct fixture f;

	(void)state;
	FIX64(&f, "\x66\x0f\x6e\x0b"); /* movd xmm1, [rbx] */
	assert_int_equal(emul_execute(&f.c, &harness_ops), EMUL_UNHANDLEABLE);
	f.c.in.vec_valid = true;
	memset(f.c.in.vec, 0xee, sizeof(f.c.in.vec));
	assert_int_equal(emul_execute(&f.c, &harness_ops), EMUL_OK);
	assert_int_equal(f.c.out.vec_written, 1 << 1);
	assert_int_equal(f.c.out.vec_zero_upper, 0);
	assert_int_equal(f.c.out.vec[1][0], D(0x40));
	assert_int_equal(f.c.out.vec[1][4], 0);
	assert_int_equal(f.c.out.vec[1][16], 0xee); /* legacy SSE keeps bits 255:128 */
	assert_int_equal(f.c.out.vec[0][0], 0xee);

	FIX64(&f, "\xc5\xf9\x6e\x0b"); /* vmovd xmm1, [rbx]: zeroes to MAXVL */
	f.c.in.vec_valid = true;
	memset(f.c.in.vec, 0xee, sizeof(f.c.in.vec));
	assert_int_equal(emul_execute(&f.c, &harness_ops), EMUL_OK);
	assert_int_equal(f.c.out.vec_zero_upper, 1 << 1);
	assert_int_equal(f.c.out.vec[1][31], 0);

	FIX64(&f, "\xf3\x0f\x6f\x0b"); /* movdqu: 16 bytes */
	f.c.in.vec_valid = true;
	assert_int_equal(emul_execute(&f.c, &harness_ops), EMUL_UNHANDLEABLE);
	assert_int_equal(f.h.reads, 0);
	f.c.in.wide_mem = true;
	assert_int_equal(emul_execute(&f.c, &harness_ops), EMUL_OK);

	FIX64(&f, "\x48\x0f\xc7\x0b"); /* cmpxchg16b without LOCK: one 16-byte read */
	assert_int_equal(emul_execute(&f.c, &harness_ops), EMUL_UNHANDLEABLE);
	FIX64(&f, "\xf0\x48\x0f\xc7\x0b"); /* with LOCK: cmpxchg_mem takes 16 */
	assert_int_equal(emul_execute(&f.c, &harness_ops), EMUL_OK);
	assert_int_equal(f.h.cas_calls, 1);
}

/** Real mode: 16-bit addressing, 16-bit stack; 16-bit SP wraps. */
static void test_real_mode(void **state)
{
	struct fixture f;

	(void)state;
	REAL(&f, "\x01\x40\x04"); /* add [bx+si+4], ax */
	f.c.in.gpr[INSN_RAX] = 0x0101;
	f.c.in.gpr[INSN_RBX] = 0x10;
	f.c.in.gpr[INSN_RSI] = 0x20;
	assert_int_equal(emul_execute(&f.c, &harness_ops), EMUL_OK);
	assert_int_equal(f.data[0x34], (uint8_t)(D(0x34) + 1));
	assert_int_equal(f.data[0x35], (uint8_t)(D(0x35) + 1 + ((D(0x34) + 1) >> 8)));
	assert_int_equal(f.c.out.rip, 0x103);

	REAL(&f, "\xff\x37"); /* push word [bx]: SP 0x0042 -> 0x0040 */
	f.c.in.gpr[INSN_RBX] = 0x80;
	f.c.in.gpr[INSN_RSP] = 0xabcd000000000042ULL;
	assert_int_equal(emul_execute(&f.c, &harness_ops), EMUL_OK);
	assert_int_equal(f.c.out.gpr[INSN_RSP], 0xabcd000000000040ULL);
	assert_int_equal(f.data[0x40], D(0x80));
	assert_int_equal(f.data[0x41], D(0x81));

	REAL(&f, "\x8f\x07"); /* pop word [bx] at SP 0xffff: past the limit, #SS(0) */
	f.c.in.gpr[INSN_RSP] = 0xffff;
	assert_fault(&f.c, emul_execute(&f.c, &harness_ops), X86_VEC_SS, 0, 0);

	REAL(&f, "\x8f\x07"); /* pop word [bx] at SP 0xfffe: SP wraps to 0 */
	f.h.data_size = sizeof(f.data);
	f.c.in.gpr[INSN_RSP] = 0xfffe;
	f.c.in.seg[INSN_SEG_SS].base = 0x12300 - 0xfffe + 0x20;
	assert_int_equal(emul_execute(&f.c, &harness_ops), EMUL_OK);
	assert_int_equal(f.c.out.gpr[INSN_RSP], 0);
	assert_int_equal(f.data[0], D(0x20));

	REAL(&f, "\xf3\xa6"); /* repe cmpsb: DS:SI against ES:DI */
	f.c.in.gpr[INSN_RSI] = 0x10;
	f.c.in.gpr[INSN_RDI] = 0x10;
	f.c.in.gpr[INSN_RCX] = 0xffff0005;
	assert_int_equal(emul_execute(&f.c, &harness_ops), EMUL_OK);
	assert_int_equal(f.c.out.gpr[INSN_RCX], 0xffff0000);
	assert_int_equal(f.c.out.gpr[INSN_RSI], 0x15);
	assert_true(f.c.out.rflags & 0x40);
}

/** 32-bit and 16-bit protected mode: the stack's size by SS.B, operands by CS.D. */
static void test_prot_modes(void **state)
{
	struct fixture f;

	(void)state;
	PROT32(&f, "\xff\x33"); /* push dword [ebx] */
	assert_int_equal(emul_execute(&f.c, &harness_ops), EMUL_OK);
	assert_int_equal(f.c.out.gpr[INSN_RSP], 0x1003c);
	assert_int_equal(f.data[0x3c], D(0x40));

	PROT32(&f, "\xff\x33"); /* a 16-bit stack (SS.B clear) moves SP only */
	f.c.in.seg[INSN_SEG_SS].attrib = 0x093;
	f.c.in.gpr[INSN_RSP] = 0x12340042;
	f.c.in.seg[INSN_SEG_SS].base = 0x10000;
	assert_int_equal(emul_execute(&f.c, &harness_ops), EMUL_OK);
	assert_int_equal(f.c.out.gpr[INSN_RSP], 0x1234003e);
	assert_int_equal(f.data[0x3e], D(0x40));

	PROT32(&f, "\x8f\x44\x24\x04"); /* pop dword [esp+4]: the address after the pop */
	assert_int_equal(emul_execute(&f.c, &harness_ops), EMUL_OK);
	assert_int_equal(f.c.out.gpr[INSN_RSP], 0x10044);
	assert_int_equal(f.data[0x48], D(0x40));

	/* 16-bit protected mode: 16-bit operands and addresses */
	fixture_init(&f, 0x10000, 0x400000, "\x29\x07", 2); /* sub [bx], ax */
	harness_ctxt32(&f.c, &f.h, 0x100);
	f.c.in.seg[INSN_SEG_CS] = (struct emul_seg){ 0x8, 0x09b, 0xffff, 0x400000 - 0x100 };
	f.c.in.seg[INSN_SEG_DS].base = 0x10000;
	f.c.in.gpr[INSN_RBX] = 0x12340040;
	f.c.in.gpr[INSN_RAX] = 0x0001;
	assert_int_equal(emul_mode(&f.c.in), INSN_MODE_PROT16);
	assert_int_equal(emul_execute(&f.c, &harness_ops), EMUL_OK);
	assert_int_equal(f.data[0x40], (uint8_t)(D(0x40) - 1));
	assert_int_equal(f.data[0x42], D(0x42));
	assert_int_equal(f.c.out.rip, 0x102);
}

/** repe cmpsb over 7 equal bytes and a difference, 2 elements per call. */
static void fixture_cmps(struct fixture *f)
{
	FIX64(f, "\xf3\xa6");
	f->c.in.gpr[INSN_RSI] = 0x10000;
	f->c.in.gpr[INSN_RDI] = 0x10080;
	f->c.in.gpr[INSN_RCX] = 100;
	f->c.in.rep_limit = 2;
	memcpy(f->data + 0x80, f->data, 7);
}

/** REPE CMPS through EMUL_RETRY keeps the flags of the last compare in out.rflags. */
static void test_cmps_retry(void **state)
{
	struct fixture f;
	unsigned int retries;

	(void)state;
	fixture_cmps(&f);
	assert_int_equal(harness_run(&f.c, &retries), EMUL_OK);
	assert_int_equal(retries, 3);
	assert_int_equal(f.c.out.gpr[INSN_RCX], 100 - 8);
	assert_int_equal(f.c.out.gpr[INSN_RSI], 0x10008);
	assert_false(f.c.out.rflags & 0x40);

	fixture_cmps(&f); /* the first call stops with the budget: flags of element 2 */
	assert_int_equal(emul_execute(&f.c, &harness_ops), EMUL_RETRY);
	assert_true(f.c.out.rflags & 0x40);
	assert_int_equal(f.c.out.rip, f.c.in.rip);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode_classes), cmocka_unit_test(test_decode_gpr_ops),
		cmocka_unit_test(test_class_names),    cmocka_unit_test(test_page_faults),
		cmocka_unit_test(test_segment_faults), cmocka_unit_test(test_bt_offset),
		cmocka_unit_test(test_mem_linear),     cmocka_unit_test(test_lock_ud),
		cmocka_unit_test(test_lock),	       cmocka_unit_test(test_alignment),
		cmocka_unit_test(test_opt_in),	       cmocka_unit_test(test_real_mode),
		cmocka_unit_test(test_prot_modes),     cmocka_unit_test(test_cmps_retry),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
