/* SPDX-License-Identifier: MIT */
#ifndef PV_GUEST_MEM_H
#define PV_GUEST_MEM_H

#include "core/pv.h"
#include <vmsa.h>
#include <x86_fault.h>

enum guest_walk { GUEST_WALK_OK, GUEST_WALK_PF, GUEST_WALK_BAD_GPA, GUEST_WALK_UNSUPPORTED };

bool guest_gpa_ok(u64 gpa, u64 len);
enum guest_walk guest_linear_to_gpa(const struct sev_vmsa *a, u64 la, bool write, u64 *gpa,
                                    u32 *pf_error);
u64 guest_accessible(const struct sev_vmsa *a, u64 la, u64 len, bool write, struct x86_fault *f);
bool guest_copy(const struct sev_vmsa *a, u64 la, void *buf, u64 len, bool write,
                struct x86_fault *f);

#endif
