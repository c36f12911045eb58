/* SPDX-License-Identifier: MIT */
/*
 * devices/ahci_proxy*.c on the host, against a fake ICH9 AHCI HBA (two
 * ports, MSI, the index/data pair's I/O BAR) and a guest driver written
 * here as AHCI 1.3.1 §10.3 orders it.  The fake HBA's DMA reaches only the
 * "shared" area; every other address it is given is counted as refused
 * DMA (an IOMMU's answer), and the tests hold that count at 0.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "devices/ahci_proxy.h"
#include "fake_proxy_host.h"

#define BDF	     0xFAu	   /* 00:1f.2 */
#define ABAR	     0xFEB00000ull /* BAR5 */
#define MSI_CAP	     0x80u
#define GUEST_BASE   0x100000ull /* guest RAM [1 MiB, 3 MiB) */
#define GUEST_SIZE   0x200000ull
#define AREA_GPA     0x80000000ull
#define AREA_SIZE    (256u * 1024) /* port 0's shadows (12 KiB), 244 KiB of bounce buffers */
#define VECTOR	     0xF5
#define NPORTS	     2u
#define SECTOR	     512u
#define ATA_READ_DMA 0xC8u /* ATA8-ACS §7.21, 28-bit LBA */

/* the guest's structures, port 0 (port 1 at +0x10000) */
#define G_CLB	0x100000ull
#define G_FB	0x100400ull
#define G_CTBA	0x101000ull /* slot s at + s * 0x1000 */
#define G_DATA	0x140000ull
#define G_OTHER 0x10000ull

static struct {
	uint8_t cfg[256];
	uint8_t guest[GUEST_SIZE];
	uint8_t area[AREA_SIZE];
	uint8_t disk[1u << 20];
	/* the HBA */
	uint32_t ghc, is;
	struct {
		uint32_t r[AHCI_PX_BYTES / 4]; /* by offset / 4 */
	} port[NPORTS];
	bool async;    /* commands wait for device_run() */
	int lie_prdbc; /* added to the PRD byte count it reports */
	unsigned int dma_refused, commands, msis_sent;
} f;

static struct ahci_proxy proxy;
#define HBA(pn, reg) f.port[pn].r[AHCI_PX_##reg / 4] /* the HBA's port register */

/* ---- the fake platform ---------------------------------------------------- */

/** The configuration space at @bdf: the HBA's, 00:1f.0's (an LPC bridge,
 * not AHCI), or nothing. */
static uint8_t *cfg_space(uint32_t bdf)
{
	static uint8_t lpc[256] = { 0x86, 0x80, 0x18, 0x29, [8] = 0x02, 0x00, 0x01, 0x06 };
	return bdf == BDF ? f.cfg : bdf == 0xF8 ? lpc : NULL;
}

static uint32_t op_cfg_read(void *ctx, uint32_t bdf, unsigned int reg, unsigned int size)
{
	(void)ctx;
	uint32_t v = 0xFFFFFFFFu >> (32 - 8 * size);
	if (cfg_space(bdf)) {
		v = 0;
		memcpy(&v, cfg_space(bdf) + reg, size);
	}
	return v;
}

static void op_cfg_write(void *ctx, uint32_t bdf, unsigned int reg, unsigned int size, uint32_t val)
{
	(void)ctx;
	if (bdf == BDF && reg >= PCI_CFG_COMMAND) /* the IDs are read-only */
		memcpy(&f.cfg[reg], &val, size);
}

/** The HBA's DMA: only the shared area is reachable (the IOMMU). */
static void *dma(uint64_t addr, uint64_t len)
{
	if (addr >= AREA_GPA && addr + len <= AREA_GPA + AREA_SIZE)
		return f.area + (addr - AREA_GPA);
	f.dma_refused++;
	return NULL;
}

static void device_msi(void)
{
	uint32_t ctrl = f.cfg[MSI_CAP + 2];
	if (ctrl & PCI_MSI_CTRL_ENABLE)
		f.msis_sent++;
}

/** The HBA executes slot s of port pn: READ DMA EXT, WRITE DMA EXT, READ
 * FPDMA QUEUED or an ATAPI READ(10) (2 KiB blocks), by the shadow PRDT. */
