/* SPDX-License-Identifier: MIT */
/*
 * Payload runtime: a VMPL1 context run by the payload at VMPL0, as the
 * paravisor runs its guest (GHCB spec: AP creation, RUN_VMPL; APM vol. 2:
 * Table B-4 VMSA, 15.36.7-15.36.9 VMPLs / vTOM / ReflectVC, 15.36.16
 * injection; APM vol. 3 RMPADJUST).
 *
 * VMPL1 code is ordinary payload C in section .vmpl1_text (VMPL1_TEXT) and
 * touches only .vmpl1_data (VMPL1_DATA) and its struct vmpl1_state, one page
 * per vCPU whose address is in RDI at entry and at %gs:0.  VMPL1 code must
 * not call anything outside .vmpl1_text (no libc, no rt.h helpers that are
 * not always inlined, no string literals or switch tables in .rodata): the
 * rest of the payload is VMPL0-only, and touching it is a VMPL permission
 * violation (which is itself a tested rule).
 *
 * What VMPL0 does for VMPL1 (vmpl.c):
 *  - once: VMPL1's own identity page tables (a C-bit variant for C-bit
 *    contexts, a variant without any C-bit for vTOM contexts, where a C-bit
 *    is forbidden: APM vol. 2, 15.36.8), GDT and IDT in .vmpl1_data, and
 *    RMPADJUST of .vmpl1_text (read + supervisor execute) and .vmpl1_data
 *    (read + write) for VMPL1;
 *  - per context: a VMSA page (64-bit state, VMPL = 1, EFER.SVME, the
 *    test's SEV_FEATURES and VIRTUAL_TOM), RMPADJUST of that page with the
 *    VMSA bit, SNP AP creation for VMPL1 of the vCPU's own APIC ID;
 *  - RUN_VMPL(1) by the MSR protocol (0x016) or the NAE (0x8000_0018);
 *    afterwards the VMSA holds GUEST_EXITCODE / EXITINFO1/2 / NRIP; the
 *    emulation helpers write results into the VMSA and move RIP on.
 */
#ifndef PAYLOAD_VMPL_H
#define PAYLOAD_VMPL_H

#include "rt.h"
#include "smp.h"
#include "vmsa.h"

#define VMPL1_TEXT   __attribute__((section(".vmpl1_text"), noinline))
#define VMPL1_DATA   __attribute__((section(".vmpl1_data")))
#define VMPL1_INLINE static inline __attribute__((always_inline))

/** vTOM of the tests' vTOM contexts: RAM below is private, above shared
 * (needs more than 256 MiB of guest RAM: the driver's default is 512M). */
#define VMPL1_VTOM 0x10000000ull

/** What VMPL0 writes into GUEST_EXITCODE before each run, so that a run
 * that leaves it unchanged is seen. */
#define VMPL1_EXIT_POISON 0x0BADC0DEull

/** The VMPL1 features of the paravisor (docs/architecture.md, "Boot"; mushroom
 * runs its VMPL1 the same way, docs/spec-notes.md): ReflectVC, vTOM, Alternate
 * Injection. */
#define VMPL1_PARAVISOR_FEATURES (SEV_FEAT_REFLECT_VC | SEV_FEAT_VTOM | SEV_FEAT_ALTERNATE_INJ)

/** The last exit of @v is a VMPL permission violation at @gpa handed to
 * VMPL0: GUEST_EXITCODE 0x400, EXITINFO1 bits 31 (RMP) and 36 (VMPL),
 * the write bit iff @write, no RSV, EXITINFO2 = @gpa (APM vol. 2, 15.36.10). */
#define CHECK_VMPL_NPF(v, gpa, write)                                     \
	do {                                                              \
		uint64_t i1_ = (v)->vmsa->guest_exit_info1;               \
		CHECK_EQ((v)->vmsa->guest_exit_code, SVM_EXIT_NPF);       \
		CHECK_EQ(i1_ &(SVM_NPF_VMPL | SVM_NPF_RMP | SVM_NPF_RSV), \
			 SVM_NPF_VMPL | SVM_NPF_RMP);                     \
		CHECK_EQ(i1_ &SVM_NPF_RW, (write) ? SVM_NPF_RW : 0);      \
		CHECK_EQ((v)->vmsa->guest_exit_info2, (gpa));             \
	} while (0)

/** Per-vCPU state shared by VMPL0 and VMPL1 (one page in .vmpl1_data).
 * [0] written by VMPL0 while VMPL1 does not run; [1] written by VMPL1. */
struct vmpl1_state {
	struct vmpl1_state *self;	  /**< [0] %gs:0 in VMPL1 */
	uint64_t cpu;			  /**< [0] rt_cpu index */
	uint64_t eoi_in_handler;	  /**< [0] handler writes x2APIC EOI */
	volatile uint64_t finished;	  /**< [1] vmpl1_finish() reached */
	volatile uint64_t exc_count;	  /**< [1] exceptions (vector < 32) */
	volatile uint64_t irq_count;	  /**< [1] vectors >= 32 */
	volatile uint64_t last_vector;	  /**< [1] */
	volatile uint64_t last_error;	  /**< [1] */
	volatile uint64_t last_rip;	  /**< [1] */
	volatile uint64_t last_cr2;	  /**< [1] */
	volatile uint64_t arg[8];	  /**< [0] inputs */
	volatile uint64_t out[16];	  /**< [1] results */
	volatile uint64_t vec_count[256]; /**< [1] deliveries per vector */
} __attribute__((aligned(4096)));

