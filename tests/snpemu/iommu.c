/* SPDX-License-Identifier: MIT */
/*
 * The DMA rule of SEV-SNP: a device's DMA reaches hypervisor-owned (shared)
 * pages only; DMA aimed at a guest-owned (private) page fails, and so does
 * DMA at anything that is not guest memory (snpemu's own memory included).
 *
 * snpemu plays the host IOMMU with QEMU's intel-iommu, the q35 VT-d unit
 * (Intel VT-d spec, "Intel Virtualization Technology for Directed I/O",
 * ch. 9 and 11; legacy translation mode, register-based invalidation):
 *
 *   root table (256 buses) -> one context table (256 devfns), every entry
 *   present, domain 1, translation type 0 -> one second-level table,
 *   3- or 4-level as SAGAW allows, identity (IOVA == GPA == HPA) at 4 KiB
 *   granularity, whose leaves are derived from the RMP: read/write iff the
 *   page is guest RAM, hypervisor-owned and identity-backed; nothing else.
 *
 * Page tables for a 2 MiB chunk are allocated when a page of it first
 * becomes shared.  A refused DMA is recorded by the unit in its fault
 * recording registers (fault events stay masked); iommu_poll() logs and
 * clears them.  The guest never sees the unit: io.c hides its page.
 */
#include "iommu.h"
#include "vm.h"

#define DMAR_BASE 0xFED90000ULL /* q35's VT-d unit */

/* Registers (VT-d spec §11.4) */
#define REG_VER	   0x00
#define REG_CAP	   0x08
#define REG_ECAP   0x10
#define REG_GCMD   0x18
#define REG_GSTS   0x1C
#define REG_RTADDR 0x20
#define REG_CCMD   0x28
#define REG_FSTS   0x34
#define REG_FECTL  0x38

#define CAP_RWBF     BIT(4)
#define CAP_CM	     BIT(7)
#define CAP_SAGAW(c) ((unsigned int)((c) >> 8) & 0x1F)
#define CAP_FRO(c)   ((uint32_t)(((c) >> 24) & 0x3FF) * 16)
#define CAP_PSI	     BIT(39)
#define CAP_NFR(c)   ((uint32_t)(((c) >> 40) & 0xFF) + 1)
#define CAP_DWD	     BIT(54)
#define CAP_DRD	     BIT(55)
#define ECAP_IRO(e)  ((uint32_t)(((e) >> 8) & 0x3FF) * 16)
#define SAGAW_3LEVEL BIT(1) /* 39-bit guest address width */
#define SAGAW_4LEVEL BIT(2) /* 48-bit */

#define GCMD_TE		BIT(31)
#define GCMD_SRTP	BIT(30)
#define GSTS_TES	BIT(31)
#define GSTS_RTPS	BIT(30)
#define GSTS_QIES	BIT(26)
#define GSTS_PERSISTENT 0x96FFFFFFu /* GSTS minus the one-shot commands */

#define CCMD_ICC    BIT(63)
#define CCMD_GLOBAL (1ULL << 61)
#define CCMD_CAIG   (3ULL << 59)

/* IVA at ECAP.IRO, IOTLB invalidate 8 bytes above it */
#define IOTLB_IVT    BIT(63)
#define IOTLB_GLOBAL (1ULL << 60)
#define IOTLB_DOMAIN (2ULL << 60)
#define IOTLB_PAGE   (3ULL << 60)
#define IOTLB_IAIG   (3ULL << 57)
#define IOTLB_DR     BIT(49)
#define IOTLB_DW     BIT(48)
#define IOTLB_DID(d) ((uint64_t)(d) << 32)

#define FSTS_PFO    BIT(0)
#define FSTS_PPF    BIT(1)
#define FSTS_FRI(f) (((f) >> 8) & 0xFF)
#define FECTL_IM    BIT(31)

/* Fault recording register, upper 64 bits */
#define FRCD_F	       BIT(63)
#define FRCD_T_READ    BIT(62)
#define FRCD_FR(h)     ((unsigned int)((h) >> 32) & 0xFF)
#define FRCD_SID(h)    ((unsigned int)(h)&0xFFFF)
#define FR_BEYOND_MGAW 4
#define FR_WRITE       5 /* no write permission: not mapped */
#define FR_READ	       6

