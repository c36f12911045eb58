/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: what the paravisor reads from the hypervisor to build
 * the guest's machine, and how the guest then sees it:
 *   - core/mm_layout.c: the launch memory map (IGVM_VHT_MEMORY_MAP
 *     entries, protocol/igvm.h) and the firmware info page;
 *   - platform/platform.c devices_init(): QEMU's fw_cfg device (QEMU
 *     docs/specs/fw_cfg.rst) as the hypervisor serves it: FW_CFG_NB_CPUS,
 *     the file directory (count, entries, names, sizes, selectors) and
 *     etc/e820 (the entries of ACPI 6.5 §15 "System Address Map
 *     Interfaces"), all from the input;
 *   - devices/fwcfg.c's filter and the guest's port accesses through
 *     devices_port_io(): fw_cfg selects and reads, CMOS, the ACPI PM block
 *     (PMBASE through the LPC bridge's configuration space, PM1 control
 *     writes: devices/acpi_pm.c).
 * Checked: the VM ends only with PV_TERM_BAD_CONFIG or PV_TERM_HV_ERROR,
 * never PV_TERM_BUG; an accepted layout puts the paravisor's region in RAM
 * below 4 GiB above the launch region, vTOM above all RAM; the etc/e820 the
 * guest reads (the first of that name, as OVMF's QemuFwCfgFindFile() takes)
 * has no RAM inside the paravisor's region and the size its directory says.
 *
 * Input: [0] flags, [1] vCPUs; then (flags bit 0) the memory map: [2] the
 * entry count, entries of 24 bytes, the firmware info (24 bytes); then the
 * fw_cfg directory's entry count [1 byte] and its entries (a name from a
 * list or the input), the host's etc/e820 bytes; then guest steps of 4
 * bytes.  Bytes run out as zeros.
 */
#include <setjmp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_hw.h"
#include "fake_pv.h"
#include "core/ghcb_call.h"
#include "core/mm.h"
#include "devices/fwcfg.h"
#include "platform/platform.h"

#include <igvm.h>
#include <paravisor_layout.h>

#include "fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define GIB	   (1ULL << 30)
#define MAX_FILES  12
#define E820_ENTRY 20
#define E820_RAM   1

static const uint8_t *in;
static size_t in_left;

static uint8_t take(void)
{
	if (!in_left)
		return 0;
	in_left--;
	return *in++;
}

static uint64_t take_n(unsigned int n)
{
	uint64_t v = 0;

	for (unsigned int i = 0; i < n; i++)
		v |= (uint64_t)take() << (8 * i);
	return v;
}

static void be_store(uint8_t *p, uint32_t v, unsigned int bytes)
{
	for (unsigned int i = 0; i < bytes; i++)
		p[i] = (uint8_t)(v >> (8 * (bytes - 1 - i)));
}

static uint32_t be_load(const uint8_t *p, unsigned int bytes)
{
	uint32_t v = 0;

	for (unsigned int i = 0; i < bytes; i++)
		v = v << 8 | p[i];
	return v;
}

/* ---- the launch memory map --------------------------------------------- */

/** Interesting page numbers: 0, 1 MiB, below and around 4 GiB, above. */
static uint64_t pick_page(void)
{
	static const uint64_t v[] = { 0,       0x100,	0x800,	  0x7E000,  0x80000,
				      0xC0000, 0xFFC00, 0x100000, 0x180000, 0x200000 };
	uint8_t b = take();

	return b < 2 * ARRAY_SIZE(v) ? v[b % ARRAY_SIZE(v)] + (take() & 7) : take_n(5);
}

static void fuzz_layout(void)
{
	struct igvm_memory_map_entry map[MM_MAX_RANGES + 2];
	struct pv_fw_info fw;
	struct mm_layout l;
	unsigned int n = take() % ARRAY_SIZE(map);
	uint64_t ram_end = 0;

	memset(map, 0, sizeof(map));
	for (unsigned int i = 0; i < n; i++) {
		map[i].start_gpa_page_number = pick_page();
		map[i].page_count = pick_page();
		map[i].entry_type = take() & 3 ? IGVM_MEMMAP_MEMORY : take();
	}
	fw = (struct pv_fw_info){ PV_FW_INFO_MAGIC, FAKE_FW_BASE, FAKE_FW_END - FAKE_FW_BASE };
	switch (take() & 3) {
	case 1:
		fw.fw_base = 4 * GIB - (take_n(3) << 12);
		fw.fw_size = 4 * GIB - fw.fw_base;
		break;
	case 2:
		fw.fw_base = take_n(8);
		fw.fw_size = take_n(8);
		fw.magic ^= take();
		break;
	default:
		break;
	}
	mm_layout_read(&l, map, ARRAY_SIZE(map), &fw, 1ULL << 46);
	if (getenv("FUZZ_VERBOSE")) {
		fprintf(stderr, "layout: pv %#lx-%#lx map_end %#lx vtom %#lx fw %#lx-%#lx\n",
			(unsigned long)l.pv_base, (unsigned long)l.pv_end, (unsigned long)l.map_end,
			(unsigned long)l.guest_vtom, (unsigned long)l.fw_base,
			(unsigned long)l.fw_end);
		for (unsigned int i = 0; i < l.ram_count; i++)
			fprintf(stderr, "  ram %#lx-%#lx\n", (unsigned long)l.ram[i].start,
				(unsigned long)l.ram[i].end);
	}
	/* accepted: the region in RAM below 4 GiB, above the launch */
	FUZZ_CHECK(l.ram_count <= MM_MAX_RANGES);
	FUZZ_CHECK(l.pv_end - l.pv_base == PV_RESERVE && l.pv_end <= 4 * GIB &&
		   l.pv_base >= PV_LAUNCH_END);
	bool inside = false;
	for (unsigned int i = 0; i < l.ram_count; i++) {
		FUZZ_CHECK(l.ram[i].start < l.ram[i].end);
		inside |= l.ram[i].start <= l.pv_base && l.pv_end <= l.ram[i].end;
		ram_end = MAX(ram_end, l.ram[i].end);
	}
	FUZZ_CHECK(inside);
	FUZZ_CHECK(l.map_end >= 4 * GIB && l.map_end >= ram_end && !(l.map_end % GIB));
	FUZZ_CHECK(l.guest_vtom >= ram_end && l.guest_vtom >= 4 * GIB);
	FUZZ_CHECK(l.fw_end == 4 * GIB && l.fw_base < l.fw_end);
}

/* ---- the hypervisor's fw_cfg -------------------------------------------- */

static uint8_t dir[4 + MAX_FILES * FWCFG_FILE_ENTRY];
static uint8_t host_e820[64 * E820_ENTRY];
static uint8_t blob[64];
static uint8_t cpus[2];

static void fuzz_fwcfg(uint8_t cpu_byte)
{
	static const char *const names[] = { "etc/e820",	"bootorder",  "etc/table-loader",
					     "etc/acpi/tables", "etc/e820\n", "etc/e82" };
	unsigned int n = take() % (MAX_FILES + 1), e820_bytes;
	uint32_t count = n;

	memset(dir, 0, sizeof(dir));
	if (take() == 0xFF) /* a count that lies */
		count = (uint32_t)take_n(4);
	be_store(dir, count, 4);
	for (unsigned int i = 0; i < n; i++) {
		uint8_t *e = dir + 4 + i * FWCFG_FILE_ENTRY;
		uint8_t b = take();

		be_store(e, b & 0x80 ? (uint32_t)take_n(4) : (b & 0x7F) * E820_ENTRY, 4);
		be_store(e + 4, 0x20 + take() % 6u, 2);
		if (b & 0x40)
			for (unsigned int j = 0; j < 56; j++)
				e[8 + j] = take();
		else
			strcpy((char *)e + 8, names[take() % ARRAY_SIZE(names)]);
	}
	e820_bytes = (take() % 65) * E820_ENTRY;
	for (unsigned int i = 0; i < e820_bytes; i += E820_ENTRY) {
		uint64_t addr = pick_page() << 12, len = pick_page() << 12;
		uint32_t type = take() & 1 ? E820_RAM : take();

		memcpy(host_e820 + i, &addr, 8);
		memcpy(host_e820 + i + 8, &len, 8);
		memcpy(host_e820 + i + 16, &type, 4);
	}
	for (unsigned int i = 0; i < sizeof(blob); i++)
		blob[i] = take();
	cpus[0] = cpu_byte;
	cpus[1] = cpu_byte > 0xF0 ? 1 : 0;
	fake_hv_fwcfg_add(FWCFG_KEY_FILE_DIR, NULL, dir, 4 + n * FWCFG_FILE_ENTRY);
	fake_hv_fwcfg_add(FWCFG_KEY_NB_CPUS, NULL, cpus, sizeof(cpus));
	for (uint16_t k = 0x20; k < 0x26; k++)
		fake_hv_fwcfg_add(k, NULL, k & 1 ? blob : host_e820,
				  k & 1 ? sizeof(blob) : e820_bytes);
}

/* ---- the guest ------------------------------------------------------------ */

static uint32_t guest_in(uint16_t port, unsigned int size)
{
	uint32_t v = 0;

	if (!devices_port_io(port, size, true, &v))
		FUZZ_CHECK(ghcb_ioio(port, size, true, &v, NULL) == GHCB_STATUS_OK);
	return v;
}

static void guest_out(uint16_t port, unsigned int size, uint32_t v)
{
	if (!devices_port_io(port, size, false, &v))
		FUZZ_CHECK(ghcb_ioio(port, size, false, &v, NULL) == GHCB_STATUS_OK);
}

static void guest_read_item(uint16_t key, uint8_t *buf, uint32_t len)
{
	guest_out(FWCFG_PORT_SEL, 2, key);
	for (uint32_t i = 0; i < len; i++)
		buf[i] = (uint8_t)guest_in(FWCFG_PORT_DATA, 1);
}

/** What OVMF does: the directory, the first etc/e820, its entries. */
static void guest_checks_e820(void)
{
	static uint8_t gdir[FWCFG_MAX_DIR];
	static uint8_t e820[FWCFG_MAX_E820 + E820_ENTRY];
	uint32_t count;

	guest_read_item(FWCFG_KEY_FILE_DIR, gdir, 4);
	count = be_load(gdir, 4);
	FUZZ_CHECK(4 + (uint64_t)count * FWCFG_FILE_ENTRY <= sizeof(gdir));
	guest_read_item(FWCFG_KEY_FILE_DIR, gdir, 4 + count * FWCFG_FILE_ENTRY);
	for (uint32_t i = 0; i < count; i++) {
		const uint8_t *e = gdir + 4 + i * FWCFG_FILE_ENTRY;
		uint32_t len = be_load(e, 4);

		if (strncmp((const char *)e + 8, "etc/e820", 56))
			continue;
		FUZZ_CHECK(len % E820_ENTRY == 0 && len <= FWCFG_MAX_E820);
		guest_read_item((uint16_t)be_load(e + 4, 2), e820, len + E820_ENTRY);
		for (uint32_t o = 0; o < len; o += E820_ENTRY) {
			uint64_t addr, l;
			uint32_t type;

			memcpy(&addr, e820 + o, 8);
			memcpy(&l, e820 + o + 8, 8);
			memcpy(&type, e820 + o + 16, 4);
			if (type == E820_RAM && l)
				FUZZ_CHECK(addr + l <= mm.pv_base || addr >= mm.pv_end);
		}
		for (uint32_t o = len; o < len + E820_ENTRY; o++)
			FUZZ_CHECK(e820[o] == 0); /* past the item: nothing */
		return;
	}
}

static void guest_step(const uint8_t *s)
{
	uint32_t v = (uint32_t)s[2] << 8 | s[3];

	switch (s[0] % 8) {
	case 0:
		guest_out(FWCFG_PORT_SEL, 2,
			  s[1] & 1 ? FWCFG_KEY_FILE_DIR : 0x20 + (s[1] >> 1) % 6u);
		break;
	case 1:
		(void)guest_in(FWCFG_PORT_DATA, 1u << (s[1] % 3));
		break;
	case 2:
		(void)devices_port_bulk(FWCFG_PORT_DATA, 1, true, 1 + s[1]);
		break;
	case 3: /* CMOS: index, then data */
		guest_out(0x70, 1, s[1]);
		(void)guest_in(0x71, 1);
		break;
	case 4: /* PMBASE and ACPI enable in the LPC bridge (00:1f.0) */
		guest_out(0xCF8, 4, 0x8000F800u | (s[1] & 1 ? 0x40 : 0x44));
		guest_out(0xCFC, 4, s[1] & 1 ? (v & 0xFF80) | 1 : 0x80);
		break;
	case 5: /* a write to the PM block: PM1 control, any value */
		guest_out((uint16_t)(0x600 + (s[1] & 0xF)), 1u << (s[2] % 3), v);
		break;
	case 6:
		guest_out(0xCF9, 1, s[1]);
		break;
	default:
		(void)guest_in((uint16_t)(0x500 + s[1]), 1u << (s[2] % 3));
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint64_t touched[] = { FAKE_GUEST_RIP, PV_EARLY_GHCB_GPA };
	static jmp_buf jb;
	static uint8_t flags;

	in = data;
	in_left = size;
	flags = take();
	fake_pv_reset_quick(touched, ARRAY_SIZE(touched));
	fake_hv_reset_quick();
	fake_guest_reset();
	fake_hv.no_records = true;
	fake_hv.in_default = 0xFFFFFFFF; /* no PCI device, nothing on other ports */
	fake_pv.catcher = &jb;
	if (setjmp(jb)) {
		if (getenv("FUZZ_VERBOSE")) /* triage */
			fprintf(stderr, "terminated %u: %s\n", fake_pv.term_code, fake_pv.term_msg);
		FUZZ_CHECK(fake_pv.terminated);
		FUZZ_CHECK(fake_pv.term_code == PV_TERM_BAD_CONFIG ||
			   fake_pv.term_code == PV_TERM_HV_ERROR);
		fake_pv.catcher = NULL;
		return 0;
	}
	ghcb_init_early();
	ghcb_init();
	if (flags & 1)
		fuzz_layout();
	fuzz_fwcfg(take());
	devices_init();
	guest_checks_e820();
	while (in_left >= 4) {
		uint8_t s[4] = { take(), take(), take(), take() };

		guest_step(s);
	}
	guest_checks_e820();
	if (getenv("FUZZ_VERBOSE"))
		fprintf(stderr, "%.*s", (int)fake_pv.log_len, fake_pv.log);
	fake_pv.catcher = NULL;
	return 0;
}
