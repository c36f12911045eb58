/* SPDX-License-Identifier: MIT */
/*
 * decoder/insn.c: decode tables.  Each row is guest bytes in one mode and
 * the whole struct insn they must give (length, class, sizes, prefixes,
 * register, memory operand, immediate).  Rows start from "no operands"
 * defaults (X()) and name only what they use.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "insn.h"

#define M64   INSN_MODE_LONG64
#define M32   INSN_MODE_PROT32
#define M16   INSN_MODE_PROT16
#define MRM   INSN_MODE_REAL
#define NONE  INSN_REG_NONE
#define SNONE INSN_SEG_NONE

/* Defaults, then the row's own fields (-Wno-override-init for this file). */
#define X(...)                                                                              \
	{                                                                                   \
		.seg_override = SNONE, .reg = { .index = NONE }, .reg2 = { .index = NONE }, \
		.mem = { .base = NONE, .index = NONE, .seg = SNONE }, __VA_ARGS__           \
	}
#define GPR(i, s)                         \
	{                                 \
		.index = (i), .size = (s) \
	}
#define HIGH8(i)                                       \
	{                                              \
		.index = (i), .size = 1, .high8 = true \
	}
#define MEM(b, x, sc, sg, sz, d)                                                     \
	{                                                                            \
		.base = (b), .index = (x), .scale = (sc), .seg = (sg), .size = (sz), \
		.disp = (uint64_t)(d)                                                \
	}
#define AT(b, sg, sz) MEM(b, NONE, 1, sg, sz, 0)
#define ABS(sz, d)    MEM(NONE, NONE, 1, INSN_SEG_DS, sz, d)
#define B(s)	      (const uint8_t *)(s), sizeof(s) - 1

struct row {
	const char *name;
	enum insn_mode mode;
	const uint8_t *bytes;
	size_t len;
	struct insn want;
};

/** The RIP every row decodes at (RIP-relative rows add it). */
#define RIP 0x1000

/** Compare one field, naming the row and the field when they differ. */
#define EQ(field)                                                                                 \
	do {                                                                                      \
		if ((uint64_t)got.field != (uint64_t)w->field) {                                  \
			print_error("row '%s': " #field " is %#llx, want %#llx\n", r->name,       \
				    (unsigned long long)got.field, (unsigned long long)w->field); \
			ok = false;                                                               \
		}                                                                                 \
	} while (0)

static void check_row(const struct row *r)
{
	const struct insn *w = &r->want;
	struct insn got;
	bool ok = true;

	if (insn_decode(r->bytes, r->len, r->mode, RIP, &got) != INSN_OK) {
		print_error("row '%s' does not decode\n", r->name);
		fail();
	}
	EQ(length);
	EQ(cls);
	EQ(op_size);
	EQ(addr_size);
	EQ(rep);
	EQ(repne);
	EQ(lock);
	EQ(seg_override);
	EQ(dr);
	EQ(reg.index);
	EQ(reg.size);
	EQ(reg.high8);
	EQ(reg2.index);
	EQ(reg2.size);
	EQ(has_mem);
	EQ(mem.base);
	EQ(mem.index);
	EQ(mem.scale);
	EQ(mem.seg);
	EQ(mem.size);
	EQ(mem.disp);
	EQ(has_imm);
	EQ(imm);
	assert_true(ok);
}

static void check_rows(const struct row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++)
		check_row(&rows[i]);
}

#define CHECK_ROWS(rows) check_rows(rows, sizeof(rows) / sizeof(rows[0]))

