/* SPDX-License-Identifier: MIT */
/*
 * The vCPU loop: VMSA -> VMCB, VMRUN, and the one dispatcher that decides
 * for every #VMEXIT what the SNP hardware and KVM would do:
 *
 *  - intercepts that raise #VC in an SNP guest (APM vol. 2, 15.36.12): CPUID and
 *    IOIO always; MSR except the ones KVM passes through; NPF with the MMIO
 *    marker; VMMCALL; WBINVD, INVD, MONITOR, MWAIT, RDPMC, DR7 access; RDTSC
 *    and RDTSCP when configured;
 *  - what the hardware itself implements and TCG lacks: PVALIDATE and
 *    RMPADJUST (#UD), VMGEXIT (exits as VMMCALL), the GHCB and SEV_STATUS
 *    MSRs;
 *  - automatic exits the hypervisor settles: NPF on RMP state, HLT,
 *    shutdown.
 */
#include "iommu.h"
#include "sev.h"
#include "snpemu_abi.h"
#include "svm.h"
#include "vm.h"
#include "x86.h"

#include <lib/string.h>

#define EXCP_UD 6

static uint8_t *iopm;  /* 12 KiB, all ports intercepted */
static uint8_t *msrpm; /* 8 KiB */

/** MSRs KVM does not intercept for an SEV-ES/SNP guest; everything else
 * raises #VC 0x7C.  The GHCB and SEV_STATUS MSRs are intercepted only
 * because TCG does not implement them: snpemu answers them itself. */
static const uint32_t msr_passthrough[] = {
	0xC0000080,					/* EFER */
	0xC0000081, 0xC0000082, 0xC0000083, 0xC0000084, /* STAR LSTAR CSTAR SFMASK */
	0xC0000100, 0xC0000101, 0xC0000102,		/* FS_BASE GS_BASE KERNEL_GS_BASE */
	0x174,	    0x175,	0x176,			/* SYSENTER_CS/ESP/EIP */
	0x277,						/* PAT */
};

static void msrpm_allow(uint32_t msr)
{
	uint32_t base;
	if (msr < 0x2000)
		base = 0;
	else if (msr >= 0xC0000000 && msr < 0xC0002000)
		base = 0x800 * 8;
	else if (msr >= 0xC0010000 && msr < 0xC0012000)
		base = 0x1000 * 8;
	else
		panic("MSR %#x outside the MSR permission map", msr);
	uint32_t bit = base + (msr & 0x1FFF) * 2;
	msrpm[bit / 8] &= (uint8_t) ~(3u << (bit % 8));
}

static void vmcb_setup(struct vcpu *v)
{
	struct vmcb_control *c = &v->vmcb->control;
	if (!iopm) {
		iopm = page_alloc(3);
		memset(iopm, 0xFF, 3 * PAGE_SIZE);
		msrpm = page_alloc(2);
		memset(msrpm, 0xFF, 2 * PAGE_SIZE);
		for (unsigned int i = 0; i < ARRAY_SIZE(msr_passthrough); i++)
			msrpm_allow(msr_passthrough[i]);
	}
	c->exceptions = BIT(EXCP_UD);
	c->intercept1 = INTERCEPT_INTR | INTERCEPT_NMI | INTERCEPT_SMI | INTERCEPT_INIT |
			INTERCEPT_CPUID | INTERCEPT_INVD | INTERCEPT_HLT | INTERCEPT_IOIO_PROT |
			INTERCEPT_MSR_PROT | INTERCEPT_SHUTDOWN | INTERCEPT_RDPMC |
			(config.intercept_rdtsc ? INTERCEPT_RDTSC : 0);
	c->intercept2 = INTERCEPT2_VMRUN | INTERCEPT2_VMMCALL | INTERCEPT2_VMLOAD |
			INTERCEPT2_VMSAVE | INTERCEPT2_STGI | INTERCEPT2_CLGI | INTERCEPT2_SKINIT |
			INTERCEPT2_WBINVD | INTERCEPT2_MONITOR | INTERCEPT2_MWAIT |
			(config.intercept_rdtscp ? INTERCEPT2_RDTSCP : 0);
	c->dr_read = (uint16_t)BIT(7);
	c->dr_write = (uint16_t)BIT(7);
	c->iopm_base_pa = virt_to_phys(iopm);
	c->msrpm_base_pa = virt_to_phys(msrpm);
	c->asid = 1;
	c->np_enable = NP_ENABLE;
}

