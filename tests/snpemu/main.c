/* SPDX-License-Identifier: MIT */
/*
 * snpemu entry: logging, snpemu's own memory, then launch of the IGVM image
 * as an SEV-SNP guest and the vCPU loop.
 */
#include "snpemu.h"
#include "fwcfg.h"
#include "iommu.h"
#include "snpemu_abi.h"
#include "vm.h"
#include "payload_layout.h"
#include "x86.h"

#include <lib/fmt.h>

uint64_t snpemu_phys_base; /* written by boot.asm */
extern char __image_end[];

/* Page tables used by boot.asm (in .bss, so zeroed before use). */
uint64_t boot_pml4[512] __attribute__((aligned(4096)));
uint64_t boot_pdpt_low[512] __attribute__((aligned(4096)));
uint64_t boot_pd_low[4 * 512] __attribute__((aligned(4096)));
uint64_t boot_pdpt_high[512] __attribute__((aligned(4096)));
uint64_t boot_pd_high[512] __attribute__((aligned(4096)));

static uint64_t alloc_next;			 /* next free physical page of the reserve */
static uint64_t pool_start, pool_next, pool_end; /* then the pool above 4 GiB (memmap.c) */

static void log_putc(char c, void *ctx)
{
	(void)ctx;
	outb(SNPEMU_LOG_PORT, (uint8_t)c);
}

/*
 * One line at a time across vCPUs: the owner is the initial APIC ID (CPUID
 * leaf 1, valid before the local APIC is mapped), and a panic raised while
 * this CPU holds the lock still gets its line out.
 */
static volatile uint32_t log_owner = ~0u;

static void log_line(const char *prefix, const char *fmt, va_list ap)
{
	uint32_t a, b, c, d;
	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(1), "c"(0));
	uint32_t me = b >> 24, free = ~0u;
	bool nested = __atomic_load_n(&log_owner, __ATOMIC_ACQUIRE) == me;
	while (!nested && !__atomic_compare_exchange_n(&log_owner, &free, me, false,
						       __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) {
		free = ~0u;
		__asm__ volatile("pause");
	}
	for (const char *p = prefix; *p; p++)
		log_putc(*p, NULL);
	fmt_vprintf(log_putc, NULL, fmt, ap);
	log_putc('\n', NULL);
	if (!nested)
		__atomic_store_n(&log_owner, ~0u, __ATOMIC_RELEASE);
}

void log_vprintf(const char *fmt, va_list ap)
{
	log_line("snpemu: ", fmt, ap);
}

void log_printf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_vprintf(fmt, ap);
	va_end(ap);
}

_Noreturn void snpemu_exit(unsigned int value)
{
	outb(SNPEMU_EXIT_PORT, (uint8_t)value);
	for (;;)
		__asm__ volatile("cli; hlt");
}

_Noreturn void panic(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_line("snpemu: internal error: ", fmt, ap);
	va_end(ap);
	snpemu_exit(SNPEMU_EXIT_INTERNAL_ERROR);
}

_Noreturn void guest_kill(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_vprintf(fmt, ap);
	va_end(ap);
	log_printf("guest killed");
	stats_print();
	snpemu_exit(SNPEMU_EXIT_GUEST_KILLED);
}

void *phys_to_virt(uint64_t pa)
{
	if (snpemu_owns(pa))
		return (void *)(pa - snpemu_phys_base + KERNEL_VMA);
	/* the 1:1 map: below vm.phys_top (4 GiB before memmap_init), device space */
	CHECK(pa < MAX(vm.phys_top, 4ULL << 30) || gpa_is_mmio(pa));
	return (void *)pa;
}

uint64_t virt_to_phys(const void *va)
{
	uint64_t v = (uint64_t)va;
	if (v >= KERNEL_VMA)
		return v - KERNEL_VMA + snpemu_phys_base;
	return v;
}

bool snpemu_owns(uint64_t pa)
{
	return pa >= snpemu_phys_base && pa < snpemu_phys_base + SNPEMU_RESERVE;
}

/** Callers hold vm_lock (or run before the APs start).  The reserve
 * first; the pool above 4 GiB (page tables of the RAM there) once it is
 * full. */
