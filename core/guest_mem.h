/* SPDX-License-Identifier: MIT */
#ifndef PV_GUEST_MEM_H
#define PV_GUEST_MEM_H

#include "core/pv.h"
#include <vmsa.h>
#include <x86_fault.h>

enum guest_walk { GUEST_WALK_OK, GUEST_WALK_PF, GUEST_WALK_BAD_GPA, GUEST_WALK_UNSUPPORTED };

bool guest_gpa_ok(uint64_t gpa, uint64_t len);
enum guest_walk guest_linear_to_gpa(const struct sev_vmsa *a, uint64_t la, bool write,
				    uint64_t *gpa, uint32_t *pf_error);
uint64_t guest_accessible(const struct sev_vmsa *a, uint64_t la, uint64_t len, bool write,
			  struct x86_fault *f);
bool guest_copy(const struct sev_vmsa *a, uint64_t la, void *buf, uint64_t len, bool write,
		struct x86_fault *f);

#endif
