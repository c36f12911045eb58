// SPDX-License-Identifier: MIT
/* The IGVM MEMORY_MAP parameter lists exactly the RAM of QEMU's fw_cfg
 * "etc/e820" (read through GHCB IOIO), and its total is below the RAM QEMU
 * was given (-m, fw_cfg key 0x03): the emulated platform keeps some for
 * itself (IGVM MEMORY_MAP parameter, type 0x30C; microsoft/igvm igvm_defs). */
#include <lib/string.h>

#include "igvm.h"
#include "rt.h"

/* QEMU fw_cfg, I/O port interface (docs/specs/fw_cfg.rst). */
#define FW_CFG_PORT_SEL	 0x510
#define FW_CFG_PORT_DATA 0x511
#define FW_CFG_RAM_SIZE	 0x03
#define FW_CFG_FILE_DIR	 0x19
#define FW_CFG_NAME_LEN	 56

#define E820_RAM   1
#define MAX_RANGES 32

struct range {
	uint64_t start, size;
};

static void fw_cfg_select(uint16_t key)
{
	CHECK(ghcb_ioio_out(FW_CFG_PORT_SEL, 2, key), "select 0x%x", key);
}

static void fw_cfg_read(void *buf, size_t len)
{
	uint8_t *p = buf;
	uint32_t v;
	size_t i;

	for (i = 0; i < len; i++) {
		v = 0;
		ghcb_ioio_in(FW_CFG_PORT_DATA, 1, &v);
		p[i] = (uint8_t)v;
	}
}

static uint32_t be32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

/** Selector and size of fw_cfg file @name; false if absent. */
static bool fw_cfg_find(const char *name, uint16_t *key, uint32_t *size)
{
	uint8_t hdr[4], ent[64];
	uint32_t count, i;

	fw_cfg_select(FW_CFG_FILE_DIR);
	fw_cfg_read(hdr, sizeof(hdr));
	count = be32(hdr);
	for (i = 0; i < count && i < 256; i++) {
		fw_cfg_read(ent, sizeof(ent));
		ent[8 + FW_CFG_NAME_LEN - 1] = 0;
		if (strcmp((const char *)&ent[8], name) == 0) {
			*size = be32(ent);
			*key = (uint16_t)((ent[4] << 8) | ent[5]);
			return true;
		}
	}
	return false;
}

/** RAM ranges of etc/e820 (20-byte entries: uint64_t addr, uint64_t len, uint32_t type). */
static unsigned e820_ram(struct range *out)
{
	uint8_t ent[20];
	uint32_t size, i;
	uint16_t key;
	unsigned n = 0;

	if (!fw_cfg_find("etc/e820", &key, &size)) {
		CHECK(false, "fw_cfg has no etc/e820");
		return 0;
	}
	fw_cfg_select(key);
	for (i = 0; i + sizeof(ent) <= size; i += sizeof(ent)) {
		uint32_t type;

		fw_cfg_read(ent, sizeof(ent));
		memcpy(&type, &ent[16], 4);
		if (type != E820_RAM || n == MAX_RANGES)
			continue;
		memcpy(&out[n].start, &ent[0], 8);
		memcpy(&out[n].size, &ent[8], 8);
		n++;
	}
	return n;
}

/** MEMORY entries of the IGVM memory map, in order. */
static unsigned igvm_ram(struct range *out)
{
	const struct igvm_memory_map_entry *e = gpa_private(PAYLOAD_MEMMAP_GPA);
	const size_t max = 0x1000 / sizeof(*e);
	unsigned n = 0;
	size_t i;

	for (i = 0; i < max && e[i].page_count != 0; i++) {
		if (e[i].entry_type != IGVM_MEMMAP_MEMORY || n == MAX_RANGES)
			continue;
		out[n].start = e[i].start_gpa_page_number << 12;
		out[n].size = e[i].page_count << 12;
		n++;
	}
	CHECK(i < max, "memory map has no terminating entry");
	return n;
}

PAYLOAD(memory_map, 0)
{
	static struct range e820[MAX_RANGES], igvm[MAX_RANGES];
	unsigned e820_count = e820_ram(e820);
	unsigned igvm_count = igvm_ram(igvm);
	uint64_t ram_size = 0, total = 0;
	unsigned i;

	CHECK(igvm_count > 0, "IGVM memory map has no RAM");
	CHECK_EQ(igvm_count, e820_count);
	for (i = 0; i < igvm_count && i < e820_count; i++) {
		con_printf("RAM %u: igvm 0x%llx+0x%llx e820 0x%llx+0x%llx\n", i,
			   (unsigned long long)igvm[i].start, (unsigned long long)igvm[i].size,
			   (unsigned long long)e820[i].start, (unsigned long long)e820[i].size);
		CHECK_EQ(igvm[i].start, e820[i].start);
		CHECK_EQ(igvm[i].size, e820[i].size);
		total += igvm[i].size;
	}
	fw_cfg_select(FW_CFG_RAM_SIZE);
	fw_cfg_read(&ram_size, sizeof(ram_size));
	CHECK(total > 0 && total < ram_size, "RAM total 0x%llx, -m 0x%llx",
	      (unsigned long long)total, (unsigned long long)ram_size);
}
