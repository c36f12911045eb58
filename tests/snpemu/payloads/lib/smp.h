/* SPDX-License-Identifier: MIT */
/*
 * Payload runtime: per-CPU state and application processors.
 *
 * Every vCPU that runs payload code at VMPL0 has a struct rt_cpu, found
 * through the GS base (%gs:0 holds its own address), with its own GHCB page
 * and #HV doorbell page.  The BSP is CPU 0 (the IGVM VMSA); an AP is started
 * by SNP AP creation (GHCB NAE 0x8000_0013, GHCB spec) with a VMPL0
 * VMSA that the BSP builds: 64-bit mode, the payload's page tables, GDT and
 * IDT, its own stack, and the SEV_FEATURES the test chooses (for example
 * Restricted Injection, which the IGVM VMSA of a payload does not have).
 *
 * Pages:
 *   - per-CPU shared pages (GHCB of the APs, #HV doorbells) at
 *     SMP_PERCPU_GPA + index * SMP_PERCPU_STRIDE: unvalidated RAM that the
 *     runtime converts to shared with the MSR protocol;
 *   - smp_page_alloc(): zeroed, validated, VMPL0-only pages from a pool in
 *     .bss (VMSAs, pages a test protects).
 */
#ifndef PAYLOAD_SMP_H
#define PAYLOAD_SMP_H

#include "hv_doorbell.h"
#include "rt.h"
#include "vmsa.h"

#define SMP_MAX_CPUS	    8
#define SMP_PERCPU_GPA	    0x2000000ull /* 32 MiB */
#define SMP_PERCPU_STRIDE   0x10000ull
#define SMP_PERCPU_GHCB	    0x0000ull /* APs only: the BSP uses PAYLOAD_GHCB_GPA */
#define SMP_PERCPU_DOORBELL 0x1000ull

#define MSR_GS_BASE 0xC0000101u /* not intercepted for SNP guests */

/** #HV deliveries seen by this CPU's handler (hv.c), newest last. */
#define HV_LOG_SIZE 16
struct hv_event {
	uint8_t vector; /**< byte 0 of the doorbell at entry */
	uint8_t flags;	/**< byte 1 at entry (HVDB_FLAG_*) */
	uint8_t no_eoi_required;
	uint8_t had_doorbell; /**< 0: #HV with no doorbell registered */
};

/** Per-CPU runtime state.  [B] set by the CPU that starts this one, before
 * it runs; [C] this CPU only; [A] atomic, read by other CPUs. */
struct rt_cpu {
	struct rt_cpu *self;		     /**< [B] %gs:0 */
	unsigned index;			     /**< [B] 0 = BSP */
	uint32_t apic_id;		     /**< [B] */
	uint64_t ghcb_gpa;		     /**< [B] this CPU's GHCB page */
	volatile struct hv_doorbell *hvdb;   /**< [C] shared alias, NULL: none */
	uint64_t hvdb_gpa;		     /**< [C] */
	volatile unsigned hv_count;	     /**< [C] #HV taken */
	volatile unsigned hv_spurious;	     /**< [C] #HV with nothing pending */
	volatile uint64_t hv_vectors[4];     /**< [C] vectors consumed, not yet taken */
	struct hv_event hv_log[HV_LOG_SIZE]; /**< [C] */
	uint32_t started;		     /**< [A] the AP reached its body */
	uint32_t done;			     /**< [A] the AP's body returned */
	uint64_t result[8];		     /**< [A] whatever the test reports */
};

/** This CPU's state. */
static inline struct rt_cpu *smp_this_cpu(void)
{
	struct rt_cpu *c;

	__asm__ volatile("movq %%gs:0, %0" : "=r"(c));
	return c;
}

/** CPU @index's state (0 = BSP). */
struct rt_cpu *smp_cpu(unsigned index);

/** Called once by rt_start(): the BSP's state and GS base. */
void smp_bsp_init(void);

/** A zeroed, validated, VMPL0-only page; never 2 MiB aligned when
 * @not_2m (a VMSA must not be: an SNP erratum).  NULL when the pool is
 * empty. */
void *smp_page_alloc(bool not_2m);

/** The VMPL0 64-bit state of the payload (segments, control registers,
 * GDT, IDT, page tables of the calling CPU) in @v, entering at @rip with
 * @rsp, SEV_FEATURES @features.  Other fields are the reset values of
 * protocol/vmsa.h. */
void smp_vmsa_init(struct sev_vmsa *v, uint64_t rip, uint64_t rsp, uint64_t features);

/** SNP AP creation NAE (0x8000_0013): @request (SVM_VMGEXIT_AP_*) for the
 * VMSA page at @vmsa_gpa, VMPL @vmpl of APIC ID @apic_id; RAX = @features.
 * Returns sw_exit_info_1/2. */
struct ghcb_result smp_ap_create(unsigned request, unsigned vmpl, uint32_t apic_id,
				 uint64_t vmsa_gpa, uint64_t features);

/** Start CPU @index (APIC ID @apic_id) at VMPL0 with SEV_FEATURES
 * @features: its VMSA, RMPADJUST VMSA bit, AP creation.  It sets up its
 * GHCB and runs @main.  False (with a FAIL line) if the creation failed. */
bool smp_start_ap(unsigned index, uint32_t apic_id, uint64_t features,
		  void (*main)(struct rt_cpu *));

/** Spin until @flag reads non-zero, at most about @spins iterations;
 * true if it did. */
bool smp_wait_flag(const uint32_t *flag, unsigned long spins);

/** This CPU's APIC ID, from the x2APIC ID register (MSR 0x802 through the
 * GHCB MSR NAE), or ~0 on failure. */
uint32_t smp_apic_id(void);

/** Run @main on the AP with APIC ID 1 (index 1) at VMPL0 with
 * SEV_FEATURES @features; the BSP then waits with HLT for good.  @main
 * ends the test with rt_finish().  For tests that need VMPL0 features the
 * IGVM VMSA lacks (driver option --smp 2). */
__attribute__((noreturn)) void smp_run_on_ap(uint64_t features, void (*main)(struct rt_cpu *));

/** Wait for good with HLT (RFLAGS.IF = 1: no hang report; payload CPUs
 * receive no interrupts at VMPL0). */
__attribute__((noreturn)) void smp_park(void);

#endif
