/* SPDX-License-Identifier: MIT */
/*
 * Error reporting for the images/ host code: every fallible function takes a
 * struct mk_err, fills it with one human-readable line and returns -1.
 * Nothing in images/ prints except mkigvm.c, so the parser can be fuzzed.
 */
#ifndef IMAGES_ERR_H
#define IMAGES_ERR_H

#include <stddef.h>

struct mk_err {
	char msg[256];
};

/** Format @fmt into @err (if non-NULL) and return -1. */
int mk_fail(struct mk_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
