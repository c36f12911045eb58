/* SPDX-License-Identifier: MIT */
/* The host build of Zydis (as configured for the paravisor) decodes what vc/ needs. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <Zydis/Zydis.h>

struct decoded {
	ZydisDecodedInstruction insn;
	ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
};

static ZyanStatus decode64(const void *bytes, size_t len, struct decoded *d)
{
	ZydisDecoder dec;

	assert_true(ZYAN_SUCCESS(
		ZydisDecoderInit(&dec, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64)));
	return ZydisDecoderDecodeFull(&dec, bytes, len, &d->insn, d->ops);
}

static void decode_ok(const char *bytes, size_t len, struct decoded *d)
{
	assert_true(ZYAN_SUCCESS(decode64(bytes, len, d)));
}

static void assert_mem_operand(const ZydisDecodedOperand *op, ZydisRegister base, unsigned bits,
			       ZydisOperandActions action)
{
	assert_int_equal(op->type, ZYDIS_OPERAND_TYPE_MEMORY);
	assert_int_equal(op->mem.base, base);
	assert_int_equal(op->size, bits);
	assert_true(op->actions & action);
}

static void assert_reg_operand(const ZydisDecodedOperand *op, ZydisRegister reg,
			       ZydisOperandActions action)
{
	assert_int_equal(op->type, ZYDIS_OPERAND_TYPE_REGISTER);
	assert_int_equal(op->reg.value, reg);
	assert_true(op->actions & action);
}

/** 89 07: mov [rdi], eax, an MMIO store (docs/architecture.md, "MMIO and the APIC"). */
static void test_mov_store(void **state)
{
	struct decoded d;

	(void)state;
	decode_ok("\x89\x07\xcc", 3, &d);
	assert_int_equal(d.insn.mnemonic, ZYDIS_MNEMONIC_MOV);
	assert_int_equal(d.insn.length, 2);
	assert_int_equal(d.insn.operand_count_visible, 2);
	assert_mem_operand(&d.ops[0], ZYDIS_REGISTER_RDI, 32, ZYDIS_OPERAND_ACTION_WRITE);
	assert_reg_operand(&d.ops[1], ZYDIS_REGISTER_EAX, ZYDIS_OPERAND_ACTION_READ);
}

/** 66 89 07: the operand-size prefix makes it a 16-bit store of ax. */
static void test_mov_store16(void **state)
{
	struct decoded d;

	(void)state;
	decode_ok("\x66\x89\x07", 3, &d);
	assert_int_equal(d.insn.length, 3);
	assert_mem_operand(&d.ops[0], ZYDIS_REGISTER_RDI, 16, ZYDIS_OPERAND_ACTION_WRITE);
	assert_reg_operand(&d.ops[1], ZYDIS_REGISTER_AX, ZYDIS_OPERAND_ACTION_READ);
}

/**
 * F3 A4: rep movsb, hidden operands es:[rdi] <- [rsi] with rcx as the count;
 * the accesses are conditional (zero iterations when rcx is 0).
 */
static void test_rep_movsb(void **state)
{
	struct decoded d;

	(void)state;
	decode_ok("\xf3\xa4", 2, &d);
	assert_int_equal(d.insn.mnemonic, ZYDIS_MNEMONIC_MOVSB);
	assert_int_equal(d.insn.length, 2);
	assert_true(d.insn.attributes & ZYDIS_ATTRIB_HAS_REP);
	assert_int_equal(d.insn.operand_count_visible, 0);
	assert_mem_operand(&d.ops[0], ZYDIS_REGISTER_RDI, 8, ZYDIS_OPERAND_ACTION_CONDWRITE);
	assert_int_equal(d.ops[0].mem.segment, ZYDIS_REGISTER_ES);
	assert_mem_operand(&d.ops[1], ZYDIS_REGISTER_RSI, 8, ZYDIS_OPERAND_ACTION_CONDREAD);
	assert_reg_operand(&d.ops[2], ZYDIS_REGISTER_RCX, ZYDIS_OPERAND_ACTION_READ);
}

