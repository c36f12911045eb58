/* SPDX-License-Identifier: MIT */
/* The guest instruction at RIP, for handlers that need its operands. */
#include "core/guest_mem.h"
#include "vc/vc.h"

#include "decoder/insn.h"

static enum insn_mode guest_mode(const struct sev_vmsa *a)
{
    if (!(a->cr0 & 1))
        return INSN_MODE_REAL;
    if ((a->efer & BIT(10)) && (a->cs.attrib & BIT(9)))
        return INSN_MODE_LONG64;
    return (a->cs.attrib & BIT(10)) ? INSN_MODE_PROT32 : INSN_MODE_PROT16;
}

/** Decodes the instruction at CS:RIP; false if it cannot be fetched or
 * decoded (the caller answers VC_DECODE_FAILED). */
bool vc_decode(const struct vc_exit *e, struct insn *insn)
{
    const struct sev_vmsa *a = e->vmsa;
    u8 bytes[INSN_MAX_LENGTH];
    u64 la = a->cs.base + a->rip;
    size_t n = 0;
    struct guest_fault f;
    while (n < sizeof(bytes) && guest_copy(a, la + n, bytes + n, 1, false, &f))
        n++;
    return n && insn_decode(bytes, n, guest_mode(a), a->rip, insn) == INSN_OK;
}

u64 *vc_gpr(struct sev_vmsa *a, unsigned int index)
{
    u64 *const slot[INSN_GPR_COUNT] = {
        &a->rax, &a->rcx, &a->rdx, &a->rbx, &a->rsp, &a->rbp, &a->rsi, &a->rdi,
        &a->r8, &a->r9, &a->r10, &a->r11, &a->r12, &a->r13, &a->r14, &a->r15,
    };
    return index < INSN_GPR_COUNT ? slot[index] : NULL;
}
