/* SPDX-License-Identifier: MIT */
/*
 * Exits of the guest (VMPL1) that come to the paravisor: its reflected #VCs
 * (ReflectVC) and the automatic exits the hypervisor hands over (HLT, a
 * VMPL violation, shutdown).  Handlers in vc/<family>.c return a result;
 * only vc_dispatch() acts on it:
 *   VC_OK           done, state written: RIP moves to the next instruction
 *   VC_RETRY        re-run the same instruction (bounded work per exit)
 *   VC_EXCEPTION    e->fault goes to the guest; RIP stays, the registers are
 *                   as the instruction leaves them at the fault (a string
 *                   instruction's rSI/rDI/rCX at the faulting element)
 *   VC_UNSUPPORTED  terminate: the guest did something we do not emulate
 *   VC_DECODE_FAILED  terminate: the instruction could not be decoded or
 *                   does not match the exit
 *   VC_HV_ERROR     terminate: the hypervisor answered out of spec
 *   VC_PAGE_REPLAY  terminate: a validated page came back unvalidated
 */
#ifndef PV_VC_H
#define PV_VC_H

#include "core/pv.h"
#include "core/vcpu.h"

#include <x86_fault.h>

#include "decoder/emul.h"

enum vc_result {
	VC_OK,
	VC_RETRY,
	VC_EXCEPTION,
	VC_UNSUPPORTED,
	VC_DECODE_FAILED,
	VC_HV_ERROR,
	VC_PAGE_REPLAY,
};

struct vc_exit {
	struct vcpu *vcpu;	     /* [in] */
	struct sev_vmsa *vmsa;	     /* [in/out] the guest's state */
	uint64_t code, info1, info2; /* [in] GUEST_EXITCODE, EXITINFO1/2 */
	uint64_t nrip;		     /* [in/out] next RIP; a decoding handler sets it */
	struct x86_fault fault;	     /* [out] with VC_EXCEPTION */
};

/** A handler's way to raise f in the guest. */
static inline enum vc_result vc_raise(struct vc_exit *e, struct x86_fault f)
{
	e->fault = f;
	return VC_EXCEPTION;
}

void vc_dispatch(struct vc_exit *e);

/* One per exit family. */
enum vc_result vc_handle_cpuid(struct vc_exit *e);
enum vc_result vc_handle_ioio(struct vc_exit *e);
enum vc_result vc_handle_msr(struct vc_exit *e);
enum vc_result vc_handle_npf(struct vc_exit *e);
enum vc_result vc_handle_hlt(struct vc_exit *e);
enum vc_result vc_handle_rdtsc(struct vc_exit *e);
enum vc_result vc_handle_nop(struct vc_exit *e);
enum vc_result vc_handle_dr7(struct vc_exit *e);
enum vc_result vc_handle_vmmcall(struct vc_exit *e);
enum vc_result vc_handle_unvalidated(struct vc_exit *e);

/* guest.c: the guest's registers, and the emulation engine on them */
/** What vc/'s engine hooks find in emul_ctxt.opaque. */
struct vc_emul {
	struct vc_exit *e;
	uint64_t fault_page; /* npf.c: the device page that faulted */
	bool hit;	     /* npf.c: an access reached it */
	/* npf.c: the one access of a single-access instruction, when the
	 * hardware's fault describes it: its GPA and direction */
	bool one_access, fault_write;
	uint64_t fault_gpa;
};
/** GPR index (enum insn_gpr order) -> its slot in the VMSA; NULL past 15. */
uint64_t *vc_gpr(struct sev_vmsa *a, unsigned int index);
/** A fresh engine context on the guest's state, opaque = m (m->e = e). */
void vc_emul_start(struct emul_ctxt *c, struct vc_exit *e, struct vc_emul *m);
/** The guest's vector registers into the engine (for SSE/AVX moves). */
void vc_emul_load_vec(struct emul_ctxt *c, const struct vc_exit *e);
/** The engine's register and RFLAGS writes into the VMSA. */
void vc_emul_commit(struct vc_exit *e, const struct emul_output *out);
/** Fetches and decodes the instruction at CS:RIP into c->insn (emul_decode). */
enum emul_result vc_emul_decode(struct emul_ctxt *c);
/** The fetch hook vc/'s engine ops share: guest memory through its page tables. */
enum emul_result vc_emul_fetch(struct emul_ctxt *c, uint64_t gva, void *buf, unsigned int size);

/* kvmclock.c: the paravirtual clock the paravisor serves (not the host's) */
bool kvmclock_msr(struct vcpu *v, uint32_t msr, bool write, uint64_t *val);
bool kvmclock_cpuid(uint32_t leaf, uint32_t r[4]);

/* cpuid.c: the validated CPUID page, kept in paravisor memory. */
void cpuid_page_init(void);
uint32_t cpuid_signature(void);

#endif
