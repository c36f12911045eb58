/* SPDX-License-Identifier: MIT */
/* The paravisor's own IDT (core/idt.c): its exceptions, the #HV that
 * carries the hypervisor's interrupts, and the TSSs of the APs. */
#ifndef PV_CORE_IDT_H
#define PV_CORE_IDT_H

#include "core/pv.h"

void idt_init(void);
uint64_t idt_ap_tss(void); /* an AP's TSS, for its VMSA's TR */
#define PV_TSS_LIMIT 103   /* 64-bit TSS, no I/O bitmap */

#endif
