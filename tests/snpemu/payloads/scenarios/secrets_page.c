// SPDX-License-Identifier: MIT
/* The PSP fills the secrets page at launch: a known layout version and
 * four VMPCKs, each non-zero and all different (SNP ABI, secrets page). */
#include <lib/string.h>

#include "rt.h"
#include "secrets.h"

/* Layout versions with VMPCK0..3 at 0x20 (SNP ABI 56860: 2; 3 adds the
 * fields Linux and mushroom read). */
#define SECRETS_VERSION_MIN 2
#define SECRETS_VERSION_MAX 3

static bool all_zero(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

PAYLOAD(secrets_page, 0)
{
	const struct snp_secrets_page *s = gpa_private(PAYLOAD_SECRETS_GPA);
	unsigned i, j;

	CHECK(s->version >= SECRETS_VERSION_MIN && s->version <= SECRETS_VERSION_MAX, "version %u",
	      s->version);
	for (i = 0; i < SNP_VMPCK_COUNT; i++) {
		CHECK(!all_zero(s->vmpck[i], SNP_VMPCK_SIZE), "VMPCK%u is zero", i);
		for (j = i + 1; j < SNP_VMPCK_COUNT; j++)
			CHECK(memcmp(s->vmpck[i], s->vmpck[j], SNP_VMPCK_SIZE) != 0,
			      "VMPCK%u == VMPCK%u", i, j);
	}
}
