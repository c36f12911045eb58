// SPDX-License-Identifier: MIT
/* The two-VMPL payload, a paravisor in small: VMPL0 (Restricted
 * Injection, on the AP) starts VMPL1 with ReflectVC + vTOM + Alternate
 * Injection and serves its exits: CPUID from the CPUID page, IN/OUT and
 * MMIO through the GHCB, HLT by waiting itself (HLT until #HV) for its
 * x2APIC timer, whose vector it then injects into VMPL1 through VINTR_CTRL;
 * VMPL1's handler writes the x2APIC EOI, which traps and which VMPL0
 * forwards (APM vol. 2, 15.36.8, 15.36.9, 15.36.16; docs/architecture.md,
 * "A guest exit" and "An interrupt"). */
#include "hv.h"
#include "vmpl.h"

#define TIMER_VECTOR	0x68
#define TIMER_PERIOD	2000000u /* periodic: a missed tick is re-sent */
#define COM1_SCRATCH	0x3FF
#define IO_VALUE	0x3C
#define IOAPIC_IOREGSEL 0xFEC00000ull
#define IOAPIC_IOWIN	0xFEC00010ull
#define Q35_IOAPIC_VER	0x00170020u
#define MAX_EXITS	64

enum { N_CPUID, N_IO, N_MMIO, N_HLT, N_EOI, N_MSR, N_COUNT };

VMPL1_TEXT static void guest(struct vmpl1_state *s)
{
	uint32_t a = 0, b, c = 0, d, val = 0;

	__asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	s->out[0] = a;
	s->out[1] = b;
	__asm__ volatile("outb %%al, %%dx" : : "a"(IO_VALUE), "d"(COM1_SCRATCH) : "memory");
	__asm__ volatile("inb %%dx, %%al" : "+a"(val) : "d"(COM1_SCRATCH) : "memory");
	s->out[2] = val;
	__asm__ volatile("movl %0, (%1)" : : "a"(1), "b"(IOAPIC_IOREGSEL) : "memory");
	__asm__ volatile("movl (%1), %0" : "=a"(val) : "b"(IOAPIC_IOWIN) : "memory");
	s->out[3] = val;
	__asm__ volatile("sti; hlt; cli" ::: "memory");
	s->out[4] = s->vec_count[TIMER_VECTOR];
	vmpl1_finish(s);
}

/** VMPL1 halted: wait for VMPL0's timer, then queue its vector for VMPL1. */
static void serve_hlt(struct vmpl1 *v)
{
	CHECK(v->vmsa->rflags & (1u << 9), "VMPL1 halted with IF = 0");
	CHECK(hv_timer_start(TIMER_VECTOR, TIMER_PERIOD, true), "timer start");
	hv_wait_hlt(TIMER_VECTOR);
	CHECK(hv_timer_stop(), "timer stop");
	vmpl1_inject_vintr(v, TIMER_VECTOR);
}

static void serve(struct vmpl1 *v, unsigned *n)
{
	struct sev_vmsa *a = v->vmsa;

	switch (a->guest_exit_code) {
	case SVM_EXIT_CPUID:
		n[N_CPUID]++;
		vmpl1_emulate(v);
		break;
	case SVM_EXIT_IOIO:
		n[N_IO]++;
		vmpl1_emulate(v);
		break;
	case SVM_EXIT_NPF:
		n[N_MMIO]++;
		vmpl1_emulate(v);
		break;
	case SVM_EXIT_MSR: /* the EOI is forwarded to VMPL0's x2APIC */
		n[(uint32_t)a->rcx == X2APIC_EOI ? N_EOI : N_MSR]++;
		vmpl1_emulate(v);
		break;
	case SVM_EXIT_HLT:
		n[N_HLT]++;
		serve_hlt(v);
		break;
	case SVM_EXIT_INTR: /* #HV for VMPL0 while VMPL1 ran */
	case SVM_EXIT_VMGEXIT:
		break;
	default:
		CHECK(0, "unexpected VMPL1 exit 0x%llx", (unsigned long long)a->guest_exit_code);
		rt_finish();
	}
}

static void ap_main(struct rt_cpu *c)
{
	struct vmpl1 v;
	unsigned n[N_COUNT] = { 0 }, i;
	uint32_t r[4] = { 0, 0, 0, 0 };

	(void)c;
	cpuid_page_lookup(0, 0, r);
	if (!hv_doorbell_register() ||
	    !vmpl1_create(&v, guest, VMPL1_PARAVISOR_FEATURES, VMPL1_VTOM))
		rt_finish();
	v.st->eoi_in_handler = 1;
	for (i = 0; i < MAX_EXITS && !v.st->finished && !v.st->exc_count; i++) {
		vmpl1_run(&v);
		serve(&v, n);
	}
	CHECK_EQ(v.st->finished, 1);
	CHECK_EQ(v.st->exc_count, 0);
	CHECK_EQ(n[N_CPUID], 1);
	CHECK_EQ(n[N_IO], 2);
	CHECK_EQ(n[N_MMIO], 2);
	CHECK_EQ(n[N_HLT], 1);
	CHECK_EQ(n[N_EOI], 1);
	CHECK_EQ(n[N_MSR], 0);
	CHECK_EQ(v.st->out[0], r[0]);
	CHECK_EQ(v.st->out[1], r[1]);
	CHECK_EQ(v.st->out[2], IO_VALUE);
	CHECK_EQ(v.st->out[3], Q35_IOAPIC_VER);
	CHECK_EQ(v.st->out[4], 1);
	CHECK_EQ(v.st->irq_count, 1);
	CHECK_EQ(v.vmsa->vintr_ctrl & VINTR_IRQ, 0);
	rt_finish();
}

PAYLOAD(two_vmpl, 0)
{
	smp_run_on_ap(SEV_FEAT_SNP_ACTIVE | SEV_FEAT_RESTRICTED_INJ, ap_main);
}
