/* SPDX-License-Identifier: MIT */
/*
 * Interrupts: the hypervisor side of Restricted Injection (APM vol. 2, 15.36.16;
 * GHCB spec, #HV doorbell page).
 *
 * A guest programs its local APIC (timer, IPIs, EOI) through the GHCB MSR
 * NAE, and snpemu carries that to the real LAPIC of the CPU that runs the
 * vCPU (xAPIC MMIO: QEMU 7.2's TCG APIC has no x2APIC mode).  Every
 * interrupt the real LAPIC delivers while the vCPU runs exits (INTR
 * intercept); snpemu takes it through its own IDT and queues the vector for
 * the vCPU without EOI, so the real APIC's in-service state stays the
 * guest's until the guest writes EOI.  Queued vectors reach the guest:
 *  - VMPL0 with a #HV doorbell (Restricted Injection): the highest vector
 *    goes into byte 0 of the doorbell page when the guest has consumed the
 *    previous one, NoFurtherSignal is set, and #HV (vector 28) is injected
 *    (a running lower VMPL first exits to VMPL0 with code INTR);
 *  - a context without Restricted or Alternate Injection: ordinary EVENTINJ
 *    when RFLAGS.IF allows, as KVM injects into any guest.
 * NMI is snpemu's own kick between CPUs and never reaches a guest.
 */
#include "ghcb.h"
#include "hv_doorbell.h"
#include "snpemu_abi.h"
#include "svm.h"
#include "vm.h"
#include "x86.h"
#include "core/x86_desc.h"

#define LAPIC_BASE	0xFEE00000ULL
#define LAPIC_ID	0x020
#define LAPIC_EOI	0x0B0
#define LAPIC_ISR	0x100
#define LAPIC_SVR	0x0F0
#define LAPIC_ICR_LO	0x300
#define LAPIC_ICR_HI	0x310
#define ICR_DELIVS	BIT(12)
#define ICR_MODE_NMI	(4u << 8)
#define SPURIOUS_VECTOR 0xFF
#define VECTOR_HV	28

static struct idt_gate idt[256] __attribute__((aligned(16)));
extern const uint64_t isr_table[256];

uint32_t lapic_read32(uint32_t off)
{
	return *(volatile uint32_t *)(LAPIC_BASE + off);
}

void lapic_write32(uint32_t off, uint32_t val)
{
	*(volatile uint32_t *)(LAPIC_BASE + off) = val;
}

uint32_t lapic_id(void)
{
	return lapic_read32(LAPIC_ID) >> 24;
}

void lapic_eoi(void)
{
	lapic_write32(LAPIC_EOI, 0);
}

void lapic_send_ipi(uint32_t dest, uint32_t icr_lo)
{
	lapic_write32(LAPIC_ICR_HI, dest << 24);
	lapic_write32(LAPIC_ICR_LO, icr_lo);
	while (lapic_read32(LAPIC_ICR_LO) & ICR_DELIVS)
		pause();
}

void smp_kick(struct vcpu *v)
{
	lapic_send_ipi(v->apic_id, ICR_MODE_NMI);
}

/** Per CPU: IDT, LAPIC software-enabled. */
void irq_init_cpu(void)
{
	static bool built; /* the BSP builds it before the APs start */
	if (built) {
		idt_load(idt, 256);
	} else {
		idt_fill_and_load(idt, isr_table, 256, 0x18);
		built = true;
	}
	lapic_write32(LAPIC_SVR, 0x100 | SPURIOUS_VECTOR);
}

extern const uint8_t halt_window_start[], halt_window_end[];

void irq_dispatch(uint64_t vector, uint64_t error, uint64_t *frame);
void irq_dispatch(uint64_t vector, uint64_t error, uint64_t *frame)
{
	/* inside halt_window(): whatever this brought must be looked at first */
	if (frame[0] >= (uint64_t)halt_window_start && frame[0] < (uint64_t)halt_window_end)
		frame[0] = (uint64_t)halt_window_end;
	if (vector == 2 || vector == SPURIOUS_VECTOR)
		return; /* a kick, or spurious */
	if (vector < 32)
		panic("exception %lu (error %#lx) in snpemu at rip %#lx", (unsigned long)vector,
		      (unsigned long)error, (unsigned long)frame[0]);
	struct vcpu *v = vcpu_by_apic_id(lapic_id());
	if (!v) {
		lapic_eoi(); /* nobody to give it to */
		return;
	}
	__atomic_or_fetch(&v->irq_pending[vector / 32], 1u << (vector % 32), __ATOMIC_SEQ_CST);
}

