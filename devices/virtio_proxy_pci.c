/* SPDX-License-Identifier: MIT */
/*
 * The virtio proxy on PCI: finding the functions (the virtio capabilities,
 * the ones to hide), and what the guest sees of them: the configuration
 * space, the common configuration, the notification, ISR and MSI-X
 * structures.
 */
#include "virtio_proxy_priv.h"

#include <lib/string.h>

/* --- the real device ------------------------------------------------------ */

/** The memory BARs as the device decodes them now. */
static void refresh_bars(struct vproxy *p, struct vproxy_dev *d)
{
	d->mem_on = cfg_rd(p, d, PCI_CFG_COMMAND, 2) & PCI_CMD_MEMORY;
	for (unsigned int i = 0; i < 6; i++) {
		uint32_t lo = cfg_rd(p, d, PCI_CFG_BAR0 + 4 * i, 4);
		d->bar[i] = 0;
		if (lo & PCI_BAR_IO)
			continue;
		d->bar[i] = lo & PCI_BAR_MEM_MASK;
		if ((lo & 0x6) == PCI_BAR_TYPE_64 && i < 5) {
			d->bar[i] |= (uint64_t)cfg_rd(p, d, PCI_CFG_BAR0 + 4 * (i + 1), 4) << 32;
			d->bar[++i] = 0;
		}
	}
}

/* --- finding the functions ------------------------------------------------ */

static void parse_caps(struct vproxy *p, struct vproxy_dev *d)
{
	if (!(cfg_rd(p, d, PCI_CFG_STATUS, 2) & PCI_STATUS_CAP_LIST))
		return;
	unsigned int ptr = cfg_rd(p, d, PCI_CFG_CAP_PTR, 1) & 0xFC;
	for (unsigned int n = 0; ptr >= 0x40 && n < 48; n++) {
		uint8_t id = (uint8_t)cfg_rd(p, d, ptr, 1);
		if (id == PCI_CAP_ID_MSIX) {
			d->msix_cap = (uint8_t)ptr;
			d->msix_n = (cfg_rd(p, d, ptr + PCI_MSIX_CTRL, 2) &
				     PCI_MSIX_CTRL_SIZE_MASK) +
				    1;
			uint32_t t = cfg_rd(p, d, ptr + PCI_MSIX_TABLE, 4);
			uint32_t b = cfg_rd(p, d, ptr + PCI_MSIX_PBA, 4);
			d->table = (struct vproxy_region){ t & PCI_MSIX_BIR_MASK,
							   t & ~PCI_MSIX_BIR_MASK,
							   d->msix_n * PCI_MSIX_ENTRY_SIZE, true };
			d->pba = (struct vproxy_region){ b & PCI_MSIX_BIR_MASK,
							 b & ~PCI_MSIX_BIR_MASK,
							 (d->msix_n + 63) / 64 * 8, true };
		} else if (id == PCI_CAP_ID_VENDOR) {
			uint8_t type = (uint8_t)cfg_rd(
				p, d, ptr + offsetof(struct virtio_pci_cap, cfg_type), 1);
			struct vproxy_region r = {
				.bar = (uint8_t)cfg_rd(
					p, d, ptr + offsetof(struct virtio_pci_cap, bar), 1),
				.off = cfg_rd(p, d, ptr + offsetof(struct virtio_pci_cap, offset),
					      4),
				.len = cfg_rd(p, d, ptr + offsetof(struct virtio_pci_cap, length),
					      4),
				.present = true,
			};
			struct vproxy_region *slot = type == VIRTIO_PCI_CAP_COMMON_CFG ? &d->common
						     : type == VIRTIO_PCI_CAP_NOTIFY_CFG
							     ? &d->notify
						     : type == VIRTIO_PCI_CAP_ISR_CFG ? &d->isr_cfg
										      : NULL;
			/* the first of each type is the one to use (§4.1.4) */
			if (slot && !slot->present && r.bar < 6) {
				*slot = r;
				if (type == VIRTIO_PCI_CAP_NOTIFY_CFG)
					d->notify_mult =
						cfg_rd(p, d, ptr + VIRTIO_PCI_NOTIFY_MULTIPLIER, 4);
			}
		}
		ptr = cfg_rd(p, d, ptr + 1, 1) & 0xFC;
	}
}

