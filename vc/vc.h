/* SPDX-License-Identifier: MIT */
/*
 * Exits of the guest (VMPL1) that come to the paravisor: its reflected #VCs
 * (ReflectVC) and the automatic exits the hypervisor hands over (HLT, a
 * VMPL violation, shutdown).  Handlers in vc/<family>.c return a result;
 * only vc_dispatch() acts on it (STYLE §7):
 *   VC_OK           done, state written: RIP moves to the next instruction
 *   VC_RETRY        re-run the same instruction (bounded work, STYLE §14)
 *   VC_EXCEPTION    e->fault goes to the guest; no other state was changed
 *   VC_UNSUPPORTED  terminate: the guest did something we do not emulate
 *   VC_DECODE_FAILED  terminate: the instruction could not be decoded or
 *                   does not match the exit (STYLE §9)
 *   VC_HV_ERROR     terminate: the hypervisor answered out of spec
 */
#ifndef PV_VC_H
#define PV_VC_H

#include "core/pv.h"
#include "core/vcpu.h"

enum vc_result {
    VC_OK,
    VC_RETRY,
    VC_EXCEPTION,
    VC_UNSUPPORTED,
    VC_DECODE_FAILED,
    VC_HV_ERROR,
};

struct vc_fault {
    u8 vector;
    bool has_error;
    u32 error;
    u64 cr2;                    /* for #PF */
};

struct vc_exit {
    struct vcpu *vcpu;          /* [in] */
    struct sev_vmsa *vmsa;      /* [in/out] the guest's state */
    u64 code, info1, info2;     /* [in] GUEST_EXITCODE, EXITINFO1/2 */
    u64 nrip;                   /* [in/out] next RIP; a decoding handler sets it */
    struct vc_fault fault;      /* [out] with VC_EXCEPTION */
};

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

/* decode.c */
struct insn;
bool vc_decode(const struct vc_exit *e, struct insn *insn);
u64 *vc_gpr(struct sev_vmsa *a, unsigned int index);

/* kvmclock.c: the paravirtual clock the paravisor serves (not the host's) */
bool kvmclock_msr(struct vcpu *v, u32 msr, bool write, u64 *val);
bool kvmclock_cpuid(u32 leaf, u32 r[4]);

/* cpuid.c: the validated CPUID page, kept in paravisor memory. */
void cpuid_page_init(void);
u32 cpuid_signature(void);


#endif
