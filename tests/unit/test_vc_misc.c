/* SPDX-License-Identifier: MIT */
/*
 * vc/misc.c through vc_dispatch(): RDTSC(P) from the hypervisor, the NOP
 * exits that tell the host nothing, DR7 kept by the paravisor, VMMCALL as
 * #UD, HLT, and a page that comes back unvalidated.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "fake_hw.h"
#include "fake_pv.h"
#include "platform/apic.h"
#include "platform/platform.h"

#include <svm.h>

#include "core/clock.h"
#include "run/irq.h"

static struct sev_vmsa *const a = &fake_guest.vmsa;

static void guest_exit(uint64_t code, uint64_t info1, uint64_t info2)
{
	a->rip = FAKE_GUEST_RIP;
	vc_dispatch(fake_guest_exit(code, info1, info2, 2));
}

static void test_rdtsc(void **state)
{
	(void)state;
	fake_hv.tsc = 0x0000123487654321ULL;
	a->rax = a->rdx = a->rcx = ~0ULL;
	guest_exit(SVM_EXIT_RDTSC, 0, 0);
	assert_int_equal(a->rax, 0x87654321);
	assert_int_equal(a->rdx, 0x1234);
	assert_int_equal(a->rcx, ~0ULL);
	assert_int_equal(a->rip, FAKE_GUEST_RIP + 2);
	assert_int_equal(fake_hv_last_exit()->save.sw_exit_code, SVM_EXIT_RDTSC);

	/* RDTSCP's ECX is the guest's own TSC_AUX (vc/msr.c), not the host's */
	fake_hv.tsc_aux = 0x77;
	fake_guest.vcpu.tsc_aux = 5;
	guest_exit(SVM_EXIT_RDTSCP, 0, 0);
	assert_int_equal(a->rcx, 5);
	assert_int_equal(a->rax, 0x87654321);
	assert_int_equal(fake_hv_last_exit()->save.sw_exit_code, SVM_EXIT_RDTSCP);
	assert_int_equal(fake_hv.bad_requests, 0);
}

static void test_rdtsc_bad_answers(void **state)
{
	(void)state;
	fake_hv.hostile = FAKE_HOSTILE_NO_VALID;
	FAKE_EXPECT_TERM(PV_TERM_HV_ERROR, guest_exit(SVM_EXIT_RDTSCP, 0, 0));
	fake_hv.hostile = FAKE_HOSTILE_NONE;
	fake_hv.next_event = SVM_EVT_MAKE(14, SVM_EVT_TYPE_EXCEPTION, true, 0);
	FAKE_EXPECT_TERM(PV_TERM_HV_ERROR, guest_exit(SVM_EXIT_RDTSC, 0, 0));
	assert_int_equal(a->rip, FAKE_GUEST_RIP);
}

/** WBINVD, INVD, MONITOR, MWAIT: done here, nothing reaches the host. */
static void test_nops(void **state)
{
	static const uint64_t codes[] = { SVM_EXIT_WBINVD, SVM_EXIT_INVD, SVM_EXIT_MONITOR,
					  SVM_EXIT_MWAIT };

	const size_t requests = fake_hv.msr_request_count;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(codes); i++) {
		a->rax = 0x12345000;
		guest_exit(codes[i], 0, 0);
		assert_int_equal(a->rip, FAKE_GUEST_RIP + 2);
		assert_int_equal(a->rax, 0x12345000);
		assert_int_equal(a->event_inj, 0);
	}
	assert_int_equal(fake_hv.exit_count, 0);
	assert_int_equal(fake_hv.msr_request_count, requests);
}

static void test_vmmcall_ud(void **state)
{
	(void)state;
	guest_exit(SVM_EXIT_VMMCALL, 0, 0);
	assert_int_equal(a->event_inj, SVM_EVT_MAKE(6, SVM_EVT_TYPE_EXCEPTION, false, 0));
	assert_int_equal(a->rip, FAKE_GUEST_RIP);
	assert_int_equal(fake_hv.exit_count, 0);
}

/** HLT comes with RIP already past it; the vCPU waits for an interrupt. */
static void test_hlt(void **state)
{
	(void)state;
	guest_exit(SVM_EXIT_HLT, 0, 0);
	assert_true(fake_guest.vcpu.guest_halted);
	assert_int_equal(a->rip, FAKE_GUEST_RIP);
	assert_int_equal(a->event_inj, 0);
}