/** Which BARs decode I/O space (bit 0 of a BAR is hardwired, PCI 3.0 §6.2.5.1). */
static uint8_t io_bars(struct vproxy *p, const struct vproxy_dev *d)
{
	uint8_t io = 0;
	for (unsigned int i = 0; i < 6; i++) {
		uint32_t lo = cfg_rd(p, d, PCI_CFG_BAR0 + 4 * i, 4);
		if (lo & PCI_BAR_IO)
			io |= (uint8_t)(1u << i);
		else if ((lo & 0x6) == PCI_BAR_TYPE_64)
			i++;
	}
	return io;
}

static bool in_io_bar(const struct vproxy_dev *d, const struct vproxy_region *r)
{
	return d->io_bars >> r->bar & 1;
}

static const char *why_not_proxied(const struct vproxy_dev *d)
{
	if (d->device_id < VIRTIO_PCI_DEVICE_MODERN_FIRST + 1 ||
	    d->device_id > VIRTIO_PCI_DEVICE_MODERN_LAST)
		return d->transitional ? "a transitional virtio function whose subsystem ID "
					 "names no device type"
				       : "virtio device type 0 (reserved)";
	if (!d->common.present || !d->notify.present || !d->isr_cfg.present)
		return d->transitional ? "a legacy-only virtio function (no virtio 1.x "
					 "capabilities: disable-modern=on)"
				       : "no virtio 1.x capabilities";
	if (in_io_bar(d, &d->common) || in_io_bar(d, &d->notify) || in_io_bar(d, &d->isr_cfg))
		return "virtio 1.x structures in an I/O BAR";
	if (d->common.len < sizeof(struct virtio_pci_common_cfg) - 4)
		return "common configuration too small";
	if (!d->table.present || d->table.bar >= 6 || d->pba.bar >= 6)
		return "no MSI-X";
	return NULL;
}

/** A function the proxy cannot carry: its DMA would fail, so the guest does
 * not see it at all (configuration reads all ones). */
static void hide(struct vproxy *p, uint32_t bdf, uint32_t id, const char *why)
{
	char name[12];
	vproxy_bdf_name(bdf, name);
	p->hidden[bdf / 64] |= 1ULL << (bdf % 64);
	p->nhidden++;
	vproxy_note(p, false, "PCI %s (%04x:%04x): %s: hidden from the guest", name, id & 0xFFFF,
		    id >> 16, why);
}

/** Why a function that is not virtio cannot be given to the guest, or NULL.
 * Its class says it moves data by bus-master DMA (a disk, network or USB
 * controller, an audio device), and that DMA would meet private memory:
 * writes are dropped, reads see ciphertext.  Hidden, the guest's driver
 * never binds to a device that would corrupt its data without a word. */
static const char *why_not_given(uint32_t class_rev)
{
	uint32_t base = class_rev >> 24, sub = class_rev >> 16;
	if (base == PCI_CLASS_STORAGE || base == PCI_CLASS_NETWORK ||
	    base == PCI_CLASS_MULTIMEDIA || sub == PCI_CLASS_SERIAL_USB ||
	    sub == PCI_CLASS_SERIAL_FIREWIRE)
		return "its DMA cannot reach private memory and only virtio 1.x devices are "
		       "proxied";
	return NULL;
}