#define ENTRY_P	      BIT(0) /* root and context entries */
#define CTX_AW_3LEVEL 1
#define CTX_AW_4LEVEL 2
#define SL_RW	      (BIT(0) | BIT(1))
#define DOMAIN_ID     1

#define MAX_GIB	   512 /* what one 3-level table (39 bits) reaches */
#define SPIN_LIMIT 10000000u

static struct {
	volatile uint8_t *regs;
	uint64_t cap;
	uint32_t iotlb_reg;    /* offset of the IOTLB invalidate register */
	uint32_t fro, nfr;     /* fault recording registers */
	uint64_t *pd[MAX_GIB]; /* [GiB] below vm.phys_top */
	uint64_t **pt;	       /* [2 MiB chunk]: NULL until a page of the chunk is shared */
	uint64_t chunks;       /* vm.phys_top / 2 MiB */
	bool on;	       /* translation enabled */
} dmar;

static uint32_t rd32(uint32_t off)
{
	return *(volatile uint32_t *)(dmar.regs + off);
}

static uint64_t rd64(uint32_t off)
{
	return *(volatile uint64_t *)(dmar.regs + off);
}

/* The barrier orders table stores before the register write that makes
 * the unit read them. */
static void wr32(uint32_t off, uint32_t val)
{
	__asm__ volatile("" ::: "memory");
	*(volatile uint32_t *)(dmar.regs + off) = val;
}

static void wr64(uint32_t off, uint64_t val)
{
	__asm__ volatile("" ::: "memory");
	*(volatile uint64_t *)(dmar.regs + off) = val;
}

/** Spins until (register & mask) == want; panics if it never comes. */
static uint64_t wait_reg(uint32_t off, bool wide, uint64_t mask, uint64_t want, const char *what)
{
	for (uint32_t i = 0; i < SPIN_LIMIT; i++) {
		uint64_t v = wide ? rd64(off) : rd32(off);
		if ((v & mask) == want)
			return v;
		__asm__ volatile("pause");
	}
	panic("IOMMU: %s did not complete", what);
}

static void global_command(uint32_t cmd, uint32_t status_bit, bool set, const char *what)
{
	wr32(REG_GCMD, (rd32(REG_GSTS) & GSTS_PERSISTENT) | cmd);
	wait_reg(REG_GSTS, false, status_bit, set ? status_bit : 0, what);
}

static uint64_t drain_bits(void)
{
	return ((dmar.cap & CAP_DRD) ? IOTLB_DR : 0) | ((dmar.cap & CAP_DWD) ? IOTLB_DW : 0);
}

static void iotlb_invalidate(uint64_t granularity)
{
	wr64(dmar.iotlb_reg, IOTLB_IVT | granularity | drain_bits() | IOTLB_DID(DOMAIN_ID));
	uint64_t v = wait_reg(dmar.iotlb_reg, true, IOTLB_IVT, 0, "IOTLB invalidation");
	if (!(v & IOTLB_IAIG))
		panic("IOMMU: IOTLB invalidation refused (%#lx)", (unsigned long)v);
}

/** After a leaf or a table pointer covering gpa changed. */
static void iotlb_invalidate_page(uint64_t gpa)
{
	if (!(dmar.cap & CAP_PSI)) {
		iotlb_invalidate(IOTLB_DOMAIN);
		return;
	}
	wr64(dmar.iotlb_reg - 8, gpa); /* IVA: address, AM 0, IH 0 */
	iotlb_invalidate(IOTLB_PAGE);
}

/** The second-level leaf for gpa: identity, read/write, for a shared page
 * of guest RAM that is its own host page; 0 (no access) otherwise. */
static uint64_t dma_leaf(uint64_t gpa)
{
	if (!gpa_is_ram(gpa) || (rmp_get(gpa)->flags & RMP_ASSIGNED))
		return 0;
	/* Firmware-window pages are backed by snpemu's memory: never mapped. */
	if (gpa_to_hpa(gpa) != gpa || snpemu_owns(gpa))
		return 0;
	return gpa | SL_RW;
}

