/* SPDX-License-Identifier: MIT */
/*
 * IGVM parser/validator (format: protocol/igvm.h, microsoft/igvm igvm_defs).
 *
 * Accepted subset: SUPPORTED_PLATFORM, GUEST_POLICY, PARAMETER_AREA,
 * PAGE_DATA (4 KiB only), PARAMETER_INSERT, VP_CONTEXT, REQUIRED_MEMORY and
 * the IGVM_VHS_PARAMETER directives; unknown headers only when their type has
 * the optional bit.  All reads go through bounds-checked helpers.
 */
#include <stdlib.h>
#include <string.h>

#include "crc32.h"
#include "igvm.h"
#include "igvm_parse.h"

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
	       "IGVM is little-endian; the parser copies into host structs");

/** GPAs above 2^52 cannot exist on x86-64. */
#define GPA_LIMIT (1ull << 52)

enum section { SEC_PLATFORM, SEC_INIT, SEC_DIRECTIVE, SEC_UNKNOWN };

struct param_area {
	uint32_t index;
	uint64_t bytes;
	int inserted;
};

struct parse_ctx {
	const uint8_t *d;
	size_t size;
	size_t data_start; /* first byte after the variable headers */
	struct igvm_file *f;
	struct mk_err *err;
	enum section section;
	uint32_t platform_masks;
	int have_policy;
	struct param_area *areas;
	size_t area_count;
	size_t hdr_off; /* file offset of the TLV being checked */
};

void igvm_file_free(struct igvm_file *f)
{
	free(f->hdrs);
	memset(f, 0, sizeof(*f));
}

void igvm_hdr_read(const struct igvm_file *f, size_t i, void *out, size_t len)
{
	const struct igvm_hdr_ref *h = &f->hdrs[i];

	memset(out, 0, len);
	memcpy(out, f->data + h->payload, len < h->length ? len : h->length);
}

static int fail_at(struct parse_ctx *c, const char *what)
{
	return mk_fail(c->err, "IGVM header at offset 0x%zx: %s", c->hdr_off, what);
}

/* ---------------------------------------------------------------- fixed */

static uint32_t header_crc(const uint8_t *d, const struct igvm_fixed_header *fh)
{
	struct igvm_fixed_header tmp = *fh;
	uint32_t crc;

	tmp.checksum = 0;
	crc = crc32_update(0, &tmp, sizeof(tmp));
	return crc32_update(crc, d + fh->variable_header_offset, fh->variable_header_size);
}

static int check_fixed(struct parse_ctx *c, struct igvm_fixed_header *fh)
{
	uint64_t var_end;

	if (c->size < sizeof(*fh))
		return mk_fail(c->err,
			       "file too short for the IGVM fixed header "
			       "(%zu bytes)",
			       c->size);
	memcpy(fh, c->d, sizeof(*fh));
	if (fh->magic != IGVM_MAGIC)
		return mk_fail(c->err, "bad IGVM magic 0x%08x", fh->magic);
	if (fh->format_version != IGVM_FORMAT_VERSION_1)
		return mk_fail(c->err, "unsupported IGVM format version %u", fh->format_version);
	if (fh->total_file_size != c->size)
		return mk_fail(c->err, "total_file_size %u but file has %zu bytes",
			       fh->total_file_size, c->size);
	if (fh->variable_header_offset < sizeof(*fh) || fh->variable_header_offset % IGVM_TLV_ALIGN)
		return mk_fail(c->err, "bad variable_header_offset 0x%x",
			       fh->variable_header_offset);
	var_end = (uint64_t)fh->variable_header_offset + fh->variable_header_size;
	if (fh->variable_header_size == 0 || fh->variable_header_size % IGVM_TLV_ALIGN ||
	    var_end > c->size)
		return mk_fail(c->err, "bad variable_header_size 0x%x", fh->variable_header_size);
	if (header_crc(c->d, fh) != fh->checksum)
		return mk_fail(c->err,
			       "IGVM checksum mismatch (file 0x%08x, "
			       "computed 0x%08x)",
			       fh->checksum, header_crc(c->d, fh));
	c->data_start = (size_t)var_end;
	return 0;
}

/* ---------------------------------------------------------------- helpers */

static enum section section_of(uint32_t type)
{
	if (type >= IGVM_VHT_PLATFORM_FIRST && type <= IGVM_VHT_PLATFORM_LAST)
		return SEC_PLATFORM;
	if (type >= IGVM_VHT_INIT_FIRST && type <= IGVM_VHT_INIT_LAST)
		return SEC_INIT;
	if (type >= IGVM_VHT_DIRECTIVE_FIRST && type <= IGVM_VHT_DIRECTIVE_LAST)
		return SEC_DIRECTIVE;
	return SEC_UNKNOWN;
}

