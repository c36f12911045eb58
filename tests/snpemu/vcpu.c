/* SPDX-License-Identifier: MIT */
/*
 * vCPU contexts: one VMSA per VMPL, of which one runs at a time on the
 * vCPU's VMCB.  A switch moves the whole state (APM "VMSA" save area:
 * segments, control and debug registers, GPRs, FPU) between the VMCB/CPU
 * and the VMSA page, as VMRUN and #VMEXIT do for an SEV-ES guest, and picks
 * the nested page tables of the new context's VMPL.
 *
 * RUN_VMPL and AP creation follow a multi-VMPL KVM (docs/spec-notes.md,
 * 'RUN_VMPL in a multi-VMPL KVM'; GHCB spec, SNP AP Creation); docs/snpemu.md lists
 * the choices where no source settles the behaviour.
 */
#include "ghcb.h"
#include "sev.h"
#include "svm.h"
#include "vm.h"
#include "x86.h"

#include <lib/string.h>

#define VMCB_VINTR_MASK \
	(VINTR_TPR_MASK | VINTR_IRQ | VINTR_PRIO_MASK | VINTR_IGN_TPR | VINTR_VECTOR_MASK)

struct vcpu vcpus[MAX_VCPUS];
unsigned int vcpu_count;

/**
 * Which NPT view the context needs.  With vTOM, the VMSA's VIRTUAL_TOM.
 * Without it, the C-bit view, except while paging is off: then every
 * access is private (APM §15.34 "when paging is disabled, memory accesses
 * are encrypted"), which the view with a vTOM at the C-bit gives.  The
 * CR0 write intercept (exit.c) moves a context between the two.
 */
static uint64_t context_vtom(const struct vmcb_save *s, const struct sev_vmsa *a)
{
	if (a->sev_features & SEV_FEAT_VTOM)
		return a->virtual_tom;
	return (s->cr0 & CR0_PG) ? 0 : CBIT_MASK;
}

void vcpu_select_npt(struct vcpu *v)
{
	struct vmcb_control *c = &v->vmcb->control;
	c->n_cr3 = npt_root(v->vmpl, context_vtom(&v->vmcb->save, v->vmsa));
	c->tlb_control = TLB_CONTROL_FLUSH_ALL;
	/* Paging changes matter only where the C-bit decides.  CR8 writes are
     * done by snpemu: QEMU 7.2 TCG aborts on a CR8 write while a virtual
     * interrupt is pending (helper_write_crN calls cpu_interrupt() without
     * the iothread lock; observed on QEMU 7.2 TCG). */
	c->cr_write = (uint16_t)(BIT(8) | ((v->vmsa->sev_features & SEV_FEAT_VTOM) ? 0 : BIT(0)));
}

/** Why VMRUN would refuse this VMSA, or 0 (APM vol. 2, 15.5.1 consistency
 * checks, 15.36.12 "VMRUN Checks", 15.36.16 and 15.36.8). */
static uint64_t vmsa_refusal(const struct vcpu *v, unsigned int vmpl)
{
	const struct vmpl_ctx *c = &v->ctx[vmpl];
	const struct sev_vmsa *a = c->vmsa;
	uint64_t f = a->sev_features;
	if (gpa_is_ram(c->vmsa_gpa)) {
		const struct rmp_entry *e = rmp_get(c->vmsa_gpa);
		if ((e->flags & (RMP_ASSIGNED | RMP_VMSA)) != (RMP_ASSIGNED | RMP_VMSA))
			return SVM_EXIT_INVALID;
	}
	if (!(a->efer & EFER_SVME) || a->vmpl != vmpl || !(f & SEV_FEAT_SNP_ACTIVE) ||
	    (f & SEV_FEAT_RESERVED_MASK) ||
	    ((f & SEV_FEAT_RESTRICTED_INJ) && (f & SEV_FEAT_ALTERNATE_INJ)) ||
	    ((f & SEV_FEAT_VTOM) && (a->virtual_tom & (PAGE_2M - 1))))
		return SVM_EXIT_INVALID;
	if (a->vintr_ctrl & VINTR_BUSY)
		return SVM_EXIT_BUSY;
	return 0;
}