static struct vproxy_dev *discover(struct vproxy *p, uint32_t bdf)
{
	uint32_t id = p->cfg.ops->cfg_read(p->cfg.ctx, bdf, PCI_CFG_VENDOR, 4);
	if ((id & 0xFFFF) == 0xFFFF)
		return NULL; /* nothing there (yet): look again */
	p->checked[bdf / 64] |= 1ULL << (bdf % 64);
	uint16_t device = (uint16_t)(id >> 16);
	if ((id & 0xFFFF) != VIRTIO_PCI_VENDOR || device < VIRTIO_PCI_DEVICE_LEGACY_FIRST ||
	    device > VIRTIO_PCI_DEVICE_MODERN_LAST) {
		const char *why =
			why_not_given(p->cfg.ops->cfg_read(p->cfg.ctx, bdf, PCI_CFG_CLASS_REV, 4));
		if (why)
			hide(p, bdf, id, why);
		return NULL;
	}
	struct vproxy_dev *d = p->ndev < VPROXY_MAX_DEVICES
				       ? p->cfg.ops->alloc(p->cfg.ctx, sizeof(*d))
				       : NULL;
	if (!d) {
		hide(p, bdf, id, "more virtio functions than the proxy carries");
		return NULL;
	}
	d->bdf = bdf;
	d->device_id = device;
	d->config_msix = VIRTIO_NO_VECTOR;
	if (device <= VIRTIO_PCI_DEVICE_LEGACY_LAST) {
		/* transitional: its subsystem ID is the device type (virtio 1.2
		 * §4.1.2.1); it is carried through its modern interface */
		d->transitional = true;
		d->device_id = (uint16_t)(VIRTIO_PCI_DEVICE_MODERN_FIRST +
					  MIN_U32(cfg_rd(p, d, PCI_CFG_SUBSYSTEM_ID, 2), 0x40));
	}
	d->io_bars = io_bars(p, d);
	parse_caps(p, d);
	const char *why = why_not_proxied(d);
	if (!why) {
		d->table_v = p->cfg.ops->alloc(p->cfg.ctx, d->msix_n * sizeof(*d->table_v));
		d->pba_v = p->cfg.ops->alloc(p->cfg.ctx, (d->msix_n + 63) / 64 * 8);
		if (!d->table_v || !d->pba_v)
			why = "out of memory";
	}
	if (why) {
		hide(p, bdf, id, why);
		return NULL; /* d is not reused: discovery runs once per function */
	}
	for (unsigned int i = 0; i < d->msix_n; i++)
		d->table_v[i].ctrl = PCI_MSIX_ENTRY_MASKED;
	refresh_bars(p, d);
	char name[12];
	vproxy_bdf_name(bdf, name);
	if (d->transitional)
		vproxy_note(p, false,
			    "virtio %s (transitional device %#x, %u MSI-X vectors): proxied "
			    "through bounce buffers, shown as device %#x without its legacy "
			    "I/O BAR",
			    name, device, d->msix_n, d->device_id);
	else
		vproxy_note(p, false,
			    "virtio %s (device %#x, %u MSI-X vectors): proxied through "
			    "bounce buffers",
			    name, device, d->msix_n);
	p->dev[p->ndev++] = d;
	return d;
}

static struct vproxy_dev *lookup(struct vproxy *p, uint32_t bdf)
{
	for (unsigned int i = 0; i < p->ndev; i++)
		if (p->dev[i]->bdf == bdf)
			return p->dev[i];
	if (p->checked[bdf / 64] >> (bdf % 64) & 1)
		return NULL;
	return discover(p, bdf);
}

/* --- the guest's common configuration -------------------------------------- */

/** Feature bits the proxy carries, by 32-bit select. */
static uint32_t feature_mask(uint32_t sel)
{
	if (sel == 0)
		return (1u << VIRTIO_DEVICE_FEATURE_BITS) - 1;
	if (sel == 1)
		return 1u << (VIRTIO_F_VERSION_1 - 32);
	return 0;
}

/** FEATURES_OK: the device gets the guest's features, plus ACCESS_PLATFORM
 * if it offers it (its DMA goes through the IOMMU, to our pool). */
static void set_device_features(struct vproxy *p, struct vproxy_dev *d)
{
	common_wr(p, d, COMMON(device_feature_select), 4, 1);
	d->ap_offered = common_rd(p, d, COMMON(device_feature), 4) &
			1u << (VIRTIO_F_ACCESS_PLATFORM - 32);
	common_wr(p, d, COMMON(device_feature_select), 4, d->dfsel);
	for (uint32_t sel = 0; sel < 2; sel++) {
		uint32_t v = d->gfeat[sel];
		if (sel == 1 && d->ap_offered)
			v |= 1u << (VIRTIO_F_ACCESS_PLATFORM - 32);
		common_wr(p, d, COMMON(driver_feature_select), 4, sel);
		common_wr(p, d, COMMON(driver_feature), 4, v);
	}
	common_wr(p, d, COMMON(driver_feature_select), 4, d->gfsel);
}

