/* SPDX-License-Identifier: MIT */
/*
 * The paravisor's own cost per exit, on the host (issue 14; make bench-host,
 * docs/performance.md).  Each exit runs through vc_dispatch(), the run
 * loop's entry, in the unchanged vc/, platform/, core/ and devices/ sources
 * the unit tests build (tests/unit/meson.build, pv_host_lib), against
 * fake_hw.c's hypervisor, which answers every GHCB call at once and keeps
 * no records (fake_hv.no_records).  A time here is the paravisor's work for
 * one exit without the world switches: decode, emulation, device model,
 * the GHCB request and the checks of the answer.
 *
 * Each case is one exit, repeated: a warm-up that also finds how many
 * exits fill REP_NS, then REPS repetitions of that many, each timed with
 * CLOCK_MONOTONIC; the table gives the median and the fastest repetition
 * in ns per exit.  What a case's loop does besides the exit (the fake
 * hypervisor's answer to its GHCB call; for an EOI, taking the vector
 * first) is timed alone in the same repetition and subtracted.  Zydis's
 * own decode of the same bytes is timed the same way, so the MMIO rows
 * show how much of them is Zydis.  `exit_cost CASE` runs only the cases
 * whose name has CASE (for perf record).
 *
 * Not a test (nothing in make test runs it, and no time is judged): each
 * case is checked once before and once after it is timed, and the exit
 * status is 1 only when a handler did something else than the case
 * expects, which means this harness is wrong.
 */
#include <cpuid.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "fake_hw.h"
#include "fake_pv.h"

#include "core/clock.h"
#include "core/ghcb_call.h"
#include "decoder/insn.h"
#include "devices/lapic.h"
#include "platform/apic.h"

#include <Zydis/Zydis.h>

#include <cpuid_page.h>
#include <paravisor_layout.h>
#include <svm.h>
#include <vmsa.h>

#define REPS   101
#define REP_NS 300000.0 /* one repetition of each timed op: about 0.3 ms */

/* Targets of issue 14, printed beside the numbers (information only). */
#define TARGET_MMIO_NS	250.0
#define TARGET_CPUID_NS 60.0

/* The guest: 64-bit mode, 4-level paging, identity-mapped pages. */
#define PT_ROOT	  0x100000ULL
#define MMIO_GPA  0xFEB00040ULL /* a device page the hypervisor serves */
#define APIC_EOI  0xFEE000B0ULL /* the guest's xAPIC page: EOI */
#define OUTS_VA	  0x400000ULL	/* REP OUTSB source, mapped to OUTS_GPA */
#define OUTS_GPA  0x300000ULL
#define OUTS_LEN  256
#define OUTS_PORT 0x402 /* OVMF's debug port: REP OUTSB of its log lines */
#define OUT_PORT  0x80	/* Linux's I/O delay port */
#define IO_NRIP	  (FAKE_GUEST_RIP + 2)
#define APIC_ID	  0
#define VEC_LOCAL 0x41 /* an IPI's vector: the EOI stays in the guest's APIC */
#define VEC_HOST  0x51 /* a host device's vector: the EOI goes to the host */
#define PTE_P	  1ULL
#define PTE_RW	  2ULL

static struct sev_vmsa *const a = &fake_guest.vmsa;
static uint64_t pt_next;

static const uint8_t mov_store[] = { 0x89, 0x03 }; /* mov %eax,(%rbx) */
static const uint8_t mov_load[] = { 0x8B, 0x03 };  /* mov (%rbx),%eax */
static const uint8_t rep_outsb[] = { 0xF3, 0x6E }; /* rep outsb */

static volatile uint64_t sink; /* results the compiler must not drop */

/* ---- the harness ---------------------------------------------------------- */

static jmp_buf harness_jb; /* pv_terminate() lands here (fake_pv.catcher) */

static _Noreturn void harness_wrong(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "exit_cost: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, " (the harness is wrong, not the time)\n");
	va_end(ap);
	exit(1);
}

