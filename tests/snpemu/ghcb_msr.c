/* SPDX-License-Identifier: MIT */
/*
 * VMGEXIT with the GHCB MSR protocol (GHCB spec 2.3.1 "GHCB MSR Protocol"), as
 * KVM answers it.  Low 12 bits 0 means "GHCB page call": ghcb_nae.c.
 */
#include "ghcb.h"
#include "payload_layout.h"
#include "sev.h"
#include "snpemu_abi.h"
#include "vm.h"

/** What this hypervisor offers (MSR 0x080 and NAE 0x8000FFFD). */
uint64_t hv_features(void)
{
	return SEV_HV_FEAT_SNP | SEV_HV_FEAT_AP_CREATION | SEV_HV_FEAT_RESTRICTED_INJ |
	       SEV_HV_FEAT_MULTI_VMPL;
}

static uint64_t msr_cpuid(uint64_t req)
{
	uint32_t r[4];
	snp_cpuid(ghcb_msr_cpuid_fn(req), 0, r);
	unsigned int reg = ghcb_msr_cpuid_reg(req);
	return ghcb_msr_cpuid_resp(r[reg], reg); /* KVM keeps [31:30] */
}

static uint64_t msr_register_gpa(struct vmpl_ctx *c, uint64_t req)
{
	uint64_t gfn = ghcb_msr_gfn(req);
	uint64_t gpa = gfn << PAGE_SHIFT;
	if (!gpa_is_ram(gpa)) {
		log_printf("GHCB registration of GPA %#lx refused: not guest RAM",
			   (unsigned long)gpa);
		return ghcb_msr_reg_gpa_resp(GHCB_MSR_PREF_GPA_NONE);
	}
	c->ghcb_gfn = gfn;
	return ghcb_msr_reg_gpa_resp(gfn);
}

/** One 4 KiB page; PSMASH/UNSMASH are not allowed here (GHCB spec 2.3.1). */
static uint64_t msr_psc(uint64_t req)
{
	uint64_t gpa = ghcb_msr_psc_gfn(req) << PAGE_SHIFT;
	unsigned int op = ghcb_msr_psc_op(req);
	if (!gpa_is_ram(gpa) || (op != PSC_OP_PRIVATE && op != PSC_OP_SHARED))
		return ghcb_msr_psc_resp(1);
	if (hostile_refuse_psc())
		return ghcb_msr_psc_resp(1);
	if (hostile_psc_lie())
		return ghcb_msr_psc_resp(0);
	if (op == PSC_OP_PRIVATE)
		rmp_make_private(gpa);
	else
		rmp_make_shared(gpa);
	return ghcb_msr_psc_resp(0);
}

static _Noreturn void terminate(unsigned int set, unsigned int code)
{
	log_printf("guest termination request: set=%u code=0x%x", set, code);
	stats_print();
	snpemu_exit(SNPEMU_EXIT_GUEST_TERMINATED);
}

void vmgexit(struct vcpu *v)
{
	struct vmpl_ctx *c = &v->ctx[v->vmpl];
	uint64_t req = c->ghcb_msr;
	advance_rip(v, 4);
	switch (ghcb_msr_info(req)) {
	case GHCB_MSR_GHCB_GPA:
		ghcb_nae(v, req & PAGE_MASK);
		return;
	case GHCB_MSR_SEV_INFO_REQ:
		c->ghcb_msr = ghcb_msr_sev_info_resp(GHCB_PROTOCOL_MAX, GHCB_PROTOCOL_MIN, CBIT);
		return;
	case GHCB_MSR_CPUID_REQ:
		c->ghcb_msr = msr_cpuid(req);
		return;
	case GHCB_MSR_REG_GPA_REQ:
		c->ghcb_msr = msr_register_gpa(c, req);
		return;
	case GHCB_MSR_PREF_GPA_REQ:
		c->ghcb_msr = (GHCB_MSR_PREF_GPA_NONE << GHCB_MSR_DATA_SHIFT) |
			      GHCB_MSR_PREF_GPA_RESP;
		return;
	case GHCB_MSR_PSC_REQ:
		c->ghcb_msr = msr_psc(req);
		return;
	case GHCB_MSR_RUN_VMPL_REQ:
		/* KVM writes the response before it switches (docs/spec-notes.md,
         * 'RUN_VMPL in a multi-VMPL KVM'). */
		c->ghcb_msr = ghcb_msr_run_vmpl_resp(0);
		if (!vcpu_run_vmpl(v, ghcb_msr_run_vmpl_target(req)))
			c->ghcb_msr = ghcb_msr_run_vmpl_resp(GHCB_RUN_VMPL_ERR_INVALID_VMPL);
		return;
	case GHCB_MSR_HV_FEATURES_REQ:
		c->ghcb_msr = ghcb_msr_hv_features_resp(hv_features());
		return;
	case GHCB_MSR_TERM_REQ:
		terminate(ghcb_msr_term_set(req), ghcb_msr_term_code(req));
	default:
		/* KVM leaves the MSR as it is and resumes the guest. */
		log_printf("unknown GHCB MSR protocol request %#lx ignored", (unsigned long)req);
		return;
	}
}

_Noreturn void ghcb_terminate(unsigned int set, unsigned int code)
{
	terminate(set, code);
}