/** MOV in every size and direction, moffs, immediates, addressing forms. */
static void test_mov(void **state)
{
	static const struct row rows[] = {
		{ "mov [rdi], eax", M64, B("\x89\x07"),
		  X(.length = 2, .cls = INSN_MOV_STORE, .op_size = 4, .addr_size = 8,
		    .has_mem = true, .reg = GPR(INSN_RAX, 4),
		    .mem = AT(INSN_RDI, INSN_SEG_DS, 4)) },
		{ "mov [rbx], ah", M64, B("\x88\x23"),
		  X(.length = 2, .cls = INSN_MOV_STORE, .op_size = 1, .addr_size = 8,
		    .has_mem = true, .reg = HIGH8(INSN_RAX), .mem = AT(INSN_RBX, INSN_SEG_DS, 1)) },
		{ "mov [rbx], spl", M64, B("\x40\x88\x23"),
		  X(.length = 3, .cls = INSN_MOV_STORE, .op_size = 1, .addr_size = 8,
		    .has_mem = true, .reg = GPR(INSN_RSP, 1),
		    .mem = AT(INSN_RBX, INSN_SEG_DS, 1)) },
		{ "mov [rbx], r8b", M64, B("\x44\x88\x03"),
		  X(.length = 3, .cls = INSN_MOV_STORE, .op_size = 1, .addr_size = 8,
		    .has_mem = true, .reg = GPR(INSN_R8, 1), .mem = AT(INSN_RBX, INSN_SEG_DS, 1)) },
		{ "mov [rdi], ax", M64, B("\x66\x89\x07"),
		  X(.length = 3, .cls = INSN_MOV_STORE, .op_size = 2, .addr_size = 8,
		    .has_mem = true, .reg = GPR(INSN_RAX, 2),
		    .mem = AT(INSN_RDI, INSN_SEG_DS, 2)) },
		{ "mov [r13], r15", M64, B("\x4d\x89\x7d\x00"),
		  X(.length = 4, .cls = INSN_MOV_STORE, .op_size = 8, .addr_size = 8,
		    .has_mem = true, .reg = GPR(INSN_R15, 8),
		    .mem = AT(INSN_R13, INSN_SEG_DS, 8)) },
		{ "mov bh, [rdi]", M64, B("\x8a\x3f"),
		  X(.length = 2, .cls = INSN_MOV_LOAD, .op_size = 1, .addr_size = 8,
		    .has_mem = true, .reg = HIGH8(INSN_RBX), .mem = AT(INSN_RDI, INSN_SEG_DS, 1)) },
		{ "mov rax, [rbx+rcx*4+0x10]", M64, B("\x48\x8b\x44\x8b\x10"),
		  X(.length = 5, .cls = INSN_MOV_LOAD, .op_size = 8, .addr_size = 8,
		    .has_mem = true, .reg = GPR(INSN_RAX, 8),
		    .mem = MEM(INSN_RBX, INSN_RCX, 4, INSN_SEG_DS, 8, 0x10)) },
		{ "mov eax, [rbp-8]", M64, B("\x8b\x45\xf8"),
		  X(.length = 3, .cls = INSN_MOV_LOAD, .op_size = 4, .addr_size = 8,
		    .has_mem = true, .reg = GPR(INSN_RAX, 4),
		    .mem = MEM(INSN_RBP, NONE, 1, INSN_SEG_SS, 4, -8)) },
		{ "mov eax, [rsp]", M64, B("\x8b\x04\x24"),
		  X(.length = 3, .cls = INSN_MOV_LOAD, .op_size = 4, .addr_size = 8,
		    .has_mem = true, .reg = GPR(INSN_RAX, 4),
		    .mem = AT(INSN_RSP, INSN_SEG_SS, 4)) },
		{ "mov r9d, [r12+r14*8]", M64, B("\x47\x8b\x0c\xf4"),
		  X(.length = 4, .cls = INSN_MOV_LOAD, .op_size = 4, .addr_size = 8,
		    .has_mem = true, .reg = GPR(INSN_R9, 4),
		    .mem = MEM(INSN_R12, INSN_R14, 8, INSN_SEG_DS, 4, 0)) },
		{ "mov eax, [rip+0x10]", M64, B("\x8b\x05\x10\x00\x00\x00"),
		  X(.length = 6, .cls = INSN_MOV_LOAD, .op_size = 4, .addr_size = 8,
		    .has_mem = true, .reg = GPR(INSN_RAX, 4), .mem = ABS(4, RIP + 6 + 0x10)) },
		{ "mov qword [rip-4], imm32", M64,
		  B("\x48\xc7\x05\xfc\xff\xff\xff\x01\x00\x00\x00"),
		  X(.length = 11, .cls = INSN_MOV_STORE_IMM, .op_size = 8, .addr_size = 8,
		    .has_mem = true, .mem = ABS(8, RIP + 11 - 4), .has_imm = true, .imm = 1) },
		{ "mov rax, [moffs64]", M64, B("\x48\xa1\x11\x22\x33\x44\x55\x66\x77\x08"),
		  X(.length = 10, .cls = INSN_MOV_LOAD, .op_size = 8, .addr_size = 8,
		    .has_mem = true, .reg = GPR(INSN_RAX, 8),
		    .mem = ABS(8, 0x0877665544332211ULL)) },
		{ "mov [moffs64], al", M64, B("\xa2\x00\x10\x00\x00\x00\x00\x00\x00"),
		  X(.length = 9, .cls = INSN_MOV_STORE, .op_size = 1, .addr_size = 8,
		    .has_mem = true, .reg = GPR(INSN_RAX, 1), .mem = ABS(1, 0x1000)) },
		{ "mov byte [rdi], 0x7f", M64, B("\xc6\x07\x7f"),
		  X(.length = 3, .cls = INSN_MOV_STORE_IMM, .op_size = 1, .addr_size = 8,
		    .has_mem = true, .mem = AT(INSN_RDI, INSN_SEG_DS, 1), .has_imm = true,
		    .imm = 0x7f) },
		{ "mov word [rdi], 0x1234", M64, B("\x66\xc7\x07\x34\x12"),
		  X(.length = 5, .cls = INSN_MOV_STORE_IMM, .op_size = 2, .addr_size = 8,
		    .has_mem = true, .mem = AT(INSN_RDI, INSN_SEG_DS, 2), .has_imm = true,
		    .imm = 0x1234) },
		{ "mov qword [rdi], -1", M64, B("\x48\xc7\x07\xff\xff\xff\xff"),
		  X(.length = 7, .cls = INSN_MOV_STORE_IMM, .op_size = 8, .addr_size = 8,
		    .has_mem = true, .mem = AT(INSN_RDI, INSN_SEG_DS, 8), .has_imm = true,
		    .imm = ~0ULL) },
		{ "mov eax, gs:[rbx]", M64, B("\x65\x8b\x03"),
		  X(.length = 3, .cls = INSN_MOV_LOAD, .op_size = 4, .addr_size = 8,
		    .seg_override = INSN_SEG_GS, .has_mem = true, .reg = GPR(INSN_RAX, 4),
		    .mem = AT(INSN_RBX, INSN_SEG_GS, 4)) },
		{ "mov eax, [ebx] (67)", M64, B("\x67\x8b\x03"),
		  X(.length = 3, .cls = INSN_MOV_LOAD, .op_size = 4, .addr_size = 4,
		    .has_mem = true, .reg = GPR(INSN_RAX, 4),
		    .mem = AT(INSN_RBX, INSN_SEG_DS, 4)) },
	};

	(void)state;
	CHECK_ROWS(rows);
}

