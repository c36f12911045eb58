/* SPDX-License-Identifier: MIT */
/*
 * The Reverse Map Table, APM vol. 2 §15.36.3 "RMP" and Table 15-34: one
 * entry per 4 KiB of guest RAM.  A 2 MiB RMP entry is kept as 512 entries
 * flagged RMP_2M that always change together; PSMASH splits them.
 *
 * At launch all guest RAM is guest-owned and not validated, in 2 MiB entries
 * wherever a whole aligned 2 MiB chunk is RAM: this is what KVM does with a
 * private guest_memfd backed by 2 MiB pages.  The hypervisor side of every
 * change (RMPUPDATE, PSMASH) lives here; the guest side (PVALIDATE,
 * RMPADJUST) in snp_insn.c.
 */
#include "iommu.h"
#include "vm.h"

#include <lib/string.h>

static uint64_t rmp_pages;

void rmp_init(void)
{
	rmp_pages = memmap_rmp_entries();
	uint64_t bytes = rmp_pages * sizeof(struct rmp_entry);
	vm.rmp = memmap_rmp_memory(bytes);
	for (uint64_t gpa = 0; gpa < vm.ram_top; gpa += PAGE_2M) {
		if (!memmap_ram_overlaps(gpa, PAGE_2M))
			continue;
		bool whole = memmap_ram_covers(gpa, PAGE_2M);
		for (uint64_t p = gpa; p < gpa + PAGE_2M && p < vm.ram_top; p += PAGE_SIZE) {
			if (!whole && !gpa_is_ram(p))
				continue;
			struct rmp_entry *e = &vm.rmp[p >> PAGE_SHIFT];
			e->flags = RMP_ASSIGNED | (whole ? RMP_2M : 0);
			e->perms[0] = RMP_PERM_ALL;
		}
	}
	log_printf("RMP: %lu entries", (unsigned long)rmp_pages);
}

struct rmp_entry *rmp_get(uint64_t gpa)
{
	CHECK(gpa_is_ram(gpa));
	return &vm.rmp[memmap_rmp_index(gpa)];
}

bool rmp_is_2m(uint64_t gpa)
{
	return rmp_get(gpa)->flags & RMP_2M;
}

/** PSMASH: the 2 MiB entry covering gpa becomes 512 4 KiB entries with the
 * same state (APM vol. 3 "PSMASH"). */
void rmp_psmash(uint64_t gpa)
{
	uint64_t base = ALIGN_DOWN(gpa, PAGE_2M);
	if (!rmp_is_2m(gpa))
		return; /* (firmware-window pages are always 4 KiB entries) */
	for (uint64_t p = base; p < base + PAGE_2M; p += PAGE_SIZE)
		rmp_get(p)->flags &= (uint8_t)~RMP_2M;
}

static void rmp_update(uint64_t gpa, uint8_t flags)
{
	rmp_psmash(gpa);
	struct rmp_entry *e = rmp_get(gpa);
	e->flags = flags;
	memset(e->perms, 0, sizeof(e->perms));
	e->perms[0] = RMP_PERM_ALL;
	npt_sync_page(gpa);
	iommu_page_changed(gpa);
}

/** RMPUPDATE to guest-owned: not validated; contents are a fresh page, as
 * KVM hands out a new guest_memfd page. */
void rmp_make_private(uint64_t gpa)
{
	if (rmp_get(gpa)->flags & RMP_ASSIGNED)
		return;
	rmp_update(gpa, RMP_ASSIGNED); /* no device reaches it from here on */
	memset(gpa_to_hva(gpa), 0, PAGE_SIZE);
}

/** RMPUPDATE to hypervisor-owned: the private contents are gone. */
void rmp_make_shared(uint64_t gpa)
{
	if (!(rmp_get(gpa)->flags & RMP_ASSIGNED))
		return;
	memset(gpa_to_hva(gpa), 0, PAGE_SIZE);
	rmp_update(gpa, 0);
}

/** SNP_LAUNCH_UPDATE: the PSP assigns and validates the page (4 KiB). */
void rmp_assign_launch_page(uint64_t gpa)
{
	rmp_update(gpa, RMP_ASSIGNED | RMP_VALIDATED);
}

static void set_validated(uint64_t gpa, bool v)
{
	struct rmp_entry *e = rmp_get(gpa);
	if (v)
		e->flags |= RMP_VALIDATED;
	else
		e->flags &= (uint8_t) ~(RMP_VALIDATED | RMP_WALK_ALIAS);
}

void rmp_set_validated(uint64_t gpa, bool v)
{
	set_validated(gpa, v);
	npt_sync_page(gpa);
}

/** A 2 MiB entry changes as one: its 512 pages, then the NPT once. */
void rmp_set_validated_range(uint64_t gpa, uint64_t size, bool v)
{
	CHECK(size == PAGE_SIZE || (size == PAGE_2M && !(gpa & (PAGE_2M - 1))));
	for (uint64_t p = gpa; p < gpa + size; p += PAGE_SIZE)
		set_validated(p, v);
	npt_sync(gpa, size);
}
