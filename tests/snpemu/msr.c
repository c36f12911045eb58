/* SPDX-License-Identifier: MIT */
/*
 * MSRs the hypervisor emulates for the guest (the GHCB MSR NAE, 0x7C), as
 * KVM would for a q35 guest.  Anything not listed is #GP: the hypervisor
 * never lets the guest reach a physical MSR.
 */
#include "vm.h"
#include "x86.h"

#define MSR_TSC             0x10
#define MSR_PLATFORM_ID     0x17
#define MSR_APIC_BASE       0x1B
#define MSR_UCODE_REV       0x8B
#define MSR_MTRR_CAP        0xFE
#define MSR_MCG_CAP         0x179
#define MSR_MCG_STATUS      0x17A
#define MSR_MISC_ENABLE     0x1A0
#define MSR_MTRR_DEF_TYPE   0x2FF
#define MSR_TSC_AUX         0xC0000103

#define APIC_BASE_DEFAULT   0xFEE00000ULL
#define APIC_BASE_BSP       BIT(8)
#define APIC_BASE_ENABLE    BIT(11)

static u64 mtrr_def_type = 0xC06;   /* MTRRs enabled, default write-back */

enum msr_result hv_msr_read(struct vcpu *v, u32 msr, u64 *val)
{
    (void)v;
    switch (msr) {
    case MSR_TSC:
        *val = rdtsc();
        return MSR_OK;
    case MSR_APIC_BASE:
        *val = APIC_BASE_DEFAULT | APIC_BASE_BSP | APIC_BASE_ENABLE;
        return MSR_OK;
    case MSR_PLATFORM_ID:
    case MSR_UCODE_REV:
    case MSR_MCG_CAP:
    case MSR_MCG_STATUS:
    case MSR_TSC_AUX:
        *val = 0;
        return MSR_OK;
    case MSR_MTRR_CAP:
        *val = 0x508;       /* WC, fixed ranges, 8 variable ranges */
        return MSR_OK;
    case MSR_MISC_ENABLE:
        *val = 1;           /* fast strings */
        return MSR_OK;
    case MSR_MTRR_DEF_TYPE:
        *val = mtrr_def_type;
        return MSR_OK;
    default:
        return MSR_GP;
    }
}

enum msr_result hv_msr_write(struct vcpu *v, u32 msr, u64 val)
{
    (void)v;
    switch (msr) {
    case MSR_MTRR_DEF_TYPE:
        if (val & ~0xCFFULL)
            return MSR_GP;
        mtrr_def_type = val;
        return MSR_OK;
    case MSR_APIC_BASE:
        /* Only the current value: no x2APIC or relocation emulated yet. */
        return val == (APIC_BASE_DEFAULT | APIC_BASE_BSP | APIC_BASE_ENABLE) ? MSR_OK : MSR_GP;
    case MSR_MISC_ENABLE:
    case MSR_TSC_AUX:
        return MSR_OK;
    default:
        return MSR_GP;
    }
}