/** MOVZX, MOVSX, MOVSXD; their register forms and MOVs without memory are OTHER. */
static void test_extend_and_other_movs(void **state)
{
	static const struct row rows[] = {
		{ "movzx eax, byte [rdi]", M64, B("\x0f\xb6\x07"),
		  X(.length = 3, .cls = INSN_MOVZX, .op_size = 4, .addr_size = 8, .has_mem = true,
		    .reg = GPR(INSN_RAX, 4), .mem = AT(INSN_RDI, INSN_SEG_DS, 1)) },
		{ "movzx rax, word [rdi]", M64, B("\x48\x0f\xb7\x07"),
		  X(.length = 4, .cls = INSN_MOVZX, .op_size = 8, .addr_size = 8, .has_mem = true,
		    .reg = GPR(INSN_RAX, 8), .mem = AT(INSN_RDI, INSN_SEG_DS, 2)) },
		{ "movsx ax, byte [rdi]", M64, B("\x66\x0f\xbe\x07"),
		  X(.length = 4, .cls = INSN_MOVSX, .op_size = 2, .addr_size = 8, .has_mem = true,
		    .reg = GPR(INSN_RAX, 2), .mem = AT(INSN_RDI, INSN_SEG_DS, 1)) },
		{ "movsxd rax, dword [rdi]", M64, B("\x48\x63\x07"),
		  X(.length = 3, .cls = INSN_MOVSX, .op_size = 8, .addr_size = 8, .has_mem = true,
		    .reg = GPR(INSN_RAX, 8), .mem = AT(INSN_RDI, INSN_SEG_DS, 4)) },
		{ "movzx eax, al", M64, B("\x0f\xb6\xc0"),
		  X(.length = 3, .cls = INSN_OTHER, .op_size = 4, .addr_size = 8) },
		{ "mov eax, ecx", M64, B("\x89\xc8"),
		  X(.length = 2, .cls = INSN_OTHER, .op_size = 4, .addr_size = 8) },
		{ "mov [rbx], es", M64, B("\x8c\x03"),
		  X(.length = 2, .cls = INSN_OTHER, .op_size = 4, .addr_size = 8) },
		{ "mov cr0, rax", M64, B("\x0f\x22\xc0"),
		  X(.length = 3, .cls = INSN_OTHER, .op_size = 8, .addr_size = 8) },
		{ "movsd xmm0, [rdi] (SSE, not the string MOVSD)", M64, B("\xf2\x0f\x10\x07"),
		  X(.length = 4, .cls = INSN_MOVSD, .op_size = 4, .addr_size = 8, .has_mem = true,
		    .mem = AT(INSN_RDI, INSN_SEG_DS, 8)) },
		{ "mov dr7, rax", M64, B("\x0f\x23\xf8"),
		  X(.length = 3, .cls = INSN_MOV_TO_DR, .op_size = 8, .addr_size = 8, .dr = 7,
		    .reg = GPR(INSN_RAX, 8)) },
		{ "mov rcx, dr7", M64, B("\x0f\x21\xf9"),
		  X(.length = 3, .cls = INSN_MOV_FROM_DR, .op_size = 8, .addr_size = 8, .dr = 7,
		    .reg = GPR(INSN_RCX, 8)) },
		{ "mov eax, dr6 (32-bit)", M32, B("\x0f\x21\xf0"),
		  X(.length = 3, .cls = INSN_MOV_FROM_DR, .op_size = 4, .addr_size = 4, .dr = 6,
		    .reg = GPR(INSN_RAX, 4)) },
	};

	(void)state;
	CHECK_ROWS(rows);
}

