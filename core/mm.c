/* SPDX-License-Identifier: MIT */
/*
 * Memory.  The IGVM memory map says where RAM is, below and above 4 GiB
 * (core/mm_layout.c).  The paravisor takes PV_RESERVE bytes at the top of
 * the highest RAM range below 4 GiB, moves its image there and builds its
 * page tables:
 *   [0, mm.map_end)                1:1, private (C-bit), 2 MiB pages: low
 *                                  memory and every GiB with guest RAM
 *   MM_SHARED_BASE + [0, 4 GiB)    the same with C=0, for shared pages
 *                                  (all of them in its region)
 *   PV_KERNEL_VMA                  the image in its region
 * Then every other page of guest RAM and of the firmware is validated
 * (2 MiB PVALIDATE where possible) and granted to VMPL1 with RMPADJUST;
 * the paravisor's own pages stay VMPL0-only, out of the guest's reach.
 */
#include "core/mm.h"
#include "core/hw.h"
#include "core/ghcb_call.h"
#include "igvm.h"
#include "paravisor_layout.h"
#include "sev.h"

#include <lib/string.h>

#define MM_SHARED_BASE 0xFFFF800000000000ULL
#define MM_MAP_LIMIT   (512ULL << 30) /* the 1:1 map is PML4[0] */
#define PTE_P	       BIT(0)
#define PTE_RW	       BIT(1)
#define PTE_PS	       BIT(7)
#define PTE_PCD	       BIT(4)

struct mm_layout mm;
uint64_t pv_cbit; /* the C-bit mask; boot.asm sets it */
extern char __image_vma_start[], __image_end[];
void pv_relocate(uint64_t dst_pa, const void *src, uint64_t len, uint64_t new_cr3);

static uint64_t alloc_next, alloc_end; /* physical, inside the region */

unsigned int mm_cbit_position(void)
{
	return (unsigned int)__builtin_ctzll(pv_cbit);
}

static bool reloc_done;

uint64_t mm_virt_to_phys(const void *va)
{
	uint64_t v = (uint64_t)va;
	if (v >= PV_KERNEL_VMA)
		return v - PV_KERNEL_VMA + (reloc_done ? mm.pv_base : PV_KERNEL_LMA);
	if (v >= MM_SHARED_BASE)
		return v - MM_SHARED_BASE;
	return v;
}

void *mm_private_va(uint64_t gpa)
{
	CHECK(gpa < (reloc_done ? mm.map_end : (4ULL << 30))); /* boot.asm maps 4 GiB */
	return (void *)gpa;
}

void *mm_shared_va(uint64_t gpa)
{
	CHECK(gpa < (4ULL << 30));
	return (void *)(MM_SHARED_BASE + gpa);
}

void *mm_alloc_pages(uint64_t count)
{
	if (alloc_next + count * PAGE_SIZE > alloc_end)
		pv_terminate(PV_TERM_NO_MEMORY, "out of paravisor memory (%lu pages)",
			     (unsigned long)count);
	uint64_t pa = alloc_next;
	alloc_next += count * PAGE_SIZE;
	return memset(mm_private_va(pa), 0, count * PAGE_SIZE); /* the 1:1 map */
}

/** The memory map and firmware info that mkigvm and the launch put in
 * low memory (boot.asm's map); guest RAM ends below the C-bit and within
 * the 1:1 map's PML4 entry. */
static void read_memory_map(void)
{
	mm_layout_read(&mm, mm_private_va(PV_MEMMAP_GPA),
		       PAGE_SIZE / sizeof(struct igvm_memory_map_entry),
		       mm_private_va(PV_FW_INFO_GPA), MIN(pv_cbit, MM_MAP_LIMIT));
}

/** PVALIDATE and RMPADJUST take a virtual address: the private 1:1 map's. */
static uint64_t va(uint64_t gpa)
{
	return (uint64_t)mm_private_va(gpa);
}

/** PVALIDATE [gpa, gpa + len): 2 MiB where aligned and the RMP agrees. */
static void validate_range(uint64_t gpa, uint64_t end)
{
	while (gpa < end) {
		bool unchanged;
		if (!(gpa & (PAGE_2M - 1)) && end - gpa >= PAGE_2M) {
			uint32_t rc = hw_pvalidate(va(gpa), true, true, &unchanged);
			if (rc == PVALIDATE_SUCCESS) {
				gpa += PAGE_2M;
				continue;
			}
			if (rc != PVALIDATE_FAIL_SIZEMISMATCH)
				pv_terminate(PV_TERM_HV_ERROR, "PVALIDATE 2M %#lx: %u",
					     (unsigned long)gpa, rc);
		}
		uint32_t rc = hw_pvalidate(va(gpa), false, true, &unchanged);
		if (rc != PVALIDATE_SUCCESS)
			pv_terminate(PV_TERM_HV_ERROR, "PVALIDATE %#lx: %u", (unsigned long)gpa,
				     rc);
		gpa += PAGE_SIZE;
	}
}

static uint64_t *new_table(void)
{
	return mm_alloc_pages(1);
}

static uint64_t table_pa(const uint64_t *t)
{
	return mm_virt_to_phys(t) | pv_cbit | PTE_P | PTE_RW;
}

