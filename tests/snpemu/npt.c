/* SPDX-License-Identifier: MIT */
/*
 * Nested page tables (APM vol. 2 §15.25), one view per (VMPL, vTOM): the
 * RMP's per-VMPL permissions are enforced by giving each VMPL its own NPT,
 * and the private/shared split of an access is encoded in the GPA:
 *
 *   C-bit addressing (vtom 0): GPA bit 39 set = private (C=1) access;
 *       PML4[0] is the shared view, PML4[1] the private view of [0, 512G).
 *   vTOM addressing: GPA < vTOM is private, GPA >= vTOM shared (APM vol. 2, 15.36.8).
 *
 * Every leaf is derived from the RMP by leaf():
 *   private access to RAM: present iff guest-owned, validated and the VMPL
 *       holds read permission; writable iff it holds write; NX unless it
 *       holds an execute permission (VMPL0 always holds all);
 *   shared access to RAM: present iff the page is hypervisor-owned, or a
 *       private page the guest's page walk reached without the C-bit (the
 *       hardware walks page tables privately; TCG cannot, see exit.c);
 *   device space, private or shared: the reserved-bit MMIO marker, so
 *       the access becomes #VC 0x400 (NPF with PFCODE.RSV); above
 *       vm.phys_top (the 64-bit PCI window, up to the C-bit) with 1 GiB
 *       leaves;
 *   anything else (snpemu's memory, the RMP): not present.
 * A not-present leaf exits #NPF and exit.c applies the hardware's rule.
 *
 * Below vm.phys_top (guest RAM, below and above 4 GiB) every 2 MiB chunk
 * with a present RAM leaf has a 4 KiB table; a chunk that maps nothing (RAM
 * not validated, or private in the shared half) has none, and one of device
 * space only is one large MMIO leaf.  Present RAM is never mapped by a large
 * leaf, as KVM could for a 2 MiB guest_memfd folio: the demo then booted
 * 30% slower under QEMU 7.2 TCG (observed; most likely its large-page TLB
 * tracking: under the guest's own large pages it keeps large TLB entries,
 * and an INVLPG inside their range flushes the whole TLB).  An RMP change
 * in a chunk without a table gives it one; a 2 MiB change (PVALIDATE,
 * RMPADJUST of a 2 MiB entry) recomputes the chunk once.
 */
#include "sev.h"
#include "vm.h"

#include <lib/string.h>

#define NPT_P	  BIT(0)
#define NPT_RW	  BIT(1)
#define NPT_US	  BIT(2) /* nested walks are user accesses */
#define NPT_PS	  BIT(7)
#define NPT_NX	  BIT(63)
#define NPT_TABLE (NPT_P | NPT_RW | NPT_US)
#define NPT_LEAF  (NPT_P | NPT_RW | NPT_US)

#define MAX_VIEWS 8
#define MAX_GIB	  512	      /* one PML4 entry per half */
#define PT_INDEX  0x1FF000ULL /* a leaf's address bits inside its 2 MiB */

struct npt_view {
	unsigned int vmpl;
	uint64_t vtom;
	uint64_t *pml4;
	uint64_t pml4_pa;
	uint64_t *pd[2][MAX_GIB]; /* [half][GiB] below vm.phys_top; half 1 = C-bit half */
	/* [half][chunk]: the chunk's 4 KiB table once it needed one; kept when
	 * its PDE goes back to a large leaf, for the next time */
	uint64_t **pt[2];
};

static struct npt_view views[MAX_VIEWS];
static unsigned int view_count;
static uint64_t chunks; /* 2 MiB chunks below vm.phys_top */

bool npt_private_access(uint64_t vtom, uint64_t gpa)
{
	return vtom ? gpa < vtom : (gpa & CBIT_MASK) != 0;
}