void *page_alloc(uint64_t count)
{
	uint64_t bytes = count * PAGE_SIZE, pa;
	if (alloc_next + bytes <= snpemu_phys_base + SNPEMU_RESERVE) {
		pa = alloc_next;
		alloc_next += bytes;
	} else if (pool_next + bytes <= pool_end) {
		pa = pool_next;
		pool_next += bytes;
	} else
		panic("out of snpemu memory (%lu pages wanted)", (unsigned long)count);
	void *va = phys_to_virt(pa);
	return __builtin_memset(va, 0, bytes);
}

void page_alloc_report(void)
{
	log_printf("memory: %lu of %lu KiB of the reserve used, %lu of %lu KiB of the pool "
		   "above 4 GiB",
		   (unsigned long)((alloc_next - snpemu_phys_base) >> 10),
		   (unsigned long)(SNPEMU_RESERVE >> 10),
		   (unsigned long)((pool_next - pool_start) >> 10),
		   (unsigned long)((pool_end - pool_start) >> 10));
}

void *page_alloc_locked(uint64_t count)
{
	vm_lock();
	void *p = page_alloc(count);
	vm_unlock();
	return p;
}

void svm_enable_cpu(void)
{
	uint32_t r[4];
	cpuid_count(0x80000001, 0, r);
	if (!(r[2] & BIT(2)))
		panic("the CPU has no SVM: run QEMU with -cpu EPYC,+svm,+npt");
	cpuid_count(0x8000000A, 0, r);
	if (!(r[3] & BIT(0)))
		panic("the CPU has no nested paging: run QEMU with -cpu EPYC,+svm,+npt");
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SVME);
	wrmsr(MSR_VM_HSAVE_PA, virt_to_phys(page_alloc_locked(1)));
}

/** The 1:1 map above 4 GiB (boot.asm maps below): up to vm.phys_top in
 * 2 MiB pages, write-back where QEMU has RAM (the guest's and snpemu's),
 * uncached elsewhere; above it the 64-bit PCI window in 1 GiB pages,
 * uncached, so MMIO the guest asks for there can be performed (io.c). */
static void map_high(void)
{
	for (uint64_t g = 4; g < vm.phys_top >> 30; g++) {
		uint64_t *pd = page_alloc(1);
		for (uint64_t i = 0; i < 512; i++) {
			uint64_t pa = (g << 30) + i * PAGE_2M;
			pd[i] = pa | (memmap_host_ram_in(pa, PAGE_2M) ? 0x83   /* P, RW, PS */
								      : 0x9B); /* and PWT, PCD */
		}
		boot_pdpt_low[g] = virt_to_phys(pd) | 0x3;
	}
	for (uint64_t g = vm.phys_top >> 30; g < HIGH_MMIO_END >> 30; g++)
		if (high_mmio_gib(g << 30))
			boot_pdpt_low[g] = (g << 30) | 0x9B; /* P, RW, PWT, PCD, PS */
	/* the entries were not present: nothing cached to flush */
}

void snpemu_main(void);
void snpemu_main(void)
{
	alloc_next = ALIGN_UP(virt_to_phys(__image_end), PAGE_SIZE);
	log_printf("starting; image at %#lx, %lu MiB reserved", (unsigned long)snpemu_phys_base,
		   (unsigned long)(SNPEMU_RESERVE >> 20));
	fwcfg_init();
	config_load();
	struct vcpu *bsp = smp_bsp_setup();
	memmap_init();
	map_high();
	uint64_t pool_bytes;
	memmap_table_pool(&pool_start, &pool_bytes);
	pool_next = pool_start;
	pool_end = pool_start + pool_bytes;
	rmp_init();
	iommu_init();
	guest_fwcfg_init();
	smp_start_aps();
	bsp->ctx[0].vmsa = igvm_launch();
	bsp->ctx[0].vmsa_gpa = PAYLOAD_VMSA_GPA; /* not guest-addressable */
	bsp->ctx[0].dr7 = 0x400;
	vcpu_run_loop(bsp);
}
