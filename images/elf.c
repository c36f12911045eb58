/* SPDX-License-Identifier: MIT */
#include <elf.h>
#include <stdlib.h>
#include <string.h>

#include "elf_load.h"

#define PAGE_SIZE 4096u
#define PAGE_MASK ((uint64_t)PAGE_SIZE - 1)

void elf_image_free(struct elf_image *img)
{
	free(img->mem);
	free(img->present);
	memset(img, 0, sizeof(*img));
}

static int check_ehdr(const uint8_t *file, size_t size, Elf64_Ehdr *eh, struct mk_err *err)
{
	if (size < sizeof(*eh))
		return mk_fail(err, "ELF: file too short (%zu bytes)", size);
	memcpy(eh, file, sizeof(*eh));
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG))
		return mk_fail(err, "ELF: bad magic");
	if (eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_ident[EI_DATA] != ELFDATA2LSB)
		return mk_fail(err, "ELF: not a little-endian ELF64 file");
	if (eh->e_machine != EM_X86_64 || eh->e_type != ET_EXEC)
		return mk_fail(err, "ELF: not an x86-64 ET_EXEC (static, "
				    "non-PIE) executable");
	if (eh->e_phentsize != sizeof(Elf64_Phdr) || eh->e_phnum == 0)
		return mk_fail(err, "ELF: bad program header size/count");
	if (eh->e_phoff > size || (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr) > size - eh->e_phoff)
		return mk_fail(err, "ELF: program headers outside the file");
	return 0;
}

static void read_phdr(const uint8_t *file, const Elf64_Ehdr *eh, unsigned i, Elf64_Phdr *ph)
{
	memcpy(ph, file + eh->e_phoff + (size_t)i * sizeof(*ph), sizeof(*ph));
}

static int check_vaddr(const Elf64_Phdr *ph, const struct elf_window *w, struct mk_err *err)
{
	if (ph->p_vaddr == ph->p_paddr ||
	    (w->vma_offset && ph->p_vaddr == ph->p_paddr + w->vma_offset))
		return 0;
	if (!w->vma_offset)
		return mk_fail(err,
			       "ELF: PT_LOAD at 0x%llx has p_vaddr != "
			       "p_paddr",
			       (unsigned long long)ph->p_vaddr);
	return mk_fail(err,
		       "ELF: PT_LOAD at p_paddr 0x%llx has p_vaddr 0x%llx,"
		       " neither p_paddr nor p_paddr + 0x%llx",
		       (unsigned long long)ph->p_paddr, (unsigned long long)ph->p_vaddr,
		       (unsigned long long)w->vma_offset);
}

/** Validate one PT_LOAD against the file and the allowed GPA window. */
static int check_load(const Elf64_Phdr *ph, size_t size, const struct elf_window *w,
		      struct mk_err *err)
{
	if (check_vaddr(ph, w, err))
		return -1;
	if (ph->p_filesz > ph->p_memsz)
		return mk_fail(err, "ELF: PT_LOAD filesz > memsz");
	if (ph->p_offset > size || ph->p_filesz > size - ph->p_offset)
		return mk_fail(err, "ELF: PT_LOAD data outside the file");
	if (ph->p_paddr < w->min || ph->p_paddr >= w->max || ph->p_memsz > w->max - ph->p_paddr)
		return mk_fail(err,
			       "ELF: PT_LOAD [0x%llx, +0x%llx) outside "
			       "[0x%llx, 0x%llx)",
			       (unsigned long long)ph->p_paddr, (unsigned long long)ph->p_memsz,
			       (unsigned long long)w->min, (unsigned long long)w->max);
	return 0;
}

/** First pass: validate all PT_LOADs and find the page range they cover. */
static int find_range(const uint8_t *file, size_t size, const Elf64_Ehdr *eh,
		      const struct elf_window *w, uint64_t *lo, uint64_t *hi, struct mk_err *err)
{
	*lo = UINT64_MAX;
	*hi = 0;
	for (unsigned i = 0; i < eh->e_phnum; i++) {
		Elf64_Phdr ph;

		read_phdr(file, eh, i, &ph);
		if (ph.p_type != PT_LOAD || ph.p_memsz == 0)
			continue;
		if (check_load(&ph, size, w, err))
			return -1;
		if (ph.p_paddr < *lo)
			*lo = ph.p_paddr;
		if (ph.p_paddr + ph.p_memsz > *hi)
			*hi = ph.p_paddr + ph.p_memsz;
	}
	if (*hi == 0)
		return mk_fail(err, "ELF: no loadable segment");
	*lo &= ~PAGE_MASK;
	*hi = (*hi + PAGE_MASK) & ~PAGE_MASK;
	return 0;
}

/** Second pass: copy segments, refusing byte-level overlaps. */
static int copy_segments(const uint8_t *file, const Elf64_Ehdr *eh, struct elf_image *img,
			 uint8_t *owned, struct mk_err *err)
{
	for (unsigned i = 0; i < eh->e_phnum; i++) {
		Elf64_Phdr ph;
		size_t off;

		read_phdr(file, eh, i, &ph);
		if (ph.p_type != PT_LOAD || ph.p_memsz == 0)
			continue;
		off = (size_t)(ph.p_paddr - img->base);
		for (size_t b = 0; b < ph.p_memsz; b++) {
			if (owned[off + b])
				return mk_fail(err,
					       "ELF: PT_LOAD segments "
					       "overlap at 0x%llx",
					       (unsigned long long)(ph.p_paddr + b));
			owned[off + b] = 1;
		}
		memcpy(img->mem + off, file + ph.p_offset, ph.p_filesz);
		for (size_t p = off / PAGE_SIZE; p <= (off + ph.p_memsz - 1) / PAGE_SIZE; p++)
			img->present[p] = 1;
	}
	return 0;
}

/** The entry must be inside an executable, identity-mapped PT_LOAD. */
static int check_entry(const uint8_t *file, const Elf64_Ehdr *eh, struct mk_err *err)
{
	for (unsigned i = 0; i < eh->e_phnum; i++) {
		Elf64_Phdr ph;

		read_phdr(file, eh, i, &ph);
		if (ph.p_type == PT_LOAD && (ph.p_flags & PF_X) && ph.p_vaddr == ph.p_paddr &&
		    eh->e_entry >= ph.p_paddr && eh->e_entry - ph.p_paddr < ph.p_memsz)
			return 0;
	}
	return mk_fail(err,
		       "ELF: entry point 0x%llx is not inside an "
		       "executable PT_LOAD with p_vaddr == p_paddr",
		       (unsigned long long)eh->e_entry);
}

int elf_load(const uint8_t *file, size_t size, const struct elf_window *w, struct elf_image *img,
	     struct mk_err *err)
{
	Elf64_Ehdr eh;
	uint64_t lo, hi;
	uint8_t *owned;
	int rc;

	memset(img, 0, sizeof(*img));
	if (check_ehdr(file, size, &eh, err) || find_range(file, size, &eh, w, &lo, &hi, err) ||
	    check_entry(file, &eh, err))
		return -1;
	img->entry = eh.e_entry;
	img->base = lo;
	img->page_count = (size_t)((hi - lo) / PAGE_SIZE);
	img->mem = calloc(img->page_count, PAGE_SIZE);
	img->present = calloc(img->page_count, 1);
	owned = calloc(img->page_count, PAGE_SIZE);
	if (!img->mem || !img->present || !owned) {
		free(owned);
		elf_image_free(img);
		return mk_fail(err, "out of memory");
	}
	rc = copy_segments(file, &eh, img, owned, err);
	free(owned);
	if (rc)
		elf_image_free(img);
	return rc;
}