/** A VMPL1 context of this vCPU, seen from VMPL0. */
struct vmpl1 {
	struct sev_vmsa *vmsa; /**< the VMSA page (VA == GPA) */
	struct vmpl1_state *st;
	uint32_t apic_id;
};

/* ---- VMPL1 side (always inlined or in .vmpl1_text) -------------------- */

/** Back to VMPL0: RUN_VMPL(0) by the MSR protocol.  VMPL0 sees
 * GUEST_EXITCODE 0x403 (VMGEXIT); the next RUN_VMPL(1) returns here. */
void vmpl1_yield(void);
/** Mark the context finished and yield for good. */
__attribute__((noreturn)) void vmpl1_finish(struct vmpl1_state *s);

VMPL1_INLINE uint64_t vmpl1_rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr) : "memory");
	return ((uint64_t)hi << 32) | lo;
}

VMPL1_INLINE void vmpl1_wrmsr(uint32_t msr, uint64_t val)
{
	__asm__ volatile("wrmsr"
			 :
			 : "c"(msr), "a"((uint32_t)val), "d"((uint32_t)(val >> 32))
			 : "memory");
}

/* ---- VMPL0 side -------------------------------------------------------- */

/** Page tables, GDT, IDT and the grants of .vmpl1_text/.vmpl1_data: done
 * once, by the first caller (the others wait). */
void vmpl1_setup(void);

/** VMPL1's page directory entry mapping the 2 MiB page of @va (below
 * 4 GiB) in the vTOM (@vtom) or C-bit page tables, for tests that change a
 * mapping; NULL for an unmapped GiB. */
uint64_t *vmpl1_pde(bool vtom, uint64_t va);

/** RMPADJUST every 4K page of [@va, @va + @len) for VMPL1 with @perms
 * (RMPADJUST_READ | ...).  False if one failed. */
bool vmpl_grant(uint64_t va, uint64_t len, uint64_t perms);

/** Build this vCPU's VMPL1 VMSA (entry @entry, SEV_FEATURES
 * SNP_ACTIVE | @features, VIRTUAL_TOM @vtom if @features has vTOM) and set
 * its RMP VMSA bit; reset the vmpl1_state.  No AP creation yet. */
bool vmpl1_prepare(struct vmpl1 *v, void (*entry)(struct vmpl1_state *), uint64_t features,
		   uint64_t vtom);

/** SNP AP creation (CREATE) of @v's VMSA for VMPL1 of this vCPU, RAX =
 * @features (normally v->vmsa->sev_features). */
struct ghcb_result vmpl1_register(struct vmpl1 *v, uint64_t features);

/** vmpl1_prepare() + vmpl1_register(); FAIL lines on errors. */
bool vmpl1_create(struct vmpl1 *v, void (*entry)(struct vmpl1_state *), uint64_t features,
		  uint64_t vtom);

/** RUN_VMPL(@vmpl) by the MSR protocol: the response MSR value. */
uint64_t vmpl_run_msr(unsigned vmpl);
/** RUN_VMPL(@vmpl) by NAE 0x8000_0018: sw_exit_info_1/2. */
struct ghcb_result vmpl_run_nae(unsigned vmpl);

/** Run VMPL1 once (MSR protocol / NAE): GUEST_EXITCODE is poisoned, the
 * response checked, and the new GUEST_EXITCODE returned. */
uint64_t vmpl1_run(struct vmpl1 *v);
uint64_t vmpl1_run_nae(struct vmpl1 *v);

/** RIP = GUEST_NRIP (an instruction intercept was handled). */
void vmpl1_skip(struct vmpl1 *v);

/** VMPL1 general register number @n (0 RAX ... 15 R15) in its VMSA. */
uint64_t *vmpl1_gpr(struct sev_vmsa *a, unsigned n);

/** Emulate the reflected #VC of the last exit as a paravisor would:
 * CPUID (from the CPUID page), IOIO (GHCB IOIO; RIP = EXITINFO2), MSR
 * (GHCB MSR NAE, x2APIC included), MMIO (NPF with RSV: a MOV to or from
 * memory, GHCB MMIO NAE).  False (and a FAIL line) if it cannot. */
bool vmpl1_emulate(struct vmpl1 *v);

/** Run VMPL1 until it finishes, emulating its CPUID/IOIO/MSR/MMIO exits and
 * resuming after HLT and INTR exits; at most @max_exits exits.  False with
 * a FAIL line on any other exit. */
bool vmpl1_run_to_finish(struct vmpl1 *v, unsigned max_exits);

/** Queue external interrupt @vector in VINTR_CTRL (Alternate Injection,
 * APM vol. 2, 15.36.16): V_IRQ, V_INTR_VECTOR, V_INTR_PRIO = vector >> 4. */
void vmpl1_inject_vintr(struct vmpl1 *v, uint8_t vector);
/** Inject external interrupt @vector now through EVENTINJ (VMSA 0x3E0). */
void vmpl1_inject_event(struct vmpl1 *v, uint8_t vector);

#endif
