/* SPDX-License-Identifier: MIT */
/*
 * vc/cpuid.c: CPUID from the validated CPUID page only, filtered for an
 * SNP-unaware guest.  cpuid_page_init() reads the launch
 * page at PV_CPUID_GPA through the boot's 1:1 map, so the test maps a host
 * page at that very address.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <sys/mman.h>
#include <cmocka.h>

#include "fake_hw.h"
#include "fake_pv.h"

#include <cpuid_page.h>
#include <paravisor_layout.h>
#include <sev.h>
#include <svm.h>

#define APIC_ID 3

static struct snp_cpuid_page *launch_page;

static const struct snp_cpuid_fn entries[] = {
	{ .eax_in = 0, .eax = 0x10, .ebx = 0x68747541 },
	{ .eax_in = 1, .eax = 0x00A00F11, .ebx = 0x5A020800, .ecx = 0x7ED8320B, .edx = 0x178BFBFF },
	/* EBX with PQM and PQE (bits 12, 15), ECX with OSPKE and RDPID (bit 22) */
	{ .eax_in = 7, .ecx_in = 0, .eax = 1, .ebx = 0x219C91A9, .ecx = 0x00400010 },
	{ .eax_in = 7, .ecx_in = 1, .eax = 0x11 },
	{ .eax_in = 0xB, .ecx_in = 0, .eax = 1, .ebx = 2, .ecx = 0x100, .edx = 0x77 },
	{ .eax_in = 0xB, .ecx_in = 1, .eax = 4, .ebx = 4, .ecx = 0x201, .edx = 0x77 },
	{ .eax_in = 0x1F, .ecx_in = 0, .eax = 1, .ebx = 2, .ecx = 0x100, .edx = 0x77 },
	{ .eax_in = 0x80000001, .ecx = 0x00C003F1 }, /* PerfCtrExtCore, ExtApicSpace set */
	{ .eax_in = 0x80000008, .eax = 0x3030, .ecx = 0x7 },
	{ .eax_in = 0x8000000A, .eax = 1, .ebx = 0x8000, .edx = 0x1BFBCFF }, /* SVM */
	{ .eax_in = 0xA, .eax = 0x07300403 },				     /* a PMU */
	{ .eax_in = 0x8000001E, .eax = 0x55, .ebx = 0x0100 },
	/* XSAVE: EBX of sub-leaves 0/1 is stale launch data, to be recomputed */
	{ .eax_in = 0xD, .ecx_in = 0, .eax = 0x207, .ebx = 0x1111, .ecx = 0xA88 },
	{ .eax_in = 0xD, .ecx_in = 1, .eax = 0xF, .ebx = 0x2222, .ecx = 0x800 },
	{ .eax_in = 0xD, .ecx_in = 2, .eax = 256, .ebx = 576 }, /* AVX */
	{ .eax_in = 0xD, .ecx_in = 9, .eax = 8, .ebx = 2688 },	/* PKRU */
	{ .eax_in = 0xD, .ecx_in = 11, .eax = 16, .ecx = 3 },	/* CET_U: XSS, 64-aligned */
	{ .eax_in = CPUID_LEAF_SEV, .eax = 0x1007B, .ebx = 0x33 },
	{ .eax_in = 0x40000000, .eax = 0x40000001, .ebx = 0x4B4D564B },
	{ .eax_in = 0x40000001, .eax = 0x01007AFB },
	{ .eax_in = 0x400000FF, .eax = 5 },
};