/** MOVS, STOS, LODS: element size, REP/REPNE, the source segment override. */
static void test_string(void **state)
{
	static const struct row rows[] = {
		{ "movsb", M64, B("\xa4"),
		  X(.length = 1, .cls = INSN_MOVS, .op_size = 1, .addr_size = 8, .has_mem = true,
		    .mem = AT(INSN_RSI, INSN_SEG_DS, 1)) },
		{ "rep movsq", M64, B("\xf3\x48\xa5"),
		  X(.length = 3, .cls = INSN_MOVS, .op_size = 8, .addr_size = 8, .rep = true,
		    .has_mem = true, .mem = AT(INSN_RSI, INSN_SEG_DS, 8)) },
		{ "repne movsb", M64, B("\xf2\xa4"),
		  X(.length = 2, .cls = INSN_MOVS, .op_size = 1, .addr_size = 8, .repne = true,
		    .has_mem = true, .mem = AT(INSN_RSI, INSN_SEG_DS, 1)) },
		{ "movsb fs:[rsi]", M64, B("\x64\xa4"),
		  X(.length = 2, .cls = INSN_MOVS, .op_size = 1, .addr_size = 8,
		    .seg_override = INSN_SEG_FS, .has_mem = true,
		    .mem = AT(INSN_RSI, INSN_SEG_FS, 1)) },
		{ "rep movsb [edi], [esi]", M64, B("\x67\xf3\xa4"),
		  X(.length = 3, .cls = INSN_MOVS, .op_size = 1, .addr_size = 4, .rep = true,
		    .has_mem = true, .mem = AT(INSN_RSI, INSN_SEG_DS, 1)) },
		{ "rep stosb", M64, B("\xf3\xaa"),
		  X(.length = 2, .cls = INSN_STOS, .op_size = 1, .addr_size = 8, .rep = true,
		    .has_mem = true, .reg = GPR(INSN_RAX, 1),
		    .mem = AT(INSN_RDI, INSN_SEG_ES, 1)) },
		{ "stosw", M64, B("\x66\xab"),
		  X(.length = 2, .cls = INSN_STOS, .op_size = 2, .addr_size = 8, .has_mem = true,
		    .reg = GPR(INSN_RAX, 2), .mem = AT(INSN_RDI, INSN_SEG_ES, 2)) },
		{ "lodsd", M64, B("\xad"),
		  X(.length = 1, .cls = INSN_LODS, .op_size = 4, .addr_size = 8, .has_mem = true,
		    .reg = GPR(INSN_RAX, 4), .mem = AT(INSN_RSI, INSN_SEG_DS, 4)) },
		{ "rep movsw (real mode)", MRM, B("\xf3\xa5"),
		  X(.length = 2, .cls = INSN_MOVS, .op_size = 2, .addr_size = 2, .rep = true,
		    .has_mem = true, .mem = AT(INSN_RSI, INSN_SEG_DS, 2)) },
		{ "stosw (32-bit)", M32, B("\x66\xab"),
		  X(.length = 2, .cls = INSN_STOS, .op_size = 2, .addr_size = 4, .has_mem = true,
		    .reg = GPR(INSN_RAX, 2), .mem = AT(INSN_RDI, INSN_SEG_ES, 2)) },
	};

	(void)state;
	CHECK_ROWS(rows);
}

