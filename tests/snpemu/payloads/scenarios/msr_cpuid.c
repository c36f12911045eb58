// SPDX-License-Identifier: MIT
/* GHCB MSR protocol CPUID (0x004 -> 0x005) answers what the CPUID page
 * says, register by register (GHCB spec 2.3.1 "GHCB MSR Protocol"). */
#include "rt.h"

static void check_leaf(uint32_t leaf)
{
	uint32_t page[4];
	unsigned reg;

	if (!cpuid_page_lookup(leaf, 0, page)) {
		CHECK(false, "leaf 0x%x missing from the CPUID page", leaf);
		return;
	}
	for (reg = GHCB_CPUID_REG_EAX; reg <= GHCB_CPUID_REG_EDX; reg++) {
		uint64_t resp = ghcb_msr_call(ghcb_msr_cpuid_req(leaf, reg));

		CHECK_EQ(ghcb_msr_info(resp), GHCB_MSR_CPUID_RESP);
		CHECK(ghcb_msr_cpuid_value(resp) == page[reg],
		      "leaf 0x%x reg %u: MSR protocol 0x%x, page 0x%x", leaf, reg,
		      ghcb_msr_cpuid_value(resp), page[reg]);
	}
}

PAYLOAD(msr_cpuid, 0)
{
	check_leaf(0);
	check_leaf(0x80000000u);
}