static void test_unvalidated_page(void **state)
{
	const size_t requests = fake_hv.msr_request_count;
	const size_t pvalidates = fake_hv.pvalidate_count;

	(void)state;
	FAKE_EXPECT_TERM(PV_TERM_PAGE_REPLAY,
			 guest_exit(SVM_EXIT_PAGE_NOT_VALIDATED, 0, 0x1234000));
	assert_non_null(strstr(fake_pv.term_msg, "0x1234000"));
	/* never validated again, no page state change asked for */
	assert_int_equal(fake_hv.pvalidate_count, pvalidates);
	assert_int_equal(fake_hv.msr_request_count, requests);
}

/** MOV DR7, RAX / MOV RBX, DR7 (0F 23 F8, 0F 21 FB), decoded at CS:RIP. */
static void test_dr7(void **state)
{
	static const uint8_t to_dr7[] = { 0x0F, 0x23, 0xF8 }, from_dr7[] = { 0x0F, 0x21, 0xFB };

	(void)state;
	fake_guest.vcpu.dr7 = 0x400;
	memcpy(fake_mem(FAKE_GUEST_RIP), to_dr7, 3);
	a->rax = 0x155;
	guest_exit(SVM_EXIT_DR7_WRITE, 0, 0);
	assert_int_equal(a->rip, FAKE_GUEST_RIP + 3);
	assert_int_equal(fake_guest.vcpu.dr7, 0x555);
	memcpy(fake_mem(FAKE_GUEST_RIP), from_dr7, 3);
	a->rbx = ~0ULL;
	guest_exit(SVM_EXIT_DR7_READ, 0, 0);
	assert_int_equal(a->rip, FAKE_GUEST_RIP + 3);
	assert_int_equal(a->rbx, 0x555);
	assert_int_equal(fake_hv.exit_count, 0);
}

/** The bytes at RIP must be the MOV the exit says (they are re-read after the exit). */
static void test_dr7_decode_mismatch(void **state)
{
	static const uint8_t from_dr7[] = { 0x0F, 0x21, 0xF8 }, cpuid[] = { 0x0F, 0xA2 };

	(void)state;
	memcpy(fake_mem(FAKE_GUEST_RIP), from_dr7, 3);
	FAKE_EXPECT_TERM(PV_TERM_DECODE_FAILED, guest_exit(SVM_EXIT_DR7_WRITE, 0, 0));
	memcpy(fake_mem(FAKE_GUEST_RIP), cpuid, 2);
	FAKE_EXPECT_TERM(PV_TERM_DECODE_FAILED, guest_exit(SVM_EXIT_DR7_READ, 0, 0));
}

/** A device interrupt in logical mode goes to the vCPU its logical
 * destination names (core/platform.c), here the only one: flat model,
 * logical ID from the LDR the guest writes; a destination naming no vCPU
 * gives -1 (the I/O APIC entry stays masked). */
static void test_logical_target(void **state)
{
	uint64_t ldr = 1u << 24;

	(void)state;
	pv_clock.tsc_hz = 2500000000ULL; /* the APIC timer needs a clock */
	guest_apic_init(&fake_guest.vcpu);
	assert_int_equal(guest_apic_logical_target(0x01), -1); /* LDR 0 */
	assert_true(guest_apic_mmio(0xD0, 4, true, &ldr));
	assert_int_equal(guest_apic_logical_target(0x01), (int)fake_guest.vcpu.apic_id);
	assert_int_equal(guest_apic_logical_target(0x03), (int)fake_guest.vcpu.apic_id);
	assert_int_equal(guest_apic_logical_target(0x02), -1);
}

/** The guest's APIC initialised and software-enabled. */
static void apic_on(void)
{
	uint64_t svr = 0x1FF;

	pv_clock.tsc_hz = 2500000000ULL; /* the APIC timer needs a clock */
	guest_apic_init(&fake_guest.vcpu);
	assert_true(guest_apic_mmio(0xF0, 4, true, &svr));
}

/** The low dword of I/O APIC pin @pin's redirection entry set to @rte. */
static void ioapic_pin(unsigned int pin, uint64_t rte)
{
	uint64_t sel = 0x10 + 2 * pin;

	assert_true(devices_mmio(0xFEC00000, 4, true, &sel));
	assert_true(devices_mmio(0xFEC00010, 4, true, &rte));
}

/** A host vector that an unmasked level-triggered I/O APIC pin of the
 * guest uses is accepted as level (TMR set), so the guest's EOI of it is
 * broadcast (here: forwarded to the host's APIC); an edge one clears TMR. */
