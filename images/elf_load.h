/* SPDX-License-Identifier: MIT */
/*
 * Minimal, bounds-checked ELF64 (x86-64, ET_EXEC) loader for mkigvm: turns
 * the PT_LOAD segments into a flat memory image of whole 4 KiB pages.
 */
#ifndef IMAGES_ELF_LOAD_H
#define IMAGES_ELF_LOAD_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

struct elf_image {
	uint64_t entry;
	uint64_t base;          /**< page-aligned GPA of mem[0] */
	size_t page_count;
	uint8_t *mem;           /**< page_count * 4096 bytes */
	uint8_t *present;       /**< per page: 1 if a PT_LOAD covers it */
};

/**
 * Load @file; every PT_LOAD (by p_vaddr, which must equal p_paddr) and the
 * entry point must lie in [@min, @max).
 */
int elf_load(const uint8_t *file, size_t size, uint64_t min, uint64_t max,
	     struct elf_image *img, struct mk_err *err);
void elf_image_free(struct elf_image *img);

#endif
