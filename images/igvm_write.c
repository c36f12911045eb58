/* SPDX-License-Identifier: MIT */
/*
 * IGVM writer (format: protocol/igvm.h, microsoft/igvm igvm_defs).
 */
#include <stdlib.h>
#include <string.h>

#include "crc32.h"
#include "igvm.h"
#include "igvm_write.h"

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
	       "IGVM is little-endian; the writer copies host structs");

/* total_file_size is a uint32_t. */
#define IGVM_MAX_FILE 0xFFFFFFFFull

void igvm_builder_init(struct igvm_builder *b)
{
	memset(b, 0, sizeof(*b));
}

void igvm_builder_free(struct igvm_builder *b)
{
	free(b->hdrs);
	free(b->data);
	free(b->fixups);
	igvm_builder_init(b);
}

/** Grow *buf so that it holds at least @need bytes. */
static int grow(void **buf, size_t *cap, size_t need, size_t elem)
{
	size_t ncap = *cap ? *cap : 64;
	void *p;

	if (need <= *cap)
		return 0;
	while (ncap < need) {
		if (ncap > IGVM_MAX_FILE)
			return -1;
		ncap *= 2;
	}
	p = realloc(*buf, ncap * elem);
	if (!p)
		return -1;
	*buf = p;
	*cap = ncap;
	return 0;
}

int igvm_add_header(struct igvm_builder *b, uint32_t type, const void *payload, uint32_t length)
{
	struct igvm_var_header vh = { .type = type, .length = length };
	size_t padded = ((size_t)length + 7u) & ~(size_t)7u;
	size_t need = b->hdr_len + sizeof(vh) + padded;

	if (b->failed || need > IGVM_MAX_FILE || grow((void **)&b->hdrs, &b->hdr_cap, need, 1)) {
		b->failed = 1;
		return -1;
	}
	memcpy(b->hdrs + b->hdr_len, &vh, sizeof(vh));
	memset(b->hdrs + b->hdr_len + sizeof(vh), 0, padded);
	if (length)
		memcpy(b->hdrs + b->hdr_len + sizeof(vh), payload, length);
	b->hdr_len = need;
	return 0;
}

/** Append @len bytes of file data; returns its data-relative offset. */
static int add_data(struct igvm_builder *b, const uint8_t *buf, size_t len, uint32_t *rel)
{
	size_t need = b->data_len + len;

	if (b->failed || need > IGVM_MAX_FILE || grow((void **)&b->data, &b->data_cap, need, 1)) {
		b->failed = 1;
		return -1;
	}
	memcpy(b->data + b->data_len, buf, len);
	*rel = (uint32_t)b->data_len;
	b->data_len = need;
	return 0;
}

/** Remember that the uint32_t at @field_off in the *next* header's payload is a
 * data-relative file offset. */
static int add_fixup(struct igvm_builder *b, size_t field_off)
{
	if (b->failed ||
	    grow((void **)&b->fixups, &b->fixup_cap, b->fixup_count + 1, sizeof(size_t))) {
		b->failed = 1;
		return -1;
	}
	b->fixups[b->fixup_count++] = b->hdr_len + sizeof(struct igvm_var_header) + field_off;
	return 0;
}

int igvm_add_platform_snp(struct igvm_builder *b, uint32_t mask)
{
	struct igvm_supported_platform p = {
		.compatibility_mask = mask,
		.highest_vtl = 0,
		.platform_type = IGVM_PLATFORM_SEV_SNP,
		.platform_version = IGVM_SEV_SNP_PLATFORM_VERSION,
		.shared_gpa_boundary = 0,
	};

	return igvm_add_header(b, IGVM_VHT_SUPPORTED_PLATFORM, &p, sizeof(p));
}

int igvm_add_guest_policy(struct igvm_builder *b, uint32_t mask, uint64_t policy)
{
	struct igvm_guest_policy p = {
		.policy = policy,
		.compatibility_mask = mask,
	};

	return igvm_add_header(b, IGVM_VHT_GUEST_POLICY, &p, sizeof(p));
}