void advance_rip(struct vcpu *v, unsigned int len)
{
	v->vmcb->save.rip += len;
	v->vmcb->control.int_shadow = 0;
}

static bool reflect_vc_enabled(const struct vcpu *v)
{
	return v->vmpl != 0 && (v->vmsa->sev_features & SEV_FEAT_REFLECT_VC) && v->ctx[0].vmsa;
}

/** Next RIP for an instruction intercept: TCG has no NRIP save, so the
 * instruction at RIP is decoded (IOIO exits carry it in exit_info_2). */
static uint64_t next_rip(struct vcpu *v, uint64_t code)
{
	if (code == SVM_EXIT_IOIO)
		return v->vmcb->control.exit_info_2;
	if (code == SVM_EXIT_NPF || code == SVM_EXIT_PAGE_NOT_VALIDATED)
		return 0;
	return v->vmcb->save.rip + insn_length(v);
}

/**
 * An event that raises #VC in an SNP guest.  With ReflectVC (APM vol. 2,
 * 15.36.9) it becomes an automatic exit that the hypervisor hands to VMPL0:
 * GUEST_EXITCODE = the #VC code, EXITINFO1/2 as the intercept wrote them,
 * GUEST_NRIP for instruction intercepts.  Otherwise #VC is raised in the
 * running context.
 */
static void vc_event(struct vcpu *v, uint64_t code, uint64_t info1, uint64_t info2)
{
	if (reflect_vc_enabled(v)) {
		vcpu_exit_to_vmpl0(v, code, info1, info2, next_rip(v, code));
		return;
	}
	inject_vc(v, code);
}

static void vc_intercept(struct vcpu *v, uint64_t code)
{
	uint64_t info1 = v->vmcb->control.exit_info_1;
	if (code == SVM_EXIT_IOIO)
		info1 = (info1 & ~SVM_IOIO_ASZ_MASK) | insn_ioio_address_size(v);
	vc_event(v, code, info1, v->vmcb->control.exit_info_2);
}

static void handle_vmmcall(struct vcpu *v)
{
	static const uint8_t vmgexit_bytes[] = INSN_VMGEXIT_BYTES;
	uint8_t insn[4] = { 0 };
	const struct vmcb_save *s = &v->vmcb->save;
	if (guest_read_virt(v, s->cs.base + s->rip, insn, 4) && !memcmp(insn, vmgexit_bytes, 4)) {
		stat_vmpl(v, STAT_VMGEXIT);
		hostile_on_vmgexit(v);
		vmgexit(v);
		return;
	}
	vc_intercept(v, SVM_EXIT_VMMCALL);
}

/** The hardware implements the GHCB MSR and SEV_STATUS without an exit. */
static void handle_msr(struct vcpu *v)
{
	struct vmcb_save *s = &v->vmcb->save;
	struct vmpl_ctx *c = &v->ctx[v->vmpl];
	uint32_t msr = (uint32_t)v->gprs.rcx;
	bool write = v->vmcb->control.exit_info_1 & 1;
	uint64_t val = ((v->gprs.rdx & 0xFFFFFFFF) << 32) | (s->rax & 0xFFFFFFFF);

	if (msr == MSR_SEV_ES_GHCB) {
		if (write)
			c->ghcb_msr = val;
		else {
			s->rax = (uint32_t)c->ghcb_msr;
			v->gprs.rdx = c->ghcb_msr >> 32;
		}
	} else if (msr == MSR_SEV_STATUS) {
		if (write) {
			inject_exception(v, 13, true, 0); /* read-only */
			return;
		}
		uint64_t st = SEV_STATUS_SEV | SEV_STATUS_SEV_ES |
			      SEV_STATUS_FROM_FEAT(v->vmsa->sev_features);
		s->rax = (uint32_t)st;
		v->gprs.rdx = st >> 32;
	} else {
		vc_intercept(v, SVM_EXIT_MSR);
		return;
	}
	advance_rip(v, 2);
}

