/* SPDX-License-Identifier: MIT */
/*
 * Minimal, bounds-checked ELF64 (x86-64, ET_EXEC) loader for mkigvm: turns
 * the PT_LOAD segments into a flat memory image of whole 4 KiB pages,
 * placed by p_paddr.
 */
#ifndef IMAGES_ELF_LOAD_H
#define IMAGES_ELF_LOAD_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

/** Where an image's PT_LOAD segments may sit. */
struct elf_window {
	uint64_t min, max; /**< every PT_LOAD's [p_paddr, +p_memsz) */
	/** A PT_LOAD has p_vaddr == p_paddr, or (if non-zero) p_vaddr ==
	 * p_paddr + vma_offset (a higher-half part linked with AT()). */
	uint64_t vma_offset;
};

struct elf_image {
	uint64_t entry;
	uint64_t base; /**< page-aligned GPA of mem[0] */
	size_t page_count;
	uint8_t *mem;	  /**< page_count * 4096 bytes */
	uint8_t *present; /**< per page: 1 if a PT_LOAD covers it */
};

/**
 * Load @file by p_paddr into @w.  The entry point must lie in an executable
 * PT_LOAD with p_vaddr == p_paddr, so it is valid with paging off too.
 */
int elf_load(const uint8_t *file, size_t size, const struct elf_window *w, struct elf_image *img,
	     struct mk_err *err);
void elf_image_free(struct elf_image *img);

#endif