static uint64_t *leaf_slot(uint64_t gpa, bool alloc)
{
	uint64_t chunk = gpa / PAGE_2M;
	CHECK(chunk < dmar.chunks);
	if (!dmar.pt[chunk]) {
		if (!alloc)
			return NULL;
		dmar.pt[chunk] = page_alloc(1);
		dmar.pd[chunk / 512][chunk % 512] = virt_to_phys(dmar.pt[chunk]) | SL_RW;
	}
	return &dmar.pt[chunk][(gpa / PAGE_SIZE) % 512];
}

void iommu_page_changed(uint64_t gpa)
{
	if (!dmar.on)
		return; /* iommu_init() maps what is shared by then */
	uint64_t want = dma_leaf(gpa);
	uint64_t *slot = leaf_slot(gpa, want != 0);
	if (!slot || *slot == want)
		return;
	uint64_t old = *slot;
	*slot = want;
	/* Without caching mode the unit caches no not-present entry. */
	if (old || (dmar.cap & CAP_CM))
		iotlb_invalidate_page(gpa);
}

/** Root table -> context table -> the second-level table; returns the
 * root table's address. */
static uint64_t build_tables(unsigned int levels)
{
	uint64_t *root = page_alloc(1), *ctx = page_alloc(1), *pdpt = page_alloc(1);
	uint64_t top = virt_to_phys(pdpt);
	if (levels == 4) {
		uint64_t *pml4 = page_alloc(1);
		pml4[0] = top | SL_RW;
		top = virt_to_phys(pml4);
	}
	CHECK(vm.phys_top >> 30 <= MAX_GIB);
	dmar.chunks = vm.phys_top / PAGE_2M;
	dmar.pt = page_alloc(ALIGN_UP(dmar.chunks * sizeof(uint64_t *), PAGE_SIZE) / PAGE_SIZE);
	for (unsigned int g = 0; g < vm.phys_top >> 30; g++) {
		dmar.pd[g] = page_alloc(1);
		pdpt[g] = virt_to_phys(dmar.pd[g]) | SL_RW;
	}
	for (unsigned int i = 0; i < 256; i++) {
		root[2 * i] = virt_to_phys(ctx) | ENTRY_P; /* every bus */
		ctx[2 * i] = top | ENTRY_P;		   /* every devfn, TT 0 */
		ctx[2 * i + 1] = (levels == 4 ? CTX_AW_4LEVEL : CTX_AW_3LEVEL) |
				 ((uint64_t)DOMAIN_ID << 8);
	}
	uint64_t shared = 0;
	for (unsigned int r = 0; r < vm.ram_count; r++)
		for (uint64_t gpa = vm.ram[r].start; gpa < vm.ram[r].end; gpa += PAGE_SIZE) {
			/* launch state: RAM is guest-owned in 2 MiB entries */
			if (!(gpa & (PAGE_2M - 1)) && gpa + PAGE_2M <= vm.ram[r].end &&
			    rmp_is_2m(gpa) && (rmp_get(gpa)->flags & RMP_ASSIGNED)) {
				gpa += PAGE_2M - PAGE_SIZE;
				continue;
			}
			uint64_t leaf = dma_leaf(gpa);
			if (leaf) {
				*leaf_slot(gpa, true) = leaf;
				shared++;
			}
		}
	log_printf("IOMMU: %u-level DMA tables, %lu shared pages mapped", levels,
		   (unsigned long)shared);
	return virt_to_phys(root);
}

