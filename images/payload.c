/* SPDX-License-Identifier: MIT */
/*
 * snpemu payload packing: page tables, GDT, ELF pages, CPUID/secrets pages,
 * memory-map parameter and the initial VMSA, in the order the measurement
 * walks them (protocol/snp_measure.h).
 */
#include <stdlib.h>
#include <string.h>

#include "elf_load.h"
#include "igvm.h"
#include "igvm_write.h"
#include "payload.h"
#include "payload_layout.h"

#define PAGE_SIZE       4096u
#define PT_ENTRIES      512u
#define SNP_MASK        1u      /* our one platform's compatibility bit */

/* x86 paging entry bits */
#define PTE_P           (1ull << 0)
#define PTE_RW          (1ull << 1)
#define PTE_PWT         (1ull << 3)
#define PTE_PCD         (1ull << 4)
#define PTE_PS          (1ull << 7)

#define GIB             (1ull << 30)
#define MIB2            (2ull << 20)

/* Control registers (APM vol. 2 §3.1) */
#define CR0_PE          (1ull << 0)
#define CR0_MP          (1ull << 1)
#define CR0_ET          (1ull << 4)
#define CR0_NE          (1ull << 5)
#define CR0_WP          (1ull << 16)
#define CR0_PG          (1ull << 31)
#define CR4_PAE         (1ull << 5)
#define CR4_OSFXSR      (1ull << 9)
#define CR4_OSXMMEXCPT  (1ull << 10)
#define EFER_LME        (1ull << 8)
#define EFER_LMA        (1ull << 10)
#define EFER_NXE        (1ull << 11)

/* GDT descriptors: null, 64-bit code (0x08), data (0x10) */
#define GDT_CODE64      0x00AF9B000000FFFFull
#define GDT_DATA        0x00CF93000000FFFFull
#define GDT_ENTRIES     3

/* VMSA (VMCB-compressed) segment attributes */
#define ATTR_CODE64     0x029B  /* L | P | S | type 0xB */
#define ATTR_DATA       0x0093  /* P | S | type 0x3 */
#define ATTR_LDT        0x0082
#define ATTR_TSS64_BUSY 0x008B

_Static_assert(PAYLOAD_PDPT_GPA == PAYLOAD_PML4_GPA + PAGE_SIZE &&
	       PAYLOAD_PD_GPA == PAYLOAD_PDPT_GPA + PAGE_SIZE,
	       "payload_layout.h: PML4, PDPT, PDs are consecutive pages");

static void put64(uint8_t *page, unsigned idx, uint64_t v)
{
	memcpy(page + idx * 8u, &v, sizeof(v));
}

/** PD @n (one per GiB of VA): see the layout comment in payload_layout.h. */
static void fill_pd(uint8_t *page, unsigned n, uint64_t cbit_mask)
{
	memset(page, 0, PAGE_SIZE);
	for (unsigned i = 0; i < PT_ENTRIES; i++) {
		uint64_t off = (uint64_t)i * MIB2;

		if (n == 0)             /* private: GPA [0, 1G) | C */
			put64(page, i, off | PTE_P | PTE_RW | PTE_PS | cbit_mask);
		else if (n == 1)        /* shared alias of GPA [0, 1G) */
			put64(page, i, off | PTE_P | PTE_RW | PTE_PS);
		else if (n == 3)        /* shared, uncached MMIO [3G, 4G) */
			put64(page, i, (3 * GIB + off) | PTE_P | PTE_RW |
			      PTE_PS | PTE_PWT | PTE_PCD);
	}
}

static int add_page_tables(struct igvm_builder *b, uint64_t cbit_mask)
{
	uint8_t page[PAGE_SIZE];
	uint64_t table = PTE_P | PTE_RW | cbit_mask;

	memset(page, 0, sizeof(page));
	put64(page, 0, PAYLOAD_PDPT_GPA | table);
	if (igvm_add_page(b, SNP_MASK, PAYLOAD_PML4_GPA, 0,
			  IGVM_PAGE_DATA_TYPE_NORMAL, page))
		return -1;
	memset(page, 0, sizeof(page));
	for (unsigned n = 0; n < 4; n++)
		put64(page, n, (PAYLOAD_PD_GPA + n * PAGE_SIZE) | table);
	if (igvm_add_page(b, SNP_MASK, PAYLOAD_PDPT_GPA, 0,
			  IGVM_PAGE_DATA_TYPE_NORMAL, page))
		return -1;
	for (unsigned n = 0; n < 4; n++) {
		fill_pd(page, n, cbit_mask);
		if (igvm_add_page(b, SNP_MASK, PAYLOAD_PD_GPA + n * PAGE_SIZE,
				  0, IGVM_PAGE_DATA_TYPE_NORMAL,
				  n == 2 ? NULL : page))
			return -1;
	}
	return 0;
}

static int add_gdt(struct igvm_builder *b)
{
	uint8_t page[PAGE_SIZE];

	memset(page, 0, sizeof(page));
	put64(page, PAYLOAD_SEL_CODE64 / 8, GDT_CODE64);
	put64(page, PAYLOAD_SEL_DATA / 8, GDT_DATA);
	return igvm_add_page(b, SNP_MASK, PAYLOAD_GDT_GPA, 0,
			     IGVM_PAGE_DATA_TYPE_NORMAL, page);
}

static int page_is_zero(const uint8_t *p)
{
	for (unsigned i = 0; i < PAGE_SIZE; i++)
		if (p[i])
			return 0;
	return 1;
}

