/* SPDX-License-Identifier: MIT */
/*
 * The NVMe proxy (nvme_proxy.h has the model): finding the controllers,
 * their configuration space, BAR0's registers and doorbells as the guest
 * sees them, MSI-X, and the pages of the shared area.  Commands and
 * completions are in nvme_proxy_cmd.c.  Facts: protocol/nvme.h (NVM Express
 * Base Specification 1.4), protocol/virtio.h's PCI constants (PCI 3.0).
 */
#include "nvme_proxy_priv.h"

#include <stdarg.h>

#include <lib/fmt.h>
#include <lib/string.h>

void nvp_note(struct nvproxy *p, bool hv_error, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vproxy_vlog(p->cfg.ops, p->cfg.ctx, hv_error, fmt, ap);
	va_end(ap);
}

void *nvp_guest(struct nvproxy *p, uint64_t gpa, uint64_t len)
{
	return p->cfg.ops->guest_ptr(p->cfg.ctx, gpa, len);
}

/* --- the shared area, in pages ------------------------------------------- */

static bool page_used(const struct nvproxy *p, uint32_t i)
{
	return p->page_map[i / 64] >> (i % 64) & 1;
}

/** @n contiguous pages, first fit from the hint; the first page or -1. */
int64_t nvp_pages_alloc(struct nvproxy *p, uint32_t n)
{
	if (!n || n > p->area_pages)
		return -1;
	for (uint32_t tries = 0, start = p->hint; tries < 2; tries++, start = 0) {
		uint32_t run = 0;
		for (uint32_t i = start; i < p->area_pages; i++) {
			run = page_used(p, i) ? 0 : run + 1;
			if (run < n)
				continue;
			uint32_t first = i + 1 - n;
			for (uint32_t j = first; j <= i; j++)
				p->page_map[j / 64] |= 1ULL << (j % 64);
			p->hint = (i + 1) % p->area_pages;
			return first;
		}
	}
	return -1;
}

void nvp_pages_free(struct nvproxy *p, uint32_t first, uint32_t n)
{
	for (uint32_t j = first; j < first + n; j++)
		p->page_map[j / 64] &= ~(1ULL << (j % 64));
}

void nvproxy_init(struct nvproxy *p, const struct nvproxy_config *cfg)
{
	memset(p, 0, sizeof(*p));
	p->cfg = *cfg;
}

bool nvproxy_set_area(struct nvproxy *p, uint8_t *area, uint64_t gpa, uint32_t size)
{
	uint32_t pages = size / NVME_PAGE;
	p->page_map = p->cfg.ops->alloc(p->cfg.ctx, (pages + 63) / 64 * 8);
	if (!p->page_map)
		return false;
	p->area = area;
	p->area_gpa = gpa;
	p->area_pages = pages;
	return true;
}

unsigned int nvproxy_ctrls(const struct nvproxy *p)
{
	return p->nctrl;
}

/* --- the real controller ------------------------------------------------- */

static uint32_t cfg_rd(struct nvproxy *p, uint32_t bdf, unsigned int reg, unsigned int size)
{
	return p->cfg.ops->cfg_read(p->cfg.ctx, bdf, reg, size);
}

static void cfg_wr(struct nvproxy *p, uint32_t bdf, unsigned int reg, unsigned int size, uint32_t v)
{
	p->cfg.ops->cfg_write(p->cfg.ctx, bdf, reg, size, v);
}

uint64_t nvp_real_rd(struct nvproxy *p, const struct nvproxy_ctrl *c, unsigned int reg,
		     unsigned int size)
{
	return p->cfg.ops->mmio_read(p->cfg.ctx, c->bar0 + reg, size);
}

void nvp_real_wr(struct nvproxy *p, const struct nvproxy_ctrl *c, unsigned int reg,
		 unsigned int size, uint64_t v)
{
	p->cfg.ops->mmio_write(p->cfg.ctx, c->bar0 + reg, size, v);
}

