/* SPDX-License-Identifier: MIT */
/*
 * The virtio proxy: the guest's virtqueues carried through bounce buffers
 * in shared memory (virtio_proxy.h has the model).  Facts: protocol/virtio.h.
 *
 * Here: the bounce pool, the guest's interrupts, enabling a queue and
 * resetting the device, and the interrupt entry points.  The chains to the
 * device and back are in virtio_proxy_ring.c, large requests in pieces in
 * virtio_proxy_split.c, the functions' discovery and the guest's
 * configuration space and MMIO in virtio_proxy_pci.c.
 */
#include "virtio_proxy_priv.h"

#include <stdarg.h>

#include <lib/fmt.h>
#include <lib/string.h>

void vproxy_vlog(const struct vproxy_ops *ops, void *ctx, bool hv_error, const char *fmt,
		 va_list ap)
{
	char line[160];
	vsnprintf(line, sizeof(line), fmt, ap);
	ops->log(ctx, hv_error, line);
}

void vproxy_note(struct vproxy *p, bool hv_error, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vproxy_vlog(p->cfg.ops, p->cfg.ctx, hv_error, fmt, ap);
	va_end(ap);
}

void vproxy_bdf_name(uint32_t bdf, char out[12])
{
	snprintf(out, 12, "%02x:%02x.%x", bdf >> 8, (bdf >> 3) & 0x1F, bdf & 7);
}

/* --- the bounce pool ------------------------------------------------------ */

static bool pool_bit(const struct vproxy *p, uint32_t i)
{
	return p->pool_map[i / 64] >> (i % 64) & 1;
}

static void pool_mark(struct vproxy *p, uint32_t first, uint32_t n, bool used)
{
	for (uint32_t i = first; i < first + n; i++) {
		if (used)
			p->pool_map[i / 64] |= 1ULL << (i % 64);
		else
			p->pool_map[i / 64] &= ~(1ULL << (i % 64));
	}
}

/** First fit from the hint, once around; the granule index or -1. */
int64_t vproxy_pool_alloc(struct vproxy *p, uint32_t bytes)
{
	uint32_t n = pool_granules_of(bytes);
	uint32_t total = p->pool_granules;
	if (n > total)
		return -1;
	for (uint32_t pass = 0; pass < 2; pass++) {
		uint32_t start = pass ? 0 : p->pool_hint, end = pass ? p->pool_hint + n : total;
		uint32_t run = 0;
		for (uint32_t i = start; i < MIN_U32(end, total); i++) {
			if (!run && i % 64 == 0 && p->pool_map[i / 64] == ~0ULL && i + 63 < end) {
				i += 63;
				continue;
			}
			run = pool_bit(p, i) ? 0 : run + 1;
			if (run == n) {
				uint32_t first = i + 1 - n;
				pool_mark(p, first, n, true);
				p->pool_hint = (i + 1) % total;
				return first;
			}
		}
	}
	return -1;
}

void vproxy_pool_free(struct vproxy *p, uint32_t first, uint32_t n)
{
	pool_mark(p, first, n, false);
}

void vproxy_init(struct vproxy *p, const struct vproxy_config *cfg)
{
	memset(p, 0, sizeof(*p));
	p->cfg = *cfg;
}

bool vproxy_set_pool(struct vproxy *p, uint8_t *pool, uint64_t gpa, uint32_t size)
{
	p->pool_map = p->cfg.ops->alloc(p->cfg.ctx, (size / VPROXY_GRANULE + 63) / 64 * 8);
	if (!p->pool_map)
		return false;
	p->cfg.pool = pool;
	p->cfg.pool_gpa = gpa;
	p->cfg.pool_size = size;
	p->pool_granules = size / VPROXY_GRANULE;
	return true;
}

unsigned int vproxy_devices(const struct vproxy *p)
{
	return p->ndev;
}

/* --- the guest's interrupts --------------------------------------------- */

