/* SPDX-License-Identifier: MIT */
/*
 * vc/ioio.c through vc_dispatch(), with core/guest_mem.c walking page
 * tables the test builds in fake guest memory, and core/platform.c's
 * filters (devices_init against a fake fw_cfg device of the fake
 * hypervisor): port I/O of every size, INS/OUTS bounded to one shared
 * buffer per exit, faults of the guest's own walk, the fw_cfg
 * DMA interface hidden, etc/e820 without the paravisor, CMOS memory size.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "platform/platform.h"
#include "fake_hw.h"
#include "fake_pv.h"

#include "core/clock.h"
#include "devices/fwcfg.h"
#include "devices/pm_timer.h"

#include <svm.h>
#include <vmsa.h>

#define NRIP	       (FAKE_GUEST_RIP + 3) /* EXITINFO2 of the exits */
#define PF_EVENT(err)  SVM_EVT_MAKE(14, SVM_EVT_TYPE_EXCEPTION, true, (err))
#define GP_EVENT       SVM_EVT_MAKE(13, SVM_EVT_TYPE_EXCEPTION, true, 0)
#define INFO(port, sz) (((uint64_t)(port) << 16) | (sz))
#define STR_DS	       (SVM_IOIO_STR | ((uint64_t)SVM_IOIO_SEG_DS << SVM_IOIO_SEG_SHIFT))
#define PT_ROOT	       0x100000ULL
#define PTE_P	       1ULL
#define PTE_RW	       2ULL
#define PTE_US	       4ULL

static struct sev_vmsa *const a = &fake_guest.vmsa;
static uint64_t pt_next;

/**
 * The INS/OUTS that info1 describes, in the guest's current mode, at
 * CS:RIP and NRIP - RIP bytes long (DS prefixes in front pad it): string
 * exits are decoded (vc/ioio.c checks the bytes against the exit).
 */
static void put_string_insn(uint64_t info1)
{
	bool real = !(a->cr0 & 1), lm = (a->efer & BIT(10)) && (a->cs.attrib & VMSA_SEG_L);
	unsigned int def_addr = lm ? 8 : (!real && (a->cs.attrib & BIT(10))) ? 4 : 2;
	unsigned int def_op = def_addr == 2 ? 2 : 4;
	unsigned int addr = (info1 & SVM_IOIO_A64) ? 8 : (info1 & SVM_IOIO_A32) ? 4 : 2;
	unsigned int size = SVM_IOIO_DATA_SIZE(info1);
	uint8_t insn[8];
	unsigned int n = 0;

	if (addr != def_addr)
		insn[n++] = 0x67;
	if (size != 1 && size != def_op)
		insn[n++] = 0x66;
	if (info1 & SVM_IOIO_REP)
		insn[n++] = 0xF3;
	insn[n++] = (uint8_t)(((info1 & SVM_IOIO_TYPE_IN) ? 0x6C : 0x6E) | (size != 1));
	assert_true(n <= NRIP - FAKE_GUEST_RIP);
	uint8_t *at = fake_mem(a->cs.base + FAKE_GUEST_RIP);
	unsigned int pad = (unsigned int)(NRIP - FAKE_GUEST_RIP) - n;
	memset(at, 0x3E, pad); /* DS: OUTS's default, ignored by INS */
	memcpy(at + pad, insn, n);
}

static void io_exit(uint64_t info1)
{
	a->rip = FAKE_GUEST_RIP;
	if (info1 & SVM_IOIO_STR)
		put_string_insn(info1);
	vc_dispatch(fake_guest_exit(SVM_EXIT_IOIO, info1, NRIP, 0));
}

static uint32_t guest_in(uint16_t port, uint64_t size_bit)
{
	a->rax = 0;
	io_exit(INFO(port, size_bit) | SVM_IOIO_TYPE_IN);
	return (uint32_t)a->rax;
}

static void guest_out(uint16_t port, uint64_t size_bit, uint32_t v)
{
	a->rax = v;
	io_exit(INFO(port, size_bit));
}

/** The last port access that reached the hypervisor. */
static const struct fake_io *last_io(void)
{
	assert_true(fake_hv.io_count > 0);
	return &fake_hv.io[fake_hv.io_count - 1];
}

/* ---- page tables in fake guest memory (APM vol. 2 §5.3) ---------------- */

static uint64_t pt_alloc(void)
{
	uint64_t p = pt_next;
	pt_next += PAGE_SIZE;
	memset(fake_mem(p), 0, PAGE_SIZE);
	return p;
}

/** 4 KiB page la -> gpa; the upper levels allow everything. */
static void map4k(uint64_t la, uint64_t gpa, uint64_t flags)
{
	uint64_t table = PT_ROOT;

	for (int lvl = 3; lvl > 0; lvl--) {
		uint64_t *e = (uint64_t *)fake_mem(table) + ((la >> (12 + 9 * lvl)) & 511);
		if (!(*e & PTE_P))
			*e = pt_alloc() | PTE_P | PTE_RW | PTE_US;
		table = *e & ~0xFFFULL;
	}
	((uint64_t *)fake_mem(table))[(la >> 12) & 511] = gpa | flags;
}

/** 64-bit mode, 4-level paging with CR3 = PT_ROOT, CR0.WP set. */
static void long_mode(void)
{
	a->cr0 = BIT(31) | BIT(16) | BIT(4) | 1;
	a->cr4 = BIT(5);
	a->efer = BIT(12) | BIT(10) | BIT(8);
	a->cs.attrib = VMSA_SEG_P | VMSA_SEG_S | VMSA_SEG_L | 0xB;
	a->cr3 = PT_ROOT;
	pt_next = PT_ROOT;
	pt_alloc();
	/* the code page, identity-mapped and user-accessible (CPL 3 tests) */
	map4k(FAKE_GUEST_RIP & ~0xFFFULL, FAKE_GUEST_RIP & ~0xFFFULL, PTE_P | PTE_US);
}

/* ---- IN and OUT ------------------------------------------------------- */

static void test_out_sizes(void **state)
{
	static const struct {
		uint64_t bit;
		unsigned int size;
		uint32_t seen;
	} c[] = {
		{ SVM_IOIO_SZ8, 1, 0x44 },
		{ SVM_IOIO_SZ16, 2, 0x3344 },
		{ SVM_IOIO_SZ32, 4, 0x11223344 },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(c); i++) {
		a->rax = 0xAABBCCDD11223344ULL;
		io_exit(INFO(0x80, c[i].bit));
		assert_int_equal(a->rip, NRIP);
		assert_int_equal(a->rax, 0xAABBCCDD11223344ULL);
		assert_int_equal(last_io()->port, 0x80);
		assert_int_equal(last_io()->size, c[i].size);
		assert_false(last_io()->in);
		assert_int_equal(last_io()->value, c[i].seen);
		assert_int_equal(fake_hv_last_exit()->save.sw_exit_info_1, INFO(0x80, c[i].bit));
	}
	assert_int_equal(fake_hv.bad_requests, 0);
}

/** An 8-bit OUT puts AL on the bus; the host needs nothing else of RAX
 * (no more than it needs; Linux masks it too: lower_bits() in vc_handle_ioio). */
