/* SPDX-License-Identifier: MIT */
/* Deterministic test data for the unit tests: xorshift64 with a fixed seed. */
#ifndef TEST_RNG_H
#define TEST_RNG_H

#include <stddef.h>
#include <stdint.h>

static uint64_t test_rng_state = 0x9e3779b97f4a7c15ULL;

static inline uint64_t test_rng(void)
{
	test_rng_state ^= test_rng_state << 13;
	test_rng_state ^= test_rng_state >> 7;
	test_rng_state ^= test_rng_state << 17;
	return test_rng_state;
}

static inline void test_rng_fill(void *buf, size_t n)
{
	uint8_t *p = buf;

	while (n--)
		*p++ = (uint8_t)test_rng();
}

#endif /* TEST_RNG_H */