/** BAR0 (PCI 3.0 §6.2.5.1; NVMe §2.1.10: a 64-bit memory BAR) as decoded now. */
static void refresh_bar0(struct nvproxy *p, struct nvproxy_ctrl *c)
{
	c->mem_on = cfg_rd(p, c->bdf, PCI_CFG_COMMAND, 2) & PCI_CMD_MEMORY;
	uint32_t lo = cfg_rd(p, c->bdf, PCI_CFG_BAR0, 4);
	c->bar0 = lo & PCI_BAR_MEM_MASK;
	if ((lo & 0x6) == PCI_BAR_TYPE_64)
		c->bar0 |= (uint64_t)cfg_rd(p, c->bdf, PCI_CFG_BAR0 + 4, 4) << 32;
	if (lo & PCI_BAR_IO)
		c->bar0 = 0;
}

/** The MSI-X capability (PCI 3.0 §6.8.2); false: none, or its table or PBA
 * outside BAR0. */
static bool find_msix(struct nvproxy *p, struct nvproxy_ctrl *c)
{
	if (!(cfg_rd(p, c->bdf, PCI_CFG_STATUS, 2) & PCI_STATUS_CAP_LIST))
		return false;
	unsigned int ptr = cfg_rd(p, c->bdf, PCI_CFG_CAP_PTR, 1) & 0xFC;
	for (unsigned int n = 0; ptr >= 0x40 && n < 48; n++) {
		if ((cfg_rd(p, c->bdf, ptr, 1) & 0xFF) == PCI_CAP_ID_MSIX) {
			c->msix_cap = (uint8_t)ptr;
			c->msix_n = (uint16_t)((cfg_rd(p, c->bdf, ptr + PCI_MSIX_CTRL, 2) &
						PCI_MSIX_CTRL_SIZE_MASK) +
					       1);
			uint32_t t = cfg_rd(p, c->bdf, ptr + PCI_MSIX_TABLE, 4);
			uint32_t b = cfg_rd(p, c->bdf, ptr + PCI_MSIX_PBA, 4);
			c->table_off = t & ~PCI_MSIX_BIR_MASK;
			c->pba_off = b & ~PCI_MSIX_BIR_MASK;
			return (t & PCI_MSIX_BIR_MASK) == 0 && (b & PCI_MSIX_BIR_MASK) == 0;
		}
		ptr = cfg_rd(p, c->bdf, ptr + 1, 1) & 0xFC;
	}
	return false;
}

static struct nvproxy_ctrl *discover(struct nvproxy *p, uint32_t bdf)
{
	uint32_t id = cfg_rd(p, bdf, PCI_CFG_VENDOR, 4);
	if ((id & 0xFFFF) == 0xFFFF)
		return NULL; /* nothing there (yet): look again */
	p->checked[bdf / 64] |= 1ULL << (bdf % 64);
	if (cfg_rd(p, bdf, PCI_CFG_CLASS_REV, 4) >> 8 != NVME_PCI_CLASS)
		return NULL;
	char name[12];
	snprintf(name, sizeof(name), "%02x:%02x.%x", bdf >> 8, (bdf >> 3) & 0x1F, bdf & 7);
	struct nvproxy_ctrl *c = p->nctrl < NVPROXY_MAX_CTRLS
					 ? p->cfg.ops->alloc(p->cfg.ctx, sizeof(*c))
					 : NULL;
	if (!c) {
		nvp_note(p, false, "NVMe %s: more controllers than the proxy carries", name);
		return NULL; /* the virtio proxy hides it (a storage class) */
	}
	c->bdf = bdf;
	if (!find_msix(p, c)) {
		nvp_note(p, false, "NVMe %s: no MSI-X in BAR0: not carried", name);
		return NULL;
	}
	c->table_v = p->cfg.ops->alloc(p->cfg.ctx, c->msix_n * PCI_MSIX_ENTRY_SIZE);
	c->pba_v = p->cfg.ops->alloc(p->cfg.ctx, (c->msix_n + 63u) / 64 * 8);
	for (unsigned int i = 0; c->table_v && i < NVPROXY_MAX_QUEUES; i++)
		c->sq[i].cmd = p->cfg.ops->alloc(p->cfg.ctx, NVPROXY_QMAX * sizeof(struct nvp_cmd));
	for (unsigned int i = 0; i < NVPROXY_MAX_QUEUES; i++)
		if (!c->sq[i].cmd || !c->pba_v) {
			nvp_note(p, false, "NVMe %s: out of memory: not carried", name);
			return NULL;
		}
	for (unsigned int i = 0; i < c->msix_n; i++)
		c->table_v[i * 4 + 3] = PCI_MSIX_ENTRY_MASKED;
	refresh_bar0(p, c);
	nvp_note(p, false, "NVMe %s (%04x:%04x, %u MSI-X vectors): proxied through bounce buffers",
		 name, id & 0xFFFF, id >> 16, c->msix_n);
	p->ctrl[p->nctrl++] = c;
	return c;
}

