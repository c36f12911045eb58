/* SPDX-License-Identifier: MIT */
/*
 * printf-style formatting for freestanding code.
 *
 * Conversions: %d %i %u %x %X %o %p %s %c %%.  Flags: '-' '0' '+' ' ' '#'.
 * Width and precision, each a number or '*'.  Length modifiers: hh h l ll z
 * j t.  No floating point.  %p prints 0x<hex>, or "(nil)" for NULL, and %s
 * prints "(null)" for NULL, as glibc does.  An unknown conversion is copied
 * to the output as written.
 */
#ifndef LIB_FMT_H
#define LIB_FMT_H

#include <stdarg.h>
#include <stddef.h>

#include <lib/names.h>

#define FMT_PRINTF(f, a) __attribute__((format(printf, f, a)))

/** Receives one output character; ctx is the caller's. */
typedef void fmt_putc_fn(char c, void *ctx);

/** Formats through putc; returns the number of characters produced. */
int fmt_vprintf(fmt_putc_fn *putc, void *ctx, const char *fmt, va_list ap);
int fmt_printf(fmt_putc_fn *putc, void *ctx, const char *fmt, ...) FMT_PRINTF(3, 4);

/*
 * C99 semantics: at most size - 1 characters plus a NUL are stored (nothing
 * when size is 0, and buf may then be NULL); the return value is the length
 * the whole output would have had.
 */
int LIBC_SYM(vsnprintf)(char *buf, size_t size, const char *fmt, va_list ap);
int LIBC_SYM(snprintf)(char *buf, size_t size, const char *fmt, ...) FMT_PRINTF(3, 4);

#endif /* LIB_FMT_H */