static void test_out_discloses_only_the_operand(void **state)
{
	(void)state;
	a->rax = 0xAABBCCDD11223344ULL;
	io_exit(INFO(0x80, SVM_IOIO_SZ8));
	assert_int_equal(fake_hv_last_exit()->save.rax, 0x44);
	io_exit(INFO(0x80, SVM_IOIO_SZ16));
	assert_int_equal(fake_hv_last_exit()->save.rax, 0x3344);
}

static void test_in_sizes(void **state)
{
	static const uint32_t script[] = { 0x99, 0xBEEF, 0xCAFEF00D };

	(void)state;
	fake_hv_script_in(script, 3);
	a->rax = 0xAABBCCDD11223344ULL;
	io_exit(INFO(0x60, SVM_IOIO_SZ8) | SVM_IOIO_TYPE_IN);
	assert_int_equal(a->rax, 0xAABBCCDD11223399ULL); /* RAX[63:8] kept */
	assert_int_equal(a->rip, NRIP);
	io_exit(INFO(0x60, SVM_IOIO_SZ16) | SVM_IOIO_TYPE_IN);
	assert_int_equal(a->rax, 0xAABBCCDD1122BEEFULL); /* RAX[63:16] kept */
	io_exit(INFO(0x60, SVM_IOIO_SZ32) | SVM_IOIO_TYPE_IN);
	assert_int_equal(a->rax, 0xCAFEF00DULL); /* zero-extended */
	assert_true(last_io()->in);
	assert_int_equal(last_io()->size, 4);
}

/** EXITINFO1 with no data size or two: the hypervisor's (or the CPU's)
 * fault, not the guest's. */
static void test_bad_size(void **state)
{
	(void)state;
	FAKE_EXPECT_TERM(PV_TERM_HV_ERROR, io_exit(INFO(0x80, 0)));
	FAKE_EXPECT_TERM(PV_TERM_HV_ERROR, io_exit(INFO(0x80, SVM_IOIO_SZ8 | SVM_IOIO_SZ16)));
	assert_int_equal(fake_hv.io_count, 0);
}

static void test_in_without_valid_rax(void **state)
{
	(void)state;
	fake_hv.hostile = FAKE_HOSTILE_NO_VALID;
	FAKE_EXPECT_TERM(PV_TERM_HV_ERROR, guest_in(0x60, SVM_IOIO_SZ8));
	assert_int_equal(a->rip, FAKE_GUEST_RIP);
}

/* ---- INS and OUTS ------------------------------------------------------ */

/** REP OUTSB of more than one shared buffer, paging off: one buffer per
 * exit, VC_RETRY (RIP stays) until RCX is 0. */
static void test_rep_outs_paging_off(void **state)
{
	uint8_t *src = fake_mem(0x10000);
	const uint64_t n = 3000,
		       info = INFO(0x3F8, SVM_IOIO_SZ8) | STR_DS | SVM_IOIO_REP | SVM_IOIO_A32;

	(void)state;
	for (uint64_t i = 0; i < n; i++)
		src[i] = (uint8_t)(i * 13 + 5);
	a->rsi = 0x10000;
	a->rcx = n;
	io_exit(info);
	assert_int_equal(a->rip, FAKE_GUEST_RIP);
	assert_int_equal(a->rsi, 0x10000 + GHCB_SHARED_BUF_SIZE);
	assert_int_equal(a->rcx, n - GHCB_SHARED_BUF_SIZE);
	assert_int_equal(fake_hv.io_count, GHCB_SHARED_BUF_SIZE);
	io_exit(info);
	assert_int_equal(a->rip, NRIP);
	assert_int_equal(a->rsi, 0x10000 + n);
	assert_int_equal(a->rcx, 0);
	assert_int_equal(fake_hv.io_count, n);
	for (uint64_t i = 0; i < n; i++) {
		assert_int_equal(fake_hv.io[i].port, 0x3F8);
		assert_int_equal(fake_hv.io[i].value, src[i]);
	}
	assert_int_equal(a->event_inj, 0);
}

/** REP INSW in 64-bit mode into two pages that are not adjacent in GPA
 * space; ES's base does not count in 64-bit mode. */
static void test_rep_ins_long_mode(void **state)
{
	static uint32_t script[1500];
	const uint64_t n = 1500, info = INFO(0x1F0, SVM_IOIO_SZ16) | SVM_IOIO_STR | SVM_IOIO_REP |
					SVM_IOIO_A64 | SVM_IOIO_TYPE_IN;

	(void)state;
	long_mode();
	map4k(0x400000, 0x300000, PTE_P | PTE_RW);
	map4k(0x401000, 0x250000, PTE_P | PTE_RW);
	for (uint64_t i = 0; i < n; i++)
		script[i] = (uint32_t)(i * 3 + 1);
	fake_hv_script_in(script, n);
	a->es.base = 0x77000;
	a->rdi = 0x400C00;
	a->rcx = n;
	io_exit(info);
	assert_int_equal(a->rip, FAKE_GUEST_RIP);
	assert_int_equal(a->rcx, n - GHCB_SHARED_BUF_SIZE / 2);
	assert_int_equal(a->rdi, 0x400C00 + GHCB_SHARED_BUF_SIZE);
	io_exit(info);
	assert_int_equal(a->rip, NRIP);
	assert_int_equal(a->rcx, 0);
	assert_int_equal(a->rdi, 0x400C00 + 2 * n);
	for (uint64_t i = 0; i < n; i++) {
		uint64_t off = 0xC00 + 2 * i;
		uint64_t gpa = off < PAGE_SIZE ? 0x300000 + off : 0x250000 + off - PAGE_SIZE;
		uint16_t w;
		memcpy(&w, fake_mem(gpa), 2);
		assert_int_equal(w, script[i]);
	}
	assert_int_equal(*(uint8_t *)fake_mem(0x77000 + 0x400C00), 0);
}

/** 16-bit addressing: ES:DI with ES's base (INS cannot be overridden,
 * whatever segment EXITINFO1 names); only DI and CX change. */
static void test_ins_real_mode(void **state)
{
	static const uint32_t script[] = { 0x11, 0x22, 0x33, 0x44 };
	const uint8_t want[] = { 0x11, 0x22, 0x33, 0x44 };

	(void)state;
	a->cr0 = BIT(4);
	a->cs.attrib = VMSA_SEG_P | VMSA_SEG_S | 0xB;
	a->es.base = 0x20000;
	a->ds.base = 0x30000;
	a->rdi = 0xABCD0100;
	a->rcx = 0x55550004;
	fake_hv_script_in(script, 4);
	io_exit(INFO(0x60, SVM_IOIO_SZ8) | STR_DS | SVM_IOIO_REP | SVM_IOIO_A16 | SVM_IOIO_TYPE_IN);
	assert_int_equal(a->rip, NRIP);
	assert_int_equal(a->rdi, 0xABCD0104);
	assert_int_equal(a->rcx, 0x55550000);
	assert_memory_equal(fake_mem(0x20100), want, 4);
}