static void map_launch_page(void)
{
	if (launch_page)
		return;
	void *p = mmap((void *)PV_CPUID_GPA, PAGE_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (p != (void *)PV_CPUID_GPA)
		fail_msg("cannot map the CPUID page at host address %#llx", PV_CPUID_GPA);
	launch_page = p;
}

static void fill_page(uint32_t count)
{
	memset(launch_page, 0, sizeof(*launch_page));
	memcpy(launch_page->fn, entries, sizeof(entries));
	launch_page->count = count;
}

static int setup(void **state)
{
	(void)state;
	map_launch_page();
	fake_pv_boot();
	fake_guest.vcpu.apic_id = APIC_ID;
	fake_guest.vcpu.index = 1;
	fill_page(ARRAY_SIZE(entries));
	cpuid_page_init();
	return 0;
}

/** CPUID through the dispatcher, as the guest would execute it. */
static void cpuid(uint64_t rax, uint64_t rcx, uint32_t r[4])
{
	struct sev_vmsa *a = &fake_guest.vmsa;
	size_t exits = fake_hv.exit_count, requests = fake_hv.msr_request_count;

	a->rip = FAKE_GUEST_RIP;
	a->rax = rax;
	a->rcx = rcx;
	a->rbx = a->rdx = ~0ULL;
	vc_dispatch(fake_guest_exit(SVM_EXIT_CPUID, 0, 0, 2));
	assert_int_equal(a->rip, FAKE_GUEST_RIP + 2);
	assert_int_equal(a->event_inj, 0);
	assert_true(a->rax <= 0xFFFFFFFF && a->rbx <= 0xFFFFFFFF);
	assert_true(a->rcx <= 0xFFFFFFFF && a->rdx <= 0xFFFFFFFF);
	/* never from the hypervisor: the CPUID page is the one the PSP checked */
	assert_int_equal(fake_hv.exit_count, exits);
	assert_int_equal(fake_hv.msr_request_count, requests);
	r[0] = (uint32_t)a->rax;
	r[1] = (uint32_t)a->rbx;
	r[2] = (uint32_t)a->rcx;
	r[3] = (uint32_t)a->rdx;
}

static void assert_regs(const uint32_t r[4], uint32_t eax, uint32_t ebx, uint32_t ecx, uint32_t edx)
{
	assert_int_equal(r[0], eax);
	assert_int_equal(r[1], ebx);
	assert_int_equal(r[2], ecx);
	assert_int_equal(r[3], edx);
}

static void assert_leaves_zero(const uint32_t *leaves, size_t count)
{
	uint32_t r[4];

	for (size_t i = 0; i < count; i++) {
		cpuid(leaves[i], 0, r);
		assert_regs(r, 0, 0, 0, 0);
	}
}

static void test_sev_leaf_reads_zero(void **state)
{
	static const uint32_t leaves[] = { CPUID_LEAF_SEV };

	(void)state;
	assert_leaves_zero(leaves, ARRAY_SIZE(leaves));
}

/** The page's hypervisor leaves are the host's (here: KVM with steal
 * time, async PF, PV EOI...): the guest sees the paravisor's own kvmclock
 * interface instead (vc/kvmclock.c), never the host's features. */
static void test_hypervisor_leaves_are_the_paravisors(void **state)
{
	static const uint32_t leaves[] = { 0x40000002, 0x400000FF };
	uint32_t r[4];

	(void)state;
	cpuid(0x40000000, 0, r);
	assert_regs(r, 0x40000010, 0x4B4D564B, 0x564B4D56, 0x4D);
	cpuid(0x40000001, 0, r);
	assert_regs(r, (1u << 3) | (1u << 1) | (1u << 24), 0, 0, 0);
	assert_leaves_zero(leaves, ARRAY_SIZE(leaves));
}

static void test_leaf1_apic_id(void **state)
{
	uint32_t r[4];

	(void)state;
	cpuid(1, 0, r);
	/* ECX[31]: a hypervisor is there, whatever the page says; ECX[3]:
	 * no MONITOR/MWAIT; ECX[27] OSXSAVE: CR4.OSXSAVE is clear; ECX[21]: x2APIC
	 * offered */
	assert_regs(r, 0x00A00F11, ((uint32_t)APIC_ID << 24) | 0x020800, 0xF6F83203, 0x178BFBFF);
	assert_int_equal(cpuid_signature(), 0x00A00F11);
}

/** The allow-list: bits and leaves the paravisor does not know read as
 * zero, whatever the page holds: resource monitoring, RDPID, VMX, SVM
 * (leaf and bit), the PMU leaf; the known bits stay. */
static void test_allow_list(void **state)
{
	uint32_t r[4];

	(void)state;
	cpuid(7, 0, r);
	assert_regs(r, 1, 0x219C01A9, 0, 0); /* no PQM/PQE, no RDPID, OSPKE from CR4 (clear) */
	cpuid(7, 1, r);
	assert_regs(r, 0, 0, 0, 0);
	cpuid(0x8000000A, 0, r);
	assert_regs(r, 0, 0, 0, 0);
	cpuid(0xA, 0, r);
	assert_regs(r, 0, 0, 0, 0);
	cpuid(1, 0, r);
	assert_int_equal(r[2] & BIT(5), 0); /* VMX */
}

/** OSXSAVE and OSPKE follow the guest's CR4 at the time of the CPUID, as
 * on the CPU: the page's bits do not count. */
static void test_os_bits_follow_cr4(void **state)
{
	struct sev_vmsa *a = &fake_guest.vmsa;
	uint32_t r[4];

	(void)state;
	a->cr4 = BIT(18); /* OSXSAVE */
	cpuid(1, 0, r);
	assert_int_equal(r[2] & BIT(27), BIT(27));
	cpuid(7, 0, r);
	assert_int_equal(r[2] & BIT(4), 0);
	a->cr4 = BIT(22); /* PKE */
	cpuid(1, 0, r);
	assert_int_equal(r[2] & BIT(27), 0);
	cpuid(7, 0, r);
	assert_int_equal(r[2] & BIT(4), BIT(4));
	cpuid(7, 1, r); /* sub-leaf 1 has no OSPKE */
	assert_int_equal(r[2] & BIT(4), 0);
	a->cr4 = 0;
}

/** No PMU is offered (the legacy counters are write-sunk in vc/msr.c):
 * PerfCtrExtCore is off; the extended APIC ID is the vCPU's. */
static void test_amd_leaves(void **state)
{
	uint32_t r[4];

	(void)state;
	cpuid(0x80000001, 0, r);
	assert_int_equal(r[2] & (BIT(23) | BIT(3)), 0);
	assert_int_equal(r[2] & BIT(0), BIT(0)); /* LAHF/SAHF stays */
	cpuid(0x8000001E, 0, r);
	assert_int_equal(r[0], APIC_ID);
	assert_int_equal(r[1], 0x0100);
}

static void test_topology_leaves_apic_id(void **state)
{
	uint32_t r[4];

	(void)state;
	cpuid(0xB, 0, r);
	assert_regs(r, 1, 2, 0x100, APIC_ID);
	cpuid(0xB, 1, r);
	assert_regs(r, 4, 4, 0x201, APIC_ID);
	cpuid(0x1F, 0, r);
	assert_regs(r, 1, 2, 0x100, APIC_ID);
}

static void test_indexed_leaf_picks_subleaf(void **state)
{
	uint32_t r[4];

	(void)state;
	cpuid(0xB, 0, r);
	assert_regs(r, 1, 2, 0x100, APIC_ID);
	cpuid(0xB, 1, r);
	assert_regs(r, 4, 4, 0x201, APIC_ID);
	cpuid(0xB, 2, r); /* a sub-leaf the page does not have */
	assert_regs(r, 0, 0, 0, 0);
}

static void test_plain_leaf_ignores_ecx(void **state)
{
	uint32_t r[4];

	(void)state;
	cpuid(0x80000008, 9, r);
	assert_regs(r, 0x3030, 0, 7, 0);
}

/** The physical address width stops below the C-bit: a guest address
 * never sets it (under vTOM that would be #PF with RSV). */
static void test_phys_bits_below_cbit(void **state)
{
	uint32_t r[4];

	(void)state;
	fake_pv.cbit = 39;
	cpuid(0x80000008, 0, r);
	assert_regs(r, 0x3027, 0, 7, 0);
	fake_pv.cbit = 51; /* already below: unchanged */
	cpuid(0x80000008, 0, r);
	assert_regs(r, 0x3030, 0, 7, 0);
}

static void test_unknown_leaf_reads_zero(void **state)
{
	static const uint32_t leaves[] = { 5, 0x80000099, 0xC0000000, 0x3FFFFFFF };

	(void)state;
	assert_leaves_zero(leaves, ARRAY_SIZE(leaves));
}

/** EAX/ECX are 32-bit inputs; the outputs zero-extend into RAX..RDX. */
static void test_upper_halves(void **state)
{
	uint32_t r[4];

	(void)state;
	cpuid(0xFFFFFFFF00000001ULL, 0, r);
	assert_int_equal(r[0], 0x00A00F11);
	cpuid(0xB, 0xABCD000000000001ULL, r);
	assert_int_equal(r[0], 4);
}

/**
 * Leaf 0xD: EBX of sub-leaf 0 is the standard-format size for XCR0, of
 * sub-leaf 1 the compacted size for XCR0 | XSS (APM vol. 3, CPUID Fn0000_000D),
 * recomputed from the components' sub-leaves on every read.
 */
static void test_xsave_sizes_follow_xcr0(void **state)
{
	struct sev_vmsa *a = &fake_guest.vmsa;
	uint32_t r[4];

	(void)state;
	a->xcr0 = 0x3;
	a->xss = 0;
	cpuid(0xD, 0, r);
	assert_regs(r, 0x207, 576, 0xA88, 0);
	a->xcr0 = 0x7;
	cpuid(0xD, 0, r);
	assert_int_equal(r[1], 576 + 256);
	a->xcr0 = 0x207;
	cpuid(0xD, 0, r);
	assert_int_equal(r[1], 2688 + 8);
	a->xss = 0x800;
	cpuid(0xD, 1, r); /* 576 + 256 + 8, aligned to 896, + 16 */
	assert_regs(r, 0xF, 912, 0x800, 0);
	cpuid(0xD, 2, r);
	assert_regs(r, 256, 576, 0, 0);
}

/** The paravisor keeps its own copy: the launch page is wiped later
 * (mm_give_guest_memory) and the guest may write it. */
static void test_private_copy(void **state)
{
	uint32_t r[4];

	(void)state;
	memset(launch_page, 0xFF, sizeof(*launch_page));
	cpuid(1, 0, r);
	assert_int_equal(r[0], 0x00A00F11);
}

static void test_malformed_page(void **state)
{
	(void)state;
	fill_page(0);
	FAKE_EXPECT_TERM(PV_TERM_BAD_LAUNCH_PAGE, cpuid_page_init());
	fill_page(SNP_CPUID_MAX_COUNT + 1);
	FAKE_EXPECT_TERM(PV_TERM_BAD_LAUNCH_PAGE, cpuid_page_init());
	fill_page(0xFFFFFFFF);
	FAKE_EXPECT_TERM(PV_TERM_BAD_LAUNCH_PAGE, cpuid_page_init());
	fill_page(SNP_CPUID_MAX_COUNT);
	fake_pv.terminated = false;
	cpuid_page_init(); /* a termination would fail the test */
	uint32_t r[4];
	cpuid(0xB, 1, r);
	assert_regs(r, 4, 4, 0x201, APIC_ID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_sev_leaf_reads_zero, setup),
		cmocka_unit_test_setup(test_hypervisor_leaves_are_the_paravisors, setup),
		cmocka_unit_test_setup(test_leaf1_apic_id, setup),
		cmocka_unit_test_setup(test_os_bits_follow_cr4, setup),
		cmocka_unit_test_setup(test_allow_list, setup),
		cmocka_unit_test_setup(test_amd_leaves, setup),
		cmocka_unit_test_setup(test_topology_leaves_apic_id, setup),
		cmocka_unit_test_setup(test_indexed_leaf_picks_subleaf, setup),
		cmocka_unit_test_setup(test_plain_leaf_ignores_ecx, setup),
		cmocka_unit_test_setup(test_phys_bits_below_cbit, setup),
		cmocka_unit_test_setup(test_unknown_leaf_reads_zero, setup),
		cmocka_unit_test_setup(test_upper_halves, setup),
		cmocka_unit_test_setup(test_xsave_sizes_follow_xcr0, setup),
		cmocka_unit_test_setup(test_private_copy, setup),
		cmocka_unit_test_setup(test_malformed_page, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
