/* SPDX-License-Identifier: MIT */
/*
 * One QEMU CPU per vCPU.  The BSP leaves its physical base at 0x600 and
 * starts every other CPU with INIT-SIPI-SIPI (Intel SDM vol. 3 §9.4.4,
 * vector 0xFF = the ROM page at 0xFF000); each AP sets itself up and waits
 * until the guest creates a VMPL0 VMSA for its APIC ID (SNP AP creation).
 */
#include "fwcfg.h"
#include "vm.h"
#include "x86.h"

#define AP_PHYS_BASE_SLOT 0x600
#define FW_CFG_NB_CPUS	  0x05
#define ICR_INIT	  (5u << 8)
#define ICR_STARTUP	  (6u << 8)
#define ICR_ASSERT	  (1u << 14)
#define ICR_ALL_BUT_SELF  (3u << 18)
#define SIPI_VECTOR	  0xFF

static volatile uint32_t aps_up;

static void delay_tsc(uint64_t cycles)
{
	uint64_t end = rdtsc() + cycles;
	while (rdtsc() < end)
		pause();
}

static unsigned int cpu_count(void)
{
	uint16_t n = 0;
	fwcfg_read(FW_CFG_NB_CPUS, 0, &n, sizeof(n));
	if (n == 0 || n > MAX_VCPUS)
		panic("%u CPUs: snpemu supports 1 to %u (QEMU -smp)", n, MAX_VCPUS);
	return n;
}

/** Per CPU: SVM, the VMCB, the IDT, and a vcpus[] slot.  Returns the slot. */
static struct vcpu *cpu_setup(void)
{
	svm_enable_cpu();
	fpu_init();
	irq_init_cpu();
	unsigned int i = __atomic_fetch_add(&vcpu_count, 1, __ATOMIC_SEQ_CST);
	struct vcpu *v = &vcpus[i];
	v->index = i;
	v->apic_id = lapic_id();
	v->vmcb = page_alloc_locked(1);
	v->vmcb_pa = virt_to_phys(v->vmcb);
	v->xsave = page_alloc_locked(1);
	for (unsigned int l = 0; l < VMPL_COUNT; l++)
		v->ctx[l].ghcb_gfn = GHCB_GFN_NONE;
	return v;
}

struct vcpu *smp_bsp_setup(void)
{
	return cpu_setup();
}

void smp_start_aps(void)
{
	unsigned int n = cpu_count();
	if (n == 1)
		return;
	*(volatile uint32_t *)phys_to_virt(AP_PHYS_BASE_SLOT) = (uint32_t)snpemu_phys_base;
	lapic_write32(0x310, 0);
	lapic_write32(0x300, ICR_ALL_BUT_SELF | ICR_ASSERT | ICR_INIT);
	delay_tsc(10000000);
	for (int i = 0; i < 2; i++) {
		lapic_write32(0x300, ICR_ALL_BUT_SELF | ICR_STARTUP | SIPI_VECTOR);
		delay_tsc(1000000);
	}
	uint64_t deadline = rdtsc() + 20000000000ULL;
	while (__atomic_load_n(&aps_up, __ATOMIC_ACQUIRE) < n - 1)
		if (rdtsc() > deadline)
			panic("only %u of %u application processors came up", aps_up, n - 1);
	*(volatile uint32_t *)phys_to_virt(AP_PHYS_BASE_SLOT) = 0;
	log_printf("%u vCPUs", n);
}

void snpemu_ap_main(void);
void snpemu_ap_main(void)
{
	struct vcpu *v = cpu_setup();
	__atomic_add_fetch(&aps_up, 1, __ATOMIC_SEQ_CST);
	/* Wait for SNP AP creation (a VMPL0 VMSA with CREATE); an NMI wakes
     * us, held back by GIF from the check until halt_window() (irq.c). */
	for (;;) {
		clgi();
		if (__atomic_load_n(&v->start, __ATOMIC_ACQUIRE))
			break;
		halt_window();
	}
	stgi();
	vcpu_run_loop(v);
}