/** RFLAGS.DF: backwards, one element per exit. */
static void test_outs_backwards(void **state)
{
	const uint64_t info = INFO(0x80, SVM_IOIO_SZ8) | STR_DS | SVM_IOIO_REP | SVM_IOIO_A32;

	(void)state;
	memcpy(fake_mem(0x10000), "abc", 3);
	a->rflags |= BIT(10);
	a->rsi = 0x10002;
	a->rcx = 3;
	for (int i = 0; i < 2; i++) {
		io_exit(info);
		assert_int_equal(a->rip, FAKE_GUEST_RIP);
	}
	io_exit(info);
	assert_int_equal(a->rip, NRIP);
	assert_int_equal(a->rsi, 0xFFFF);
	assert_int_equal(a->rcx, 0);
	assert_int_equal(fake_hv.io_count, 3);
	assert_int_equal(fake_hv.io[0].value, 'c');
	assert_int_equal(fake_hv.io[1].value, 'b');
	assert_int_equal(fake_hv.io[2].value, 'a');
}

static void test_rep_count_zero_and_no_rep(void **state)
{
	static const uint32_t script[] = { 0x5A };

	(void)state;
	a->rsi = 0x10000;
	a->rcx = 0;
	io_exit(INFO(0x80, SVM_IOIO_SZ8) | STR_DS | SVM_IOIO_REP | SVM_IOIO_A32);
	assert_int_equal(a->rip, NRIP);
	assert_int_equal(a->rsi, 0x10000);
	assert_int_equal(fake_hv.io_count, 0);

	fake_hv_script_in(script, 1);
	a->rdi = 0x10000;
	a->rcx = 9;
	io_exit(INFO(0x60, SVM_IOIO_SZ8) | SVM_IOIO_STR | SVM_IOIO_A32 | SVM_IOIO_TYPE_IN);
	assert_int_equal(a->rip, NRIP);
	assert_int_equal(a->rdi, 0x10001);
	assert_int_equal(a->rcx, 9);
	assert_int_equal(*(uint8_t *)fake_mem(0x10000), 0x5A);
}

/** A fault in the guest's own walk, as the CPU does it: the elements
 * before the faulting one are sent (RSI/RCX show the progress), then the
 * next exit raises #PF with CR2 and sends nothing more. */
static void test_outs_page_fault(void **state)
{
	const uint64_t info = INFO(0x80, SVM_IOIO_SZ8) | STR_DS | SVM_IOIO_REP | SVM_IOIO_A64;

	(void)state;
	long_mode();
	map4k(0x401000, 0x250000, PTE_P | PTE_RW);
	a->rsi = 0x401F00;
	a->rcx = 0x200; /* runs into the unmapped 0x402000 */
	io_exit(info);
	assert_int_equal(a->event_inj, 0);
	assert_int_equal(a->rip, FAKE_GUEST_RIP);
	assert_int_equal(a->rsi, 0x402000);
	assert_int_equal(a->rcx, 0x100);
	unsigned int sent = fake_hv.io_count;
	assert_int_equal(sent, 0x100);
	io_exit(info);
	assert_int_equal(a->event_inj, PF_EVENT(0));
	assert_int_equal(a->cr2, 0x402000);
	assert_int_equal(a->rip, FAKE_GUEST_RIP);
	assert_int_equal(a->rsi, 0x402000);
	assert_int_equal(a->rcx, 0x100);
	assert_int_equal(fake_hv.io_count, sent);
}

static void test_ins_page_faults(void **state)
{
	const uint64_t info = INFO(0x60, SVM_IOIO_SZ8) | SVM_IOIO_STR | SVM_IOIO_A64 |
			      SVM_IOIO_TYPE_IN;

	(void)state;
	long_mode();
	map4k(0x400000, 0x300000, PTE_P); /* read-only, supervisor */
	a->rdi = 0x400010;
	io_exit(info); /* write to read-only, CR0.WP */
	assert_int_equal(a->event_inj, PF_EVENT(PTE_P | PTE_RW));
	assert_int_equal(a->cr2, 0x400010);
	assert_int_equal(a->rdi, 0x400010);
	assert_int_equal(a->rip, FAKE_GUEST_RIP);

	a->event_inj = 0;
	a->cpl = 3; /* user access, supervisor page */
	a->rsi = 0x400020;
	io_exit(INFO(0x80, SVM_IOIO_SZ8) | STR_DS | SVM_IOIO_A64);
	assert_int_equal(a->event_inj, PF_EVENT(PTE_P | PTE_US));
	assert_int_equal(a->cr2, 0x400020);
}

/** Every element INS took from the device is in guest memory and counted
 * in RDI/RCX, also when the destination faults part-way (hardware loses
 * nothing: iterations before the fault retire). */
static void test_ins_fault_loses_no_data(void **state)
{
	const uint64_t start = 0x400F00;

	(void)state;
	long_mode();
	map4k(0x400000, 0x300000, PTE_P | PTE_RW); /* 0x401000 is not mapped */
	a->rdi = start;
	a->rcx = 0x200;
	for (int i = 0; i < 16 && a->rip == FAKE_GUEST_RIP && !a->event_inj; i++)
		io_exit(INFO(0x60, SVM_IOIO_SZ8) | SVM_IOIO_STR | SVM_IOIO_REP | SVM_IOIO_A64 |
			SVM_IOIO_TYPE_IN);
	assert_int_equal(a->event_inj, PF_EVENT(PTE_RW));
	assert_int_equal(a->cr2, 0x401000);
	assert_int_equal(fake_hv_io_in_range(0x60, 0x60), a->rdi - start);
	assert_int_equal(a->rcx, 0x200 - (a->rdi - start));
}

/** The engine's segment checks hold for string I/O: the elements inside
 * DS's limit go out, the first one past it is #GP(0) with RSI and RCX at
 * it; in SS it would be #SS, in 64-bit mode a non-canonical address #GP. */
static void test_outs_segment_limit(void **state)
{
	const uint64_t info = INFO(0x80, SVM_IOIO_SZ8) | STR_DS | SVM_IOIO_REP | SVM_IOIO_A32;

	(void)state;
	a->ds.limit = 0x10003;
	a->rsi = 0x10000;
	a->rcx = 8;
	for (int i = 0; i < 8 && !a->event_inj && a->rip == FAKE_GUEST_RIP; i++)
		io_exit(info);
	assert_int_equal(a->event_inj, GP_EVENT);
	assert_int_equal(a->rip, FAKE_GUEST_RIP);
	assert_int_equal(a->rsi, 0x10004);
	assert_int_equal(a->rcx, 4);
	assert_int_equal(fake_hv.io_count, 4);

	a->event_inj = 0;
	long_mode();
	a->rsi = 0x0000800000000000ULL; /* not canonical */
	a->rcx = 1;
	io_exit(INFO(0x80, SVM_IOIO_SZ8) | STR_DS | SVM_IOIO_REP | SVM_IOIO_A64);
	assert_int_equal(a->event_inj, GP_EVENT);
	assert_int_equal(fake_hv.io_count, 4);
}

/** Guest addresses that are not guest RAM (the paravisor's region, above
 * its GHCB page) are #GP(0): nothing of the paravisor reaches the host, nothing is written. */
