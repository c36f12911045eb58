/* SPDX-License-Identifier: MIT */
/*
 * SNP launch digest of a parsed IGVM file.  The rule is written out at the
 * top of protocol/snp_measure.h; this is the host implementation (OpenSSL
 * SHA-384).
 */
#ifndef IMAGES_MEASURE_H
#define IMAGES_MEASURE_H

#include <stdint.h>

#include "err.h"
#include "igvm_parse.h"
#include "snp_measure.h"

/** One chain step: digest = SHA-384(PAGE_INFO{digest, contents, ...}). */
void snp_measure_step(uint8_t digest[SNP_DIGEST_SIZE], const uint8_t contents[SNP_DIGEST_SIZE],
		      uint8_t page_type, uint64_t gpa);

/** Serialize a PAGE_INFO exactly as SNP ABI Table 67 lays it out. */
void snp_page_info_bytes(uint8_t out[SNP_PAGE_INFO_LENGTH], const uint8_t digest[SNP_DIGEST_SIZE],
			 const uint8_t contents[SNP_DIGEST_SIZE], uint8_t page_type, uint64_t gpa);

/** The launch digest of @f (validated by igvm_parse). */
int snp_measure_igvm(const struct igvm_file *f, uint8_t digest[SNP_DIGEST_SIZE],
		     struct mk_err *err);

/** Lowercase hex of a digest: @out must hold 2 * 48 + 1 bytes. */
void snp_digest_hex(const uint8_t digest[SNP_DIGEST_SIZE], char out[2 * SNP_DIGEST_SIZE + 1]);

#endif