/** The NPF exit information as the hardware writes it (APM vol. 2, 15.36.10):
 * the C-bit is not an address bit, a private access sets ENC (bit 34). */
static void npf_hw_info(struct vcpu *v, uint64_t *info1, uint64_t *gpa)
{
	uint64_t vtom = (v->vmsa->sev_features & SEV_FEAT_VTOM) ? v->vmsa->virtual_tom : 0;
	uint64_t raw = v->vmcb->control.exit_info_2;
	*info1 = v->vmcb->control.exit_info_1;
	if (npt_private_access(vtom, raw))
		*info1 |= SVM_NPF_ENC;
	*gpa = raw & ~CBIT_MASK;
}

/** #VC 0x404 with the faulting GVA in CR2 (APM vol. 2, 15.36.10). */
static void page_not_validated(struct vcpu *v, uint64_t info, uint64_t gpa_c)
{
	uint64_t gva;
	if (reflect_vc_enabled(v)) {
		uint64_t i1, gpa;
		npf_hw_info(v, &i1, &gpa);
		vc_event(v, SVM_EXIT_PAGE_NOT_VALIDATED, i1, gpa);
		return;
	}
	if (info & SVM_NPF_ID)
		gva = v->vmcb->save.cs.base + v->vmcb->save.rip;
	else if (!fault_gva(v, gpa_c, &gva))
		guest_kill("#VC 0x404 at rip %#lx: cannot tell which access touched GPA %#lx",
			   (unsigned long)v->vmcb->save.rip, (unsigned long)gpa_c);
	if ((info & SVM_NPF_ID) && (gva & PAGE_MASK) != (gpa_c & PAGE_MASK & ~CBIT_MASK)) {
		uint64_t gpa;
		uint32_t err;
		/* The fetch may have faulted on the second page of the instruction. */
		if (guest_virt_to_phys(v, (gva & PAGE_MASK) + PAGE_SIZE, false, &gpa, &err) ==
			    WALK_OK &&
		    ((gpa ^ gpa_c) & PAGE_MASK & ~CBIT_MASK) == 0)
			gva = (gva & PAGE_MASK) + PAGE_SIZE;
	}
	v->vmcb->save.cr2 = gva;
	inject_vc(v, SVM_EXIT_PAGE_NOT_VALIDATED);
}

/** A lower VMPL touched a page its VMPL has no right to (RMP permission
 * check, APM Table 15-39 step 3): #VMEXIT(NPF) with EXITINFO1 bits 31 (RMP)
 * and 36 (VMPL).  The access does not happen; the multi-VMPL hypervisor
 * hands the exit to VMPL0 (docs/snpemu.md). */
static void vmpl_violation(struct vcpu *v, uint64_t info, uint64_t gpa_c)
{
	log_printf("vCPU %u: VMPL%u permission violation at GPA %#lx (rip %#lx)", v->index, v->vmpl,
		   (unsigned long)gpa_c, (unsigned long)v->vmcb->save.rip);
	if (!v->ctx[0].vmsa || v->vmpl == 0)
		guest_kill("VMPL permission violation with no VMPL0 to report it to");
	uint64_t i1, gpa;
	(void)info;
	(void)gpa_c;
	npf_hw_info(v, &i1, &gpa);
	vcpu_exit_to_vmpl0(v, SVM_EXIT_NPF, i1 | SVM_NPF_RMP | SVM_NPF_VMPL, gpa, 0);
}