void vcpu_load(struct vcpu *v, unsigned int vmpl)
{
	struct sev_vmsa *a = v->ctx[vmpl].vmsa;
	struct vmcb_save *s = &v->vmcb->save;
	struct vmcb_control *c = &v->vmcb->control;

	v->vmpl = vmpl;
	v->vmsa = a;
	memcpy(s, a, offsetof(struct sev_vmsa, reserved_298));
	v->gprs = (struct guest_gprs){
		.rcx = a->rcx,
		.rdx = a->rdx,
		.rbx = a->rbx,
		.rbp = a->rbp,
		.rsi = a->rsi,
		.rdi = a->rdi,
		.r8 = a->r8,
		.r9 = a->r9,
		.r10 = a->r10,
		.r11 = a->r11,
		.r12 = a->r12,
		.r13 = a->r13,
		.r14 = a->r14,
		.r15 = a->r15,
	};
	fpu_load(v, a);
	/* TSC_AUX is the context's (TscAuxVirtualization, CPUID Fn8000_001F
	 * EAX[9]; VMSA offset 0x2EC, APM vol. 2 Table B-4): RDTSCP and RDPID
	 * read it without an exit.  snpemu itself never reads TSC_AUX. */
	wrmsr(MSR_TSC_AUX_VMSA, a->tsc_aux);
	vcpu_select_npt(v);
	c->event_inj = 0;
	c->v_intr = V_INTR_MASKING;
	c->int_shadow = 0;
	if (a->sev_features & SEV_FEAT_ALTERNATE_INJ) {
		/* AI: EVENTINJ and the virtual interrupt state come from the VMSA. */
		c->event_inj = a->event_inj;
		c->v_intr |= a->vintr_ctrl & VMCB_VINTR_MASK;
		c->int_shadow = !!(a->vintr_ctrl & VINTR_INT_SHADOW);
	}
}

void vcpu_save(struct vcpu *v)
{
	struct sev_vmsa *a = v->vmsa;
	const struct vmcb_save *s = &v->vmcb->save;
	const struct vmcb_control *c = &v->vmcb->control;

	memcpy(a, s, offsetof(struct sev_vmsa, reserved_298));
	a->vmpl = (uint8_t)v->vmpl; /* the VMCB has no VMPL field */
	a->rcx = v->gprs.rcx;
	a->rdx = v->gprs.rdx;
	a->rbx = v->gprs.rbx;
	a->rbp = v->gprs.rbp;
	a->rsi = v->gprs.rsi;
	a->rdi = v->gprs.rdi;
	a->r8 = v->gprs.r8;
	a->r9 = v->gprs.r9;
	a->r10 = v->gprs.r10;
	a->r11 = v->gprs.r11;
	a->r12 = v->gprs.r12;
	a->r13 = v->gprs.r13;
	a->r14 = v->gprs.r14;
	a->r15 = v->gprs.r15;
	fpu_save(v, a);
	a->tsc_aux = (uint32_t)rdmsr(MSR_TSC_AUX_VMSA);
	if (a->sev_features & SEV_FEAT_ALTERNATE_INJ) {
		/* Written back at #VMEXIT: V_TPR, V_IRQ, INT_SHADOW (APM vol. 2, 15.36.16);
         * an EVENTINJ not taken stays valid. */
		uint64_t keep = a->vintr_ctrl & ~(VINTR_TPR_MASK | VINTR_IRQ | VINTR_INT_SHADOW);
		a->vintr_ctrl = keep | (c->v_intr & (VINTR_TPR_MASK | VINTR_IRQ)) |
				((c->int_shadow & 1) ? VINTR_INT_SHADOW : 0);
		a->event_inj = (c->event_inj & SVM_EVT_VALID) ? c->event_inj : 0;
	}
}

/** Hardware exit information in the VMSA (0x390-0x3C0), written on every
 * automatic exit of the context (APM vol. 2, 15.36.9). */
static void vmsa_exit_info(struct vcpu *v, uint64_t code, uint64_t info1, uint64_t info2,
			   uint64_t nrip)
{
	struct sev_vmsa *a = v->vmsa;
	a->guest_exit_code = code;
	a->guest_exit_info1 = info1;
	a->guest_exit_info2 = info2;
	a->guest_exit_int_info = v->vmcb->control.exit_int_info;
	a->guest_nrip = nrip;
	if ((a->sev_features & SEV_FEAT_ALTERNATE_INJ) &&
	    (v->vmcb->control.exit_int_info & SVM_EVT_VALID))
		a->vintr_ctrl |= VINTR_BUSY; /* exit during event delivery */
}

