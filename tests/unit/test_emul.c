/* SPDX-License-Identifier: MIT */
/*
 * Emulation against native (STYLE 23, Xen's blobs[]): each form runs on
 * this CPU on a buffer, with every GPR but RSP and RFLAGS loaded from a
 * struct cpu; then the same bytes run through emul_decode/emul_execute on a
 * copy of the buffer with memory-backed ops (REP forms with a small budget,
 * through EMUL_RETRY).  Registers, RFLAGS, next RIP and memory must match.
 * x86-64 Linux hosts only (inline asm, MAP_32BIT for the 67h forms).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <sys/mman.h>
#include <cmocka.h>

#include "emul_harness.h"
#include "emul_native.h"

#define PAGE	    4096
#define DATA_SIZE   (3 * PAGE)
#define FLAGS_ARITH 0x8d5ULL /* CF PF AF ZF SF OF: set, to see them kept */
#define FLAGS_DF    0x400ULL

/** One form: bytes and how to start. */
struct form {
	const char *name;
	uint8_t bytes[16];
	uint8_t len;
	uint64_t rcx; /**< count or index */
	bool df;
	uint16_t rsi, rdi;  /**< offsets in the data pages (0: 0x800 and 0x1000) */
	uint64_t hi;	    /**< ORed into RBX, RCX, RSI, RDI: 67h forms must ignore it */
	uint32_t rep_limit; /**< 0: 3, so REP forms go through EMUL_RETRY */
};

#define F(n, b, ...)                                                       \
	{                                                                  \
		.name = (n), .bytes = b, .len = sizeof(b) - 1, __VA_ARGS__ \
	}

/** Page 0: code; pages 1-3: data.  Below 2 GiB for the 67h forms. */
static uint8_t *region;
static uint8_t shadow[DATA_SIZE];

static uint8_t *data_pages(void)
{
	return region + PAGE;
}

static void form_cpu(const struct form *f, struct cpu *cpu)
{
	uint64_t data = (uint64_t)data_pages();

	for (unsigned int i = 0; i < INSN_GPR_COUNT; i++)
		cpu->gpr[i] = 0x8877665544332211ULL * (i + 1) ^ 0x0123456789abcdefULL;
	cpu->gpr[INSN_RBX] = (data + 0x100) | f->hi;
	cpu->gpr[INSN_RSI] = (data + (f->rsi ? f->rsi : 0x800)) | f->hi;
	cpu->gpr[INSN_RDI] = (data + (f->rdi ? f->rdi : 0x1000)) | f->hi;
	cpu->gpr[INSN_RCX] = f->rcx | f->hi;
	cpu->gpr[INSN_R13] = data + 0x300;
	cpu->rflags = NATIVE_FLAGS_FIXED | FLAGS_ARITH | (f->df ? FLAGS_DF : 0);
}

static bool same_cpu(const char *name, const struct cpu *native, const struct emul_ctxt *c)
{
	bool ok = true;

	for (unsigned int i = 0; i < INSN_GPR_COUNT; i++) {
		if (i == INSN_RSP || native->gpr[i] == c->out.gpr[i])
			continue;
		print_error("%s: gpr %u native %#llx emulated %#llx\n", name, i,
			    (unsigned long long)native->gpr[i], (unsigned long long)c->out.gpr[i]);
		ok = false;
	}
	if (native->rflags != c->out.rflags) {
		print_error("%s: rflags native %#llx emulated %#llx\n", name,
			    (unsigned long long)native->rflags, (unsigned long long)c->out.rflags);
		ok = false;
	}
	if (memcmp(data_pages(), shadow, DATA_SIZE) != 0) {
		print_error("%s: memory differs\n", name);
		ok = false;
	}
	return ok;
}

/** Run f natively and emulated; true when both agree. */
static bool check_form(const struct form *f)
{
	struct cpu init, native;
	struct harness h;
	struct emul_ctxt c;
	enum emul_result r;

	for (unsigned int i = 0; i < DATA_SIZE; i++)
		data_pages()[i] = (uint8_t)(i * 0x9d + 0x5b);
	memcpy(shadow, data_pages(), DATA_SIZE);
	memcpy(region, f->bytes, f->len);
	region[f->len] = 0xc3; /* ret */
	form_cpu(f, &init);
	native = init;
	native_run(&native, region, NULL);

	harness_init(&h, (uint64_t)data_pages(), shadow, DATA_SIZE, (uint64_t)region, region, PAGE);
	harness_ctxt64(&c, &h, (uint64_t)region);
	memcpy(c.in.gpr, init.gpr, sizeof(c.in.gpr));
	c.in.rflags = init.rflags;
	c.in.rep_limit = f->rep_limit ? f->rep_limit : 3;
	r = harness_run(&c, NULL);
	if (r != EMUL_OK || c.out.rip != (uint64_t)region + f->len) {
		print_error("%s: result %d, rip %#llx\n", f->name, r,
			    (unsigned long long)c.out.rip);
		return false;
	}
	return same_cpu(f->name, &native, &c);
}