static int is_parameter_type(uint32_t type)
{
	switch (type) {
	case IGVM_VHT_VP_COUNT_PARAMETER:
	case IGVM_VHT_SRAT:
	case IGVM_VHT_MADT:
	case IGVM_VHT_MMIO_RANGES:
	case IGVM_VHT_MEMORY_MAP:
	case IGVM_VHT_COMMAND_LINE:
	case IGVM_VHT_SLIT:
	case IGVM_VHT_PPTT:
	case IGVM_VHT_DEVICE_TREE:
	case IGVM_VHT_ENVIRONMENT_INFO:
		return 1;
	default:
		return 0;
	}
}

/** Payload length of a supported type, 0 if the type is unsupported. */
static uint32_t expected_length(uint32_t type)
{
	if (is_parameter_type(type))
		return sizeof(struct igvm_parameter);
	switch (type) {
	case IGVM_VHT_SUPPORTED_PLATFORM:
		return sizeof(struct igvm_supported_platform);
	case IGVM_VHT_GUEST_POLICY:
		return sizeof(struct igvm_guest_policy);
	case IGVM_VHT_PARAMETER_AREA:
		return sizeof(struct igvm_parameter_area);
	case IGVM_VHT_PAGE_DATA:
		return sizeof(struct igvm_page_data);
	case IGVM_VHT_PARAMETER_INSERT:
		return sizeof(struct igvm_parameter_insert);
	case IGVM_VHT_VP_CONTEXT:
		return sizeof(struct igvm_vp_context);
	case IGVM_VHT_REQUIRED_MEMORY:
		return sizeof(struct igvm_required_memory);
	default:
		return 0;
	}
}

/** [off, off + len) must lie in the file data section. */
static int check_data_range(struct parse_ctx *c, uint32_t off, uint64_t len, const char *what)
{
	if (off < c->data_start || off > c->size || len > c->size - off) {
		mk_fail(c->err,
			"IGVM header at offset 0x%zx: %s file_offset "
			"0x%x (+0x%llx) outside the file data section",
			c->hdr_off, what, off, (unsigned long long)len);
		return -1;
	}
	return 0;
}

static int check_mask(struct parse_ctx *c, uint32_t mask)
{
	if (mask == 0 || (mask & ~c->platform_masks))
		return fail_at(c, "compatibility_mask names no declared platform");
	return 0;
}

static int check_gpa(struct parse_ctx *c, uint64_t gpa, uint64_t bytes)
{
	if (gpa % IGVM_PAGE_SIZE)
		return fail_at(c, "gpa is not page aligned");
	if (gpa >= GPA_LIMIT || bytes > GPA_LIMIT - gpa)
		return fail_at(c, "gpa range beyond 2^52");
	return 0;
}

static struct param_area *find_area(struct parse_ctx *c, uint32_t index)
{
	for (size_t i = 0; i < c->area_count; i++)
		if (c->areas[i].index == index)
			return &c->areas[i];
	return NULL;
}

/* ---------------------------------------------------------------- types */

static int do_platform(struct parse_ctx *c, const uint8_t *p)
{
	struct igvm_supported_platform sp;

	memcpy(&sp, p, sizeof(sp));
	if (sp.compatibility_mask == 0 || (sp.compatibility_mask & (sp.compatibility_mask - 1)))
		return fail_at(c, "platform compatibility_mask must have one bit");
	if (sp.compatibility_mask & c->platform_masks)
		return fail_at(c, "platform compatibility_mask declared twice");
	c->platform_masks |= sp.compatibility_mask;
	if (sp.platform_type != IGVM_PLATFORM_SEV_SNP)
		return 0;
	if (c->f->snp_mask)
		return fail_at(c, "second SEV-SNP platform");
	if (sp.platform_version != IGVM_SEV_SNP_PLATFORM_VERSION)
		return fail_at(c, "unsupported SEV-SNP platform_version");
	c->f->snp_mask = sp.compatibility_mask;
	return 0;
}

static int do_policy(struct parse_ctx *c, const uint8_t *p)
{
	struct igvm_guest_policy gp;

	memcpy(&gp, p, sizeof(gp));
	if (gp.reserved)
		return fail_at(c, "GUEST_POLICY reserved field is not zero");
	if (check_mask(c, gp.compatibility_mask))
		return -1;
	if (!(gp.compatibility_mask & c->f->snp_mask))
		return 0;
	if (c->have_policy)
		return fail_at(c, "second GUEST_POLICY for SEV-SNP");
	c->have_policy = 1;
	c->f->snp_policy = gp.policy;
	return 0;
}

