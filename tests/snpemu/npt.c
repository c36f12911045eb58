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
 *       the access becomes #VC 0x400 (NPF with PFCODE.RSV); above 4 GiB
 *       (the 64-bit PCI window, up to the C-bit) with 1 GiB leaves;
 *   anything else (snpemu's memory, host RAM above 4 GiB): not present.
 * A not-present leaf exits #NPF and exit.c applies the hardware's rule.
 */
#include "sev.h"
#include "vm.h"

#define NPT_P	  BIT(0)
#define NPT_RW	  BIT(1)
#define NPT_US	  BIT(2) /* nested walks are user accesses */
#define NPT_PS	  BIT(7)
#define NPT_NX	  BIT(63)
#define NPT_TABLE (NPT_P | NPT_RW | NPT_US)
#define NPT_LEAF  (NPT_P | NPT_RW | NPT_US)

#define CHUNKS	  2048 /* 2 MiB chunks below 4 GiB */
#define MAX_VIEWS 8

struct npt_view {
	unsigned int vmpl;
	uint64_t vtom;
	uint64_t *pml4;
	uint64_t pml4_pa;
	uint64_t *pd[2][4];	 /* [half][GiB]: half 1 = C-bit half */
	uint64_t *pt[2][CHUNKS]; /* NULL where a large leaf (or nothing) maps */
};

static struct npt_view views[MAX_VIEWS];
static unsigned int view_count;

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

/** How a 2 MiB chunk is mapped in a half: nothing, one large MMIO leaf,
 * or page by page. */
enum chunk_kind { CHUNK_EMPTY, CHUNK_MMIO, CHUNK_PAGES };

static enum chunk_kind chunk_kind(const struct npt_view *w, unsigned int half, uint64_t base)
{
	unsigned int mmio = 0;
	if (w->vtom && half == 1)
		return CHUNK_EMPTY;
	for (uint64_t p = base; p < base + PAGE_2M; p += PAGE_SIZE) {
		if (gpa_is_ram(p))
			return CHUNK_PAGES;
		if (gpa_is_mmio(p))
			mmio++;
	}
	if (!mmio)
		return CHUNK_EMPTY;
	return mmio == 512 ? CHUNK_MMIO : CHUNK_PAGES;
}

static void build_chunk(struct npt_view *w, unsigned int half, uint64_t chunk)
{
	uint64_t base = chunk * PAGE_2M;
	uint64_t *pde = &w->pd[half][chunk / 512][chunk % 512];
	switch (chunk_kind(w, half, base)) {
	case CHUNK_EMPTY:
		return;
	case CHUNK_MMIO:
		*pde = base | NPT_LEAF | NPT_PS | NPT_MMIO_MARKER;
		return;
	case CHUNK_PAGES:
		w->pt[half][chunk] = page_alloc(1);
		for (unsigned int i = 0; i < 512; i++)
			w->pt[half][chunk][i] = leaf(w, half, base + i * PAGE_SIZE);
		*pde = virt_to_phys(w->pt[half][chunk]) | NPT_TABLE;
	}
}

static struct npt_view *view_build(unsigned int vmpl, uint64_t vtom)
{
	if (view_count == MAX_VIEWS)
		panic("too many NPT views");
	struct npt_view *w = &views[view_count];
	w->vmpl = vmpl;
	w->vtom = vtom;
	w->pml4 = page_alloc(1);
	w->pml4_pa = virt_to_phys(w->pml4);
	for (unsigned int half = 0; half < 2; half++) {
		uint64_t *pdpt = page_alloc(1);
		w->pml4[half] = virt_to_phys(pdpt) | NPT_TABLE;
		for (unsigned int g = 0; g < 4; g++) {
			w->pd[half][g] = page_alloc(1);
			pdpt[g] = virt_to_phys(w->pd[half][g]) | NPT_TABLE;
		}
		for (uint64_t chunk = 0; chunk < CHUNKS; chunk++)
			build_chunk(w, half, chunk);
		/* the 64-bit PCI window: 1 GiB MMIO leaves (never RAM, never
         * changed by the RMP); a C-bit under vTOM stays unmapped */
		for (uint64_t g = HIGH_MMIO_START >> 30; g < HIGH_MMIO_END >> 30; g++)
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

/** Caller holds vm_lock (RMP changes do). */
void npt_sync_page(uint64_t gpa)
{
	uint64_t chunk = gpa / PAGE_2M;
	CHECK(chunk < CHUNKS);
	for (unsigned int i = 0; i < view_count; i++) {
		struct npt_view *w = &views[i];
		for (unsigned int half = 0; half < 2; half++)
			if (w->pt[half][chunk])
				w->pt[half][chunk][(gpa / PAGE_SIZE) % 512] = leaf(w, half, gpa);
	}
	__atomic_add_fetch(&vm.npt_gen, 1, __ATOMIC_SEQ_CST);
}
