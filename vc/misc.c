/* SPDX-License-Identifier: MIT */
/* The small exit families: HLT, RDTSC(P), cache/monitor NOPs, DR7, VMMCALL,
 * and pages that come back unvalidated. */
#include "core/ghcb_call.h"
#include "svm.h"
#include "vc/vc.h"

#include "decoder/insn.h"

/** HLT: an automatic exit the hypervisor handed over, RIP already past
 * the HLT (docs/snpemu.md).  The run loop waits for an interrupt. */
enum vc_result vc_handle_hlt(struct vc_exit *e)
{
	e->vcpu->guest_halted = true;
	e->nrip = e->vmsa->rip;
	return VC_OK;
}

enum vc_result vc_handle_rdtsc(struct vc_exit *e)
{
	struct ghcb *g = ghcb_begin();
	if (ghcb_call(g, e->code, 0, 0, &e->fault) != GHCB_STATUS_OK)
		return VC_EXCEPTION; /* the hypervisor's #GP or #UD */
	e->vmsa->rax = (uint32_t)ghcb_out(g, GHCB_OFF(rax));
	e->vmsa->rdx = (uint32_t)ghcb_out(g, GHCB_OFF(rdx));
	if (e->code == SVM_EXIT_RDTSCP)
		e->vmsa->rcx = e->vcpu->tsc_aux; /* the guest's, not the host's */
	return VC_OK;
}

/** WBINVD, INVD: nothing to do for private memory the guest owns;
 * MONITOR/MWAIT: NOPs, so no address reaches the host (as Linux does). */
enum vc_result vc_handle_nop(struct vc_exit *e)
{
	(void)e;
	return VC_OK;
}

/** DR7 (no DebugSwap): the hypervisor intercepts DR7 accesses, the guest
 * keeps a private value here; the CPU never arms the guest's breakpoints.
 * The instruction must be MOV to or from DR7 (the bytes are re-read and can
 * have changed since the exit). */
enum vc_result vc_handle_dr7(struct vc_exit *e)
{
	struct vc_emul m = { 0 };
	struct emul_ctxt c;
	bool write = e->code == SVM_EXIT_DR7_WRITE;
	vc_emul_start(&c, e, &m);
	enum emul_result r = vc_emul_decode(&c);
	if (r == EMUL_EXCEPTION)
		return vc_raise(e, c.out.fault);
	const struct insn *insn = &c.insn;
	if (r != EMUL_OK || insn->dr != 7 ||
	    insn->cls != (write ? INSN_MOV_TO_DR : INSN_MOV_FROM_DR))
		return VC_DECODE_FAILED;
	uint64_t *reg = vc_gpr(e->vmsa, insn->reg.index);
	if (!reg)
		return VC_DECODE_FAILED;
	if (write) {
		if (*reg >> 32)
			return vc_raise(e, x86_fault_gp(0));
		e->vcpu->dr7 = (*reg & ~0x400ULL) | 0x400;
	} else {
		*reg = e->vcpu->dr7;
	}
	e->nrip = e->vmsa->rip + insn->length;
	return VC_OK;
}

/** VMMCALL: no hypercall interface for an SNP-unaware guest: #UD. */
enum vc_result vc_handle_vmmcall(struct vc_exit *e)
{
	return vc_raise(e, x86_fault_ud());
}

/** Every guest page was validated at boot: one that reads as not validated
 * was taken away behind our back (a remap or a replay, APM vol. 2, 15.36.6):
 * never revalidate. */
enum vc_result vc_handle_unvalidated(struct vc_exit *e)
{
	(void)e;
	return VC_PAGE_REPLAY;
}

/** MMIO (#VC 0x400): needs the decoder; wired in npf.c. */
