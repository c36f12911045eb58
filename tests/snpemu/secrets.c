/* SPDX-License-Identifier: MIT */
/*
 * The secrets page as the PSP writes it at launch (SNP ABI, the secrets page;
 * protocol/secrets.h): version, FMS, and four fresh VMPCKs.  Key material comes
 * from RDRAND mixed with the TSC through SHA-384, so two launches never
 * share keys even when RDRAND is missing.
 */
#include "secrets.h"
#include "vm.h"
#include "x86.h"

#include <lib/sha384.h>
#include <lib/string.h>

#define SECRETS_VERSION 3

static void fresh_bytes(uint8_t *out, uint64_t len)
{
	static uint64_t counter;
	while (len) {
		uint64_t seed[6] = { rdtsc(), ++counter, 0, 0, 0, 0 };
		for (int i = 2; i < 6; i++)
			if (!rdrand64(&seed[i]))
				seed[i] = rdtsc() * 0x9E3779B97F4A7C15ULL;
		uint8_t d[48];
		sha384(seed, sizeof(seed), d);
		uint64_t n = MIN(len, 32ULL);
		memcpy(out, d, n);
		out += n;
		len -= n;
	}
}

void secrets_page_fill(void *page)
{
	struct snp_secrets_page *s = page;
	uint32_t r[4];
	memset(s, 0, sizeof(*s));
	s->version = SECRETS_VERSION;
	cpuid_count(1, 0, r);
	s->fms = r[0];
	for (int i = 0; i < SNP_VMPCK_COUNT; i++)
		fresh_bytes(s->vmpck[i], SNP_VMPCK_SIZE);
}
