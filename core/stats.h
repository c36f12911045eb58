/* SPDX-License-Identifier: MIT */
/*
 * The paravisor's counters, in one registry, printed together when the
 * guest powers off or resets (platform/platform.c) and read by
 * tests/boot/check_counts.py.
 *
 * - A counter (PV_COUNTER) is a name and one slot per vCPU: each vCPU adds
 *   to its own slot only, so no lock and no shared cache line is needed.
 * - A counter set (PV_COUNTER_SET) is a table another layer keeps (the
 *   exit counts by exit code, a device engine's own statistics): entries
 *   named and read through callbacks, per vCPU or for the whole VM.
 * - A histogram (PV_HIST) counts events by a key (a port, an MMIO page, an
 *   MSR), per vCPU in a small open-addressing table; at the end it prints
 *   the keys with the most events.
 * All three are placed in their own linker sections (core/pv.ld); the
 * printer walks the sections, so defining one is all it takes to print it.
 */
#ifndef PV_CORE_STATS_H
#define PV_CORE_STATS_H

#include "core/vcpu.h"

struct pv_counter {
	const char *name;
	uint64_t n[PV_MAX_VCPUS]; /* [V] by slot: each vCPU writes its own */
};

struct pv_counter_set {
	unsigned int count; /* entries */
	bool per_vcpu;	    /* else read()'s vcpu is always 0 */
	/** Entry i's name, written into buf. */
	void (*name)(unsigned int i, char *buf, size_t len);
	uint64_t (*read)(unsigned int i, unsigned int vcpu);
};

#define PV_COUNTER(var, label) \
	struct pv_counter var  \
		__attribute__((section("pv_counters"), used, aligned(8))) = { .name = (label) }

#define PV_COUNTER_SET(var, ...)        \
	const struct pv_counter_set var \
		__attribute__((section("pv_counter_sets"), used, aligned(8))) = { __VA_ARGS__ }

#define PV_HIST_SLOTS 128 /* keys per vCPU; more are counted as "other" */
#define PV_HIST_TOP   12  /* keys printed */

struct pv_hist_slot {
	uint64_t key_plus_1; /* 0: free */
	uint64_t n;
};

struct pv_hist {
	const char *name;
	/** What a key is, for the printout (may be NULL; buf empty: nothing). */
	void (*label)(uint64_t key, char *buf, size_t len);
	struct pv_hist_slot slot[PV_MAX_VCPUS][PV_HIST_SLOTS]; /* [V] by row */
	uint64_t other[PV_MAX_VCPUS];			       /* [V] by slot */
};

#define PV_HIST(var, label) \
	struct pv_hist var  \
		__attribute__((section("pv_hists"), used, aligned(8))) = { .name = (label) }

/** A histogram whose printed keys are named by labeller, e.g. "exits by
 * MMIO page 0xfed00000 (HPET): 80". */
#define PV_HIST_NAMED(var, title, labeller)                          \
	struct pv_hist var __attribute__((section("pv_hists"), used, \
					  aligned(8))) = { .name = (title), .label = (labeller) }

/** One event of key on this vCPU. */
void pv_hist_count(struct pv_hist *h, uint64_t key);

static inline void pv_count(struct pv_counter *c)
{
	c->n[vcpu_this()->index]++;
}

/** Every counter that is not zero, one line each: "NAME: TOTAL", followed
 * by the per-vCPU values "(vCPU 0: a, 1: b)" when more than one vCPU
 * counted; then each histogram's top keys, "NAME KEY: TOTAL (...)". */
void pv_counters_print(void);

#endif