static struct nvproxy_ctrl *lookup(struct nvproxy *p, uint32_t bdf)
{
	for (unsigned int i = 0; i < p->nctrl; i++)
		if (p->ctrl[i]->bdf == bdf)
			return p->ctrl[i];
	if (p->checked[bdf / 64] >> (bdf % 64) & 1)
		return NULL;
	return discover(p, bdf);
}

/* --- MSI-X ---------------------------------------------------------------- */

static bool msix_masked(const struct nvproxy_ctrl *c, uint16_t v)
{
	return !(c->msix_ctrl & PCI_MSIX_CTRL_ENABLE) || (c->msix_ctrl & PCI_MSIX_CTRL_MASKALL) ||
	       (c->table_v[v * 4 + 3] & PCI_MSIX_ENTRY_MASKED);
}

static void msi_send(struct nvproxy *p, struct nvproxy_ctrl *c, uint16_t v)
{
	const uint32_t *e = &c->table_v[v * 4];
	p->stats.guest_msis++;
	p->cfg.ops->guest_msi(p->cfg.ctx, (uint64_t)e[1] << 32 | e[0], e[2]);
}

/** Raise the guest's vector @v, or leave its PBA bit set while masked. */
void nvp_raise(struct nvproxy *p, struct nvproxy_ctrl *c, uint16_t v)
{
	if (v >= c->msix_n)
		return;
	if (msix_masked(c, v)) {
		c->pba_v[v / 64] |= 1ULL << (v % 64);
		return;
	}
	msi_send(p, c, v);
}

static void send_pending(struct nvproxy *p, struct nvproxy_ctrl *c)
{
	for (uint16_t v = 0; v < c->msix_n; v++) {
		if ((c->pba_v[v / 64] >> (v % 64) & 1) && !msix_masked(c, v)) {
			c->pba_v[v / 64] &= ~(1ULL << (v % 64));
			msi_send(p, c, v);
		}
	}
}

/** The real table: entry 0 to the paravisor's vector, enabled, unmasked. */
static void msix_take_over(struct nvproxy *p, struct nvproxy_ctrl *c)
{
	uint32_t ctrl = cfg_rd(p, c->bdf, c->msix_cap + PCI_MSIX_CTRL, 2);
	cfg_wr(p, c->bdf, c->msix_cap + PCI_MSIX_CTRL, 2,
	       (ctrl & ~PCI_MSIX_CTRL_MASKALL) | PCI_MSIX_CTRL_ENABLE);
	unsigned int e = c->table_off;
	nvp_real_wr(p, c, e + PCI_MSIX_ENTRY_ADDR_LO, 4,
		    MSI_ADDR_BASE | p->cfg.host_apic_id << MSI_ADDR_DEST_SHIFT);
	nvp_real_wr(p, c, e + PCI_MSIX_ENTRY_ADDR_HI, 4, 0);
	nvp_real_wr(p, c, e + PCI_MSIX_ENTRY_DATA, 4, p->cfg.vector);
	nvp_real_wr(p, c, e + PCI_MSIX_ENTRY_CTRL, 4, 0);
}

static void table_access(struct nvproxy *p, struct nvproxy_ctrl *c, uint32_t off, unsigned int size,
			 bool write, uint64_t *val)
{
	if ((size != 4 && size != 8) || (off & (size - 1))) {
		if (!write)
			*val = 0;
		return; /* PCI 3.0 §6.8.2: DWORD or aligned QWORD accesses */
	}
	uint32_t *f = &c->table_v[off / 4];
	if (!write) {
		*val = size == 8 ? (uint64_t)f[1] << 32 | f[0] : f[0];
		return;
	}
	f[0] = (uint32_t)*val;
	if (size == 8)
		f[1] = (uint32_t)(*val >> 32);
	c->table_v[(off / PCI_MSIX_ENTRY_SIZE) * 4 + 3] &= PCI_MSIX_ENTRY_MASKED;
	send_pending(p, c);
}

/* --- registers ------------------------------------------------------------ */