static bool size_ok(unsigned int off, unsigned int size, unsigned int field_off,
		    unsigned int field_size)
{
	if (field_size == 8) /* 64-bit fields: whole, or as two 32-bit halves (§4.1.3.1) */
		return (size == 8 && off == field_off) ||
		       (size == 4 && (off == field_off || off == field_off + 4));
	return size == field_size && off == field_off;
}

static uint64_t merge64(uint64_t old, unsigned int half_off, unsigned int size, uint64_t val)
{
	if (size == 8)
		return val;
	unsigned int shift = half_off ? 32 : 0;
	return (old & ~(0xFFFFFFFFULL << shift)) | ((val & 0xFFFFFFFF) << shift);
}

static uint64_t *queue_addr(struct vproxy_queue *q, unsigned int field)
{
	return field == COMMON(queue_desc)     ? &q->desc
	       : field == COMMON(queue_driver) ? &q->driver
					       : &q->device;
}

static void common_write(struct vproxy *p, struct vproxy_dev *d, unsigned int off,
			 unsigned int size, uint64_t val)
{
	struct vproxy_queue *q = vproxy_dev_queue(p, d, d->qsel);
	switch (off & ~7u) {
	case COMMON(queue_desc):
	case COMMON(queue_driver):
	case COMMON(queue_device):
		if (q && !q->enabled && size_ok(off, size, off & ~7u, 8)) {
			uint64_t *a = queue_addr(q, off & ~7u);
			*a = merge64(*a, off & 4, size, val);
		}
		return;
	}
	switch (off) {
	case COMMON(device_feature_select):
		d->dfsel = (uint32_t)val;
		common_wr(p, d, off, 4, val);
		return;
	case COMMON(driver_feature_select):
		d->gfsel = (uint32_t)val;
		common_wr(p, d, off, 4, val);
		return;
	case COMMON(driver_feature):
		if (d->gfsel < 2)
			d->gfeat[d->gfsel] = (uint32_t)val & feature_mask(d->gfsel);
		return;
	case COMMON(config_msix_vector):
		d->config_msix = val < d->msix_n ? (uint16_t)val : VIRTIO_NO_VECTOR;
		return;
	case COMMON(device_status):
		if (size != 1)
			return;
		if ((uint8_t)val == 0) {
			vproxy_reset_device(p, d);
			return;
		}
		if ((val & VIRTIO_STATUS_FEATURES_OK) &&
		    !(common_rd(p, d, off, 1) & VIRTIO_STATUS_FEATURES_OK))
			set_device_features(p, d);
		common_wr(p, d, off, 1, val);
		return;
	case COMMON(queue_select):
		d->qsel = (uint16_t)val;
		common_wr(p, d, off, 2, val);
		return;
	case COMMON(queue_size):
		if (q && !q->enabled) {
			q->size = (uint16_t)val;
			common_wr(p, d, off, 2, val);
		}
		return;
	case COMMON(queue_msix_vector):
		if (q)
			q->msix = val < d->msix_n ? (uint16_t)val : VIRTIO_NO_VECTOR;
		return;
	case COMMON(queue_enable):
		if (val == 1 && !d->broken)
			vproxy_enable_queue(p, d, d->qsel);
		return;
	}
	/* read-only fields and queue_reset (not offered): the write is dropped */
}

static uint64_t common_read(struct vproxy *p, struct vproxy_dev *d, unsigned int off,
			    unsigned int size)
{
	struct vproxy_queue *q = vproxy_dev_queue(p, d, d->qsel);
	switch (off & ~7u) {
	case COMMON(queue_desc):
	case COMMON(queue_driver):
	case COMMON(queue_device):
		if (!q || !size_ok(off, size, off & ~7u, 8))
			return 0;
		return size == 8 ? *queue_addr(q, off & ~7u)
				 : (uint32_t)(*queue_addr(q, off & ~7u) >> ((off & 4) * 8));
	}
	switch (off) {
	case COMMON(device_feature):
		return common_rd(p, d, off, 4) & feature_mask(d->dfsel);
	case COMMON(driver_feature):
		return d->gfsel < 2 ? d->gfeat[d->gfsel] : 0;
	case COMMON(config_msix_vector):
		return d->config_msix;
	case COMMON(num_queues):
		return d->num_queues;
	case COMMON(device_status):
		return common_rd(p, d, off, 1) | (d->broken ? VIRTIO_STATUS_NEEDS_RESET : 0);
	case COMMON(queue_size): {
		uint16_t n = (uint16_t)common_rd(p, d, off, 2);
		return q ? MIN_U32(n, VPROXY_MAX_QSIZE) : 0;
	}
	case COMMON(queue_msix_vector):
		return q ? q->msix : VIRTIO_NO_VECTOR;
	case COMMON(queue_enable):
		return q && q->enabled;
	}
	return common_rd(p, d, off, size);
}

