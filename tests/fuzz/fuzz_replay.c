/* SPDX-License-Identifier: MIT */
/*
 * A main() for fuzz targets built without libFuzzer (any C compiler): feed
 * LLVMFuzzerTestOneInput a deterministic stream of pseudo-random inputs.
 * Usage: fuzz_<name>_replay [COUNT] [SEED]   (defaults 200000 and 1)
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/** xorshift64*: small, deterministic, good enough to spread bits. */
static uint64_t replay_next(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dULL;
}

int main(int argc, char **argv)
{
	unsigned long count = argc > 1 ? strtoul(argv[1], NULL, 0) : 200000;
	uint64_t s = argc > 2 ? strtoull(argv[2], NULL, 0) : 1;
	uint8_t buf[600];

	s = s * 0x9e3779b97f4a7c15ULL + 1;
	for (unsigned long i = 0; i < count; i++) {
		size_t len = (size_t)(replay_next(&s) % sizeof(buf));

		for (size_t j = 0; j < len; j++)
			buf[j] = (uint8_t)(replay_next(&s) >> 56);
		LLVMFuzzerTestOneInput(buf, len);
	}
	printf("replayed %lu inputs\n", count);
	return 0;
}