/** IN, OUT (imm8 and DX ports), INS, OUTS. */
static void test_port_io(void **state)
{
	static const struct row rows[] = {
		{ "in al, 0x60", M64, B("\xe4\x60"),
		  X(.length = 2, .cls = INSN_IN, .op_size = 1, .addr_size = 8,
		    .reg = GPR(INSN_RAX, 1), .has_imm = true, .imm = 0x60) },
		{ "in eax, dx", M64, B("\xed"),
		  X(.length = 1, .cls = INSN_IN, .op_size = 4, .addr_size = 8,
		    .reg = GPR(INSN_RAX, 4)) },
		{ "out 0x80, ax", M64, B("\x66\xe7\x80"),
		  X(.length = 3, .cls = INSN_OUT, .op_size = 2, .addr_size = 8,
		    .reg = GPR(INSN_RAX, 2), .has_imm = true, .imm = 0x80) },
		{ "out dx, al", M64, B("\xee"),
		  X(.length = 1, .cls = INSN_OUT, .op_size = 1, .addr_size = 8,
		    .reg = GPR(INSN_RAX, 1)) },
		{ "insb", M64, B("\x6c"),
		  X(.length = 1, .cls = INSN_INS, .op_size = 1, .addr_size = 8, .has_mem = true,
		    .mem = AT(INSN_RDI, INSN_SEG_ES, 1)) },
		{ "rep outsw", M64, B("\xf3\x66\x6f"),
		  X(.length = 3, .cls = INSN_OUTS, .op_size = 2, .addr_size = 8, .rep = true,
		    .has_mem = true, .mem = AT(INSN_RSI, INSN_SEG_DS, 2)) },
		{ "outsb cs:[esi] (32-bit)", M32, B("\x2e\x6e"),
		  X(.length = 2, .cls = INSN_OUTS, .op_size = 1, .addr_size = 4,
		    .seg_override = INSN_SEG_CS, .has_mem = true,
		    .mem = AT(INSN_RSI, INSN_SEG_CS, 1)) },
		{ "rep insd (16-bit)", M16, B("\x66\xf3\x6d"),
		  X(.length = 3, .cls = INSN_INS, .op_size = 4, .addr_size = 2, .rep = true,
		    .has_mem = true, .mem = AT(INSN_RDI, INSN_SEG_ES, 4)) },
	};

	(void)state;
	CHECK_ROWS(rows);
}

