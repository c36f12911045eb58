/* SPDX-License-Identifier: MIT */
/* Memory and string functions of the project's freestanding libc (ISO C semantics). */
#ifndef LIB_STRING_H
#define LIB_STRING_H

#include <stddef.h>

#include <lib/names.h>

void *LIBC_SYM(memcpy)(void *restrict dst, const void *restrict src, size_t n);
void *LIBC_SYM(memmove)(void *dst, const void *src, size_t n);
void *LIBC_SYM(memset)(void *dst, int c, size_t n);
int LIBC_SYM(memcmp)(const void *a, const void *b, size_t n);
void *LIBC_SYM(memchr)(const void *s, int c, size_t n);

size_t LIBC_SYM(strlen)(const char *s);
size_t LIBC_SYM(strnlen)(const char *s, size_t max);
int LIBC_SYM(strcmp)(const char *a, const char *b);
int LIBC_SYM(strncmp)(const char *a, const char *b, size_t n);
char *LIBC_SYM(strchr)(const char *s, int c);
char *LIBC_SYM(strrchr)(const char *s, int c);

#endif /* LIB_STRING_H */
