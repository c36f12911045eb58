/* SPDX-License-Identifier: MIT */
/*
 * The vCPU table: one struct vcpu per vCPU of the VM, index = APIC ID.  The
 * running vCPU's entry is at GS:0 (run/main.c sets the BSP's GS base,
 * run/smp.c an AP's in its VMSA).
 */
#include "core/vcpu.h"

static struct vcpu vcpus[PV_MAX_VCPUS];

struct vcpu *vcpu_this(void)
{
	struct vcpu *v;
	__asm__ volatile("mov %%gs:0, %0" : "=r"(v));
	return v;
}

struct vcpu *vcpu_by_index(unsigned int index)
{
	return index < PV_MAX_VCPUS && vcpus[index].self ? &vcpus[index] : NULL;
}

/** Entry 0 is usable (as GS:0) before the table is sized. */
struct vcpu *vcpu_bsp(void)
{
	vcpus[0].self = &vcpus[0];
	return &vcpus[0];
}

void vcpus_init(unsigned int count)
{
	CHECK(count >= 1 && count <= PV_MAX_VCPUS);
	for (unsigned int i = 0; i < count; i++) {
		vcpus[i].self = &vcpus[i];
		vcpus[i].index = i;
		vcpus[i].apic_id = i;
		vcpus[i].misc_enable = 1; /* fast strings, as the CPU resets it */
	}
}