static void test_string_io_outside_guest_ram(void **state)
{
	static const uint32_t script[] = { 0xEE };
	uint8_t *pv = fake_mem(FAKE_PV_BASE + 0x10000);

	(void)state;
	memset(pv, 0x5C, 16);
	a->rsi = FAKE_PV_BASE + 0x10000;
	a->rcx = 16;
	io_exit(INFO(0x80, SVM_IOIO_SZ8) | STR_DS | SVM_IOIO_REP | SVM_IOIO_A32);
	assert_int_equal(a->event_inj, GP_EVENT);
	assert_int_equal(fake_hv.io_count, 0);

	a->event_inj = 0;
	fake_hv_script_in(script, 1);
	a->rdi = FAKE_PV_BASE + 0x10000;
	io_exit(INFO(0x60, SVM_IOIO_SZ8) | SVM_IOIO_STR | SVM_IOIO_A32 | SVM_IOIO_TYPE_IN);
	assert_int_equal(a->event_inj, GP_EVENT);
	assert_int_equal(pv[0], 0x5C);
	assert_int_equal(a->rip, FAKE_GUEST_RIP);
}

/** Guest RAM above 4 GiB (a VM with more than 2 GiB on q35): REP INSW and
 * OUTSB reach it through the paravisor's private map; above the RAM, below
 * vTOM or not, nothing is guest memory (#GP, as outside RAM below 4 GiB). */
static void test_string_io_high_ram(void **state)
{
	static uint32_t script[4] = { 0x1111, 0x2222, 0x3333, 0x4444 };
	const uint64_t ram = 0x17FFFF000ULL; /* the last page of [4 GiB, 6 GiB) */

	(void)state;
	fake_pv_high_ram(6ULL << 30);
	long_mode();
	map4k(0x400000, ram, PTE_P | PTE_RW);
	map4k(0x401000, 0x180000000ULL, PTE_P | PTE_RW); /* just above the RAM */
	fake_hv_script_in(script, 4);
	a->rdi = 0x400FF0;
	a->rcx = 4;
	io_exit(INFO(0x1F0, SVM_IOIO_SZ16) | SVM_IOIO_STR | SVM_IOIO_REP | SVM_IOIO_A64 |
		SVM_IOIO_TYPE_IN);
	assert_int_equal(a->event_inj, 0);
	assert_int_equal(a->rip, NRIP);
	for (unsigned int i = 0; i < 4; i++) {
		uint16_t w;
		memcpy(&w, fake_mem(ram + 0xFF0 + 2 * i), 2);
		assert_int_equal(w, script[i]);
	}
	memcpy(fake_mem(ram + 0x800), "high", 4);
	a->rsi = 0x400800;
	a->rcx = 4;
	io_exit(INFO(0x80, SVM_IOIO_SZ8) | STR_DS | SVM_IOIO_REP | SVM_IOIO_A64);
	assert_int_equal(a->rip, NRIP);
	assert_int_equal(fake_hv.io_count, 4 + 4);
	for (unsigned int i = 0; i < 4; i++)
		assert_int_equal(fake_hv.io[4 + i].value, (uint8_t) "high"[i]);

	/* one page further: past the RAM (below vTOM and above it) */
	a->rsi = 0x401000;
	a->rcx = 4;
	io_exit(INFO(0x80, SVM_IOIO_SZ8) | STR_DS | SVM_IOIO_REP | SVM_IOIO_A64);
	assert_int_equal(a->event_inj, GP_EVENT);
	assert_int_equal(fake_hv.io_count, 8);
	a->event_inj = 0;
	map4k(0x402000, 7ULL << 30, PTE_P | PTE_RW); /* above vTOM */
	a->rsi = 0x402000;
	a->rcx = 1;
	io_exit(INFO(0x80, SVM_IOIO_SZ8) | STR_DS | SVM_IOIO_REP | SVM_IOIO_A64);
	assert_int_equal(a->event_inj, GP_EVENT);
	assert_int_equal(fake_hv.io_count, 8);
}

/* ---- the platform filters (core/platform.c) ---------------------------- */

struct e820 {
	uint64_t addr, len;
	uint32_t type;
} __attribute__((packed));

static const struct e820 host_e820[] = {
	{ 0, 0x9FC00, 1 },	   { 0x9FC00, 0x400, 2 },
	{ 0xF0000, 0x10000, 2 },   { 0x100000, FAKE_RAM_END - 0x100000, 1 },
	{ 0xFEFFC000, 0x4000, 2 },
};
static const char bootorder[] = "/pci@i0cf8/ide@1,1/drive@0/disk@0\n";
static const uint8_t loader[] = { 1, 2, 3, 4, 5, 6, 7 };

static void host_fwcfg(void)
{
	fake_hv_fwcfg_add(0x20, "bootorder", bootorder, sizeof(bootorder));
	fake_hv_fwcfg_add(0x21, "etc/e820", host_e820, sizeof(host_e820));
	fake_hv_fwcfg_add(0x22, "etc/table-loader", loader, sizeof(loader));
}

static int setup_platform(void **state)
{
	(void)state;
	fake_pv_boot();
	host_fwcfg();
	devices_init();
	fake_hv.io_count = 0;
	return 0;
}

/** The guest reads an fw_cfg item through the traditional interface. */
static void guest_fwcfg_read(uint16_t key, void *buf, size_t len)
{
	uint8_t *p = buf;

	guest_out(FWCFG_PORT_SEL, SVM_IOIO_SZ16, key);
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)guest_in(FWCFG_PORT_DATA, SVM_IOIO_SZ8);
}

static uint32_t be32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static void test_fwcfg_e820(void **state)
{
	struct e820 want[ARRAY_SIZE(host_e820)], got[ARRAY_SIZE(host_e820) + 1];

	(void)state;
	memcpy(want, host_e820, sizeof(want));
	want[3].len = FAKE_PV_BASE - 0x100000; /* without the paravisor */
	guest_fwcfg_read(0x21, got, sizeof(got));
	assert_memory_equal(got, want, sizeof(want));
	assert_int_equal(got[ARRAY_SIZE(want)].len, 0); /* past the end: 0 */
	assert_int_equal(fake_hv_io_in_range(FWCFG_PORT_DATA, FWCFG_PORT_DATA), 0);
}

/** OVMF without DMA reads items with REP INSB. */
static void test_fwcfg_e820_rep_ins(void **state)
{
	struct e820 want[ARRAY_SIZE(host_e820)];

	(void)state;
	memcpy(want, host_e820, sizeof(want));
	want[3].len = FAKE_PV_BASE - 0x100000;
	guest_out(FWCFG_PORT_SEL, SVM_IOIO_SZ16, 0x21);
	a->rdi = 0x10000;
	a->rcx = sizeof(want);
	io_exit(INFO(FWCFG_PORT_DATA, SVM_IOIO_SZ8) | SVM_IOIO_STR | SVM_IOIO_REP | SVM_IOIO_A32 |
		SVM_IOIO_TYPE_IN);
	assert_int_equal(a->rip, NRIP);
	assert_memory_equal(fake_mem(0x10000), want, sizeof(want));
}

