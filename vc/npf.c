/* SPDX-License-Identifier: MIT */
/*
 * #VC 0x400: the guest touched device space (the NPT's reserved-bit MMIO
 * marker; EXITINFO2 = the GPA).  The instruction is decoded and run by the
 * emulation engine (decoder/emul.h) with hooks that send accesses to the
 * faulting device page to the device model or the hypervisor (GHCB MMIO),
 * and accesses to guest RAM to guest RAM.  At least one access must hit the
 * page that faulted (the bytes are re-read and can have changed).
 */
#include "platform/platform.h"
#include "core/ghcb_call.h"
#include "core/guest_mem.h"
#include "core/mm.h"
#include "vc/vc.h"
#include "core/stats.h"

#include "decoder/emul.h"

#include <lib/string.h>

static enum emul_result translate(struct emul_ctxt *c, uint64_t gva, bool write, uint64_t *gpa)
{
	const struct vc_emul *m = c->opaque;
	uint32_t err;
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
static enum emul_result access(struct emul_ctxt *c, uint64_t gva, void *buf, unsigned int size,
			       bool write)
{
	struct vc_emul *m = c->opaque;
	uint64_t gpa;
	enum emul_result r = translate(c, gva, write, &gpa);
	if (r != EMUL_OK)
		return r;
	if ((gpa & PAGE_MASK) != ((gpa + size - 1) & PAGE_MASK))
		return EMUL_UNHANDLEABLE; /* split across pages: not for devices */
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
		return EMUL_UNHANDLEABLE; /* cannot be device space */
	uint64_t v = 0;
	struct x86_fault f;
	if (write)
		memcpy(&v, buf, size);
	if (!devices_mmio(gpa, size, write, &v) &&
	    ghcb_mmio(gpa, size, write, &v, &f) == GHCB_STATUS_EXCEPTION) {
		emul_raise(c, f.vector, f.error); /* the hypervisor's #GP or #UD */
		return EMUL_EXCEPTION;
	}
	if (!write)
		memcpy(buf, &v, size);
	return EMUL_OK;
}

static enum emul_result read_mem(struct emul_ctxt *c, uint64_t gva, void *buf, unsigned int size)
{
	return access(c, gva, buf, size, false);
}

static enum emul_result write_mem(struct emul_ctxt *c, uint64_t gva, const void *buf,
				  unsigned int size)
{
	return access(c, gva, (void *)buf, size, true);
}

static const struct emul_ops mmio_ops = {
	.read_mem = read_mem,
	.write_mem = write_mem,
	.insn_fetch = vc_emul_fetch,
};

PV_HIST(exits_by_mmio_page, "exits by MMIO page");

enum vc_result vc_handle_npf(struct vc_exit *e)
{
	pv_hist_count(&exits_by_mmio_page, e->info2 & PAGE_MASK);
	struct vc_emul m = { .fault_page = e->info2 & PAGE_MASK };
	struct emul_ctxt c;
	vc_emul_start(&c, e, &m);
	c.in.rep_limit = 64;
	enum emul_result r = emul_execute(&c, &mmio_ops);
	if (r == EMUL_UNHANDLEABLE) {
		pv_notice("MMIO at GPA %#lx: %s instruction at rip %#lx not emulated",
			  (unsigned long)e->info2,
			  c.insn_valid ? insn_class_name(c.insn.cls) : "undecoded",
			  (unsigned long)e->vmsa->rip);
		return VC_DECODE_FAILED;
	}
	vc_emul_commit(e, &c.out);
	if (r == EMUL_EXCEPTION)
		return vc_raise(e, c.out.fault);
	if (!m.hit)
		return VC_DECODE_FAILED; /* the bytes do not touch the faulting page */
	if (r == EMUL_RETRY)
		return VC_RETRY;
	e->nrip = c.out.rip;
	return VC_OK;
}
