// SPDX-License-Identifier: MIT
/* The `make run` demo for snpemu: a VMPL0 SNP guest that shows what the
 * emulated platform offers, as a real SNP guest would see it.  Not a test
 * (the scenarios are); it prints and ends with a termination request. */
#include "cpuid_page.h"
#include "igvm.h"
#include "rt.h"
#include "secrets.h"

static void show_status(void)
{
	uint64_t st = rdmsr(MSR_SEV_STATUS);
	uint32_t r[4] = { 0 };

	con_printf("SEV_STATUS          0x%llx (SEV %d, SEV-ES %d, SNP %d)\n",
		   (unsigned long long)st, !!(st & SEV_STATUS_SEV), !!(st & SEV_STATUS_SEV_ES),
		   !!(st & SEV_STATUS_SNP));
	if (cpuid_page_lookup(CPUID_LEAF_SEV, 0, r))
		con_printf("CPUID page 8000001F eax 0x%x, C-bit %u, %u VMPLs\n", r[0],
			   CPUID_SEV_EBX_CBIT(r[1]), CPUID_SEV_EBX_VMPL_COUNT(r[1]));
	con_printf("hypervisor features 0x%llx\n",
		   (unsigned long long)ghcb_msr_hv_features(
			   ghcb_msr_call(ghcb_msr_hv_features_req())));
}

static void show_memory(void)
{
	const struct igvm_memory_map_entry *e = gpa_private(PAYLOAD_MEMMAP_GPA);
	uint64_t pages = 0;

	for (; e->page_count; e++) {
		con_printf("guest RAM           0x%09llx-0x%09llx\n",
			   (unsigned long long)(e->start_gpa_page_number << 12),
			   (unsigned long long)((e->start_gpa_page_number + e->page_count) << 12));
		pages += e->page_count;
	}
	con_printf("guest RAM total     %llu MiB (not yet validated but the launch pages)\n",
		   (unsigned long long)(pages >> 8));
}

static void validate_some(void)
{
	uint64_t gpa = PAYLOAD_SCRATCH_GPA;
	struct snp_ret r = pvalidate((uintptr_t)gpa_private(gpa), 1, true);

	con_printf("PVALIDATE 2 MiB at  0x%llx: rc %u, CF %d\n", (unsigned long long)gpa,
		   (unsigned)r.eax, r.cf);
	r = pvalidate((uintptr_t)gpa_private(gpa), 1, true);
	con_printf("PVALIDATE again:    rc %u, CF %d (already validated)\n", (unsigned)r.eax, r.cf);
}

PAYLOAD(snp_tour, 0)
{
	const struct snp_secrets_page *sp = gpa_private(PAYLOAD_SECRETS_GPA);

	con_printf("\nHello from an SEV-SNP guest at VMPL0, running on snpemu.\n\n");
	show_status();
	con_printf("secrets page        version %u, FMS 0x%x\n", sp->version, sp->fms);
	show_memory();
	validate_some();
	con_printf("\nEvery line above came through the GHCB to the emulated hypervisor.\n");
}