/** One PAGE_DATA per page covered by a PT_LOAD; all-zero pages as ZERO. */
static int add_elf_pages(struct igvm_builder *b, const struct elf_image *img)
{
	for (size_t i = 0; i < img->page_count; i++) {
		const uint8_t *p = img->mem + i * PAGE_SIZE;

		if (!img->present[i])
			continue;
		if (igvm_add_page(b, SNP_MASK, img->base + i * PAGE_SIZE, 0,
				  IGVM_PAGE_DATA_TYPE_NORMAL,
				  page_is_zero(p) ? NULL : p))
			return -1;
	}
	return 0;
}

static int add_launch_pages(struct igvm_builder *b)
{
	if (igvm_add_page(b, SNP_MASK, PAYLOAD_CPUID_GPA, 0,
			  IGVM_PAGE_DATA_TYPE_CPUID_DATA, NULL) ||
	    igvm_add_page(b, SNP_MASK, PAYLOAD_SECRETS_GPA, 0,
			  IGVM_PAGE_DATA_TYPE_SECRETS, NULL) ||
	    igvm_add_parameter_area(b, 0, PAGE_SIZE) ||
	    igvm_add_parameter(b, IGVM_VHT_MEMORY_MAP, 0, 0) ||
	    igvm_add_parameter_insert(b, SNP_MASK, PAYLOAD_MEMMAP_GPA, 0))
		return -1;
	return 0;
}

static void set_seg(struct vmsa_seg *s, uint16_t sel, uint16_t attrib,
		    uint32_t limit, uint64_t base)
{
	s->selector = sel;
	s->attrib = attrib;
	s->limit = limit;
	s->base = base;
}

void payload_vmsa(struct sev_vmsa *v, uint64_t entry, unsigned cbit)
{
	memset(v, 0, sizeof(*v));
	set_seg(&v->cs, PAYLOAD_SEL_CODE64, ATTR_CODE64, 0xFFFFFFFF, 0);
	set_seg(&v->ss, PAYLOAD_SEL_DATA, ATTR_DATA, 0xFFFFFFFF, 0);
	set_seg(&v->ds, PAYLOAD_SEL_DATA, ATTR_DATA, 0xFFFFFFFF, 0);
	set_seg(&v->es, PAYLOAD_SEL_DATA, ATTR_DATA, 0xFFFFFFFF, 0);
	set_seg(&v->fs, PAYLOAD_SEL_DATA, ATTR_DATA, 0xFFFFFFFF, 0);
	set_seg(&v->gs, PAYLOAD_SEL_DATA, ATTR_DATA, 0xFFFFFFFF, 0);
	set_seg(&v->gdtr, 0, 0, GDT_ENTRIES * 8 - 1, PAYLOAD_GDT_GPA);
	set_seg(&v->ldtr, 0, ATTR_LDT, 0xFFFF, 0);
	set_seg(&v->tr, 0, ATTR_TSS64_BUSY, 0xFFFF, 0);
	v->cr0 = CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_PG;
	v->cr3 = PAYLOAD_PML4_GPA | (1ull << cbit);
	v->cr4 = CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT;
	/* SVME must be set for the VMSA to be runnable (SPEC-FACTS §4). */
	v->efer = EFER_LME | EFER_LMA | EFER_NXE | VMSA_EFER_SVME;
	v->rflags = VMSA_RESET_RFLAGS;
	v->rip = entry;
	v->rsp = 0;             /* the payload sets its own stack */
	v->dr6 = VMSA_RESET_DR6;
	v->dr7 = VMSA_RESET_DR7;
	v->g_pat = VMSA_RESET_G_PAT;
	v->xcr0 = VMSA_RESET_XCR0;
	v->mxcsr = VMSA_RESET_MXCSR;
	v->x87_fcw = 0x037F;    /* FNINIT value, as mushroom [MU] */
	v->vmpl = 0;
	v->sev_features = SEV_FEAT_SNP_ACTIVE;
}

static int add_vmsa(struct igvm_builder *b, uint64_t entry, unsigned cbit)
{
	struct sev_vmsa v;

	payload_vmsa(&v, entry, cbit);
	return igvm_add_vp_context(b, SNP_MASK, PAYLOAD_VMSA_GPA, 0,
				   (const uint8_t *)&v);
}

static int build(struct igvm_builder *b, const struct elf_image *img,
		 unsigned cbit)
{
	if (igvm_add_platform_snp(b, SNP_MASK) ||
	    igvm_add_guest_policy(b, SNP_MASK, SNP_POLICY_DEFAULT) ||
	    add_page_tables(b, 1ull << cbit) ||
	    add_gdt(b) ||
	    add_elf_pages(b, img) ||
	    add_launch_pages(b) ||
	    add_vmsa(b, img->entry, cbit))
		return -1;
	return 0;
}

int payload_build(const uint8_t *elf, size_t elf_size, unsigned cbit,
		  uint8_t **out, size_t *out_len, struct mk_err *err)
{
	struct elf_image img;
	struct igvm_builder b;
	int rc;

	if (cbit < PAYLOAD_CBIT_MIN || cbit > PAYLOAD_CBIT_MAX)
		return mk_fail(err, "C-bit %u outside [%d, %d]", cbit,
			       PAYLOAD_CBIT_MIN, PAYLOAD_CBIT_MAX);
	if (elf_load(elf, elf_size, PAYLOAD_LOAD_GPA, PAYLOAD_LOAD_MAX, &img,
		     err))
		return -1;
	igvm_builder_init(&b);
	rc = build(&b, &img, cbit);
	if (rc)
		mk_fail(err, "out of memory while building the IGVM file");
	else
		rc = igvm_builder_finish(&b, out, out_len, err);
	igvm_builder_free(&b);
	elf_image_free(&img);
	return rc;
}
