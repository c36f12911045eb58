/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: how the paravisor checks what the hypervisor wrote back
 * (core/ghcb.c's ghcb_call(), ghcb_out() and the MSR protocol, and the vc/
 * handlers that relay the guest's IN, OUT, INS, OUTS, RDMSR, WRMSR, RDTSC,
 * RDTSCP and MMIO through it).  The fake hypervisor of tests/unit/fake_hw.c
 * answers each request in spec, then the input rewrites its answer:
 * SW_EXITINFO1/2 (GHCB spec 2.03 4.1.7: 0, or 1 with a #GP/#UD event; an
 * event in the EVENTINJ format of AMD APM vol. 2 15.20), the valid bitmap,
 * the registers, the shared buffer, or the GHCB MSR value (GHCB spec 2.3.1).
 * Checked after each step:
 *   - the VM ends only with PV_TERM_HV_ERROR (PV_TERM_GHCB_VERSION and
 *     PV_TERM_HV_FEATURES too while negotiating), never PV_TERM_BUG;
 *   - the guest gets nothing but #GP or #UD, at its instruction (RIP
 *     unchanged, RAX untouched by a read that raised), or its instruction
 *     completes;
 *   - a value the paravisor took from the answer is the answer's, from a
 *     register the answer marked valid.
 *
 * Input: [0] bits 0-3: steps - 1, bit 7: the MSR protocol of the boot
 * answers from the input too; then 4 bytes per step; then the bytes the
 * hypervisor's answers are made of, consumed in order (answers in spec once
 * they run out).
 */
#include <setjmp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fake_hw.h"
#include "fake_pv.h"
#include "core/ghcb_call.h"

#include <paravisor_layout.h>
#include <svm.h>
#include <vmsa.h>

#include "fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define STEP	   4
#define DEVICE_GPA 0xFEB00000ULL /* no RAM, no device of the paravisor */
#define DATA_GPA   0x20000ULL
#define GP_EV	   SVM_EVT_MAKE(13, SVM_EVT_TYPE_EXCEPTION, true, 0)
#define GP_NO_EV   SVM_EVT_MAKE(13, SVM_EVT_TYPE_EXCEPTION, false, 0)
#define UD	   SVM_EVT_MAKE(6, SVM_EVT_TYPE_EXCEPTION, false, 0)

/* ---- the hypervisor's answers ------------------------------------------ */

static const uint8_t *ans;
static size_t ans_left;

/** What the last GHCB answer held when the paravisor got it back. */
static struct {
	uint64_t valid[2];
	uint64_t rax, rcx, rdx;
	uint8_t buf[8];
} last;

static uint8_t take(void)
{
	if (!ans_left)
		return 0;
	ans_left--;
	return *ans++;
}

static uint64_t take64(void)
{
	uint64_t v = 0;

	for (unsigned int i = 0; i < 8; i++)
		v |= (uint64_t)take() << (8 * i);
	return v;
}

static uint64_t pick_info1(void)
{
	static const uint64_t v[] = { 0, 1, 2, 3, 0x100000000ULL, 0x100000001ULL };
	uint8_t b = take();

	return b < 2 * ARRAY_SIZE(v) ? v[b % ARRAY_SIZE(v)] : take64();
}

static uint64_t pick_event(void)
{
	static const uint64_t v[] = {
		GP_EV,
		GP_NO_EV,
		UD,
		SVM_EVT_MAKE(6, SVM_EVT_TYPE_EXCEPTION, true, 5),
		SVM_EVT_MAKE(14, SVM_EVT_TYPE_EXCEPTION, true, 2),
		SVM_EVT_MAKE(13, SVM_EVT_TYPE_EXCEPTION, true, 0xFFFFFFFF),
		SVM_EVT_MAKE(13, 0, true, 0),
		SVM_EVT_MAKE(13, SVM_EVT_TYPE_EXCEPTION, true, 0) & ~(uint64_t)SVM_EVT_VALID,
		GP_EV | (1ULL << 20),
		UD | (1ULL << 12),
	};
	uint8_t b = take();

	return b < 2 * ARRAY_SIZE(v) ? v[b % ARRAY_SIZE(v)] : take64();
}

/** Save-area qwords a hostile answer likes to touch (rax, rbx, rcx, rdx,
 * the exit infos, scratch, the bitmap's own qwords) and any other. */
