/* SPDX-License-Identifier: MIT */
/* Boot page tables and stack (in .bss, so zero pages of the IGVM). */
#include "core/pv.h"

uint64_t boot_pml4[512] __attribute__((aligned(4096)));
uint64_t boot_pdpt_low[512] __attribute__((aligned(4096)));
uint64_t boot_pd_low[4 * 512] __attribute__((aligned(4096)));
uint64_t boot_pdpt_shared[512] __attribute__((aligned(4096)));
uint64_t boot_pd_shared[4 * 512] __attribute__((aligned(4096)));
uint64_t boot_pdpt_high[512] __attribute__((aligned(4096)));
uint64_t boot_pd_high[512] __attribute__((aligned(4096)));
uint8_t boot_stack[64 * 1024] __attribute__((aligned(16)));
extern uint8_t boot_stack_top[];
__asm__(".globl boot_stack_top\n.set boot_stack_top, boot_stack + 65536");