static void test_fwcfg_directory(void **state)
{
	uint8_t dir[4 + 3 * FWCFG_FILE_ENTRY];

	(void)state;
	guest_fwcfg_read(FWCFG_KEY_FILE_DIR, dir, sizeof(dir));
	assert_int_equal(be32(dir), 3);
	assert_string_equal((char *)dir + 4 + 8, "bootorder");
	assert_int_equal(be32(dir + 4), sizeof(bootorder));
	assert_string_equal((char *)dir + 4 + 64 + 8, "etc/e820");
	assert_int_equal(be32(dir + 4 + 64), sizeof(host_e820));
	assert_int_equal(dir[4 + 64 + 5], 0x21);
	assert_string_equal((char *)dir + 4 + 128 + 8, "etc/table-loader");
}

/** Items the filter does not own come from the hypervisor's device. */
static void test_fwcfg_passthrough(void **state)
{
	char got[sizeof(bootorder)];
	uint8_t sig[4];

	(void)state;
	guest_fwcfg_read(0x20, got, sizeof(got));
	assert_memory_equal(got, bootorder, sizeof(bootorder));
	assert_int_equal(fake_hv_io_in_range(FWCFG_PORT_DATA, FWCFG_PORT_DATA), sizeof(got));
	guest_fwcfg_read(FWCFG_KEY_SIGNATURE, sig, 4);
	assert_memory_equal(sig, "QEMU", 4);
}

static void test_fwcfg_id_without_dma(void **state)
{
	uint8_t id[4];

	(void)state;
	assert_int_equal(fake_hv.fwcfg_id, 3);
	guest_fwcfg_read(FWCFG_KEY_ID, id, 4);
	assert_int_equal(id[0], 1);
	assert_int_equal(id[1] | id[2] | id[3], 0);
}

static void test_fwcfg_dma_hidden(void **state)
{
	(void)state;
	assert_int_equal(guest_in(FWCFG_PORT_DMA_HI, SVM_IOIO_SZ32), 0xFFFFFFFF);
	assert_int_equal(guest_in(FWCFG_PORT_DMA_LO, SVM_IOIO_SZ32), 0xFFFFFFFF);
	a->rax = 0x123456789ABCDEF0ULL;
	io_exit(INFO(FWCFG_PORT_DMA_LO + 2, SVM_IOIO_SZ16) | SVM_IOIO_TYPE_IN);
	assert_int_equal(a->rax, 0x123456789ABCFFFFULL);
	assert_int_equal(a->rip, NRIP);
	guest_out(FWCFG_PORT_DMA_HI, SVM_IOIO_SZ32, 0);
	guest_out(FWCFG_PORT_DMA_LO, SVM_IOIO_SZ32, 0x10000);
	guest_out(FWCFG_PORT_DMA_LO + 3, SVM_IOIO_SZ8, 0x10);
	a->rsi = 0x10000;
	a->rcx = 4;
	io_exit(INFO(FWCFG_PORT_DMA_LO, SVM_IOIO_SZ8) | STR_DS | SVM_IOIO_REP | SVM_IOIO_A32);
	assert_int_equal(a->rip, NRIP);
	assert_int_equal(fake_hv_io_in_range(FWCFG_PORT_DMA_HI, FWCFG_PORT_DMA_LO + 3), 0);
}

/** COM2 is the paravisor's log: the guest finds no UART there, cannot
 * write into the log, and nothing it does there reaches the hypervisor. */
static void test_log_uart_hidden(void **state)
{
	(void)state;
	for (uint16_t p = 0x2F8; p <= 0x2FF; p++)
		assert_int_equal(guest_in(p, SVM_IOIO_SZ8), 0xFF);
	assert_int_equal(guest_in(0x2FE, SVM_IOIO_SZ16), 0xFFFF);
	assert_int_equal(guest_in(0x2F6, SVM_IOIO_SZ32), 0xFFFFFFFF); /* straddles 0x2F8 */
	guest_out(0x2F8, SVM_IOIO_SZ8, 'X');
	guest_out(0x2FB, SVM_IOIO_SZ8, 0x80); /* LCR: DLAB */
	memcpy(fake_mem(0x10000), "pv: forged\n", 11);
	a->rsi = 0x10000;
	a->rcx = 11;
	io_exit(INFO(0x2F8, SVM_IOIO_SZ8) | STR_DS | SVM_IOIO_REP | SVM_IOIO_A32);
	assert_int_equal(a->rip, NRIP);
	assert_int_equal(a->rcx, 0);
	assert_int_equal(fake_hv_io_in_range(0x2F8, 0x2FF), 0);
	/* the neighbours are the hypervisor's */
	guest_out(0x2F7, SVM_IOIO_SZ8, 1);
	guest_out(0x300, SVM_IOIO_SZ8, 1);
	assert_int_equal(fake_hv_io_in_range(0x2F7, 0x300), 2);
}

static uint8_t cmos_read(uint8_t index)
{
	guest_out(0x70, SVM_IOIO_SZ8, index);
	return (uint8_t)guest_in(0x71, SVM_IOIO_SZ8);
}

/** CMOS memory size: the guest's low RAM ends where the paravisor starts. */
static void test_cmos_low_ram(void **state)
{
	const uint64_t above16 = (FAKE_PV_BASE - (16ULL << 20)) >> 16;

	(void)state;
	memset(fake_hv.cmos, 0xAA, sizeof(fake_hv.cmos));
	fake_hv.cmos[0x0F] = 0x5A;
	assert_int_equal(cmos_read(0x34), above16 & 0xFF);
	assert_int_equal(cmos_read(0x35), above16 >> 8);
	assert_int_equal(cmos_read(0x80 | 0x34), above16 & 0xFF); /* NMI disable bit */
	assert_int_equal(cmos_read(0x30), 0xFF);		  /* capped at 0xFFFF KiB */
	assert_int_equal(cmos_read(0x31), 0xFF);
	assert_int_equal(cmos_read(0x0F), 0x5A); /* not ours */
	assert_int_equal(fake_hv_io_in_range(0x71, 0x71), 1);
}

static void test_devices_init_bad_directory(void **state)
{
	static uint8_t dir[4 + FWCFG_FILE_ENTRY];

	(void)state;
	fake_pv_boot();
	dir[3] = 1;
	strcpy((char *)dir + 4 + 8, "etc/e821");
	fake_hv_fwcfg_add(FWCFG_KEY_FILE_DIR, NULL, dir, sizeof(dir));
	FAKE_EXPECT_TERM(PV_TERM_HV_ERROR, devices_init()); /* no etc/e820 */

	fake_pv_boot();
	dir[2] = 0x01; /* 257 files: more than fw_cfg may have */
	fake_hv_fwcfg_add(FWCFG_KEY_FILE_DIR, NULL, dir, sizeof(dir));
	FAKE_EXPECT_TERM(PV_TERM_HV_ERROR, devices_init());
	/* the vCPU count and the directory's count alone were read: nothing
	 * went past the paravisor's buffer */
	assert_int_equal(fake_hv_io_in_range(FWCFG_PORT_DATA, FWCFG_PORT_DATA), 2 + 4);
}

/** The vCPU count comes from fw_cfg: 1 to PV_MAX_VCPUS run, anything else
 * is refused at once with its reason. */
