/* SPDX-License-Identifier: MIT */
/* Generates pv_defines.h (nasm %defines): nasm hard-codes no layout value. */
#include "paravisor_layout.h"

#define DEFINE(sym, val) __asm__ volatile("\n->" #sym " %0" ::"i"(val))

void asm_defines(void);
void asm_defines(void)
{
	DEFINE(PV_CPUID_GPA, PV_CPUID_GPA);
	DEFINE(KERNEL_LMA, PV_KERNEL_LMA);
	DEFINE(KERNEL_LMA_MAX, PV_LAUNCH_END - PV_KERNEL_LMA);
	DEFINE(PV_SEL_CODE64, PV_SEL_CODE64);
}
