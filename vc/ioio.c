/* SPDX-License-Identifier: MIT */
/*
 * IN/OUT/INS/OUTS of the guest (#VC 0x7B; EXITINFO1 in the IOIO format of
 * APM vol. 2, 15.10.2, protocol/svm.h).  A port the paravisor filters goes to its
 * device model (devices/), anything else to the hypervisor through the
 * GHCB.  String forms move at most one shared buffer per exit and return
 * VC_RETRY until RCX is done, so interrupts get in between.
 */
#include "platform/platform.h"
#include "core/ghcb_call.h"
#include "core/guest_mem.h"
#include "svm.h"
#include "vc/vc.h"
#include "core/stats.h"

#include "decoder/insn.h"

#include <lib/string.h>

struct io_access {
	uint16_t port;
	unsigned int size; /* 1, 2 or 4 */
	bool in;
};

/** One element: the paravisor's device model, else the hypervisor (which
 * may ask for #GP or #UD: GHCB_STATUS_EXCEPTION with *f). */
static enum ghcb_status port_io(const struct io_access *io, uint32_t *val, struct x86_fault *f)
{
	if (devices_port_io(io->port, io->size, io->in, val))
		return GHCB_STATUS_OK;
	return ghcb_ioio(io->port, io->size, io->in, val, f);
}

/** SVM_IOIO_A16/A32/A64 as the address size in bytes (APM vol. 2, 15.10.2). */
static unsigned int addr_size(uint64_t info)
{
	if (info & SVM_IOIO_A64)
		return 8;
	return (info & SVM_IOIO_A32) ? 4 : 2;
}

/** The instruction at RIP must be the INS/OUTS the exit describes. */
static bool matches_exit(const struct insn *insn, const struct vc_exit *e,
			 const struct io_access *io)
{
	bool rep = e->info1 & SVM_IOIO_REP;
	return insn->cls == (io->in ? INSN_INS : INSN_OUTS) && insn->op_size == io->size &&
	       insn->addr_size == addr_size(e->info1) && (insn->rep || insn->repne) == rep;
}

/** Up to count elements between the port and buf: one string call to the
 * hypervisor when the port allows it, else element by element.  Returns
 * the elements moved; fewer than count only with a fault in *f. */
static uint64_t move_elements(const struct io_access *io, uint8_t *buf, uint64_t count,
			      struct x86_fault *f)
{
	if (devices_port_bulk(io->port, io->size, io->in, count))
		return ghcb_ioio_string(io->port, io->size, io->in, buf, count, f) == GHCB_STATUS_OK
			       ? count
			       : 0;
	for (uint64_t i = 0; i < count; i++) {
		uint32_t v = 0;
		if (!io->in)
			memcpy(&v, buf + i * io->size, io->size);
		if (port_io(io, &v, f) != GHCB_STATUS_OK)
			return i;
		if (io->in)
			memcpy(buf + i * io->size, &v, io->size);
	}
	return count;
}

/**
 * One run of INS/OUTS: the engine decodes the instruction (which must be
 * the one the exit describes) and gives the linear address and length of
 * the run with every segment and canonical check done
 * (emul_string_run()); the run is at most one shared buffer, cut where the
 * guest's page tables would fault, so a fault comes with rSI/rDI/rCX at
 * the faulting element and no element after it moved.  VC_RETRY until
 * rCX is done, so interrupts get in between.
 */
static enum vc_result string_io(struct vc_exit *e, const struct io_access *io)
{
	struct sev_vmsa *a = e->vmsa;
	struct vc_emul m = { 0 };
	struct emul_ctxt c;
	uint8_t buf[GHCB_SHARED_BUF_SIZE];
	struct x86_fault f;
	uint64_t la, n;

	vc_emul_start(&c, e, &m);
	enum emul_result r = vc_emul_decode(&c);
	if (r == EMUL_EXCEPTION)
		return vc_raise(e, c.out.fault);
	if (r != EMUL_OK || !matches_exit(&c.insn, e, io))
		return VC_DECODE_FAILED;
	r = emul_string_run(&c, GHCB_SHARED_BUF_SIZE / io->size, &la, &n);
	if (r == EMUL_EXCEPTION)
		return vc_raise(e, c.out.fault);
	if (r != EMUL_OK)
		return VC_DECODE_FAILED;
	if (n) {
		n = MIN(n, guest_accessible(a, la, n * io->size, io->in, &f) / io->size);
		if (!n)
			return vc_raise(e, f);
		if (!io->in && !guest_copy(a, la, buf, n * io->size, false, &f))
			return vc_raise(e, f);
		uint64_t moved = move_elements(io, buf, n, &f);
		if (io->in && moved && !guest_copy(a, la, buf, moved * io->size, true, &f))
			return vc_raise(e, f); /* checked above: only a racing guest gets here */
		if (moved < n) {
			emul_string_advance(&c, moved);
			vc_emul_commit(e, &c.out);
			return vc_raise(e, f);
		}
	}
	bool done = emul_string_advance(&c, n);
	vc_emul_commit(e, &c.out);
	if (!done)
		return VC_RETRY;
	e->nrip = c.out.rip;
	return VC_OK;
}

PV_HIST_NAMED(exits_by_port, "exits by port", devices_port_label);

enum vc_result vc_handle_ioio(struct vc_exit *e)
{
	struct io_access io = {
		.port = SVM_IOIO_PORT(e->info1),
		.size = SVM_IOIO_DATA_SIZE(e->info1),
		.in = e->info1 & SVM_IOIO_TYPE_IN,
	};
	if (io.size != 1 && io.size != 2 && io.size != 4)
		return VC_HV_ERROR;
	pv_hist_count(&exits_by_port, io.port);
	if (e->info1 & SVM_IOIO_STR)
		return string_io(e, &io);
	e->nrip = e->info2; /* IOIO: EXITINFO2 is the next RIP */
	uint32_t v = (uint32_t)e->vmsa->rax &
		     (io.size == 4 ? 0xFFFFFFFFu : ((1u << (8 * io.size)) - 1));
	if (port_io(&io, &v, &e->fault) != GHCB_STATUS_OK)
		return VC_EXCEPTION;
	if (io.in) {
		uint64_t mask = io.size == 4 ? 0xFFFFFFFFULL : ((1ULL << (8 * io.size)) - 1);
		/* a 32-bit IN zero-extends into RAX, 8/16-bit ones keep the rest */
		e->vmsa->rax = io.size == 4 ? v : ((e->vmsa->rax & ~mask) | (v & mask));
	}
	return VC_OK;
}