/* --- the guest's MMIO --------------------------------------------------- */

static bool hit(const struct vproxy_dev *d, const struct vproxy_region *r, uint64_t gpa,
		unsigned int size, uint32_t *off)
{
	if (!r->present || !d->bar[r->bar])
		return false;
	uint64_t base = region_gpa(d, r);
	if (gpa < base || gpa + size > base + r->len)
		return false;
	*off = (uint32_t)(gpa - base);
	return true;
}

static void table_access(struct vproxy *p, struct vproxy_dev *d, uint32_t off, unsigned int size,
			 bool write, uint64_t *val)
{
	struct msix_entry *e = &d->table_v[off / PCI_MSIX_ENTRY_SIZE];
	uint32_t *f = &e->addr_lo + (off % PCI_MSIX_ENTRY_SIZE) / 4;
	if ((size != 4 && size != 8) || (off & (size - 1))) {
		if (!write)
			*val = 0;
		return; /* PCI 3.0 §6.8.2: DWORD or aligned QWORD */
	}
	if (!write) {
		*val = size == 8 ? (uint64_t)f[1] << 32 | f[0] : f[0];
		return;
	}
	f[0] = (uint32_t)*val;
	if (size == 8)
		f[1] = (uint32_t)(*val >> 32);
	e->ctrl &= PCI_MSIX_ENTRY_MASKED;
	vproxy_deliver_pending(p, d);
}

bool vproxy_mmio(struct vproxy *p, uint64_t gpa, unsigned int size, bool write, uint64_t *val)
{
	for (unsigned int i = 0; i < p->ndev; i++) {
		struct vproxy_dev *d = p->dev[i];
		uint32_t off;
		if (!d->mem_on)
			continue;
		if (hit(d, &d->common, gpa, size, &off)) {
			if (!d->num_queues)
				d->num_queues = (uint16_t)MIN_U32(
					common_rd(p, d, COMMON(num_queues), 2), VPROXY_MAX_QUEUES);
			if (write)
				common_write(p, d, off, size, *val);
			else
				*val = common_read(p, d, off, size);
			return true;
		}
		if (hit(d, &d->notify, gpa, size, &off)) {
			if (!write) {
				*val = 0;
				return true;
			}
			p->stats.notifies++;
			uint16_t qi = (uint16_t)*val;
			if (qi < VPROXY_MAX_QUEUES && d->q[qi] && d->q[qi]->enabled && !d->broken) {
				vproxy_kick_queue(p, d, qi);
				if (!d->broken)
					vproxy_harvest(p, d, qi);
			}
			return true;
		}
		if (hit(d, &d->isr_cfg, gpa, size, &off)) {
			if (!write) {
				*val = off ? 0 : d->isr;
				d->isr = 0; /* reading clears it (§4.1.4.5) */
			}
			return true;
		}
		if (hit(d, &d->table, gpa, size, &off)) {
			table_access(p, d, off, size, write, val);
			return true;
		}
		if (hit(d, &d->pba, gpa, size, &off)) {
			if (!write)
				*val = size == 8 ? d->pba_v[off / 8]
						 : (uint32_t)(d->pba_v[off / 8] >> ((off & 4) * 8));
			return true;
		}
	}
	return false;
}

/* --- the guest's configuration space ---------------------------------------- */

/** Byte @b of a transitional function's header as the guest sees it: the
 * same device made with disable-legacy=on (modern device ID, revision 1,
 * QEMU's modern subsystem ID), without its I/O BARs or I/O decoding.  So
 * every driver takes the modern interface, the one the proxy carries:
 * OVMF's binds only to modern IDs, Linux's prefers them.  @real: the
 * device's byte. */
