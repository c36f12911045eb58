/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: images/igvm_parse.c (the IGVM reader, protocol/igvm.h)
 * and images/measure.c on arbitrary files.  igvm_parse() promises never to
 * read outside the buffer it is given: the file is copied into a buffer of
 * exactly its size, so AddressSanitizer sees any byte read past it.  A file
 * it accepts must then hold what the parser said: every header's payload
 * inside the variable headers, every header readable with igvm_hdr_read(),
 * and its launch digest computable.
 *
 * Input: [0] bit 0 set: the fixed header's magic, version, total size and
 * CRC are made right before parsing (so the fuzzer reaches the TLVs), then
 * the file.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crc32.h"
#include "igvm.h"
#include "igvm_parse.h"
#include "measure.h"

#include "fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/** The fixed header as a writer makes it (IGVM spec, "IGVM_FIXED_HEADER"). */
static void fix_header(uint8_t *d, size_t size)
{
	struct igvm_fixed_header fh;
	uint32_t crc;

	if (size < sizeof(fh))
		return;
	memcpy(&fh, d, sizeof(fh));
	fh.magic = IGVM_MAGIC;
	fh.format_version = IGVM_FORMAT_VERSION_1;
	fh.total_file_size = (uint32_t)size;
	fh.checksum = 0;
	if (fh.variable_header_offset > size ||
	    fh.variable_header_size > size - fh.variable_header_offset)
		fh.variable_header_size = 0;
	crc = crc32_update(0, &fh, sizeof(fh));
	fh.checksum = crc32_update(crc, d + fh.variable_header_offset, fh.variable_header_size);
	memcpy(d, &fh, sizeof(fh));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct igvm_file f;
	struct mk_err err;
	uint8_t digest[SNP_DIGEST_SIZE];
	uint8_t *file;
	size_t n;

	if (size < 1)
		return 0;
	n = size - 1;
	file = malloc(n ? n : 1);
	FUZZ_CHECK(file);
	memcpy(file, data + 1, n);
	if (data[0] & 1)
		fix_header(file, n);
	if (igvm_parse(file, n, &f, &err) == 0) {
		FUZZ_CHECK(f.data == file && f.size == n && f.snp_mask != 0);
		for (size_t i = 0; i < f.hdr_count; i++) {
			const struct igvm_hdr_ref *h = &f.hdrs[i];
			uint8_t *payload = malloc(h->length ? h->length : 1);

			FUZZ_CHECK(payload);
			FUZZ_CHECK(h->payload <= n && h->length <= n - h->payload);
			FUZZ_CHECK(!(h->type & IGVM_VHT_OPTIONAL));
			igvm_hdr_read(&f, i, payload, h->length);
			free(payload);
		}
		FUZZ_CHECK(snp_measure_igvm(&f, digest, &err) == 0 || err.msg[0]);
		igvm_file_free(&f);
	} else {
		FUZZ_CHECK(memchr(err.msg, 0, sizeof(err.msg)) && err.msg[0]);
	}
	free(file);
	return 0;
}