static void deliver(struct vproxy *p, struct vproxy_dev *d, uint16_t v)
{
	const struct msix_entry *e = &d->table_v[v];
	p->stats.guest_msis++;
	p->cfg.ops->guest_msi(p->cfg.ctx, (uint64_t)e->addr_hi << 32 | e->addr_lo, e->data);
}

/** Raise MSI-X vector @v (or only the ISR bit without MSI-X). */
void vproxy_raise(struct vproxy *p, struct vproxy_dev *d, uint16_t v, uint8_t isr_bit)
{
	d->isr |= isr_bit;
	if (!(d->msix_ctrl & PCI_MSIX_CTRL_ENABLE)) {
		if (!p->intx_noted) {
			p->intx_noted = true;
			vproxy_note(p, false,
				    "virtio: the guest drives a device without MSI-X; INTx "
				    "is not proxied (the guest must poll)");
		}
		return;
	}
	if (v == VIRTIO_NO_VECTOR || v >= d->msix_n)
		return;
	if ((d->msix_ctrl & PCI_MSIX_CTRL_MASKALL) ||
	    (d->table_v[v].ctrl & PCI_MSIX_ENTRY_MASKED)) {
		d->pba_v[v / 64] |= 1ULL << (v % 64);
		return;
	}
	deliver(p, d, v);
}

/** After an unmask: what became deliverable goes out now. */
void vproxy_deliver_pending(struct vproxy *p, struct vproxy_dev *d)
{
	if (!(d->msix_ctrl & PCI_MSIX_CTRL_ENABLE) || (d->msix_ctrl & PCI_MSIX_CTRL_MASKALL))
		return;
	for (uint16_t v = 0; v < d->msix_n; v++) {
		if (!(d->pba_v[v / 64] >> (v % 64) & 1) ||
		    (d->table_v[v].ctrl & PCI_MSIX_ENTRY_MASKED))
			continue;
		d->pba_v[v / 64] &= ~(1ULL << (v % 64));
		deliver(p, d, v);
	}
}

/** The guest broke the virtio rules for this device (§2.1.2). */
void vproxy_device_error(struct vproxy *p, struct vproxy_dev *d, const char *what, uint64_t val)
{
	char name[12];
	vproxy_bdf_name(d->bdf, name);
	if (!d->broken) {
		p->stats.device_errors++;
		vproxy_note(p, false, "virtio %s: the driver's %s (%#lx): DEVICE_NEEDS_RESET", name,
			    what, (unsigned long)val);
	}
	d->broken = true;
	vproxy_raise(p, d, d->config_msix, VIRTIO_ISR_CONFIG);
}

/** The device (the hypervisor) answered what cannot be true. */
void vproxy_device_lied(struct vproxy *p, struct vproxy_dev *d, const char *what, uint64_t val)
{
	char name[12];
	vproxy_bdf_name(d->bdf, name);
	vproxy_note(p, true, "virtio %s: the device returned %s (%#lx)", name, what,
		    (unsigned long)val);
	d->broken = true;
}

/* --- the queues ----------------------------------------------------------- */

struct vproxy_queue *vproxy_dev_queue(struct vproxy *p, struct vproxy_dev *d, uint16_t i)
{
	if (i >= d->num_queues || i >= VPROXY_MAX_QUEUES)
		return NULL;
	if (!d->q[i]) {
		d->q[i] = p->cfg.ops->alloc(p->cfg.ctx, sizeof(struct vproxy_queue));
		if (d->q[i])
			d->q[i]->msix = VIRTIO_NO_VECTOR;
	}
	return d->q[i];
}

void vproxy_chain_free(struct vproxy *p, struct vproxy_queue *q, uint16_t head)
{
	struct vproxy_slot *h = &q->slot[head];
	vproxy_pool_free(p, h->block, h->granules);
	if (h->recv) {
		q->recv_granules -= h->granules;
		p->recv_granules -= h->granules;
	}
	h->busy = h->recv = false;
	q->inflight--;
}

