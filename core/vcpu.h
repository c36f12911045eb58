/* SPDX-License-Identifier: MIT */
/*
 * Per-vCPU state of the paravisor.  Legend: [I] set before the vCPU's run
 * loop starts, then read-only; [V] touched only by this vCPU; [H] written
 * by this vCPU's #HV handler (a flag only); [A] under apic_lock
 * (platform/apic.c), because other vCPUs post interrupts into it.
 *
 * Lock order (a lock may be taken while holding the ones before it, never
 * the other way): proxy_lock (platform/pci.c) -> cf8_lock (platform/pci.c)
 * -> apic_lock (platform/apic.c).  platform_lock (platform/platform.c)
 * nests with none of them.
 */
#ifndef PV_VCPU_H
#define PV_VCPU_H

#include "core/pv.h"
#include <ghcb.h>
#include <hv_doorbell.h>
#include <vmsa.h>

#include "devices/lapic.h"

#define PV_MAX_VCPUS 8

/** The GHCB of one vCPU (core/ghcb.c): the hypervisor's MSR is per vCPU. */
struct vcpu_ghcb {
	struct ghcb *page; /* shared mapping, NULL until registered */
	uint64_t gpa;
	struct ghcb answer; /* private snapshot of the last answer's save area */
	uint64_t used[2];   /* qwords the last call's request or answer marked valid */
};

struct vcpu {
	struct vcpu *self;	      /* [I] at GS:0, for vcpu_this() */
	unsigned int index;	      /* [I] */
	uint32_t apic_id;	      /* [I] */
	struct sev_vmsa *vmsa1;	      /* [I] the guest's VMSA (VMPL1) */
	uint64_t vmsa1_gpa;	      /* [I] */
	struct hv_doorbell *doorbell; /* [I] shared mapping */
	uint64_t doorbell_gpa;	      /* [I] */
	volatile bool hv_pending;     /* [H] an #HV arrived */
	bool guest_halted;	      /* [V] VMPL1 executed HLT */
	int offered_vector;	      /* [V] in VINTR_CTRL, or -1 */
	uint64_t dr7;		      /* [V] the guest's DR7 (no DebugSwap) */
	uint64_t exit_count;	      /* [V] */
	struct lapic lapic;	      /* [A] the guest's local APIC (other vCPUs post IPIs) */
	uint8_t timer_vector;	      /* [V] the real timer was last armed with it, or 0 */
	uint32_t tsc_aux;	      /* [V] the guest's MSR_TSC_AUX (vc/msr.c) */
	uint64_t misc_enable;	      /* [V] IA32_MISC_ENABLE as written; 1 at reset */
	uint64_t mtrr[0x100];	      /* [V] MTRR MSRs 0x200-0x2FF as written (vc/msr.c) */
	uint64_t kvmclock_msr;	      /* [V] MSR_KVM_SYSTEM_TIME_NEW as written */
	struct vcpu_ghcb ghcb;	      /* [V] */
	uint64_t stack_top;	      /* [I] an AP's stack */
	/* The guest's INIT and SIPI to this vCPU, set by the sender under the
     * APIC lock (vc/apic.c), consumed by this vCPU. */
	volatile bool init_pending;
	volatile bool nmi_pending; /* an NMI for the guest, not yet in V_NMI */
	volatile bool sipi_pending;
	volatile uint8_t sipi_vector;
	bool wait_for_sipi;	/* [V] the guest vCPU is in wait-for-SIPI */
	volatile bool ap_ready; /* the AP is up at VMPL0 (smp.c) */
	bool guest_created;	/* [V] the guest VMSA was registered */
};

struct vcpu *vcpu_this(void);
struct vcpu *vcpu_by_index(unsigned int index); /* NULL past the last */
/** The table's first count entries (index = APIC ID), at boot. */
void vcpus_init(unsigned int count);
struct vcpu *vcpu_bsp(void); /* entry 0, set up first */

#endif