/** Under vTOM a guest PTE must not set the C-bit: #PF with RSV (APM vol. 2,
 * 15.36.8).  TCG walked it as an address bit instead; the GVA comes from the
 * instruction (or RIP for a fetch). */
static void cbit_under_vtom(struct vcpu *v, uint64_t info)
{
	uint64_t gva;
	if (info & SVM_NPF_ID)
		gva = v->vmcb->save.cs.base + v->vmcb->save.rip;
	else if (!fault_gva(v, v->vmcb->control.exit_info_2, &gva))
		guest_kill("C-bit under vTOM at rip %#lx: cannot tell the access",
			   (unsigned long)v->vmcb->save.rip);
	uint32_t err = 1 | 8 | (info & (SVM_NPF_RW | SVM_NPF_US | SVM_NPF_ID)); /* P, RSV */
	v->vmcb->save.cr2 = gva;
	inject_exception(v, 14, true, err);
}

/** #NPF: the RMP or a device decides (APM vol. 2, 15.36.10). */
static void handle_npf(struct vcpu *v)
{
	uint64_t info = v->vmcb->control.exit_info_1;
	uint64_t gpa_c = v->vmcb->control.exit_info_2;
	uint64_t vtom = (v->vmsa->sev_features & SEV_FEAT_VTOM) ? v->vmsa->virtual_tom : 0;
	bool private_access = npt_private_access(vtom, gpa_c);
	uint64_t gpa = gpa_c & ~CBIT_MASK & PAGE_MASK;

	if (info & SVM_NPF_RSV) {
		uint64_t i1, g;
		npf_hw_info(v, &i1, &g);
		vc_event(v, SVM_EXIT_NPF, i1, g); /* MMIO: the guest asks via the GHCB */
		return;
	}
	if (vtom && (gpa_c & CBIT_MASK) && gpa_c < (CBIT_MASK << 1)) {
		cbit_under_vtom(v, info);
		return;
	}
	if (gpa_c >= (CBIT_MASK << 1) || !gpa_is_ram(gpa))
		guest_kill("#NPF at GPA %#lx (%s, error %#lx, vCPU %u VMPL%u rip %#lx rsp %#lx cr3 "
			   "%#lx, "
			   "event %#lx): not guest memory",
			   (unsigned long)gpa_c, private_access ? "private" : "shared",
			   (unsigned long)info, v->index, v->vmpl, (unsigned long)v->vmcb->save.rip,
			   (unsigned long)v->vmcb->save.rsp, (unsigned long)v->vmcb->save.cr3,
			   (unsigned long)v->vmcb->control.exit_int_info);
	const struct rmp_entry *e = rmp_get(gpa);
	if (private_access && (e->flags & RMP_ASSIGNED) && !(e->flags & RMP_VALIDATED)) {
		page_not_validated(v, info, gpa_c);
		return;
	}
	if (private_access && (e->flags & RMP_ASSIGNED)) {
		vmpl_violation(v, info, gpa_c);
		return;
	}
	/* SNP walks guest page tables privately whatever the C-bit of CR3 or
     * of a table pointer (APM vol. 2, 15.36.8); TCG walks the GPA it is given.
     * A walk that reached a private page through the shared view is let
     * through that view from now on (a deviation: C=0 data reads of that
     * page then see its contents; docs/snpemu.md). */
	if (!private_access && (info & SVM_NPF_PT_WALK) &&
	    (e->flags & (RMP_ASSIGNED | RMP_VALIDATED)) == (RMP_ASSIGNED | RMP_VALIDATED)) {
		rmp_get(gpa)->flags |= RMP_WALK_ALIAS;
		npt_sync_page(gpa);
		return;
	}
	/* Wrong C-bit for the page's state: KVM converts the page to what the
     * access asks for (KVM_EXIT_MEMORY_FAULT) and the access is retried. */
	if (private_access)
		rmp_make_private(gpa);
	else
		rmp_make_shared(gpa);
}