static void check_forms(const struct form *forms, size_t n)
{
	bool ok = true;

	for (size_t i = 0; i < n; i++)
		ok &= check_form(&forms[i]);
	assert_true(ok);
}

#define CHECK_FORMS(forms) check_forms(forms, sizeof(forms) / sizeof(forms[0]))

/** MOV to memory: every size, AH, REX byte registers, SIB and displacement, imm. */
static void test_mov_store(void **state)
{
	static const struct form forms[] = {
		F("mov [rbx], al", "\x88\x03"),
		F("mov [rbx], ah", "\x88\x23"),
		F("mov [rbx], r8b", "\x44\x88\x03"),
		F("mov [rbx], sil", "\x40\x88\x33"),
		F("mov [rbx], ax", "\x66\x89\x03"),
		F("mov [rbx], eax", "\x89\x03"),
		F("mov [rbx], rax", "\x48\x89\x03"),
		F("mov [rbx+8], r15", "\x4c\x89\x7b\x08"),
		F("mov [rbx+rcx*4+0x10], eax", "\x89\x44\x8b\x10", .rcx = 5),
		F("mov [rbx+rcx*2+0x100], ax", "\x66\x89\x84\x4b\x00\x01\x00\x00", .rcx = 7),
		F("mov [r13-0x10], edx", "\x41\x89\x55\xf0"),
		F("mov [ebx], eax (67)", "\x67\x89\x03", .hi = 0xdead00000000ULL),
		F("mov byte [rbx], 0x80", "\xc6\x03\x80"),
		F("mov word [rbx], 0x9234", "\x66\xc7\x03\x34\x92"),
		F("mov dword [rbx], 0xf2345678", "\xc7\x03\x78\x56\x34\xf2"),
		F("mov qword [rbx], -0x80000000", "\x48\xc7\x03\x00\x00\x00\x80"),
		F("mov qword [rbx], 0x7fffffff", "\x48\xc7\x03\xff\xff\xff\x7f"),
	};

	(void)state;
	CHECK_FORMS(forms);
}

/** MOV from memory: 32-bit writes zero-extend, 8/16-bit writes keep the rest. */
static void test_mov_load(void **state)
{
	static const struct form forms[] = {
		F("mov al, [rbx]", "\x8a\x03"),
		F("mov bh, [rsi]", "\x8a\x3e"),
		F("mov sil, [rbx]", "\x40\x8a\x33"),
		F("mov r9b, [rbx]", "\x44\x8a\x0b"),
		F("mov ax, [rbx]", "\x66\x8b\x03"),
		F("mov eax, [rbx]", "\x8b\x03"),
		F("mov rax, [rbx]", "\x48\x8b\x03"),
		F("mov r8, [rbx-8]", "\x4c\x8b\x43\xf8"),
		F("mov r9d, [rbx+rcx*4]", "\x44\x8b\x0c\x8b", .rcx = 9),
		F("mov edx, [r13+rcx*8+0x20]", "\x41\x8b\x54\xcd\x20", .rcx = 3),
		F("mov eax, [ebx] (67)", "\x67\x8b\x03", .hi = 0xdead00000000ULL),
		F("mov rcx, [ebx+ecx] (67)", "\x67\x48\x8b\x0c\x0b", .rcx = 0x40,
		  .hi = 0xdead00000000ULL),
	};

	(void)state;
	CHECK_FORMS(forms);
}

/** MOVZX, MOVSX, MOVSXD from memory bytes with the top bit set and clear. */
static void test_movzx_movsx(void **state)
{
	static const struct form forms[] = {
		F("movzx eax, byte [rbx]", "\x0f\xb6\x03"),
		F("movzx ax, byte [rbx]", "\x66\x0f\xb6\x03"),
		F("movzx rax, byte [rbx+1]", "\x48\x0f\xb6\x43\x01"),
		F("movzx eax, word [rbx]", "\x0f\xb7\x03"),
		F("movzx r15, word [rbx+3]", "\x4c\x0f\xb7\x7b\x03"),
		F("movsx eax, byte [rbx]", "\x0f\xbe\x03"),
		F("movsx eax, byte [rbx+1]", "\x0f\xbe\x43\x01"),
		F("movsx ax, byte [rbx]", "\x66\x0f\xbe\x03"),
		F("movsx rax, byte [rbx]", "\x48\x0f\xbe\x03"),
		F("movsx eax, word [rbx]", "\x0f\xbf\x03"),
		F("movsx rdx, word [rbx+2]", "\x48\x0f\xbf\x53\x02"),
		F("movsxd rax, dword [rbx]", "\x48\x63\x03"),
		F("movsxd rax, dword [rbx+2]", "\x48\x63\x43\x02"),
		F("movsxd eax, dword [rbx] (no REX.W)", "\x63\x03"),
	};

	(void)state;
	CHECK_FORMS(forms);
}

