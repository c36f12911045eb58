/* SPDX-License-Identifier: MIT */
/*
 * The virtio proxy: the guest's virtqueues carried through bounce buffers
 * in shared memory (virtio_proxy.h has the model).  Facts: protocol/virtio.h.
 *
 * Per queue, the shadow ring given to the device mirrors the guest's
 * descriptor indices: the guest's chain with head H becomes the shadow chain
 * with head H, each descriptor pointing into one bounce block allocated for
 * the whole chain.  What the proxy needs at completion (guest addresses,
 * lengths, the block) is kept privately in slot[]; the shadow table in
 * shared memory is written, never read back.
 */
#include "virtio_proxy.h"

#include <stdarg.h>

#include <lib/fmt.h>
#include <lib/string.h>

#define MIN_U32(a, b)   ((uint32_t)(a) < (uint32_t)(b) ? (uint32_t)(a) : (uint32_t)(b))
#define ALIGN8(x)       (((x) + 7u) & ~7u)
#define ALIGN_DOWN_U32(x, a) ((uint32_t)(x) & ~((uint32_t)(a) - 1))
#define MB()            __atomic_thread_fence(__ATOMIC_SEQ_CST)

/** What the proxy gave the device for descriptor index i. */
struct vproxy_slot {
	uint64_t gaddr;             /* the guest's buffer */
	uint32_t len;
	uint32_t boff;              /* its bounce buffer: offset in the pool */
	uint16_t flags;             /* VIRTQ_DESC_F_NEXT / _WRITE */
	uint16_t next;
	/* for a head: the chain is with the device; its bounce block */
	bool busy;
	uint32_t block, granules;
};

/*
 * A request too large for the pool (firmware reads a whole kernel or initrd
 * in one request) is carried in pieces of at most split_chunk() bytes, one
 * after the other, when the proxy knows how to cut it: a virtio-blk read or
 * write, a SCSI READ(10/12/16) on virtio-scsi.  Each piece reuses three of
 * the guest chain's own indices: its head for the proxy's request header,
 * then (blk) the first data descriptor and the status descriptor, or (scsi)
 * the response descriptor and the first data-in descriptor.  The guest's
 * status or response and its used entry are written when the last piece is
 * done, or the first fails.  One per queue at a time.
 */
enum split_kind { SPLIT_BLK, SPLIT_SCSI_READ };

struct vproxy_split {
	bool active;
	enum split_kind kind;
	uint16_t head, data, last;      /* guest indices: head, first data, status/response */
	uint32_t type;                  /* blk: VIRTIO_BLK_T_IN or _OUT */
	uint64_t sector;                /* blk: in 512-byte sectors; scsi: in blocks */
	uint32_t block_size;            /* scsi: data bytes per block */
	uint8_t req[VIRTIO_SCSI_REQ_MAX];   /* scsi: the guest's request header */
	uint32_t req_len, resp_len;
	uint32_t total, done, piece;    /* data bytes: all, finished, in flight */
	uint32_t block, granules;       /* header, response/status and piece in the pool */
};

struct vproxy_queue {
	/* the guest's view (common configuration while selected) */
	uint16_t size;              /* 0: not written, the device's maximum */
	uint16_t msix;
	uint64_t desc, driver, device;
	bool enabled;
	/* carried */
	struct virtq_desc *g_desc;  /* the guest's rings (private) */
	struct virtq_avail *g_avail;
	struct virtq_used *g_used;
	uint16_t qsize;             /* size as enabled */
	uint16_t last_avail;        /* next guest avail entry to take */
	uint16_t used_idx;          /* next guest used entry to fill */
	uint32_t ring_off, ring_granules;   /* the shadow ring in the pool */
	struct virtq_desc *s_desc;
	struct virtq_avail *s_avail;
	struct virtq_used *s_used;
	uint16_t s_avail_idx;       /* shadow avail entries posted */
	uint16_t s_last_used;       /* next shadow used entry to take */
	uint16_t inflight;          /* chains with the device */
	uint16_t notify_off;
	bool deferred;              /* a chain waits for pool space */
	struct vproxy_slot *slot;
	uint16_t slot_cap;
	struct vproxy_split split;
};

struct vproxy_region {
	uint8_t bar;
	uint32_t off, len;
	bool present;
};

struct msix_entry {
	uint32_t addr_lo, addr_hi, data, ctrl;
};

struct vproxy_dev {
	uint32_t bdf;
	uint16_t device_id;
	struct vproxy_region common, notify, isr_cfg, table, pba;
	uint32_t notify_mult;
	uint8_t msix_cap;
	uint16_t msix_n;
	uint64_t bar[6];
	bool mem_on;
	/* the guest's view */
	uint16_t msix_ctrl;         /* ENABLE / MASKALL as the guest wrote them */
	struct msix_entry *table_v;
	uint64_t *pba_v;
	uint32_t dfsel, gfsel, gfeat[2];
	uint16_t config_msix, qsel, num_queues;
	uint8_t isr;
	bool broken;
	bool ap_offered;            /* the device offers ACCESS_PLATFORM */
	struct vproxy_queue *q[VPROXY_MAX_QUEUES];
};

