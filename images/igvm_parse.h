/* SPDX-License-Identifier: MIT */
/*
 * IGVM parser and validator for the subset snp-paravisor uses
 * (protocol/igvm.h).  Hardened: every offset and length from the file is
 * range-checked before use; it never reads outside the buffer it is given.
 * Fuzzed by tests/fuzz.
 */
#ifndef IMAGES_IGVM_PARSE_H
#define IMAGES_IGVM_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

/** Upper bound on a parameter area (keeps measurement loops bounded). */
#define IGVM_MAX_PARAM_AREA (64u << 20)

/** One variable header, in file order. */
struct igvm_hdr_ref {
	uint32_t type;	     /**< with the optional bit cleared */
	uint32_t length;     /**< payload length */
	size_t payload;	     /**< file offset of the payload */
	uint64_t area_bytes; /**< PARAMETER_INSERT: size of its area */
};

struct igvm_file {
	const uint8_t *data; /**< the whole file (not owned) */
	size_t size;
	uint32_t snp_mask;   /**< compatibility mask of the SEV-SNP platform */
	uint64_t snp_policy; /**< GUEST_POLICY for snp_mask */
	struct igvm_hdr_ref *hdrs;
	size_t hdr_count;
};

/** Parse and validate @data; on success fill @f (free with igvm_file_free). */
int igvm_parse(const uint8_t *data, size_t size, struct igvm_file *f, struct mk_err *err);
void igvm_file_free(struct igvm_file *f);

/** Copy header @i's payload into @out (exactly @len bytes, len <= length). */
void igvm_hdr_read(const struct igvm_file *f, size_t i, void *out, size_t len);

/** True if a directive with @mask applies to the SNP platform. */
static inline int igvm_applies_snp(const struct igvm_file *f, uint32_t mask)
{
	return (mask & f->snp_mask) != 0;
}

#endif