static void test_devices_init_vcpu_count(void **state)
{
	(void)state;
	fake_pv_boot();
	host_fwcfg();
	fake_hv.nb_cpus = 4;
	assert_int_equal(devices_init(), 4);
	fake_pv_boot();
	host_fwcfg();
	fake_hv.nb_cpus = PV_MAX_VCPUS + 1;
	FAKE_EXPECT_TERM(PV_TERM_BAD_CONFIG, devices_init());
	assert_non_null(strstr(fake_pv.term_msg, "9 vCPUs"));
	fake_pv_boot();
	host_fwcfg();
	fake_hv.nb_cpus = 0;
	FAKE_EXPECT_TERM(PV_TERM_BAD_CONFIG, devices_init());
}

/** The guest's ACPI power-off: the PM base its firmware programmed through
 * 0xCF8/0xCFC is learned, and the SLP_EN write to PM1a_CNT prints the exit
 * counts first, then goes to the hypervisor as every write does. */
static void test_acpi_poweroff_prints_counts(void **state)
{
	(void)state;
	guest_out(0x604, SVM_IOIO_SZ16, 0x2001); /* no PM base yet: nothing */
	assert_false(fake_pv_log_has("ACPI sleep"));
	guest_out(0xCF8, SVM_IOIO_SZ32, 0x8000F840); /* 00:1f.0 PMBASE */
	guest_out(0xCFC, SVM_IOIO_SZ32, 0x601);
	assert_true(fake_pv_log_has("guest ACPI PM base 0x600"));
	guest_out(0xCFC, SVM_IOIO_SZ32, 0x601); /* the same again: no new line */
	const char *first = strstr(fake_pv.log, "PM base");
	assert_null(strstr(first + 1, "PM base"));
	guest_out(0x604, SVM_IOIO_SZ16, 0x1401); /* SLP_TYP alone */
	assert_false(fake_pv_log_has("ACPI sleep"));
	assert_false(fake_pv_log_has("exits 0x7b"));
	guest_out(0x604, SVM_IOIO_SZ16, 0x3401);
	assert_true(fake_pv_log_has("guest enters ACPI sleep (SLP_TYP 5): counters follow"));
	assert_true(fake_pv_log_has("exits 0x7b (ioio): "));
	assert_true(fake_pv_log_has("exits by port 0x604 (ACPI PM block): "));
	assert_int_equal(last_io()->port, 0x604);
	assert_int_equal(last_io()->value, 0x3401);
	/* the PCI configuration writes reached the hypervisor (core/pci.c
	 * also reads the function's vendor ID for the virtio proxy) */
	assert_true(fake_hv_io_in_range(0xCF8, 0xCFF) >= 3);
	assert_int_equal(a->rip, NRIP);
}

/** A REP OUTSW to PM1a_CNT goes element by element past the watch. */
static void test_acpi_poweroff_rep_outs(void **state)
{
	(void)state;
	guest_out(0xCF8, SVM_IOIO_SZ32, 0x8000F840);
	guest_out(0xCFC, SVM_IOIO_SZ32, 0xB001);
	*(uint16_t *)fake_mem(0x10000) = 0x2000;
	a->rsi = 0x10000;
	a->rcx = 1;
	io_exit(INFO(0xB004, SVM_IOIO_SZ16) | STR_DS | SVM_IOIO_REP | SVM_IOIO_A32);
	assert_true(fake_pv_log_has("guest enters ACPI sleep (SLP_TYP 0)"));
	assert_int_equal(last_io()->port, 0xB004);
}

/* ---- the ACPI PM timer and the TPM range (platform/platform.c) ---------- */

#define PM_TSC_HZ (PM_TMR_HZ * 1000ULL) /* 1000 TSC ticks per timer tick */

static void set_pm_base(uint16_t base)
{
	guest_out(0xCF8, SVM_IOIO_SZ32, 0x8000F840); /* 00:1f.0 PMBASE */
	guest_out(0xCFC, SVM_IOIO_SZ32, base | 1u);
}

/** The first 32-bit read anchors the count with the device's, the next
 * come from the TSC: same rate, 24 bits, no read reaches the hypervisor. */
static void test_pm_timer_from_tsc(void **state)
{
	(void)state;
	pv_clock.tsc_hz = PM_TSC_HZ;
	const uint32_t first = 0x123456;
	guest_in(0x608, SVM_IOIO_SZ32); /* no PM base yet: the device's */
	assert_int_equal(last_io()->port, 0x608);
	set_pm_base(0x600);
	fake_hv.io_count = 0;
	fake_hv_script_in(&first, 1);
	assert_int_equal(guest_in(0x608, SVM_IOIO_SZ32), first);
	assert_int_equal(fake_hv_io_in_range(0x608, 0x60B), 1);

	fake_hv.now_tsc += 500 * 1000;
	uint32_t v = guest_in(0x608, SVM_IOIO_SZ32);
	assert_in_range(v - first, 500, 501);
	fake_hv.now_tsc += (PM_TMR_MASK + 1ULL) * 1000 + 7 * 1000; /* past a wrap */
	uint32_t w = guest_in(0x608, SVM_IOIO_SZ32);
	assert_true(w <= PM_TMR_MASK);
	assert_in_range((w - v) & PM_TMR_MASK, 7, 8);
	assert_int_equal(fake_hv_io_in_range(0x608, 0x60B), 1);
	assert_int_equal(a->rip, NRIP);

	guest_in(0x608, SVM_IOIO_SZ16); /* not the register's width: the device's */
	assert_int_equal(fake_hv_io_in_range(0x608, 0x60B), 2);

	set_pm_base(0xB000); /* moved: anchored again, at the new place */
	const uint32_t again = 0x42;
	fake_hv_script_in(&again, 1);
	assert_int_equal(guest_in(0xB008, SVM_IOIO_SZ32), again);
	assert_int_equal(last_io()->port, 0xB008);
	assert_int_equal(guest_in(0x608, SVM_IOIO_SZ32), fake_hv.in_default); /* old place */
}

/** A PM block that reads all ones is not decoded yet: no anchor, the
 * guest gets the device's answer until a count comes back. */
static void test_pm_timer_not_decoded(void **state)
{
	(void)state;
	pv_clock.tsc_hz = PM_TSC_HZ;
	set_pm_base(0x600);
	const uint32_t script[] = { 0xFFFFFFFF, 0xFFFFFFFF, 0x10 };
	fake_hv_script_in(script, ARRAY_SIZE(script));
	assert_int_equal(guest_in(0x608, SVM_IOIO_SZ32), 0xFFFFFFFF);
	assert_int_equal(guest_in(0x608, SVM_IOIO_SZ32), 0x10);
	unsigned int n = fake_hv_io_in_range(0x608, 0x60B);
	fake_hv.now_tsc += 3 * 1000;
	assert_in_range(guest_in(0x608, SVM_IOIO_SZ32), 0x13, 0x14);
	assert_int_equal(fake_hv_io_in_range(0x608, 0x60B), n);
}

/** No TPM behind 0xFED40000 (its ID registers read 0): the range reads all
 * ones and takes writes, without the hypervisor. */
