/* SPDX-License-Identifier: MIT */
/*
 * Pieces shared by the image kinds mkigvm writes (payload.c, paravisor.c):
 * the platform headers, ELF pages, launch pages, the memory-map parameter,
 * the initial VMSA, and the load-ELF / build / finish sequence.
 */
#ifndef IMAGES_IMAGE_H
#define IMAGES_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "elf_load.h"
#include "err.h"
#include "igvm_write.h"
#include "vmsa.h"

#define IMAGE_PAGE_SIZE 4096u
#define IMAGE_SNP_MASK	1u /* our one platform's compatibility bit */

/* Control registers (APM vol. 2 §3.1) */
#define CR0_PE	       (1ull << 0)
#define CR0_MP	       (1ull << 1)
#define CR0_ET	       (1ull << 4)
#define CR0_NE	       (1ull << 5)
#define CR0_WP	       (1ull << 16)
#define CR0_PG	       (1ull << 31)
#define CR4_PAE	       (1ull << 5)
#define CR4_OSFXSR     (1ull << 9)
#define CR4_OSXMMEXCPT (1ull << 10)
#define EFER_LME       (1ull << 8)
#define EFER_LMA       (1ull << 10)
#define EFER_NXE       (1ull << 11)

/** SUPPORTED_PLATFORM (SEV-SNP, highest VTL 0) and the default policy. */
int image_add_platform(struct igvm_builder *b);

/** One PAGE_DATA per page a PT_LOAD covers; all-zero pages as ZERO pages. */
int image_add_elf_pages(struct igvm_builder *b, const struct elf_image *img);

/** A NORMAL page at @gpa holding @words[0..count) then zeros (a GDT, an
 * info page). */
int image_add_words(struct igvm_builder *b, uint64_t gpa, const uint64_t *words, size_t count);

/** The CPUID page and the secrets page. */
int image_add_cpuid_secrets(struct igvm_builder *b, uint64_t cpuid_gpa, uint64_t secrets_gpa);

/** A one-page PARAMETER_AREA holding the MEMORY_MAP parameter, inserted
 * (unmeasured) at @gpa. */
int image_add_memory_map(struct igvm_builder *b, uint64_t gpa);

/** The flat-segment CPU state an image's VMSA starts with. */
struct image_cpu {
	uint64_t entry;			/**< RIP */
	uint16_t code_sel, code_attrib; /**< CS */
	uint16_t data_sel, data_attrib; /**< DS, ES, SS, FS, GS */
	uint64_t gdt_gpa;
	uint32_t gdt_limit;
	uint64_t sev_features;
};

/** Zero @v, then fill segments, GDTR/IDTR/LDTR/TR and the reset values of
 * RFLAGS, DR6, DR7, PAT, XCR0, MXCSR, FCW for VMPL0.  The caller sets
 * CR0, CR3, CR4 and EFER. */
void image_vmsa_init(struct sev_vmsa *v, const struct image_cpu *cpu);

/** The VP_CONTEXT for vCPU 0 with the VMSA page @v at @gpa. */
int image_add_vmsa(struct igvm_builder *b, uint64_t gpa, const struct sev_vmsa *v);

/** How an image kind loads its ELF and fills the IGVM file. */
struct image_spec {
	struct elf_window window;
	int (*fill)(struct igvm_builder *b, const struct elf_image *img, const void *ctx);
	const void *ctx;
};

/** Load @elf as @spec says, fill a builder, produce the file (malloc'd). */
int image_build(const uint8_t *elf, size_t elf_size, const struct image_spec *spec, uint8_t **out,
		size_t *out_len, struct mk_err *err);

#endif
