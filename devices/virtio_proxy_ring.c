/* SPDX-License-Identifier: MIT */
/*
 * The virtio proxy's rings: the guest's new chains posted on the shadow
 * ring through bounce buffers, and the device's finished chains returned
 * to the guest's used ring.
 *
 * Per queue, the shadow ring given to the device mirrors the guest's
 * descriptor indices: the guest's chain with head H becomes the shadow chain
 * with head H, each descriptor pointing into one bounce block allocated for
 * the whole chain.  What the proxy needs at completion (guest addresses,
 * lengths, the block) is kept privately in slot[]; the shadow table in
 * shared memory is written, never read back.
 */
#include "virtio_proxy_priv.h"

#include <lib/string.h>

/**
 * Post the guest's chain at @head on the shadow ring.  1: posted, 0: not
 * now (no pool space, or a receive buffer above its share of the pool: try
 * again after a completion), -1: a device error.
 */
static int post_chain(struct vproxy *p, struct vproxy_dev *d, struct vproxy_queue *q, uint16_t head)
{
	uint32_t bytes = 0;
	uint16_t i = head, n = 0;
	bool recv = true; /* only device-writable buffers */
	for (;;) {
		struct virtq_desc g;
		memcpy(&g, &q->g_desc[i], sizeof(g)); /* one read of each field */
		if (q->slot[i].held) {
			/* virtio 1.2 §2.7.13 and §2.7.14: a buffer is the
			 * device's from its available entry to its used entry;
			 * taken, it would rewrite the shadow chain the device is
			 * working on */
			vproxy_device_error(p, d, "descriptor of a chain the device holds", i);
			return -1;
		}
		if (g.flags & VIRTQ_DESC_F_INDIRECT) {
			vproxy_device_error(p, d, "indirect descriptor (not negotiated)", i);
			return -1;
		}
		if (g.len && !p->cfg.ops->guest_ptr(p->cfg.ctx, g.addr, g.len)) {
			vproxy_device_error(p, d, "buffer outside guest RAM", g.addr);
			return -1;
		}
		if (bytes + ALIGN8(g.len) < bytes) {
			vproxy_device_error(p, d, "chain length overflows", g.len);
			return -1;
		}
		q->slot[i].gaddr = g.addr;
		q->slot[i].len = g.len;
		q->slot[i].boff = bytes; /* relative until the block is known */
		q->slot[i].flags = g.flags & (VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE);
		q->slot[i].next = g.next;
		recv = recv && (g.flags & VIRTQ_DESC_F_WRITE);
		bytes += ALIGN8(g.len);
		if (!(g.flags & VIRTQ_DESC_F_NEXT))
			break;
		if (++n == q->qsize || g.next >= q->qsize) {
			vproxy_device_error(p, d, "descriptor chain loops or leaves the table",
					    head);
			return -1;
		}
		i = g.next;
	}
	if (bytes > vproxy_split_above(p)) {
		int r = vproxy_split_start(p, d, q, head, bytes);
		if (r == 0)
			p->stats.deferred++;
		if (r != -2)
			return r;
	}
	uint32_t granules = pool_granules_of(bytes);
	if (recv && q->recv_granules &&
	    (q->recv_granules + granules > recv_queue_cap(p) ||
	     p->recv_granules + granules > recv_total_cap(p))) {
		p->stats.recv_held++;
		return 0;
	}
	int64_t block = vproxy_pool_alloc(p, bytes);
	if (block < 0) {
		p->stats.deferred++;
		return 0;
	}
	uint32_t base = (uint32_t)block * VPROXY_GRANULE;
	for (i = head;; i = q->slot[i].next) {
		struct vproxy_slot *s = &q->slot[i];
		s->boff += base;
		if (!(s->flags & VIRTQ_DESC_F_WRITE) && s->len) {
			memcpy(pool_va(p, s->boff),
			       p->cfg.ops->guest_ptr(p->cfg.ctx, s->gaddr, s->len), s->len);
			p->stats.bytes_to_device += s->len;
		}
		struct virtq_desc sd = { pool_gpa(p, s->boff), s->len, s->flags, s->next };
		memcpy(&q->s_desc[i], &sd, sizeof(sd));
		if (!(s->flags & VIRTQ_DESC_F_NEXT))
			break;
	}
	q->slot[head].busy = true;
	q->slot[head].recv = recv;
	q->slot[head].block = (uint32_t)block;
	q->slot[head].granules = granules;
	if (recv) {
		q->recv_granules += granules;
		p->recv_granules += granules;
	}
	q->inflight++;
	return 1;
}

