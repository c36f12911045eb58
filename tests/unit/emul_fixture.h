/* SPDX-License-Identifier: MIT */
/*
 * A small emulation fixture for the decoder/ tests that need no native run:
 * 256 bytes of data and up to 32 bytes of code at chosen guest addresses.
 */
#ifndef TESTS_EMUL_FIXTURE_H
#define TESTS_EMUL_FIXTURE_H

#include <string.h>

#include "emul_harness.h"

struct fixture {
	struct harness h;
	struct emul_ctxt c;
	uint8_t data[256];
	uint8_t code[32];
};

/**
 * Data bytes are i ^ 0xa5; the code is bytes[0..len) at code_gva, then
 * zeros: the code window is all 32 bytes (set h.code_size to cut it).
 */
static inline void fixture_init(struct fixture *f, uint64_t data_gva, uint64_t code_gva,
				const char *bytes, size_t len)
{
	for (size_t i = 0; i < sizeof(f->data); i++)
		f->data[i] = (uint8_t)(i ^ 0xa5);
	memset(f->code, 0, sizeof(f->code));
	memcpy(f->code, bytes, len);
	harness_init(&f->h, data_gva, f->data, sizeof(f->data), code_gva, f->code, sizeof(f->code));
}

/** Flat 64-bit mode, data at 0x10000, code at 0x400000, RBX = RSI = RDI = 0x10040. */
static inline void fixture64(struct fixture *f, const char *bytes, size_t len)
{
	fixture_init(f, 0x10000, 0x400000, bytes, len);
	harness_ctxt64(&f->c, &f->h, 0x400000);
	f->c.in.gpr[INSN_RBX] = f->c.in.gpr[INSN_RSI] = f->c.in.gpr[INSN_RDI] = 0x10040;
}

#define FIX64(f, s) fixture64((f), (s), sizeof(s) - 1)

/** Real mode, DS base 0x12300 (the data window), CS base 0xf0000, IP 0x100. */
static inline void fixture_real(struct fixture *f, const char *bytes, size_t len)
{
	fixture_init(f, 0x12300, 0xf0100, bytes, len);
	harness_ctxt_real(&f->c, &f->h, 0x100);
	f->c.in.seg[INSN_SEG_CS] = (struct emul_seg){ 0xf000, 0x9b, 0xffff, 0xf0000 };
	for (unsigned int s = 0; s < INSN_SEG_COUNT; s++)
		if (s != INSN_SEG_CS)
			f->c.in.seg[s] = (struct emul_seg){ 0x1230, 0x93, 0xffff, 0x12300 };
}

#define REAL(f, s) fixture_real((f), (s), sizeof(s) - 1)

/** 32-bit flat protected mode, data at 0x10000, code at 0x400000. */
static inline void fixture32(struct fixture *f, const char *bytes, size_t len)
{
	fixture_init(f, 0x10000, 0x400000, bytes, len);
	harness_ctxt32(&f->c, &f->h, 0x400000);
	f->c.in.gpr[INSN_RBX] = f->c.in.gpr[INSN_RSP] = 0x10040;
}

#define PROT32(f, s) fixture32((f), (s), sizeof(s) - 1)

/** Assert an exception with its vector, error code and (for #PF) cr2. */
#define assert_fault(c, r, vec, ec, addr)                       \
	do {                                                    \
		assert_int_equal((r), EMUL_EXCEPTION);          \
		assert_int_equal((c)->out.fault.vector, (vec)); \
		assert_int_equal((c)->out.fault.error, (ec));   \
		assert_int_equal((c)->out.fault.cr2, (addr));   \
		assert_int_equal((c)->out.rip, (c)->in.rip);    \
	} while (0)

/**
 * LOCK where it cannot go is #UD with no access: each of @rows (64-bit
 * bytes with F0) from the decoder, and each of @classes forced with lock set
 * on a caller-supplied decode of @base (64-bit bytes, @base_len long).
 */
static inline void assert_lock_ud(const char *const *rows, size_t nrows, const uint8_t *classes,
				  size_t nclasses, const char *base, size_t base_len)
{
	struct fixture f;

	for (size_t i = 0; i < nrows; i++) {
		fixture64(&f, rows[i], strlen(rows[i]));
		assert_fault(&f.c, emul_execute(&f.c, &harness_ops), X86_VEC_UD, 0, 0);
		assert_false(f.c.out.fault.has_error);
		assert_int_equal(f.h.reads + f.h.writes + f.h.cas_calls, 0);
	}
	for (size_t i = 0; i < nclasses; i++) {
		fixture64(&f, base, base_len);
		assert_int_equal(emul_decode(&f.c, &harness_ops), EMUL_OK);
		f.c.insn.cls = classes[i];
		f.c.insn.lock = true;
		assert_fault(&f.c, emul_execute(&f.c, &harness_ops), X86_VEC_UD, 0, 0);
		assert_int_equal(f.h.reads + f.h.writes + f.h.cas_calls, 0);
	}
}

#endif /* TESTS_EMUL_FIXTURE_H */
