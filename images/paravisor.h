/* SPDX-License-Identifier: MIT */
/*
 * Pack the paravisor ELF and a stock OVMF.fd into paravisor.igvm, laid out
 * as protocol/paravisor_layout.h describes.
 */
#ifndef IMAGES_PARAVISOR_H
#define IMAGES_PARAVISOR_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "vmsa.h"

/** The firmware ends at 4 GiB and fits snpemu's firmware window. */
#define PARAVISOR_FW_END (4ull << 30)
#define PARAVISOR_FW_MAX (16ull << 20)

/** Check a firmware file's size: a non-zero multiple of 4 KiB, at most
 * PARAVISOR_FW_MAX. */
int paravisor_check_firmware(size_t size, struct mk_err *err);

/** Fill the initial VMPL0 VMSA: 32-bit protected mode, paging off. */
void paravisor_vmsa(struct sev_vmsa *v, uint64_t entry);

/** Build the IGVM file (malloc'd into *out). */
int paravisor_build(const uint8_t *elf, size_t elf_size, const uint8_t *fw, size_t fw_size,
		    uint8_t **out, size_t *out_len, struct mk_err *err);

#endif
