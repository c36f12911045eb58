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

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int64_t s64;

#define PAGE_SIZE       4096ULL
#define PAGE_SHIFT      12
#define PAGE_2M         (2ULL << 20)
#define PAGE_MASK       (~(PAGE_SIZE - 1))
#define ALIGN_DOWN(x, a) ((x) & ~((u64)(a) - 1))
#define ALIGN_UP(x, a)  (((x) + (a) - 1) & ~((u64)(a) - 1))
#define ARRAY_SIZE(a)   (sizeof(a) / sizeof((a)[0]))
#define BIT(n)          (1ULL << (n))
#define MIN(a, b)       ((a) < (b) ? (a) : (b))
#define MAX(a, b)       ((a) > (b) ? (a) : (b))

#define KERNEL_VMA      0xFFFFFFFF80000000ULL
#define SNPEMU_RESERVE  (64ULL << 20)

/* Logging: every line goes to the isa-debugcon port, prefixed "snpemu: ". */
void log_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_vprintf(const char *fmt, va_list ap);

/* Terminal outcomes; each writes the matching isa-debug-exit value. */
_Noreturn void snpemu_exit(unsigned int value);
_Noreturn void panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
_Noreturn void guest_kill(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/** CHECK() is for snpemu's own bugs: always on, panics with the location. */
#define CHECK(cond)                                                          \
    do {                                                                     \
        if (!(cond))                                                         \
            panic("%s:%d: %s: CHECK(%s) failed", __FILE__, __LINE__,        \
                  __func__, #cond);                                          \
    } while (0)

/* Physical memory owned by snpemu: [phys_base, phys_base + SNPEMU_RESERVE). */
extern u64 snpemu_phys_base;
void *phys_to_virt(u64 pa);
u64 virt_to_phys(const void *va);
void *page_alloc(u64 count);        /* zeroed, page aligned; panics when out */
void *page_alloc_locked(u64 count); /* the same, taking vm_lock */
void svm_enable_cpu(void);
bool snpemu_owns(u64 pa);

/* Configuration from fw_cfg opt/snpemu/config. */
struct snpemu_config {
    bool intercept_rdtsc;
    bool intercept_rdtscp;
    /* hostile mode (hostile.c): the hypervisor attacks the guest */
    bool hostile_psc_refuse;        /* every page state change fails */
    bool hostile_ghcb_bogus;        /* GHCB answers carry wrong values */
    u64 hostile_spurious_hv;        /* #HV with nothing pending every N exits */
    u64 hostile_unvalidate_at;      /* at the Nth VMGEXIT, unvalidate a page */
};
extern struct snpemu_config config;
void config_load(void);

#endif
