/* SPDX-License-Identifier: MIT */
/*
 * Image pieces shared by payload.c and paravisor.c (see image.h).
 */
#include <stdlib.h>
#include <string.h>

#include "igvm.h"
#include "image.h"

/* VMSA (VMCB-compressed) attributes of the system segments at reset */
#define ATTR_LDT      0x0082
#define ATTR_TSS_BUSY 0x008B

int image_add_platform(struct igvm_builder *b)
{
	if (igvm_add_platform_snp(b, IMAGE_SNP_MASK) ||
	    igvm_add_guest_policy(b, IMAGE_SNP_MASK, SNP_POLICY_DEFAULT))
		return -1;
	return 0;
}

static int page_is_zero(const uint8_t *p)
{
	for (unsigned i = 0; i < IMAGE_PAGE_SIZE; i++)
		if (p[i])
			return 0;
	return 1;
}

int image_add_elf_pages(struct igvm_builder *b, const struct elf_image *img)
{
	for (size_t i = 0; i < img->page_count; i++) {
		const uint8_t *p = img->mem + i * IMAGE_PAGE_SIZE;

		if (!img->present[i])
			continue;
		if (igvm_add_page(b, IMAGE_SNP_MASK, img->base + i * IMAGE_PAGE_SIZE, 0,
				  IGVM_PAGE_DATA_TYPE_NORMAL, page_is_zero(p) ? NULL : p))
			return -1;
	}
	return 0;
}

int image_add_words(struct igvm_builder *b, uint64_t gpa, const uint64_t *words, size_t count)
{
	uint8_t page[IMAGE_PAGE_SIZE];

	memset(page, 0, sizeof(page));
	memcpy(page, words, count * sizeof(*words));
	return igvm_add_page(b, IMAGE_SNP_MASK, gpa, 0, IGVM_PAGE_DATA_TYPE_NORMAL, page);
}

int image_add_cpuid_secrets(struct igvm_builder *b, uint64_t cpuid_gpa, uint64_t secrets_gpa)
{
	if (igvm_add_page(b, IMAGE_SNP_MASK, cpuid_gpa, 0, IGVM_PAGE_DATA_TYPE_CPUID_DATA, NULL) ||
	    igvm_add_page(b, IMAGE_SNP_MASK, secrets_gpa, 0, IGVM_PAGE_DATA_TYPE_SECRETS, NULL))
		return -1;
	return 0;
}

int image_add_memory_map(struct igvm_builder *b, uint64_t gpa)
{
	if (igvm_add_parameter_area(b, 0, IMAGE_PAGE_SIZE) ||
	    igvm_add_parameter(b, IGVM_VHT_MEMORY_MAP, 0, 0) ||
	    igvm_add_parameter_insert(b, IMAGE_SNP_MASK, gpa, 0))
		return -1;
	return 0;
}

void image_vmsa_init(struct sev_vmsa *v, const struct image_cpu *cpu)
{
	const struct vmsa_seg code = {
		cpu->code_sel,
		cpu->code_attrib,
		0xFFFFFFFF,
		0,
	};
	const struct vmsa_seg data = {
		cpu->data_sel,
		cpu->data_attrib,
		0xFFFFFFFF,
		0,
	};

	memset(v, 0, sizeof(*v));
	v->cs = code;
	v->ss = v->ds = v->es = v->fs = v->gs = data;
	v->gdtr = (struct vmsa_seg){ 0, 0, cpu->gdt_limit, cpu->gdt_gpa };
	v->ldtr = (struct vmsa_seg){ 0, ATTR_LDT, 0xFFFF, 0 };
	v->tr = (struct vmsa_seg){ 0, ATTR_TSS_BUSY, 0xFFFF, 0 };
	v->rflags = VMSA_RESET_RFLAGS;
	v->rip = cpu->entry;
	v->rsp = 0; /* the image sets its own stack */
	v->dr6 = VMSA_RESET_DR6;
	v->dr7 = VMSA_RESET_DR7;
	v->g_pat = VMSA_RESET_G_PAT;
	v->xcr0 = VMSA_RESET_XCR0;
	v->mxcsr = VMSA_RESET_MXCSR;
	v->x87_fcw = 0x037F; /* FNINIT value, as mushroom uses */
	v->vmpl = 0;
	v->sev_features = cpu->sev_features;
}

int image_add_vmsa(struct igvm_builder *b, uint64_t gpa, const struct sev_vmsa *v)
{
	return igvm_add_vp_context(b, IMAGE_SNP_MASK, gpa, 0, (const uint8_t *)v);
}

int image_build(const uint8_t *elf, size_t elf_size, const struct image_spec *spec, uint8_t **out,
		size_t *out_len, struct mk_err *err)
{
	struct elf_image img;
	struct igvm_builder b;
	int rc;

	if (elf_load(elf, elf_size, &spec->window, &img, err))
		return -1;
	igvm_builder_init(&b);
	rc = spec->fill(&b, &img, spec->ctx);
	if (rc)
		mk_fail(err, "out of memory while building the IGVM file");
	else
		rc = igvm_builder_finish(&b, out, out_len, err);
	igvm_builder_free(&b);
	elf_image_free(&img);
	return rc;
}
