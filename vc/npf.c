/* SPDX-License-Identifier: MIT */
/*
 * #VC 0x400: the guest touched device space (the NPT's reserved-bit MMIO
 * marker; EXITINFO2 = the GPA).  The instruction is decoded and run by the
 * emulation engine (decoder/emul.h) with hooks that send accesses to the
 * faulting device page to the device model or the hypervisor (GHCB MMIO),
 * and accesses to guest RAM to guest RAM.  At least one access must hit the
 * page that faulted (STYLE §9: the bytes are re-read and can have changed).
 */
#include "platform/platform.h"
#include "core/ghcb_call.h"
#include "core/guest_mem.h"
#include "core/mm.h"
#include "vc/vc.h"

#include "decoder/emul.h"

#include <lib/string.h>

struct mmio_ctx {
    struct vc_exit *e;
    u64 fault_page;
    bool hit;
};

static u64 *gpr_slot(struct sev_vmsa *a, unsigned int i)
{
    u64 *const slot[INSN_GPR_COUNT] = {
        &a->rax, &a->rcx, &a->rdx, &a->rbx, &a->rsp, &a->rbp, &a->rsi, &a->rdi,
        &a->r8, &a->r9, &a->r10, &a->r11, &a->r12, &a->r13, &a->r14, &a->r15,
    };
    return slot[i];
}

static void load_input(struct emul_input *in, struct sev_vmsa *a)
{
    const struct vmsa_seg *segs[INSN_SEG_COUNT] = { &a->es, &a->cs, &a->ss, &a->ds, &a->fs, &a->gs };
    memset(in, 0, sizeof(*in));
    for (unsigned int i = 0; i < INSN_GPR_COUNT; i++)
        in->gpr[i] = *gpr_slot(a, i);
    for (unsigned int i = 0; i < INSN_SEG_COUNT; i++)
        in->seg[i] = (struct emul_seg){ segs[i]->selector, segs[i]->attrib, segs[i]->limit,
                                        segs[i]->base };
    in->rip = a->rip;
    in->rflags = a->rflags;
    in->cr0 = a->cr0;
    in->cr4 = a->cr4;
    in->efer = a->efer;
    in->cpl = a->cpl;
}

static enum emul_result translate(struct emul_ctxt *c, u64 gva, bool write, u64 *gpa)
{
    struct mmio_ctx *m = c->opaque;
    u32 err;
    switch (guest_linear_to_gpa(m->e->vmsa, gva, write, gpa, &err)) {
    case GUEST_WALK_OK:
        return EMUL_OK;
    case GUEST_WALK_PF:
        emul_page_fault(c, gva, err);
        return EMUL_EXCEPTION;
    default:
        return EMUL_UNHANDLEABLE;
    }
}

/** One access of the instruction: device space or guest RAM, nothing else. */
static enum emul_result access(struct emul_ctxt *c, u64 gva, void *buf, unsigned int size,
                               bool write)
{
    struct mmio_ctx *m = c->opaque;
    u64 gpa;
    enum emul_result r = translate(c, gva, write, &gpa);
    if (r != EMUL_OK)
        return r;
    if ((gpa & PAGE_MASK) != ((gpa + size - 1) & PAGE_MASK))
        return EMUL_UNHANDLEABLE;       /* split across pages: not for devices */
    if (guest_gpa_ok(gpa, size)) {
        if (write)
            memcpy(mm_private_va(gpa), buf, size);
        else
            memcpy(buf, mm_private_va(gpa), size);
        return EMUL_OK;
    }
    if ((gpa & PAGE_MASK) == m->fault_page)
        m->hit = true;
    if (gpa >= mm.pv_base && gpa < mm.pv_end)
        return EMUL_UNHANDLEABLE;       /* cannot be device space */
    u64 v = 0;
    if (write)
        memcpy(&v, buf, size);
    if (!devices_mmio(gpa, size, write, &v) && !ghcb_mmio(gpa, size, write, &v))
        return EMUL_UNHANDLEABLE;
    if (!write)
        memcpy(buf, &v, size);
    return EMUL_OK;
}

static enum emul_result read_mem(struct emul_ctxt *c, u64 gva, void *buf, unsigned int size)
{
    return access(c, gva, buf, size, false);
}

static enum emul_result write_mem(struct emul_ctxt *c, u64 gva, const void *buf, unsigned int size)
{
    return access(c, gva, (void *)buf, size, true);
}

static enum emul_result fetch(struct emul_ctxt *c, u64 gva, void *buf, unsigned int size)
{
    struct mmio_ctx *m = c->opaque;
    struct guest_fault f;
    if (guest_copy(m->e->vmsa, gva, buf, size, false, &f))
        return EMUL_OK;
    if (f.vector == 14)
        emul_page_fault(c, f.cr2, f.error | 0x10);  /* I/D: an instruction fetch */
    else
        emul_raise(c, f.vector, f.error);
    return EMUL_EXCEPTION;
}

static const struct emul_ops mmio_ops = {
    .read_mem = read_mem,
    .write_mem = write_mem,
    .insn_fetch = fetch,
};

static void commit(struct sev_vmsa *a, const struct emul_output *out)
{
    for (unsigned int i = 0; i < INSN_GPR_COUNT; i++)
        if (out->gpr_written & (1u << i))
            *gpr_slot(a, i) = out->gpr[i];
    a->rflags = out->rflags;
}

enum vc_result vc_handle_npf(struct vc_exit *e)
{
    struct mmio_ctx m = { .e = e, .fault_page = e->info2 & PAGE_MASK };
    struct emul_ctxt c = { .opaque = &m };
    load_input(&c.in, e->vmsa);
    c.in.rep_limit = 64;
    enum emul_result r = emul_execute(&c, &mmio_ops);
    if (r == EMUL_UNHANDLEABLE) {
        pv_notice("MMIO at GPA %#lx: %s instruction at rip %#lx not emulated",
                  (unsigned long)e->info2, c.insn_valid ? insn_class_name(c.insn.cls) : "undecoded",
                  (unsigned long)e->vmsa->rip);
        return VC_DECODE_FAILED;
    }
    commit(e->vmsa, &c.out);
    if (r == EMUL_EXCEPTION) {
        e->fault = (struct vc_fault){ .vector = c.out.fault.vector,
                                      .has_error = c.out.fault.has_error_code,
                                      .error = c.out.fault.error_code, .cr2 = c.out.fault.cr2 };
        return VC_EXCEPTION;
    }
    if (!m.hit)
        return VC_DECODE_FAILED;        /* the bytes do not touch the faulting page */
    if (r == EMUL_RETRY)
        return VC_RETRY;
    e->nrip = c.out.rip;
    return VC_OK;
}
