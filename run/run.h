/* SPDX-License-Identifier: MIT */
/*
 * Bringing vCPUs up and running them: the guest's VMSAs (run/vmsa.c), the
 * APs at VMPL0 (run/smp.c), and the per-vCPU loop (run/run.c).
 */
#ifndef PV_RUN_RUN_H
#define PV_RUN_RUN_H

#include "core/vcpu.h"

void vcpu_start_guest(struct vcpu *v); /* VMSA at the reset vector */
/** The guest's AP after INIT and SIPI: real mode at vector << 12. */
void vcpu_start_guest_sipi(struct vcpu *v, uint8_t vector);
void vcpu_alloc_guest_vmsa(struct vcpu *v);
struct sev_vmsa *vcpu_vmsa_page(uint64_t *gpa); /* a page fit to be a VMSA */
void smp_start_aps(unsigned int count);		/* run/smp.c */
_Noreturn void vcpu_run(struct vcpu *v);	/* run/run.c */

#endif
