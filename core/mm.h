/* SPDX-License-Identifier: MIT */
/* The paravisor's memory: its region, page tables, guest RAM. */
#ifndef PV_MM_H
#define PV_MM_H

#include "core/pv.h"

#define MM_MAX_RANGES 16

struct mm_range {
	uint64_t start, end;
};

/** Guest RAM as launched (IGVM memory map) and what the guest may have. */
struct mm_layout {
	struct mm_range ram[MM_MAX_RANGES]; /* below and above 4 GiB */
	unsigned int ram_count;
	uint64_t pv_base, pv_end; /* the paravisor's region, not the guest's: below 4 GiB */
	uint64_t fw_base, fw_end; /* the firmware pages at the top of 4 GiB */
	uint64_t map_end;	  /* the private 1:1 map: [0, map_end), GiB aligned */
	uint64_t guest_vtom;	  /* VMPL1's vTOM (pv_guest_vtom()) */
};
extern struct mm_layout mm;

struct igvm_memory_map_entry;
struct pv_fw_info;
/** The layout from the launch's memory map (up to max_entries entries, the
 * first with no pages ends it) and firmware info page; RAM must end at or
 * below map_limit.  Terminates on anything unusable (core/mm_layout.c). */
void mm_layout_read(struct mm_layout *l, const struct igvm_memory_map_entry *map,
		    unsigned int max_entries, const struct pv_fw_info *fw, uint64_t map_limit);

unsigned int mm_cbit_position(void);
void mm_init(void);		      /* memory map, relocation, page tables */
void *mm_alloc_pages(uint64_t count); /* zeroed, from the paravisor's region */
uint64_t mm_virt_to_phys(const void *va);
void *mm_private_va(uint64_t gpa);  /* any GPA below mm.map_end, C-bit mapping */
void *mm_shared_va(uint64_t gpa);   /* a page below 4 GiB with C=0 */
void mm_make_shared(uint64_t gpa);  /* rescind + page state change */
bool mm_is_guest_ram(uint64_t gpa); /* RAM the guest owns (not ours) */
void mm_give_guest_memory(void);    /* validate and grant VMPL1 everything */
uint64_t mm_guest_bytes(void);	    /* the guest's RAM: all but our region */

#endif