static void device_exec(unsigned int pn, unsigned int s)
{
	uint64_t clb = (uint64_t)HBA(pn, CLBU) << 32 | HBA(pn, CLB);
	struct ahci_cmd_header *h = dma(clb + s * 32, 32);
	if (!h)
		return;
	struct ahci_cmd_table *t = dma((uint64_t)h->ctbau << 32 | h->ctba,
				       0x80 + (h->dw0 >> 16) * 16);
	if (!t)
		return;
	f.commands++;
	uint8_t cmd = t->cfis[2];
	uint64_t lba = t->cfis[4] | t->cfis[5] << 8 | t->cfis[6] << 16;
	uint32_t off = (uint32_t)lba * SECTOR;
	bool write = cmd == 0x35, queued = cmd == 0x60;
	if (cmd == 0xA0) /* PACKET: READ(10), LBA in bytes 2..5 of 2 KiB blocks */
		off = (uint32_t)(t->acmd[2] << 24 | t->acmd[3] << 16 | t->acmd[4] << 8 |
				 t->acmd[5]) *
		      2048;
	uint32_t done = 0;
	for (uint32_t i = 0; i < (h->dw0 >> 16); i++) {
		struct ahci_prd *e = &t->prdt[i];
		uint32_t len = (e->dw3 & 0x3FFFFF) + 1;
		uint8_t *b = dma((uint64_t)e->dbau << 32 | e->dba, len);
		if (!b || off + done + len > sizeof(f.disk))
			return;
		if (write)
			memcpy(f.disk + off + done, b, len);
		else
			memcpy(b, f.disk + off + done, len);
		done += len;
	}
	if (!queued)
		h->prdbc = done + (uint32_t)f.lie_prdbc;
	uint64_t fb = (uint64_t)HBA(pn, FBU) << 32 | HBA(pn, FB);
	uint8_t *fis = dma(fb, 256);
	if (fis) {
		fis[0x40] = SATA_FIS_D2H;
		fis[0x42] = 0x50;
	}
	HBA(pn, CI) &= ~(1u << s);
	HBA(pn, SACT) &= ~(1u << s);
	HBA(pn, IS) |= 1; /* DHRS */
	f.is |= 1u << pn;
	device_msi();
}

static void device_run(void)
{
	for (unsigned int pn = 0; pn < NPORTS; pn++)
		for (unsigned int s = 0; s < 32; s++)
			if (HBA(pn, CI) >> s & 1)
				device_exec(pn, s);
}

/** Port pn's register at offset r (AHCI 1.3.1 §3.3), NULL past DEVSLP. */
static uint32_t *port_reg(unsigned int pn, uint32_t r)
{
	return r < AHCI_PX_BYTES ? &f.port[pn].r[r / 4] : NULL;
}

static uint64_t op_mmio_read(void *ctx, uint64_t gpa, unsigned int size)
{
	(void)ctx;
	assert_int_equal(size, 4);
	uint32_t off = (uint32_t)(gpa - ABAR);
	if (off == AHCI_CAP)
		return 0x40000000u | AHCI_CAP_FBSS | (NPORTS - 1) | 31u << 8; /* SNCQ, 32 slots */
	if (off == AHCI_GHC)
		return f.ghc;
	if (off == AHCI_IS)
		return f.is;
	if (off == AHCI_PI)
		return (1u << NPORTS) - 1;
	if (off >= AHCI_PORT_BASE) {
		uint32_t *r = port_reg((off - AHCI_PORT_BASE) / 0x80,
				       (off - AHCI_PORT_BASE) % 0x80);
		return r ? *r : 0;
	}
	return 0;
}

static void op_mmio_write(void *ctx, uint64_t gpa, unsigned int size, uint64_t val)
{
	(void)ctx;
	assert_int_equal(size, 4);
	uint32_t off = (uint32_t)(gpa - ABAR), v = (uint32_t)val;
	if (off == AHCI_GHC)
		f.ghc = v & ~AHCI_GHC_HR;
	if (off == AHCI_IS)
		f.is &= ~v;
	if (off < AHCI_PORT_BASE)
		return;
	unsigned int pn = (off - AHCI_PORT_BASE) / 0x80;
	uint32_t r = (off - AHCI_PORT_BASE) % 0x80;
	uint32_t *p = port_reg(pn, r);
	if (!p)
		return;
	if (r == AHCI_PX_IS) {
		*p &= ~v;
		return;
	}
	if (r == AHCI_PX_CMD) {
		*p = (v & ~AHCI_PX_CMD_CR) | (v & AHCI_PX_CMD_ST ? AHCI_PX_CMD_CR : 0);
		if (!(v & AHCI_PX_CMD_ST))
			HBA(pn, CI) = HBA(pn, SACT) = 0;
		return;
	}
	if (r == AHCI_PX_CI || r == AHCI_PX_SACT) {
		*p |= v;
		if (r == AHCI_PX_CI && !f.async)
			device_run();
		return;
	}
	*p = v;
}