/** Leave the running lower-VMPL context for VMPL0 with an exit it must see. */
void vcpu_exit_to_vmpl0(struct vcpu *v, uint64_t code, uint64_t info1, uint64_t info2,
			uint64_t nrip)
{
	CHECK(v->vmpl != 0 && v->ctx[0].vmsa);
	vcpu_save(v);
	vmsa_exit_info(v, code, info1, info2, nrip);
	vcpu_load(v, 0);
}

/** RUN_VMPL: false if the target VMPL is not valid for this vCPU. */
bool vcpu_run_vmpl(struct vcpu *v, unsigned int target)
{
	if (target >= VMPL_COUNT || target == v->vmpl || !v->ctx[target].vmsa)
		return false;
	unsigned int from = v->vmpl;
	if (from == 0)
		irq_check_doorbell_read(v, target);
	vcpu_save(v);
	if (from != 0) /* a lower VMPL calling up (SVSM protocol) */
		vmsa_exit_info(v, SVM_EXIT_VMGEXIT, 0, 0, 0);
	uint64_t refusal = vmsa_refusal(v, target);
	if (refusal) {
		/* VMRUN fails at once: the target "exits" with the failure code. */
		struct sev_vmsa *t = v->ctx[target].vmsa;
		t->guest_exit_code = refusal;
		log_printf("vCPU %u: VMRUN of VMPL%u VMSA refused (%#lx)", v->index, target,
			   (unsigned long)refusal);
		vcpu_load(v, from);
		return true;
	}
	vcpu_load(v, target);
	return true;
}

struct vcpu *vcpu_by_apic_id(uint32_t apic_id)
{
	for (unsigned int i = 0; i < vcpu_count; i++)
		if (vcpus[i].apic_id == apic_id)
			return &vcpus[i];
	return NULL;
}

/** SNP AP creation NAE (0x80000013).  Returns 0 or a GHCB_ERR_* reason. */
uint64_t vcpu_ap_create(struct vcpu *v, uint64_t info1, uint64_t gpa, uint64_t sev_features)
{
	unsigned int req = ghcb_ap_create_request(info1);
	unsigned int vmpl = ghcb_ap_create_vmpl(info1);
	struct vcpu *t = vcpu_by_apic_id(ghcb_ap_create_apic_id(info1));

	if (!t || vmpl >= VMPL_COUNT || vmpl < v->vmpl || (gpa & ~PAGE_MASK) || !gpa_is_ram(gpa))
		return GHCB_ERR_INVALID_INPUT;
	if (req == SVM_VMGEXIT_AP_DESTROY) {
		if (t->ctx[vmpl].vmsa_gpa != gpa || (t == v && v->vmpl == vmpl))
			return GHCB_ERR_INVALID_INPUT;
		t->ctx[vmpl].vmsa = NULL;
		t->ctx[vmpl].vmsa_gpa = 0;
		return 0;
	}
	if (req != SVM_VMGEXIT_AP_CREATE && req != SVM_VMGEXIT_AP_CREATE_ON_INIT)
		return GHCB_ERR_INVALID_INPUT;
	const struct rmp_entry *e = rmp_get(gpa);
	struct sev_vmsa *a = gpa_to_hva(gpa);
	if ((e->flags & (RMP_ASSIGNED | RMP_VALIDATED | RMP_VMSA)) !=
		    (RMP_ASSIGNED | RMP_VALIDATED | RMP_VMSA) ||
	    a->sev_features != sev_features || a->vmpl != vmpl)
		return GHCB_ERR_INVALID_INPUT;
	if (t == v && v->vmpl == vmpl)
		return GHCB_ERR_INVALID_INPUT; /* the running VMSA */
	for (unsigned int i = 0; i < vcpu_count; i++)
		for (unsigned int l = 0; l < VMPL_COUNT; l++)
			if (vcpus[i].ctx[l].vmsa && vcpus[i].ctx[l].vmsa_gpa == gpa &&
			    !(&vcpus[i] == t && l == vmpl))
				return GHCB_ERR_INVALID_INPUT; /* in use by another context */
	struct vmpl_ctx *c = &t->ctx[vmpl];
	c->vmsa = a;
	c->vmsa_gpa = gpa;
	c->ghcb_gfn = GHCB_GFN_NONE;
	c->ghcb_msr = 0;
	c->hvdb_gpa = 0;
	c->dr7 = 0x400;
	if (req == SVM_VMGEXIT_AP_CREATE && vmpl == 0 && t != v) {
		__atomic_store_n(&t->start, 1, __ATOMIC_RELEASE);
		smp_kick(t);
	}
	return 0;
}