static void note(struct vproxy *p, bool hv_error, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void note(struct vproxy *p, bool hv_error, const char *fmt, ...)
{
	char line[160];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	p->cfg.ops->log(p->cfg.ctx, hv_error, line);
}

static void bdf_name(uint32_t bdf, char out[12])
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
static int64_t pool_alloc(struct vproxy *p, uint32_t bytes)
{
	uint32_t n = (bytes + VPROXY_GRANULE - 1) / VPROXY_GRANULE;
	uint32_t total = p->pool_granules;
	if (!n)
		n = 1;
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

static void pool_free(struct vproxy *p, uint32_t first, uint32_t n)
{
	pool_mark(p, first, n, false);
}

static void *pool_va(const struct vproxy *p, uint32_t off)
{
	return p->cfg.pool + off;
}

static uint64_t pool_gpa(const struct vproxy *p, uint32_t off)
{
	return p->cfg.pool_gpa + off;
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

/* --- the real device ------------------------------------------------------ */

static uint32_t cfg_rd(struct vproxy *p, const struct vproxy_dev *d, unsigned int reg,
		       unsigned int size)
{
	return p->cfg.ops->cfg_read(p->cfg.ctx, d->bdf, reg, size);
}

static void cfg_wr(struct vproxy *p, const struct vproxy_dev *d, unsigned int reg,
		   unsigned int size, uint32_t val)
{
	p->cfg.ops->cfg_write(p->cfg.ctx, d->bdf, reg, size, val);
}

static uint64_t region_gpa(const struct vproxy_dev *d, const struct vproxy_region *r)
{
	return d->bar[r->bar] + r->off;
}

static uint64_t common_rd(struct vproxy *p, const struct vproxy_dev *d, unsigned int off,
			  unsigned int size)
{
	return p->cfg.ops->mmio_read(p->cfg.ctx, region_gpa(d, &d->common) + off, size);
}

static void common_wr(struct vproxy *p, const struct vproxy_dev *d, unsigned int off,
		      unsigned int size, uint64_t val)
{
	p->cfg.ops->mmio_write(p->cfg.ctx, region_gpa(d, &d->common) + off, size, val);
}

#define COMMON(f)       offsetof(struct virtio_pci_common_cfg, f)
#define COMMON_SIZE(f)  sizeof(((struct virtio_pci_common_cfg *)0)->f)

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
			d->msix_n = (cfg_rd(p, d, ptr + PCI_MSIX_CTRL, 2) & PCI_MSIX_CTRL_SIZE_MASK) + 1;
			uint32_t t = cfg_rd(p, d, ptr + PCI_MSIX_TABLE, 4);
			uint32_t b = cfg_rd(p, d, ptr + PCI_MSIX_PBA, 4);
			d->table = (struct vproxy_region){ t & PCI_MSIX_BIR_MASK, t & ~PCI_MSIX_BIR_MASK,
							   d->msix_n * PCI_MSIX_ENTRY_SIZE, true };
			d->pba = (struct vproxy_region){ b & PCI_MSIX_BIR_MASK, b & ~PCI_MSIX_BIR_MASK,
							 (d->msix_n + 63) / 64 * 8, true };
		} else if (id == PCI_CAP_ID_VENDOR) {
			uint8_t type = (uint8_t)cfg_rd(p, d, ptr + offsetof(struct virtio_pci_cap, cfg_type), 1);
			struct vproxy_region r = {
				.bar = (uint8_t)cfg_rd(p, d, ptr + offsetof(struct virtio_pci_cap, bar), 1),
				.off = cfg_rd(p, d, ptr + offsetof(struct virtio_pci_cap, offset), 4),
				.len = cfg_rd(p, d, ptr + offsetof(struct virtio_pci_cap, length), 4),
				.present = true,
			};
			struct vproxy_region *slot = type == VIRTIO_PCI_CAP_COMMON_CFG ? &d->common
				: type == VIRTIO_PCI_CAP_NOTIFY_CFG ? &d->notify
				: type == VIRTIO_PCI_CAP_ISR_CFG ? &d->isr_cfg : NULL;
			/* the first of each type is the one to use (§4.1.4) */
			if (slot && !slot->present && r.bar < 6) {
				*slot = r;
				if (type == VIRTIO_PCI_CAP_NOTIFY_CFG)
					d->notify_mult = cfg_rd(p, d, ptr + VIRTIO_PCI_NOTIFY_MULTIPLIER, 4);
			}
		}
		ptr = cfg_rd(p, d, ptr + 1, 1) & 0xFC;
	}
}

static const char *why_not_proxied(const struct vproxy_dev *d)
{
	if (d->device_id < VIRTIO_PCI_DEVICE_MODERN_FIRST)
		return "a transitional (legacy) virtio function; use disable-legacy=on";
	if (!d->common.present || !d->notify.present || !d->isr_cfg.present)
		return "no virtio 1.x capabilities";
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
	bdf_name(bdf, name);
	p->hidden[bdf / 64] |= 1ULL << (bdf % 64);
	p->nhidden++;
	note(p, false, "PCI %s (%04x:%04x): %s: hidden from the guest", name, id & 0xFFFF, id >> 16,
	     why);
}

/** Why a function that is not virtio cannot be given to the guest, or NULL.
 * Its class says it moves data by bus-master DMA (a disk, network or USB
 * controller, an audio device), and that DMA would meet private memory:
 * writes are dropped, reads see ciphertext.  Hidden, the guest's driver
 * never binds to a device that would corrupt its data without a word. */
static const char *why_not_given(uint32_t class_rev)
{
	uint32_t base = class_rev >> 24, sub = class_rev >> 16;
	if (base == PCI_CLASS_STORAGE || base == PCI_CLASS_NETWORK || base == PCI_CLASS_MULTIMEDIA ||
	    sub == PCI_CLASS_SERIAL_USB || sub == PCI_CLASS_SERIAL_FIREWIRE)
		return "its DMA cannot reach private memory and only virtio 1.x devices are proxied";
	return NULL;
}

