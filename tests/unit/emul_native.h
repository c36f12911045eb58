/* SPDX-License-Identifier: MIT */
/*
 * Running guest bytes on this CPU for the differential decoder/ tests
 * (x86-64 hosts only): every GPR but RSP, RFLAGS and optionally YMM0-15
 * loaded from a struct, the bytes called (they end in RET), the same
 * stored back.
 */
#ifndef TESTS_EMUL_NATIVE_H
#define TESTS_EMUL_NATIVE_H

#include <stdint.h>

#include "insn.h"

/** Flags user mode keeps set: bit 1 and IF (user mode cannot clear it). */
#define NATIVE_FLAGS_FIXED 0x202ULL

struct cpu {
	uint64_t gpr[INSN_GPR_COUNT]; /**< RSP is neither loaded nor stored */
	uint64_t rflags;
};

/**
 * Load cpu (and, when vec is not NULL, YMM0-15 from vec[16][32]), call
 * code, store them back.  The bytes must keep RSP balanced and return.
 */
void native_run(struct cpu *cpu, const void *code, void *vec);

#endif /* TESTS_EMUL_NATIVE_H */
