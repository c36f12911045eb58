/* SPDX-License-Identifier: MIT */
/*
 * Freestanding link check for zydis_fs + libc_fs.  Built with fs_c_args and
 * linked -nostdlib -Wl,--no-undefined, so any symbol the two archives need
 * beyond each other fails the build.  The result is a static x86-64 ELF with
 * no libc at all; the test runs it on the host (Linux syscalls for output and
 * exit) to check that the freestanding builds also decode and format.
 */
#include <Zydis/Zydis.h>
#include <lib/fmt.h>
#include <lib/sha384.h>
#include <lib/string.h>

#define SYS_WRITE      1
#define SYS_EXIT_GROUP 231

static long sys3(long nr, long a, long b, long c)
{
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a), "S"(b), "d"(c)
			 : "rcx", "r11", "memory");
	return ret;
}

static void say(const char *s)
{
	sys3(SYS_WRITE, 2, (long)s, (long)strlen(s));
}

/** 89 07 must decode as a 2-byte mov with the fs build of Zydis. */
static int check_decode(void)
{
	ZydisDecoder dec;
	ZydisDecodedInstruction insn;
	ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];

	if (!ZYAN_SUCCESS(
		    ZydisDecoderInit(&dec, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64)) ||
	    !ZYAN_SUCCESS(ZydisDecoderDecodeFull(&dec, "\x89\x07", 2, &insn, ops)))
		return 1;
	return insn.mnemonic != ZYDIS_MNEMONIC_MOV || insn.length != 2 ||
	       ops[0].mem.base != ZYDIS_REGISTER_RDI;
}

static int check_fmt_sha(void)
{
	static const uint8_t abc_head[4] = { 0xcb, 0x00, 0x75, 0x3f }; /* FIPS 180-2 D.1 */
	uint8_t digest[SHA384_DIGEST_SIZE];
	char buf[32];

	snprintf(buf, sizeof(buf), "%-4s|%08llx|%d", "ok", 0xbeefULL, -5);
	sha384("abc", 3, digest);
	return strcmp(buf, "ok  |0000beef|-5") != 0 || memcmp(digest, abc_head, 4) != 0;
}

__attribute__((noreturn, force_align_arg_pointer)) void _start(void);
__attribute__((noreturn, force_align_arg_pointer)) void _start(void)
{
	int fail = check_decode() | check_fmt_sha() << 1;

	say(fail ? "fs_link_check: FAIL\n" : "fs_link_check: ok\n");
	sys3(SYS_EXIT_GROUP, fail, 0, 0);
	__builtin_unreachable();
}
