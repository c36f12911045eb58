/* SPDX-License-Identifier: MIT */
/*
 * Force-included (-include) into the core/, vc/ and devices/ sources that
 * the unit tests build for the host: their calls to the ISO C
 * names go to the project's own libc, as on the target.  Under -DLIBC_HOST
 * that libc's names carry the libc_ prefix (lib/include/lib/names.h),
 * next to glibc's.
 */
#ifndef PV_HOST_SHIM_H
#define PV_HOST_SHIM_H

#define memcpy	  libc_memcpy
#define memmove	  libc_memmove
#define memset	  libc_memset
#define memcmp	  libc_memcmp
#define memchr	  libc_memchr
#define strlen	  libc_strlen
#define strnlen	  libc_strnlen
#define strcmp	  libc_strcmp
#define strncmp	  libc_strncmp
#define strchr	  libc_strchr
#define strrchr	  libc_strrchr
#define snprintf  libc_snprintf
#define vsnprintf libc_vsnprintf

#endif
