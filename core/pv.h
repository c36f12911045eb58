/* SPDX-License-Identifier: MIT */
/*
 * snp-paravisor: common definitions for core/, vc/ and devices/.
 */
#ifndef PV_H
#define PV_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ghcb.h> /* PV_TERM_* reason codes */

#define PAGE_SIZE	 4096ULL
#define PAGE_SHIFT	 12
#define PAGE_MASK	 (~(PAGE_SIZE - 1))
#define PAGE_2M		 (2ULL << 20)
#define BIT(n)		 (1ULL << (n))
#define ARRAY_SIZE(a)	 (sizeof(a) / sizeof((a)[0]))
#define MIN(a, b)	 ((a) < (b) ? (a) : (b))
#define MAX(a, b)	 ((a) > (b) ? (a) : (b))
#define ALIGN_UP(x, a)	 (((x) + (a)-1) & ~((uint64_t)(a)-1))
#define ALIGN_DOWN(x, a) ((x) & ~((uint64_t)(a)-1))

/** A lock for state the vCPUs share (the guest's APICs, the platform
 * filters); held for short stretches, never across a halt. */
typedef struct {
	volatile uint32_t locked;
} spinlock_t;

static inline void spin_lock(spinlock_t *l)
{
	while (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE))
		__builtin_ia32_pause();
}

static inline void spin_unlock(spinlock_t *l)
{
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}

/* log.c: the paravisor's own log channel (COM2), never the guest's serial;
 * its eight ports are the paravisor's alone (core/platform.c hides them) */
#define PV_LOG_PORT  0x2F8
#define PV_LOG_PORTS 8
enum log_level { LOG_ERROR, LOG_NOTICE, LOG_INFO, LOG_VERBOSE };
void pv_log(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define pv_err(...)    pv_log(LOG_ERROR, __VA_ARGS__)
#define pv_notice(...) pv_log(LOG_NOTICE, __VA_ARGS__)
#define pv_info(...)   pv_log(LOG_INFO, __VA_ARGS__)

/* panic.c: every fatal end is a GHCB termination with a reason code
 * (protocol/ghcb.h set GHCB_TERM_SET_PARAVISOR, codes PV_TERM_*). */
_Noreturn void pv_terminate(unsigned int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/** CHECK() is for the paravisor's own bugs: always on. */
#define CHECK(cond)                                                                        \
	do {                                                                               \
		if (!(cond))                                                               \
			pv_terminate(PV_TERM_BUG, "%s:%d: %s: CHECK(%s) failed", __FILE__, \
				     __LINE__, __func__, #cond);                           \
	} while (0)

#endif