/** HLT is an automatic exit.  VMPL0 waits for an event; a lower VMPL's
 * HLT goes to VMPL0 with RIP past the HLT (docs/snpemu.md). */
static void handle_hlt(struct vcpu *v)
{
	uint64_t nrip = v->vmcb->save.rip + 1;
	v->vmcb->save.rip = nrip;
	v->vmcb->control.int_shadow = 0; /* the HLT completed: no STI shadow */
	if (v->vmpl != 0 && v->ctx[0].vmsa) {
		vcpu_exit_to_vmpl0(v, SVM_EXIT_HLT, 0, 0, nrip);
		return;
	}
	irq_wait(v);
}

/** MOV to CR0 (intercepted in C-bit contexts, see vcpu_select_npt()):
 * done here as the CPU would, with the architectural #GP checks (APM vol. 2
 * §3.1.1), EFER.LMA following CR0.PG when EFER.LME is set. */
static void handle_cr0_write(struct vcpu *v)
{
	struct vmcb_save *s = &v->vmcb->save;
	uint64_t cr0;
	if (!insn_cr0_write(v, &cr0))
		guest_kill("CR0 write exit at rip %#lx: not a MOV/LMSW/CLTS",
			   (unsigned long)s->rip);
	if (s->cpl || (cr0 >> 32) || ((cr0 & CR0_PG) && !(cr0 & CR0_PE)) ||
	    ((cr0 & BIT(29)) && !(cr0 & BIT(30))) ||
	    ((cr0 & CR0_PG) && (s->efer & EFER_LME) && !(s->cr4 & CR4_PAE))) {
		inject_exception(v, 13, true, 0);
		return;
	}
	unsigned int len = insn_length(v);
	bool pg_changed = (cr0 ^ s->cr0) & CR0_PG;
	s->cr0 = cr0 | BIT(4); /* ET is always 1 */
	if (pg_changed && (s->efer & EFER_LME))
		s->efer = (cr0 & CR0_PG) ? (s->efer | EFER_LMA) : (s->efer & ~EFER_LMA);
	advance_rip(v, len);
	vcpu_select_npt(v);
}

/** MOV to CR8 = the TPR: with V_INTR_MASKING it is V_TPR (APM §15.21.4). */
static void handle_cr8_write(struct vcpu *v)
{
	uint64_t val;
	if (!insn_mov_to_cr(v, 8, &val))
		guest_kill("CR8 write exit at rip %#lx: not a MOV to CR8",
			   (unsigned long)v->vmcb->save.rip);
	if (val >> 4 || v->vmcb->save.cpl) {
		inject_exception(v, 13, true, 0);
		return;
	}
	v->vmcb->control.v_intr = (v->vmcb->control.v_intr & ~0xFFULL) | val;
	advance_rip(v, insn_length(v));
}

static void handle_shutdown(struct vcpu *v)
{
	if (v->vmpl != 0 && v->ctx[0].vmsa) {
		log_printf("vCPU %u: VMPL%u shutdown, reported to VMPL0", v->index, v->vmpl);
		vcpu_exit_to_vmpl0(v, SVM_EXIT_SHUTDOWN, 0, 0, 0);
		return;
	}
	guest_kill("guest shutdown (triple fault) at rip %#lx", (unsigned long)v->vmcb->save.rip);
}