/** 0F B6 07: movzx eax, byte [rdi], an 8-bit MMIO load widened into eax. */
static void test_movzx(void **state)
{
	struct decoded d;

	(void)state;
	decode_ok("\x0f\xb6\x07", 3, &d);
	assert_int_equal(d.insn.mnemonic, ZYDIS_MNEMONIC_MOVZX);
	assert_int_equal(d.insn.length, 3);
	assert_reg_operand(&d.ops[0], ZYDIS_REGISTER_EAX, ZYDIS_OPERAND_ACTION_WRITE);
	assert_mem_operand(&d.ops[1], ZYDIS_REGISTER_RDI, 8, ZYDIS_OPERAND_ACTION_READ);
}

/** 48 8B 04 25 00 10 00 00: mov rax, [0x1000], absolute (SIB, no base) address. */
static void test_mov_absolute(void **state)
{
	struct decoded d;

	(void)state;
	decode_ok("\x48\x8b\x04\x25\x00\x10\x00\x00", 8, &d);
	assert_int_equal(d.insn.length, 8);
	assert_reg_operand(&d.ops[0], ZYDIS_REGISTER_RAX, ZYDIS_OPERAND_ACTION_WRITE);
	assert_mem_operand(&d.ops[1], ZYDIS_REGISTER_NONE, 64, ZYDIS_OPERAND_ACTION_READ);
	assert_true(d.ops[1].mem.disp.has_displacement);
	assert_int_equal(d.ops[1].mem.disp.value, 0x1000);
}

/** The exits vc/ cross-checks by opcode: EE out dx, al; 0F A2 cpuid; 0F 30 wrmsr. */
static void test_exit_opcodes(void **state)
{
	struct decoded d;

	(void)state;
	decode_ok("\xee", 1, &d);
	assert_int_equal(d.insn.mnemonic, ZYDIS_MNEMONIC_OUT);
	assert_reg_operand(&d.ops[0], ZYDIS_REGISTER_DX, ZYDIS_OPERAND_ACTION_READ);
	decode_ok("\x0f\xa2", 2, &d);
	assert_int_equal(d.insn.mnemonic, ZYDIS_MNEMONIC_CPUID);
	decode_ok("\x0f\x30", 2, &d);
	assert_int_equal(d.insn.mnemonic, ZYDIS_MNEMONIC_WRMSR);
	decode_ok("\xf2\x0f\x01\xff", 4, &d);
	assert_int_equal(d.insn.mnemonic, ZYDIS_MNEMONIC_PVALIDATE);
	decode_ok("\xf3\x0f\x01\xfe", 4, &d);
	assert_int_equal(d.insn.mnemonic, ZYDIS_MNEMONIC_RMPADJUST);
}

/** Zydis 4.0 has no VMGEXIT: F3 0F 01 D9 decodes as a 4-byte VMMCALL. */
static void test_vmgexit(void **state)
{
	struct decoded d;

	(void)state;
	decode_ok("\xf3\x0f\x01\xd9", 4, &d);
	assert_int_equal(d.insn.mnemonic, ZYDIS_MNEMONIC_VMMCALL);
	assert_int_equal(d.insn.length, 4);
}

/** Truncated bytes and an over-long instruction are errors, not guesses. */
static void test_bad_input(void **state)
{
	static const char too_long[16] = { 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
					   0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x89, 0x07 };
	struct decoded d;

	(void)state;
	assert_int_equal(decode64("\x0f", 1, &d), ZYDIS_STATUS_NO_MORE_DATA);
	assert_int_equal(decode64("\x89", 1, &d), ZYDIS_STATUS_NO_MORE_DATA);
	assert_false(ZYAN_SUCCESS(decode64(too_long, sizeof(too_long), &d)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mov_store),    cmocka_unit_test(test_mov_store16),
		cmocka_unit_test(test_rep_movsb),    cmocka_unit_test(test_movzx),
		cmocka_unit_test(test_mov_absolute), cmocka_unit_test(test_exit_opcodes),
		cmocka_unit_test(test_vmgexit),	     cmocka_unit_test(test_bad_input),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