static double now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static int cmp_double(const void *x, const void *y)
{
	double p = *(const double *)x, q = *(const double *)y;
	return (p > q) - (p < q);
}

struct timing {
	double median, min; /* ns per op over REPS repetitions */
};

static struct timing timing_of(double *per)
{
	qsort(per, REPS, sizeof(per[0]), cmp_double);
	return (struct timing){ per[REPS / 2], per[0] };
}

/** Warm-up: how many ops take REP_NS (at least). */
static uint64_t ops_per_rep(void (*op)(void))
{
	uint64_t n = 16;

	for (;;) {
		double t0 = now_ns();
		for (uint64_t i = 0; i < n; i++)
			op();
		if (now_ns() - t0 >= REP_NS || n >= (1ULL << 26))
			return n;
		n *= 2;
	}
}

/** ns per op over n ops; 0 without an op. */
static double rep_ns(void (*op)(void), uint64_t n)
{
	if (!op)
		return 0;
	double t0 = now_ns();
	for (uint64_t i = 0; i < n; i++)
		op();
	return (now_ns() - t0) / (double)n;
}

static void clear_records(void)
{
	fake_hv.exit_count = 0;
	fake_hv.io_count = 0;
	fake_hv.string_out_len = 0;
	fake_hv.mmio_count = 0;
	fake_hv.msr_write_count = 0;
	fake_hv.msr_request_count = 0;
	fake_hv.served = 0;
}

/** One case: op is one exit (or one decode), check what it must have done
 * (run with the fake's records on, after before).  Timed alone and
 * subtracted: prep, the part of op that is not the exit, and hv, the fake
 * hypervisor's answer to the exit's GHCB call (the paravisor's work is the
 * rest; hv_t keeps what was subtracted). */
struct bench_case {
	const char *name;
	void (*op)(void);
	bool (*check)(void);
	void (*before)(void);
	void (*prep)(void);
	void (*hv)(void);
	struct timing t, hv_t;
	bool ran;
};

static const char *only; /* the command line's: the cases whose name has it */

static void checked_run(const struct bench_case *c)
{
	clear_records();
	fake_hv.no_records = false;
	if (c->before)
		c->before();
	c->op();
	if (c->check && !c->check())
		harness_wrong("case \"%s\" did not do what it should", c->name);
	if (fake_hv.bad_requests)
		harness_wrong("case \"%s\": a GHCB request the hypervisor refuses", c->name);
	clear_records();
}

static void run_case(struct bench_case *c)
{
	if (only && !strstr(c->name, only))
		return;
	if (setjmp(harness_jb))
		harness_wrong("case \"%s\" ended the VM: %s", c->name, fake_pv.term_msg);
	fake_pv.catcher = &harness_jb;
	checked_run(c);
	fake_hv.no_records = true;
	/* op, prep and hv one after the other in each repetition, so that a
	 * busy phase of the machine slows all three alike */
	uint64_t n = ops_per_rep(c->op), np = c->prep ? ops_per_rep(c->prep) : 0,
		 nh = c->hv ? ops_per_rep(c->hv) : 0;
	double op[REPS], prep[REPS], hv[REPS];
	for (unsigned int r = 0; r < REPS; r++) {
		op[r] = rep_ns(c->op, n);
		prep[r] = rep_ns(c->prep, np);
		hv[r] = rep_ns(c->hv, nh);
	}
	/* each part's median and fastest repetition, subtracted: the
	 * difference within one repetition goes negative when a preemption
	 * lands in the loop of a subtracted part */
	struct timing t = timing_of(op), tp = timing_of(prep);
	c->hv_t = timing_of(hv);
	c->t = (struct timing){ t.median - tp.median - c->hv_t.median,
				t.min - tp.min - c->hv_t.min };
	checked_run(c);
	fake_pv.catcher = NULL;
	c->ran = true;
}

/* ---- the guest's machine ------------------------------------------------- */