static void *op_guest_ptr(void *ctx, uint64_t gpa, uint64_t len)
{
	(void)ctx;
	if (gpa < GUEST_BASE || len > GUEST_SIZE || gpa - GUEST_BASE > GUEST_SIZE - len)
		return NULL;
	return f.guest + (gpa - GUEST_BASE);
}

static const struct vproxy_ops ops = {
	op_cfg_read,  op_cfg_write, op_mmio_read, op_mmio_write,
	op_guest_ptr, op_guest_msi, op_alloc,	  op_log,
};

/* ---- the guest ------------------------------------------------------------- */

static void *g(uint64_t gpa)
{
	return f.guest + (gpa - GUEST_BASE);
}

static uint32_t cfg(unsigned int reg, unsigned int size)
{
	uint32_t v = 0xDEAD;
	assert_true(ahci_proxy_cfg_access(&proxy, BDF, reg, size, false, &v));
	return v;
}

static void cfg_w(unsigned int reg, unsigned int size, uint32_t v)
{
	assert_true(ahci_proxy_cfg_access(&proxy, BDF, reg, size, true, &v));
}

static uint32_t rd(uint32_t off)
{
	uint64_t v = 0xDEAD;
	assert_true(ahci_proxy_mmio(&proxy, ABAR + off, 4, false, &v));
	return (uint32_t)v;
}

static void wr(uint32_t off, uint32_t v)
{
	uint64_t x = v;
	assert_true(ahci_proxy_mmio(&proxy, ABAR + off, 4, true, &x));
}

static uint32_t px(unsigned int pn, uint32_t r)
{
	return AHCI_PORT_BASE + pn * AHCI_PORT_SIZE + r;
}

static void port_start(unsigned int pn)
{
	uint64_t o = pn * 0x10000ull;
	wr(px(pn, AHCI_PX_CLB), (uint32_t)(G_CLB + o));
	wr(px(pn, AHCI_PX_CLBU), 0);
	wr(px(pn, AHCI_PX_FB), (uint32_t)(G_FB + o));
	wr(px(pn, AHCI_PX_FBU), 0);
	wr(px(pn, AHCI_PX_CMD), AHCI_PX_CMD_FRE);
	wr(px(pn, AHCI_PX_CMD), AHCI_PX_CMD_FRE | AHCI_PX_CMD_ST);
}

/** Slot s of port 0: a command FIS (cmd, lba) and @n PRDs of @len bytes
 * each at G_DATA + s * 64 KiB, in reverse order (scattered). */
static void build(unsigned int s, uint8_t cmd, uint32_t lba, bool write, unsigned int n,
		  uint32_t len)
{
	struct ahci_cmd_header *h = (struct ahci_cmd_header *)g(G_CLB) + s;
	uint64_t ctba = G_CTBA + s * 0x1000ull;
	*h = (struct ahci_cmd_header){ .dw0 = 5u | (write ? AHCI_HDR_WRITE : 0) | n << 16,
				       .prdbc = 0xFFFF,
				       .ctba = (uint32_t)ctba };
	struct ahci_cmd_table *t = g(ctba);
	memset(t, 0, 0x80);
	t->cfis[0] = SATA_FIS_H2D;
	t->cfis[1] = 0x80;
	t->cfis[2] = cmd;
	t->cfis[4] = (uint8_t)lba;
	t->cfis[5] = (uint8_t)(lba >> 8);
	t->cfis[6] = (uint8_t)(lba >> 16);
	uint32_t count = n * len / SECTOR; /* ATA8-ACS §7.22: sectors */
	t->cfis[SATA_FIS_COUNT] = (uint8_t)count;
	t->cfis[SATA_FIS_COUNT + 1] = (uint8_t)(count >> 8);
	for (unsigned int i = 0; i < n; i++) {
		uint64_t a = G_DATA + s * 0x10000ull + (n - 1 - i) * (uint64_t)len;
		t->prdt[i] = (struct ahci_prd){ (uint32_t)a, 0, 0, len - 1 };
	}
}

static struct ahci_cmd_header *hdr(unsigned int s)
{
	return (struct ahci_cmd_header *)g(G_CLB) + s;
}

