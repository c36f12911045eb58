/* SPDX-License-Identifier: MIT */
/*
 * Pack an snpemu payload ELF into an IGVM file laid out as
 * protocol/payload_layout.h describes.
 */
#ifndef IMAGES_PAYLOAD_H
#define IMAGES_PAYLOAD_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "vmsa.h"

/** Lowest and highest C-bit positions mkigvm accepts (above 4 GiB of GPA,
 * below the 52-bit physical address limit). */
#define PAYLOAD_CBIT_MIN 32
#define PAYLOAD_CBIT_MAX 51

/** Fill the initial VMPL0 VMSA for a payload entered at @entry. */
void payload_vmsa(struct sev_vmsa *v, uint64_t entry, unsigned cbit);

/** Build the IGVM file (malloc'd into *out). */
int payload_build(const uint8_t *elf, size_t elf_size, unsigned cbit, uint8_t **out,
		  size_t *out_len, struct mk_err *err);

#endif