static uint64_t pt_alloc(void)
{
	uint64_t p = pt_next;
	pt_next += PAGE_SIZE;
	memset(fake_mem(p), 0, PAGE_SIZE);
	return p;
}

/** The 4 KiB page at la, identity-mapped or to gpa. */
static void map4k(uint64_t la, uint64_t gpa)
{
	uint64_t table = PT_ROOT;

	for (int lvl = 3; lvl > 0; lvl--) {
		uint64_t *e = (uint64_t *)fake_mem(table) + ((la >> (12 + 9 * lvl)) & 511);
		if (!(*e & PTE_P))
			*e = pt_alloc() | PTE_P | PTE_RW;
		table = *e & ~0xFFFULL;
	}
	((uint64_t *)fake_mem(table))[(la >> 12) & 511] = gpa | PTE_P | PTE_RW;
}

/** A 64-bit kernel's mode: long mode, CS.L, paging with CR3 = PT_ROOT. */
static void long_mode(void)
{
	a->cr0 = BIT(31) | BIT(16) | BIT(4) | 1; /* PG, WP, ET, PE */
	a->cr4 = BIT(5);			 /* PAE */
	a->efer = BIT(12) | BIT(10) | BIT(8);	 /* SVME, LMA, LME */
	a->cs.attrib = VMSA_SEG_P | VMSA_SEG_S | VMSA_SEG_L | 0xB;
	a->cr3 = PT_ROOT;
	pt_next = PT_ROOT;
	pt_alloc();
	map4k(FAKE_GUEST_RIP & ~0xFFFULL, FAKE_GUEST_RIP & ~0xFFFULL);
	map4k(MMIO_GPA & ~0xFFFULL, MMIO_GPA & ~0xFFFULL);
	map4k(APIC_EOI & ~0xFFFULL, APIC_EOI & ~0xFFFULL);
	map4k(OUTS_VA, OUTS_GPA);
}

/** The CPUID page as a host builds it: every leaf of this CPU (the
 * indexed ones with their sub-leaves), in order, at most 64 entries. */
static void cpuid_page_from_host(struct snp_cpuid_page *p)
{
	static const uint32_t ranges[][2] = { { 0, 0x1F }, { 0x80000000, 0x80000021 } };

	memset(p, 0, sizeof(*p));
	for (unsigned int r = 0; r < 2; r++) {
		uint32_t max = __get_cpuid_max(ranges[r][0], NULL);
		for (uint32_t leaf = ranges[r][0]; leaf <= MIN(max, ranges[r][1]); leaf++) {
			bool indexed = leaf == 4 || leaf == 7 || leaf == 0xB || leaf == 0xD ||
				       leaf == 0x1F || leaf == 0x8000001D;
			for (uint32_t sub = 0; sub < (indexed ? 4u : 1u); sub++) {
				uint32_t eax, ebx, ecx, edx;
				__cpuid_count(leaf, sub, eax, ebx, ecx, edx);
				if (sub && !eax && !ebx && !ecx && !edx)
					break;
				if (p->count == SNP_CPUID_MAX_COUNT)
					return;
				p->fn[p->count++] = (struct snp_cpuid_fn){ .eax_in = leaf,
									   .ecx_in = sub,
									   .eax = eax,
									   .ebx = ebx,
									   .ecx = ecx,
									   .edx = edx };
			}
		}
	}
}