static void notify_device(struct vproxy *p, struct vproxy_dev *d, uint16_t qi)
{
	struct vproxy_queue *q = d->q[qi];
	MB();
	if (__atomic_load_n(&q->s_used->flags, __ATOMIC_RELAXED) & VIRTQ_USED_F_NO_NOTIFY)
		return;
	p->cfg.ops->mmio_write(p->cfg.ctx,
			       region_gpa(d, &d->notify) + (uint64_t)q->notify_off * d->notify_mult,
			       2, qi);
}

/** Take the guest's new chains on queue @qi to the device. */
void vproxy_kick_queue(struct vproxy *p, struct vproxy_dev *d, uint16_t qi)
{
	struct vproxy_queue *q = d->q[qi];
	uint16_t avail = __atomic_load_n(&q->g_avail->idx, __ATOMIC_ACQUIRE);
	uint16_t posted = 0;
	if ((uint16_t)(avail - q->last_avail) > q->qsize) {
		vproxy_device_error(p, d, "available index jumped", avail);
		return;
	}
	q->deferred = false;
	while (q->last_avail != avail && !d->broken) {
		uint16_t head = __atomic_load_n(&q->g_avail->ring[q->last_avail % q->qsize],
						__ATOMIC_RELAXED);
		if (head >= q->qsize || q->slot[head].busy) {
			vproxy_device_error(p, d, "available head out of range or in use", head);
			return;
		}
		int r = post_chain(p, d, q, head);
		if (r < 0)
			return;
		if (r == 0) {
			q->deferred = true;
			break;
		}
		vproxy_chain_hold(q, head, true);
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
void vproxy_harvest(struct vproxy *p, struct vproxy_dev *d, uint16_t qi)
{
	struct vproxy_queue *q = d->q[qi];
	uint16_t used = __atomic_load_n(&q->s_used->idx, __ATOMIC_ACQUIRE);
	uint16_t done = 0, reposted = 0;
	if ((uint16_t)(used - q->s_last_used) > q->inflight) {
		vproxy_device_lied(p, d, "more used entries than chains in flight", used);
		return;
	}
	while (q->s_last_used != used) {
		struct virtq_used_elem e;
		memcpy(&e, &q->s_used->ring[q->s_last_used % q->qsize], sizeof(e));
		if (e.id >= q->qsize || !q->slot[e.id].busy) {
			vproxy_device_lied(p, d, "a used entry for a chain it does not hold", e.id);
			return;
		}
		q->s_last_used++;
		if (q->split.active && e.id == q->split.head) {
			if (vproxy_split_done(p, d, q, e.len, &e)) {
				__atomic_store_n(&q->s_avail->ring[q->s_avail_idx++ % q->qsize],
						 q->split.head, __ATOMIC_RELAXED);
				reposted++;
				continue;
			}
			vproxy_chain_free(p, q, (uint16_t)e.id);
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
				vproxy_note(p, false,
					    "virtio %02x:%02x.%x queue %u: a used length "
					    "(%#x) above the chain's writable bytes (%#x): clamped",
					    d->bdf >> 8, (d->bdf >> 3) & 0x1F, d->bdf & 7, qi,
					    e.len, writable);
			e.len = writable;
		}
		vproxy_chain_free(p, q, (uint16_t)e.id);
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
		vproxy_raise(p, d, q->msix, VIRTIO_ISR_QUEUE);
}
