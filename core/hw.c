/* SPDX-License-Identifier: MIT */
/* The bare-metal hw.h (encodings: APM vol. 3, protocol/sev.h). */
#include "core/hw.h"
#include "sev.h"

u32 hw_pvalidate(u64 va, bool size_2m, bool validate, bool *unchanged)
{
    u32 rc;
    u8 cf;
    __asm__ volatile(".byte " INSN_PVALIDATE_ASM "\n\tsetc %1"
                     : "=a"(rc), "=qm"(cf)
                     : "a"(va), "c"((u64)size_2m), "d"((u64)validate)
                     : "memory", "cc");
    *unchanged = cf;
    return rc;
}

u32 hw_rmpadjust(u64 va, bool size_2m, u64 attrs)
{
    u32 rc;
    __asm__ volatile(".byte " INSN_RMPADJUST_ASM
                     : "=a"(rc)
                     : "a"(va), "c"((u64)size_2m), "d"(attrs)
                     : "memory", "cc");
    return rc;
}

u64 hw_rdmsr(u32 msr)
{
    u32 lo, hi;
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return ((u64)hi << 32) | lo;
}

void hw_wrmsr(u32 msr, u64 val)
{
    __asm__ volatile("wrmsr" :: "c"(msr), "a"((u32)val), "d"((u32)(val >> 32)) : "memory");
}

u64 hw_vmgexit_msr(u64 msr_value)
{
    hw_wrmsr(MSR_SEV_ES_GHCB, msr_value);
    __asm__ volatile(".byte " INSN_VMGEXIT_ASM ::: "memory");
    return hw_rdmsr(MSR_SEV_ES_GHCB);
}

void hw_vmgexit(u64 ghcb_gpa)
{
    hw_wrmsr(MSR_SEV_ES_GHCB, ghcb_gpa);
    __asm__ volatile(".byte " INSN_VMGEXIT_ASM ::: "memory");
}

u64 hw_rdtsc(void)
{
    u32 lo, hi;
    __asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi) :: "memory");
    return ((u64)hi << 32) | lo;
}