/** Take whatever the LAPIC has for us (GIF and IF open for one instruction). */
void irq_take_pending(void)
{
	__asm__ volatile("stgi; sti; nop; cli" ::: "memory");
}

static int highest_pending(struct vcpu *v)
{
	for (int w = 7; w >= 0; w--) {
		uint32_t bits = __atomic_load_n(&v->irq_pending[w], __ATOMIC_ACQUIRE);
		if (bits)
			return w * 32 + 31 - __builtin_clz(bits);
	}
	return -1;
}

/** The vector leaves the pending set for the guest's in-service set: an
 * IPI from another vCPU is in service in software (ipi_in_service), any
 * other vector in the real LAPIC's ISR, until the guest's EOI. */
static void clear_pending(struct vcpu *v, int vector)
{
	uint32_t bit = 1u << (vector % 32);
	__atomic_and_fetch(&v->irq_pending[vector / 32], ~bit, __ATOMIC_SEQ_CST);
	if (__atomic_fetch_and(&v->ipi_pending[vector / 32], ~bit, __ATOMIC_SEQ_CST) & bit)
		v->ipi_in_service[vector / 32] |= bit;
}

static int highest_bit(const uint32_t *words)
{
	for (int w = 7; w >= 0; w--)
		if (words[w])
			return w * 32 + 31 - __builtin_clz(words[w]);
	return -1;
}

/** The guest's EOI ends its highest in-service vector (SDM vol. 3
 * §11.8.5): a software IPI, or else the real LAPIC's. */
void irq_guest_eoi(struct vcpu *v)
{
	int soft = highest_bit(v->ipi_in_service);
	if (soft < 0) {
		lapic_eoi(); /* the common case: no software IPI in service */
		return;
	}
	uint32_t isr[8];
	for (int w = 0; w < 8; w++)
		isr[w] = lapic_read32(LAPIC_ISR + w * 0x10);
	if (soft > highest_bit(isr))
		v->ipi_in_service[soft / 32] &= ~(1u << (soft % 32));
	else
		lapic_eoi();
}

/**
 * A fixed IPI, physical destination, from one vCPU to another, carried in
 * software as KVM's x2APIC emulation does: the vector is queued for the
 * target and the target's CPU is kicked (an NMI, see the top comment).
 * QEMU 7.2 TCG's own inter-processor interrupts reach a CPU while it
 * enters or leaves guest mode on another thread; snpemu keeps them for
 * itself (AP start).  A destination with no vCPU drops the IPI, as an APIC
 * bus does.
 */
void irq_send_ipi(struct vcpu *from, uint32_t dest_apic_id, uint8_t vector)
{
	struct vcpu *t = vcpu_by_apic_id(dest_apic_id);
	if (!t)
		return;
	uint32_t bit = 1u << (vector % 32);
	__atomic_or_fetch(&t->ipi_pending[vector / 32], bit, __ATOMIC_SEQ_CST);
	__atomic_or_fetch(&t->irq_pending[vector / 32], bit, __ATOMIC_SEQ_CST);
	if (t != from)
		smp_kick(t);
}

bool irq_any_pending(struct vcpu *v)
{
	return highest_pending(v) >= 0;
}

static struct hv_doorbell *doorbell(struct vcpu *v)
{
	uint64_t gpa = v->ctx[0].hvdb_gpa;
	if (!gpa || !gpa_is_ram(gpa) || (rmp_get(gpa)->flags & RMP_ASSIGNED))
		return NULL; /* gone private: the hypervisor cannot write it */
	return gpa_to_hva(gpa);
}

/**
 * VMPL0 asks to run a lower VMPL: its doorbell must be read by then.  A
 * vector posted there was signalled with #HV (NoFurtherSignal set), and no
 * further #HV comes until VMPL0 takes it; a lower VMPL that then waits for
 * an interrupt without exiting waits for ever.  Not a rule of the
 * hardware, a paravisor bug made visible: logged once per vCPU (the boot
 * tests fail on the line, tests/boot/check_counts.py).
 */
void irq_check_doorbell_read(struct vcpu *v, unsigned int target)
{
	static bool told[MAX_VCPUS];
	const struct hv_doorbell *db = doorbell(v);
	uint8_t vec = db ? __atomic_load_n(&db->vector, __ATOMIC_ACQUIRE) : 0;
	if (!vec || told[v->index])
		return;
	told[v->index] = true;
	log_printf("vCPU %u: VMPL0 runs VMPL%u with #HV doorbell vector %#x unread", v->index,
		   target, vec);
}

