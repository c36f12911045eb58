/* SPDX-License-Identifier: MIT */
/*
 * pv_main: the paravisor's boot at VMPL0, after boot.asm entered long
 * mode.  Order matters: the CPUID page is copied before anything asks for
 * the C-bit, memory is set up (and the image moved) before the GHCB page is
 * allocated, the launch region is wiped only after its pages were copied.
 */
#include "clock.h"
#include "devices.h"
#include "ghcb_call.h"
#include "hw.h"
#include "irq.h"
#include "mm.h"
#include "paravisor_layout.h"
#include "sev.h"
#include "vc.h"
#include "vcpu.h"

#include <lib/string.h>

#define MSR_GS_BASE 0xC0000101

static struct vcpu vcpus[PV_MAX_VCPUS];

/** GS:0 holds the running vCPU's struct vcpu (smp.c sets an AP's GS base
 * in its VMSA, pv_main the BSP's). */
struct vcpu *vcpu_this(void)
{
    struct vcpu *v;
    __asm__ volatile("mov %%gs:0, %0" : "=r"(v));
    return v;
}

struct vcpu *vcpu_by_index(unsigned int index)
{
    return index < PV_MAX_VCPUS && vcpus[index].self ? &vcpus[index] : NULL;
}

static void vcpus_init(unsigned int count)
{
    for (unsigned int i = 0; i < count; i++) {
        vcpus[i].self = &vcpus[i];
        vcpus[i].index = i;
        vcpus[i].apic_id = i;
    }
}

static void check_sev_status(void)
{
    u64 st = hw_rdmsr(MSR_SEV_STATUS);
    if (!(st & SEV_STATUS_SNP) || !(st & SEV_STATUS_RESTRICTED_INJ))
        pv_terminate(PV_TERM_HV_FEATURES, "SEV_STATUS %#lx: need SNP and Restricted Injection",
                     (unsigned long)st);
}

static u32 read_apic_id(void)
{
    u64 id;
    if (ghcb_msr_read(0x802, &id) != GHCB_STATUS_OK)
        pv_terminate(PV_TERM_HV_ERROR, "x2APIC ID unreadable");
    return (u32)id;
}

void pv_main(void);
void pv_main(void)
{
    vcpus[0].self = &vcpus[0];
    hw_wrmsr(MSR_GS_BASE, (u64)&vcpus[0]);
    check_sev_status();
    idt_init();
    cpuid_page_init();
    ghcb_init_early();
    mm_init();
    ghcb_init();
    pv_info("snp-paravisor at VMPL0: region %#lx-%#lx, firmware %#lx-%#lx",
            (unsigned long)mm.pv_base, (unsigned long)mm.pv_end,
            (unsigned long)mm.fw_base, (unsigned long)mm.fw_end);
    unsigned int count = devices_init();
    vcpus_init(count);
    mm_give_guest_memory();
    pv_info("guest memory validated and granted to VMPL1");
    clock_init();
    struct vcpu *bsp = &vcpus[0];
    if (read_apic_id() != bsp->apic_id)
        pv_terminate(PV_TERM_BAD_CONFIG, "the BSP's APIC ID is not 0");
    irq_init(bsp);
    guest_apic_init(bsp);
    smp_start_aps(count);
    vcpu_start_guest(bsp);
    vcpu_run(bsp);
}