static void test_level_vector_sets_tmr(void **state)
{
	uint64_t tmr = 0;

	(void)state;
	apic_on();
	ioapic_pin(9, 0x8000 | 0x41); /* level, 0x41 */
	guest_apic_host_vector(&fake_guest.vcpu, 0x41);
	assert_true(guest_apic_mmio(0x180 + 0x20, 4, false, &tmr)); /* TMR, vectors 0x40-0x5F */
	assert_int_equal(tmr, 1u << 1);
	guest_apic_host_vector(&fake_guest.vcpu, 0x42); /* no pin: edge */
	assert_true(guest_apic_mmio(0x180 + 0x20, 4, false, &tmr));
	assert_int_equal(tmr, 1u << 1);
}

/** A fixed I/O APIC interrupt to a logical set {vCPU 0, vCPU 1}: the host
 * delivers it to vCPU 0 only; vCPU 1 gets it as well, with no host EOI of
 * its own (SDM vol. 3, "Logical Destination Mode"). */
static void test_logical_set_reaches_all(void **state)
{
	uint64_t svr = 0x1FF, ldr0 = 1u << 24, ldr1 = 2u << 24, irr = 0;
	uint64_t sel_lo = 0x10 + 2 * 5, sel_hi = sel_lo + 1;
	uint64_t lo = 0x800 | 0x45, hi = 0x03u << 24; /* logical, fixed, vector 0x45; dest 0x03 */

	(void)state;
	pv_clock.tsc_hz = 2500000000ULL;
	guest_apic_init(&fake_guest.vcpu);
	assert_true(guest_apic_mmio(0xF0, 4, true, &svr));
	assert_true(guest_apic_mmio(0xD0, 4, true, &ldr0));
	fake_guest_add_peer();
	fake_guest.on_peer = true;
	assert_true(guest_apic_mmio(0xD0, 4, true, &ldr1));
	fake_guest.on_peer = false;
	assert_true(devices_mmio(0xFEC00000, 4, true, &sel_hi));
	assert_true(devices_mmio(0xFEC00010, 4, true, &hi));
	assert_true(devices_mmio(0xFEC00000, 4, true, &sel_lo));
	assert_true(devices_mmio(0xFEC00010, 4, true, &lo));
	guest_apic_host_vector(&fake_guest.vcpu, 0x45);
	assert_int_equal(guest_apic_pending(&fake_guest.vcpu), 0x45);
	assert_int_equal(guest_apic_pending(&fake_guest.peer), 0x45);
	fake_guest.on_peer = true;
	assert_true(guest_apic_mmio(0x200 + 0x20, 4, false, &irr)); /* IRR 0x40-0x5F */
	fake_guest.on_peer = false;
	assert_int_equal(irr, 1u << 5);
}

/* ---- the end of a guest HLT (core/irq.c irq_wait) ---- */

static void init_after_three_halts(void)
{
	if (fake_hv.halts == 3)
		fake_guest.vcpu.init_pending = true;
	if (fake_hv.halts > 3)
		fail_msg("the vCPU went on halting after the INIT");
}

/** A guest APIC, software-enabled, with vector 0x30 in its IRR. */
static void halted_with_irr(uint64_t rflags)
{
	uint64_t svr = 0x1FF;

	pv_clock.tsc_hz = 2500000000ULL;
	guest_apic_init(&fake_guest.vcpu);
	assert_true(guest_apic_mmio(0xF0, 4, true, &svr));
	guest_apic_host_vector(&fake_guest.vcpu, 0x30);
	assert_int_equal(guest_apic_pending(&fake_guest.vcpu), 0x30);
	fake_guest.vcpu.vmsa1 = &fake_guest.vmsa;
	fake_guest.vmsa.rflags = rflags;
	guest_exit(SVM_EXIT_HLT, 0, 0);
	assert_true(fake_guest.vcpu.guest_halted);
	fake_hv.halts = 0;
	fake_hv.on_halt = init_after_three_halts;
}

/** STI; HLT (IF set): the pending vector ends the HLT at once. */
static void test_hlt_ends_on_interrupt(void **state)
{
	(void)state;
	halted_with_irr(VMSA_RESET_RFLAGS | VMSA_RFLAGS_IF);
	irq_wait(&fake_guest.vcpu);
	assert_int_equal(fake_hv.halts, 0);
	assert_false(fake_guest.vcpu.guest_halted);
}

/** CLI; HLT (IF clear): the IRR does not end it, only an INIT does
 * (OVMF's idle APs); the vCPU halts at VMPL0 until then. */