static void machine_init(void)
{
	struct snp_cpuid_page *launch =
		mmap((void *)PV_CPUID_GPA, PAGE_SIZE, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (launch != (void *)PV_CPUID_GPA)
		harness_wrong("cannot map the CPUID page at host address %#llx", PV_CPUID_GPA);
	fake_pv_boot();
	fake_guest.vcpu.apic_id = APIC_ID;
	cpuid_page_from_host(launch);
	cpuid_page_init();
	long_mode();
	for (unsigned int i = 0; i < OUTS_LEN; i++)
		((uint8_t *)fake_mem(OUTS_GPA))[i] = (uint8_t)('a' + i % 26);
	/* the clock as calibrated at boot (the APIC's timer needs one) */
	pv_clock.tsc_hz = fake_hv.tsc_hz;
	pv_clock.tsc0 = 1000;
	if (!pvclock_scale_for(pv_clock.tsc_hz, &pv_clock.scale))
		harness_wrong("no pvclock scale");
	guest_apic_init(&fake_guest.vcpu);
}

static void guest_at(const uint8_t *insn, unsigned int len)
{
	a->rip = FAKE_GUEST_RIP;
	memcpy(fake_mem(FAKE_GUEST_RIP), insn, len);
}

static bool retired(uint64_t nrip)
{
	return a->rip == nrip && !(a->event_inj & SVM_EVT_VALID);
}

/* ---- CPUID ------------------------------------------------------------- */

static void cpuid_exit(uint32_t leaf)
{
	a->rip = FAKE_GUEST_RIP;
	a->rax = leaf;
	a->rcx = 0;
	vc_dispatch(fake_guest_exit(SVM_EXIT_CPUID, 0, 0, 2));
}

static void op_cpuid1(void)
{
	cpuid_exit(1);
}

static void op_cpuid7(void)
{
	cpuid_exit(7);
}

static bool check_cpuid1(void)
{
	return retired(FAKE_GUEST_RIP + 2) && (a->rbx >> 24) == APIC_ID && (a->rcx & BIT(31)) &&
	       fake_hv.served == 0;
}

static bool check_cpuid7(void)
{
	uint32_t eax, ebx, ecx, edx;
	__cpuid_count(7, 0, eax, ebx, ecx, edx);
	(void)ebx;
	(void)ecx;
	(void)edx;
	return retired(FAKE_GUEST_RIP + 2) && a->rax == eax;
}

/* ---- a no-op exit: vc_dispatch()'s own floor ----------------------------- */

static void op_wbinvd(void)
{
	a->rip = FAKE_GUEST_RIP;
	vc_dispatch(fake_guest_exit(SVM_EXIT_WBINVD, 0, 0, 2));
}

static bool check_wbinvd(void)
{
	return retired(FAKE_GUEST_RIP + 2);
}

/* ---- MMIO: a device page the hypervisor serves ----------------------------- */

/* EXITINFO1 of the MMIO marker's nested page fault as the hardware writes it
 * (APM vol. 2, 15.25.6): present, reserved bit, final GPA; RW for a write. */
#define NPF_MMIO (SVM_NPF_P | SVM_NPF_RSV | SVM_NPF_FINAL_GPA)

static void op_mmio_store(void)
{
	a->rip = FAKE_GUEST_RIP;
	a->rbx = MMIO_GPA;
	a->rax = 0x55AA1234;
	vc_dispatch(fake_guest_exit(SVM_EXIT_NPF, NPF_MMIO | SVM_NPF_RW, MMIO_GPA, 2));
}

static void op_mmio_load(void)
{
	a->rip = FAKE_GUEST_RIP;
	a->rbx = MMIO_GPA;
	vc_dispatch(fake_guest_exit(SVM_EXIT_NPF, NPF_MMIO, MMIO_GPA, 2));
}

static bool check_mmio_store(void)
{
	return retired(FAKE_GUEST_RIP + 2) && fake_hv.mmio_count == 1 && fake_hv.mmio[0].write &&
	       fake_hv.mmio[0].gpa == MMIO_GPA && fake_hv.mmio[0].size == 4 &&
	       fake_hv.mmio[0].value == 0x55AA1234;
}

static bool check_mmio_load(void)
{
	return retired(FAKE_GUEST_RIP + 2) && fake_hv.mmio_count == 1 && !fake_hv.mmio[0].write &&
	       fake_hv.mmio[0].size == 4 && a->rax == 0x9ABCDEF0;
}

/* ---- Zydis alone, and the paravisor's insn_decode(), on the same bytes ---- */

static ZydisDecoder zydis;
static const uint8_t *decode_bytes; /* the guest's 15 bytes at RIP */

static void zydis_init(void)
{
	if (!ZYAN_SUCCESS(
		    ZydisDecoderInit(&zydis, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64)) ||
	    !ZYAN_SUCCESS(
		    ZydisDecoderEnableMode(&zydis, ZYDIS_DECODER_MODE_AMD_BRANCHES, ZYAN_TRUE)) ||
	    !ZYAN_SUCCESS(ZydisDecoderEnableMode(&zydis, ZYDIS_DECODER_MODE_MPX, ZYAN_FALSE)))
		harness_wrong("ZydisDecoderInit failed");
}

static void op_zydis(void)
{
	ZydisDecodedInstruction zi;
	ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];

	if (!ZYAN_SUCCESS(ZydisDecoderDecodeFull(&zydis, decode_bytes, INSN_MAX_LENGTH, &zi, ops)))
		harness_wrong("Zydis cannot decode the MMIO instruction");
	sink = zi.length;
}

