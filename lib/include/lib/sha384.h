/* SPDX-License-Identifier: MIT */
/* SHA-384 (FIPS 180-4 §6.5), as the SNP launch digest and IGVM measurement use it. */
#ifndef LIB_SHA384_H
#define LIB_SHA384_H

#include <stddef.h>
#include <stdint.h>

#define SHA384_DIGEST_SIZE 48
#define SHA384_BLOCK_SIZE  128

/** Running state; fill with sha384_init(), never by hand. */
struct sha384_ctx {
	uint64_t h[8];			  /**< chaining value */
	uint64_t bytes;			  /**< message length so far (2^64 bytes is plenty) */
	uint8_t block[SHA384_BLOCK_SIZE]; /**< partial input block */
	size_t fill;			  /**< bytes used in block */
};

void sha384_init(struct sha384_ctx *ctx);
void sha384_update(struct sha384_ctx *ctx, const void *data, size_t len);
/** Writes the digest; ctx must be re-initialised before further use. */
void sha384_final(struct sha384_ctx *ctx, uint8_t out[SHA384_DIGEST_SIZE]);
/** One-shot digest of len bytes. */
void sha384(const void *data, size_t len, uint8_t out[SHA384_DIGEST_SIZE]);

#endif /* LIB_SHA384_H */