static int do_page_data(struct parse_ctx *c, const uint8_t *p)
{
	struct igvm_page_data pd;

	memcpy(&pd, p, sizeof(pd));
	if (check_mask(c, pd.compatibility_mask))
		return -1;
	if (pd.flags & IGVM_PAGE_DATA_FLAG_2MB)
		return fail_at(c, "2 MiB PAGE_DATA is not supported");
	if (pd.flags & ~(uint32_t)(IGVM_PAGE_DATA_FLAG_UNMEASURED | IGVM_PAGE_DATA_FLAG_SHARED))
		return fail_at(c, "PAGE_DATA has reserved flags set");
	if (pd.data_type > IGVM_PAGE_DATA_TYPE_CPUID_XF || pd.reserved)
		return fail_at(c, "PAGE_DATA has a bad data_type or reserved field");
	if (check_gpa(c, pd.gpa, IGVM_PAGE_SIZE))
		return -1;
	if (pd.file_offset)
		return check_data_range(c, pd.file_offset, IGVM_PAGE_SIZE, "PAGE_DATA");
	return 0;
}

static int do_parameter_area(struct parse_ctx *c, const uint8_t *p)
{
	struct igvm_parameter_area pa;
	struct param_area *a;

	memcpy(&pa, p, sizeof(pa));
	if (pa.number_of_bytes == 0 || pa.number_of_bytes % IGVM_PAGE_SIZE ||
	    pa.number_of_bytes > IGVM_MAX_PARAM_AREA)
		return fail_at(c, "PARAMETER_AREA size is zero, unaligned or too big");
	if (find_area(c, pa.parameter_area_index))
		return fail_at(c, "PARAMETER_AREA index used twice");
	if (pa.file_offset &&
	    check_data_range(c, pa.file_offset, pa.number_of_bytes, "PARAMETER_AREA"))
		return -1;
	a = &c->areas[c->area_count++];
	a->index = pa.parameter_area_index;
	a->bytes = pa.number_of_bytes;
	a->inserted = 0;
	return 0;
}

/** A live (declared, not yet inserted) area, or NULL after failing. */
static struct param_area *live_area(struct parse_ctx *c, uint32_t index)
{
	struct param_area *a = find_area(c, index);

	if (!a) {
		fail_at(c, "parameter_area_index was never declared");
		return NULL;
	}
	if (a->inserted) {
		fail_at(c, "parameter area was already inserted");
		return NULL;
	}
	return a;
}

static int do_parameter(struct parse_ctx *c, const uint8_t *p)
{
	struct igvm_parameter prm;
	struct param_area *a;

	memcpy(&prm, p, sizeof(prm));
	a = live_area(c, prm.parameter_area_index);
	if (!a)
		return -1;
	if (prm.byte_offset >= a->bytes)
		return fail_at(c, "parameter byte_offset outside its area");
	return 0;
}

static int do_parameter_insert(struct parse_ctx *c, const uint8_t *p, struct igvm_hdr_ref *ref)
{
	struct igvm_parameter_insert pi;
	struct param_area *a;

	memcpy(&pi, p, sizeof(pi));
	if (check_mask(c, pi.compatibility_mask))
		return -1;
	a = live_area(c, pi.parameter_area_index);
	if (!a || check_gpa(c, pi.gpa, a->bytes))
		return -1;
	a->inserted = 1;
	ref->area_bytes = a->bytes;
	return 0;
}

static int do_vp_context(struct parse_ctx *c, const uint8_t *p)
{
	struct igvm_vp_context vp;

	memcpy(&vp, p, sizeof(vp));
	if (check_mask(c, vp.compatibility_mask))
		return -1;
	if (vp.reserved)
		return fail_at(c, "VP_CONTEXT reserved field is not zero");
	if (check_gpa(c, vp.gpa, IGVM_PAGE_SIZE))
		return -1;
	if (vp.file_offset == 0)
		return fail_at(c, "SNP VP_CONTEXT without VMSA data");
	return check_data_range(c, vp.file_offset, IGVM_PAGE_SIZE, "VP_CONTEXT");
}

static int do_required_memory(struct parse_ctx *c, const uint8_t *p)
{
	struct igvm_required_memory rm;

	memcpy(&rm, p, sizeof(rm));
	if (check_mask(c, rm.compatibility_mask))
		return -1;
	if ((rm.flags & ~1u) || rm.reserved || rm.number_of_bytes % IGVM_PAGE_SIZE)
		return fail_at(c, "bad REQUIRED_MEMORY flags/size");
	return check_gpa(c, rm.gpa, rm.number_of_bytes);
}