static void op_insn_decode(void)
{
	struct insn insn;

	if (insn_decode(decode_bytes, INSN_MAX_LENGTH, INSN_MODE_LONG64, FAKE_GUEST_RIP, &insn) !=
	    INSN_OK)
		harness_wrong("insn_decode cannot decode the MMIO instruction");
	sink = insn.cls;
}

/* ---- port I/O -------------------------------------------------------------- */

static void op_out(void)
{
	a->rip = FAKE_GUEST_RIP;
	a->rax = 0x42;
	vc_dispatch(fake_guest_exit(SVM_EXIT_IOIO,
				    ((uint64_t)OUT_PORT << SVM_IOIO_PORT_SHIFT) | SVM_IOIO_SZ8,
				    IO_NRIP, 0));
}

static bool check_out(void)
{
	return retired(IO_NRIP) && fake_hv.io_count == 1 && fake_hv.io[0].port == OUT_PORT &&
	       fake_hv.io[0].value == 0x42 && !fake_hv.io[0].in;
}

static void op_rep_outsb(void)
{
	a->rip = FAKE_GUEST_RIP;
	a->rsi = OUTS_VA;
	a->rcx = OUTS_LEN;
	vc_dispatch(fake_guest_exit(SVM_EXIT_IOIO,
				    ((uint64_t)OUTS_PORT << SVM_IOIO_PORT_SHIFT) | SVM_IOIO_SZ8 |
					    SVM_IOIO_STR | SVM_IOIO_REP | SVM_IOIO_A64 |
					    ((uint64_t)SVM_IOIO_SEG_DS << SVM_IOIO_SEG_SHIFT),
				    IO_NRIP, 0));
}

static bool check_rep_outsb(void)
{
	return retired(IO_NRIP) && a->rcx == 0 && a->rsi == OUTS_VA + OUTS_LEN &&
	       fake_hv.string_out_len == OUTS_LEN &&
	       !memcmp(fake_hv.string_out, fake_mem(OUTS_GPA), OUTS_LEN) && fake_hv.served == 1;
}

/* ---- EOI ------------------------------------------------------------------
 * An EOI needs a vector in service: each op first takes one (prep: into
 * IRR as the run loop puts it there, then accepted into ISR), and prep
 * alone is timed and subtracted.  VEC_LOCAL's EOI ends in the guest's
 * APIC; VEC_HOST's came from the host, so its EOI is also written to
 * VMPL0's own x2APIC (a GHCB MSR call). */

static struct lapic *const apic = &fake_guest.vcpu.lapic;
static uint8_t eoi_vector;
static uint64_t eoi_stats[2];

static void prep_local(void)
{
	lapic_set_irr(apic, VEC_LOCAL, false);
	guest_apic_accept(&fake_guest.vcpu, VEC_LOCAL);
}