/** CAP as the guest sees it (nvme_proxy.h). */
static uint64_t cap_view(uint64_t cap)
{
	uint64_t mqes = cap & NVME_CAP_MQES_MASK;
	if (mqes > NVPROXY_QMAX - 1)
		mqes = NVPROXY_QMAX - 1;
	cap &= ~(NVME_CAP_MQES_MASK | NVME_CAP_NSSRS | NVME_CAP_BPS | NVME_CAP_PMRS |
		 NVME_CAP_CMBS);
	return cap | mqes | NVME_CAP_CQR;
}

/** The guest's CC write: enabling starts the admin queue pair, clearing EN
 * resets the controller and forgets every queue (§3.1.5, §7.6.2). */
static void cc_write(struct nvproxy *p, struct nvproxy_ctrl *c, uint32_t cc)
{
	bool en = cc & NVME_CC_EN;
	if (en && !c->enabled) {
		c->enabled = true;
		if (NVME_CC_MPS(cc) != 0 || !nvp_admin_start(p, c)) {
			c->fatal = true; /* the controller would fail on it: CSTS.CFS */
			return;
		}
		msix_take_over(p, c);
	} else if (!en && c->enabled) {
		c->enabled = false;
		nvp_real_wr(p, c, NVME_REG_CC, 4, cc);
		for (unsigned int tries = 0; nvp_real_rd(p, c, NVME_REG_CSTS, 4) & NVME_CSTS_RDY;)
			if (++tries == 100000) {
				nvp_note(p, true, "NVMe: the controller stays ready after reset");
				break;
			}
		nvp_forget_queues(p, c);
		c->fatal = false;
		return;
	}
	if (!c->fatal)
		nvp_real_wr(p, c, NVME_REG_CC, 4, cc);
}

static uint64_t merge64(uint64_t old, unsigned int half, unsigned int size, uint64_t val)
{
	if (size == 8)
		return val;
	unsigned int shift = half ? 32 : 0;
	return (old & ~(0xFFFFFFFFULL << shift)) | ((val & 0xFFFFFFFF) << shift);
}

void nvp_reg_write(struct nvproxy *p, struct nvproxy_ctrl *c, unsigned int reg, unsigned int size,
		   uint64_t val)
{
	if (reg >= NVME_REG_DBS) {
		unsigned int stride = 4u << c->dstrd, idx = (reg - NVME_REG_DBS) / stride;
		p->stats.doorbells++;
		if (size != 4 || (reg - NVME_REG_DBS) % stride || idx / 2 >= NVPROXY_MAX_QUEUES ||
		    !c->enabled || c->fatal)
			return; /* no such doorbell: dropped */
		if (idx % 2)
			nvp_cq_doorbell(p, c, (uint16_t)(idx / 2), (uint32_t)val);
		else
			nvp_sq_doorbell(p, c, (uint16_t)(idx / 2), (uint32_t)val);
		return;
	}
	if (size != 4 && size != 8)
		return;
	switch (reg) {
	case NVME_REG_CC:
		cc_write(p, c, (uint32_t)val);
		return;
	case NVME_REG_AQA:
		c->aqa = (uint32_t)val;
		return;
	case NVME_REG_ASQ:
	case NVME_REG_ASQ + 4:
		c->asq = merge64(c->asq, reg & 4, size, val);
		return;
	case NVME_REG_ACQ:
	case NVME_REG_ACQ + 4:
		c->acq = merge64(c->acq, reg & 4, size, val);
		return;
	}
	/* INTMS/INTMC (MSI-X is the proxy's), NSSR (not offered), read-only
	 * and reserved registers: dropped */
}

static uint64_t reg_read(struct nvproxy *p, struct nvproxy_ctrl *c, unsigned int reg,
			 unsigned int size)
{
	if (reg >= NVME_REG_DBS || (size != 4 && size != 8))
		return 0; /* doorbells are write-only (§3.1.24) */
	uint64_t v;
	switch (reg & ~7u) {
	case NVME_REG_CAP:
		v = cap_view(nvp_real_rd(p, c, NVME_REG_CAP, 8));
		break;
	case NVME_REG_ASQ:
		v = c->asq;
		break;
	case NVME_REG_ACQ:
		v = c->acq;
		break;
	case NVME_REG_CMBLOC:
		return 0;
	default:
		if (reg == NVME_REG_AQA)
			return c->aqa;
		v = nvp_real_rd(p, c, reg, size);
		if (reg == NVME_REG_CSTS && c->fatal)
			v |= NVME_CSTS_CFS;
		return v;
	}
	return size == 8 ? v : (uint32_t)(v >> (reg & 4) * 8);
}