/** 2 MiB mappings of [0, end) at va_base, with or without the C-bit
 * (end: a GiB boundary, at most 512 GiB). */
static void map_1to1(uint64_t *pml4, uint64_t va_base, uint64_t end, bool private)
{
	uint64_t *pdpt = new_table();
	pml4[(va_base >> 39) & 511] = table_pa(pdpt);
	for (uint64_t g = 0; g < end >> 30; g++) {
		uint64_t *pd = new_table();
		pdpt[((va_base >> 30) & 511) + g] = table_pa(pd);
		for (uint64_t i = 0; i < 512; i++)
			pd[i] = ((g << 30) + (i << 21)) | (private ? pv_cbit : 0) | PTE_P | PTE_RW |
				PTE_PS;
	}
}

static uint64_t build_page_tables(void)
{
	uint64_t *pml4 = new_table();
	map_1to1(pml4, 0, mm.map_end, true);
	map_1to1(pml4, MM_SHARED_BASE, 4ULL << 30, false);
	uint64_t *pdpt = new_table(), *pd = new_table();
	pml4[511] = table_pa(pdpt);
	pdpt[510] = table_pa(pd);
	for (uint64_t i = 0; i < PV_RESERVE / PAGE_2M; i++)
		pd[i] = (mm.pv_base + i * PAGE_2M) | pv_cbit | PTE_P | PTE_RW | PTE_PS;
	return mm_virt_to_phys(pml4) | pv_cbit;
}

void mm_init(void)
{
	read_memory_map();
	validate_range(mm.pv_base, mm.pv_end);
	uint64_t image_len = ALIGN_UP((uint64_t)(__image_end - __image_vma_start), PAGE_SIZE);
	if (image_len > PV_RESERVE / 2)
		pv_terminate(PV_TERM_BUG, "image too large");
	/* The allocator hands out the region's pages (1:1 mapped both before
     * and after the switch); the image goes to its start. */
	alloc_next = mm.pv_base + image_len;
	alloc_end = mm.pv_end;
	uint64_t cr3 = build_page_tables();
	pv_relocate(mm.pv_base, __image_vma_start, image_len, cr3);
	reloc_done = true;
}

bool mm_is_guest_ram(uint64_t gpa)
{
	if (gpa >= mm.pv_base && gpa < mm.pv_end)
		return false;
	for (unsigned int i = 0; i < mm.ram_count; i++)
		if (gpa >= mm.ram[i].start && gpa < mm.ram[i].end)
			return true;
	return false;
}

void mm_make_shared(uint64_t gpa)
{
	bool unchanged;
	uint32_t rc = hw_pvalidate(gpa, false, false, &unchanged);
	if (rc != PVALIDATE_SUCCESS || unchanged)
		pv_terminate(PV_TERM_BUG, "rescinding %#lx: rc %u unchanged %d", (unsigned long)gpa,
			     rc, unchanged);
	ghcb_msr_psc(gpa, true);
}

/** RMPADJUST VMPL1 read/write/execute on [gpa, end). */
static void grant_vmpl1(uint64_t gpa, uint64_t end)
{
	const uint64_t attrs = 1 | RMPADJUST_FULL_PERMS;
	while (gpa < end) {
		if (!(gpa & (PAGE_2M - 1)) && end - gpa >= PAGE_2M &&
		    hw_rmpadjust(va(gpa), true, attrs) == RMPADJUST_SUCCESS) {
			gpa += PAGE_2M;
			continue;
		}
		uint32_t rc = hw_rmpadjust(va(gpa), false, attrs);
		if (rc != RMPADJUST_SUCCESS)
			pv_terminate(PV_TERM_HV_ERROR, "RMPADJUST %#lx: %u", (unsigned long)gpa,
				     rc);
		gpa += PAGE_SIZE;
	}
}

/** Everything outside the paravisor's region becomes the guest's. */
static void for_each_guest_range(void (*fn)(uint64_t start, uint64_t end))
{
	for (unsigned int i = 0; i < mm.ram_count; i++) {
		uint64_t s = mm.ram[i].start, e = mm.ram[i].end;
		uint64_t parts[2][2] = { { s, MIN(e, mm.pv_base) }, { MAX(s, mm.pv_end), e } };
		for (int p = 0; p < 2; p++)
			if (parts[p][0] < parts[p][1])
				fn(parts[p][0], parts[p][1]);
	}
}

/** Everything outside the paravisor's region becomes the guest's.  The
 * launch region (CPUID and secrets pages, boot code) is wiped first: the
 * paravisor keeps its own copies. */
static uint64_t guest_bytes;

static void count_range(uint64_t start, uint64_t end)
{
	guest_bytes += end - start;
}

uint64_t mm_guest_bytes(void)
{
	if (!guest_bytes)
		for_each_guest_range(count_range);
	return guest_bytes;
}

void mm_give_guest_memory(void)
{
	for_each_guest_range(validate_range);
	memset(mm_private_va(PV_LAUNCH_BASE), 0, PV_LAUNCH_END - PV_LAUNCH_BASE);
	for_each_guest_range(grant_vmpl1);
	grant_vmpl1(mm.fw_base, mm.fw_end);
}
