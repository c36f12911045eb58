/* SPDX-License-Identifier: MIT */
/*
 * Memory-backed emul_ops for the decoder/ tests and the fuzzer: a flat data
 * window and a code window at chosen guest-virtual addresses, a port model,
 * counters, and injected failures (STYLE 24).
 */
#ifndef TESTS_EMUL_HARNESS_H
#define TESTS_EMUL_HARNESS_H

#include <stddef.h>
#include <stdint.h>

#include "emul.h"

#define HARNESS_IO_LOG 64

/** #PF error code bits the harness reports (APM 24593 §8.4.2). */
#define HARNESS_PF_WRITE 0x2
#define HARNESS_PF_FETCH 0x10

struct harness_io {
	uint16_t port;
	uint8_t size;
	bool in;
	uint32_t val;
};

struct harness {
	uint64_t data_gva; /**< guest address of data[0] */
	uint8_t *data;
	size_t data_size;
	uint64_t code_gva; /**< guest address of code[0] */
	const uint8_t *code;
	size_t code_size;

	unsigned int reads, writes, fetches, io_count; /**< hook calls so far */
	struct harness_io io[HARNESS_IO_LOG];	       /**< the first port accesses */
	uint32_t in_val; /**< what the next port read returns; it then grows by 0x01010101 */

	unsigned int cas_calls; /**< cmpxchg_mem calls so far */
	/**
	 * Another CPU: each of the next cas_interfere cmpxchg_mem calls first
	 * adds 1 to the operand's first byte (so a compare that would have
	 * matched fails, and the engine must recompute).
	 */
	unsigned int cas_interfere;

	/**
	 * Fail the data access (read, write, compare-exchange or port) number
	 * fail_at (1-based; 0: never).
	 */
	unsigned int fail_at;
	enum emul_result fail_with; /**< EMUL_EXCEPTION raises #PF on the access's address */
	unsigned int accesses;
};

extern const struct emul_ops harness_ops;

void harness_init(struct harness *h, uint64_t data_gva, void *data, size_t data_size,
		  uint64_t code_gva, const void *code, size_t code_size);

/**
 * A context in flat 64-bit mode (CR0.PE|PG, EFER.LME|LMA, CS.L) at rip,
 * with opaque = h and every register and segment base zero.
 */
void harness_ctxt64(struct emul_ctxt *c, struct harness *h, uint64_t rip);

/** The same for real mode (every segment: selector base >> 4, limit 0xffff). */
void harness_ctxt_real(struct emul_ctxt *c, struct harness *h, uint64_t rip);

/** 32-bit protected mode with flat 4 GiB read/write data segments and a 32-bit CS. */
void harness_ctxt32(struct emul_ctxt *c, struct harness *h, uint64_t rip);

/**
 * Run until the instruction completes: on EMUL_RETRY commit out.gpr and
 * out.rflags into in (what vc/ does) and run again.  Returns the last result; *retries counts
 * the EMUL_RETRYs (may be NULL).
 */
enum emul_result harness_run(struct emul_ctxt *c, unsigned int *retries);

#endif /* TESTS_EMUL_HARNESS_H */
