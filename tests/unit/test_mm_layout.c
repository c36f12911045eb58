/* SPDX-License-Identifier: MIT */
/*
 * The memory layout from the launch (core/mm_layout.c): guest RAM below
 * and above 4 GiB from the IGVM memory map, the paravisor's region at the
 * top of low RAM whatever lies above 4 GiB, the end of the private 1:1 map
 * and VMPL1's vTOM above all guest memory (pv_guest_vtom()); and what is
 * refused.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "fake_pv.h"

#include <igvm.h>
#include <paravisor_layout.h>

#define GIB	    (1ULL << 30)
#define MIB	    (1ULL << 20)
#define MAP_LIMIT   (512 * GIB)
#define FW_SIZE	    (4 * MIB)
#define MAX_ENTRIES 8

static struct igvm_memory_map_entry map[MAX_ENTRIES];
static unsigned int map_count;
static struct pv_fw_info fw;
static struct mm_layout l;

static void add(uint64_t start, uint64_t end, uint16_t type)
{
	map[map_count++] = (struct igvm_memory_map_entry){
		.start_gpa_page_number = start >> 12,
		.page_count = (end - start) >> 12,
		.entry_type = type,
	};
}

static int setup(void **state)
{
	(void)state;
	fake_pv_reset();
	memset(map, 0, sizeof(map));
	map_count = 0;
	fw = (struct pv_fw_info){ PV_FW_INFO_MAGIC, 4 * GIB - FW_SIZE, FW_SIZE };
	memset(&l, 0xA5, sizeof(l)); /* everything must be written */
	return 0;
}

static void read_layout(void)
{
	mm_layout_read(&l, map, MAX_ENTRIES, &fw, MAP_LIMIT);
}

static void test_vtom_rule(void **state)
{
	(void)state;
	assert_int_equal(pv_guest_vtom(0), 4 * GIB); /* the firmware at the top of 4 GiB */
	assert_int_equal(pv_guest_vtom(0x3C000000), 4 * GIB);
	assert_int_equal(pv_guest_vtom(4 * GIB), 4 * GIB);
	assert_int_equal(pv_guest_vtom(6 * GIB), 6 * GIB);
	assert_int_equal(pv_guest_vtom(6 * GIB + 4096), 6 * GIB + 2 * MIB); /* 2 MiB aligned */
	assert_int_equal(pv_guest_vtom(0x27EA00000ULL), 0x27EA00000ULL);
}

/** What snpemu gives a 1 GiB VM: low RAM only, as before. */
static void test_low_ram_only(void **state)
{
	(void)state;
	add(0, 0x3C000000, IGVM_MEMMAP_MEMORY);
	read_layout();
	assert_int_equal(l.ram_count, 1);
	assert_int_equal(l.pv_end, 0x3C000000);
	assert_int_equal(l.pv_base, 0x3C000000 - PV_RESERVE);
	assert_int_equal(l.fw_base, 4 * GIB - FW_SIZE);
	assert_int_equal(l.fw_end, 4 * GIB);
	assert_int_equal(l.map_end, 4 * GIB);
	assert_int_equal(l.guest_vtom, 4 * GIB);
}

/** QEMU's q35 with 8 GiB: 2 GiB below 4 GiB, the rest from 4 GiB (snpemu
 * keeps the top of both).  The region stays at the top of low RAM; the map
 * and vTOM cover the high RAM. */
static void test_high_ram(void **state)
{
	(void)state;
	add(0, 0x7C000000, IGVM_MEMMAP_MEMORY);
	add(4 * GIB, 0x27EA00000ULL, IGVM_MEMMAP_MEMORY);
	read_layout();
	assert_int_equal(l.ram_count, 2);
	assert_int_equal(l.ram[1].start, 4 * GIB);
	assert_int_equal(l.ram[1].end, 0x27EA00000ULL);
	assert_int_equal(l.pv_end, 0x7C000000);
	assert_int_equal(l.pv_base, 0x7C000000 - PV_RESERVE);
	assert_int_equal(l.map_end, 10 * GIB);
	assert_int_equal(l.guest_vtom, 0x27EA00000ULL);
}