static void test_tpm_absent(void **state)
{
	uint64_t v = 0;
	(void)state;
	fake_hv.mmio_count = 0;
	assert_true(devices_mmio(0xFED40000, 1, false, &v));
	assert_int_equal(v, 0xFF);
	assert_true(devices_mmio(0xFED44F00, 4, false, &v));
	assert_int_equal(v, 0xFFFFFFFF);
	assert_true(devices_mmio(0xFED40018, 8, false, &v));
	assert_int_equal(v, ~0ULL);
	v = 0x20;
	assert_true(devices_mmio(0xFED40000, 1, true, &v));
	assert_int_equal(fake_hv.mmio_count, 0);
	assert_false(devices_mmio(0xFED45000, 4, false, &v)); /* past locality 4 */
	assert_true(fake_pv_log_has("TPM at 0xfed40000: none"));
	char name[40];
	devices_mmio_label(0xFED40000, name, sizeof(name));
	assert_string_equal(name, "TPM, none");
	devices_mmio_label(0xFEC00000, name, sizeof(name));
	assert_string_equal(name, "I/O APIC");
	devices_mmio_label(0xC0000000, name, sizeof(name));
	assert_string_equal(name, "");
	devices_port_label(0x3FD, name, sizeof(name));
	assert_string_equal(name, "COM1 line status");
}

/** A TPM that answers its ID registers is the guest's to use. */
static void test_tpm_present(void **state)
{
	uint64_t v = 0;
	(void)state;
	fake_pv_boot();
	host_fwcfg();
	fake_hv.mmio_read_value = 0x00011014; /* DID_VID of QEMU's TIS TPM */
	devices_init();
	assert_false(devices_mmio(0xFED40000, 1, false, &v));
	assert_true(fake_pv_log_has("TPM at 0xfed40000: the host's"));
}

/** With ECAM decoded, a mechanism #1 access of the guest reaches the
 * hypervisor as one ECAM access to the same register (no 0xCF8 write). */
static void test_pci_cf8_through_ecam(void **state)
{
	(void)state;
	/* the guest enables a 256 MiB ECAM at 0xB0000000 (PCIEXBAR, 00:00.0
	 * 0x60); the paravisor reads it back through the ports: device ID,
	 * PCIEXBAR low, high */
	guest_out(0xCF8, SVM_IOIO_SZ32, 0x80000060);
	const uint32_t script[] = { 0x29C08086, 0xB0000001, 0 };
	fake_hv.in_default = 0;
	guest_out(0xCFC, SVM_IOIO_SZ32, 0xB0000001);
	fake_hv.io_count = 0;
	fake_hv_script_in(script, ARRAY_SIZE(script));
	guest_out(0xCFC, SVM_IOIO_SZ32, 0xB0000001);
	assert_true(fake_pv_log_has("PCI: ECAM on at 0xb0000000, 256 MiB"));

	fake_hv.io_count = 0;
	fake_hv.mmio_count = 0;
	fake_hv.mmio_read_value = 0x12345678;
	guest_out(0xCF8, SVM_IOIO_SZ32, 0x8001FA08); /* 01:1f.2, register 8 */
	assert_int_equal(guest_in(0xCFE, SVM_IOIO_SZ16), 0x5678);
	/* before it, the proxy reads the function's IDs once, also by ECAM */
	assert_int_equal(fake_hv.io_count, 0);
	assert_true(fake_hv.mmio_count >= 1);
	const struct fake_mmio *m = &fake_hv.mmio[fake_hv.mmio_count - 1];
	for (size_t i = 0; i < fake_hv.mmio_count; i++)
		assert_int_equal(fake_hv.mmio[i].gpa & ~0xFFFULL,
				 0xB0000000 + (1 << 20) + (0x1F << 15) + (2 << 12));
	assert_int_equal(m->gpa & 0xFFF, 0xA);
	assert_int_equal(m->size, 2);
	assert_false(m->write);
}

/** The console's polled transmit loop through the paravisor: one string
 * write per line instead of two hypervisor calls per byte; a partial line
 * goes out at the guest's next exit of another kind (here a HLT). */
static void test_console_batched(void **state)
{
	(void)state;
	fake_hv.in_default = 0x60;	      /* LSR: THRE, TEMT */
	guest_out(0x3FA, SVM_IOIO_SZ8, 0x07); /* FCR: FIFOs on, cleared */
	fake_hv.io_count = 0;
	fake_hv.string_out_len = 0;
	const char *text = "hello\n";
	for (const char *c = text; *c; c++) {
		assert_int_equal(guest_in(0x3FD, SVM_IOIO_SZ8) & 0x20, 0x20);
		guest_out(0x3F8, SVM_IOIO_SZ8, (uint8_t)*c);
	}
	assert_int_equal(fake_hv.string_out_len, 6);
	assert_memory_equal(fake_hv.string_out, text, 6);
	/* the first LSR read (before any byte), one before the batch, the batch */
	assert_int_equal(fake_hv_io_in_range(0x3F8, 0x3FF), 2 + 6);
	guest_in(0x3FD, SVM_IOIO_SZ8);
	guest_out(0x3F8, SVM_IOIO_SZ8, '>');
	assert_int_equal(fake_hv.string_out_len, 6);
	a->rip = FAKE_GUEST_RIP;
	vc_dispatch(fake_guest_exit(SVM_EXIT_HLT, 0, 0, 1));
	assert_int_equal(fake_hv.string_out_len, 7);
	assert_int_equal(fake_hv.string_out[6], '>');
	memcpy(fake_mem(0x10000), "ab\n", 3); /* a REP OUTSB goes through the batch */
	a->rsi = 0x10000;
	a->rcx = 3;
	size_t calls = fake_hv.exit_count;
	io_exit(INFO(0x3F8, SVM_IOIO_SZ8) | STR_DS | SVM_IOIO_REP | SVM_IOIO_A32);
	assert_int_equal(a->rcx, 0);
	assert_memory_equal(fake_hv.string_out + 7, "ab\n", 3);
	assert_int_equal(fake_hv.exit_count, calls + 2); /* LSR, then one string write */
	guest_out(0x3F8, SVM_IOIO_SZ8, '!');		 /* out before the power-off's counters */
	set_pm_base(0x600);
	guest_out(0x604, SVM_IOIO_SZ16, 0x2000);
	assert_int_equal(fake_hv.string_out[10], '!');
	assert_true(fake_pv_log_has("platform: COM1 bytes batched: 11"));
}

static void test_reset_prints_counts(void **state)
{
	(void)state;
	guest_out(0xCF9, SVM_IOIO_SZ8, 0x02);
	assert_false(fake_pv_log_has("resets"));
	guest_out(0xCF9, SVM_IOIO_SZ8, 0x06);
	assert_true(fake_pv_log_has("guest resets the platform (0x6 to port 0xcf9)"));
	assert_true(fake_pv_log_has("exits 0x7b (ioio): "));
	assert_int_equal(last_io()->port, 0xCF9);
}

/** A paravisor region inside a RAM range splits it: etc/e820 grows by an
 * entry, and the directory says so. */