/** 16- and 32-bit addressing: BX+SI, BP's SS default, 66h and 67h. */
static void test_legacy_modes(void **state)
{
	static const struct row rows[] = {
		{ "mov [bx+si], ax", MRM, B("\x89\x00"),
		  X(.length = 2, .cls = INSN_MOV_STORE, .op_size = 2, .addr_size = 2,
		    .has_mem = true, .reg = GPR(INSN_RAX, 2),
		    .mem = MEM(INSN_RBX, INSN_RSI, 1, INSN_SEG_DS, 2, 0)) },
		{ "mov [bp+4], ax", MRM, B("\x89\x46\x04"),
		  X(.length = 3, .cls = INSN_MOV_STORE, .op_size = 2, .addr_size = 2,
		    .has_mem = true, .reg = GPR(INSN_RAX, 2),
		    .mem = MEM(INSN_RBP, NONE, 1, INSN_SEG_SS, 2, 4)) },
		{ "mov [bx], eax (66)", MRM, B("\x66\x89\x07"),
		  X(.length = 3, .cls = INSN_MOV_STORE, .op_size = 4, .addr_size = 2,
		    .has_mem = true, .reg = GPR(INSN_RAX, 4),
		    .mem = AT(INSN_RBX, INSN_SEG_DS, 4)) },
		{ "mov ax, [ebx] (67)", MRM, B("\x67\x8b\x03"),
		  X(.length = 3, .cls = INSN_MOV_LOAD, .op_size = 2, .addr_size = 4,
		    .has_mem = true, .reg = GPR(INSN_RAX, 2),
		    .mem = AT(INSN_RBX, INSN_SEG_DS, 2)) },
		{ "mov ax, [0x1234]", MRM, B("\xa1\x34\x12"),
		  X(.length = 3, .cls = INSN_MOV_LOAD, .op_size = 2, .addr_size = 2,
		    .has_mem = true, .reg = GPR(INSN_RAX, 2), .mem = ABS(2, 0x1234)) },
		{ "mov word [0x1234], 0x5678", M16, B("\xc7\x06\x34\x12\x78\x56"),
		  X(.length = 6, .cls = INSN_MOV_STORE_IMM, .op_size = 2, .addr_size = 2,
		    .has_mem = true, .mem = ABS(2, 0x1234), .has_imm = true, .imm = 0x5678) },
		{ "mov eax, [esp]", M32, B("\x8b\x04\x24"),
		  X(.length = 3, .cls = INSN_MOV_LOAD, .op_size = 4, .addr_size = 4,
		    .has_mem = true, .reg = GPR(INSN_RAX, 4),
		    .mem = AT(INSN_RSP, INSN_SEG_SS, 4)) },
		{ "mov [bx], eax (32-bit, 67)", M32, B("\x67\x89\x07"),
		  X(.length = 3, .cls = INSN_MOV_STORE, .op_size = 4, .addr_size = 2,
		    .has_mem = true, .reg = GPR(INSN_RAX, 4),
		    .mem = AT(INSN_RBX, INSN_SEG_DS, 4)) },
		{ "mov eax, [0x12345678]", M32, B("\xa1\x78\x56\x34\x12"),
		  X(.length = 5, .cls = INSN_MOV_LOAD, .op_size = 4, .addr_size = 4,
		    .has_mem = true, .reg = GPR(INSN_RAX, 4), .mem = ABS(4, 0x12345678)) },
		{ "push es (32-bit)", M32, B("\x06"),
		  X(.length = 1, .cls = INSN_OTHER, .op_size = 4, .addr_size = 4) },
	};

	(void)state;
	CHECK_ROWS(rows);
}