bool nvproxy_mmio(struct nvproxy *p, uint64_t gpa, unsigned int size, bool write, uint64_t *val)
{
	for (unsigned int i = 0; i < p->nctrl; i++) {
		struct nvproxy_ctrl *c = p->ctrl[i];
		if (!c->mem_on || !c->bar0 || gpa < c->bar0 || gpa - c->bar0 >= 1ULL << 32)
			continue;
		uint32_t off = (uint32_t)(gpa - c->bar0);
		if (off >= c->table_off && off + size <= c->table_off + c->msix_n * 16u) {
			table_access(p, c, off - c->table_off, size, write, val);
			return true;
		}
		if (off >= c->pba_off && off + size <= c->pba_off + (c->msix_n + 63u) / 64 * 8) {
			uint32_t o = off - c->pba_off;
			if (!write)
				*val = size == 8 ? c->pba_v[o / 8]
						 : (uint32_t)(c->pba_v[o / 8] >> ((o & 4) * 8));
			return true;
		}
		/* the registers and doorbells: up to the MSI-X structures, at
		 * least the proxy's queues' doorbells */
		uint32_t ours = c->table_off < c->pba_off ? c->table_off : c->pba_off;
		if (ours < NVME_CQ_DB(NVPROXY_MAX_QUEUES, c->dstrd))
			ours = NVME_CQ_DB(NVPROXY_MAX_QUEUES, c->dstrd);
		if (off >= ours)
			continue; /* beyond: the controller's (passed through) */
		if (off & (size - 1)) {
			if (!write)
				*val = 0;
			return true;
		}
		if (write)
			nvp_reg_write(p, c, off, size, *val);
		else
			*val = reg_read(p, c, off, size);
		return true;
	}
	return false;
}

void nvproxy_interrupt(struct nvproxy *p)
{
	for (unsigned int i = 0; i < p->nctrl; i++)
		if (p->ctrl[i]->enabled && !p->ctrl[i]->fatal)
			nvp_harvest_all(p, p->ctrl[i]);
}

/* --- configuration space -------------------------------------------------- */

/** The byte holding Message Control's ENABLE and MASKALL (bits 15, 14). */
static int msix_byte(const struct nvproxy_ctrl *c, unsigned int reg, unsigned int size)
{
	unsigned int b = c->msix_cap + PCI_MSIX_CTRL + 1u;
	return b >= reg && b < reg + size ? (int)(b - reg) * 8 : -1;
}

bool nvproxy_cfg_access(struct nvproxy *p, uint32_t bdf, unsigned int reg, unsigned int size,
			bool write, uint32_t *val)
{
	if (bdf >= NVPROXY_BDFS || !size || size > 4 || reg + size > 4096)
		return false;
	/* a bridge's bus numbers changed: what sits behind bridges may too */
	if (write && reg < 0x1B && reg + size > 0x18)
		memset(&p->checked[256 / 64], 0, sizeof(p->checked) - 256 / 8);
	struct nvproxy_ctrl *c = lookup(p, bdf);
	if (!c)
		return false;
	int shift = msix_byte(c, reg, size);
	if (!write) {
		uint32_t v = cfg_rd(p, bdf, reg, size);
		if (shift >= 0)
			v = (v & ~(0xC0u << shift)) | (uint32_t)(c->msix_ctrl >> 8 & 0xC0) << shift;
		*val = v;
		return true;
	}
	uint32_t v = *val;
	if (shift >= 0) {
		c->msix_ctrl = (uint16_t)((v >> shift & 0xC0) << 8);
		uint32_t real = cfg_rd(p, bdf, c->msix_cap + PCI_MSIX_CTRL + 1, 1) & 0xC0;
		v = (v & ~(0xC0u << shift)) | real << shift;
	}
	cfg_wr(p, bdf, reg, size, v);
	if (reg < PCI_CFG_BAR0 + 8 && reg + size > PCI_CFG_COMMAND)
		refresh_bar0(p, c);
	if (shift >= 0)
		send_pending(p, c);
	return true;
}
