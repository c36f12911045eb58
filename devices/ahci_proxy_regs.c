/* SPDX-License-Identifier: MIT */
/*
 * The AHCI proxy's registers: finding the HBA, what the guest sees of its
 * configuration space (its MSI address and data are the guest's, the
 * index/data pair's I/O BAR is not there) and of its ABAR registers (the
 * command list and FIS base addresses are the guest's, PxCI issues through
 * the shadows, IS/PxIS/PxCI/PxSACT reads take finished commands first).
 */
#include "ahci_proxy_priv.h"

#include <lib/string.h>

/* --- finding the HBA -------------------------------------------------------- */

static uint32_t cfg_rd(struct ahci_proxy *a, const struct ahci_hba *h, unsigned int reg,
		       unsigned int size)
{
	return a->cfg.ops->cfg_read(a->cfg.ctx, h->bdf, reg, size);
}

static void cfg_wr(struct ahci_proxy *a, const struct ahci_hba *h, unsigned int reg,
		   unsigned int size, uint32_t val)
{
	a->cfg.ops->cfg_write(a->cfg.ctx, h->bdf, reg, size, val);
}

static void find_msi(struct ahci_proxy *a, struct ahci_hba *h)
{
	if (!(cfg_rd(a, h, PCI_CFG_STATUS, 2) & PCI_STATUS_CAP_LIST))
		return;
	unsigned int ptr = cfg_rd(a, h, PCI_CFG_CAP_PTR, 1) & 0xFC;
	for (unsigned int n = 0; ptr >= 0x40 && n < 48; n++) {
		if (cfg_rd(a, h, ptr, 1) == PCI_CAP_ID_MSI) {
			bool is64 = cfg_rd(a, h, ptr + PCI_MSI_CTRL, 2) & PCI_MSI_CTRL_64BIT;
			h->msi_cap = (uint8_t)ptr;
			h->msi_end =
				(uint8_t)(ptr + (is64 ? PCI_MSI_DATA_64 : PCI_MSI_DATA_32) + 2);
			return;
		}
		ptr = cfg_rd(a, h, ptr + 1, 1) & 0xFC;
	}
}

/** The HBA's MSI goes to the paravisor (PCI 3.0 §6.8.1). */
static void msi_to_host(struct ahci_proxy *a, struct ahci_hba *h)
{
	bool is64 = h->msi_end == h->msi_cap + PCI_MSI_DATA_64 + 2;
	cfg_wr(a, h, h->msi_cap + PCI_MSI_ADDR_LO, 4,
	       MSI_ADDR_BASE | a->cfg.host_apic_id << MSI_ADDR_DEST_SHIFT);
	if (is64)
		cfg_wr(a, h, h->msi_cap + PCI_MSI_ADDR_HI, 4, 0);
	cfg_wr(a, h, h->msi_cap + (is64 ? PCI_MSI_DATA_64 : PCI_MSI_DATA_32), 2, a->cfg.vector);
}

static void refresh_bar(struct ahci_proxy *a, struct ahci_hba *h)
{
	h->mem_on = cfg_rd(a, h, PCI_CFG_COMMAND, 2) & PCI_CMD_MEMORY;
	h->abar = cfg_rd(a, h, AHCI_PCI_ABAR, 4) & PCI_BAR_MEM_MASK;
}

bool ahci_proxy_claims(struct ahci_proxy *a, uint32_t bdf)
{
	if (bdf >= VPROXY_BDFS)
		return false;
	for (unsigned int i = 0; i < a->nhba; i++)
		if (a->hba[i]->bdf == bdf)
			return true;
	if (a->checked[bdf / 64] >> (bdf % 64) & 1)
		return false;
	uint32_t id = a->cfg.ops->cfg_read(a->cfg.ctx, bdf, PCI_CFG_VENDOR, 4);
	if ((id & 0xFFFF) == 0xFFFF)
		return false; /* nothing there (yet): look again */
	a->checked[bdf / 64] |= 1ULL << (bdf % 64);
	if (a->cfg.ops->cfg_read(a->cfg.ctx, bdf, PCI_CFG_CLASS_REV, 4) >> 8 != AHCI_PCI_CLASS ||
	    a->nhba == AHCI_PROXY_MAX_HBAS)
		return false;
	struct ahci_hba *h = a->cfg.ops->alloc(a->cfg.ctx, sizeof(*h));
	if (!h)
		return false;
	h->bdf = bdf;
	find_msi(a, h);
	for (unsigned int i = 0; i < 5; i++) /* BAR5 is ABAR */
		if (cfg_rd(a, h, PCI_CFG_BAR0 + 4 * i, 4) & PCI_BAR_IO)
			h->io_bars |= (uint8_t)(1u << i);
	if (h->msi_cap)
		msi_to_host(a, h);
	refresh_bar(a, h);
	a->hba[a->nhba++] = h;
	ahci_note(a, false,
		  "AHCI %02x:%02x.%x (%04x:%04x, %s): proxied through shadow command lists "
		  "and bounce buffers",
		  bdf >> 8, (bdf >> 3) & 0x1F, bdf & 7, id & 0xFFFF, id >> 16,
		  h->msi_cap ? "MSI" : "INTx only");
	return true;
}

