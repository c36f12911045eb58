/* SPDX-License-Identifier: MIT */
/*
 * Per-vCPU state of the paravisor.  Legend: [I] set before the vCPU's run
 * loop starts, then read-only; [V] touched only by this vCPU; [H] written
 * by this vCPU's #HV handler (a flag only).
 */
#ifndef PV_VCPU_H
#define PV_VCPU_H

#include "pv.h"
#include <ghcb.h>
#include <hv_doorbell.h>
#include <vmsa.h>

#include "devices/lapic.h"

#define PV_MAX_VCPUS    8

/** The GHCB of one vCPU (core/ghcb.c): the hypervisor's MSR is per vCPU. */
struct vcpu_ghcb {
    struct ghcb *page;              /* shared mapping, NULL until registered */
    u64 gpa;
    struct ghcb answer;             /* private snapshot of the last answer */
};

struct vcpu {
    struct vcpu *self;              /* [I] at GS:0, for vcpu_this() */
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
    u32 tsc_aux;                    /* [V] the guest's MSR_TSC_AUX (vc/msr.c) */
    u64 kvmclock_msr;               /* [V] MSR_KVM_SYSTEM_TIME_NEW as written */
    struct vcpu_ghcb ghcb;          /* [V] */
    u64 stack_top;                  /* [I] an AP's stack */
    /* The guest's INIT and SIPI to this vCPU, set by the sender under the
     * APIC lock (vc/apic.c), consumed by this vCPU. */
    volatile bool init_pending;
    volatile bool sipi_pending;
    volatile u8 sipi_vector;
    bool wait_for_sipi;             /* [V] the guest vCPU is in wait-for-SIPI */
    volatile bool ap_ready;         /* the AP is up at VMPL0 (smp.c) */
    bool guest_created;             /* [V] the guest VMSA was registered */
};

struct vcpu *vcpu_this(void);
struct vcpu *vcpu_by_index(unsigned int index);     /* NULL past the last */
void vcpu_start_guest(struct vcpu *v);      /* VMSA at the reset vector */
/** The guest's AP after INIT and SIPI: real mode at vector << 12. */
void vcpu_start_guest_sipi(struct vcpu *v, u8 vector);
void vcpu_alloc_guest_vmsa(struct vcpu *v);
struct sev_vmsa *vcpu_vmsa_page(u64 *gpa);   /* a page fit to be a VMSA */
void smp_start_aps(unsigned int count);     /* core/smp.c */
_Noreturn void vcpu_run(struct vcpu *v);    /* core/run.c */
void idt_init(void);
u64 idt_ap_tss(void);                       /* an AP's TSS, for its VMSA's TR */
#define PV_TSS_LIMIT    103                 /* 64-bit TSS, no I/O bitmap */

#endif
