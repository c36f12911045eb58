/* SPDX-License-Identifier: MIT */
/*
 * CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), the checksum of the
 * IGVM fixed header (microsoft/igvm igvm_defs).  Same calling convention as zlib's
 * crc32(): start with crc = 0 and chain calls.
 */
#ifndef IMAGES_CRC32_H
#define IMAGES_CRC32_H

#include <stddef.h>
#include <stdint.h>

uint32_t crc32_update(uint32_t crc, const void *buf, size_t len);

#endif