static struct ahci_hba *hba_of(struct ahci_proxy *a, uint32_t bdf)
{
	for (unsigned int i = 0; i < a->nhba; i++)
		if (a->hba[i]->bdf == bdf)
			return a->hba[i];
	return NULL;
}

/* --- the guest's configuration space ----------------------------------------- */

/** The guest's byte of its MSI address/data registers at @b. */
static uint8_t *msi_byte(struct ahci_hba *h, unsigned int b)
{
	if (!h->msi_cap || b < h->msi_cap + PCI_MSI_ADDR_LO || b >= h->msi_end)
		return NULL;
	unsigned int off = b - h->msi_cap - PCI_MSI_ADDR_LO;
	bool is64 = h->msi_end == h->msi_cap + PCI_MSI_DATA_64 + 2;
	uint32_t *f = off < 4 ? &h->msi_addr_lo : is64 && off < 8 ? &h->msi_addr_hi : &h->msi_data;
	return (uint8_t *)f + off % 4;
}

/** A byte the guest does not reach: an I/O BAR (the index/data pair, AHCI
 * 1.3.1 §2.1.10, a second way to the registers), which reads 0 as an
 * unimplemented BAR (PCI 3.0 §6.2.5.1). */
static bool io_bar_byte(const struct ahci_hba *h, unsigned int b)
{
	return b >= PCI_CFG_BAR0 && b < AHCI_PCI_ABAR && (h->io_bars >> (b - PCI_CFG_BAR0) / 4 & 1);
}

bool ahci_proxy_cfg_access(struct ahci_proxy *a, uint32_t bdf, unsigned int reg, unsigned int size,
			   bool write, uint32_t *val)
{
	if (!size || size > 4 || reg + size > 4096 || !ahci_proxy_claims(a, bdf))
		return false;
	struct ahci_hba *h = hba_of(a, bdf);
	bool own = false; /* a byte the proxy keeps */
	for (unsigned int i = 0; i < size; i++)
		own |= msi_byte(h, reg + i) || io_bar_byte(h, reg + i);
	if (!write) {
		uint32_t v = cfg_rd(a, h, reg, size);
		for (unsigned int i = 0; i < size && own; i++) {
			uint8_t *m = msi_byte(h, reg + i);
			uint32_t b = m ? *m : 0;
			if (m || io_bar_byte(h, reg + i))
				v = (v & ~(0xFFu << 8 * i)) | b << 8 * i;
		}
		if (reg <= PCI_CFG_COMMAND && reg + size > PCI_CFG_COMMAND)
			v &= ~((uint32_t)PCI_CMD_IO << 8 * (PCI_CFG_COMMAND - reg));
		*val = v;
		return true;
	}
	uint32_t v = *val;
	if (reg <= PCI_CFG_COMMAND && reg + size > PCI_CFG_COMMAND)
		v &= ~((uint32_t)PCI_CMD_IO << 8 * (PCI_CFG_COMMAND - reg));
	if (own) {
		for (unsigned int i = 0; i < size; i++) {
			uint8_t *m = msi_byte(h, reg + i), b = (uint8_t)(v >> 8 * i);
			if (m)
				*m = b;
			else if (!io_bar_byte(h, reg + i))
				cfg_wr(a, h, reg + i, 1, b);
		}
		return true;
	}
	unsigned int ctrl = h->msi_cap + PCI_MSI_CTRL;
	if (h->msi_cap && reg <= ctrl && reg + size > ctrl) {
		h->msi_ctrl = (uint16_t)(v >> 8 * (ctrl - reg));
		if (h->msi_ctrl & PCI_MSI_CTRL_ENABLE)
			msi_to_host(a, h); /* a reset of the function cleared them */
	}
	cfg_wr(a, h, reg, size, v);
	if (reg < AHCI_PCI_ABAR + 4 && reg + size > PCI_CFG_COMMAND)
		refresh_bar(a, h);
	return true;
}

