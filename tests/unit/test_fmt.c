/* SPDX-License-Identifier: MIT */
/* lib/ printf family (host build, libc_ prefix) against glibc's snprintf. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

#include <lib/fmt.h>

#define OUT   512
#define GUARD 0x5a

/** Every buffer size that matters for truncation, relative to the full length. */
static void check_truncation(const char *fmt, va_list ap, int len)
{
	const int sizes[] = { 0, 1, 2, 5, len - 1, len, len + 1 };

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		char got[OUT + 8], exp[OUT + 8];
		size_t size = sizes[i] < 0 ? 0 : (size_t)sizes[i];
		va_list a1, a2;

		memset(got, GUARD, sizeof(got));
		memset(exp, GUARD, sizeof(exp));
		va_copy(a1, ap);
		va_copy(a2, ap);
		assert_int_equal(libc_vsnprintf(size ? got : NULL, size, fmt, a1), len);
		vsnprintf(size ? exp : NULL, size, fmt, a2);
		va_end(a1);
		va_end(a2);
		assert_memory_equal(got, exp, sizeof(got)); /* incl. nothing written past size */
	}
}

/** Formats with both implementations and fails on any difference. */
static void vcheck(const char *fmt, va_list ap)
{
	char got[OUT], exp[OUT];
	va_list a1, a2;
	int n_got, n_exp;

	va_copy(a1, ap);
	va_copy(a2, ap);
	n_got = libc_vsnprintf(got, sizeof(got), fmt, a1);
	n_exp = vsnprintf(exp, sizeof(exp), fmt, a2);
	va_end(a1);
	va_end(a2);
	if (n_got != n_exp || strcmp(got, exp) != 0)
		fail_msg("format \"%s\": got \"%s\" (%d), glibc \"%s\" (%d)", fmt, got, n_got, exp,
			 n_exp);
	check_truncation(fmt, ap, n_exp);
}

static void check(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vcheck(fmt, ap);
	va_end(ap);
}

static const int64_t int_values[] = {
	0,
	1,
	-1,
	7,
	42,
	-42,
	127,
	128,
	-128,
	255,
	256,
	32767,
	-32768,
	65535,
	65536,
	INT_MAX,
	INT_MIN,
	UINT_MAX,
	0x123456789abcdef0LL,
	-0x123456789abcdef0LL,
	INT64_MAX,
	INT64_MIN,
};

/** Calls check() with v passed as the type the length modifier names. */
static void check_typed(const char *fmt, const char *len, int is_signed, int64_t v)
{
	if (!strcmp(len, "l"))
		is_signed ? check(fmt, (long)v) : check(fmt, (unsigned long)v);
	else if (!strcmp(len, "ll"))
		is_signed ? check(fmt, (long long)v) : check(fmt, (unsigned long long)v);
	else if (!strcmp(len, "z"))
		is_signed ? check(fmt, (ssize_t)v) : check(fmt, (size_t)v);
	else if (!strcmp(len, "j"))
		is_signed ? check(fmt, (intmax_t)v) : check(fmt, (uintmax_t)v);
	else if (!strcmp(len, "t"))
		check(fmt, (ptrdiff_t)v);
	else
		is_signed ? check(fmt, (int)v) : check(fmt, (unsigned int)v);
}

static const char *const int_widths[] = { "", "1", "7", "24" };
static const char *const int_precs[] = { "", ".", ".0", ".1", ".5", ".23" };

/** "<%{flag}{width}{prec}{len}{conv}>" for every width, precision and value. */
static void check_int_fields(char conv, const char *len, const char *flag)
{
	char fmt[32];

	for (size_t w = 0; w < sizeof(int_widths) / sizeof(int_widths[0]); w++) {
		for (size_t p = 0; p < sizeof(int_precs) / sizeof(int_precs[0]); p++) {
			snprintf(fmt, sizeof(fmt), "<%%%s%s%s%s%c>", flag, int_widths[w],
				 int_precs[p], len, conv);
			for (size_t v = 0; v < sizeof(int_values) / sizeof(int_values[0]); v++)
				check_typed(fmt, len, conv == 'd' || conv == 'i', int_values[v]);
		}
	}
}