static uint64_t private_leaf(unsigned int vmpl, uint64_t gpa)
{
	if (!gpa_is_ram(gpa))
		return 0;
	const struct rmp_entry *e = rmp_get(gpa);
	uint8_t perm = vmpl ? e->perms[vmpl] : RMP_PERM_ALL;
	if ((e->flags & (RMP_ASSIGNED | RMP_VALIDATED)) != (RMP_ASSIGNED | RMP_VALIDATED) ||
	    !(perm & RMP_PERM_READ))
		return 0;
	uint64_t pte = gpa_to_hpa(gpa) | NPT_P | NPT_US;
	if (perm & RMP_PERM_WRITE)
		pte |= NPT_RW;
	if (!(perm & (RMP_PERM_EXEC_USER | RMP_PERM_EXEC_SUPER)))
		pte |= NPT_NX;
	return pte;
}

static uint64_t shared_leaf(uint64_t gpa)
{
	if (!gpa_is_ram(gpa))
		return 0;
	uint8_t f = rmp_get(gpa)->flags;
	if ((f & RMP_ASSIGNED) && !(f & RMP_WALK_ALIAS))
		return 0;
	return gpa_to_hpa(gpa) | NPT_LEAF;
}

/** The leaf for plain GPA gpa in half 0/1 of the view.  Device space has
 * the MMIO marker whatever the C-bit: the nested walk faults on the
 * reserved bit before any RMP check (APM Table 15-39 order). */
static uint64_t leaf(const struct npt_view *w, unsigned int half, uint64_t gpa)
{
	if (w->vtom && half == 1)
		return 0; /* a C-bit under vTOM: not mapped */
	if (gpa_is_mmio(gpa))
		return gpa | NPT_LEAF | NPT_MMIO_MARKER;
	bool private = w->vtom ? gpa < w->vtom : half == 1;
	return private ? private_leaf(w->vmpl, gpa) : shared_leaf(gpa);
}

/** Whether the 512 leaves of the chunk at base are *first, *first + 4 KiB,
 * ... (or all 0): identity RAM with 512 equal RMP entries is (its leaves
 * depend on the entry alone), anything else is checked leaf by leaf. */
static bool chunk_uniform(const struct npt_view *w, unsigned int half, uint64_t base,
			  uint64_t *first)
{
	*first = leaf(w, half, base);
	if (*first & PT_INDEX)
		return false; /* not 2 MiB aligned in host memory */
	if (w->vtom > base && w->vtom < base + PAGE_2M)
		return false; /* vTOM inside (VMRUN refuses that, but a first VMSA is not checked) */
	if (memmap_identity_ram(base, PAGE_2M)) {
		const struct rmp_entry *e = rmp_get(base);
		for (unsigned int i = 1; i < 512; i++)
			if (memcmp(&e[0], &e[i], sizeof(*e)))
				return false;
		return true;
	}
	for (unsigned int i = 1; i < 512; i++)
		if (leaf(w, half, base + i * PAGE_SIZE) != (*first ? *first + i * PAGE_SIZE : 0))
			return false;
	return true;
}

/** Maps the chunk from scratch: nothing, one large MMIO leaf, or its table
 * (present RAM: see above). */
static void map_chunk(struct npt_view *w, unsigned int half, uint64_t chunk)
{
	uint64_t base = chunk * PAGE_2M;
	uint64_t *pde = &w->pd[half][chunk / 512][chunk % 512];
	uint64_t first;
	if (w->vtom && half == 1) {
		*pde = 0; /* a C-bit under vTOM: not mapped */
		return;
	}
	bool uniform = chunk_uniform(w, half, base, &first);
	if (uniform && !first) {
		*pde = 0;
		return;
	}
	if (uniform && (first & NPT_MMIO_MARKER)) {
		*pde = first | NPT_PS;
		return;
	}
	uint64_t *pt = w->pt[half][chunk];
	if (!pt)
		pt = w->pt[half][chunk] = page_alloc(1);
	for (unsigned int i = 0; i < 512; i++)
		pt[i] = uniform ? first + i * PAGE_SIZE : leaf(w, half, base + i * PAGE_SIZE);
	*pde = virt_to_phys(pt) | NPT_TABLE; /* the table is complete first */
}