static unsigned int pick_qword(void)
{
	static const size_t off[] = { GHCB_OFF(rax),
				      GHCB_OFF(rbx),
				      GHCB_OFF(rcx),
				      GHCB_OFF(rdx),
				      GHCB_OFF(sw_exit_info_1),
				      GHCB_OFF(sw_exit_info_2),
				      GHCB_OFF(sw_scratch) };
	uint8_t b = take();

	return b < 2 * ARRAY_SIZE(off) ? GHCB_VALID_BIT(off[b % ARRAY_SIZE(off)]) : take() & 127;
}

static void on_answer(struct ghcb *g, const struct ghcb *req)
{
	uint8_t mode = take();
	uint64_t *q = (uint64_t *)&g->save;

	(void)req;
	if (mode & 1)
		ghcb_set_sw_exit_info_1(g, pick_info1());
	if (mode & 2)
		ghcb_set_sw_exit_info_2(g, pick_event());
	if (mode & 4) {
		unsigned int b = pick_qword();

		g->save.valid_bitmap[b / 64] ^= 1ULL << (b % 64);
	}
	if (mode & 8) {
		unsigned int b = pick_qword();

		if (b < GHCB_VALID_BIT(GHCB_OFF(valid_bitmap)))
			q[b] = take64();
		ghcb_valid_set(g, (size_t)b * 8);
	}
	if (mode & 16) {
		uint64_t v = take64();

		memcpy(g->shared_buffer + (take() * 8u) % (GHCB_SHARED_BUF_SIZE - 8), &v, 8);
		if (mode & 128)
			memcpy(g->shared_buffer, &v, 8);
	}
	if (mode & 32)
		ghcb_valid_clear_all(g);
	if (mode & 64) {
		g->save.valid_bitmap[0] = take64();
		g->save.valid_bitmap[1] = take64();
	}
	last.valid[0] = g->save.valid_bitmap[0];
	last.valid[1] = g->save.valid_bitmap[1];
	last.rax = g->save.rax;
	last.rcx = g->save.rcx;
	last.rdx = g->save.rdx;
	memcpy(last.buf, g->shared_buffer, 8);
}

static uint64_t on_msr_answer(uint64_t request, uint64_t answer)
{
	(void)request;
	switch (take() & 7) {
	case 1:
		return answer ^ take64();
	case 2:
		return (answer & 0xFFF) | (take64() << 12);
	case 3:
		return take64();
	case 4:
		return answer ^ (1ULL << (take() & 63));
	default:
		return answer;
	}
}

static bool last_valid(size_t off)
{
	unsigned int b = GHCB_VALID_BIT(off);

	return last.valid[b / 64] >> (b % 64) & 1;
}

/* ---- the guest's exits --------------------------------------------------- */

static struct sev_vmsa *const a = &fake_guest.vmsa;

static const uint16_t ports[] = { 0x61, 0x80, 0x92, 0x1F0, 0x3F6, 0x60, 0x64, 0x40, 0xB2, 0x3B0 };

#define IO(port, sz, more) (((uint64_t)(port) << 16) | (sz) | (more))
#define STR		   (SVM_IOIO_STR | ((uint64_t)SVM_IOIO_SEG_DS << SVM_IOIO_SEG_SHIFT) | SVM_IOIO_A32)

static unsigned int io_size(uint8_t b, uint64_t *sz_bits, uint8_t *insn)
{
	switch (b & 3) {
	case 0:
		*sz_bits = SVM_IOIO_SZ8;
		return 1;
	case 1:
		*sz_bits = SVM_IOIO_SZ16;
		insn[0] = 0x66;
		return 2;
	default:
		*sz_bits = SVM_IOIO_SZ32;
		return 4;
	}
}

/** Runs the guest's instruction insn (len bytes) at CS:RIP to its exit. */
static void guest_exit(const uint8_t *insn, unsigned int len, uint64_t code, uint64_t info1,
		       uint64_t info2)
{
	a->rip = FAKE_GUEST_RIP;
	a->event_inj = 0;
	memcpy(fake_mem(FAKE_GUEST_RIP), insn, len);
	vc_dispatch(fake_guest_exit(code, info1, info2, len));
}

/** The guest's result: an instruction done, or #GP/#UD at it. */
static bool guest_raised(unsigned int len, bool may_retry)
{
	if (!a->event_inj) {
		FUZZ_CHECK(a->rip == FAKE_GUEST_RIP + len ||
			   (may_retry && a->rip == FAKE_GUEST_RIP));
		return false;
	}
	FUZZ_CHECK(a->rip == FAKE_GUEST_RIP);
	FUZZ_CHECK(a->event_inj == UD || (a->event_inj & 0xFFFFFFFFULL) == (GP_EV & 0xFFFFFFFFULL));
	return true;
}

