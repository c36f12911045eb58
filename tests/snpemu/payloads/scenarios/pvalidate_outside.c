// SPDX-License-Identifier: MIT
/* PVALIDATE of a private mapping whose GPA is not guest memory (beyond the
 * memory map) is an unrecoverable nested page fault: snpemu, like KVM,
 * stops the guest.  run_payload.py expects status 35 and the log line. */
#include "rt.h"

/* 768 MiB: above the 512 MiB the driver gives QEMU, below the q35 PCI hole,
 * inside the private VA window [0, 1 GiB). */
#define OUTSIDE_GPA 0x30000000ull

PAYLOAD(pvalidate_outside, 0)
{
	struct snp_ret ret = pvalidate(OUTSIDE_GPA, RMP_PG_SIZE_4K, true);

	CHECK(false, "PVALIDATE outside guest memory returned eax=%u cf=%d", ret.eax, ret.cf);
}