static struct npt_view *view_build(unsigned int vmpl, uint64_t vtom)
{
	if (view_count == MAX_VIEWS)
		panic("too many NPT views");
	if (!chunks)
		chunks = vm.phys_top / PAGE_2M;
	struct npt_view *w = &views[view_count];
	w->vmpl = vmpl;
	w->vtom = vtom;
	w->pml4 = page_alloc(1);
	w->pml4_pa = virt_to_phys(w->pml4);
	for (unsigned int half = 0; half < 2; half++) {
		uint64_t *pdpt = page_alloc(1);
		w->pml4[half] = virt_to_phys(pdpt) | NPT_TABLE;
		w->pt[half] =
			page_alloc(ALIGN_UP(chunks * sizeof(uint64_t *), PAGE_SIZE) / PAGE_SIZE);
		for (uint64_t g = 0; g < vm.phys_top >> 30; g++) {
			w->pd[half][g] = page_alloc(1);
			pdpt[g] = virt_to_phys(w->pd[half][g]) | NPT_TABLE;
		}
		for (uint64_t chunk = 0; chunk < chunks; chunk++)
			map_chunk(w, half, chunk);
		/* the 64-bit PCI window: 1 GiB MMIO leaves (never RAM, never
                 * changed by the RMP); a C-bit under vTOM stays unmapped */
		for (uint64_t g = vm.phys_top >> 30; g < HIGH_MMIO_END >> 30; g++)
			if (!(w->vtom && half == 1) && high_mmio_gib(g << 30))
				pdpt[g] = (g << 30) | NPT_LEAF | NPT_PS | NPT_MMIO_MARKER;
	}
	view_count++; /* published after it is complete */
	return w;
}

/** The root of the view for (vmpl, vtom), built on first use. */
uint64_t npt_root(unsigned int vmpl, uint64_t vtom)
{
	vm_lock();
	struct npt_view *w = NULL;
	for (unsigned int i = 0; i < view_count && !w; i++)
		if (views[i].vmpl == vmpl && views[i].vtom == vtom)
			w = &views[i];
	if (!w)
		w = view_build(vmpl, vtom);
	vm_unlock();
	return w->pml4_pa;
}

/** One page of a chunk changed: its table entry, or, under a large leaf
 * that no longer maps it, the chunk gets a table. */
static void sync_page(struct npt_view *w, unsigned int half, uint64_t gpa)
{
	uint64_t chunk = gpa / PAGE_2M;
	uint64_t *pde = &w->pd[half][chunk / 512][chunk % 512];
	uint64_t want = leaf(w, half, gpa);
	if (*pde && !(*pde & NPT_PS)) {
		w->pt[half][chunk][(gpa / PAGE_SIZE) % 512] = want;
		return;
	}
	uint64_t have = *pde ? (*pde & ~NPT_PS) + (gpa & PT_INDEX) : 0;
	if (have != want)
		map_chunk(w, half, chunk);
}

/** Caller holds vm_lock (RMP changes do). */
void npt_sync(uint64_t gpa, uint64_t size)
{
	CHECK(gpa / PAGE_2M < chunks || !view_count);
	CHECK(size == PAGE_SIZE || (size == PAGE_2M && !(gpa & (PAGE_2M - 1))));
	for (unsigned int i = 0; i < view_count; i++) {
		struct npt_view *w = &views[i];
		for (unsigned int half = 0; half < 2; half++) {
			if (w->vtom && half == 1)
				continue; /* nothing mapped there */
			if (size == PAGE_2M)
				map_chunk(w, half, gpa / PAGE_2M);
			else
				sync_page(w, half, gpa);
		}
	}
	__atomic_add_fetch(&vm.npt_gen, 1, __ATOMIC_SEQ_CST);
}

void npt_sync_page(uint64_t gpa)
{
	npt_sync(gpa, PAGE_SIZE);
}
