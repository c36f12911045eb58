/* SPDX-License-Identifier: MIT */
/*
 * Per-vCPU state of the paravisor.  Legend: [I] set before the vCPU's run
 * loop starts, then read-only; [V] touched only by this vCPU; [H] written
 * by this vCPU's #HV handler (a flag only).
 */
#ifndef PV_VCPU_H
#define PV_VCPU_H

#include "pv.h"
#include <hv_doorbell.h>
#include <vmsa.h>

#include "devices/lapic.h"

struct vcpu {
    unsigned int index;             /* [I] */
    u32 apic_id;                    /* [I] */
    struct sev_vmsa *vmsa1;         /* [I] the guest's VMSA (VMPL1) */
    u64 vmsa1_gpa;                  /* [I] */
    struct hv_doorbell *doorbell;   /* [I] shared mapping */
    u64 doorbell_gpa;               /* [I] */
    volatile bool hv_pending;       /* [H] an #HV arrived */
    bool guest_halted;              /* [V] VMPL1 executed HLT */
    int offered_vector;             /* [V] in VINTR_CTRL, or -1 */
    u64 dr7;                        /* [V] the guest's DR7 (no DebugSwap) */
    u64 exit_count;                 /* [V] */
    struct lapic lapic;             /* [V] the guest's local APIC */
    u8 timer_vector;                /* [V] the real timer was last armed with it, or 0 */
    u64 kvmclock_msr;               /* [V] MSR_KVM_SYSTEM_TIME_NEW as written */
};

struct vcpu *vcpu_this(void);
void vcpu_start_guest(struct vcpu *v);      /* VMSA at the reset vector */
_Noreturn void vcpu_run(struct vcpu *v);    /* core/run.c */
void idt_init(void);

#endif
