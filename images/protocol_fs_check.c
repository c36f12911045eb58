/* SPDX-License-Identifier: MIT */
/*
 * Compiles every protocol/ header with the freestanding flags (fs_c_args),
 * so their _Static_asserts hold for the paravisor/snpemu build too.  The
 * host side of the same check is tests/unit/test_protocol.c.
 */
#include "cpuid_page.h"
#include "ghcb.h"
#include "hv_doorbell.h"
#include "igvm.h"
#include "payload_layout.h"
#include "secrets.h"
#include "sev.h"
#include "snp_measure.h"
#include "snpemu_abi.h"
#include "svm.h"
#include "vmsa.h"

/** Referenced so the object is never empty. */
const unsigned protocol_fs_check_ghcb_size = sizeof(struct ghcb);