static void service_device(struct vproxy *p, struct vproxy_dev *d)
{
	for (uint16_t i = 0; i < VPROXY_MAX_QUEUES && !d->broken; i++) {
		if (!d->q[i] || !d->q[i]->enabled)
			continue;
		vproxy_harvest(p, d, i);
		if (d->q[i]->deferred && !d->broken)
			vproxy_kick_queue(p, d, i);
	}
}

void vproxy_queue_interrupt(struct vproxy *p)
{
	for (unsigned int i = 0; i < p->ndev; i++)
		service_device(p, p->dev[i]);
}

void vproxy_config_interrupt(struct vproxy *p)
{
	for (unsigned int i = 0; i < p->ndev; i++)
		vproxy_raise(p, p->dev[i], p->dev[i]->config_msix, VIRTIO_ISR_CONFIG);
}

/* --- enabling a queue and resetting the device ------------------------------ */

/** The real MSI-X table: queues to the queue vector (entry 0), the
 * configuration to the config vector (entry 1 if there is one). */
static void take_over_msix(struct vproxy *p, struct vproxy_dev *d)
{
	uint32_t ctrl = cfg_rd(p, d, d->msix_cap + PCI_MSIX_CTRL, 2);
	cfg_wr(p, d, d->msix_cap + PCI_MSIX_CTRL, 2,
	       (ctrl & ~PCI_MSIX_CTRL_MASKALL) | PCI_MSIX_CTRL_ENABLE);
	uint64_t t = region_gpa(d, &d->table);
	uint32_t addr = MSI_ADDR_BASE | p->cfg.host_apic_id << MSI_ADDR_DEST_SHIFT;
	uint8_t vec[2] = { p->cfg.queue_vector, p->cfg.config_vector };
	for (unsigned int i = 0; i < 2 && i < d->msix_n; i++) {
		uint64_t e = t + i * PCI_MSIX_ENTRY_SIZE;
		p->cfg.ops->mmio_write(p->cfg.ctx, e + PCI_MSIX_ENTRY_ADDR_LO, 4, addr);
		p->cfg.ops->mmio_write(p->cfg.ctx, e + PCI_MSIX_ENTRY_ADDR_HI, 4, 0);
		p->cfg.ops->mmio_write(p->cfg.ctx, e + PCI_MSIX_ENTRY_DATA, 4, vec[i]);
		p->cfg.ops->mmio_write(p->cfg.ctx, e + PCI_MSIX_ENTRY_CTRL, 4, 0);
	}
	common_wr(p, d, COMMON(config_msix_vector), 2, d->msix_n > 1 ? 1 : 0);
}

static bool ring_ptrs(struct vproxy *p, struct vproxy_queue *q, uint16_t n)
{
	void *(*gp)(void *, uint64_t, uint64_t) = p->cfg.ops->guest_ptr;
	if ((q->desc & 15) || (q->driver & 1) || (q->device & 3))
		return false;
	q->g_desc = gp(p->cfg.ctx, q->desc, VIRTQ_DESC_BYTES(n));
	q->g_avail = gp(p->cfg.ctx, q->driver, VIRTQ_AVAIL_BYTES(n));
	q->g_used = gp(p->cfg.ctx, q->device, VIRTQ_USED_BYTES(n));
	return q->g_desc && q->g_avail && q->g_used;
}