static void prep_host(void)
{
	guest_apic_host_vector(&fake_guest.vcpu, VEC_HOST);
	guest_apic_accept(&fake_guest.vcpu, VEC_HOST);
}

static void xapic_eoi(void)
{
	a->rip = FAKE_GUEST_RIP;
	a->rbx = APIC_EOI;
	a->rax = 0;
	vc_dispatch(fake_guest_exit(SVM_EXIT_NPF, 0, APIC_EOI, 2));
}

static void x2apic_eoi(void)
{
	a->rip = FAKE_GUEST_RIP;
	a->rcx = 0x80B;
	a->rax = a->rdx = 0;
	vc_dispatch(fake_guest_exit(SVM_EXIT_MSR, 1, 0, 2));
}

static void op_xapic_eoi_local(void)
{
	prep_local();
	xapic_eoi();
}

static void op_xapic_eoi_host(void)
{
	prep_host();
	xapic_eoi();
}

static void op_x2apic_eoi_local(void)
{
	prep_local();
	x2apic_eoi();
}

static void op_x2apic_eoi_host(void)
{
	prep_host();
	x2apic_eoi();
}

static bool in_service(uint8_t vector)
{
	return (apic->regs[(LAPIC_REG_ISR + 16u * (vector / 32u)) / 4] >> (vector % 32u)) & 1u;
}

/** The APIC's EOI counters before the checked exit. */
static void note_eoi_stats(void)
{
	eoi_stats[0] = apic->stat[LAPIC_STAT_EOI];
	eoi_stats[1] = apic->stat[LAPIC_STAT_EOI_FORWARD];
}

/** The vector left service, and the host saw an EOI exactly when it was
 * the host's. */
static bool check_eoi(void)
{
	bool host = eoi_vector == VEC_HOST;
	bool ok = !in_service(eoi_vector) && apic->stat[LAPIC_STAT_EOI] == eoi_stats[0] + 1 &&
		  apic->stat[LAPIC_STAT_EOI_FORWARD] == eoi_stats[1] + host &&
		  fake_hv.msr_write_count == host && (!host || fake_hv.msr_writes[0].msr == 0x80B);
	return retired(FAKE_GUEST_RIP + 2) && ok;
}

static bool check_eoi_local(void)
{
	eoi_vector = VEC_LOCAL;
	return check_eoi();
}

static bool check_eoi_host(void)
{
	eoi_vector = VEC_HOST;
	return check_eoi();
}

static void msr_exit(uint32_t msr, bool write, uint64_t val)
{
	a->rip = FAKE_GUEST_RIP;
	a->rcx = msr;
	a->rax = (uint32_t)val;
	a->rdx = val >> 32;
	vc_dispatch(fake_guest_exit(SVM_EXIT_MSR, write, 0, 2));
	if (!retired(FAKE_GUEST_RIP + 2))
		harness_wrong("MSR %#x not %s", msr, write ? "written" : "read");
}

static void xapic_enable(void)
{
	uint64_t svr = 0x1FF;
	guest_apic_mmio(0xF0, 4, true, &svr);
	guest_at(mov_store, sizeof(mov_store));
}

static void x2apic_enable(void)
{
	msr_exit(0x1B, false, 0);
	msr_exit(0x1B, true, ((a->rdx << 32) | (uint32_t)a->rax) | BIT(10));
	msr_exit(0x80F, true, 0x1FF);
	if (lapic_mode(apic) != LAPIC_MODE_X2APIC)
		harness_wrong("no x2APIC mode");
}

/* ---- the fake hypervisor's answers, timed alone ---------------------------
 * Each is the GHCB call of a case as the paravisor leaves it in the page,
 * answered by fake_hw.c's hw_vmgexit(): what the fake spends on the case,
 * subtracted from it (for REP OUTSB most of the case: the fake takes each
 * byte as a port access of its own). */

static struct ghcb *fake_page(void)
{
	return fake_guest.vcpu.ghcb.page;
}

