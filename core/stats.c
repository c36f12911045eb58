/* SPDX-License-Identifier: MIT */
/* The counter registry (core/stats.h). */
#include "core/stats.h"

#include <lib/fmt.h>

/* Defined by core/pv.ld, or by the host linker for sections with these
 * names; weak, so a host test without any counter links too. */
extern struct pv_counter __start_pv_counters[] __attribute__((weak));
extern struct pv_counter __stop_pv_counters[] __attribute__((weak));
extern const struct pv_counter_set __start_pv_counter_sets[] __attribute__((weak));
extern const struct pv_counter_set __stop_pv_counter_sets[] __attribute__((weak));

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
}
