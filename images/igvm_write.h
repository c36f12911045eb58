/* SPDX-License-Identifier: MIT */
/*
 * IGVM writer: collects variable headers and file data, then lays out
 * fixed header | variable headers | file data and fills in the checksum.
 *
 * Headers that point into the file data are given data-relative offsets
 * while building; igvm_builder_finish() rebases them once the size of the
 * variable header section is known.
 */
#ifndef IMAGES_IGVM_WRITE_H
#define IMAGES_IGVM_WRITE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

struct igvm_builder {
	uint8_t *hdrs; /* variable headers, 8-byte padded TLVs */
	size_t hdr_len, hdr_cap;
	uint8_t *data; /* file data section */
	size_t data_len, data_cap;
	size_t *fixups; /* offsets in hdrs of uint32_t file_offset fields */
	size_t fixup_count, fixup_cap;
	int failed; /* sticky: an allocation or size limit failed */
};

void igvm_builder_init(struct igvm_builder *b);
void igvm_builder_free(struct igvm_builder *b);

/** Append one TLV (payload padded to 8 bytes with zeros). */
int igvm_add_header(struct igvm_builder *b, uint32_t type, const void *payload, uint32_t length);

int igvm_add_platform_snp(struct igvm_builder *b, uint32_t mask);
int igvm_add_guest_policy(struct igvm_builder *b, uint32_t mask, uint64_t policy);

/** PAGE_DATA for one 4 KiB page; @page NULL = zero page (file_offset 0). */
int igvm_add_page(struct igvm_builder *b, uint32_t mask, uint64_t gpa, uint32_t flags,
		  uint16_t data_type, const uint8_t *page);

int igvm_add_parameter_area(struct igvm_builder *b, uint32_t index, uint64_t bytes);
int igvm_add_parameter(struct igvm_builder *b, uint32_t type, uint32_t index, uint32_t byte_offset);
int igvm_add_parameter_insert(struct igvm_builder *b, uint32_t mask, uint64_t gpa, uint32_t index);

/** VP_CONTEXT whose file data is the 4 KiB SNP VMSA page @vmsa. */
int igvm_add_vp_context(struct igvm_builder *b, uint32_t mask, uint64_t gpa, uint16_t vp_index,
			const uint8_t *vmsa);

/** Produce the file (malloc'd, caller frees). */
int igvm_builder_finish(struct igvm_builder *b, uint8_t **out, size_t *out_len, struct mk_err *err);

#endif
