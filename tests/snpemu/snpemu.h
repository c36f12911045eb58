/* SPDX-License-Identifier: MIT */
/*
 * snpemu: a bare-metal hypervisor that plays AMD SEV-SNP hardware, PSP and
 * KVM for one guest under QEMU TCG (-cpu EPYC,+svm,+npt).  Common
 * definitions.
 */
#ifndef SNPEMU_H
#define SNPEMU_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PAGE_SIZE	 4096ULL
#define PAGE_SHIFT	 12
#define PAGE_2M		 (2ULL << 20)
#define PAGE_MASK	 (~(PAGE_SIZE - 1))
#define ALIGN_DOWN(x, a) ((x) & ~((uint64_t)(a)-1))
#define ALIGN_UP(x, a)	 (((x) + (a)-1) & ~((uint64_t)(a)-1))
#define ARRAY_SIZE(a)	 (sizeof(a) / sizeof((a)[0]))
#define BIT(n)		 (1ULL << (n))
#define MIN(a, b)	 ((a) < (b) ? (a) : (b))
#define MAX(a, b)	 ((a) > (b) ? (a) : (b))

#define KERNEL_VMA     0xFFFFFFFF80000000ULL
#define SNPEMU_RESERVE (64ULL << 20)

/* Logging: every line goes to the isa-debugcon port, prefixed "snpemu: ". */
void log_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_vprintf(const char *fmt, va_list ap);

/* Terminal outcomes; each writes the matching isa-debug-exit value. */
_Noreturn void snpemu_exit(unsigned int value);
_Noreturn void panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void guest_kill(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/** CHECK() is for snpemu's own bugs: always on, panics with the location. */
#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond))                                                                       \
			panic("%s:%d: %s: CHECK(%s) failed", __FILE__, __LINE__, __func__, #cond); \
	} while (0)

/* Physical memory owned by snpemu: [phys_base, phys_base + SNPEMU_RESERVE). */
extern uint64_t snpemu_phys_base;
void *phys_to_virt(uint64_t pa);
uint64_t virt_to_phys(const void *va);
void *page_alloc(uint64_t count);	 /* zeroed, page aligned; panics when out */
void *page_alloc_locked(uint64_t count); /* the same, taking vm_lock */
void page_alloc_report(void);		 /* log what is used */
void svm_enable_cpu(void);
bool snpemu_owns(uint64_t pa);

/* Configuration from fw_cfg opt/snpemu/config. */
struct snpemu_config {
	bool intercept_rdtsc;
	bool intercept_rdtscp;
	/* the platform's NMI (QEMU's `nmi` command on KVM) to vCPU 0's guest after
	 * that many of its entries (irq.c); 0: never */
	uint64_t nmi_at;
	/* hostile mode (hostile.c): the hypervisor attacks the guest */
	bool hostile_psc_refuse;	      /* every page state change fails */
	bool hostile_ghcb_bogus;	      /* GHCB answers carry wrong values */
	uint64_t hostile_spurious_hv;	      /* #HV with nothing pending every N exits */
	uint64_t hostile_unvalidate_at;	      /* at the Nth VMGEXIT, unvalidate a page */
	uint64_t hostile_unvalidate_pv_at;    /* ... VMPL0's stack page */
	uint64_t hostile_unvalidate_guest_at; /* ... VMPL1's stack page */
	bool hostile_psc_lie;		      /* page state changes succeed, change nothing */
	bool hostile_ghcb_stale;	      /* GHCB answers: the request left as it was */
	bool hostile_ghcb_novalid;	      /* GHCB answers: outputs not marked valid */
	bool hostile_cpuid_bogus;	      /* CPUID NAE answers garbage */
	bool hostile_ioio_wide;		      /* IN answers: garbage above the size */
	bool hostile_msr_wide;		      /* RDMSR answers: garbage in bits 63:32 */
	bool hostile_mmio_wide;		      /* MMIO read answers: garbage past the size */
	uint64_t hostile_hv_vector;	      /* #HV doorbell: this vector, now and then */
	uint64_t hostile_cpus;		      /* fw_cfg vCPU count (with hostile_cpus_set) */
	bool hostile_cpus_set;
	bool hostile_fwcfg_dir_huge; /* fw_cfg directory: 65535 files */
	bool hostile_e820_overlap;   /* etc/e820: RAM over all of low memory */
	bool hostile_e820_huge;	     /* etc/e820: a size of 16 MiB */
	bool hostile_pit_lie;	     /* PIT channel 2 reads: noise */
	bool hostile_rtc_lie;	     /* RTC reads: 0xFF */
};
extern struct snpemu_config config;
void config_load(void);

#endif
