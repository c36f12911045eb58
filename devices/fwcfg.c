/* SPDX-License-Identifier: MIT */
#include "fwcfg.h"

#include <lib/string.h>

static uint32_t be32_load(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static void be32_store(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

bool fwcfg_filter_init(struct fwcfg_filter *f, const void *dir, size_t dir_len, const void *e820,
		       size_t e820_len)
{
	memset(f, 0, sizeof(*f));
	if (dir_len < 4 || dir_len > sizeof(f->dir) || e820_len > sizeof(f->e820))
		return false;
	memcpy(f->dir, dir, dir_len);
	uint32_t count = be32_load(f->dir);
	if (4 + (uint64_t)count * FWCFG_FILE_ENTRY != dir_len)
		return false;
	memcpy(f->e820, e820, e820_len);
	f->dir_len = (uint32_t)dir_len;
	f->e820_len = (uint32_t)e820_len;
	for (uint32_t i = 0; i < count; i++) {
		uint8_t *ent = f->dir + 4 + i * FWCFG_FILE_ENTRY;
		if (strncmp((const char *)ent + 8, "etc/e820", 56))
			continue;
		be32_store(ent, (uint32_t)e820_len);
		f->e820_select = (uint16_t)((ent[4] << 8) | ent[5]);
		return true;
	}
	return false;
}

bool fwcfg_filter_replace(struct fwcfg_filter *f, const char *name, const void *data, uint32_t len)
{
	uint32_t count = be32_load(f->dir);
	if (f->extra_select)
		return false;
	for (uint32_t i = 0; i < count; i++) {
		uint8_t *ent = f->dir + 4 + i * FWCFG_FILE_ENTRY;
		if (strncmp((const char *)ent + 8, name, 56))
			continue;
		be32_store(ent, len);
		f->extra_select = (uint16_t)((ent[4] << 8) | ent[5]);
		f->extra = data;
		f->extra_len = len;
		return true;
	}
	return false;
}

bool fwcfg_port_hidden(uint16_t port, unsigned int size)
{
	uint32_t last = (uint32_t)port + size - 1;
	return port <= FWCFG_PORT_DMA_LO + 3 && last >= FWCFG_PORT_DMA_HI;
}

/** QEMU ignores the write-channel bit when it looks an item up
 * (fw_cfg_select: entries[key & 0x8000][key & 0x3FFF]): so must we. */
#define FWCFG_WRITE_CHANNEL 0x4000

static bool local_item(const struct fwcfg_filter *f, const uint8_t **src, uint32_t *len)
{
	static const uint8_t id[4] = { 1, 0, 0, 0 }; /* traditional interface only */
	uint16_t key = f->select & (uint16_t)~FWCFG_WRITE_CHANNEL;
	if (key == FWCFG_KEY_FILE_DIR) {
		*src = f->dir;
		*len = f->dir_len;
	} else if (f->e820_select && key == f->e820_select) {
		*src = f->e820;
		*len = f->e820_len;
	} else if (f->extra_select && key == f->extra_select) {
		*src = f->extra;
		*len = f->extra_len;
	} else if (key == FWCFG_KEY_ID) {
		*src = id;
		*len = sizeof(id);
	} else {
		return false;
	}
	return true;
}

bool fwcfg_filter_in(struct fwcfg_filter *f, uint16_t port, unsigned int size, uint32_t *val)
{
	const uint8_t *src;
	uint32_t len;
	if (port != FWCFG_PORT_DATA)
		return false;
	if (!local_item(f, &src, &len)) {
		f->offset += size;
		return false;
	}
	*val = 0;
	for (unsigned int i = 0; i < size; i++, f->offset++)
		if (f->offset < len)
			*val |= (uint32_t)src[f->offset] << (8 * i);
	return true;
}

bool fwcfg_filter_bulk(struct fwcfg_filter *f, uint16_t port, uint32_t bytes)
{
	const uint8_t *src;
	uint32_t len;
	if (port != FWCFG_PORT_DATA)
		return true;
	if (local_item(f, &src, &len))
		return false;
	f->offset += bytes;
	return true;
}

void fwcfg_filter_out(struct fwcfg_filter *f, uint16_t port, unsigned int size, uint32_t val)
{
	if (port == FWCFG_PORT_SEL && size == 2) {
		f->select = (uint16_t)val;
		f->offset = 0;
	}
}