static void guest_io(const uint8_t *o, bool in, bool string)
{
	uint8_t insn[3] = { 0 };
	uint64_t sz;
	unsigned int size = io_size(o[1], &sz, insn), p = insn[0] ? 1 : 0, len;
	uint16_t port = ports[o[2] % ARRAY_SIZE(ports)];
	uint64_t rax = 0x1111222233334444ULL;

	if (string) {
		insn[p++] = 0xF3;
		insn[p] = (uint8_t)((in ? 0x6C : 0x6E) | (size > 1));
		a->rsi = a->rdi = DATA_GPA;
		a->rcx = 1 + (o[3] & 63);
	} else {
		insn[p] = (uint8_t)((in ? 0xEC : 0xEE) | (size > 1));
	}
	len = p + 1;
	a->rax = rax;
	a->rdx = port;
	guest_exit(insn, len, SVM_EXIT_IOIO,
		   IO(port, sz, (in ? SVM_IOIO_TYPE_IN : 0) | (string ? STR | SVM_IOIO_REP : 0)),
		   FAKE_GUEST_RIP + len);
	if (guest_raised(len, string)) {
		FUZZ_CHECK(a->rax == rax);
		return;
	}
	if (in && !string) {
		uint64_t mask = size == 4 ? 0xFFFFFFFFULL : (1ULL << (8 * size)) - 1;

		FUZZ_CHECK(last_valid(GHCB_OFF(rax)));
		FUZZ_CHECK((a->rax & mask) == (last.rax & mask));
		FUZZ_CHECK(size == 4 ? a->rax >> 32 == 0 : (a->rax & ~mask) == (rax & ~mask));
	}
}

static void guest_msr(bool write, const uint8_t *o)
{
	static const uint8_t rd[2] = { 0x0F, 0x32 }, wr[2] = { 0x0F, 0x30 };

	a->rcx = 0x10; /* TSC: forwarded to the hypervisor (vc/msr.c) */
	a->rax = 0x5555 + o[1];
	a->rdx = 0x6666 + o[2];
	guest_exit(write ? wr : rd, 2, SVM_EXIT_MSR, write, 0);
	if (guest_raised(2, false)) {
		FUZZ_CHECK(a->rax == 0x5555u + o[1] && a->rdx == 0x6666u + o[2]);
		return;
	}
	if (!write) {
		FUZZ_CHECK(last_valid(GHCB_OFF(rax)) && last_valid(GHCB_OFF(rdx)));
		FUZZ_CHECK(a->rax == (uint32_t)last.rax && a->rdx == (uint32_t)last.rdx);
	}
}

static void guest_rdtsc(bool p)
{
	static const uint8_t rdtsc[2] = { 0x0F, 0x31 }, rdtscp[3] = { 0x0F, 0x01, 0xF9 };

	a->rax = a->rdx = a->rcx = 0x7777;
	guest_exit(p ? rdtscp : rdtsc, p ? 3 : 2, p ? SVM_EXIT_RDTSCP : SVM_EXIT_RDTSC, 0, 0);
	if (guest_raised(p ? 3 : 2, false))
		FUZZ_CHECK(a->rax == 0x7777 && a->rdx == 0x7777 && a->rcx == 0x7777);
}

/** mov al/ax/eax, [DEVICE_GPA] or the store (32-bit, paging off). */
static void guest_mmio(bool write, const uint8_t *o)
{
	uint8_t insn[7];
	unsigned int n = 0, size = o[1] % 3 == 0 ? 1 : o[1] % 3 == 1 ? 2 : 4;
	uint64_t rax = 0x0123456789ABCDEFULL;

	if (size == 2)
		insn[n++] = 0x66;
	insn[n++] = (uint8_t)((write ? 0x88 : 0x8A) | (size > 1));
	insn[n++] = 0x05;
	memcpy(insn + n, &(uint32_t){ (uint32_t)DEVICE_GPA + (o[2] & 0xF8) }, 4);
	n += 4;
	a->rax = rax;
	guest_exit(insn, n, SVM_EXIT_NPF, 0, DEVICE_GPA + (o[2] & 0xF8));
	if (guest_raised(n, false)) {
		FUZZ_CHECK(a->rax == rax);
		return;
	}
	if (!write) {
		uint64_t mask = size == 4 ? 0xFFFFFFFFULL : (1ULL << (8 * size)) - 1;
		uint64_t v = 0;

		memcpy(&v, last.buf, size);
		FUZZ_CHECK((a->rax & mask) == v);
	}
}