/** MOVS, with and without REP (F3 and F2), both directions, overlap, 67h. */
static void test_movs(void **state)
{
	static const struct form forms[] = {
		F("movsb", "\xa4"),
		F("movsw", "\x66\xa5"),
		F("movsd", "\xa5"),
		F("movsq", "\x48\xa5"),
		F("movsq (DF=1)", "\x48\xa5", .df = true),
		F("rep movsb", "\xf3\xa4", .rcx = 16),
		F("rep movsb (DF=1)", "\xf3\xa4", .rcx = 16, .df = true),
		F("rep movsw", "\xf3\x66\xa5", .rcx = 9),
		F("rep movsd (DF=1)", "\xf3\xa5", .rcx = 7, .df = true),
		F("rep movsq", "\xf3\x48\xa5", .rcx = 5),
		F("rep movsb, rcx = 0", "\xf3\xa4", .rcx = 0),
		F("repne movsb", "\xf2\xa4", .rcx = 4),
		F("rep movsb overlapping", "\xf3\xa4", .rcx = 40, .rsi = 0x800, .rdi = 0x801),
		F("rep movsd overlapping (DF=1)", "\xf3\xa5", .rcx = 10, .rsi = 0x800, .rdi = 0x802,
		  .df = true),
		F("rep movsb (67)", "\x67\xf3\xa4", .rcx = 6, .hi = 0xdead00000000ULL),
		F("rep movsq, one call", "\xf3\x48\xa5", .rcx = 100, .rep_limit = 256),
	};

	(void)state;
	CHECK_FORMS(forms);
}

/** STOS and LODS, with and without REP. */
static void test_stos_lods(void **state)
{
	static const struct form forms[] = {
		F("stosb", "\xaa"),
		F("stosw", "\x66\xab"),
		F("stosd (DF=1)", "\xab", .df = true),
		F("stosq", "\x48\xab"),
		F("rep stosb", "\xf3\xaa", .rcx = 33),
		F("rep stosq (DF=1)", "\xf3\x48\xab", .rcx = 4, .df = true),
		F("rep stosd (67)", "\x67\xf3\xab", .rcx = 5, .hi = 0xdead00000000ULL),
		F("lodsb", "\xac"),
		F("lodsw", "\x66\xad"),
		F("lodsd", "\xad"),
		F("lodsq (DF=1)", "\x48\xad", .df = true),
		F("rep lodsb", "\xf3\xac", .rcx = 3),
	};

	(void)state;
	CHECK_FORMS(forms);
}

/** Forms whose bytes hold addresses: RIP-relative and moffs. */
static void test_rip_relative_and_moffs(void **state)
{
	uint64_t target = (uint64_t)data_pages() + 0x40;
	struct form forms[] = {
		F("mov eax, [rip+d]", "\x8b\x05\0\0\0\0"),
		F("mov [rip+d], ecx", "\x89\x0d\0\0\0\0"),
		F("mov qword [rip+d], imm32", "\x48\xc7\x05\0\0\0\0\x88\x99\xaa\xbb"),
		F("mov rax, [moffs64]", "\x48\xa1\0\0\0\0\0\0\0\0"),
		F("mov [moffs64], al", "\xa2\0\0\0\0\0\0\0\0"),
		F("mov [moffs64], ax", "\x66\xa3\0\0\0\0\0\0\0\0"),
		F("mov eax, [moffs32] (67)", "\x67\xa1\0\0\0\0"),
	};
	bool ok = true;

	(void)state;
	for (size_t i = 0; i < 3; i++) {
		/* disp32 sits after the ModRM byte, relative to the next instruction */
		int32_t disp = (int32_t)(target - ((uint64_t)region + forms[i].len));
		size_t at = forms[i].bytes[0] == 0x48 ? 3 : 2;

		memcpy(&forms[i].bytes[at], &disp, 4);
	}
	for (size_t i = 3; i < sizeof(forms) / sizeof(forms[0]); i++) {
		/* the moffs follows the opcode (and a 48/66/67 prefix) */
		size_t at = forms[i].bytes[0] == 0xa2 ? 1 : 2;

		memcpy(&forms[i].bytes[at], &target, forms[i].len - at);
	}
	for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++)
		ok &= check_form(&forms[i]);
	assert_true(ok);
}

static int setup(void **state)
{
	(void)state;
	region = mmap(NULL, PAGE + DATA_SIZE, PROT_READ | PROT_WRITE | PROT_EXEC,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
	return region == MAP_FAILED ? -1 : 0;
}

static int teardown(void **state)
{
	(void)state;
	return munmap(region, PAGE + DATA_SIZE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mov_store),   cmocka_unit_test(test_mov_load),
		cmocka_unit_test(test_movzx_movsx), cmocka_unit_test(test_movs),
		cmocka_unit_test(test_stos_lods),   cmocka_unit_test(test_rip_relative_and_moffs),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
