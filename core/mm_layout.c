/* SPDX-License-Identifier: MIT */
/*
 * The memory layout from the launch: guest RAM from the IGVM memory map
 * (below and above 4 GiB), the firmware pages from the measured firmware
 * info page, and what follows from them: the paravisor's region at the top
 * of the highest RAM range below 4 GiB (it needs the 1:1 map of low memory
 * and the shared alias there), the end of the private 1:1 map, and VMPL1's
 * vTOM above all guest memory.  Pure: core/mm.c applies it, the host tests
 * call it directly.
 */
#include "core/mm.h"
#include "igvm.h"
#include "paravisor_layout.h"

#define GIB (1ULL << 30)

static void read_ranges(struct mm_layout *l, const struct igvm_memory_map_entry *e,
			unsigned int max, uint64_t map_limit)
{
	for (unsigned int i = 0; i < max && e[i].page_count; i++) {
		if (l->ram_count == MM_MAX_RANGES)
			pv_terminate(PV_TERM_BAD_CONFIG, "more than %u RAM ranges", MM_MAX_RANGES);
		if (e[i].entry_type != IGVM_MEMMAP_MEMORY)
			continue;
		uint64_t start = e[i].start_gpa_page_number << PAGE_SHIFT;
		uint64_t pages = e[i].page_count;
		uint64_t end = start + (pages << PAGE_SHIFT);
		if (e[i].start_gpa_page_number > (map_limit >> PAGE_SHIFT) ||
		    pages > (map_limit >> PAGE_SHIFT) || end <= start || end > map_limit)
			pv_terminate(PV_TERM_BAD_CONFIG,
				     "RAM range %#lx-%#lx not supported (guest memory ends below "
				     "%#lx)",
				     (unsigned long)start, (unsigned long)end,
				     (unsigned long)map_limit);
		l->ram[l->ram_count++] = (struct mm_range){ start, end };
	}
}

/** The paravisor's PV_RESERVE bytes: the top of the highest RAM range that
 * starts below 4 GiB, 2 MiB aligned. */
static void choose_region(struct mm_layout *l)
{
	const struct mm_range *top = NULL;
	for (unsigned int i = 0; i < l->ram_count; i++)
		if (l->ram[i].start < (4 * GIB) && (!top || l->ram[i].end > top->end))
			top = &l->ram[i];
	if (!top)
		pv_terminate(PV_TERM_BAD_CONFIG, "no RAM below 4 GiB");
	l->pv_end = ALIGN_DOWN(MIN(top->end, 4 * GIB), PAGE_2M);
	l->pv_base = l->pv_end - PV_RESERVE;
	if (l->pv_end < PV_RESERVE || l->pv_base < top->start || l->pv_base < PV_LAUNCH_END)
		pv_terminate(PV_TERM_BAD_CONFIG, "not enough RAM for the paravisor");
}

void mm_layout_read(struct mm_layout *l, const struct igvm_memory_map_entry *map,
		    unsigned int max_entries, const struct pv_fw_info *fw, uint64_t map_limit)
{
	*l = (struct mm_layout){ 0 };
	read_ranges(l, map, max_entries, map_limit);
	if (fw->magic != PV_FW_INFO_MAGIC || fw->fw_base + fw->fw_size != (4 * GIB) ||
	    !fw->fw_size || fw->fw_size > (16ULL << 20) || (fw->fw_base & ~PAGE_MASK))
		pv_terminate(PV_TERM_BAD_CONFIG, "bad firmware info page");
	l->fw_base = fw->fw_base;
	l->fw_end = fw->fw_base + fw->fw_size;
	choose_region(l);
	uint64_t ram_end = 0;
	for (unsigned int i = 0; i < l->ram_count; i++)
		ram_end = MAX(ram_end, l->ram[i].end);
	/* below 4 GiB the whole 4 GiB (the firmware at its top), above it
	 * every GiB that holds RAM */
	l->map_end = MAX(4 * GIB, ALIGN_UP(ram_end, GIB));
	l->guest_vtom = pv_guest_vtom(ram_end);
}