static void test_fwcfg_e820_split(void **state)
{
	struct e820 got[ARRAY_SIZE(host_e820) + 1];
	uint8_t dir[4 + 3 * FWCFG_FILE_ENTRY];

	(void)state;
	fake_pv_boot();
	mm.pv_base = 0x40000000;
	mm.pv_end = 0x42000000;
	host_fwcfg();
	devices_init();
	guest_fwcfg_read(FWCFG_KEY_FILE_DIR, dir, sizeof(dir));
	assert_int_equal(be32(dir + 4 + 64), sizeof(got));
	guest_fwcfg_read(0x21, got, sizeof(got));
	assert_int_equal(got[3].addr, 0x100000);
	assert_int_equal(got[3].len, 0x40000000 - 0x100000);
	assert_int_equal(got[4].addr, 0x42000000);
	assert_int_equal(got[4].len, FAKE_RAM_END - 0x42000000);
	assert_int_equal(got[4].type, 1);
	assert_int_equal(got[5].addr, 0xFEFFC000);
}

/** A VM with RAM above 4 GiB: etc/e820 keeps it as it is (the paravisor
 * gave all of it to the guest), and CMOS 0x5B-0x5D say how much there is,
 * in 64 KiB units, while 0x34/0x35 still end at the paravisor. */
static void test_fwcfg_e820_high_ram(void **state)
{
	static const struct e820 high[] = {
		{ 0, 0x9FC00, 1 },
		{ 0x9FC00, 0x400, 2 },
		{ 0xF0000, 0x10000, 2 },
		{ 0x100000, FAKE_RAM_END - 0x100000, 1 },
		{ 0xFEFFC000, 0x4000, 2 },
		{ 0x100000000ULL, 0x7EA00000ULL, 1 },
		{ 0xFD00000000ULL, 0x300000000ULL, 2 },
	};
	struct e820 got[ARRAY_SIZE(high) + 1];
	const uint64_t above4g = 0x7EA00000ULL >> 16,
		       above16 = (FAKE_PV_BASE - (16ULL << 20)) >> 16;

	(void)state;
	fake_pv_boot();
	fake_pv_high_ram(0x17EA00000ULL);
	fake_hv_fwcfg_add(0x21, "etc/e820", high, sizeof(high));
	devices_init();
	guest_fwcfg_read(0x21, got, sizeof(got));
	assert_int_equal(got[3].len, FAKE_PV_BASE - 0x100000); /* without the paravisor */
	assert_memory_equal(&got[5], &high[5], 2 * sizeof(high[0]));
	assert_int_equal(got[ARRAY_SIZE(high)].len, 0);
	assert_int_equal(cmos_read(0x5B), above4g & 0xFF);
	assert_int_equal(cmos_read(0x5C), (above4g >> 8) & 0xFF);
	assert_int_equal(cmos_read(0x5D), above4g >> 16);
	assert_int_equal(cmos_read(0x34), above16 & 0xFF);
	assert_int_equal(cmos_read(0x35), above16 >> 8);
	assert_true(fake_pv_log_has("2026 MiB above 4 GiB"));
}

/** A hostile host's etc/e820: RAM over the paravisor's region up to
 * 3.5 GiB and 60 GiB above 4 GiB that the memory map does not have.  The
 * guest gets RAM only where the paravisor validated it, and a notice says
 * what was dropped (docs/threat-model.md). */
static void test_fwcfg_e820_hostile(void **state)
{
	static const struct e820 lies[] = {
		{ 0, 0x9FC00, 1 },
		{ 0x100000, 0xE0000000ULL - 0x100000, 1 },
		{ 0x100000000ULL, 60ULL << 30, 1 },
	};
	struct e820 got[4];

	(void)state;
	fake_pv_boot();
	fake_hv_fwcfg_add(0x21, "etc/e820", lies, sizeof(lies));
	devices_init();
	guest_fwcfg_read(0x21, got, sizeof(got));
	assert_int_equal(got[0].len, 0x9FC00);
	assert_int_equal(got[1].addr, 0x100000);
	assert_int_equal(got[1].len, FAKE_PV_BASE - 0x100000);
	assert_int_equal(got[2].len, 0); /* nothing else */
	assert_true(fake_pv_log_has("host e820: 2 entries or parts dropped"));
	assert_int_equal(cmos_read(0x5B), 0); /* no RAM above 4 GiB */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_out_sizes, fake_pv_setup),
		cmocka_unit_test_setup(test_out_discloses_only_the_operand, fake_pv_setup),
		cmocka_unit_test_setup(test_in_sizes, fake_pv_setup),
		cmocka_unit_test_setup(test_bad_size, fake_pv_setup),
		cmocka_unit_test_setup(test_in_without_valid_rax, fake_pv_setup),
		cmocka_unit_test_setup(test_rep_outs_paging_off, fake_pv_setup),
		cmocka_unit_test_setup(test_rep_ins_long_mode, fake_pv_setup),
		cmocka_unit_test_setup(test_ins_real_mode, fake_pv_setup),
		cmocka_unit_test_setup(test_outs_backwards, fake_pv_setup),
		cmocka_unit_test_setup(test_rep_count_zero_and_no_rep, fake_pv_setup),
		cmocka_unit_test_setup(test_outs_page_fault, fake_pv_setup),
		cmocka_unit_test_setup(test_ins_page_faults, fake_pv_setup),
		cmocka_unit_test_setup(test_ins_fault_loses_no_data, fake_pv_setup),
		cmocka_unit_test_setup(test_outs_segment_limit, fake_pv_setup),
		cmocka_unit_test_setup(test_string_io_outside_guest_ram, fake_pv_setup),
		cmocka_unit_test_setup(test_string_io_high_ram, fake_pv_setup),
		cmocka_unit_test_setup(test_fwcfg_e820, setup_platform),
		cmocka_unit_test_setup(test_fwcfg_e820_rep_ins, setup_platform),
		cmocka_unit_test_setup(test_fwcfg_directory, setup_platform),
		cmocka_unit_test_setup(test_fwcfg_passthrough, setup_platform),
		cmocka_unit_test_setup(test_fwcfg_id_without_dma, setup_platform),
		cmocka_unit_test_setup(test_fwcfg_dma_hidden, setup_platform),
		cmocka_unit_test_setup(test_log_uart_hidden, setup_platform),
		cmocka_unit_test_setup(test_cmos_low_ram, setup_platform),
		cmocka_unit_test_setup(test_acpi_poweroff_prints_counts, setup_platform),
		cmocka_unit_test_setup(test_acpi_poweroff_rep_outs, setup_platform),
		cmocka_unit_test_setup(test_reset_prints_counts, setup_platform),
		cmocka_unit_test_setup(test_pm_timer_from_tsc, setup_platform),
		cmocka_unit_test_setup(test_pm_timer_not_decoded, setup_platform),
		cmocka_unit_test_setup(test_tpm_absent, setup_platform),
		cmocka_unit_test_setup(test_pci_cf8_through_ecam, setup_platform),
		cmocka_unit_test_setup(test_console_batched, setup_platform),
		cmocka_unit_test_setup(test_tpm_present, fake_pv_setup),
		cmocka_unit_test_setup(test_devices_init_bad_directory, fake_pv_setup),
		cmocka_unit_test_setup(test_devices_init_vcpu_count, fake_pv_setup),
		cmocka_unit_test_setup(test_fwcfg_e820_split, fake_pv_setup),
		cmocka_unit_test_setup(test_fwcfg_e820_high_ram, fake_pv_setup),
		cmocka_unit_test_setup(test_fwcfg_e820_hostile, fake_pv_setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
