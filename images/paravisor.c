/* SPDX-License-Identifier: MIT */
/*
 * paravisor.igvm: in the order the measurement walks them
 * (protocol/snp_measure.h), the platform headers, the paravisor ELF by
 * p_paddr, the CPUID / secrets / boot GDT / firmware-info pages, the
 * memory-map parameter, OVMF.fd's unmodified bytes ending at 4 GiB, and the
 * VMPL0 VMSA (32-bit protected mode, paging off, at the ELF entry point).
 */
#include "igvm.h"
#include "image.h"
#include "paravisor.h"
#include "paravisor_layout.h"

/* Boot GDT (paravisor_layout.h): null, code32 0x08, data 0x10, code64 0x18 */
#define GDT_CODE32  0x00CF9B000000FFFFull
#define GDT_DATA    0x00CF93000000FFFFull
#define GDT_CODE64  0x00AF9B000000FFFFull
#define GDT_ENTRIES 4

/* VMSA (VMCB-compressed) segment attributes */
#define ATTR_CODE32 0x0C9B /* G | D/B | P | S | type 0xB */
#define ATTR_DATA32 0x0C93 /* G | D/B | P | S | type 0x3 */

_Static_assert(PV_SEL_CODE32 == 0x08 && PV_SEL_DATA == 0x10 && PV_SEL_CODE64 == 0x18,
	       "boot GDT selectors");

/** The firmware bytes fill() places below 4 GiB. */
struct fw {
	const uint8_t *bytes;
	size_t size;
};

int paravisor_check_firmware(size_t size, struct mk_err *err)
{
	if (size == 0)
		return mk_fail(err, "firmware file is empty");
	if (size % IMAGE_PAGE_SIZE)
		return mk_fail(err,
			       "firmware is %zu bytes, not a multiple of "
			       "4 KiB",
			       size);
	if (size > PARAVISOR_FW_MAX)
		return mk_fail(err,
			       "firmware is %zu bytes, more than the "
			       "16 MiB firmware window below 4 GiB",
			       size);
	return 0;
}

void paravisor_vmsa(struct sev_vmsa *v, uint64_t entry)
{
	const struct image_cpu cpu = {
		.entry = entry,
		.code_sel = PV_SEL_CODE32,
		.code_attrib = ATTR_CODE32,
		.data_sel = PV_SEL_DATA,
		.data_attrib = ATTR_DATA32,
		.gdt_gpa = PV_GDT_GPA,
		.gdt_limit = GDT_ENTRIES * 8 - 1,
		.sev_features = SEV_FEAT_SNP_ACTIVE | SEV_FEAT_RESTRICTED_INJ,
	};

	image_vmsa_init(v, &cpu);
	v->cr0 = CR0_PE | CR0_ET; /* protected mode, paging off */
	v->cr3 = 0;
	v->cr4 = 0;
	/* SVME must be set for the VMSA to be runnable (APM vol. 2, 15.5.1). */
	v->efer = VMSA_EFER_SVME;
}

/** CPUID, secrets, boot GDT and firmware-info pages. */
static int add_launch_pages(struct igvm_builder *b, const struct fw *fw)
{
	static const uint64_t gdt[GDT_ENTRIES] = {
		[PV_SEL_CODE32 / 8] = GDT_CODE32,
		[PV_SEL_DATA / 8] = GDT_DATA,
		[PV_SEL_CODE64 / 8] = GDT_CODE64,
	};
	const uint64_t info[] = {
		PV_FW_INFO_MAGIC,
		PARAVISOR_FW_END - fw->size,
		fw->size,
	};

	_Static_assert(sizeof(info) == sizeof(struct pv_fw_info),
		       "info words are struct pv_fw_info");
	if (image_add_cpuid_secrets(b, PV_CPUID_GPA, PV_SECRETS_GPA) ||
	    image_add_words(b, PV_GDT_GPA, gdt, GDT_ENTRIES) ||
	    image_add_words(b, PV_FW_INFO_GPA, info, 3))
		return -1;
	return 0;
}

/** OVMF.fd as NORMAL measured pages at [4 GiB - size, 4 GiB). */
static int add_firmware(struct igvm_builder *b, const struct fw *fw)
{
	uint64_t base = PARAVISOR_FW_END - fw->size;

	for (size_t off = 0; off < fw->size; off += IMAGE_PAGE_SIZE)
		if (igvm_add_page(b, IMAGE_SNP_MASK, base + off, 0, IGVM_PAGE_DATA_TYPE_NORMAL,
				  fw->bytes + off))
			return -1;
	return 0;
}

static int fill(struct igvm_builder *b, const struct elf_image *img, const void *ctx)
{
	const struct fw *fw = ctx;
	struct sev_vmsa v;

	paravisor_vmsa(&v, img->entry);
	if (image_add_platform(b) || image_add_elf_pages(b, img) || add_launch_pages(b, fw) ||
	    image_add_memory_map(b, PV_MEMMAP_GPA) || add_firmware(b, fw) ||
	    image_add_vmsa(b, PV_VMSA_GPA, &v))
		return -1;
	return 0;
}

int paravisor_build(const uint8_t *elf, size_t elf_size, const uint8_t *fw, size_t fw_size,
		    uint8_t **out, size_t *out_len, struct mk_err *err)
{
	const struct fw f = { fw, fw_size };
	const struct image_spec spec = {
		.window = {
			.min = PV_IMAGE_GPA, .max = PV_LAUNCH_END,
			.vma_offset = PV_KERNEL_VMA - PV_KERNEL_LMA,
		},
		.fill = fill,
		.ctx = &f,
	};

	if (paravisor_check_firmware(fw_size, err))
		return -1;
	return image_build(elf, elf_size, &spec, out, out_len, err);
}