/* --- the guest's ABAR registers ------------------------------------------------ */

/** The ports the HBA implements, read once it decodes its ABAR. */
static void find_ports(struct ahci_proxy *a, struct ahci_hba *h)
{
	if (h->pi)
		return;
	h->pi = ahci_rd(a, h, AHCI_PI);
	for (unsigned int pn = 0; pn < AHCI_PORTS; pn++)
		if (h->pi >> pn & 1)
			h->port[pn] = a->cfg.ops->alloc(a->cfg.ctx, sizeof(struct ahci_port));
}

/** The end of the registers the HBA decodes for sure: generic host
 * control, then up to its last implemented port (AHCI 1.3.1 §3). */
static uint32_t abar_end(const struct ahci_hba *h)
{
	unsigned int last = 0;
	for (unsigned int pn = 0; pn < AHCI_PORTS; pn++)
		if (h->pi >> pn & 1)
			last = pn + 1;
	return AHCI_PORT_BASE + last * AHCI_PORT_SIZE;
}

static uint32_t port_read(struct ahci_proxy *a, struct ahci_hba *h, unsigned int pn, uint32_t r)
{
	struct ahci_port *p = h->port[pn];
	uint32_t v;
	switch (r) {
	case AHCI_PX_CLB:
	case AHCI_PX_CLBU:
		return (uint32_t)(p->clb >> (r == AHCI_PX_CLBU ? 32 : 0));
	case AHCI_PX_FB:
	case AHCI_PX_FBU:
		return (uint32_t)(p->fb >> (r == AHCI_PX_FBU ? 32 : 0));
	case AHCI_PX_IS:
		v = ahci_rd(a, h, ahci_port_reg(pn, r));
		ahci_harvest(a, h, pn, NULL, NULL);
		if (p->split) /* a piece's FIS, not the command's end */
			v &= ~AHCI_PX_IS_DONE;
		return v | p->err_is;
	case AHCI_PX_CI:
		ahci_harvest(a, h, pn, &v, NULL);
		return v;
	case AHCI_PX_SACT:
		ahci_harvest(a, h, pn, NULL, &v);
		return v;
	case AHCI_PX_TFD:
		if (p->err_tfd)
			return AHCI_TFD_ERR_ABRT << 8 | AHCI_TFD_STS_DRDY | AHCI_TFD_STS_ERR;
		return ahci_rd(a, h, ahci_port_reg(pn, r));
	case AHCI_PX_CMD:
		v = ahci_rd(a, h, ahci_port_reg(pn, r));
		ahci_drain(a, h, pn, v);
		return v;
	}
	return ahci_rd(a, h, ahci_port_reg(pn, r));
}

static void set_half(uint64_t *a, bool high, uint32_t v)
{
	unsigned int sh = high ? 32 : 0;
	*a = (*a & ~(0xFFFFFFFFULL << sh)) | (uint64_t)v << sh;
}

/** PxCMD: the HBA gets the shadow command list and FIS area whenever the
 * guest starts either (their addresses are the proxy's, §3.3.1, §3.3.3). */
static void cmd_write(struct ahci_proxy *a, struct ahci_hba *h, unsigned int pn, uint32_t v)
{
	struct ahci_port *p = h->port[pn];
	if (v & (AHCI_PX_CMD_ST | AHCI_PX_CMD_FRE)) {
		if (!ahci_port_shadow(a, p)) {
			ahci_note(a, false, "AHCI: no room for port %u's shadow structures", pn);
			p->err_is |= AHCI_PX_IS_HBFS;
			return;
		}
		uint64_t cl = a->area_gpa + p->shadow, fis = cl + AHCI_CMD_LIST_BYTES;
		ahci_wr(a, h, ahci_port_reg(pn, AHCI_PX_CLB), (uint32_t)cl);
		ahci_wr(a, h, ahci_port_reg(pn, AHCI_PX_CLBU), (uint32_t)(cl >> 32));
		ahci_wr(a, h, ahci_port_reg(pn, AHCI_PX_FB), (uint32_t)fis);
		ahci_wr(a, h, ahci_port_reg(pn, AHCI_PX_FBU), (uint32_t)(fis >> 32));
	}
	if ((v & AHCI_PX_CMD_ST) && !p->started && p->draining)
		ahci_drain(a, h, pn, ahci_rd(a, h, ahci_port_reg(pn, AHCI_PX_CMD)));
	ahci_wr(a, h, ahci_port_reg(pn, AHCI_PX_CMD), v);
	if (p->started && !(v & AHCI_PX_CMD_ST))
		ahci_port_stopped(p);
	p->started = v & AHCI_PX_CMD_ST;
	p->fre = v & AHCI_PX_CMD_FRE;
}

