/* SPDX-License-Identifier: MIT */
/*
 * pv_main: the paravisor's boot at VMPL0, after boot.asm entered long
 * mode.  Order matters: the CPUID page is copied before anything asks for
 * the C-bit, memory is set up (and the image moved) before the GHCB page is
 * allocated, the launch region is wiped only after its pages were copied.
 */
#include "core/clock.h"
#include "platform/platform.h"
#include "core/ghcb_call.h"
#include "core/hw.h"
#include "core/idt.h"
#include "run/irq.h"
#include "run/run.h"
#include "core/mm.h"
#include "paravisor_layout.h"
#include "sev.h"
#include "vc/vc.h"
#include "core/vcpu.h"
#include "platform/apic.h"

#include <lib/string.h>

#define MSR_GS_BASE 0xC0000101

static void check_sev_status(void)
{
	uint64_t st = hw_rdmsr(MSR_SEV_STATUS);
	if (!(st & SEV_STATUS_SNP) || !(st & SEV_STATUS_RESTRICTED_INJ))
		pv_terminate(PV_TERM_HV_FEATURES,
			     "SEV_STATUS %#lx: need SNP and Restricted Injection",
			     (unsigned long)st);
}

static uint32_t read_apic_id(void)
{
	uint64_t id;
	ghcb_msr_read(0x802, &id, NULL);
	return (uint32_t)id;
}

/** TSC ticks as ms, once the clock is calibrated. */
static uint64_t ticks_to_ms(uint64_t ticks)
{
	return ticks / (pv_clock.tsc_hz / 1000);
}

void pv_main(void);
void pv_main(void)
{
	uint64_t tsc_entry = hw_rdtsc();
	hw_wrmsr(MSR_GS_BASE, (uint64_t)vcpu_bsp());
	check_sev_status();
	idt_init();
	cpuid_page_init();
	ghcb_init_early();
	mm_init();
	ghcb_init();
	pv_info("snp-paravisor at VMPL0: region %#lx-%#lx, firmware %#lx-%#lx",
		(unsigned long)mm.pv_base, (unsigned long)mm.pv_end, (unsigned long)mm.fw_base,
		(unsigned long)mm.fw_end);
	unsigned int count = devices_init();
	vcpus_init(count);
	uint64_t tsc_validate = hw_rdtsc();
	mm_give_guest_memory();
	uint64_t tsc_validated = hw_rdtsc();
	clock_init();
	pv_info("guest memory (%lu MiB) validated and granted to VMPL1 in %lu ms",
		(unsigned long)(mm_guest_bytes() >> 20),
		(unsigned long)ticks_to_ms(tsc_validated - tsc_validate));
	struct vcpu *bsp = vcpu_bsp();
	if (read_apic_id() != bsp->apic_id)
		pv_terminate(PV_TERM_BAD_CONFIG, "the BSP's APIC ID is not 0");
	irq_init(bsp);
	guest_apic_init(bsp);
	smp_start_aps(count);
	vcpu_start_guest(bsp);
	pv_info("start-up: the guest's first instruction %lu ms after the paravisor's",
		(unsigned long)ticks_to_ms(hw_rdtsc() - tsc_entry));
	vcpu_run(bsp);
}
