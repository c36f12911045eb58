/* SPDX-License-Identifier: MIT */
/* Counters: exits by code, and SNP instructions per VMPL; printed at the end. */
#include "vm.h"

#define EXIT_SLOTS 0x410

static uint64_t exit_count[EXIT_SLOTS];
static uint64_t exit_other;
static uint64_t vmpl_count[4][3];
static const char *const vmpl_stat_name[3] = { "pvalidate", "rmpadjust", "vmgexit" };

void stat_exit(uint64_t code)
{
	if (code < EXIT_SLOTS)
		exit_count[code]++;
	else
		exit_other++;
}

void stat_vmpl(struct vcpu *v, unsigned int which)
{
	vmpl_count[v->vmpl & 3][which]++;
}

void stats_print(void)
{
	page_alloc_report();
	for (uint64_t c = 0; c < EXIT_SLOTS; c++)
		if (exit_count[c])
			log_printf("stat exit %#lx: %lu", (unsigned long)c,
				   (unsigned long)exit_count[c]);
	if (exit_other)
		log_printf("stat exit other: %lu", (unsigned long)exit_other);
	for (unsigned int vmpl = 0; vmpl < 4; vmpl++)
		log_printf("stat vmpl%u %s=%lu %s=%lu %s=%lu", vmpl, vmpl_stat_name[0],
			   (unsigned long)vmpl_count[vmpl][0], vmpl_stat_name[1],
			   (unsigned long)vmpl_count[vmpl][1], vmpl_stat_name[2],
			   (unsigned long)vmpl_count[vmpl][2]);
}