static void handle_exit(struct vcpu *v)
{
	iommu_poll();
	uint64_t code = v->vmcb->control.exit_code;
	stat_exit(code);
	switch (code) {
	case SVM_EXIT_CPUID:
	case SVM_EXIT_IOIO:
	case SVM_EXIT_RDTSC:
	case SVM_EXIT_RDTSCP:
	case SVM_EXIT_RDPMC:
	case SVM_EXIT_WBINVD:
	case SVM_EXIT_INVD:
	case SVM_EXIT_MONITOR:
	case SVM_EXIT_MWAIT:
	case SVM_EXIT_DR7_READ:
	case SVM_EXIT_DR7_WRITE:
		vc_intercept(v, code);
		break;
	case SVM_EXIT_MSR:
		handle_msr(v);
		break;
	case SVM_EXIT_CR0_WRITE:
		handle_cr0_write(v);
		break;
	case SVM_EXIT_CR_WRITE(8):
		handle_cr8_write(v);
		break;
	case SVM_EXIT_VMMCALL:
		handle_vmmcall(v);
		break;
	case SVM_EXIT_EXCP_UD:
		snp_insn_ud(v);
		break;
	case SVM_EXIT_NPF:
		handle_npf(v);
		break;
	case SVM_EXIT_HLT:
		handle_hlt(v);
		break;
	case SVM_EXIT_INTR:
	case SVM_EXIT_NMI:
		break; /* taken below, before the next VMRUN */
	case SVM_EXIT_IRET:
		irq_vnmi_iret(v);
		break;
	case SVM_EXIT_EXCP_DB:
		irq_vnmi_step(v);
		break;
	case SVM_EXIT_VMRUN:
	case SVM_EXIT_VMLOAD:
	case SVM_EXIT_VMSAVE:
	case SVM_EXIT_STGI:
	case SVM_EXIT_CLGI:
	case SVM_EXIT_SKINIT:
		inject_exception(v, EXCP_UD, false, 0); /* no nested SVM for SNP guests */
		break;
	case SVM_EXIT_SHUTDOWN:
		handle_shutdown(v);
		break;
	case SVM_EXIT_SMI:
	case SVM_EXIT_INIT:
		break;
	case SVM_EXIT_INVALID:
		panic("VMRUN failed: VMEXIT_INVALID (inconsistent guest state)");
	default:
		panic("unexpected #VMEXIT %#lx info1 %#lx info2 %#lx rip %#lx", (unsigned long)code,
		      (unsigned long)v->vmcb->control.exit_info_1,
		      (unsigned long)v->vmcb->control.exit_info_2,
		      (unsigned long)v->vmcb->save.rip);
	}
}

void svm_vmrun(struct guest_gprs *gprs, uint64_t vmcb_pa);

/**
 * QEMU 7.2's multi-threaded TCG, with two vCPUs interrupting each other,
 * now and then runs a nested guest on the host's own state (snpemu's CR3,
 * RSP, and RIP just after its VMRUN); the guest then faults on snpemu's
 * page tables.  With -accel tcg,thread=single (tests/boot/run,
 * tests/snpemu/demo, run_payload.py) it was never seen.  One comparison
 * per exit turns it from a baffling #NPF into a clear stop.
 */
static void check_not_host_state(const struct vcpu *v, uint64_t host_cr3)
{
	if (v->vmcb->save.cr3 == host_cr3)
		panic("vCPU %u: the CPU ran VMPL%u on snpemu's own state (rip %#lx): QEMU's "
		      "multi-threaded TCG; run QEMU with -accel tcg,thread=single",
		      v->index, v->vmpl, (unsigned long)v->vmcb->save.rip);
}

_Noreturn void vcpu_run_loop(struct vcpu *v)
{
	uint64_t host_cr3;
	__asm__ volatile("mov %%cr3, %0" : "=r"(host_cr3));
	vmcb_setup(v);
	vcpu_load(v, 0);
	log_printf("vCPU %u: running VMPL%u at rip %#lx", v->index, v->vmpl,
		   (unsigned long)v->vmcb->save.rip);
	for (;;) {
		uint64_t gen = __atomic_load_n(&vm.npt_gen, __ATOMIC_ACQUIRE);
		if (gen != v->npt_gen)
			v->vmcb->control.tlb_control = TLB_CONTROL_FLUSH_ALL;
		v->npt_gen = gen;
		irq_deliver(v);
		irq_vnmi(v);
		svm_vmrun(&v->gprs, v->vmcb_pa);
		check_not_host_state(v, host_cr3);
		v->vmcb->control.tlb_control = 0;
		irq_take_pending();
		vm_lock();
		handle_exit(v);
		vm_unlock();
	}
}
