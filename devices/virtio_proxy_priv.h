/* SPDX-License-Identifier: MIT */
/*
 * Inside the virtio proxy: what virtio_proxy.c, virtio_proxy_ring.c,
 * virtio_proxy_split.c and virtio_proxy_pci.c share.  Not for other modules.
 */
#ifndef DEVICES_VIRTIO_PROXY_PRIV_H
#define DEVICES_VIRTIO_PROXY_PRIV_H

#include "virtio_proxy.h"

#define MIN_U32(a, b)	     ((uint32_t)(a) < (uint32_t)(b) ? (uint32_t)(a) : (uint32_t)(b))
#define ALIGN8(x)	     (((x) + 7u) & ~7u)
#define ALIGN_DOWN_U32(x, a) ((uint32_t)(x) & ~((uint32_t)(a)-1))
#define MB()		     __atomic_thread_fence(__ATOMIC_SEQ_CST)

/** What the proxy gave the device for descriptor index i. */
struct vproxy_slot {
	uint64_t gaddr; /* the guest's buffer */
	uint32_t len;
	uint32_t boff;	/* its bounce buffer: offset in the pool */
	uint16_t flags; /* VIRTQ_DESC_F_NEXT / _WRITE */
	uint16_t next;
	bool held; /* a descriptor of a chain the device holds */
	/* for a head: the chain is with the device; its bounce block */
	bool busy;
	bool recv; /* a receive buffer: the device only writes it */
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
	uint16_t head, data, last;	  /* guest indices: head, first data, status/response */
	uint32_t type;			  /* blk: VIRTIO_BLK_T_IN or _OUT */
	uint64_t sector;		  /* blk: in 512-byte sectors; scsi: in blocks */
	uint32_t block_size;		  /* scsi: data bytes per block */
	uint8_t req[VIRTIO_SCSI_REQ_MAX]; /* scsi: the guest's request header */
	uint32_t req_len, resp_len;
	uint32_t total, done, piece; /* data bytes: all, finished, in flight */
	uint32_t block, granules;    /* header, response/status and piece in the pool */
};

struct vproxy_queue {
	/* the guest's view (common configuration while selected) */
	uint16_t size; /* 0: not written, the device's maximum */
	uint16_t msix;
	uint64_t desc, driver, device;
	bool enabled;
	/* carried */
	struct virtq_desc *g_desc; /* the guest's rings (private) */
	struct virtq_avail *g_avail;
	struct virtq_used *g_used;
	uint16_t qsize;			  /* size as enabled */
	uint16_t last_avail;		  /* next guest avail entry to take */
	uint16_t used_idx;		  /* next guest used entry to fill */
	uint32_t ring_off, ring_granules; /* the shadow ring in the pool */
	struct virtq_desc *s_desc;
	struct virtq_avail *s_avail;
	struct virtq_used *s_used;
	uint16_t s_avail_idx;	/* shadow avail entries posted */
	uint16_t s_last_used;	/* next shadow used entry to take */
	uint16_t inflight;	/* chains with the device */
	uint32_t recv_granules; /* receive buffers with the device, in the pool */
	uint16_t notify_off;
	bool deferred; /* a chain waits for pool space */
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
	uint16_t device_id; /* modern: 0x1040 + the virtio device type */
	bool transitional;  /* shown to the guest as its modern-only self */
	uint8_t io_bars;    /* its I/O BARs (a transitional one's legacy interface) */
	struct vproxy_region common, notify, isr_cfg, table, pba;
	uint32_t notify_mult;
	uint8_t msix_cap;
	uint16_t msix_n;
	uint64_t bar[6];
	bool mem_on;
	/* the guest's view */
	uint16_t msix_ctrl; /* ENABLE / MASKALL as the guest wrote them */
	struct msix_entry *table_v;
	uint64_t *pba_v;
	uint32_t dfsel, gfsel, gfeat[2];
	uint16_t config_msix, qsel, num_queues;
	uint8_t isr;
	bool broken;
	bool ap_offered; /* the device offers ACCESS_PLATFORM */
	struct vproxy_queue *q[VPROXY_MAX_QUEUES];
};

/* --- the bounce pool ------------------------------------------------------ */

static inline void *pool_va(const struct vproxy *p, uint32_t off)
{
	return p->cfg.pool + off;
}

static inline uint64_t pool_gpa(const struct vproxy *p, uint32_t off)
{
	return p->cfg.pool_gpa + off;
}