void iommu_init(void)
{
	dmar.regs = phys_to_virt(DMAR_BASE);
	uint32_t ver = rd32(REG_VER);
	dmar.cap = rd64(REG_CAP);
	uint64_t ecap = rd64(REG_ECAP);
	if (ver == 0 || ver == ~0u || !dmar.cap || dmar.cap == ~0ULL)
		panic("no VT-d DMA remapping unit at %#llx (version %#x): run QEMU with "
		      "-device intel-iommu, or device DMA would reach private memory",
		      DMAR_BASE, ver);
	unsigned int sagaw = CAP_SAGAW(dmar.cap);
	unsigned int levels = (sagaw & SAGAW_4LEVEL) ? 4 : (sagaw & SAGAW_3LEVEL) ? 3 : 0;
	if (!levels)
		panic("IOMMU: no 3- or 4-level DMA translation (SAGAW %#x): "
		      "intel-iommu with dma-translation=off cannot enforce the DMA rule",
		      sagaw);
	if (dmar.cap & CAP_RWBF)
		panic("IOMMU: write-buffer flushing required (CAP %#lx): not supported",
		      (unsigned long)dmar.cap);
	if (rd32(REG_GSTS) & (GSTS_TES | GSTS_QIES))
		panic("IOMMU: already enabled at reset (GSTS %#x)", rd32(REG_GSTS));
	dmar.iotlb_reg = ECAP_IRO(ecap) + 8;
	dmar.fro = CAP_FRO(dmar.cap);
	dmar.nfr = CAP_NFR(dmar.cap);

	wr64(REG_RTADDR, build_tables(levels)); /* legacy mode: TTM 0 */
	global_command(GCMD_SRTP, GSTS_RTPS, true, "root table pointer");
	wr64(REG_CCMD, CCMD_ICC | CCMD_GLOBAL);
	uint64_t ccmd = wait_reg(REG_CCMD, true, CCMD_ICC, 0, "context-cache invalidation");
	if (!(ccmd & CCMD_CAIG))
		panic("IOMMU: context-cache invalidation refused (%#lx)", (unsigned long)ccmd);
	iotlb_invalidate(IOTLB_GLOBAL);
	wr32(REG_FECTL, FECTL_IM); /* faults are polled, never signalled */
	global_command(GCMD_TE, GSTS_TES, true, "translation enable");
	dmar.on = true;
	log_printf("IOMMU: VT-d %u.%u at %#llx: DMA reaches shared pages only "
		   "(%u fault records)",
		   (ver >> 4) & 0xF, ver & 0xF, DMAR_BASE, dmar.nfr);
}

bool iommu_mmio_hidden(uint64_t gpa)
{
	return (gpa & PAGE_MASK) == DMAR_BASE;
}

static const char *dma_target(uint64_t gpa)
{
	if (!gpa_is_ram(gpa))
		return "not guest memory";
	if (rmp_get(gpa)->flags & RMP_ASSIGNED)
		return "private page";
	return "not DMA-mapped"; /* firmware window, or changed since */
}

static void report_fault(uint64_t lo, uint64_t hi)
{
	unsigned int sid = FRCD_SID(hi), fr = FRCD_FR(hi);
	uint64_t gpa = lo & PAGE_MASK;
	if (fr != FR_WRITE && fr != FR_READ && fr != FR_BEYOND_MGAW)
		panic("IOMMU: fault reason %#x for device %02x:%02x.%x at %#lx: "
		      "snpemu's DMA tables are wrong",
		      fr, sid >> 8, (sid >> 3) & 0x1F, sid & 7, (unsigned long)gpa);
	log_printf("DMA refused: device %02x:%02x.%x %s GPA %#lx (%s)", sid >> 8, (sid >> 3) & 0x1F,
		   sid & 7, (hi & FRCD_T_READ) ? "read" : "wrote", (unsigned long)gpa,
		   dma_target(gpa));
}

void iommu_poll(void)
{
	if (!dmar.on)
		return;
	uint32_t fsts = rd32(REG_FSTS);
	if (!(fsts & (FSTS_PPF | FSTS_PFO)))
		return;
	for (uint32_t i = 0; i < dmar.nfr; i++) {
		uint32_t off = dmar.fro + ((FSTS_FRI(fsts) + i) % dmar.nfr) * 16;
		uint64_t hi = rd64(off + 8);
		if (!(hi & FRCD_F))
			continue;
		report_fault(rd64(off), hi);
		wr64(off + 8, FRCD_F); /* F is write-1-to-clear */
	}
	if (fsts & FSTS_PFO)
		log_printf("IOMMU: fault log overflowed, later DMA faults were not recorded");
	wr32(REG_FSTS, fsts & FSTS_PFO);
}
