/* SPDX-License-Identifier: MIT */
/*
 * The fuzz targets' check of an invariant: a broken one traps, which
 * libFuzzer reports as a crash with the input that caused it (and which
 * ends a _replay build with SIGILL).
 */
#ifndef FUZZ_CHECK_H
#define FUZZ_CHECK_H

#define FUZZ_CHECK(cond)                  \
	do {                              \
		if (!(cond))              \
			__builtin_trap(); \
	} while (0)

#endif
