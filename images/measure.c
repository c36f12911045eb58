/* SPDX-License-Identifier: MIT */
/*
 * SNP launch measurement of an IGVM file.  Implements the rule documented at
 * the top of protocol/snp_measure.h (SNP ABI PAGE_INFO, IGVM directives); snpemu
 * implements the same rule independently, so keep the two in step.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "igvm.h"
#include "measure.h"

static void sha384(const void *buf, size_t len, uint8_t out[SNP_DIGEST_SIZE])
{
	unsigned int n = 0;

	/* EVP_Digest only fails on allocation failure; treat as fatal. */
	if (!EVP_Digest(buf, len, out, &n, EVP_sha384(), NULL) || n != SNP_DIGEST_SIZE)
		abort();
}

static void put_le(uint8_t *p, uint64_t v, unsigned bytes)
{
	for (unsigned i = 0; i < bytes; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

void snp_page_info_bytes(uint8_t out[SNP_PAGE_INFO_LENGTH], const uint8_t digest[SNP_DIGEST_SIZE],
			 const uint8_t contents[SNP_DIGEST_SIZE], uint8_t page_type, uint64_t gpa)
{
	memset(out, 0, SNP_PAGE_INFO_LENGTH);
	memcpy(out + offsetof(struct snp_page_info, digest_cur), digest, SNP_DIGEST_SIZE);
	memcpy(out + offsetof(struct snp_page_info, contents), contents, SNP_DIGEST_SIZE);
	put_le(out + offsetof(struct snp_page_info, length), SNP_PAGE_INFO_LENGTH, 2);
	out[offsetof(struct snp_page_info, page_type)] = page_type;
	/* imi_page, vmpl3/2/1 perms and reserved stay 0 */
	put_le(out + offsetof(struct snp_page_info, gpa), gpa, 8);
}

void snp_measure_step(uint8_t digest[SNP_DIGEST_SIZE], const uint8_t contents[SNP_DIGEST_SIZE],
		      uint8_t page_type, uint64_t gpa)
{
	uint8_t info[SNP_PAGE_INFO_LENGTH];

	snp_page_info_bytes(info, digest, contents, page_type, gpa);
	sha384(info, sizeof(info), digest);
}

static const uint8_t zero_contents[SNP_DIGEST_SIZE];

/** Page type of a PAGE_DATA directive; -1 = skipped (shared). */
static int page_data_type(const struct igvm_page_data *pd)
{
	if (pd->flags & IGVM_PAGE_DATA_FLAG_SHARED)
		return -1;
	switch (pd->data_type) {
	case IGVM_PAGE_DATA_TYPE_SECRETS:
		return SNP_PAGE_TYPE_SECRETS;
	case IGVM_PAGE_DATA_TYPE_CPUID_DATA:
	case IGVM_PAGE_DATA_TYPE_CPUID_XF:
		return SNP_PAGE_TYPE_CPUID;
	default:
		break;
	}
	if (pd->flags & IGVM_PAGE_DATA_FLAG_UNMEASURED)
		return SNP_PAGE_TYPE_UNMEASURED;
	if (pd->file_offset == 0)
		return SNP_PAGE_TYPE_ZERO;
	return SNP_PAGE_TYPE_NORMAL;
}

static void measure_page_data(const struct igvm_file *f, size_t i, uint8_t digest[SNP_DIGEST_SIZE])
{
	struct igvm_page_data pd;
	uint8_t contents[SNP_DIGEST_SIZE];
	int type;

	igvm_hdr_read(f, i, &pd, sizeof(pd));
	if (!igvm_applies_snp(f, pd.compatibility_mask))
		return;
	type = page_data_type(&pd);
	if (type < 0)
		return;
	if (type == SNP_PAGE_TYPE_NORMAL) {
		/* igvm_parse checked file_offset + 4096 <= size */
		sha384(f->data + pd.file_offset, IGVM_PAGE_SIZE, contents);
		snp_measure_step(digest, contents, (uint8_t)type, pd.gpa);
	} else {
		snp_measure_step(digest, zero_contents, (uint8_t)type, pd.gpa);
	}
}

static void measure_insert(const struct igvm_file *f, size_t i, uint8_t digest[SNP_DIGEST_SIZE])
{
	struct igvm_parameter_insert pi;
	uint64_t pages = f->hdrs[i].area_bytes / IGVM_PAGE_SIZE;

	igvm_hdr_read(f, i, &pi, sizeof(pi));
	if (!igvm_applies_snp(f, pi.compatibility_mask))
		return;
	for (uint64_t p = 0; p < pages; p++)
		snp_measure_step(digest, zero_contents, SNP_PAGE_TYPE_UNMEASURED,
				 pi.gpa + p * IGVM_PAGE_SIZE);
}

static void measure_vmsa(const struct igvm_file *f, size_t i, uint8_t digest[SNP_DIGEST_SIZE])
{
	struct igvm_vp_context vp;
	uint8_t contents[SNP_DIGEST_SIZE];

	igvm_hdr_read(f, i, &vp, sizeof(vp));
	if (!igvm_applies_snp(f, vp.compatibility_mask))
		return;
	sha384(f->data + vp.file_offset, IGVM_PAGE_SIZE, contents);
	snp_measure_step(digest, contents, SNP_PAGE_TYPE_VMSA, vp.gpa);
}

int snp_measure_igvm(const struct igvm_file *f, uint8_t digest[SNP_DIGEST_SIZE], struct mk_err *err)
{
	if (!f->snp_mask)
		return mk_fail(err, "IGVM file has no SEV-SNP platform");
	memset(digest, 0, SNP_DIGEST_SIZE);
	for (size_t i = 0; i < f->hdr_count; i++) {
		if (f->hdrs[i].type == IGVM_VHT_PAGE_DATA)
			measure_page_data(f, i, digest);
		else if (f->hdrs[i].type == IGVM_VHT_PARAMETER_INSERT)
			measure_insert(f, i, digest);
	}
	for (size_t i = 0; i < f->hdr_count; i++)
		if (f->hdrs[i].type == IGVM_VHT_VP_CONTEXT)
			measure_vmsa(f, i, digest);
	return 0;
}

void snp_digest_hex(const uint8_t digest[SNP_DIGEST_SIZE], char out[2 * SNP_DIGEST_SIZE + 1])
{
	static const char hex[] = "0123456789abcdef";

	for (size_t i = 0; i < SNP_DIGEST_SIZE; i++) {
		out[2 * i] = hex[digest[i] >> 4];
		out[2 * i + 1] = hex[digest[i] & 0xF];
	}
	out[2 * SNP_DIGEST_SIZE] = '\0';
}