/** The exits vc/ cross-checks by class (STYLE 9), and their lengths. */
static void test_exit_classes(void **state)
{
	static const struct {
		const char *bytes;
		uint8_t len, cls;
	} rows[] = {
		{ "\x0f\xa2", 2, INSN_CPUID },
		{ "\x0f\x32", 2, INSN_RDMSR },
		{ "\x0f\x30", 2, INSN_WRMSR },
		{ "\x0f\x31", 2, INSN_RDTSC },
		{ "\x0f\x01\xf9", 3, INSN_RDTSCP },
		{ "\x0f\x09", 2, INSN_WBINVD },
		{ "\xf3\x0f\x09", 3, INSN_WBINVD },
		/* WBNOINVD */ { "\x0f\x08", 2, INSN_INVD },
		{ "\x0f\x01\xd1", 3, INSN_XSETBV },
		{ "\x0f\x01\xc8", 3, INSN_MONITOR },
		{ "\x0f\x01\xc9", 3, INSN_MWAIT },
		{ "\x0f\x01\xfa", 3, INSN_MONITOR },
		{ "\x0f\x01\xfb", 3, INSN_MWAIT },
		{ "\x0f\x01\xd9", 3, INSN_VMMCALL },
		{ "\xf3\x0f\x01\xd9", 4, INSN_VMGEXIT },
		{ "\xf2\xf3\x0f\x01\xd9", 5, INSN_VMGEXIT },
		{ "\xf3\xf2\x0f\x01\xd9", 5, INSN_VMMCALL },
		{ "\xf4", 1, INSN_HLT },
		{ "\x0f\x0b", 2, INSN_OTHER },
		{ "\xf2\x0f\x01\xff", 4, INSN_OTHER }, /* PVALIDATE: never a guest exit */
	};
	static const enum insn_mode modes[] = { M64, M32, M16, MRM };
	struct insn got;

	(void)state;
	for (size_t m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
		for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
			assert_int_equal(insn_decode((const uint8_t *)rows[i].bytes, rows[i].len,
						     modes[m], 0, &got),
					 INSN_OK);
			assert_int_equal(got.length, rows[i].len);
			assert_string_equal(insn_class_name(got.cls), insn_class_name(rows[i].cls));
		}
	}
}