static int check_one(struct parse_ctx *c, struct igvm_hdr_ref *ref)
{
	const uint8_t *p = c->d + ref->payload;

	if (is_parameter_type(ref->type))
		return do_parameter(c, p);
	switch (ref->type) {
	case IGVM_VHT_SUPPORTED_PLATFORM:
		return do_platform(c, p);
	case IGVM_VHT_GUEST_POLICY:
		return do_policy(c, p);
	case IGVM_VHT_PARAMETER_AREA:
		return do_parameter_area(c, p);
	case IGVM_VHT_PAGE_DATA:
		return do_page_data(c, p);
	case IGVM_VHT_PARAMETER_INSERT:
		return do_parameter_insert(c, p, ref);
	case IGVM_VHT_VP_CONTEXT:
		return do_vp_context(c, p);
	case IGVM_VHT_REQUIRED_MEMORY:
		return do_required_memory(c, p);
	default:
		return fail_at(c, "internal: unhandled type");
	}
}

/* ---------------------------------------------------------------- walk */

static int padding_is_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return 0;
	return 1;
}

/** Check section order and length; returns 1 = record, 0 = skip, -1 = error. */
static int classify(struct parse_ctx *c, uint32_t raw_type, uint32_t length)
{
	uint32_t type = raw_type & ~IGVM_VHT_OPTIONAL;
	enum section sec = section_of(type);
	uint32_t want = expected_length(type);

	if (sec == SEC_UNKNOWN || want == 0) {
		if (raw_type & IGVM_VHT_OPTIONAL)
			return 0;
		mk_fail(c->err,
			"IGVM header at offset 0x%zx: unsupported "
			"type 0x%x",
			c->hdr_off, raw_type);
		return -1;
	}
	if (sec < c->section) {
		fail_at(c, "header out of section order");
		return -1;
	}
	c->section = sec;
	if (length != want) {
		mk_fail(c->err,
			"IGVM header at offset 0x%zx: type 0x%x has "
			"length %u, expected %u",
			c->hdr_off, type, length, want);
		return -1;
	}
	return 1;
}

static int walk(struct parse_ctx *c, size_t off, size_t end)
{
	while (off < end) {
		struct igvm_var_header vh;
		struct igvm_hdr_ref *ref;
		size_t room, padded;
		int kind;

		c->hdr_off = off;
		if (end - off < sizeof(vh))
			return fail_at(c, "truncated TLV header");
		room = end - off - sizeof(vh);
		memcpy(&vh, c->d + off, sizeof(vh));
		padded = ((size_t)vh.length + 7u) & ~(size_t)7u;
		if (vh.length > room || padded > room)
			return fail_at(c, "TLV length runs past the variable headers");
		if (!padding_is_zero(c->d + off + sizeof(vh) + vh.length, padded - vh.length))
			return fail_at(c, "TLV padding is not zero");
		kind = classify(c, vh.type, vh.length);
		if (kind < 0)
			return -1;
		if (kind > 0) {
			ref = &c->f->hdrs[c->f->hdr_count++];
			ref->type = vh.type & ~IGVM_VHT_OPTIONAL;
			ref->length = vh.length;
			ref->payload = off + sizeof(vh);
			ref->area_bytes = 0;
			if (check_one(c, ref))
				return -1;
		}
		off += sizeof(vh) + padded;
	}
	return 0;
}

int igvm_parse(const uint8_t *data, size_t size, struct igvm_file *f, struct mk_err *err)
{
	struct parse_ctx c = { .d = data, .size = size, .f = f, .err = err };
	struct igvm_fixed_header fh;
	size_t max_hdrs;
	int rc = -1;

	memset(f, 0, sizeof(*f));
	f->data = data;
	f->size = size;
	if (check_fixed(&c, &fh))
		return -1;
	max_hdrs = fh.variable_header_size / sizeof(struct igvm_var_header);
	f->hdrs = calloc(max_hdrs, sizeof(*f->hdrs));
	c.areas = calloc(max_hdrs, sizeof(*c.areas));
	if (!f->hdrs || !c.areas) {
		mk_fail(err, "out of memory");
		goto out;
	}
	if (walk(&c, fh.variable_header_offset, c.data_start))
		goto out;
	if (!f->snp_mask) {
		mk_fail(err, "IGVM file has no SEV-SNP SUPPORTED_PLATFORM");
		goto out;
	}
	if (!c.have_policy) {
		mk_fail(err, "IGVM file has no GUEST_POLICY for SEV-SNP");
		goto out;
	}
	rc = 0;
out:
	free(c.areas);
	if (rc)
		igvm_file_free(f);
	return rc;
}
