/* SPDX-License-Identifier: MIT */
/*
 * The paravisor's own exceptions.  #HV (28) is how the hypervisor signals
 * events under Restricted Injection: the handler only notes it, the run
 * loop reads the doorbell.  Anything else is a paravisor bug (it never
 * executes an instruction that raises #VC: CPUID comes from the CPUID page,
 * I/O goes through the GHCB).
 */
#include "pv.h"
#include "vcpu.h"
#include "x86_desc.h"

#include <ghcb.h>

#define VECTOR_HV   28

static struct idt_gate idt[32] __attribute__((aligned(16)));
extern const u64 pv_isr_table[32];

void pv_exception(u64 vector, u64 error, const u64 *frame);
void pv_exception(u64 vector, u64 error, const u64 *frame)
{
    if (vector == VECTOR_HV) {
        vcpu_this()->hv_pending = true;
        return;
    }
    pv_terminate(PV_TERM_BUG, "exception %lu error %#lx at rip %#lx", (unsigned long)vector,
                 (unsigned long)error, (unsigned long)frame[0]);
}

/* The paravisor's own GDT (the launch GDT page is wiped with the launch
 * region): the selectors of protocol/paravisor_layout.h. */
static const u64 gdt[4] __attribute__((aligned(16))) = {
    0,
    0x00CF9B000000FFFFULL,      /* 0x08 32-bit code */
    0x00CF93000000FFFFULL,      /* 0x10 data */
    0x00AF9B000000FFFFULL,      /* 0x18 64-bit code */
};

static void gdt_load(void)
{
    struct { u16 limit; u64 base; } __attribute__((packed)) gdtr = { sizeof(gdt) - 1, (u64)gdt };
    __asm__ volatile("lgdt %0\n\t"
                     "pushq $0x18\n\t"
                     "leaq 1f(%%rip), %%rax\n\t"
                     "pushq %%rax\n\t"
                     "lretq\n"
                     "1:\n\t"
                     "movl $0x10, %%eax\n\t"
                     "movl %%eax, %%ds\n\t"
                     "movl %%eax, %%es\n\t"
                     "movl %%eax, %%ss\n\t"
                     :: "m"(gdtr) : "rax", "memory");
}

void idt_init(void)
{
    gdt_load();
    idt_fill_and_load(idt, pv_isr_table, 32, 0x18);
}