static void fake_call(uint64_t code, uint64_t info1, uint64_t info2, bool scratch)
{
	struct ghcb *g = fake_page();

	ghcb_set_sw_exit_code(g, code);
	ghcb_set_sw_exit_info_1(g, info1);
	ghcb_set_sw_exit_info_2(g, info2);
	if (scratch)
		ghcb_set_sw_scratch(g, ghcb_shared_buffer_gpa());
	hw_vmgexit(fake_guest.vcpu.ghcb.gpa);
}

static void hv_mmio_write(void)
{
	fake_call(SVM_VMGEXIT_MMIO_WRITE, MMIO_GPA, 4, true);
}

static void hv_mmio_read(void)
{
	fake_call(SVM_VMGEXIT_MMIO_READ, MMIO_GPA, 4, true);
}

static void hv_out(void)
{
	ghcb_set_rax(fake_page(), 0x42);
	fake_call(SVM_EXIT_IOIO, ((uint64_t)OUT_PORT << SVM_IOIO_PORT_SHIFT) | SVM_IOIO_SZ8, 0,
		  false);
}

static void hv_rep_outsb(void)
{
	fake_call(SVM_EXIT_IOIO,
		  ((uint64_t)OUTS_PORT << SVM_IOIO_PORT_SHIFT) | SVM_IOIO_SZ8 | SVM_IOIO_STR |
			  SVM_IOIO_REP,
		  OUTS_LEN, true);
}

static void hv_eoi(void)
{
	ghcb_set_rcx(fake_page(), 0x80B);
	ghcb_set_rax(fake_page(), 0);
	ghcb_set_rdx(fake_page(), 0);
	fake_call(SVM_EXIT_MSR, 1, 0, false);
}

/* ---- the table ------------------------------------------------------------- */

/** A line of the table; with zydis, its share of the case's time. */
static void row(const struct bench_case *c, const struct bench_case *zydis)
{
	char note[64] = "";

	if (!c->ran)
		return;
	if (c->prep)
		snprintf(note, sizeof(note), "net of taking the vector");
	if (zydis && zydis->ran)
		snprintf(note, sizeof(note), "Zydis %.0f%%", 100.0 * zydis->t.median / c->t.median);
	if (c->hv)
		printf("  %-44s %9.1f %9.1f %9.1f  %s\n", c->name, c->t.median, c->t.min,
		       c->hv_t.median, note);
	else
		printf("  %-44s %9.1f %9.1f %9s  %s\n", c->name, c->t.median, c->t.min, "", note);
}

static void target(const struct bench_case *c, double limit)
{
	if (c->ran)
		printf("  %-44s %9.1f  target < %.0f ns: %s\n", c->name, c->t.median, limit,
		       c->t.median < limit ? "met" : "NOT met");
}

