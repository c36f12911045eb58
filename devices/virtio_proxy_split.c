/* SPDX-License-Identifier: MIT */
/*
 * The virtio proxy's large requests, carried in pieces (struct vproxy_split
 * in virtio_proxy_priv.h has the model): a virtio-blk read or write, a SCSI
 * READ on virtio-scsi.
 */
#include "virtio_proxy_priv.h"

#include <lib/bytes.h>
#include <lib/string.h>

/* --- large requests, in pieces ------------------------------------------------ */

uint32_t vproxy_split_above(const struct vproxy *p)
{
	return p->cfg.pool_size / 4;
}

static uint32_t split_chunk(const struct vproxy *p)
{
	return ALIGN_DOWN_U32(p->cfg.pool_size / 16, 4096);
}

/* The piece's block in the pool: header, response or status, data. */
#define SPLIT_HDR  0u
#define SPLIT_RESP VIRTIO_SCSI_REQ_MAX
#define SPLIT_DATA (SPLIT_RESP + VIRTIO_SCSI_RESP_MAX)

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

/** SCSI READ(10), READ(12), READ(16) (SBC-3 §5.11-5.13): where the LBA and
 * the transfer length (in blocks) sit in the CDB, or false. */
static bool scsi_read_fields(uint8_t op, unsigned int *lba_off, unsigned int *lba_len,
			     unsigned int *len_off, unsigned int *len_len)
{
	switch (op) {
	case SCSI_READ_10:
		*lba_off = 2;
		*lba_len = 4;
		*len_off = 7;
		*len_len = 2;
		return true;
	case SCSI_READ_12:
		*lba_off = 2;
		*lba_len = 4;
		*len_off = 6;
		*len_len = 4;
		return true;
	case SCSI_READ_16:
		*lba_off = 2;
		*lba_len = 8;
		*len_off = 10;
		*len_len = 4;
		return true;
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
		be_put(cdb + lo, ll, sp->sector);
		be_put(cdb + no, nl, sp->piece / sp->block_size);
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
					 (uint16_t)((in ? w : 0) |
						    (sp->kind == SPLIT_BLK ? nx : 0)),
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
	sp->last = h->next; /* the response */
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
	uint64_t blocks = be_get(cdb + no, nl);
	if (!blocks || sp->total % blocks)
		return false;
	sp->block_size = (uint32_t)(sp->total / blocks);
	if (sp->block_size < 512 || (sp->block_size & (sp->block_size - 1)) ||
	    split_chunk(p) % sp->block_size)
		return false;
	sp->kind = SPLIT_SCSI_READ;
	sp->sector = be_get(cdb + lo, ll);
	sp->req_len = h->len;
	sp->resp_len = r->len;
	return true;
}

/**
 * A chain of @bytes above vproxy_split_above(): cut in pieces if the proxy
 * knows how, else bounced whole if it fits (-2), else a device error.
 * Returns as post_chain().
 */
int vproxy_split_start(struct vproxy *p, struct vproxy_dev *d, struct vproxy_queue *q,
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
		vproxy_device_error(p, d, "chain larger than the bounce pool", bytes);
		return -1;
	}
	if (q->split.active)
		return 0; /* one at a time: wait for it */
	int64_t block = vproxy_pool_alloc(p, SPLIT_DATA + split_chunk(p));
	if (block < 0)
		return 0;
	sp.active = true;
	sp.block = (uint32_t)block;
	sp.granules = pool_granules_of(SPLIT_DATA + split_chunk(p));
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
bool vproxy_split_done(struct vproxy *p, struct vproxy_dev *d, struct vproxy_queue *q, uint32_t len,
		       struct virtq_used_elem *e)
{
	struct vproxy_split *sp = &q->split;
	uint32_t base = sp->block * VPROXY_GRANULE;
	bool in = sp->kind == SPLIT_SCSI_READ || sp->type == VIRTIO_BLK_T_IN;
	uint8_t resp[VIRTIO_SCSI_RESP_MAX];
	memcpy(resp, pool_va(p, base + SPLIT_RESP), sp->resp_len); /* one read */
	bool ok = sp->kind == SPLIT_BLK ? resp[0] == VIRTIO_BLK_S_OK
					: resp[VIRTIO_SCSI_RESP_RESPONSE] == VIRTIO_SCSI_S_OK &&
						  resp[VIRTIO_SCSI_RESP_STATUS] == SCSI_STATUS_GOOD;
	uint32_t want = sp->resp_len + (in ? sp->piece : 0);
	if (len > want || (ok && in && sp->kind == SPLIT_BLK && len != want)) {
		vproxy_device_lied(p, d, "a piece's used length that is not its size", len);
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
	if (sp->kind == SPLIT_SCSI_READ) /* the residual: what was not read */
		put_le32(resp + VIRTIO_SCSI_RESP_RESID, sp->total - sp->done);
	const struct vproxy_slot *st = &q->slot[sp->last];
	uint8_t *g = p->cfg.ops->guest_ptr(p->cfg.ctx, st->gaddr, sp->resp_len);
	if (g)
		memcpy(g, resp, sp->resp_len);
	*e = (struct virtq_used_elem){ sp->head, sp->resp_len + (in ? sp->done : 0) };
	sp->active = false;
	return false;
}