static void test_hlt_with_if_clear_waits_for_init(void **state)
{
	(void)state;
	halted_with_irr(VMSA_RESET_RFLAGS);
	irq_wait(&fake_guest.vcpu);
	assert_int_equal(fake_hv.halts, 3);
	assert_false(fake_guest.vcpu.guest_halted);
}

/*
 * The lost wake-up of a 2-vCPU boot: vCPU 1 sends vCPU 0 a fixed IPI just
 * after vCPU 0 found nothing to wake it and before its HLT.  The sender's
 * kick (a host IPI) arrives as an #HV in that window; the HLT must not
 * sleep through it (core/idt.c skips it, fake_hw.c models that).
 */
static struct hv_doorbell window_doorbell;

static void ipi_lands_in_halt_window(void)
{
	uint64_t icr_hi = 0, icr_lo = 0x40; /* fixed, physical, APIC ID 0 */

	fake_hv.on_halt_window = NULL;
	fake_guest.on_peer = true;
	assert_true(guest_apic_mmio(0x310, 4, true, &icr_hi));
	assert_true(guest_apic_mmio(0x300, 4, true, &icr_lo));
	fake_guest.on_peer = false;
	/* the sender kicked vCPU 0's APIC; the hypervisor posts that as #HV */
	const struct fake_msr *kick = &fake_hv.msr_writes[fake_hv.msr_write_count - 1];
	assert_int_equal(kick->msr, 0x830);
	assert_int_equal(kick->value >> 32, 0);
	assert_int_equal(kick->value & 0xFF, PV_VECTOR_KICK);
	window_doorbell.vector = PV_VECTOR_KICK;
	fake_guest.vcpu.hv_pending = true; /* the #HV handler's flag */
}

static void slept_through_ipi(void)
{
	fail_msg("vCPU 0 halted with the IPI in its IRR and its #HV spent: a lost wake-up");
}

static void test_ipi_while_entering_hlt(void **state)
{
	(void)state;
	pv_clock.tsc_hz = 2500000000ULL;
	fake_guest_add_peer();
	halted_with_irr(VMSA_RESET_RFLAGS | VMSA_RFLAGS_IF);
	guest_apic_accept(&fake_guest.vcpu, 0x30); /* in service, not pending */
	uint64_t eoi = 0;
	assert_true(guest_apic_mmio(0xB0, 4, true, &eoi));
	assert_int_equal(guest_apic_pending(&fake_guest.vcpu), -1);
	memset(&window_doorbell, 0, sizeof(window_doorbell));
	fake_guest.vcpu.doorbell = &window_doorbell;
	fake_hv.on_halt_window = ipi_lands_in_halt_window;
	fake_hv.on_halt = slept_through_ipi;
	irq_wait(&fake_guest.vcpu);
	assert_int_equal(fake_hv.halts, 0);
	assert_int_equal(guest_apic_pending(&fake_guest.vcpu), 0x40);
	assert_int_equal(window_doorbell.vector, 0); /* the kick was taken */
	assert_false(fake_guest.vcpu.hv_pending);
}

/** An I/O APIC entry reads back as the guest wrote it, except delivery
 * status and remote IRR, which are the device's (82093AA §3.2.4): a level
 * interrupt's remote IRR shows until the EOI. */
static void test_ioapic_remote_irr_from_device(void **state)
{
	uint64_t val = 0;

	(void)state;
	ioapic_pin(7, 0x8000 | 0x4000 | 0x1000 | 0x51);	   /* level; RO bits written too */
	fake_hv.mmio_read_value = 0x10000 | 0x4000 | 0x51; /* the device: remote IRR set */
	assert_true(devices_mmio(0xFEC00010, 4, false, &val));
	assert_int_equal(val, 0x8000 | 0x4000 | 0x51);
	fake_hv.mmio_read_value = 0;
	assert_true(devices_mmio(0xFEC00010, 4, false, &val));
	assert_int_equal(val, 0x8000 | 0x51);
}

/** Two edges of an I/O APIC pin before the guest accepts the first: the
 * host gets its EOI at once, and the second finds the guest's IRR bit set:
 * one request (SDM vol. 3 §11.8.4), not a second interrupt after the
 * guest's EOI.  A level pin's EOI still waits for the guest's. */
