/* SPDX-License-Identifier: MIT */
/* lib/ string functions (host build, libc_ prefix) against glibc. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include <lib/string.h>

#include "test_rng.h"

#define BUF 320

static int sign(int x)
{
	return (x > 0) - (x < 0);
}

static void test_memcpy(void **state)
{
	unsigned char src[BUF], got[BUF], exp[BUF];

	(void)state;
	for (size_t n = 0; n < 260; n++) {
		size_t off = n % 8;

		test_rng_fill(src, BUF);
		test_rng_fill(got, BUF);
		memcpy(exp, got, BUF);
		memcpy(exp + off, src + 3, n);
		assert_ptr_equal(libc_memcpy(got + off, src + 3, n), got + off);
		assert_memory_equal(got, exp, BUF);
	}
}

static void test_memmove_overlap(void **state)
{
	unsigned char got[BUF], exp[BUF];

	(void)state;
	for (size_t d = 0; d < 40; d++) {
		for (size_t s = 0; s < 40; s++) {
			size_t n = 200 + (d * 7 + s) % 80;

			test_rng_fill(got, BUF);
			memcpy(exp, got, BUF);
			memmove(exp + d, exp + s, n);
			assert_ptr_equal(libc_memmove(got + d, got + s, n), got + d);
			assert_memory_equal(got, exp, BUF);
		}
	}
}

static void test_memset(void **state)
{
	unsigned char got[BUF], exp[BUF];
	const int values[] = { 0, 1, 0x7f, 0x80, 0xff, 0x1ab, -1 };

	(void)state;
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		for (size_t n = 0; n < 100; n += 9) {
			test_rng_fill(got, BUF);
			memcpy(exp, got, BUF);
			memset(exp + 5, values[i], n);
			assert_ptr_equal(libc_memset(got + 5, values[i], n), got + 5);
			assert_memory_equal(got, exp, BUF);
		}
	}
}

static void test_memcmp_memchr(void **state)
{
	unsigned char a[64], b[64];

	(void)state;
	for (int i = 0; i < 2000; i++) {
		size_t n = test_rng() % 64, at = test_rng() % 64;

		test_rng_fill(a, sizeof(a));
		memcpy(b, a, sizeof(b));
		b[at] = (unsigned char)test_rng(); /* often >= 0x80: must compare unsigned */
		assert_int_equal(sign(libc_memcmp(a, b, n)), sign(memcmp(a, b, n)));
		assert_ptr_equal(libc_memchr(a, b[at], n), memchr(a, b[at], n));
		assert_ptr_equal(libc_memchr(a, b[at] + 256, n), memchr(a, b[at] + 256, n));
	}
	assert_int_equal(libc_memcmp("a", "b", 0), 0);
	assert_true(libc_memcmp("\x80", "\x7f", 1) > 0);
	assert_null(libc_memchr("abc", 'a', 0));
}

static void test_strlen(void **state)
{
	static const char *const strs[] = { "", "a", "hello", "\xff\x80", "exactly sixteen!" };

	(void)state;
	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
		const char *s = strs[i];

		assert_int_equal(libc_strlen(s), strlen(s));
		for (size_t max = 0; max < 20; max++)
			assert_int_equal(libc_strnlen(s, max), strnlen(s, max));
	}
}

static const char *const cmp_strs[] = {
	"", "a", "b", "ab", "abc", "abd", "abcd", "\x80", "\x7f", "a\xff", "a\x01", "zzzz",
};

static void test_strcmp(void **state)
{
	const size_t count = sizeof(cmp_strs) / sizeof(cmp_strs[0]);

	(void)state;
	for (size_t i = 0; i < count; i++) {
		for (size_t j = 0; j < count; j++) {
			const char *a = cmp_strs[i], *b = cmp_strs[j];

			assert_int_equal(sign(libc_strcmp(a, b)), sign(strcmp(a, b)));
			for (size_t n = 0; n < 6; n++)
				assert_int_equal(sign(libc_strncmp(a, b, n)),
						 sign(strncmp(a, b, n)));
		}
	}
}

static void test_strchr(void **state)
{
	const char *s = "hello, world";
	const int chars[] = { 'h', 'o', 'l', 'd', 'x', '\0', 'o' + 256, 0x100 };

	(void)state;
	for (size_t i = 0; i < sizeof(chars) / sizeof(chars[0]); i++) {
		assert_ptr_equal(libc_strchr(s, chars[i]), strchr(s, chars[i]));
		assert_ptr_equal(libc_strrchr(s, chars[i]), strrchr(s, chars[i]));
	}
	assert_ptr_equal(libc_strchr(s, '\0'), s + strlen(s));
	assert_ptr_equal(libc_strrchr(s + 12, '\0'), s + 12);
	assert_null(libc_strrchr("", 'a'));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_memcpy), cmocka_unit_test(test_memmove_overlap),
		cmocka_unit_test(test_memset), cmocka_unit_test(test_memcmp_memchr),
		cmocka_unit_test(test_strlen), cmocka_unit_test(test_strcmp),
		cmocka_unit_test(test_strchr),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
