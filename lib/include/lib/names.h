/* SPDX-License-Identifier: MIT */
/*
 * Link names of the lib/ functions that share a name with ISO C.
 *
 * The freestanding build (libc_fs) defines the standard names: they are what
 * the compiler's implicit memcpy/memset calls and Zydis resolve to.  The host
 * build (libc_host, compiled with -DLIBC_HOST) is linked next to glibc in the
 * unit tests, so there every such function is prefixed: memcpy is
 * libc_memcpy, snprintf is libc_snprintf.  Host code that includes these
 * headers without -DLIBC_HOST gets the standard names, i.e. glibc's.
 */
#ifndef LIB_NAMES_H
#define LIB_NAMES_H

#ifdef LIBC_HOST
#define LIBC_SYM(name) libc_##name
#else
#define LIBC_SYM(name) name
#endif

#endif /* LIB_NAMES_H */
