/* SPDX-License-Identifier: MIT */
/*
 * Force-included (-include) into Zydis's own sources (decoder/meson.build):
 * their memset and memcpy go to the libc they are linked with (lib/ in the
 * freestanding build, the host's in the host build) instead of Zycore's
 * ZYAN_NO_LIBC ones, which are byte loops through a volatile pointer.
 * Zydis clears about 1.2 KiB per decode (its state, the instruction and
 * ten operands): through those loops that was 400 of the 480 ns a
 * ZydisDecoderDecodeFull took for a two-byte MOV (docs/performance.md).
 * The decoder uses no other function of Zycore/LibC.h.
 */
#ifndef DECODER_ZYDIS_LIBC_H
#define DECODER_ZYDIS_LIBC_H

#include <stddef.h>

#define ZYAN_CUSTOM_LIBC

void *memcpy(void *restrict dst, const void *restrict src, size_t n);
void *memset(void *dst, int c, size_t n);

#define ZYAN_MEMCPY memcpy
#define ZYAN_MEMSET memset

#endif