static void test_ioapic_edge_coalesces(void **state)
{
	(void)state;
	apic_on();
	ioapic_pin(20, 0x57); /* edge */
	unsigned int before = fake_hv.msr_write_count;
	guest_apic_host_vector(&fake_guest.vcpu, 0x57);
	assert_int_equal(fake_hv.msr_write_count, before + 1);
	assert_int_equal(fake_hv.msr_writes[before].msr, 0x80B); /* the host's EOI */
	guest_apic_host_vector(&fake_guest.vcpu, 0x57);
	assert_int_equal(guest_apic_pending(&fake_guest.vcpu), 0x57);
	guest_apic_accept(&fake_guest.vcpu, 0x57);
	assert_int_equal(guest_apic_pending(&fake_guest.vcpu), -1); /* one request */
	uint64_t eoi = 0;
	before = fake_hv.msr_write_count;
	assert_true(guest_apic_mmio(0xB0, 4, true, &eoi));
	assert_int_equal(fake_hv.msr_write_count, before); /* already retired at the host */

	ioapic_pin(20, 0x8000 | 0x58); /* level */
	before = fake_hv.msr_write_count;
	guest_apic_host_vector(&fake_guest.vcpu, 0x58);
	assert_int_equal(fake_hv.msr_write_count, before); /* held until the guest's EOI */
	guest_apic_accept(&fake_guest.vcpu, 0x58);
	assert_true(guest_apic_mmio(0xB0, 4, true, &eoi));
	assert_int_equal(fake_hv.msr_write_count, before + 1);
	assert_int_equal(fake_hv.msr_writes[before].msr, 0x80B);
}

/* ---- the vector offered through V_IRQ (run/irq.c) ---- */

/** Two vectors pending while the guest keeps IF clear: the lower one is
 * offered first, the higher one that comes next replaces the offer (the
 * CPU takes the highest-priority request first, SDM vol. 3 §11.8.3), and a
 * TPR raised above every pending vector withdraws it. */
static void test_offer_follows_priority(void **state)
{
	uint64_t tpr = 0x80;

	(void)state;
	apic_on();
	fake_guest.vcpu.vmsa1 = &fake_guest.vmsa;
	fake_guest.vcpu.offered_vector = -1;
	guest_apic_host_vector(&fake_guest.vcpu, 0x61);
	irq_before_run(&fake_guest.vcpu);
	assert_true(a->vintr_ctrl & VINTR_IRQ);
	assert_int_equal((a->vintr_ctrl & VINTR_VECTOR_MASK) >> VINTR_VECTOR_SHIFT, 0x61);
	guest_apic_host_vector(&fake_guest.vcpu, 0x71);
	irq_before_run(&fake_guest.vcpu);
	assert_int_equal((a->vintr_ctrl & VINTR_VECTOR_MASK) >> VINTR_VECTOR_SHIFT, 0x71);
	assert_int_equal(fake_guest.vcpu.offered_vector, 0x71);
	irq_after_exit(&fake_guest.vcpu); /* not taken: nothing accepted */
	assert_int_equal(guest_apic_pending(&fake_guest.vcpu), 0x71);
	assert_true(guest_apic_mmio(0x80, 4, true, &tpr));
	irq_before_run(&fake_guest.vcpu);
	assert_false(a->vintr_ctrl & VINTR_IRQ);
	assert_int_equal(fake_guest.vcpu.offered_vector, -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_rdtsc, fake_pv_setup),
		cmocka_unit_test_setup(test_logical_target, fake_pv_setup),
		cmocka_unit_test_setup(test_level_vector_sets_tmr, fake_pv_setup),
		cmocka_unit_test_setup(test_logical_set_reaches_all, fake_pv_setup),
		cmocka_unit_test_setup(test_rdtsc_bad_answers, fake_pv_setup),
		cmocka_unit_test_setup(test_nops, fake_pv_setup),
		cmocka_unit_test_setup(test_vmmcall_ud, fake_pv_setup),
		cmocka_unit_test_setup(test_hlt, fake_pv_setup),
		cmocka_unit_test_setup(test_hlt_ends_on_interrupt, fake_pv_setup),
		cmocka_unit_test_setup(test_hlt_with_if_clear_waits_for_init, fake_pv_setup),
		cmocka_unit_test_setup(test_ipi_while_entering_hlt, fake_pv_setup),
		cmocka_unit_test_setup(test_unvalidated_page, fake_pv_setup),
		cmocka_unit_test_setup(test_dr7, fake_pv_setup),
		cmocka_unit_test_setup(test_dr7_decode_mismatch, fake_pv_setup),
		cmocka_unit_test_setup(test_offer_follows_priority, fake_pv_setup),
		cmocka_unit_test_setup(test_ioapic_remote_irr_from_device, fake_pv_setup),
		cmocka_unit_test_setup(test_ioapic_edge_coalesces, fake_pv_setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