static struct vproxy_dev *discover(struct vproxy *p, uint32_t bdf)
{
	uint32_t id = p->cfg.ops->cfg_read(p->cfg.ctx, bdf, PCI_CFG_VENDOR, 4);
	if ((id & 0xFFFF) == 0xFFFF)
		return NULL;                    /* nothing there (yet): look again */
	p->checked[bdf / 64] |= 1ULL << (bdf % 64);
	uint16_t device = (uint16_t)(id >> 16);
	if ((id & 0xFFFF) != VIRTIO_PCI_VENDOR || device < VIRTIO_PCI_DEVICE_LEGACY_FIRST ||
	    device > VIRTIO_PCI_DEVICE_MODERN_LAST) {
		const char *why = why_not_given(p->cfg.ops->cfg_read(p->cfg.ctx, bdf,
								     PCI_CFG_CLASS_REV, 4));
		if (why)
			hide(p, bdf, id, why);
		return NULL;
	}
	struct vproxy_dev *d = p->ndev < VPROXY_MAX_DEVICES ? p->cfg.ops->alloc(p->cfg.ctx, sizeof(*d))
							   : NULL;
	if (!d) {
		hide(p, bdf, id, "more virtio functions than the proxy carries");
		return NULL;
	}
	d->bdf = bdf;
	d->device_id = device;
	d->config_msix = VIRTIO_NO_VECTOR;
	if (device >= VIRTIO_PCI_DEVICE_MODERN_FIRST)
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
		return NULL;            /* d is not reused: discovery runs once per function */
	}
	for (unsigned int i = 0; i < d->msix_n; i++)
		d->table_v[i].ctrl = PCI_MSIX_ENTRY_MASKED;
	refresh_bars(p, d);
	char name[12];
	bdf_name(bdf, name);
	note(p, false, "virtio %s (device %#x, %u MSI-X vectors): proxied through bounce buffers",
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

/* --- the guest's interrupts --------------------------------------------- */

static void deliver(struct vproxy *p, struct vproxy_dev *d, uint16_t v)
{
	const struct msix_entry *e = &d->table_v[v];
	p->stats.guest_msis++;
	p->cfg.ops->guest_msi(p->cfg.ctx, (uint64_t)e->addr_hi << 32 | e->addr_lo, e->data);
}

/** Raise MSI-X vector @v (or only the ISR bit without MSI-X). */
static void raise(struct vproxy *p, struct vproxy_dev *d, uint16_t v, uint8_t isr_bit)
{
	d->isr |= isr_bit;
	if (!(d->msix_ctrl & PCI_MSIX_CTRL_ENABLE)) {
		if (!p->intx_noted) {
			p->intx_noted = true;
			note(p, false, "virtio: the guest drives a device without MSI-X; INTx is not "
			     "proxied (the guest must poll)");
		}
		return;
	}
	if (v == VIRTIO_NO_VECTOR || v >= d->msix_n)
		return;
	if ((d->msix_ctrl & PCI_MSIX_CTRL_MASKALL) || (d->table_v[v].ctrl & PCI_MSIX_ENTRY_MASKED)) {
		d->pba_v[v / 64] |= 1ULL << (v % 64);
		return;
	}
	deliver(p, d, v);
}

/** After an unmask: what became deliverable goes out now. */
static void deliver_pending(struct vproxy *p, struct vproxy_dev *d)
{
	if (!(d->msix_ctrl & PCI_MSIX_CTRL_ENABLE) || (d->msix_ctrl & PCI_MSIX_CTRL_MASKALL))
		return;
	for (uint16_t v = 0; v < d->msix_n; v++) {
		if (!(d->pba_v[v / 64] >> (v % 64) & 1) || (d->table_v[v].ctrl & PCI_MSIX_ENTRY_MASKED))
			continue;
		d->pba_v[v / 64] &= ~(1ULL << (v % 64));
		deliver(p, d, v);
	}
}

/** The guest broke the virtio rules for this device (§2.1.2). */
static void device_error(struct vproxy *p, struct vproxy_dev *d, const char *what, uint64_t val)
{
	char name[12];
	bdf_name(d->bdf, name);
	if (!d->broken) {
		p->stats.device_errors++;
		note(p, false, "virtio %s: the driver's %s (%#lx): DEVICE_NEEDS_RESET", name, what,
		     (unsigned long)val);
	}
	d->broken = true;
	raise(p, d, d->config_msix, VIRTIO_ISR_CONFIG);
}

/** The device (the hypervisor) answered what cannot be true. */
static void device_lied(struct vproxy *p, struct vproxy_dev *d, const char *what, uint64_t val)
{
	char name[12];
	bdf_name(d->bdf, name);
	note(p, true, "virtio %s: the device returned %s (%#lx)", name, what, (unsigned long)val);
	d->broken = true;
}

/* --- the queues ----------------------------------------------------------- */

static struct vproxy_queue *queue(struct vproxy *p, struct vproxy_dev *d, uint16_t i)
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

static void chain_free(struct vproxy *p, struct vproxy_queue *q, uint16_t head)
{
	struct vproxy_slot *h = &q->slot[head];
	pool_free(p, h->block, h->granules);
	h->busy = false;
	q->inflight--;
}

/* --- large requests, in pieces ------------------------------------------------ */

static uint32_t split_above(const struct vproxy *p)
{
	return p->cfg.pool_size / 4;
}

static uint32_t split_chunk(const struct vproxy *p)
{
	return ALIGN_DOWN_U32(p->cfg.pool_size / 16, 4096);
}

/* The piece's block in the pool: header, response or status, data. */
#define SPLIT_HDR       0u
#define SPLIT_RESP      VIRTIO_SCSI_REQ_MAX
#define SPLIT_DATA      (SPLIT_RESP + VIRTIO_SCSI_RESP_MAX)

/** Copy between the guest's data buffers (offset @off of the request's
 * data: from sp->data to the status descriptor or the chain's end) and @buf. */
static void split_copy(struct vproxy *p, struct vproxy_queue *q, uint32_t off, uint8_t *buf,
		       uint32_t len, bool to_guest)
{
	uint16_t i = q->split.data;
	for (uint16_t n = 0; len && n < q->qsize && i < q->qsize; n++, i = q->slot[i].next) {
		const struct vproxy_slot *s = &q->slot[i];
		if (q->split.kind == SPLIT_BLK && i == q->split.last)
			break;
		if (off >= s->len) {
			off -= s->len;
		} else {
			uint32_t c = MIN_U32(len, s->len - off);
			uint8_t *g = p->cfg.ops->guest_ptr(p->cfg.ctx, s->gaddr, s->len);
			if (g) {
				if (to_guest)
					memcpy(g + off, buf, c);
				else
					memcpy(buf, g + off, c);
			}
			buf += c;
			len -= c;
			off = 0;
		}
		if (!(s->flags & VIRTQ_DESC_F_NEXT))
			break;
	}
}

static void put_le32(uint8_t *b, uint32_t v)
{
	for (unsigned int i = 0; i < 4; i++, v >>= 8)
		b[i] = (uint8_t)v;
}

static uint64_t be(const uint8_t *b, unsigned int n)
{
	uint64_t v = 0;
	for (unsigned int i = 0; i < n; i++)
		v = v << 8 | b[i];
	return v;
}

static void put_be(uint8_t *b, unsigned int n, uint64_t v)
{
	for (unsigned int i = n; i-- > 0; v >>= 8)
		b[i] = (uint8_t)v;
}

/** SCSI READ(10), READ(12), READ(16) (SBC-3 §5.11-5.13): where the LBA and
 * the transfer length (in blocks) sit in the CDB, or false. */
static bool scsi_read_fields(uint8_t op, unsigned int *lba_off, unsigned int *lba_len,
			     unsigned int *len_off, unsigned int *len_len)
{
	switch (op) {
	case SCSI_READ_10: *lba_off = 2; *lba_len = 4; *len_off = 7; *len_len = 2; return true;
	case SCSI_READ_12: *lba_off = 2; *lba_len = 4; *len_off = 6; *len_len = 4; return true;
	case SCSI_READ_16: *lba_off = 2; *lba_len = 8; *len_off = 10; *len_len = 4; return true;
	}
	return false;
}

/** Post the next piece, on the guest's indices. */
static void split_post(struct vproxy *p, struct vproxy_queue *q)
{
	struct vproxy_split *sp = &q->split;
	uint32_t base = sp->block * VPROXY_GRANULE;
	bool in = sp->kind == SPLIT_SCSI_READ || sp->type == VIRTIO_BLK_T_IN;
	sp->piece = MIN_U32(sp->total - sp->done, split_chunk(p));
	if (sp->kind == SPLIT_BLK) {
		const struct virtio_blk_outhdr h = { sp->type, 0, sp->sector };
		memcpy(pool_va(p, base + SPLIT_HDR), &h, sizeof(h));
		*(volatile uint8_t *)pool_va(p, base + SPLIT_RESP) = 0xFF;
	} else {
		uint8_t *req = pool_va(p, base + SPLIT_HDR), *cdb = req + VIRTIO_SCSI_CDB_OFFSET;
		unsigned int lo = 0, ll = 0, no = 0, nl = 0;
		memcpy(req, sp->req, sp->req_len);
		scsi_read_fields(cdb[0], &lo, &ll, &no, &nl);
		put_be(cdb + lo, ll, sp->sector);
		put_be(cdb + no, nl, sp->piece / sp->block_size);
		memset(pool_va(p, base + SPLIT_RESP), 0xFF, sp->resp_len);
	}
	if (!in) {
		split_copy(p, q, sp->done, pool_va(p, base + SPLIT_DATA), sp->piece, false);
		p->stats.bytes_to_device += sp->piece;
	}
	const uint16_t w = VIRTQ_DESC_F_WRITE, nx = VIRTQ_DESC_F_NEXT;
	const struct virtq_desc hdr = { pool_gpa(p, base + SPLIT_HDR), sp->req_len, nx,
				        sp->kind == SPLIT_BLK ? sp->data : sp->last };
	const struct virtq_desc data = { pool_gpa(p, base + SPLIT_DATA), sp->piece,
					 (uint16_t)((in ? w : 0) | (sp->kind == SPLIT_BLK ? nx : 0)),
					 sp->kind == SPLIT_BLK ? sp->last : 0 };
	const struct virtq_desc resp = { pool_gpa(p, base + SPLIT_RESP), sp->resp_len,
					 (uint16_t)(w | (sp->kind == SPLIT_BLK ? 0 : nx)),
					 sp->kind == SPLIT_BLK ? 0 : sp->data };
	memcpy(&q->s_desc[sp->head], &hdr, sizeof(hdr));
	memcpy(&q->s_desc[sp->data], &data, sizeof(data));
	memcpy(&q->s_desc[sp->last], &resp, sizeof(resp));
}

/** virtio-blk: header, data all one way, status byte. */
static bool blk_shape(struct vproxy *p, struct vproxy_queue *q, struct vproxy_split *sp)
{
	const struct vproxy_slot *h = &q->slot[sp->head];
	struct virtio_blk_outhdr hdr;
	if (h->len != sizeof(hdr) || (h->flags & VIRTQ_DESC_F_WRITE))
		return false;
	memcpy(&hdr, p->cfg.ops->guest_ptr(p->cfg.ctx, h->gaddr, sizeof(hdr)), sizeof(hdr));
	if (hdr.type != VIRTIO_BLK_T_IN && hdr.type != VIRTIO_BLK_T_OUT)
		return false;
	uint16_t want = hdr.type == VIRTIO_BLK_T_IN ? VIRTQ_DESC_F_WRITE : 0, n = 0;
	sp->data = h->next;
	for (uint16_t i = sp->data; n < q->qsize; n++, i = q->slot[i].next) {
		const struct vproxy_slot *s = &q->slot[i];
		if (!(s->flags & VIRTQ_DESC_F_NEXT)) {
			sp->last = i;
			break;
		}
		if ((s->flags & VIRTQ_DESC_F_WRITE) != want)
			return false;
		sp->total += s->len;
	}
	const struct vproxy_slot *st = &q->slot[sp->last];
	if (sp->last == sp->head || sp->last == sp->data || !(st->flags & VIRTQ_DESC_F_WRITE) ||
	    !sp->total || sp->total % VIRTIO_BLK_SECTOR)
		return false;
	sp->kind = SPLIT_BLK;
	sp->type = hdr.type;
	sp->sector = hdr.sector;
	sp->req_len = sizeof(hdr);
	sp->resp_len = 1;
	return true;
}

/** virtio-scsi: request header with a READ CDB, response, data-in. */
static bool scsi_shape(struct vproxy *p, struct vproxy_queue *q, struct vproxy_split *sp)
{
	const struct vproxy_slot *h = &q->slot[sp->head];
	unsigned int lo = 0, ll = 0, no = 0, nl = 0;
	if (h->len <= VIRTIO_SCSI_CDB_OFFSET + 16 || h->len > VIRTIO_SCSI_REQ_MAX ||
	    (h->flags & VIRTQ_DESC_F_WRITE))
		return false;
	memcpy(sp->req, p->cfg.ops->guest_ptr(p->cfg.ctx, h->gaddr, h->len), h->len);
	const uint8_t *cdb = sp->req + VIRTIO_SCSI_CDB_OFFSET;
	if (!scsi_read_fields(cdb[0], &lo, &ll, &no, &nl))
		return false;
	sp->last = h->next;                     /* the response */
	const struct vproxy_slot *r = &q->slot[sp->last];
	if (!(r->flags & VIRTQ_DESC_F_WRITE) || !(r->flags & VIRTQ_DESC_F_NEXT) ||
	    r->len < VIRTIO_SCSI_RESP_MIN || r->len > VIRTIO_SCSI_RESP_MAX)
		return false;
	sp->data = r->next;
	uint16_t n = 0;
	for (uint16_t i = sp->data; n < q->qsize; n++, i = q->slot[i].next) {
		const struct vproxy_slot *s = &q->slot[i];
		if (!(s->flags & VIRTQ_DESC_F_WRITE))
			return false;
		sp->total += s->len;
		if (!(s->flags & VIRTQ_DESC_F_NEXT))
			break;
	}
	uint64_t blocks = be(cdb + no, nl);
	if (!blocks || sp->total % blocks)
		return false;
	sp->block_size = (uint32_t)(sp->total / blocks);
	if (sp->block_size < 512 || (sp->block_size & (sp->block_size - 1)) ||
	    split_chunk(p) % sp->block_size)
		return false;
	sp->kind = SPLIT_SCSI_READ;
	sp->sector = be(cdb + lo, ll);
	sp->req_len = h->len;
	sp->resp_len = r->len;
	return true;
}

/**
 * A chain of @bytes above split_above(): cut in pieces if the proxy knows
 * how, else bounced whole if it fits (-2), else a device error.  Returns
 * as post_chain().
 */
static int split_start(struct vproxy *p, struct vproxy_dev *d, struct vproxy_queue *q,
		       uint16_t head, uint32_t bytes)
{
	struct vproxy_split sp = { .head = head };
	bool shape = (q->slot[head].flags & VIRTQ_DESC_F_NEXT) &&
		     ((d->device_id == VIRTIO_PCI_DEVICE_MODERN_FIRST + VIRTIO_ID_BLOCK &&
		       blk_shape(p, q, &sp)) ||
		      (d->device_id == VIRTIO_PCI_DEVICE_MODERN_FIRST + VIRTIO_ID_SCSI &&
		       scsi_shape(p, q, &sp)));
	if (!shape) {
		if (bytes <= p->cfg.pool_size)
			return -2;
		device_error(p, d, "chain larger than the bounce pool", bytes);
		return -1;
	}
	if (q->split.active)
		return 0;                   /* one at a time: wait for it */
	int64_t block = pool_alloc(p, SPLIT_DATA + split_chunk(p));
	if (block < 0)
		return 0;
	sp.active = true;
	sp.block = (uint32_t)block;
	sp.granules = (SPLIT_DATA + split_chunk(p) + VPROXY_GRANULE - 1) / VPROXY_GRANULE;
	q->split = sp;
	split_post(p, q);
	q->slot[head].busy = true;
	q->slot[head].block = sp.block;
	q->slot[head].granules = sp.granules;
	q->inflight++;
	return 1;
}

/**
 * A piece came back (used length @len).  True if another piece was posted;
 * false when the request is over and its used entry @e is ready.
 */
static bool split_done(struct vproxy *p, struct vproxy_dev *d, struct vproxy_queue *q,
		       uint32_t len, struct virtq_used_elem *e)
{
	struct vproxy_split *sp = &q->split;
	uint32_t base = sp->block * VPROXY_GRANULE;
	bool in = sp->kind == SPLIT_SCSI_READ || sp->type == VIRTIO_BLK_T_IN;
	uint8_t resp[VIRTIO_SCSI_RESP_MAX];
	memcpy(resp, pool_va(p, base + SPLIT_RESP), sp->resp_len);     /* one read */
	bool ok = sp->kind == SPLIT_BLK
		? resp[0] == VIRTIO_BLK_S_OK
		: resp[VIRTIO_SCSI_RESP_RESPONSE] == VIRTIO_SCSI_S_OK &&
		  resp[VIRTIO_SCSI_RESP_STATUS] == SCSI_STATUS_GOOD;
	uint32_t want = sp->resp_len + (in ? sp->piece : 0);
	if (len > want || (ok && in && sp->kind == SPLIT_BLK && len != want)) {
		device_lied(p, d, "a piece's used length that is not its size", len);
		ok = false;
	}
	if (ok && in) {
		split_copy(p, q, sp->done, pool_va(p, base + SPLIT_DATA), sp->piece, true);
		p->stats.bytes_to_guest += sp->piece;
	}
	if (ok) {
		sp->done += sp->piece;
		sp->sector += sp->kind == SPLIT_BLK ? sp->piece / VIRTIO_BLK_SECTOR
						    : sp->piece / sp->block_size;
		p->stats.split_pieces++;
		if (sp->done < sp->total) {
			split_post(p, q);
			return true;
		}
	}
	if (sp->kind == SPLIT_SCSI_READ)    /* the residual: what was not read */
		put_le32(resp + VIRTIO_SCSI_RESP_RESID, sp->total - sp->done);
	const struct vproxy_slot *st = &q->slot[sp->last];
	uint8_t *g = p->cfg.ops->guest_ptr(p->cfg.ctx, st->gaddr, sp->resp_len);
	if (g)
		memcpy(g, resp, sp->resp_len);
	*e = (struct virtq_used_elem){ sp->head, sp->resp_len + (in ? sp->done : 0) };
	sp->active = false;
	return false;
}

/**
 * Post the guest's chain at @head on the shadow ring.  1: posted, 0: no
 * pool space now (try again after a completion), -1: a device error.
 */
static int post_chain(struct vproxy *p, struct vproxy_dev *d, struct vproxy_queue *q,
		      uint16_t head)
{
	uint32_t bytes = 0;
	uint16_t i = head, n = 0;
	for (;;) {
		struct virtq_desc g;
		memcpy(&g, &q->g_desc[i], sizeof(g));  /* one read of each field */
		if (g.flags & VIRTQ_DESC_F_INDIRECT) {
			device_error(p, d, "indirect descriptor (not negotiated)", i);
			return -1;
		}
		if (g.len && !p->cfg.ops->guest_ptr(p->cfg.ctx, g.addr, g.len)) {
			device_error(p, d, "buffer outside guest RAM", g.addr);
			return -1;
		}
		if (bytes + ALIGN8(g.len) < bytes) {
			device_error(p, d, "chain length overflows", g.len);
			return -1;
		}
		q->slot[i].gaddr = g.addr;
		q->slot[i].len = g.len;
		q->slot[i].boff = bytes;        /* relative until the block is known */
		q->slot[i].flags = g.flags & (VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE);
		q->slot[i].next = g.next;
		bytes += ALIGN8(g.len);
		if (!(g.flags & VIRTQ_DESC_F_NEXT))
			break;
		if (++n == q->qsize || g.next >= q->qsize) {
			device_error(p, d, "descriptor chain loops or leaves the table", head);
			return -1;
		}
		i = g.next;
	}
	if (bytes > split_above(p)) {
		int r = split_start(p, d, q, head, bytes);
		if (r != -2)
			return r;
	}
	int64_t block = pool_alloc(p, bytes);
	if (block < 0)
		return 0;
	uint32_t base = (uint32_t)block * VPROXY_GRANULE;
	for (i = head;; i = q->slot[i].next) {
		struct vproxy_slot *s = &q->slot[i];
		s->boff += base;
		if (!(s->flags & VIRTQ_DESC_F_WRITE) && s->len) {
			memcpy(pool_va(p, s->boff), p->cfg.ops->guest_ptr(p->cfg.ctx, s->gaddr, s->len),
			       s->len);
			p->stats.bytes_to_device += s->len;
		}
		struct virtq_desc sd = { pool_gpa(p, s->boff), s->len, s->flags, s->next };
		memcpy(&q->s_desc[i], &sd, sizeof(sd));
		if (!(s->flags & VIRTQ_DESC_F_NEXT))
			break;
	}
	q->slot[head].busy = true;
	q->slot[head].block = (uint32_t)block;
	q->slot[head].granules = (bytes + VPROXY_GRANULE - 1) / VPROXY_GRANULE;
	if (!q->slot[head].granules)
		q->slot[head].granules = 1;
	q->inflight++;
	return 1;
}

static void notify_device(struct vproxy *p, struct vproxy_dev *d, uint16_t qi)
{
	struct vproxy_queue *q = d->q[qi];
	MB();
	if (__atomic_load_n(&q->s_used->flags, __ATOMIC_RELAXED) & VIRTQ_USED_F_NO_NOTIFY)
		return;
	p->cfg.ops->mmio_write(p->cfg.ctx, region_gpa(d, &d->notify) +
			       (uint64_t)q->notify_off * d->notify_mult, 2, qi);
}

/** Take the guest's new chains on queue @qi to the device. */
static void kick_queue(struct vproxy *p, struct vproxy_dev *d, uint16_t qi)
{
	struct vproxy_queue *q = d->q[qi];
	uint16_t avail = __atomic_load_n(&q->g_avail->idx, __ATOMIC_ACQUIRE);
	uint16_t posted = 0;
	if ((uint16_t)(avail - q->last_avail) > q->qsize) {
		device_error(p, d, "available index jumped", avail);
		return;
	}
	q->deferred = false;
	while (q->last_avail != avail && !d->broken) {
		uint16_t head = __atomic_load_n(&q->g_avail->ring[q->last_avail % q->qsize],
						__ATOMIC_RELAXED);
		if (head >= q->qsize || q->slot[head].busy) {
			device_error(p, d, "available head out of range or in use", head);
			return;
		}
		int r = post_chain(p, d, q, head);
		if (r < 0)
			return;
		if (r == 0) {
			q->deferred = true;
			p->stats.deferred++;
			break;
		}
		__atomic_store_n(&q->s_avail->ring[q->s_avail_idx++ % q->qsize], head,
				 __ATOMIC_RELAXED);
		q->last_avail++;
		posted++;
	}
	if (!posted)
		return;
	p->stats.requests += posted;
	__atomic_store_n(&q->s_avail->idx, q->s_avail_idx, __ATOMIC_RELEASE);
	notify_device(p, d, qi);
}

/** Return the device's finished chains on queue @qi to the guest. */
static void harvest(struct vproxy *p, struct vproxy_dev *d, uint16_t qi)
{
	struct vproxy_queue *q = d->q[qi];
	uint16_t used = __atomic_load_n(&q->s_used->idx, __ATOMIC_ACQUIRE);
	uint16_t done = 0, reposted = 0;
	if ((uint16_t)(used - q->s_last_used) > q->inflight) {
		device_lied(p, d, "more used entries than chains in flight", used);
		return;
	}
	while (q->s_last_used != used) {
		struct virtq_used_elem e;
		memcpy(&e, &q->s_used->ring[q->s_last_used % q->qsize], sizeof(e));
		if (e.id >= q->qsize || !q->slot[e.id].busy) {
			device_lied(p, d, "a used entry for a chain it does not hold", e.id);
			return;
		}
		q->s_last_used++;
		if (q->split.active && e.id == q->split.head) {
			if (split_done(p, d, q, e.len, &e)) {
				__atomic_store_n(&q->s_avail->ring[q->s_avail_idx++ % q->qsize],
						 q->split.head, __ATOMIC_RELAXED);
				reposted++;
				continue;
			}
			chain_free(p, q, (uint16_t)e.id);
			memcpy(&q->g_used->ring[q->used_idx++ % q->qsize], &e, sizeof(e));
			done++;
			continue;
		}
		uint32_t left = e.len, writable = 0;
		uint16_t i = (uint16_t)e.id;
		/* slot[] is private, but the guest may have posted a descriptor
		 * twice in flight: bound the walk, check every buffer again */
		for (uint16_t n = 0; n < q->qsize && i < q->qsize; n++, i = q->slot[i].next) {
			const struct vproxy_slot *s = &q->slot[i];
			if (s->flags & VIRTQ_DESC_F_WRITE) {
				uint32_t c = MIN_U32(left, s->len);
				void *g = p->cfg.ops->guest_ptr(p->cfg.ctx, s->gaddr, s->len);
				writable += s->len;
				if (g && c) {
					memcpy(g, pool_va(p, s->boff), c);
					p->stats.bytes_to_guest += c;
				}
				left -= c;
			}
			if (!(s->flags & VIRTQ_DESC_F_NEXT))
				break;
		}
		if (e.len > writable) {
			/* More than the chain can hold: only its writable bytes
			 * were copied back, and the guest is told no more.
			 * QEMU's virtio-scsi counts a WRITE's data-out bytes in
			 * len (virtio 1.2 §2.7.8.2 has "written into the
			 * buffer"), so this is not taken as a lie. */
			if (!p->stats.used_len_clamped++)
				note(p, false, "virtio %02x:%02x.%x queue %u: a used length (%#x) above the "
				     "chain's writable bytes (%#x): clamped", d->bdf >> 8, (d->bdf >> 3) & 0x1F,
				     d->bdf & 7, qi, e.len, writable);
			e.len = writable;
		}
		chain_free(p, q, (uint16_t)e.id);
		memcpy(&q->g_used->ring[q->used_idx++ % q->qsize], &e, sizeof(e));
		done++;
	}
	if (reposted) {
		__atomic_store_n(&q->s_avail->idx, q->s_avail_idx, __ATOMIC_RELEASE);
		notify_device(p, d, qi);
	}
	if (!done)
		return;
	p->stats.completions += done;
	__atomic_store_n(&q->g_used->idx, q->used_idx, __ATOMIC_RELEASE);
	MB();
	if (!(__atomic_load_n(&q->g_avail->flags, __ATOMIC_RELAXED) & VIRTQ_AVAIL_F_NO_INTERRUPT))
		raise(p, d, q->msix, VIRTIO_ISR_QUEUE);
}

static void service_device(struct vproxy *p, struct vproxy_dev *d)
{
	for (uint16_t i = 0; i < VPROXY_MAX_QUEUES && !d->broken; i++) {
		if (!d->q[i] || !d->q[i]->enabled)
			continue;
		harvest(p, d, i);
		if (d->q[i]->deferred && !d->broken)
			kick_queue(p, d, i);
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
		raise(p, p->dev[i], p->dev[i]->config_msix, VIRTIO_ISR_CONFIG);
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

static void enable_queue(struct vproxy *p, struct vproxy_dev *d, uint16_t qi)
{
	struct vproxy_queue *q = queue(p, d, qi);
	if (!q || q->enabled)
		return;
	uint16_t n = q->size ? q->size : (uint16_t)common_rd(p, d, COMMON(queue_size), 2);
	if (!n || n > VPROXY_MAX_QSIZE || (n & (n - 1))) {
		device_error(p, d, "queue size (not a power of two up to 1024)", n);
		return;
	}
	if (!ring_ptrs(p, q, n)) {
		device_error(p, d, "ring address (misaligned or outside guest RAM)", q->desc);
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
	uint32_t avail_off = VIRTQ_DESC_BYTES(n), used_off = ALIGN8(avail_off + VIRTQ_AVAIL_BYTES(n)) + 4;
	uint32_t ring_bytes = used_off + VIRTQ_USED_BYTES(n);
	int64_t ring = q->slot ? pool_alloc(p, ring_bytes) : -1;
	if (ring < 0) {
		device_error(p, d, "queue enable: no room in the bounce pool for the ring", n);
		return;
	}
	memset(q->slot, 0, n * sizeof(*q->slot));
	q->qsize = n;
	q->ring_off = (uint32_t)ring * VPROXY_GRANULE;
	q->ring_granules = (ring_bytes + VPROXY_GRANULE - 1) / VPROXY_GRANULE;
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
static void reset_device(struct vproxy *p, struct vproxy_dev *d)
{
	common_wr(p, d, COMMON(device_status), 1, 0);
	unsigned int tries = 0;
	while (common_rd(p, d, COMMON(device_status), 1) != 0) {
		if (++tries == 100000) {
			device_lied(p, d, "a status that does not reset", 0);
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
					chain_free(p, q, h);
			pool_free(p, q->ring_off / VPROXY_GRANULE, q->ring_granules);
		}
		struct vproxy_slot *slot = q->slot;
		uint16_t cap = q->slot_cap;
		memset(q, 0, sizeof(*q));       /* and the split request with it */
		q->slot = slot;
		q->slot_cap = cap;
		q->msix = VIRTIO_NO_VECTOR;
	}
	d->config_msix = VIRTIO_NO_VECTOR;
	d->gfeat[0] = d->gfeat[1] = 0;
	d->isr = 0;
	d->broken = false;
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
	if (field_size == 8)    /* 64-bit fields: whole, or as two 32-bit halves (§4.1.3.1) */
		return (size == 8 && off == field_off) || (size == 4 && (off == field_off ||
								     off == field_off + 4));
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
	return field == COMMON(queue_desc) ? &q->desc
		: field == COMMON(queue_driver) ? &q->driver : &q->device;
}

static void common_write(struct vproxy *p, struct vproxy_dev *d, unsigned int off,
			 unsigned int size, uint64_t val)
{
	struct vproxy_queue *q = queue(p, d, d->qsel);
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
			reset_device(p, d);
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
			enable_queue(p, d, d->qsel);
		return;
	}
	/* read-only fields and queue_reset (not offered): the write is dropped */
}

static uint64_t common_read(struct vproxy *p, struct vproxy_dev *d, unsigned int off,
			    unsigned int size)
{
	struct vproxy_queue *q = queue(p, d, d->qsel);
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

static void table_access(struct vproxy *p, struct vproxy_dev *d, uint32_t off,
			 unsigned int size, bool write, uint64_t *val)
{
	struct msix_entry *e = &d->table_v[off / PCI_MSIX_ENTRY_SIZE];
	uint32_t *f = &e->addr_lo + (off % PCI_MSIX_ENTRY_SIZE) / 4;
	if ((size != 4 && size != 8) || (off & (size - 1))) {
		if (!write)
			*val = 0;
		return;                 /* PCI 3.0 §6.8.2: DWORD or aligned QWORD */
	}
	if (!write) {
		*val = size == 8 ? (uint64_t)f[1] << 32 | f[0] : f[0];
		return;
	}
	f[0] = (uint32_t)*val;
	if (size == 8)
		f[1] = (uint32_t)(*val >> 32);
	e->ctrl &= PCI_MSIX_ENTRY_MASKED;
	deliver_pending(p, d);
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
				d->num_queues = (uint16_t)MIN_U32(common_rd(p, d, COMMON(num_queues), 2),
								  VPROXY_MAX_QUEUES);
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
				kick_queue(p, d, qi);
				if (!d->broken)
					harvest(p, d, qi);
			}
			return true;
		}
		if (hit(d, &d->isr_cfg, gpa, size, &off)) {
			if (!write) {
				*val = off ? 0 : d->isr;
				d->isr = 0;     /* reading clears it (§4.1.4.5) */
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
		*val = v;
		return true;
	}
	uint32_t v = *val;
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
		deliver_pending(p, d);
	return true;
}
