// SPDX-License-Identifier: MIT
/* Guest RAM above 4 GiB (run with --mem 3G: QEMU's q35 puts 2 GiB below
 * 4 GiB and 1 GiB from 4 GiB).  The IGVM memory map lists it, the firmware's
 * etc/e820 too; at launch it is guest-owned and not validated, in 2 MiB RMP
 * entries (#VC 0x404 on a private read); a 2 MiB PVALIDATE there makes it
 * usable privately, a page state change to shared makes a page usable
 * through a C-bit-clear mapping, as below 4 GiB (APM vol. 2, 15.36.6,
 * 15.36.10; APM vol. 3, PVALIDATE; GHCB spec 2.3.1). */
#include "igvm.h"
#include "rt.h"

#define GIB	     (1ULL << 30)
#define HIGH_VA	     (4 * GIB) /* private view of [4 GiB, 5 GiB) */
#define HIGH_VA_SHRD (5 * GIB) /* the same GPAs with the C-bit clear */
#define PTE_P	     1ULL
#define PTE_RW	     2ULL
#define PTE_PS	     0x80ULL

static uint64_t pd_private[512] __attribute__((aligned(4096)));
static uint64_t pd_shared[512] __attribute__((aligned(4096)));

/** The first MEMORY range of the IGVM memory map at or above 4 GiB. */
static bool high_range(uint64_t *start, uint64_t *end)
{
	const struct igvm_memory_map_entry *e = gpa_private(PAYLOAD_MEMMAP_GPA);
	for (unsigned i = 0; i < 0x1000 / sizeof(*e) && e[i].page_count; i++) {
		uint64_t s = e[i].start_gpa_page_number << 12;
		if (e[i].entry_type != IGVM_MEMMAP_MEMORY || s < 4 * GIB)
			continue;
		*start = s;
		*end = s + (e[i].page_count << 12);
		return true;
	}
	return false;
}

/** VA 4 GiB.. and 5 GiB.. onto GPA 4 GiB.. (2 MiB pages), the first with
 * the C-bit (the payload's page tables: PML4, PDPT at payload_layout.h). */
static void map_high(void)
{
	uint64_t *pdpt = gpa_private(PAYLOAD_PDPT_GPA);
	for (uint64_t i = 0; i < 512; i++) {
		pd_private[i] = (4 * GIB + (i << 21)) | PAYLOAD_CBIT_MASK | PTE_P | PTE_RW | PTE_PS;
		pd_shared[i] = (4 * GIB + (i << 21)) | PTE_P | PTE_RW | PTE_PS;
	}
	pdpt[4] = (uint64_t)(uintptr_t)pd_private | PAYLOAD_CBIT_MASK | PTE_P | PTE_RW;
	pdpt[5] = (uint64_t)(uintptr_t)pd_shared | PAYLOAD_CBIT_MASK | PTE_P | PTE_RW;
	uint64_t cr3;
	__asm__ volatile("mov %%cr3, %0; mov %0, %%cr3" : "=r"(cr3)::"memory");
}

PAYLOAD(high_memory, 0)
{
	uint64_t start, end;
	CHECK(high_range(&start, &end), "no RAM above 4 GiB in the IGVM memory map");
	if (!high_range(&start, &end))
		return;
	con_printf("RAM above 4 GiB: 0x%llx-0x%llx\n", (unsigned long long)start,
		   (unsigned long long)end);
	CHECK_EQ(start, 4 * GIB);
	CHECK(end > start + 64 * (1ULL << 20) && end <= 5 * GIB, "end 0x%llx",
	      (unsigned long long)end);
	map_high();

	/* launch state: guest-owned, not validated, 2 MiB entries */
	CHECK_NOT_VALIDATED((void *)(uintptr_t)(HIGH_VA + 0x3000));
	CHECK_SNP(pvalidate(HIGH_VA, RMP_PG_SIZE_2M, true), PVALIDATE_SUCCESS, 0);
	volatile uint64_t *p = (volatile uint64_t *)(uintptr_t)HIGH_VA;
	for (uint64_t i = 0; i < (2ULL << 20) / 8; i += 61)
		p[i] = 0x9E3779B97F4A7C15ULL * (i + 1);
	bool same = true;
	for (uint64_t i = 0; i < (2ULL << 20) / 8; i += 61)
		same &= p[i] == 0x9E3779B97F4A7C15ULL * (i + 1);
	CHECK(same, "the pattern in the first 2 MiB above 4 GiB did not read back");

	/* the last page of that RAM, 4 KiB (the hypervisor splits its entry) */
	uint64_t last = end - 0x1000;
	volatile uint64_t *l = (volatile uint64_t *)(uintptr_t)(HIGH_VA + (last - 4 * GIB));
	CHECK_SNP(pvalidate(HIGH_VA + (last - 4 * GIB), RMP_PG_SIZE_4K, true), PVALIDATE_SUCCESS,
		  0);
	l[511] = 0x1234567887654321ULL;
	CHECK_EQ(l[511], 0x1234567887654321ULL);

	/* a page made shared is used through the C-bit-clear view */
	uint64_t page = 4 * GIB + (2ULL << 20) + 0x5000;
	volatile uint64_t *shared =
		(volatile uint64_t *)(uintptr_t)(HIGH_VA_SHRD + (page - 4 * GIB));
	CHECK_EQ(ghcb_msr_psc(page, PSC_OP_SHARED), 0);
	*shared = 0x5A5A5A5A12345678ULL;
	CHECK_EQ(*shared, 0x5A5A5A5A12345678ULL);
	CHECK_EQ(ghcb_msr_psc(page, PSC_OP_PRIVATE), 0);
	CHECK_NOT_VALIDATED((void *)(uintptr_t)(HIGH_VA + (page - 4 * GIB)));
}
