/* SPDX-License-Identifier: MIT */
/* The bare-metal hw.h (encodings: APM vol. 3, protocol/sev.h). */
#include "core/hw.h"
#include "sev.h"

uint32_t hw_pvalidate(uint64_t va, bool size_2m, bool validate, bool *unchanged)
{
	uint32_t rc;
	uint8_t cf;
	__asm__ volatile(".byte " INSN_PVALIDATE_ASM "\n\tsetc %1"
			 : "=a"(rc), "=qm"(cf)
			 : "a"(va), "c"((uint64_t)size_2m), "d"((uint64_t)validate)
			 : "memory", "cc");
	*unchanged = cf;
	return rc;
}

uint32_t hw_rmpadjust(uint64_t va, bool size_2m, uint64_t attrs)
{
	uint32_t rc;
	__asm__ volatile(".byte " INSN_RMPADJUST_ASM
			 : "=a"(rc)
			 : "a"(va), "c"((uint64_t)size_2m), "d"(attrs)
			 : "memory", "cc");
	return rc;
}

uint64_t hw_rdmsr(uint32_t msr)
{
	uint32_t lo, hi;
	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

void hw_wrmsr(uint32_t msr, uint64_t val)
{
	__asm__ volatile("wrmsr" ::"c"(msr), "a"((uint32_t)val), "d"((uint32_t)(val >> 32))
			 : "memory");
}

uint64_t hw_vmgexit_msr(uint64_t msr_value)
{
	hw_wrmsr(MSR_SEV_ES_GHCB, msr_value);
	__asm__ volatile(".byte " INSN_VMGEXIT_ASM ::: "memory");
	return hw_rdmsr(MSR_SEV_ES_GHCB);
}

void hw_vmgexit(uint64_t ghcb_gpa)
{
	hw_wrmsr(MSR_SEV_ES_GHCB, ghcb_gpa);
	__asm__ volatile(".byte " INSN_VMGEXIT_ASM ::: "memory");
}

uint64_t hw_rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi)::"memory");
	return ((uint64_t)hi << 32) | lo;
}
