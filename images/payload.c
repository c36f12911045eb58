/* SPDX-License-Identifier: MIT */
/*
 * snpemu payload packing: page tables, GDT, ELF pages, CPUID/secrets pages,
 * memory-map parameter and the initial VMSA, in the order the measurement
 * walks them (protocol/snp_measure.h).
 */
#include <string.h>

#include "igvm.h"
#include "image.h"
#include "payload.h"
#include "payload_layout.h"

#define PAGE_SIZE  IMAGE_PAGE_SIZE
#define PT_ENTRIES 512u
#define SNP_MASK   IMAGE_SNP_MASK

/* x86 paging entry bits */
#define PTE_P	(1ull << 0)
#define PTE_RW	(1ull << 1)
#define PTE_PWT (1ull << 3)
#define PTE_PCD (1ull << 4)
#define PTE_PS	(1ull << 7)

#define GIB  (1ull << 30)
#define MIB2 (2ull << 20)

/* GDT descriptors: null, 64-bit code (0x08), data (0x10) */
#define GDT_CODE64  0x00AF9B000000FFFFull
#define GDT_DATA    0x00CF93000000FFFFull
#define GDT_ENTRIES 3

/* VMSA (VMCB-compressed) segment attributes */
#define ATTR_CODE64 0x029B /* L | P | S | type 0xB */
#define ATTR_DATA   0x0093 /* P | S | type 0x3 */

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

		if (n == 0) /* private: GPA [0, 1G) | C */
			put64(page, i, off | PTE_P | PTE_RW | PTE_PS | cbit_mask);
		else if (n == 1) /* shared alias of GPA [0, 1G) */
			put64(page, i, off | PTE_P | PTE_RW | PTE_PS);
		else if (n == 3) /* shared, uncached MMIO [3G, 4G) */
			put64(page, i,
			      (3 * GIB + off) | PTE_P | PTE_RW | PTE_PS | PTE_PWT | PTE_PCD);
	}
}

static int add_page_tables(struct igvm_builder *b, uint64_t cbit_mask)
{
	uint8_t page[PAGE_SIZE];
	uint64_t table = PTE_P | PTE_RW | cbit_mask;

	memset(page, 0, sizeof(page));
	put64(page, 0, PAYLOAD_PDPT_GPA | table);
	if (igvm_add_page(b, SNP_MASK, PAYLOAD_PML4_GPA, 0, IGVM_PAGE_DATA_TYPE_NORMAL, page))
		return -1;
	memset(page, 0, sizeof(page));
	for (unsigned n = 0; n < 4; n++)
		put64(page, n, (PAYLOAD_PD_GPA + n * PAGE_SIZE) | table);
	if (igvm_add_page(b, SNP_MASK, PAYLOAD_PDPT_GPA, 0, IGVM_PAGE_DATA_TYPE_NORMAL, page))
		return -1;
	for (unsigned n = 0; n < 4; n++) {
		fill_pd(page, n, cbit_mask);
		if (igvm_add_page(b, SNP_MASK, PAYLOAD_PD_GPA + n * PAGE_SIZE, 0,
				  IGVM_PAGE_DATA_TYPE_NORMAL, n == 2 ? NULL : page))
			return -1;
	}
	return 0;
}

static int add_gdt(struct igvm_builder *b)
{
	static const uint64_t gdt[GDT_ENTRIES] = {
		[PAYLOAD_SEL_CODE64 / 8] = GDT_CODE64,
		[PAYLOAD_SEL_DATA / 8] = GDT_DATA,
	};

	return image_add_words(b, PAYLOAD_GDT_GPA, gdt, GDT_ENTRIES);
}

void payload_vmsa(struct sev_vmsa *v, uint64_t entry, unsigned cbit)
{
	const struct image_cpu cpu = {
		.entry = entry,
		.code_sel = PAYLOAD_SEL_CODE64,
		.code_attrib = ATTR_CODE64,
		.data_sel = PAYLOAD_SEL_DATA,
		.data_attrib = ATTR_DATA,
		.gdt_gpa = PAYLOAD_GDT_GPA,
		.gdt_limit = GDT_ENTRIES * 8 - 1,
		.sev_features = SEV_FEAT_SNP_ACTIVE,
	};

	image_vmsa_init(v, &cpu);
	v->cr0 = CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_PG;
	v->cr3 = PAYLOAD_PML4_GPA | (1ull << cbit);
	v->cr4 = CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT;
	/* SVME must be set for the VMSA to be runnable (APM vol. 2, 15.5.1). */
	v->efer = EFER_LME | EFER_LMA | EFER_NXE | VMSA_EFER_SVME;
}

static int fill(struct igvm_builder *b, const struct elf_image *img, const void *ctx)
{
	unsigned cbit = *(const unsigned *)ctx;
	struct sev_vmsa v;

	payload_vmsa(&v, img->entry, cbit);
	if (image_add_platform(b) || add_page_tables(b, 1ull << cbit) || add_gdt(b) ||
	    image_add_elf_pages(b, img) ||
	    image_add_cpuid_secrets(b, PAYLOAD_CPUID_GPA, PAYLOAD_SECRETS_GPA) ||
	    image_add_memory_map(b, PAYLOAD_MEMMAP_GPA) || image_add_vmsa(b, PAYLOAD_VMSA_GPA, &v))
		return -1;
	return 0;
}

int payload_build(const uint8_t *elf, size_t elf_size, unsigned cbit, uint8_t **out,
		  size_t *out_len, struct mk_err *err)
{
	const struct image_spec spec = {
		.window = { .min = PAYLOAD_LOAD_GPA, .max = PAYLOAD_LOAD_MAX },
		.fill = fill,
		.ctx = &cbit,
	};

	if (cbit < PAYLOAD_CBIT_MIN || cbit > PAYLOAD_CBIT_MAX)
		return mk_fail(err, "C-bit %u outside [%d, %d]", cbit, PAYLOAD_CBIT_MIN,
			       PAYLOAD_CBIT_MAX);
	return image_build(elf, elf_size, &spec, out, out_len, err);
}
