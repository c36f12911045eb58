/* SPDX-License-Identifier: MIT */
/*
 * An exception for a guest: the one fault type of the paravisor, the
 * emulation engine and the code between them.  Vectors as APM vol. 2,
 * 8.2 "Vectors" (Table 8-1) numbers them.
 */
#ifndef PROTOCOL_X86_FAULT_H
#define PROTOCOL_X86_FAULT_H

#include <stdbool.h>
#include <stdint.h>

enum x86_vector {
	X86_VEC_DE = 0, /**< divide error */
	X86_VEC_DB = 1, /**< debug */
	X86_VEC_NMI = 2,
	X86_VEC_BP = 3,	     /**< breakpoint */
	X86_VEC_UD = 6,	     /**< invalid opcode, no error code */
	X86_VEC_NM = 7,	     /**< device not available */
	X86_VEC_DF = 8,	     /**< double fault */
	X86_VEC_TS = 10,     /**< invalid TSS */
	X86_VEC_NP = 11,     /**< segment not present */
	X86_VEC_SS = 12,     /**< stack fault, error code */
	X86_VEC_GP = 13,     /**< general protection, error code */
	X86_VEC_PF = 14,     /**< page fault, error code, CR2 */
	X86_VEC_MF = 16,     /**< x87 floating point */
	X86_VEC_AC = 17,     /**< alignment check */
	X86_VEC_XM = 19,     /**< SIMD floating point */
	X86_VEC_NONE = 0xff, /**< no fault */
};

struct x86_fault {
	uint8_t vector; /**< enum x86_vector */
	bool has_error; /**< the vector pushes an error code (#GP, #SS, #PF: yes; #UD: no) */
	uint32_t error;
	uint64_t cr2; /**< #PF: the faulting linear address */
};

static inline struct x86_fault x86_fault_gp(uint32_t error)
{
	return (struct x86_fault){ .vector = X86_VEC_GP, .has_error = true, .error = error };
}

static inline struct x86_fault x86_fault_ud(void)
{
	return (struct x86_fault){ .vector = X86_VEC_UD };
}

#endif
