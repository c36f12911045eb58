/* SPDX-License-Identifier: MIT */
/*
 * Nested page tables for the VMPL0 view (APM vol. 2 §15.25).  GPA bit 39 is
 * the C-bit: PML4[0] maps the shared view, PML4[1] the private view of the
 * same pages (see vm.h).  Every leaf is derived from the RMP by npt_pte():
 *
 *   RAM, shared view:   present iff the page is hypervisor-owned
 *   RAM, private view:  present iff the page is guest-owned and validated
 *   device space:       shared view has the reserved-bit MMIO marker (the
 *                       access becomes #VC 0x400 in the guest); the private
 *                       view is not present (a C=1 access to MMIO is fatal)
 *   snpemu's memory:    never present
 *
 * A not-present leaf exits #NPF and exit.c applies the hardware's rule.
 */
#include "vm.h"

#define NPT_P   BIT(0)
#define NPT_RW  BIT(1)
#define NPT_US  BIT(2)          /* nested walks are user accesses */
#define NPT_PS  BIT(7)
#define NPT_TABLE (NPT_P | NPT_RW | NPT_US)
#define NPT_LEAF  (NPT_P | NPT_RW | NPT_US)

#define CHUNKS  2048            /* 2 MiB chunks below 4 GiB */

static u64 *pd[2][4];           /* [view][GiB] */
static u64 *pt[2][CHUNKS];      /* [view][2 MiB chunk], NULL = large entry */

static u64 npt_pte(u64 gpa, bool private_view)
{
    if (gpa_is_ram(gpa)) {
        const struct rmp_entry *e = rmp_get(gpa);
        bool present = private_view
            ? (e->flags & (RMP_ASSIGNED | RMP_VALIDATED)) == (RMP_ASSIGNED | RMP_VALIDATED)
            : !(e->flags & RMP_ASSIGNED);
        return present ? (gpa | NPT_LEAF) : 0;
    }
    if (gpa_is_mmio(gpa) && !private_view)
        return gpa | NPT_LEAF | NPT_MMIO_MARKER;
    return 0;
}

/** True when every page of the chunk is device space (one 2 MiB leaf). */
static bool chunk_is_mmio(u64 base)
{
    for (u64 p = base; p < base + PAGE_2M; p += PAGE_SIZE)
        if (!gpa_is_mmio(p))
            return false;
    return true;
}

static bool chunk_is_unmapped(u64 base)
{
    for (u64 p = base; p < base + PAGE_2M; p += PAGE_SIZE)
        if (gpa_is_ram(p) || gpa_is_mmio(p))
            return false;
    return true;
}

static void npt_build_chunk(unsigned int view, u64 chunk)
{
    u64 base = chunk * PAGE_2M;
    u64 *pde = &pd[view][chunk / 512][chunk % 512];
    if (chunk_is_unmapped(base))
        return;
    if (chunk_is_mmio(base)) {
        if (view == 0)
            *pde = base | NPT_LEAF | NPT_PS | NPT_MMIO_MARKER;
        return;
    }
    pt[view][chunk] = page_alloc(1);
    for (unsigned int i = 0; i < 512; i++)
        pt[view][chunk][i] = npt_pte(base + i * PAGE_SIZE, view == 1);
    *pde = virt_to_phys(pt[view][chunk]) | NPT_TABLE;
}

void npt_init(void)
{
    vm.npt_pml4 = page_alloc(1);
    vm.npt_pml4_pa = virt_to_phys(vm.npt_pml4);
    for (unsigned int view = 0; view < 2; view++) {
        u64 *pdpt = page_alloc(1);
        vm.npt_pml4[view] = virt_to_phys(pdpt) | NPT_TABLE;
        for (unsigned int g = 0; g < 4; g++) {
            pd[view][g] = page_alloc(1);
            pdpt[g] = virt_to_phys(pd[view][g]) | NPT_TABLE;
        }
        for (u64 chunk = 0; chunk < CHUNKS; chunk++)
            npt_build_chunk(view, chunk);
    }
    vm.npt_dirty = true;
}

void npt_sync_page(u64 gpa)
{
    u64 chunk = gpa / PAGE_2M;
    if (!vm.npt_pml4)
        return;                 /* before npt_init: it reads the RMP then */
    CHECK(chunk < CHUNKS);
    for (unsigned int view = 0; view < 2; view++) {
        CHECK(pt[view][chunk]);
        pt[view][chunk][(gpa / PAGE_SIZE) % 512] = npt_pte(gpa, view == 1);
    }
    vm.npt_dirty = true;
}
