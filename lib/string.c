/* SPDX-License-Identifier: MIT */
/*
 * Memory and string functions.  Plain loops; memcpy and memset move four
 * words of eight bytes per iteration, since an exit's path goes through
 * them with hundreds of bytes (the GHCB save area, the emulation engine's
 * context, Zydis's state): byte by byte that was about a microsecond per
 * exit, and a word per iteration takes twice as long as four
 * (docs/performance.md).  Built with -fno-tree-loop-distribute-patterns so
 * the compiler cannot turn these loops back into calls to themselves.
 */
#include <stdint.h>

#include <lib/string.h>

/* x86-64 reads and writes a word at any alignment; may_alias: it may
 * stand for bytes of any type. */
typedef uint64_t __attribute__((may_alias, aligned(1))) word_t;
#define WORD sizeof(word_t)

void *LIBC_SYM(memcpy)(void *restrict dst, const void *restrict src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	for (; n >= 4 * WORD; n -= 4 * WORD, d += 4 * WORD, s += 4 * WORD) {
		word_t w0 = ((const word_t *)s)[0], w1 = ((const word_t *)s)[1];
		word_t w2 = ((const word_t *)s)[2], w3 = ((const word_t *)s)[3];
		((word_t *)d)[0] = w0;
		((word_t *)d)[1] = w1;
		((word_t *)d)[2] = w2;
		((word_t *)d)[3] = w3;
	}
	for (; n >= WORD; n -= WORD, d += WORD, s += WORD)
		*(word_t *)d = *(const word_t *)s;
	while (n--)
		*d++ = *s++;
	return dst;
}

void *LIBC_SYM(memmove)(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if (d <= s || d >= s + n) {
		while (n--)
			*d++ = *s++;
	} else {
		while (n--)
			d[n] = s[n];
	}
	return dst;
}

void *LIBC_SYM(memset)(void *dst, int c, size_t n)
{
	unsigned char *d = dst;
	const uint64_t w = (unsigned char)c * 0x0101010101010101ULL;

	for (; n >= 4 * WORD; n -= 4 * WORD, d += 4 * WORD) {
		((word_t *)d)[0] = w;
		((word_t *)d)[1] = w;
		((word_t *)d)[2] = w;
		((word_t *)d)[3] = w;
	}
	for (; n >= WORD; n -= WORD, d += WORD)
		*(word_t *)d = w;
	while (n--)
		*d++ = (unsigned char)c;
	return dst;
}

int LIBC_SYM(memcmp)(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;

	for (; n; n--, x++, y++) {
		if (*x != *y)
			return *x - *y;
	}
	return 0;
}

void *LIBC_SYM(memchr)(const void *s, int c, size_t n)
{
	const unsigned char *p = s;

	for (; n; n--, p++) {
		if (*p == (unsigned char)c)
			return (void *)p;
	}
	return NULL;
}

size_t LIBC_SYM(strlen)(const char *s)
{
	const char *p = s;

	while (*p)
		p++;
	return (size_t)(p - s);
}

size_t LIBC_SYM(strnlen)(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n])
		n++;
	return n;
}

int LIBC_SYM(strcmp)(const char *a, const char *b)
{
	return LIBC_SYM(strncmp)(a, b, (size_t)-1);
}

int LIBC_SYM(strncmp)(const char *a, const char *b, size_t n)
{
	const unsigned char *x = (const unsigned char *)a;
	const unsigned char *y = (const unsigned char *)b;

	for (; n; n--, x++, y++) {
		if (*x != *y || !*x)
			return *x - *y;
	}
	return 0;
}

char *LIBC_SYM(strchr)(const char *s, int c)
{
	for (;; s++) {
		if (*s == (char)c)
			return (char *)s;
		if (!*s)
			return NULL;
	}
}

char *LIBC_SYM(strrchr)(const char *s, int c)
{
	const char *last = NULL;

	for (;; s++) {
		if (*s == (char)c)
			last = s;
		if (!*s)
			return (char *)last;
	}
}
