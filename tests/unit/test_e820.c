/* SPDX-License-Identifier: MIT */
/*
 * devices/e820.c: the guest's e820 from the host's, checked against the
 * RAM the paravisor validated (a hostile host's fw_cfg etc/e820 claims RAM
 * over the paravisor's region or past the VM's memory).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "devices/e820.h"

#define MIB (1ULL << 20)
#define GIB (1ULL << 30)

/* QEMU's map for 1 GiB of RAM, and the IGVM memory map that goes with it:
 * [0, 1 GiB) validated, the paravisor at [928 MiB, 960 MiB). */
static const struct e820_range ram[] = { { 0, GIB } };
#define PV_BASE (928 * MIB)
#define PV_END	(960 * MIB)

static unsigned int clip(const struct e820_entry *host, unsigned int n, struct e820_entry *out,
			 unsigned int max, struct e820_clip_report *rep)
{
	return e820_clip(host, n, ram, 1, PV_BASE, PV_END, out, max, rep);
}

static void expect(const struct e820_entry *e, uint64_t addr, uint64_t len, uint32_t type)
{
	assert_int_equal(e->addr, addr);
	assert_int_equal(e->len, len);
	assert_int_equal(e->type, type);
}

/** An honest map: the paravisor's region cut out of RAM, nothing dropped. */
static void test_honest_map(void **state)
{
	(void)state;
	const struct e820_entry host[] = { { 0, GIB, E820_RAM }, { 0xFEFFC000, 0x4000, 2 } };
	struct e820_entry out[8];
	struct e820_clip_report rep;
	assert_int_equal(clip(host, 2, out, 8, &rep), 3);
	expect(&out[0], 0, PV_BASE, E820_RAM);
	expect(&out[1], PV_END, GIB - PV_END, E820_RAM);
	expect(&out[2], 0xFEFFC000, 0x4000, 2);
	assert_int_equal(rep.dropped, 0);
}

/** RAM over low memory up to 3.5 GiB and from 4 to 64 GiB (snpemu's
 * hostile=e820-overlap): only the validated gigabyte stays, the paravisor's
 * region still cut out; the rest is reported. */
static void test_overlap_clipped(void **state)
{
	(void)state;
	const struct e820_entry host[] = { { MIB, 3584 * MIB - MIB, E820_RAM },
					   { 4 * GIB, 60 * GIB, E820_RAM } };
	struct e820_entry out[8];
	struct e820_clip_report rep;
	assert_int_equal(clip(host, 2, out, 8, &rep), 2);
	expect(&out[0], MIB, PV_BASE - MIB, E820_RAM);
	expect(&out[1], PV_END, GIB - PV_END, E820_RAM);
	assert_int_equal(rep.dropped, 2);
	assert_int_equal(rep.dropped_bytes, (3584 * MIB - GIB) + 60 * GIB);
	assert_int_equal(rep.first_dropped, PV_END);
}

/** A reserved entry over the paravisor's region loses that part only;
 * empty and wrapping entries are dropped. */
static void test_reserved_and_malformed(void **state)
{
	(void)state;
	const struct e820_entry host[] = { { 900 * MIB, 100 * MIB, 2 },
					   { 5 * MIB, 0, E820_RAM },
					   { ~0ULL - 10, 100, E820_RAM } };
	struct e820_entry out[8];
	struct e820_clip_report rep;
	assert_int_equal(clip(host, 3, out, 8, &rep), 2);
	expect(&out[0], 900 * MIB, PV_BASE - 900 * MIB, 2);
	expect(&out[1], PV_END, 1000 * MIB - PV_END, 2);
	assert_int_equal(rep.dropped, 2);
}

/** Overlapping and duplicate RAM entries come out merged, sorted, none
 * overlapping another (firmware adds each RAM entry as memory: twice the
 * same bytes would be two owners of one page). */
static void test_overlaps_merged(void **state)
{
	(void)state;
	const struct e820_entry host[] = { { 512 * MIB, 512 * MIB, E820_RAM },
					   { 0, 600 * MIB, E820_RAM },
					   { 0, 600 * MIB, E820_RAM } };
	struct e820_entry out[8];
	struct e820_clip_report rep;
	assert_int_equal(clip(host, 3, out, 8, &rep), 2);
	expect(&out[0], 0, PV_BASE, E820_RAM);
	expect(&out[1], PV_END, GIB - PV_END, E820_RAM);
	assert_int_equal(rep.dropped, 0);
}

/** RAM with a gap between two entries keeps the gap. */
static void test_gap_kept(void **state)
{
	(void)state;
	const struct e820_entry host[] = { { 0, 0x9FC00, E820_RAM }, { MIB, 100 * MIB, E820_RAM } };
	struct e820_entry out[8];
	struct e820_clip_report rep;
	assert_int_equal(clip(host, 2, out, 8, &rep), 2);
	expect(&out[0], 0, 0x9FC00, E820_RAM);
	expect(&out[1], MIB, 100 * MIB, E820_RAM);
}

/** The result is in address order whatever the host's order. */
static void test_sorted(void **state)
{
	(void)state;
	const struct e820_entry host[] = { { 0xFEFFC000, 0x4000, 2 },
					   { MIB, 100 * MIB, E820_RAM },
					   { 0x9FC00, 0x400, 2 },
					   { 0, 0x9FC00, E820_RAM } };
	struct e820_entry out[8];
	struct e820_clip_report rep;
	assert_int_equal(clip(host, 4, out, 8, &rep), 4);
	expect(&out[0], 0, 0x9FC00, E820_RAM);
	expect(&out[1], 0x9FC00, 0x400, 2);
	expect(&out[2], MIB, 100 * MIB, E820_RAM);
	expect(&out[3], 0xFEFFC000, 0x4000, 2);
}

/** More pieces than the guest's table holds: the rest is dropped, counted. */
static void test_full_table(void **state)
{
	(void)state;
	const struct e820_entry host[] = { { 0, GIB, E820_RAM }, { 0xFEC00000, 0x1000, 2 } };
	struct e820_entry out[2];
	struct e820_clip_report rep;
	assert_int_equal(clip(host, 2, out, 2, &rep), 2);
	assert_int_equal(rep.dropped, 1);
	assert_int_equal(rep.first_dropped, 0xFEC00000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_honest_map),
		cmocka_unit_test(test_overlap_clipped),
		cmocka_unit_test(test_reserved_and_malformed),
		cmocka_unit_test(test_overlaps_merged),
		cmocka_unit_test(test_gap_kept),
		cmocka_unit_test(test_sorted),
		cmocka_unit_test(test_full_table),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
