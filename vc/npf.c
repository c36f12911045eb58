/* SPDX-License-Identifier: MIT */
/*
 * #VC 0x400: the guest touched device space (the NPT's reserved-bit MMIO
 * marker).  EXITINFO2 is the GPA.  The instruction must be decoded to know
 * what to read or write; until the decoder is wired this is unsupported.
 */
#include "vc.h"

enum vc_result vc_handle_npf(struct vc_exit *e)
{
    pv_notice("MMIO at GPA %#lx (rip %#lx)", (unsigned long)e->info2, (unsigned long)e->vmsa->rip);
    return VC_UNSUPPORTED;
}
