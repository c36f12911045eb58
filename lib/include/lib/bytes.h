/* SPDX-License-Identifier: MIT */
/*
 * Big-endian fields of n bytes (SCSI CDBs, SBC-3 §4.1: "big-endian"), for
 * the proxies that rewrite a command's LBA and length.
 */
#ifndef LIB_BYTES_H
#define LIB_BYTES_H

#include <stdint.h>

static inline uint64_t be_get(const uint8_t *b, unsigned int n)
{
	uint64_t v = 0;
	for (unsigned int i = 0; i < n; i++)
		v = v << 8 | b[i];
	return v;
}

static inline void be_put(uint8_t *b, unsigned int n, uint64_t v)
{
	for (unsigned int i = n; i-- > 0; v >>= 8)
		b[i] = (uint8_t)v;
}

#endif