static int setup(void **state)
{
	(void)state;
	memset(&f, 0, sizeof(f));
	memset(&host, 0, sizeof(host));
	for (size_t i = 0; i < sizeof(f.disk); i++)
		f.disk[i] = (uint8_t)(i * 7 + i / 512);
	uint32_t id = 0x29228086u, class_rev = 0x01060102u;
	memcpy(&f.cfg[0], &id, 4);
	memcpy(&f.cfg[8], &class_rev, 4);
	f.cfg[PCI_CFG_STATUS] = PCI_STATUS_CAP_LIST;
	f.cfg[PCI_CFG_CAP_PTR] = MSI_CAP;
	f.cfg[MSI_CAP] = PCI_CAP_ID_MSI;
	f.cfg[MSI_CAP + 2] = PCI_MSI_CTRL_64BIT;
	uint32_t bar4 = 0xC041, bar5 = (uint32_t)ABAR;
	memcpy(&f.cfg[0x20], &bar4, 4);
	memcpy(&f.cfg[0x24], &bar5, 4);
	const struct ahci_proxy_config c = { .ops = &ops, .host_apic_id = 2, .vector = VECTOR };
	ahci_proxy_init(&proxy, &c);
	assert_false(ahci_proxy_claims(&proxy, 0xF8));
	assert_true(ahci_proxy_claims(&proxy, BDF));
	assert_true(ahci_proxy_set_area(&proxy, f.area, AREA_GPA, AREA_SIZE));
	cfg_w(PCI_CFG_COMMAND, 2, PCI_CMD_MEMORY | 4);
	wr(AHCI_GHC, 0x80000000u | AHCI_GHC_IE);
	port_start(0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	assert_int_equal(f.dma_refused, 0);
	return 0;
}

/* ---- tests ----------------------------------------------------------------------- */

static void test_config_space(void **state)
{
	(void)state;
	/* the index/data pair's I/O BAR is not there, I/O decoding stays off */
	assert_int_equal(cfg(0x20, 4), 0);
	cfg_w(0x20, 4, 0xFFFFFFFFu);
	assert_int_equal(f.cfg[0x20], 0x41);
	cfg_w(PCI_CFG_COMMAND, 2, 7);
	assert_int_equal(f.cfg[PCI_CFG_COMMAND] & PCI_CMD_IO, 0);
	assert_int_equal(cfg(PCI_CFG_COMMAND, 2) & 7, 6);
	/* MSI: the guest's address and data are the guest's; the HBA's go to
	 * the paravisor's vector on its APIC */
	cfg_w(MSI_CAP + 4, 4, 0xFEE01000u);
	cfg_w(MSI_CAP + 8, 4, 0);
	cfg_w(MSI_CAP + 12, 2, 0x4041);
	cfg_w(MSI_CAP + 2, 2, PCI_MSI_CTRL_ENABLE);
	assert_int_equal(cfg(MSI_CAP + 4, 4), 0xFEE01000u);
	assert_int_equal(cfg(MSI_CAP + 12, 2), 0x4041);
	uint32_t real_addr, real_data = 0;
	memcpy(&real_addr, &f.cfg[MSI_CAP + 4], 4);
	memcpy(&real_data, &f.cfg[MSI_CAP + 12], 2);
	assert_int_equal(real_addr, 0xFEE02000u);
	assert_int_equal(real_data, VECTOR);
	/* FIS-based switching is not offered */
	assert_int_equal(rd(AHCI_CAP) & AHCI_CAP_FBSS, 0);
	/* the MSI arrives: the guest's own */
	ahci_proxy_interrupt(&proxy);
	assert_int_equal(host.msis, 1);
	assert_int_equal(host.msi_addr, 0xFEE01000u);
	assert_int_equal(host.msi_data, 0x4041);
}

static void test_shadow_addresses(void **state)
{
	(void)state;
	/* the guest reads back its own addresses; the HBA has the shadows */
	assert_int_equal(rd(px(0, AHCI_PX_CLB)), (uint32_t)G_CLB);
	assert_int_equal(rd(px(0, AHCI_PX_FB)), (uint32_t)G_FB);
	assert_true(HBA(0, CLB) >= AREA_GPA && HBA(0, CLB) < AREA_GPA + AREA_SIZE);
	assert_int_equal(HBA(0, CLB) % AHCI_CLB_ALIGN, 0);
	assert_int_equal(HBA(0, FB) % AHCI_FB_ALIGN, 0);
	/* other sizes never reach the HBA's address registers */
	uint64_t v = G_OTHER;
	assert_true(ahci_proxy_mmio(&proxy, ABAR + px(0, AHCI_PX_CLB), 8, true, &v));
	assert_true(ahci_proxy_mmio(&proxy, ABAR + px(0, AHCI_PX_CLB) + 1, 1, true, &v));
	assert_true(HBA(0, CLB) >= AREA_GPA);
	assert_true(ahci_proxy_mmio(&proxy, ABAR + px(0, AHCI_PX_CLB), 2, false, &v));
	assert_int_equal(v, 0);
	/* vendor-specific space is the HBA's, and what follows its last
	 * port may be another device's BAR */
	assert_false(ahci_proxy_mmio(&proxy, ABAR + 0xA0, 4, false, &v));
	assert_false(ahci_proxy_mmio(&proxy, ABAR + px(NPORTS, 0), 4, false, &v));
	assert_false(ahci_proxy_mmio(&proxy, ABAR + 0x1000, 4, true, &v));
}

static void test_read_dma(void **state)
{
	(void)state;
	build(3, 0x25, 4, false, 3, 4096);
	wr(px(0, AHCI_PX_CI), 1u << 3);
	assert_int_equal(f.commands, 1);
	assert_int_equal(rd(px(0, AHCI_PX_IS)) & 1, 1);
	assert_int_equal(rd(px(0, AHCI_PX_CI)), 0);
	/* PRD i holds bytes [i * 4096, ...) of the request, at reverse places */
	for (unsigned int i = 0; i < 3; i++)
		assert_memory_equal(g(G_DATA + 3 * 0x10000 + (2 - i) * 4096),
				    f.disk + 4 * SECTOR + i * 4096, 4096);
	assert_int_equal(hdr(3)->prdbc, 3 * 4096);
	const struct ahci_rx_fis *fis = g(G_FB);
	assert_int_equal(fis->rfis[0], SATA_FIS_D2H);
	assert_int_equal(fis->rfis[2], 0x50);
	assert_int_equal(proxy.stats.bytes_to_guest, 3 * 4096);
}

static void test_write_dma(void **state)
{
	(void)state;
	build(0, 0x35, 8, true, 2, 2048);
	memset(g(G_DATA), 0xA5, 2048);
	memset(g(G_DATA + 2048), 0x5A, 2048);
	wr(px(0, AHCI_PX_CI), 1);
	assert_int_equal(rd(px(0, AHCI_PX_CI)), 0);
	/* PRD 0 is the second buffer */
	assert_int_equal(f.disk[8 * SECTOR], 0x5A);
	assert_int_equal(f.disk[8 * SECTOR + 2048], 0xA5);
	assert_int_equal(hdr(0)->prdbc, 4096);
}

static void test_ncq_read_async(void **state)
{
	(void)state;
	f.async = true;
	build(1, ATA_CMD_READ_FPDMA_QUEUED, 16, false, 1, 8192);
	build(2, ATA_CMD_READ_FPDMA_QUEUED, 32, false, 1, 512);
	wr(px(0, AHCI_PX_SACT), 6);
	wr(px(0, AHCI_PX_CI), 6);
	assert_int_equal(rd(px(0, AHCI_PX_CI)), 6);
	assert_int_equal(rd(px(0, AHCI_PX_SACT)), 6);
	device_run();
	/* the MSI: both finished, all their bytes came though the HBA left
	 * the PRD byte count at 0 */
	ahci_proxy_interrupt(&proxy);
	assert_int_equal(rd(px(0, AHCI_PX_SACT)), 0);
	assert_int_equal(rd(px(0, AHCI_PX_CI)), 0);
	assert_memory_equal(g(G_DATA + 0x10000), f.disk + 16 * SECTOR, 8192);
	assert_memory_equal(g(G_DATA + 0x20000), f.disk + 32 * SECTOR, 512);
	assert_int_equal(proxy.stats.completions, 2);
}

static void test_atapi_read(void **state)
{
	(void)state;
	build(0, 0xA0, 0, false, 1, 2048);
	hdr(0)->dw0 |= AHCI_HDR_ATAPI;
	uint8_t *acmd = ((struct ahci_cmd_table *)g(G_CTBA))->acmd;
	acmd[0] = 0x28;
	acmd[5] = 3; /* block 3 */
	acmd[8] = 1;
	wr(px(0, AHCI_PX_CI), 1);
	assert_int_equal(rd(px(0, AHCI_PX_CI)), 0);
	assert_memory_equal(g(G_DATA), f.disk + 3 * 2048, 2048);
}

/** A command the proxy refused: nothing reached the HBA; the port shows a
 * host bus fatal error until the guest stops it. */
static void assert_refused(uint32_t slots)
{
	assert_int_equal(f.commands, 0);
	assert_int_equal(proxy.stats.refused, 1);
	uint32_t is = rd(px(0, AHCI_PX_IS));
	assert_int_equal(is & (AHCI_PX_IS_HBFS | AHCI_PX_IS_TFES),
			 AHCI_PX_IS_HBFS | AHCI_PX_IS_TFES);
	assert_int_equal(rd(AHCI_IS) & 1, 1);
	assert_int_equal(rd(px(0, AHCI_PX_TFD)), 0x441); /* ABRT; DRDY, ERR */
	assert_int_equal(rd(px(0, AHCI_PX_CI)), slots);
	assert_non_null(strstr(host.log, "host bus error"));
	/* recovery (AHCI 1.3.1 §6.2.2.2): clear ST, clear PxIS, start again */
	wr(px(0, AHCI_PX_CMD), AHCI_PX_CMD_FRE);
	wr(px(0, AHCI_PX_IS), 0xFFFFFFFFu);
	assert_int_equal(rd(px(0, AHCI_PX_CI)), 0);
	assert_int_equal(rd(px(0, AHCI_PX_TFD)), 0);
	assert_int_equal(rd(px(0, AHCI_PX_IS)) & AHCI_PX_IS_HBFS, 0);
	wr(px(0, AHCI_PX_CMD), AHCI_PX_CMD_FRE | AHCI_PX_CMD_ST);
	build(0, 0x25, 0, false, 1, 512);
	wr(px(0, AHCI_PX_CI), 1);
	assert_int_equal(rd(px(0, AHCI_PX_CI)), 0);
	assert_int_equal(f.commands, 1);
}

static void test_prd_outside_guest_ram(void **state)
{
	(void)state;
	/* PRD 1 names the shared area itself, PRD 0 is fine */
	build(0, 0x25, 0, false, 2, 512);
	struct ahci_cmd_table *t = g(G_CTBA);
	t->prdt[1].dba = (uint32_t)AREA_GPA;
	wr(px(0, AHCI_PX_IE), AHCI_PX_IS_HBFS);
	cfg_w(MSI_CAP + 2, 2, PCI_MSI_CTRL_ENABLE);
	wr(px(0, AHCI_PX_CI), 1);
	assert_int_equal(host.msis, 1);
	assert_refused(1);
}

static void test_prd_straddles_ram_end(void **state)
{
	(void)state;
	build(0, 0x25, 0, false, 1, 8192);
	((struct ahci_cmd_table *)g(G_CTBA))->prdt[0].dba =
		(uint32_t)(GUEST_BASE + GUEST_SIZE - 4096);
	wr(px(0, AHCI_PX_CI), 1);
	assert_refused(1);
}

static void test_table_outside_guest_ram(void **state)
{
	(void)state;
	build(0, 0x25, 0, false, 1, 512);
	hdr(0)->ctba = (uint32_t)G_OTHER;
	wr(px(0, AHCI_PX_CI), 1);
	assert_refused(1);
}

static void test_table_high_half(void **state)
{
	(void)state;
	build(0, 0x25, 0, false, 1, 512);
	hdr(0)->ctbau = 1; /* 4 GiB above */
	wr(px(0, AHCI_PX_CI), 1);
	assert_refused(1);
}

static void test_list_outside_guest_ram(void **state)
{
	(void)state;
	wr(px(0, AHCI_PX_CMD), AHCI_PX_CMD_FRE);
	wr(px(0, AHCI_PX_CLB), (uint32_t)(GUEST_BASE + GUEST_SIZE));
	wr(px(0, AHCI_PX_CMD), AHCI_PX_CMD_FRE | AHCI_PX_CMD_ST);
	wr(px(0, AHCI_PX_CI), 1); /* its header is past the end of RAM */
	assert_int_equal(f.commands, 0);
	assert_int_equal(rd(px(0, AHCI_PX_IS)) & AHCI_PX_IS_HBFS, AHCI_PX_IS_HBFS);
	assert_int_equal(rd(px(0, AHCI_PX_CI)), 1);
}

/** A command FIS of @cfl DWORDs, outside 2..16 (AHCI 1.3.1 §4.2.2 CFL). */
static void refused_fis_length(uint32_t cfl)
{
	build(0, 0x25, 0, false, 1, 512);
	hdr(0)->dw0 = (hdr(0)->dw0 & ~0x1Fu) | cfl;
	wr(px(0, AHCI_PX_CI), 1);
	assert_refused(1);
}

static void test_bad_fis_length(void **state)
{
	(void)state;
	refused_fis_length(1);
}

static void test_bad_fis_length_long(void **state)
{
	(void)state;
	refused_fis_length(17);
}

static void test_larger_than_area(void **state)
{
	(void)state;
	/* 65535 PRDs of 4 KiB (the same guest page): each in RAM, too much */
	build(0, 0x25, 0, false, 0, 512);
	hdr(0)->dw0 |= 0xFFFFu << 16;
	struct ahci_cmd_table *t = g(G_CTBA);
	for (unsigned int i = 0; i < 0xFFFF && (uint8_t *)&t->prdt[i + 1] <= f.guest + GUEST_SIZE;
	     i++)
		t->prdt[i] = (struct ahci_prd){ (uint32_t)GUEST_BASE, 0, 0, 0x1000 - 1 };
	wr(px(0, AHCI_PX_CI), 1);
	assert_refused(1);
}

static void test_device_lies_about_bytes(void **state)
{
	(void)state;
	f.lie_prdbc = 2;
	build(0, 0x25, 0, false, 1, 512);
	wr(px(0, AHCI_PX_CI), 1);
	assert_int_equal(rd(px(0, AHCI_PX_CI)), 0);
	assert_int_equal(host.hv_errors, 1);
	assert_non_null(strstr(host.log, "514 bytes transferred of 512"));
	assert_int_equal(hdr(0)->prdbc, 512); /* at most what was given */
}

static void test_deferred_for_room(void **state)
{
	(void)state;
	f.async = true;
	/* 160 KiB and 96 KiB: together more than the 244 KiB of buffers
	 * (READ DMA, 28-bit: whole, never in pieces) */
	build(0, ATA_READ_DMA, 0, false, 10, 16384);
	build(1, 0x25, 0, false, 6, 16384);
	wr(px(0, AHCI_PX_CI), 3);
	assert_int_equal(HBA(0, CI), 1);
	assert_int_equal(rd(px(0, AHCI_PX_CI)), 3);
	assert_int_equal(proxy.stats.deferred, 1);
	device_run(); /* slot 0 done: slot 1 goes at the next look */
	assert_int_equal(rd(px(0, AHCI_PX_CI)), 2);
	assert_int_equal(HBA(0, CI), 2);
	device_run();
	assert_int_equal(rd(px(0, AHCI_PX_CI)), 0);
	assert_int_equal(f.commands, 2);
	assert_memory_equal(g(G_DATA + 0x10000 + 5 * 16384), f.disk, 16384);
}

static void test_stop_drops_commands(void **state)
{
	(void)state;
	f.async = true;
	build(0, 0x25, 0, false, 1, 4096);
	wr(px(0, AHCI_PX_CI), 1);
	memset(g(G_DATA), 0xEE, 4096);
	wr(px(0, AHCI_PX_CMD), AHCI_PX_CMD_FRE);
	assert_int_equal(rd(px(0, AHCI_PX_CI)), 0);
	assert_int_equal(rd(px(0, AHCI_PX_CMD)) & AHCI_PX_CMD_CR, 0);
	/* nothing of the dropped command reaches the guest, and its buffer
	 * is free again: a command of all 244 KiB fits */
	assert_int_equal(*(uint8_t *)g(G_DATA), 0xEE);
	f.async = false;
	wr(px(0, AHCI_PX_CMD), AHCI_PX_CMD_FRE | AHCI_PX_CMD_ST);
	build(0, ATA_READ_DMA, 0, false, 61, 4096);
	wr(px(0, AHCI_PX_CI), 1);
	assert_int_equal(rd(px(0, AHCI_PX_CI)), 0);
	assert_int_equal(proxy.stats.deferred, 0);
}

/* ---- large commands: in pieces of 32 KiB (an eighth of the area) ---------- */

/** A 192 KiB READ DMA EXT from LBA 8 in 12 PRDs of 16 KiB (scattered over
 * [G_DATA, G_DATA + 192 KiB), slot 0). */
#define BIG_PRDS 12u
#define BIG	 (BIG_PRDS * 16384u)

static void assert_big_read(unsigned int disk_off)
{
	for (unsigned int i = 0; i < BIG_PRDS; i++)
		assert_memory_equal(g(G_DATA + (BIG_PRDS - 1 - i) * 16384ull),
				    f.disk + disk_off + i * 16384, 16384);
	assert_int_equal(hdr(0)->prdbc, BIG);
}

static void test_split_read(void **state)
{
	(void)state;
	build(0, ATA_CMD_READ_DMA_EXT, 8, false, BIG_PRDS, 16384);
	wr(px(0, AHCI_PX_CI), 1);
	unsigned int reads = 0;
	while (rd(px(0, AHCI_PX_CI)) && reads < 100)
		reads++;
	assert_int_equal(reads, 5); /* one piece per look: 6 in all */
	assert_int_equal(f.commands, 6);
	assert_int_equal(proxy.stats.split_pieces, 6);
	assert_int_equal(proxy.stats.completions, 1);
	assert_big_read(8 * SECTOR);
	assert_int_equal(rd(px(0, AHCI_PX_IS)) & 1, 1); /* the last piece's D2H FIS */
}

static void test_split_read_async_hides_pieces(void **state)
{
	(void)state;
	f.async = true;
	cfg_w(MSI_CAP + 2, 2, PCI_MSI_CTRL_ENABLE);
	build(0, ATA_CMD_READ_DMA_EXT, 2, false, BIG_PRDS, 16384);
	wr(px(0, AHCI_PX_CI), 1);
	for (unsigned int piece = 1; piece < 6; piece++) {
		device_run();
		if (piece % 2) /* the guest polls first: the piece's FIS is hidden */
			assert_int_equal(rd(px(0, AHCI_PX_IS)) & AHCI_PX_IS_DONE, 0);
		ahci_proxy_interrupt(&proxy); /* not the guest's */
		assert_int_equal(host.msis, 0);
		assert_int_equal(rd(px(0, AHCI_PX_IS)) & AHCI_PX_IS_DONE, 0);
		assert_int_equal(rd(AHCI_IS) & 1, 0);
		assert_int_equal(rd(px(0, AHCI_PX_CI)), 1);
	}
	device_run(); /* the last */
	ahci_proxy_interrupt(&proxy);
	assert_int_equal(host.msis, 1);
	assert_int_equal(rd(px(0, AHCI_PX_IS)) & 1, 1);
	assert_int_equal(rd(px(0, AHCI_PX_CI)), 0);
	assert_big_read(2 * SECTOR);
}

static void test_split_write(void **state)
{
	(void)state;
	build(0, ATA_CMD_WRITE_DMA_EXT, 16, true, BIG_PRDS, 16384);
	for (unsigned int i = 0; i < BIG_PRDS; i++)
		memset(g(G_DATA + (BIG_PRDS - 1 - i) * 16384ull), 0x10 + i, 16384);
	wr(px(0, AHCI_PX_CI), 1);
	while (rd(px(0, AHCI_PX_CI)))
		;
	for (unsigned int i = 0; i < BIG_PRDS; i++)
		assert_int_equal(f.disk[16 * SECTOR + i * 16384 + 100], 0x10 + i);
	assert_int_equal(hdr(0)->prdbc, BIG);
	assert_int_equal(proxy.stats.bytes_to_device, BIG);
}

static void test_split_atapi_read(void **state)
{
	(void)state;
	build(0, ATA_CMD_PACKET, 0, false, BIG_PRDS, 16384);
	hdr(0)->dw0 |= AHCI_HDR_ATAPI;
	uint8_t *acmd = ((struct ahci_cmd_table *)g(G_CTBA))->acmd;
	acmd[0] = SCSI_READ_10;
	acmd[5] = 1;	      /* block 1 */
	acmd[8] = BIG / 2048; /* 96 blocks */
	wr(px(0, AHCI_PX_CI), 1);
	while (rd(px(0, AHCI_PX_CI)))
		;
	assert_int_equal(proxy.stats.split_pieces, 6);
	assert_big_read(2048);
}

static void test_split_short_piece_ends(void **state)
{
	(void)state;
	f.lie_prdbc = -512; /* the HBA moves less than asked */
	build(0, ATA_CMD_READ_DMA_EXT, 0, false, BIG_PRDS, 16384);
	wr(px(0, AHCI_PX_CI), 1);
	assert_int_equal(rd(px(0, AHCI_PX_CI)), 0);
	assert_int_equal(hdr(0)->prdbc, 32768 - 512);
	assert_int_equal(proxy.stats.split_pieces, 1);
	assert_int_equal(host.hv_errors, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_config_space, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shadow_addresses, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_dma, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_dma, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ncq_read_async, setup, teardown),
		cmocka_unit_test_setup_teardown(test_atapi_read, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prd_outside_guest_ram, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prd_straddles_ram_end, setup, teardown),
		cmocka_unit_test_setup_teardown(test_table_outside_guest_ram, setup, teardown),
		cmocka_unit_test_setup_teardown(test_table_high_half, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list_outside_guest_ram, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_fis_length, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_fis_length_long, setup, teardown),
		cmocka_unit_test_setup_teardown(test_larger_than_area, setup, teardown),
		cmocka_unit_test_setup_teardown(test_device_lies_about_bytes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deferred_for_room, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stop_drops_commands, setup, teardown),
		cmocka_unit_test_setup_teardown(test_split_read, setup, teardown),
		cmocka_unit_test_setup_teardown(test_split_read_async_hides_pieces, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_split_write, setup, teardown),
		cmocka_unit_test_setup_teardown(test_split_atapi_read, setup, teardown),
		cmocka_unit_test_setup_teardown(test_split_short_piece_ends, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
