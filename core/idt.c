/* SPDX-License-Identifier: MIT */
/*
 * The paravisor's own exceptions.  #HV (28) is how the hypervisor signals
 * events under Restricted Injection: the handler only notes it, the run
 * loop reads the doorbell.  Anything else is a paravisor bug (it never
 * executes an instruction that raises #VC: CPUID comes from the CPUID page,
 * I/O goes through the GHCB).  #VC, which the paravisor should never
 * raise, runs on a stack of its own (IST, APM vol. 2 §8.9.4), so its report
 * comes from a known good stack.
 *
 * #HV stays on the interrupted stack, on purpose.  A hypervisor may inject
 * #HV at any instruction, also inside the #HV handler (snpemu's
 * spurious-hv mode does): on an IST each nested #HV would restart at the
 * same stack top and overwrite the frame of the one it interrupted, and the
 * outer handler would return into itself (seen as a hang in the boot test
 * paravisor_hostile_spurious_hv).  On the current stack nesting only goes
 * deeper, and the handler is a few instructions that set a flag.
 */
#include "core/mm.h"
#include "paravisor_layout.h"
#include "core/pv.h"
#include "core/vcpu.h"
#include "core/x86_desc.h"
#include "core/idt.h"

#include <ghcb.h>
#include <svm.h>

#define VECTOR_HV 28
#define VECTOR_VC 29
#define IST_VC	  1
#define IST_STACK 8192

/** APM vol. 2 §12.2.5 "64-Bit Task State Segment": only the IST matters
 * here (no privilege changes, no I/O bitmap). */
struct tss64 {
	uint32_t rsvd0;
	uint64_t rsp[3];
	uint64_t rsvd1;
	uint64_t ist[7];
	uint64_t rsvd2;
	uint16_t rsvd3;
	uint16_t iopb_offset;
} __attribute__((packed));
_Static_assert(sizeof(struct tss64) == 104, "APM vol. 2 Figure 12-8: the 64-bit TSS is 104 bytes");
_Static_assert(offsetof(struct tss64, ist) == 0x24, "APM vol. 2 Figure 12-8: IST1 at 0x24");
_Static_assert(sizeof(struct tss64) - 1 == PV_TSS_LIMIT, "the limit an AP's VMSA TR gets");

static struct tss64 tss __attribute__((aligned(16)));
static uint8_t vc_stack[IST_STACK] __attribute__((aligned(16)));

static struct idt_gate idt[32] __attribute__((aligned(16)));
extern const uint64_t pv_isr_table[32];

extern const uint8_t hw_halt_window_start[], hw_halt_window_end[];
extern const uint8_t hw_run_window_start[], hw_run_window_end[], hw_run_window_skip[];

void pv_exception(uint64_t vector, uint64_t error, uint64_t *frame);
void pv_exception(uint64_t vector, uint64_t error, uint64_t *frame)
{
	if (vector == VECTOR_HV) {
		vcpu_this()->hv_pending = true;
		/* between hw_halt_unless()'s check and its HLT: skip the HLT */
		if (frame[0] >= (uint64_t)hw_halt_window_start &&
		    frame[0] < (uint64_t)hw_halt_window_end)
			frame[0] = (uint64_t)hw_halt_window_end;
		/* between hw_vmgexit_msr_unless()'s check and its VMGEXIT: the
         * lower VMPL must not run before the doorbell is read */
		if (frame[0] >= (uint64_t)hw_run_window_start &&
		    frame[0] < (uint64_t)hw_run_window_end)
			frame[0] = (uint64_t)hw_run_window_skip;
		return;
	}
	/* #VC error code = the exit code (APM vol. 2, 15.35.5); 0x404: an
	 * access to a private page that is not validated (15.36.10).  Every
	 * page the paravisor touches was validated by it: the hypervisor took
	 * one away behind its back (RMPUPDATE), as for the guest's pages
	 * (vc_handle_unvalidated): never revalidate. */
	if (vector == VECTOR_VC && error == SVM_EXIT_PAGE_NOT_VALIDATED)
		pv_terminate(PV_TERM_PAGE_REPLAY,
			     "a paravisor page came back unvalidated (#VC 0x404 at rip %#lx)",
			     (unsigned long)frame[0]);
	pv_terminate(PV_TERM_BUG, "exception %lu error %#lx at rip %#lx%s", (unsigned long)vector,
		     (unsigned long)error, (unsigned long)frame[0],
		     vector == VECTOR_VC ? " (a #VC in the paravisor, reported from its IST)" : "");
}

/* The paravisor's own GDT (the launch GDT page is wiped with the launch
 * region): the selectors of protocol/paravisor_layout.h. */
static uint64_t gdt[6] __attribute__((aligned(16))) = {
	0,
	0x00CF9B000000FFFFULL, /* 0x08 32-bit code */
	0x00CF93000000FFFFULL, /* 0x10 data */
	0x00AF9B000000FFFFULL, /* 0x18 64-bit code */
	0,
	0, /* 0x20 the TSS (16 bytes, tss_load) */
};

/** APM vol. 2 §4.8.3 "System Descriptors": an available 64-bit TSS (type
 * 9), present, limit 103; LTR marks it busy. */
static void tss_load(void)
{
	uint64_t base = (uint64_t)&tss;
	tss.ist[IST_VC - 1] = (uint64_t)(vc_stack + IST_STACK);
	tss.iopb_offset = sizeof(tss); /* no I/O permission bitmap */
	gdt[PV_SEL_TSS / 8] = (sizeof(tss) - 1) | ((base & 0xFFFFFF) << 16) | (0x89ULL << 40) |
			      (((base >> 24) & 0xFF) << 56);
	gdt[PV_SEL_TSS / 8 + 1] = base >> 32;
	__asm__ volatile("ltr %w0" ::"r"((uint16_t)PV_SEL_TSS) : "memory");
}

/** An AP's own TSS and #VC stack: the TSS page, then the stack.  Returns
 * the TSS's address for the TR of the AP's VMSA (core/smp.c), which loads
 * it as LTR would; the GDT entry stays the BSP's. */
uint64_t idt_ap_tss(void)
{
	struct tss64 *t = mm_alloc_pages(1 + IST_STACK / PAGE_SIZE);
	t->ist[IST_VC - 1] = (uint64_t)t + PAGE_SIZE + IST_STACK;
	t->iopb_offset = sizeof(*t);
	return (uint64_t)t;
}

static void gdt_load(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) gdtr = { sizeof(gdt) - 1, (uint64_t)gdt };
	__asm__ volatile("lgdt %0\n\t"
			 "pushq $0x18\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "lretq\n"
			 "1:\n\t"
			 "movl $0x10, %%eax\n\t"
			 "movl %%eax, %%ds\n\t"
			 "movl %%eax, %%es\n\t"
			 "movl %%eax, %%ss\n\t" ::"m"(gdtr)
			 : "rax", "memory");
}

void idt_init(void)
{
	gdt_load();
	tss_load();
	idt_fill_and_load(idt, pv_isr_table, 32, 0x18);
	idt[VECTOR_VC].ist = IST_VC;
}
