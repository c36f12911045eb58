/* SPDX-License-Identifier: MIT */
/*
 * fw_cfg access for snpemu itself, through the DMA interface
 * (QEMU docs/specs/fw_cfg.rst "FWCfgDmaAccess"): select, skip, read.
 */
#include "fwcfg.h"
#include "x86.h"

#include <lib/string.h>

struct fwcfg_dma {
	uint32_t control; /* big endian */
	uint32_t length;
	uint64_t address;
} __attribute__((packed));

#define DMA_CTL_ERROR  BIT(0)
#define DMA_CTL_READ   BIT(1)
#define DMA_CTL_SKIP   BIT(2)
#define DMA_CTL_SELECT BIT(3)

static uint8_t *dir_raw;
static uint32_t dir_len;

static uint32_t be32(uint32_t v)
{
	return __builtin_bswap32(v);
}
static uint16_t be16(uint16_t v)
{
	return __builtin_bswap16(v);
}

static void dma_op(uint32_t control, void *buf, uint32_t len)
{
	static struct fwcfg_dma d __attribute__((aligned(16)));
	d.control = be32(control);
	d.length = be32(len);
	d.address = __builtin_bswap64(buf ? virt_to_phys(buf) : 0);
	__asm__ volatile("" ::: "memory");
	uint64_t pa = virt_to_phys(&d);
	outl(FW_CFG_PORT_DMA_HI, be32((uint32_t)(pa >> 32)));
	outl(FW_CFG_PORT_DMA_LO, be32((uint32_t)pa));
	while (be32(*(volatile uint32_t *)&d.control) & ~DMA_CTL_ERROR)
		pause();
	if (be32(*(volatile uint32_t *)&d.control) & DMA_CTL_ERROR)
		panic("fw_cfg DMA error (control %#x, length %u)", control, len);
}

void fwcfg_read(uint16_t select, uint64_t offset, void *dst, uint64_t len)
{
	dma_op(DMA_CTL_SELECT | ((uint32_t)select << 16) | DMA_CTL_SKIP, NULL, (uint32_t)offset);
	uint8_t *p = dst;
	while (len) {
		uint32_t chunk = (uint32_t)MIN(len, 1ULL << 20);
		dma_op(DMA_CTL_READ, p, chunk);
		p += chunk;
		len -= chunk;
	}
}

void fwcfg_init(void)
{
	char sig[4];
	outw(FW_CFG_PORT_SEL, FW_CFG_SIGNATURE);
	for (int i = 0; i < 4; i++)
		sig[i] = (char)inb(FW_CFG_PORT_DATA);
	if (memcmp(sig, "QEMU", 4))
		panic("no fw_cfg device");
	outw(FW_CFG_PORT_SEL, FW_CFG_ID);
	if (!(inb(FW_CFG_PORT_DATA) & FW_CFG_ID_DMA))
		panic("fw_cfg has no DMA interface");

	uint32_t count;
	fwcfg_read(FW_CFG_FILE_DIR, 0, &count, 4);
	count = be32(count);
	if (count > 4096)
		panic("fw_cfg directory has %u entries", count);
	dir_len = 4 + count * 64;
	dir_raw = page_alloc(ALIGN_UP(dir_len, PAGE_SIZE) / PAGE_SIZE);
	fwcfg_read(FW_CFG_FILE_DIR, 0, dir_raw, dir_len);
}

const void *fwcfg_dir_raw(uint32_t *len)
{
	*len = dir_len;
	return dir_raw;
}

bool fwcfg_find(const char *name, struct fwcfg_file *f)
{
	uint32_t count = (dir_len - 4) / 64;
	for (uint32_t i = 0; i < count; i++) {
		const uint8_t *e = dir_raw + 4 + i * 64;
		if (strncmp((const char *)e + 8, name, 56))
			continue;
		uint32_t size;
		uint16_t sel;
		memcpy(&size, e, 4);
		memcpy(&sel, e + 4, 2);
		f->size = be32(size);
		f->select = be16(sel);
		memcpy(f->name, e + 8, 56);
		f->name[55] = 0;
		return true;
	}
	return false;
}
