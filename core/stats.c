/* SPDX-License-Identifier: MIT */
/* The counter registry (core/stats.h). */
#include "core/stats.h"

#include <lib/fmt.h>
#include <lib/string.h>

/* Defined by core/pv.ld, or by the host linker for sections with these
 * names; weak, so a host test without any counter links too. */
extern struct pv_counter __start_pv_counters[] __attribute__((weak));
extern struct pv_counter __stop_pv_counters[] __attribute__((weak));
extern const struct pv_counter_set __start_pv_counter_sets[] __attribute__((weak));
extern const struct pv_counter_set __stop_pv_counter_sets[] __attribute__((weak));
extern struct pv_hist __start_pv_hists[] __attribute__((weak));
extern struct pv_hist __stop_pv_hists[] __attribute__((weak));

static unsigned int hist_hash(uint64_t key, unsigned int slots)
{
	return (unsigned int)(((key + 1) * 0x9E3779B97F4A7C15ULL) >> 40) % slots;
}

void pv_hist_count(struct pv_hist *h, uint64_t key)
{
	unsigned int cpu = vcpu_this()->index;
	struct pv_hist_slot *row = h->slot[cpu];
	unsigned int at = hist_hash(key, PV_HIST_SLOTS);

	for (unsigned int probe = 0; probe < PV_HIST_SLOTS; probe++) {
		struct pv_hist_slot *s = &row[(at + probe) % PV_HIST_SLOTS];
		if (s->key_plus_1 == key + 1 || !s->key_plus_1) {
			s->key_plus_1 = key + 1;
			s->n++;
			return;
		}
	}
	h->other[cpu]++;
}

/** One line: name, total and, if more than one vCPU counted, each vCPU's. */
static void print_line(const char *name, const uint64_t *n, unsigned int slots)
{
	char per[160];
	size_t len = 0;
	unsigned int counted = 0;
	uint64_t total = 0;
	per[0] = 0;
	for (unsigned int i = 0; i < slots; i++) {
		total += n[i];
		if (!n[i])
			continue;
		counted++;
		if (len < sizeof(per))
			len += (size_t)snprintf(per + len, sizeof(per) - len, "%s%u: %lu",
						counted > 1 ? ", " : "", i, (unsigned long)n[i]);
	}
	if (!total)
		return;
	if (counted > 1)
		pv_info("%s: %lu (vCPU %s)", name, (unsigned long)total, per);
	else
		pv_info("%s: %lu", name, (unsigned long)total);
}

/* Power-off only, on one vCPU: the per-vCPU tables merged, by key. */
#define MERGED_SLOTS (PV_MAX_VCPUS * PV_HIST_SLOTS * 2)
static struct merged {
	uint64_t key_plus_1;
	uint64_t n[PV_MAX_VCPUS];
	uint64_t total;
} merged[MERGED_SLOTS];

static void hist_merge(const struct pv_hist *h)
{
	memset(merged, 0, sizeof(merged));
	for (unsigned int c = 0; c < PV_MAX_VCPUS; c++) {
		for (unsigned int i = 0; i < PV_HIST_SLOTS; i++) {
			const struct pv_hist_slot *s = &h->slot[c][i];
			if (!s->key_plus_1)
				continue;
			unsigned int at = hist_hash(s->key_plus_1 - 1, MERGED_SLOTS);
			while (merged[at].key_plus_1 && merged[at].key_plus_1 != s->key_plus_1)
				at = (at + 1) % MERGED_SLOTS;
			merged[at].key_plus_1 = s->key_plus_1;
			merged[at].n[c] += s->n;
			merged[at].total += s->n;
		}
	}
}

/** The PV_HIST_TOP keys with the most events, most first, then "others". */
static void hist_print(const struct pv_hist *h)
{
	char name[112];
	hist_merge(h);
	for (unsigned int rank = 0; rank < PV_HIST_TOP; rank++) {
		struct merged *best = NULL;
		for (unsigned int i = 0; i < MERGED_SLOTS; i++)
			if (merged[i].total && (!best || merged[i].total > best->total ||
						(merged[i].total == best->total &&
						 merged[i].key_plus_1 < best->key_plus_1)))
				best = &merged[i];
		if (!best)
			break;
		char what[40] = "";
		uint64_t key = best->key_plus_1 - 1;
		if (h->label)
			h->label(key, what, sizeof(what));
		snprintf(name, sizeof(name), what[0] ? "%s %#lx (%s)" : "%s %#lx", h->name,
			 (unsigned long)key, what);
		print_line(name, best->n, PV_MAX_VCPUS);
		best->total = 0;
	}
	snprintf(name, sizeof(name), "%s: keys past the tables", h->name);
	print_line(name, h->other, PV_MAX_VCPUS);
}

void pv_counters_print(void)
{
	for (const struct pv_counter *c = __start_pv_counters; c < __stop_pv_counters; c++)
		print_line(c->name, c->n, PV_MAX_VCPUS);
	for (const struct pv_counter_set *s = __start_pv_counter_sets; s < __stop_pv_counter_sets;
	     s++) {
		for (unsigned int i = 0; i < s->count; i++) {
			char name[96];
			uint64_t n[PV_MAX_VCPUS] = { 0 };
			unsigned int slots = s->per_vcpu ? PV_MAX_VCPUS : 1;
			for (unsigned int v = 0; v < slots; v++)
				n[v] = s->read(i, v);
			s->name(i, name, sizeof(name));
			print_line(name, n, slots);
		}
	}
	for (const struct pv_hist *h = __start_pv_hists; h < __stop_pv_hists; h++)
		hist_print(h);
}