static void port_write(struct ahci_proxy *a, struct ahci_hba *h, unsigned int pn, uint32_t r,
		       uint32_t v)
{
	struct ahci_port *p = h->port[pn];
	switch (r) {
	case AHCI_PX_CLB:
	case AHCI_PX_CLBU:
		/* bits 9:0 are reserved (§3.3.1): the HBA reads them as 0 */
		set_half(&p->clb, r == AHCI_PX_CLBU,
			 r == AHCI_PX_CLB ? v & ~(AHCI_CLB_ALIGN - 1) : v);
		return;
	case AHCI_PX_FB:
	case AHCI_PX_FBU:
		set_half(&p->fb, r == AHCI_PX_FBU, r == AHCI_PX_FB ? v & ~(AHCI_FB_ALIGN - 1) : v);
		return;
	case AHCI_PX_IS:
		p->err_is &= ~v;
		break;
	case AHCI_PX_CMD:
		cmd_write(a, h, pn, v);
		return;
	case AHCI_PX_CI:
		/* ignored while the port is stopped (§3.3.14); a bit already
		 * issued stays as it is */
		if (p->started) {
			p->pending |= v & ~p->issued;
			ahci_issue_pending(a, h, pn);
		}
		return;
	}
	ahci_wr(a, h, ahci_port_reg(pn, r), v);
}

static uint32_t ghc_read(struct ahci_proxy *a, struct ahci_hba *h, uint32_t r)
{
	uint32_t v = ahci_rd(a, h, r);
	if (r == AHCI_CAP)
		return v & ~AHCI_CAP_FBSS; /* one FIS area per port: no FIS-based switching */
	if (r == AHCI_IS) {
		ahci_harvest_hba(a, h);
		for (unsigned int pn = 0; pn < AHCI_PORTS; pn++)
			if (h->port[pn] && h->port[pn]->err_is)
				v |= 1u << pn;
	}
	return v;
}

static void ghc_write(struct ahci_proxy *a, struct ahci_hba *h, uint32_t r, uint32_t v)
{
	ahci_wr(a, h, r, v);
	if (r == AHCI_GHC && (v & AHCI_GHC_HR)) {
		/* HBA reset: every port stops (§10.4.3) */
		for (unsigned int pn = 0; pn < AHCI_PORTS; pn++) {
			struct ahci_port *p = h->port[pn];
			if (!p)
				continue;
			ahci_port_stopped(p);
			p->started = p->fre = false;
			p->err_is = 0;
		}
	}
}

bool ahci_proxy_mmio(struct ahci_proxy *a, uint64_t gpa, unsigned int size, bool write,
		     uint64_t *val)
{
	for (unsigned int i = 0; i < a->nhba; i++) {
		struct ahci_hba *h = a->hba[i];
		if (!h->mem_on || !h->abar || gpa < h->abar || gpa >= h->abar + AHCI_ABAR_BYTES)
			continue;
		/* ABAR's size is the HBA's (QEMU's ICH9: 4 KiB, 6 ports); what
		 * follows the last implemented port may be another BAR */
		find_ports(a, h);
		if (gpa >= h->abar + abar_end(h))
			continue;
		uint32_t off = (uint32_t)(gpa - h->abar);
		bool port = off >= AHCI_PORT_BASE;
		unsigned int pn = port ? (off - AHCI_PORT_BASE) / AHCI_PORT_SIZE : 0;
		uint32_t r = port ? (off - AHCI_PORT_BASE) % AHCI_PORT_SIZE : off;
		if (r >= (port ? AHCI_PX_BYTES : AHCI_GHC_BYTES))
			return false; /* vendor specific, reserved: the HBA's */
		if (size != 4 || (off & 3) || (port && !h->port[pn])) {
			/* not a register the proxy carries: reads 0, a write is
			 * dropped (AHCI 1.3.1 §3: DWORD accesses) */
			if (!write)
				*val = 0;
			return true;
		}
		uint32_t v = (uint32_t)*val;
		if (port && write)
			port_write(a, h, pn, r, v);
		else if (port)
			*val = port_read(a, h, pn, r);
		else if (write)
			ghc_write(a, h, r, v);
		else
			*val = ghc_read(a, h, r);
		return true;
	}
	return false;
}
