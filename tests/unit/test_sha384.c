/* SPDX-License-Identifier: MIT */
/* lib/ SHA-384 against OpenSSL, one-shot and in random pieces. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include <lib/sha384.h>

#include "test_rng.h"

#define MIB (1024 * 1024)

static uint8_t *random_bytes(size_t n)
{
	uint8_t *p = malloc(n ? n : 1);

	assert_non_null(p);
	test_rng_fill(p, n);
	return p;
}

static void openssl_sha384(const void *data, size_t len, uint8_t out[SHA384_DIGEST_SIZE])
{
	unsigned int n = 0;

	assert_int_equal(EVP_Digest(data, len, out, &n, EVP_sha384(), NULL), 1);
	assert_int_equal(n, SHA384_DIGEST_SIZE);
}

/** sha384_update() fed in random-sized pieces, some of them empty. */
static void sha384_pieces(const uint8_t *data, size_t len, uint8_t out[SHA384_DIGEST_SIZE])
{
	struct sha384_ctx ctx;
	size_t done = 0;

	sha384_init(&ctx);
	while (done < len) {
		size_t n = test_rng() % 300;

		if (n > len - done)
			n = len - done;
		sha384_update(&ctx, data + done, n);
		done += n;
	}
	sha384_final(&ctx, out);
}

static void check_length(size_t len)
{
	uint8_t *data = random_bytes(len);
	uint8_t exp[SHA384_DIGEST_SIZE], got[SHA384_DIGEST_SIZE];

	openssl_sha384(data, len, exp);
	sha384(data, len, got);
	assert_memory_equal(got, exp, sizeof(exp));
	sha384_pieces(data, len, got);
	assert_memory_equal(got, exp, sizeof(exp));
	free(data);
}

/** The padding boundaries: 111 and 112 bytes decide whether a second block is needed. */
static void test_block_edges(void **state)
{
	static const size_t lens[] = { 0,   1,	 2,   55,  56,	63,  64,  110, 111,  112, 113,
				       127, 128, 129, 239, 240, 255, 256, 257, 1000, 4096 };

	(void)state;
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++)
		check_length(lens[i]);
}

static void test_random_lengths(void **state)
{
	(void)state;
	for (int i = 0; i < 200; i++)
		check_length(test_rng() % 5000);
}

static void test_one_mib(void **state)
{
	(void)state;
	check_length(MIB);
	check_length(MIB - 17);
}

/** FIPS 180-2 appendix D.1 ("abc"): independent of OpenSSL. */
static void test_known_answer(void **state)
{
	static const uint8_t abc[SHA384_DIGEST_SIZE] = {
		0xcb, 0x00, 0x75, 0x3f, 0x45, 0xa3, 0x5e, 0x8b, 0xb5, 0xa0, 0x3d, 0x69,
		0x9a, 0xc6, 0x50, 0x07, 0x27, 0x2c, 0x32, 0xab, 0x0e, 0xde, 0xd1, 0x63,
		0x1a, 0x8b, 0x60, 0x5a, 0x43, 0xff, 0x5b, 0xed, 0x80, 0x86, 0x07, 0x2b,
		0xa1, 0xe7, 0xcc, 0x23, 0x58, 0xba, 0xec, 0xa1, 0x34, 0xc8, 0x25, 0xa7,
	};
	uint8_t got[SHA384_DIGEST_SIZE];

	(void)state;
	sha384("abc", 3, got);
	assert_memory_equal(got, abc, sizeof(abc));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_answer),
		cmocka_unit_test(test_block_edges),
		cmocka_unit_test(test_random_lengths),
		cmocka_unit_test(test_one_mib),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