int igvm_add_page(struct igvm_builder *b, uint32_t mask, uint64_t gpa, uint32_t flags,
		  uint16_t data_type, const uint8_t *page)
{
	struct igvm_page_data pd = {
		.gpa = gpa,
		.compatibility_mask = mask,
		.file_offset = 0,
		.flags = flags,
		.data_type = data_type,
	};

	if (page) {
		if (add_data(b, page, IGVM_PAGE_SIZE, &pd.file_offset) ||
		    add_fixup(b, offsetof(struct igvm_page_data, file_offset)))
			return -1;
	}
	return igvm_add_header(b, IGVM_VHT_PAGE_DATA, &pd, sizeof(pd));
}

int igvm_add_parameter_area(struct igvm_builder *b, uint32_t index, uint64_t bytes)
{
	struct igvm_parameter_area pa = {
		.number_of_bytes = bytes,
		.parameter_area_index = index,
		.file_offset = 0,
	};

	return igvm_add_header(b, IGVM_VHT_PARAMETER_AREA, &pa, sizeof(pa));
}

int igvm_add_parameter(struct igvm_builder *b, uint32_t type, uint32_t index, uint32_t byte_offset)
{
	struct igvm_parameter p = {
		.parameter_area_index = index,
		.byte_offset = byte_offset,
	};

	return igvm_add_header(b, type, &p, sizeof(p));
}

int igvm_add_parameter_insert(struct igvm_builder *b, uint32_t mask, uint64_t gpa, uint32_t index)
{
	struct igvm_parameter_insert pi = {
		.gpa = gpa,
		.compatibility_mask = mask,
		.parameter_area_index = index,
	};

	return igvm_add_header(b, IGVM_VHT_PARAMETER_INSERT, &pi, sizeof(pi));
}

int igvm_add_vp_context(struct igvm_builder *b, uint32_t mask, uint64_t gpa, uint16_t vp_index,
			const uint8_t *vmsa)
{
	struct igvm_vp_context vp = {
		.gpa = gpa,
		.compatibility_mask = mask,
		.vp_index = vp_index,
	};
	uint32_t rel;

	if (add_data(b, vmsa, IGVM_PAGE_SIZE, &rel) ||
	    add_fixup(b, offsetof(struct igvm_vp_context, file_offset)))
		return -1;
	vp.file_offset = rel;
	return igvm_add_header(b, IGVM_VHT_VP_CONTEXT, &vp, sizeof(vp));
}

/** Turn data-relative offsets into file offsets. */
static void apply_fixups(struct igvm_builder *b, uint32_t data_start)
{
	for (size_t i = 0; i < b->fixup_count; i++) {
		uint32_t v;

		memcpy(&v, b->hdrs + b->fixups[i], sizeof(v));
		v += data_start;
		memcpy(b->hdrs + b->fixups[i], &v, sizeof(v));
	}
}

int igvm_builder_finish(struct igvm_builder *b, uint8_t **out, size_t *out_len, struct mk_err *err)
{
	struct igvm_fixed_header fh;
	size_t var_off = sizeof(fh);
	size_t total = var_off + b->hdr_len + b->data_len;
	uint8_t *file;

	if (b->failed)
		return mk_fail(err, "out of memory or IGVM file over 4 GiB");
	if (total > IGVM_MAX_FILE)
		return mk_fail(err, "IGVM file would be %zu bytes (max 4 GiB)", total);
	file = calloc(1, total);
	if (!file)
		return mk_fail(err, "out of memory (%zu bytes)", total);
	apply_fixups(b, (uint32_t)(var_off + b->hdr_len));
	b->fixup_count = 0;
	fh = (struct igvm_fixed_header){
		.magic = IGVM_MAGIC,
		.format_version = IGVM_FORMAT_VERSION_1,
		.variable_header_offset = (uint32_t)var_off,
		.variable_header_size = (uint32_t)b->hdr_len,
		.total_file_size = (uint32_t)total,
		.checksum = 0,
	};
	memcpy(file, &fh, sizeof(fh));
	memcpy(file + var_off, b->hdrs, b->hdr_len);
	if (b->data_len)
		memcpy(file + var_off + b->hdr_len, b->data, b->data_len);
	fh.checksum = crc32_update(0, file, var_off + b->hdr_len);
	memcpy(file + offsetof(struct igvm_fixed_header, checksum), &fh.checksum,
	       sizeof(fh.checksum));
	*out = file;
	*out_len = total;
	return 0;
}