static uint8_t modern_byte(const struct vproxy_dev *d, unsigned int b, uint8_t real)
{
	switch (b) {
	case PCI_CFG_DEVICE:
	case PCI_CFG_DEVICE + 1:
		return (uint8_t)(d->device_id >> 8 * (b - PCI_CFG_DEVICE));
	case PCI_CFG_REVISION:
		return 1;
	case PCI_CFG_SUBSYSTEM_ID:
	case PCI_CFG_SUBSYSTEM_ID + 1:
		return (uint8_t)(VIRTIO_PCI_SUBSYSTEM_MODERN >> 8 * (b - PCI_CFG_SUBSYSTEM_ID));
	case PCI_CFG_COMMAND:
		return real & (uint8_t)~PCI_CMD_IO;
	}
	if (b >= PCI_CFG_BAR0 && b < PCI_CFG_BAR_END && (d->io_bars >> (b - PCI_CFG_BAR0) / 4 & 1))
		return 0; /* not implemented: sizing reads 0 */
	return real;
}

static uint32_t modern_view(const struct vproxy_dev *d, unsigned int reg, unsigned int size,
			    uint32_t v)
{
	for (unsigned int i = 0; i < size; i++) {
		uint8_t b = modern_byte(d, reg + i, (uint8_t)(v >> 8 * i));
		v = (v & ~(0xFFu << 8 * i)) | (uint32_t)b << 8 * i;
	}
	return v;
}

/** The byte holding Message Control's ENABLE and MASKALL (bits 15, 14). */
static int msix_byte(const struct vproxy_dev *d, unsigned int reg, unsigned int size)
{
	unsigned int b = d->msix_cap + PCI_MSIX_CTRL + 1;
	return d->msix_cap && b >= reg && b < reg + size ? (int)(b - reg) * 8 : -1;
}

bool vproxy_cfg_access(struct vproxy *p, uint32_t bdf, unsigned int reg, unsigned int size,
		       bool write, uint32_t *val)
{
	if (bdf >= VPROXY_BDFS || !size || size > 4 || reg + size > 4096)
		return false;
	/* a bridge's bus numbers changed: what sits behind bridges may too */
	if (write && reg < 0x1B && reg + size > 0x18)
		memset(&p->checked[256 / 64], 0, sizeof(p->checked) - 256 / 8);
	struct vproxy_dev *d = lookup(p, bdf);
	if (p->hidden[bdf / 64] >> (bdf % 64) & 1) {
		if (!write)
			*val = size == 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1;
		return true;
	}
	if (!d)
		return false;
	int shift = msix_byte(d, reg, size);
	if (!write) {
		uint32_t v = cfg_rd(p, d, reg, size);
		if (shift >= 0)
			v = (v & ~(0xC0u << shift)) | (uint32_t)(d->msix_ctrl >> 8 & 0xC0) << shift;
		*val = d->transitional ? modern_view(d, reg, size, v) : v;
		return true;
	}
	uint32_t v = *val;
	if (d->transitional) {
		/* its I/O BARs stay unassigned, its I/O decoding off */
		if (reg >= PCI_CFG_BAR0 && reg < PCI_CFG_BAR_END &&
		    (d->io_bars >> (reg - PCI_CFG_BAR0) / 4 & 1))
			return true;
		if (reg <= PCI_CFG_COMMAND && reg + size > PCI_CFG_COMMAND)
			v &= ~((uint32_t)PCI_CMD_IO << 8 * (PCI_CFG_COMMAND - reg));
	}
	if (shift >= 0) {
		d->msix_ctrl = (uint16_t)((v >> shift & 0xC0) << 8);
		/* the real function stays as the proxy set it */
		uint32_t real = cfg_rd(p, d, d->msix_cap + PCI_MSIX_CTRL + 1, 1) & 0xC0;
		v = (v & ~(0xC0u << shift)) | real << shift;
	}
	cfg_wr(p, d, reg, size, v);
	if (reg < PCI_CFG_BAR_END && reg + size > PCI_CFG_COMMAND)
		refresh_bars(p, d);
	if (shift >= 0)
		vproxy_deliver_pending(p, d);
	return true;
}