/** #UD bytes, truncated bytes, over-long instructions, AMD branch lengths. */
static void test_status(void **state)
{
	uint8_t prefixes[16];
	struct insn got;

	(void)state;
	assert_int_equal(insn_decode(B("\xf0\x89\x07"), M64, 0, &got), INSN_INVALID);
	assert_int_equal(got.cls, INSN_OTHER);
	assert_int_equal(insn_decode(B("\x0f\x04"), M64, 0, &got), INSN_INVALID);
	assert_int_equal(insn_decode(B("\x06"), M64, 0, &got), INSN_INVALID);
	assert_int_equal(insn_decode(B("\x0f\x20\xe8"), M64, 0, &got), INSN_INVALID); /* cr5 */
	assert_int_equal(insn_decode(B("\x89"), M64, 0, &got), INSN_TRUNCATED);
	assert_int_equal(insn_decode(B("\x48\xa1\x00\x00"), M64, 0, &got), INSN_TRUNCATED);
	assert_int_equal(insn_decode(B(""), M64, 0, &got), INSN_TRUNCATED);
	assert_int_equal(insn_decode(B("\x89\x07"), (enum insn_mode)7, 0, &got), INSN_INVALID);

	for (size_t i = 0; i < sizeof(prefixes); i++)
		prefixes[i] = 0x66;
	assert_int_equal(insn_decode(prefixes, 15, M64, 0, &got), INSN_TOO_LONG);
	assert_int_equal(insn_decode(prefixes, 16, M64, 0, &got), INSN_TOO_LONG);
	prefixes[14] = 0x90; /* 14 prefixes and a NOP: 15 bytes, legal */
	assert_int_equal(insn_decode(prefixes, 16, M64, 0, &got), INSN_OK);
	assert_int_equal(got.length, 15);

	/* 66 E8 rel16: AMD honours 66h on near branches in 64-bit mode (APM 24594) */
	assert_int_equal(insn_decode(B("\x66\xe8\x00\x00\x00\x00"), M64, 0, &got), INSN_OK);
	assert_int_equal(got.length, 4);
}

static void test_class_names(void **state)
{
	(void)state;
	for (unsigned int c = 0; c < INSN_CLASS_COUNT; c++) {
		assert_non_null(insn_class_name(c));
		assert_string_not_equal(insn_class_name(c), "?");
	}
	assert_string_equal(insn_class_name(INSN_MOVS), "movs");
	assert_string_equal(insn_class_name(INSN_CLASS_COUNT), "?");
}

/** The mnemonic names an instruction of no class in a log line. */
static void test_mnemonic(void **state)
{
	struct insn got;

	(void)state;
	assert_int_equal(insn_decode(B("\xd9\x03"), M64, 0, &got), INSN_OK);
	assert_int_equal(got.cls, INSN_OTHER);
	assert_string_equal(insn_mnemonic(&got), "fld");
	assert_int_equal(insn_decode(B("\xc4\xe2\x28\xf2\x13"), M64, 0, &got), INSN_OK);
	assert_string_equal(insn_mnemonic(&got), "andn");
	got.mnemonic = 0xffff;
	assert_string_equal(insn_mnemonic(&got), "?");
}

/** touches_mem: explicit and implicit (stack) memory operands, not LEA's address. */
static void test_touches_mem(void **state)
{
	static const struct {
		const char *bytes;
		size_t len;
		bool mem;
	} rows[] = {
		{ "\xd9\x03", 2, true },     /* fld dword [rbx] */
		{ "\x89\x03", 2, true },     /* mov [rbx], eax */
		{ "\x50", 1, true },	     /* push rax: the stack */
		{ "\xa4", 1, true },	     /* movsb */
		{ "\x8d\x03", 2, false },    /* lea eax, [rbx] */
		{ "\x89\xc8", 2, false },    /* mov eax, ecx */
		{ "\x0f\x18\x0b", 3, true }, /* prefetcht0 [rbx] */
	};
	struct insn got;

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		assert_int_equal(
			insn_decode((const uint8_t *)rows[i].bytes, rows[i].len, M64, 0, &got),
			INSN_OK);
		assert_int_equal(got.touches_mem, rows[i].mem);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mov),	     cmocka_unit_test(test_extend_and_other_movs),
		cmocka_unit_test(test_string),	     cmocka_unit_test(test_port_io),
		cmocka_unit_test(test_legacy_modes), cmocka_unit_test(test_exit_classes),
		cmocka_unit_test(test_status),	     cmocka_unit_test(test_class_names),
		cmocka_unit_test(test_mnemonic),     cmocka_unit_test(test_touches_mem),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
