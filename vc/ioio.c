/* SPDX-License-Identifier: MIT */
/*
 * IN/OUT/INS/OUTS of the guest (#VC 0x7B; EXITINFO1 in the APM 15.10.2
 * IOIO format, SPEC-FACTS §6.2).  A port the paravisor filters goes to its
 * device model (devices/), anything else to the hypervisor through the
 * GHCB.  String forms move at most one shared buffer per exit and return
 * VC_RETRY until RCX is done (STYLE §14), so interrupts get in between.
 */
#include "platform/platform.h"
#include "core/ghcb_call.h"
#include "core/guest_mem.h"
#include "svm.h"
#include "vc/vc.h"

#include <lib/string.h>

struct io_access {
    u16 port;
    unsigned int size;          /* 1, 2 or 4 */
    bool in;
};

static bool port_io(const struct io_access *io, u32 *val)
{
    if (devices_port_io(io->port, io->size, io->in, val))
        return true;
    return ghcb_ioio(io->port, io->size, io->in, val);
}

static u64 addr_mask(u64 info)
{
    if (info & SVM_IOIO_A64)
        return ~0ULL;
    return (info & SVM_IOIO_A32) ? 0xFFFFFFFFULL : 0xFFFFULL;
}

static u64 seg_base(const struct sev_vmsa *a, unsigned int seg)
{
    const struct vmsa_seg *s[] = { &a->es, &a->cs, &a->ss, &a->ds, &a->fs, &a->gs };
    bool lm = (a->efer & BIT(10)) && (a->cs.attrib & BIT(9));
    if (seg > 5)
        return 0;
    if (lm && seg != 4 && seg != 5)
        return 0;               /* flat in 64-bit mode but FS/GS */
    return s[seg]->base;
}

/** One chunk of INS/OUTS: up to the shared buffer, element by element
 * through the device or one string call to the hypervisor. */
static enum vc_result string_io(struct vc_exit *e, const struct io_access *io)
{
    struct sev_vmsa *a = e->vmsa;
    u64 mask = addr_mask(e->info1);
    bool rep = e->info1 & SVM_IOIO_REP;
    u64 count = rep ? (a->rcx & mask) : 1;
    if (!count)
        return VC_OK;
    u64 *reg = io->in ? &a->rdi : &a->rsi;
    unsigned int seg = io->in ? 0 : SVM_IOIO_SEG(e->info1);     /* INS: always ES */
    bool down = a->rflags & BIT(10);
    u64 n = MIN(count, (u64)GHCB_SHARED_BUF_SIZE / io->size);
    if (down)
        n = 1;                  /* backwards: element by element */
    u8 buf[GHCB_SHARED_BUF_SIZE];
    u64 la = seg_base(a, seg) + (*reg & mask);
    struct guest_fault f;
    /* Only the elements before a fault move; the fault comes at the next
     * exit, with RCX/RSI/RDI at the faulting element (STYLE §8). */
    u64 ok = guest_accessible(a, la, n * io->size, io->in, &f) / io->size;
    if (!ok)
        goto fault;
    n = ok;
    u64 bytes = n * io->size;
    if (!io->in && !guest_copy(a, la, buf, bytes, false, &f))
        goto fault;
    if (devices_port_bulk(io->port, io->size, io->in, n)) {
        if (!ghcb_ioio_string(io->port, io->size, io->in, buf, n))
            return VC_HV_ERROR;
    } else {
        for (u64 i = 0; i < n; i++) {
            u32 v = 0;
            if (!io->in)
                memcpy(&v, buf + i * io->size, io->size);
            if (!port_io(io, &v))
                return VC_HV_ERROR;
            if (io->in)
                memcpy(buf + i * io->size, &v, io->size);
        }
    }
    if (io->in && !guest_copy(a, la, buf, bytes, true, &f))
        goto fault;
    *reg = (*reg & ~mask) | ((down ? *reg - bytes : *reg + bytes) & mask);
    if (rep)
        a->rcx = (a->rcx & ~mask) | ((count - n) & mask);
    return (rep && count > n) ? VC_RETRY : VC_OK;
fault:
    e->fault = (struct vc_fault){ .vector = f.vector, .has_error = true, .error = f.error,
                                  .cr2 = f.cr2 };
    return VC_EXCEPTION;
}

enum vc_result vc_handle_ioio(struct vc_exit *e)
{
    struct io_access io = {
        .port = SVM_IOIO_PORT(e->info1),
        .size = SVM_IOIO_DATA_SIZE(e->info1),
        .in = e->info1 & SVM_IOIO_TYPE_IN,
    };
    if (io.size != 1 && io.size != 2 && io.size != 4)
        return VC_HV_ERROR;
    e->nrip = e->info2;         /* IOIO: EXITINFO2 is the next RIP */
    if (e->info1 & SVM_IOIO_STR)
        return string_io(e, &io);
    u32 v = (u32)e->vmsa->rax & (io.size == 4 ? 0xFFFFFFFFu : ((1u << (8 * io.size)) - 1));
    if (!port_io(&io, &v))
        return VC_HV_ERROR;
    if (io.in) {
        u64 mask = io.size == 4 ? 0xFFFFFFFFULL : ((1ULL << (8 * io.size)) - 1);
        /* a 32-bit IN zero-extends into RAX, 8/16-bit ones keep the rest */
        e->vmsa->rax = io.size == 4 ? v : ((e->vmsa->rax & ~mask) | (v & mask));
    }
    return VC_OK;
}