/** The map's order does not matter, nor do entries that are not RAM; the
 * region is in the highest range that starts below 4 GiB. */
static void test_order_and_other_entries(void **state)
{
	(void)state;
	add(4 * GIB, 6 * GIB + 4096, IGVM_MEMMAP_MEMORY);
	add(0xFEFFC000, 0xFF000000, IGVM_MEMMAP_MEMORY + 1);
	add(0, 0x9F000, IGVM_MEMMAP_MEMORY);
	add(0x100000, 0x7C000000, IGVM_MEMMAP_MEMORY);
	read_layout();
	assert_int_equal(l.ram_count, 3);
	assert_int_equal(l.pv_end, 0x7C000000);
	assert_int_equal(l.map_end, 7 * GIB);
	assert_int_equal(l.guest_vtom, 6 * GIB + 2 * MIB);
}

static void test_refused(void **state)
{
	(void)state;
	/* RAM only above 4 GiB: no place for the paravisor */
	add(4 * GIB, 6 * GIB, IGVM_MEMMAP_MEMORY);
	FAKE_EXPECT_TERM(PV_TERM_BAD_CONFIG, read_layout());
	assert_non_null(strstr(fake_pv.term_msg, "no RAM below 4 GiB"));

	/* RAM beyond what the paravisor maps (the C-bit, its PML4 entry) */
	setup(NULL);
	add(0, 0x7C000000, IGVM_MEMMAP_MEMORY);
	add(4 * GIB, MAP_LIMIT + 2 * MIB, IGVM_MEMMAP_MEMORY);
	FAKE_EXPECT_TERM(PV_TERM_BAD_CONFIG, read_layout());
	assert_non_null(strstr(fake_pv.term_msg, "not supported"));

	/* a page count that wraps the address */
	setup(NULL);
	add(0, 0x7C000000, IGVM_MEMMAP_MEMORY);
	map[map_count++] = (struct igvm_memory_map_entry){ 4 * GIB >> 12, ~0ULL >> 10, 0, 0, 0 };
	FAKE_EXPECT_TERM(PV_TERM_BAD_CONFIG, read_layout());

	/* too little low RAM for the region */
	setup(NULL);
	add(0, 0x1000000, IGVM_MEMMAP_MEMORY);
	add(4 * GIB, 8 * GIB, IGVM_MEMMAP_MEMORY);
	FAKE_EXPECT_TERM(PV_TERM_BAD_CONFIG, read_layout());
	assert_non_null(strstr(fake_pv.term_msg, "not enough RAM"));

	/* firmware that does not end at 4 GiB */
	setup(NULL);
	add(0, 0x7C000000, IGVM_MEMMAP_MEMORY);
	fw.fw_base -= 4096;
	FAKE_EXPECT_TERM(PV_TERM_BAD_CONFIG, read_layout());
	assert_non_null(strstr(fake_pv.term_msg, "firmware info"));

	/* no firmware at all: base 4 GiB, size 0 (found by tests/fuzz/fuzz_fwcfg,
	 * corpus/fwcfg/firmware_size_0) */
	setup(NULL);
	add(0, 0x7C000000, IGVM_MEMMAP_MEMORY);
	fw.fw_base = 4 * GIB;
	fw.fw_size = 0;
	FAKE_EXPECT_TERM(PV_TERM_BAD_CONFIG, read_layout());
	assert_non_null(strstr(fake_pv.term_msg, "firmware info"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_vtom_rule, setup),
		cmocka_unit_test_setup(test_low_ram_only, setup),
		cmocka_unit_test_setup(test_high_ram, setup),
		cmocka_unit_test_setup(test_order_and_other_entries, setup),
		cmocka_unit_test_setup(test_refused, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