/* ---- the paravisor's own calls ------------------------------------------ */

static void own_calls(const uint8_t *o)
{
	struct x86_fault f = { 0 };
	uint64_t v = 0;
	uint32_t v32 = 0;
	static const char line[] = "fuzz: a log line\n";

	switch (o[1] % 6) {
	case 0:
		if (ghcb_msr_read(0x10, &v, &f) == GHCB_STATUS_OK) {
			FUZZ_CHECK(last_valid(GHCB_OFF(rax)) && last_valid(GHCB_OFF(rdx)));
			FUZZ_CHECK(v == (last.rdx << 32 | (uint32_t)last.rax));
		} else {
			FUZZ_CHECK(f.vector == X86_VEC_GP || f.vector == X86_VEC_UD);
		}
		break;
	case 1:
		FUZZ_CHECK(ghcb_ioio(0x80, 1 << (o[2] % 3), true, &v32, NULL) == GHCB_STATUS_OK);
		FUZZ_CHECK(last_valid(GHCB_OFF(rax)));
		break;
	case 2:
		if (ghcb_mmio(DEVICE_GPA, 1 + o[2] % 8, false, &v, &f) == GHCB_STATUS_OK) {
			uint64_t want = 0;

			memcpy(&want, last.buf, 1 + o[2] % 8);
			FUZZ_CHECK(v == want);
		}
		break;
	case 3:
		ghcb_ioio_string_out(PV_LOG_PORT, line, sizeof(line) - 1);
		break;
	case 4:
		ghcb_msr_psc(0x30000 + (o[2] & 7) * PAGE_SIZE, o[3] & 1);
		break;
	default: {
		bool stop = o[3] & 1;

		FUZZ_CHECK(ghcb_msr_run_vmpl(1, &stop) == !stop);
		break;
	}
	}
}

/** Steps 0-3 IN, OUT, REP INS, REP OUTS; 4 RDMSR/WRMSR; 5 RDTSC(P); 6-7 MMIO
 * read/write; the rest the paravisor's own calls. */
static void step(const uint8_t *o)
{
	unsigned int k = o[0] % 11;

	if (k < 4)
		guest_io(o, !(k & 1), k >= 2);
	else if (k == 4)
		guest_msr(o[3] & 1, o);
	else if (k == 5)
		guest_rdtsc(o[3] & 1);
	else if (k < 8)
		guest_mmio(k == 7, o);
	else
		own_calls(o);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* the guest pages a step writes; the GHCB pages are cleared when registered */
	static const uint64_t touched[] = { FAKE_GUEST_RIP, DATA_GPA, PV_EARLY_GHCB_GPA };
	static jmp_buf jb;
	static uint8_t head;
	static size_t steps;

	if (size < 1)
		return 0;
	head = data[0];
	steps = MIN((size_t)(head & 15) + 1, (size - 1) / STEP);
	ans = data + 1 + steps * STEP;
	ans_left = size - 1 - steps * STEP;
	fake_pv_reset_quick(touched, ARRAY_SIZE(touched));
	fake_hv_reset_quick();
	fake_guest_reset();
	fake_hv.no_records = true;
	fake_hv_set_msr(0x10, 0x123456789ULL, false);
	memset(&last, 0, sizeof(last));
	fake_pv.catcher = &jb;
	if (setjmp(jb)) {
		FUZZ_CHECK(fake_pv.terminated);
		FUZZ_CHECK(fake_pv.term_code == PV_TERM_HV_ERROR ||
			   ((head & 0x80) && (fake_pv.term_code == PV_TERM_GHCB_VERSION ||
					      fake_pv.term_code == PV_TERM_HV_FEATURES)));
		fake_pv.catcher = NULL;
		return 0;
	}
	if (head & 0x80)
		fake_hv.on_msr_answer = on_msr_answer;
	ghcb_init_early();
	ghcb_init();
	fake_hv.on_answer = on_answer;
	fake_hv.on_msr_answer = on_msr_answer;
	head &= 0x7F; /* booted: the negotiation's codes are no longer acceptable */
	for (size_t i = 0; i < steps; i++)
		step(data + 1 + i * STEP);
	FUZZ_CHECK(!fake_pv.terminated);
	fake_pv.catcher = NULL;
	return 0;
}