/** Post to VMPL0's doorbell; true if #HV must be signalled. */
static bool doorbell_post(struct vcpu *v, struct hv_doorbell *db)
{
	int vec = highest_pending(v);
	bool signal = false;
	if (vec >= 0) {
		uint8_t none = 0;
		if (__atomic_compare_exchange_n(&db->vector, &none, (uint8_t)vec, false,
						__ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
			clear_pending(v, vec);
			uint8_t old = __atomic_fetch_or(&db->flags, HVDB_FLAG_NO_FURTHER_SIGNAL,
							__ATOMIC_SEQ_CST);
			signal = !(old & HVDB_FLAG_NO_FURTHER_SIGNAL);
		}
	}
	return signal;
}

/**
 * The platform's NMI (config nmi=N): what KVM does for QEMU's `nmi` command
 * (KVM_NMI on every vCPU), for a guest whose interrupts go through VMPL0's
 * doorbell: the NMI flag posted there (GHCB spec, #HV doorbell page), and
 * #HV unless one is already owed.  The guest's own LINT1 entry, which only
 * VMPL0 sees, decides what becomes of it.  True if #HV must be signalled.
 */
static bool platform_nmi(struct vcpu *v, struct hv_doorbell *db)
{
	static uint64_t entries;
	if (!config.nmi_at || v->index != 0 || ++entries != config.nmi_at)
		return false;
	log_printf("vCPU 0: the platform's NMI posted in the #HV doorbell");
	uint8_t old = __atomic_fetch_or(&db->flags, HVDB_FLAG_NMI | HVDB_FLAG_NO_FURTHER_SIGNAL,
					__ATOMIC_SEQ_CST);
	return !(old & HVDB_FLAG_NO_FURTHER_SIGNAL);
}

static void inject_hv(struct vcpu *v)
{
	if (v->vmpl != 0)
		vcpu_exit_to_vmpl0(v, SVM_EXIT_INTR, 0, 0, 0);
	if (!(v->vmcb->control.event_inj & SVM_EVT_VALID))
		v->vmcb->control.event_inj = SVM_EVT_MAKE(VECTOR_HV, SVM_EVT_TYPE_EXCEPTION, false,
							  0);
}

/** Before VMRUN: hand queued vectors to the guest (see the top comment). */
void irq_deliver(struct vcpu *v)
{
	struct sev_vmsa *vmpl0 = v->ctx[0].vmsa;
	if (vmpl0 && (vmpl0->sev_features & SEV_FEAT_RESTRICTED_INJ)) {
		struct hv_doorbell *db = doorbell(v);
		bool nmi = db && platform_nmi(v, db);
		if ((db && doorbell_post(v, db)) || nmi || (db && hostile_doorbell(db)) ||
		    hostile_spurious_hv())
			inject_hv(v);
		return;
	}
	if (v->vmsa->sev_features & (SEV_FEAT_RESTRICTED_INJ | SEV_FEAT_ALTERNATE_INJ))
		return;
	int vec = highest_pending(v);
	const struct vmcb_save *s = &v->vmcb->save;
	if (vec >= 0 && (s->rflags & RFLAGS_IF) && !(v->vmcb->control.int_shadow & 1) &&
	    !(v->vmcb->control.event_inj & SVM_EVT_VALID)) {
		clear_pending(v, vec);
		v->vmcb->control.event_inj = SVM_EVT_MAKE(vec, SVM_EVT_TYPE_INTR, false, 0);
	}
}

/*
 * Virtual NMI of an Alternate Injection context (APM vol. 2, 15.21.10
 * "NMI Virtualization"; the VMSA's VINTR_CTRL V_NMI, V_NMI_MASK and
 * V_NMI_ENABLE): VMPL0 sets V_NMI, the CPU takes NMI (vector 2) at the next
 * instruction boundary whatever RFLAGS.IF says, sets V_NMI_MASK, and the
 * guest's IRET clears it.  QEMU 7.2 TCG has no vNMI, so snpemu does it:
 * the NMI goes in through EVENTINJ at VMRUN, and while V_NMI_MASK is set
 * IRET is intercepted; a pending NMI waits until that IRET has run (the
 * first VMRUN at another RIP).
 */
void irq_vnmi(struct vcpu *v)
{
	struct sev_vmsa *a = v->vmsa;
	struct vmcb_control *c = &v->vmcb->control;
	bool on = (a->sev_features & SEV_FEAT_ALTERNATE_INJ) && (a->vintr_ctrl & VINTR_NMI_ENABLE);
	if (on && (a->vintr_ctrl & VINTR_NMI) && !(a->vintr_ctrl & VINTR_NMI_MASK) &&
	    !(c->event_inj & SVM_EVT_VALID) && v->vmcb->save.rip != v->nmi_iret_rip) {
		c->event_inj = SVM_EVT_MAKE(2, SVM_EVT_TYPE_NMI, false, 0);
		a->vintr_ctrl = (a->vintr_ctrl & ~VINTR_NMI) | VINTR_NMI_MASK;
		v->nmi_iret_rip = ~0ULL;
	}
	if (on && (a->vintr_ctrl & VINTR_NMI_MASK))
		c->intercept1 |= INTERCEPT_IRET;
	else
		c->intercept1 &= ~INTERCEPT_IRET;
}

/** The IRET intercept comes before the IRET runs: NMIs are unblocked, but
 * the next one waits until the IRET has run.  With one pending, the CPU
 * takes it at the boundary right after the IRET; to exit there, snpemu
 * single-steps the IRET: RFLAGS.TF set, #DB intercepted.  The trap follows
 * an instruction that began with TF set, whatever RFLAGS the IRET loads
 * (SDM vol. 3 §18.3.1.4, "Single-Step Exception Condition"), so the guest's
 * own TF comes back from its stack frame; KVM opens its NMI window the same
 * way without vNMI (Linux arch/x86/kvm/svm/svm.c, nmi_singlestep). */
void irq_vnmi_iret(struct vcpu *v)
{
	v->vmsa->vintr_ctrl &= ~VINTR_NMI_MASK;
	v->nmi_iret_rip = v->vmcb->save.rip;
	if (v->vmsa->vintr_ctrl & VINTR_NMI) {
		v->vmcb->save.rflags |= RFLAGS_TF;
		v->vmcb->control.exceptions |= BIT(EXCP_DB);
		v->nmi_stepping = true;
	}
}

/** The #DB of that single step: the IRET has run; the NMI goes in at the
 * next VMRUN (irq_vnmi).  DR6.BS, which the step set, is cleared: the guest
 * asked for no step.  Any other #DB is the guest's own. */
void irq_vnmi_step(struct vcpu *v)
{
	if (!v->nmi_stepping) {
		inject_exception(v, EXCP_DB, false, 0);
		return;
	}
	v->nmi_stepping = false;
	v->vmcb->control.exceptions &= ~BIT(EXCP_DB);
	v->vmcb->save.dr6 &= ~DR6_BS;
	v->nmi_iret_rip = ~0ULL;
}

/** HLT at VMPL0: wait until something can wake the vCPU.  Called with
 * vm_lock held once; drops it while waiting. */
void irq_wait(struct vcpu *v)
{
	const struct sev_vmsa *a = v->vmsa;
	bool hv = (a->sev_features & SEV_FEAT_RESTRICTED_INJ) && v->ctx[0].hvdb_gpa;
	if (!hv && !(v->vmcb->save.rflags & RFLAGS_IF)) {
		log_printf("vCPU %u: HLT at rip %#lx with interrupts off and no #HV doorbell: hung",
			   v->index, (unsigned long)v->vmcb->save.rip - 1);
		stats_print();
		snpemu_exit(SNPEMU_EXIT_GUEST_HUNG);
	}
	vm_unlock();
	/* GIF clear from the check to the HLT: a kick (NMI) that another CPU
     * sends after the check waits for halt_window()'s STGI and ends it */
	for (;;) {
		clgi();
		if (irq_any_pending(v) || hostile_spurious_hv())
			break;
		halt_window();
	}
	stgi();
	vm_lock();
}

/** #HV doorbell page NAE (0x80000014; GHCB spec, Restricted Injection). */
uint64_t hvdb_nae(struct vcpu *v, uint64_t op, uint64_t gpa, uint64_t *out)
{
	struct vmpl_ctx *c = &v->ctx[v->vmpl];
	if (!(v->vmsa->sev_features & SEV_FEAT_RESTRICTED_INJ))
		return GHCB_ERR_INVALID_INPUT;
	switch (op) {
	case SVM_VMGEXIT_HVDB_GET_PREFERRED:
		*out = ~0ULL; /* no preference */
		return 0;
	case SVM_VMGEXIT_HVDB_SET:
		if ((gpa & ~PAGE_MASK) || !gpa_is_ram(gpa) || (rmp_get(gpa)->flags & RMP_ASSIGNED))
			return GHCB_ERR_INVALID_INPUT; /* must be a shared page */
		c->hvdb_gpa = gpa;
		*out = gpa;
		return 0;
	case SVM_VMGEXIT_HVDB_QUERY:
		*out = c->hvdb_gpa;
		return 0;
	case SVM_VMGEXIT_HVDB_CLEAR:
		c->hvdb_gpa = 0;
		*out = 0;
		return 0;
	default:
		return GHCB_ERR_INVALID_INPUT;
	}
}