static void test_integers(void **state)
{
	static const char *const lens[] = { "hh", "h", "", "l", "ll", "z", "j", "t" };
	static const char *const flags[] = { "",   "-",	 "0",  "+",  " ",  "#",
					     "-0", "+0", " -", "#0", "-#", "+ " };

	(void)state;
	for (const char *c = "diuxXo"; *c; c++) {
		for (size_t l = 0; l < sizeof(lens) / sizeof(lens[0]); l++) {
			for (size_t f = 0; f < sizeof(flags) / sizeof(flags[0]); f++) {
				/* '#' with d/i/u is undefined (C11 7.21.6.1p6) */
				if (!strchr(flags[f], '#') || !strchr("diu", *c))
					check_int_fields(*c, lens[l], flags[f]);
			}
		}
	}
}

static void test_strings_chars(void **state)
{
	static const char *const fmts[] = { "%s",      "%10s", "%-10s", "%.3s", "%10.3s",
					    "%-10.3s", "%.0s", "%1s",	"%.20s" };
	static const char *const strs[] = { "", "a", "hello", "hello, world", "\xff\x80" };
	const char *null_str = NULL;

	(void)state;
	for (size_t f = 0; f < sizeof(fmts) / sizeof(fmts[0]); f++) {
		for (size_t s = 0; s < sizeof(strs) / sizeof(strs[0]); s++)
			check(fmts[f], strs[s]);
		check(fmts[f], null_str);
	}
	check("%c|%5c|%-5c|%c", 'x', 'y', 'z', 0x141);
	check("%c", 0);
	check("%%|%s%%%d|100%%", "a", 5);
	check("plain text, no conversion");
	check("");
}

static void test_pointers(void **state)
{
	static const char *const fmts[] = { "%p", "%20p", "%-20p", "%1p" };
	void *ptrs[] = { NULL, (void *)1, (void *)0xffff800000001000ULL, &ptrs };

	(void)state;
	for (size_t f = 0; f < sizeof(fmts) / sizeof(fmts[0]); f++)
		for (size_t p = 0; p < sizeof(ptrs) / sizeof(ptrs[0]); p++)
			check(fmts[f], ptrs[p]);
}

static void test_star(void **state)
{
	(void)state;
	for (int w = -12; w <= 12; w += 3) {
		for (int p = -2; p <= 8; p += 2) {
			check("[%*d]", w, -123);
			check("[%*.*x]", w, p, 0xbeef);
			check("[%0*.*d]", w, p, 77);
			check("[%.*s]", p, "abcdefghij");
			check("[%-*s]", w, "abc");
		}
	}
}

static void test_mixed(void **state)
{
	(void)state;
	check("%s=%#llx (%lu bytes) at %p, err %d%%", "rmp", 0xfffff000ULL, 4096UL, (void *)0x1000,
	      -22);
	check("%08x:%08x %-6s|%6s|", 0xdeadbeefU, 0U, "vc", "npf");
	check("%zu %zx %lld %llu", (size_t)-1, (size_t)4096, LLONG_MIN, ULLONG_MAX);
	check("%hhu %hhd %hu %hd", 300, 200, 70000, 40000);
}

/** What C leaves undefined: our documented behaviour, not glibc's. */
static void test_unknown_conversion(void **state)
{
	char buf[64];
	const char *f1 = "a%yb", *f2 = "end%", *f3 = "end%-5";

	(void)state;
	assert_int_equal(libc_snprintf(buf, sizeof(buf), f1, 1), 4);
	assert_string_equal(buf, "a%yb");
	assert_int_equal(libc_snprintf(buf, sizeof(buf), f2), 4);
	assert_string_equal(buf, "end%");
	assert_int_equal(libc_snprintf(buf, sizeof(buf), f3), 6);
	assert_string_equal(buf, "end%-5");
}

struct sink {
	char buf[64];
	size_t len;
};

static void sink_putc(char c, void *ctx)
{
	struct sink *s = ctx;

	if (s->len < sizeof(s->buf) - 1)
		s->buf[s->len++] = c;
}

static void test_callback(void **state)
{
	struct sink s = { .len = 0 };

	(void)state;
	assert_int_equal(fmt_printf(sink_putc, &s, "vcpu %u: %s %#x", 3u, "hlt", 0x78), 16);
	s.buf[s.len] = '\0';
	assert_string_equal(s.buf, "vcpu 3: hlt 0x78");
	assert_int_equal(s.len, 16);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_integers), cmocka_unit_test(test_strings_chars),
		cmocka_unit_test(test_pointers), cmocka_unit_test(test_star),
		cmocka_unit_test(test_mixed),	 cmocka_unit_test(test_unknown_conversion),
		cmocka_unit_test(test_callback),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