/** Granules for @bytes in the pool (at least one). */
static inline uint32_t pool_granules_of(uint32_t bytes)
{
	uint32_t n = (uint32_t)(((uint64_t)bytes + VPROXY_GRANULE - 1) / VPROXY_GRANULE);
	return n ? n : 1;
}

/*
 * Receive buffers (chains the device only writes: virtio-net's receive
 * queues, virtio-scsi's event queue, ...) are posted before anything
 * arrives and come back only when something does.  Let them fill the pool
 * and a request (virtio-net's control command, which Linux polls for, a
 * packet to send, a disk request) waits for room that no completion will
 * ever free.  So receive buffers hold at most an eighth of the pool per
 * queue (Linux's 256 buffers of 1.5 KiB fit) and a quarter in all; a queue
 * that holds none may always post one.
 */
static inline uint32_t recv_queue_cap(const struct vproxy *p)
{
	return p->pool_granules / 8;
}

static inline uint32_t recv_total_cap(const struct vproxy *p)
{
	return p->pool_granules / 4;
}

/* --- the real device ------------------------------------------------------ */

static inline uint32_t cfg_rd(struct vproxy *p, const struct vproxy_dev *d, unsigned int reg,
			      unsigned int size)
{
	return p->cfg.ops->cfg_read(p->cfg.ctx, d->bdf, reg, size);
}

static inline void cfg_wr(struct vproxy *p, const struct vproxy_dev *d, unsigned int reg,
			  unsigned int size, uint32_t val)
{
	p->cfg.ops->cfg_write(p->cfg.ctx, d->bdf, reg, size, val);
}

static inline uint64_t region_gpa(const struct vproxy_dev *d, const struct vproxy_region *r)
{
	return d->bar[r->bar] + r->off;
}

static inline uint64_t common_rd(struct vproxy *p, const struct vproxy_dev *d, unsigned int off,
				 unsigned int size)
{
	return p->cfg.ops->mmio_read(p->cfg.ctx, region_gpa(d, &d->common) + off, size);
}

static inline void common_wr(struct vproxy *p, const struct vproxy_dev *d, unsigned int off,
			     unsigned int size, uint64_t val)
{
	p->cfg.ops->mmio_write(p->cfg.ctx, region_gpa(d, &d->common) + off, size, val);
}

#define COMMON(f)      offsetof(struct virtio_pci_common_cfg, f)
#define COMMON_SIZE(f) sizeof(((struct virtio_pci_common_cfg *)0)->f)

/* virtio_proxy.c */
void vproxy_note(struct vproxy *p, bool hv_error, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void vproxy_bdf_name(uint32_t bdf, char out[12]);
int64_t vproxy_pool_alloc(struct vproxy *p, uint32_t bytes);
void vproxy_pool_free(struct vproxy *p, uint32_t first, uint32_t n);
void vproxy_raise(struct vproxy *p, struct vproxy_dev *d, uint16_t v, uint8_t isr_bit);
void vproxy_deliver_pending(struct vproxy *p, struct vproxy_dev *d);
void vproxy_device_error(struct vproxy *p, struct vproxy_dev *d, const char *what, uint64_t val);
void vproxy_device_lied(struct vproxy *p, struct vproxy_dev *d, const char *what, uint64_t val);
struct vproxy_queue *vproxy_dev_queue(struct vproxy *p, struct vproxy_dev *d, uint16_t i);
void vproxy_chain_free(struct vproxy *p, struct vproxy_queue *q, uint16_t head);
/** Marks (or unmarks) every descriptor of the chain at @head as held by the device. */
void vproxy_chain_hold(struct vproxy_queue *q, uint16_t head, bool held);
void vproxy_enable_queue(struct vproxy *p, struct vproxy_dev *d, uint16_t qi);
void vproxy_reset_device(struct vproxy *p, struct vproxy_dev *d);

/* virtio_proxy_ring.c */
void vproxy_kick_queue(struct vproxy *p, struct vproxy_dev *d, uint16_t qi);
void vproxy_harvest(struct vproxy *p, struct vproxy_dev *d, uint16_t qi);

/* virtio_proxy_split.c */
uint32_t vproxy_split_above(const struct vproxy *p);
int vproxy_split_start(struct vproxy *p, struct vproxy_dev *d, struct vproxy_queue *q,
		       uint16_t head, uint32_t bytes);
bool vproxy_split_done(struct vproxy *p, struct vproxy_dev *d, struct vproxy_queue *q, uint32_t len,
		       struct virtq_used_elem *e);

#endif