void vproxy_enable_queue(struct vproxy *p, struct vproxy_dev *d, uint16_t qi)
{
	struct vproxy_queue *q = vproxy_dev_queue(p, d, qi);
	if (!q || q->enabled)
		return;
	uint16_t n = q->size ? q->size : (uint16_t)common_rd(p, d, COMMON(queue_size), 2);
	if (!n || n > VPROXY_MAX_QSIZE || (n & (n - 1))) {
		vproxy_device_error(p, d, "queue size (not a power of two up to 1024)", n);
		return;
	}
	if (!ring_ptrs(p, q, n)) {
		vproxy_device_error(p, d, "ring address (misaligned or outside guest RAM)",
				    q->desc);
		return;
	}
	if (q->slot_cap < n) {
		q->slot = p->cfg.ops->alloc(p->cfg.ctx, n * sizeof(*q->slot));
		q->slot_cap = q->slot ? n : 0;
	}
	/* The ring block is granule-aligned: the descriptors (16 bytes) and the
	 * available ring (2-byte entries) never straddle a 4 KiB page.  The
	 * used ring goes at 4 mod 8 (it needs 4, virtio 1.2 §2.7 "Queue Part
	 * Alignment"), so each 8-byte used element is 8-aligned and never
	 * straddles one either: observed on QEMU 7.2 with an IOMMU, the device
	 * writes the second half of an element that crosses a page at the
	 * ring-relative offset (iova 0xf8 for element 30), so its length is
	 * lost and the write is refused. */
	uint32_t avail_off = VIRTQ_DESC_BYTES(n),
		 used_off = ALIGN8(avail_off + VIRTQ_AVAIL_BYTES(n)) + 4;
	uint32_t ring_bytes = used_off + VIRTQ_USED_BYTES(n);
	int64_t ring = q->slot ? vproxy_pool_alloc(p, ring_bytes) : -1;
	if (ring < 0) {
		vproxy_device_error(p, d, "queue enable: no room in the bounce pool for the ring",
				    n);
		return;
	}
	memset(q->slot, 0, n * sizeof(*q->slot));
	q->qsize = n;
	q->ring_off = (uint32_t)ring * VPROXY_GRANULE;
	q->ring_granules = pool_granules_of(ring_bytes);
	memset(pool_va(p, q->ring_off), 0, ring_bytes);
	q->s_desc = pool_va(p, q->ring_off);
	q->s_avail = pool_va(p, q->ring_off + avail_off);
	q->s_used = pool_va(p, q->ring_off + used_off);
	q->last_avail = q->used_idx = q->s_avail_idx = q->s_last_used = q->inflight = 0;
	q->deferred = false;

	take_over_msix(p, d);
	common_wr(p, d, COMMON(queue_size), 2, n);
	common_wr(p, d, COMMON(queue_desc), 8, pool_gpa(p, q->ring_off));
	common_wr(p, d, COMMON(queue_driver), 8, pool_gpa(p, q->ring_off + avail_off));
	common_wr(p, d, COMMON(queue_device), 8, pool_gpa(p, q->ring_off + used_off));
	common_wr(p, d, COMMON(queue_msix_vector), 2, 0);
	q->notify_off = (uint16_t)common_rd(p, d, COMMON(queue_notify_off), 2);
	common_wr(p, d, COMMON(queue_enable), 2, 1);
	q->enabled = true;
}

/** The guest wrote 0 to device_status: the device forgets everything. */
void vproxy_reset_device(struct vproxy *p, struct vproxy_dev *d)
{
	common_wr(p, d, COMMON(device_status), 1, 0);
	unsigned int tries = 0;
	while (common_rd(p, d, COMMON(device_status), 1) != 0) {
		if (++tries == 100000) {
			vproxy_device_lied(p, d, "a status that does not reset", 0);
			return;
		}
	}
	/* The device no longer touches the rings: the pool is ours again. */
	for (unsigned int i = 0; i < VPROXY_MAX_QUEUES; i++) {
		struct vproxy_queue *q = d->q[i];
		if (!q)
			continue;
		if (q->enabled) {
			for (uint16_t h = 0; h < q->qsize; h++)
				if (q->slot[h].busy)
					vproxy_chain_free(p, q, h);
			vproxy_pool_free(p, q->ring_off / VPROXY_GRANULE, q->ring_granules);
		}
		struct vproxy_slot *slot = q->slot;
		uint16_t cap = q->slot_cap;
		memset(q, 0, sizeof(*q)); /* and the split request with it */
		q->slot = slot;
		q->slot_cap = cap;
		q->msix = VIRTIO_NO_VECTOR;
	}
	d->config_msix = VIRTIO_NO_VECTOR;
	d->gfeat[0] = d->gfeat[1] = 0;
	d->isr = 0;
	d->broken = false;
}