int main(int argc, char **argv)
{
	struct bench_case cpuid1 = { .name = "CPUID leaf 1",
				     .op = op_cpuid1,
				     .check = check_cpuid1 };
	struct bench_case cpuid7 = { .name = "CPUID leaf 7",
				     .op = op_cpuid7,
				     .check = check_cpuid7 };
	struct bench_case nop = { .name = "WBINVD (vc_dispatch's floor)",
				  .op = op_wbinvd,
				  .check = check_wbinvd };
	struct bench_case store = { .name = "MMIO MOV store  mov %eax,(%rbx)",
				    .op = op_mmio_store,
				    .check = check_mmio_store,
				    .hv = hv_mmio_write };
	struct bench_case load = { .name = "MMIO MOV load   mov (%rbx),%eax",
				   .op = op_mmio_load,
				   .check = check_mmio_load,
				   .hv = hv_mmio_read };
	struct bench_case zstore = { .name = "  Zydis DecodeFull alone, same bytes",
				     .op = op_zydis };
	struct bench_case dstore = { .name = "  insn_decode() alone, same bytes",
				     .op = op_insn_decode };
	struct bench_case zload = zstore, dload = dstore;
	struct bench_case out = {
		.name = "OUT %al,$0x80", .op = op_out, .check = check_out, .hv = hv_out
	};
	struct bench_case outs = { .name = "REP OUTSB, one chunk of 256 bytes to 0x402",
				   .op = op_rep_outsb,
				   .check = check_rep_outsb,
				   .hv = hv_rep_outsb };
	struct bench_case xl = { .name = "xAPIC EOI (MMIO), the guest's vector",
				 .op = op_xapic_eoi_local,
				 .check = check_eoi_local,
				 .before = note_eoi_stats,
				 .prep = prep_local };
	struct bench_case xh = { .name = "xAPIC EOI (MMIO), a host vector",
				 .op = op_xapic_eoi_host,
				 .check = check_eoi_host,
				 .before = note_eoi_stats,
				 .prep = prep_host,
				 .hv = hv_eoi };
	struct bench_case x2l = { .name = "x2APIC EOI (MSR 0x80B), the guest's vector",
				  .op = op_x2apic_eoi_local,
				  .check = check_eoi_local,
				  .before = note_eoi_stats,
				  .prep = prep_local };
	struct bench_case x2h = { .name = "x2APIC EOI (MSR 0x80B), a host vector",
				  .op = op_x2apic_eoi_host,
				  .check = check_eoi_host,
				  .before = note_eoi_stats,
				  .prep = prep_host,
				  .hv = hv_eoi };

	struct bench_case *const table[][2] = {
		{ &cpuid1, NULL }, { &cpuid7, NULL }, { &nop, NULL },	 { &store, &zstore },
		{ &zstore, NULL }, { &dstore, NULL }, { &load, &zload }, { &zload, NULL },
		{ &dload, NULL },  { &out, NULL },    { &outs, NULL },	 { &xl, NULL },
		{ &xh, NULL },	   { &x2l, NULL },    { &x2h, NULL },
	};

	if (argc > 2 || (argc == 2 && argv[1][0] == '-')) {
		fprintf(stderr, "usage: exit_cost [CASE]  (only the cases whose name has CASE)\n");
		return 2;
	}
	only = argc == 2 ? argv[1] : NULL;
	machine_init();
	zydis_init();
	fake_hv.mmio_read_value = 0x9ABCDEF0;

	run_case(&cpuid1);
	run_case(&cpuid7);
	run_case(&nop);
	guest_at(mov_store, sizeof(mov_store));
	decode_bytes = fake_mem(FAKE_GUEST_RIP);
	run_case(&store);
	run_case(&zstore);
	run_case(&dstore);
	guest_at(mov_load, sizeof(mov_load));
	run_case(&load);
	run_case(&zload);
	run_case(&dload);
	run_case(&out);
	guest_at(rep_outsb, sizeof(rep_outsb));
	run_case(&outs);
	xapic_enable();
	run_case(&xl);
	lapic_set_eoi_forward(apic, VEC_HOST, true);
	run_case(&xh);
	x2apic_enable();
	run_case(&x2l);
	run_case(&x2h);

	printf("exit_cost: the paravisor's own work per exit on the host, without world switches:\n"
	       "ns per exit, median and fastest of %u repetitions of about %.1f ms each.  The\n"
	       "fake hypervisor's answer to the exit's GHCB call (tests/unit/fake_hw.c) is\n"
	       "timed alone in each repetition and subtracted (column \"fake hv\").\n\n",
	       REPS, REP_NS / 1e6);
	printf("  %-44s %9s %9s %9s\n", "case", "median", "min", "fake hv");
	for (size_t i = 0; i < ARRAY_SIZE(table); i++)
		row(table[i][0], table[i][1]);
	printf("\n");
	target(&cpuid1, TARGET_CPUID_NS);
	target(&cpuid7, TARGET_CPUID_NS);
	target(&store, TARGET_MMIO_NS);
	target(&load, TARGET_MMIO_NS);
	return 0;
}
