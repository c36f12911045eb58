/* SPDX-License-Identifier: MIT */
/*
 * The NVMe proxy's commands (nvme_proxy.h has the model): the guest's
 * submission queue entries to the shadow queues with bounce buffers, the
 * controller's completion queue entries back to the guest's queues, and the
 * queues' life cycle.  Sections: NVM Express Base Specification 1.4.
 */
#include "nvme_proxy_priv.h"

#include <lib/string.h>

#define MB()	     __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define MAX_BYTES    (NVME_PAGE << NVPROXY_MDTS)
#define PAGES_OF(n)  (((n) + NVME_PAGE - 1) / NVME_PAGE)
#define NVP_DEFER    0xFFFFu /* not a status: wait for bounce space */
#define GENERIC(sc)  NVME_STATUS(0, sc)
#define SPECIFIC(sc) NVME_STATUS(NVME_SCT_CMD_SPECIFIC, sc)

static uint16_t next(uint16_t i, uint16_t size)
{
	return (uint16_t)(i + 1 == size ? 0 : i + 1);
}

/* --- queues --------------------------------------------------------------- */

static void area_free(struct nvproxy *p, uint32_t *page, uint32_t *npages)
{
	if (*npages)
		nvp_pages_free(p, *page, *npages);
	*npages = 0;
}

/** A queue of @entries of @esize bytes at guest @gpa: its guest pointer and
 * shadow pages; a status. */
static uint16_t queue_memory(struct nvproxy *p, uint64_t gpa, uint16_t entries, uint32_t esize,
			     void **g, void **s, uint32_t *page, uint32_t *npages)
{
	uint32_t bytes = (uint32_t)entries * esize;
	if (gpa & (NVME_PAGE - 1))
		return GENERIC(NVME_SC_INVALID_FIELD); /* page aligned (§5.3, §5.4) */
	*g = nvp_guest(p, gpa, bytes);
	if (!*g)
		return GENERIC(NVME_SC_DATA_XFER);
	int64_t first = nvp_pages_alloc(p, PAGES_OF(bytes));
	if (first < 0)
		return NVP_DEFER;
	*page = (uint32_t)first;
	*npages = PAGES_OF(bytes);
	*s = nvp_va(p, *page);
	memset(*s, 0, (size_t)*npages * NVME_PAGE);
	return 0;
}

static void sq_free(struct nvproxy *p, struct nvp_sq *sq)
{
	for (unsigned int i = 0; i < NVPROXY_QMAX; i++) {
		if (sq->cmd[i].busy)
			area_free(p, &sq->cmd[i].page, &sq->cmd[i].npages);
		sq->cmd[i].busy = false;
	}
	area_free(p, &sq->page, &sq->npages);
	struct nvp_cmd *cmd = sq->cmd;
	memset(sq, 0, sizeof(*sq));
	sq->cmd = cmd;
}

static void cq_free(struct nvproxy *p, struct nvp_cq *cq)
{
	area_free(p, &cq->page, &cq->npages);
	memset(cq, 0, sizeof(*cq));
}

static void cq_start(struct nvp_cq *cq)
{
	cq->live = true;
	cq->pending = false;
	cq->g_phase = cq->s_phase = 1; /* §4.6: the phase tag is 1 on the first pass */
	cq->g_head = cq->g_tail = cq->s_head = 0;
}

void nvp_forget_queues(struct nvproxy *p, struct nvproxy_ctrl *c)
{
	for (unsigned int i = 0; i < NVPROXY_MAX_QUEUES; i++) {
		sq_free(p, &c->sq[i]);
		cq_free(p, &c->cq[i]);
	}
}

/** CC.EN went to 1: the admin queue pair from AQA, ASQ and ACQ (§3.1.8-10,
 * §7.6.1); false: unusable (the caller shows CSTS.CFS). */
bool nvp_admin_start(struct nvproxy *p, struct nvproxy_ctrl *c)
{
	uint64_t cap = nvp_real_rd(p, c, NVME_REG_CAP, 8);
	c->dstrd = NVME_CAP_DSTRD(cap);
	uint16_t sqs = (uint16_t)(NVME_AQA_ASQS(c->aqa) + 1),
		 cqs = (uint16_t)(NVME_AQA_ACQS(c->aqa) + 1);
	struct nvp_sq *sq = &c->sq[0];
	struct nvp_cq *cq = &c->cq[0];
	void *g, *s;
	if (!p->area || sqs < 2 || cqs < 2 || sqs > NVPROXY_QMAX || cqs > NVPROXY_QMAX ||
	    NVME_CAP_MPSMIN(cap) != 0) {
		nvp_note(p, false, "NVMe: admin queues of %u/%u entries not carried", sqs, cqs);
		return false;
	}
	if (queue_memory(p, c->asq, sqs, sizeof(struct nvme_sqe), &g, &s, &sq->page, &sq->npages))
		goto bad;
	sq->g = g;
	sq->s = s;
	if (queue_memory(p, c->acq, cqs, sizeof(struct nvme_cqe), &g, &s, &cq->page, &cq->npages))
		goto bad;
	cq->g = g;
	cq->s = s;
	sq->size = sqs;
	sq->live = true;
	cq->size = cqs;
	cq->ien = true; /* the admin CQ interrupts on vector 0 (§3.1.8) */
	cq_start(cq);
	nvp_real_wr(p, c, NVME_REG_AQA, 4, c->aqa);
	nvp_real_wr(p, c, NVME_REG_ASQ, 8, nvp_gpa(p, sq->page));
	nvp_real_wr(p, c, NVME_REG_ACQ, 8, nvp_gpa(p, cq->page));
	return true;
bad:
	nvp_note(p, false, "NVMe: admin queues at %#lx/%#lx are not the guest's RAM",
		 (unsigned long)c->asq, (unsigned long)c->acq);
	nvp_forget_queues(p, c);
	return false;
}

/* --- PRPs (§4.3) ---------------------------------------------------------- */

enum walk { WALK_CHECK, WALK_IN, WALK_OUT };

static uint16_t segment(struct nvproxy *p, uint64_t gpa, uint32_t len, uint8_t *b, enum walk how)
{
	uint8_t *g = nvp_guest(p, gpa, len);
	if (!g)
		return GENERIC(NVME_SC_DATA_XFER); /* a DMA outside the guest's RAM */
	if (how == WALK_IN)
		memcpy(b, g, len);
	else if (how == WALK_OUT)
		memcpy(g, b, len);
	return 0;
}

/** The guest's PRP1/PRP2 for @len bytes, checked, and copied to or from @b.
 * PRP1 may have a dword-aligned offset; PRP2 is the second page, or a PRP
 * list whose entries are page aligned and whose last entry of a page
 * points to the next list page while more than a page remains. */
static uint16_t prp_walk(struct nvproxy *p, uint64_t prp1, uint64_t prp2, uint32_t len, uint8_t *b,
			 enum walk how)
{
	if (prp1 & 3)
		return GENERIC(NVME_SC_PRP_OFFSET);
	uint32_t done = NVME_PAGE - (uint32_t)(prp1 & (NVME_PAGE - 1));
	if (done > len)
		done = len;
	uint16_t st = segment(p, prp1, done, b, how);
	if (st || done == len)
		return st;
	if (len - done <= NVME_PAGE) {
		if (prp2 & (NVME_PAGE - 1))
			return GENERIC(NVME_SC_PRP_OFFSET);
		return segment(p, prp2, len - done, b + done, how);
	}
	if (prp2 & 7)
		return GENERIC(NVME_SC_PRP_OFFSET);
	uint64_t list = prp2;
	while (done < len) {
		uint32_t n = (NVME_PAGE - (uint32_t)(list & (NVME_PAGE - 1))) / 8;
		const volatile uint64_t *e = nvp_guest(p, list, n * 8);
		if (!e)
			return GENERIC(NVME_SC_DATA_XFER);
		for (uint32_t i = 0; i < n && done < len; i++) {
			uint64_t a = e[i];
			if (a & (NVME_PAGE - 1))
				return GENERIC(NVME_SC_PRP_OFFSET);
			if (i == n - 1 && len - done > NVME_PAGE) {
				list = a; /* the next list page */
				break;
			}
			uint32_t l = len - done < NVME_PAGE ? len - done : NVME_PAGE;
			st = segment(p, a, l, b + done, how);
			if (st)
				return st;
			done += l;
		}
	}
	return 0;
}

/* --- commands ------------------------------------------------------------- */

/** What the command moves: kind, direction and bytes; a status if refused. */
static uint16_t classify(struct nvproxy_ctrl *c, uint16_t qid, const struct nvme_sqe *e,
			 struct nvp_cmd *cmd)
{
	cmd->kind = NVP_PLAIN;
	cmd->dir = NVP_NONE;
	cmd->len = 0;
	if (qid == 0) {
		switch (e->opc) {
		case NVME_ADM_DELETE_SQ:
			cmd->kind = NVP_DELETE_SQ;
			return 0;
		case NVME_ADM_DELETE_CQ:
			cmd->kind = NVP_DELETE_CQ;
			return 0;
		case NVME_ADM_CREATE_SQ:
			cmd->kind = NVP_CREATE_SQ;
			return 0;
		case NVME_ADM_CREATE_CQ:
			cmd->kind = NVP_CREATE_CQ;
			return 0;
		case NVME_ADM_GET_LOG_PAGE: { /* NUMD: NUMDU:NUMDL, 0's based dwords (§5.14) */
			uint64_t len =
				((uint64_t)((e->cdw11 & 0xFFFFu) << 16 | e->cdw10 >> 16) + 1) * 4;
			if (len > MAX_BYTES) /* the controller would move all of it */
				return GENERIC(NVME_SC_INVALID_FIELD);
			cmd->dir = NVP_FROM_DEV;
			cmd->len = (uint32_t)len;
			return 0;
		}
		case NVME_ADM_IDENTIFY:
			cmd->dir = NVP_FROM_DEV;
			cmd->len = NVME_IDENTIFY_BYTES;
			if ((e->cdw10 & 0xFF) == NVME_CNS_CTRL)
				cmd->kind = NVP_ID_CTRL;
			if ((e->cdw10 & 0xFF) == NVME_CNS_NS && e->nsid &&
			    e->nsid <= NVPROXY_MAX_NS) {
				cmd->kind = NVP_ID_NS;
				cmd->arg = (uint16_t)e->nsid;
			}
			return 0;
		case NVME_ADM_SET_FEATURES:
		case NVME_ADM_GET_FEATURES:
			cmd->dir = e->opc == NVME_ADM_SET_FEATURES ? NVP_TO_DEV : NVP_FROM_DEV;
			switch (e->cdw10 & 0xFF) {
			case NVME_FEAT_LBA_RANGE:
				cmd->len = 4096;
				return 0;
			case NVME_FEAT_APST:
				cmd->len = 256;
				return 0;
			case NVME_FEAT_TIMESTAMP:
				cmd->len = 8;
				return 0;
			case NVME_FEAT_HOST_BEHAVIOR:
				cmd->len = 512;
				return 0;
			case NVME_FEAT_HMB: /* would give the controller guest memory */
				return GENERIC(NVME_SC_INVALID_FIELD);
			case NVME_FEAT_NUM_QUEUES:
				cmd->kind = NVP_NUM_QUEUES;
				break;
			default:
				/* features without a data buffer (§5.21.1, Figure 271);
				 * any other (a host identifier, metadata...) would
				 * move data the proxy cannot size */
				if ((e->cdw10 & 0xFF) > 63 ||
				    !(NVME_FEAT_NO_DATA >> (e->cdw10 & 0xFF) & 1))
					return GENERIC(NVME_SC_INVALID_FIELD);
			}
			cmd->dir = NVP_NONE;
			return 0;
		case NVME_ADM_FORMAT_NVM:
			cmd->kind = NVP_FORMAT;
			return 0;
		case NVME_ADM_ABORT:
		case NVME_ADM_ASYNC_EVENT:
		case NVME_ADM_KEEP_ALIVE:
			return 0;
		}
		return GENERIC(NVME_SC_INVALID_OPCODE);
	}
	switch (e->opc) {
	case NVME_CMD_FLUSH:
	case NVME_CMD_WRITE_UNCOR:
	case NVME_CMD_WRITE_ZEROES:
	case NVME_CMD_VERIFY:
		return 0;
	case NVME_CMD_DSM:
		cmd->dir = NVP_TO_DEV;
		cmd->len = ((e->cdw10 & 0xFF) + 1) * NVME_DSM_RANGE_BYTES;
		return 0;
	case NVME_CMD_WRITE:
	case NVME_CMD_READ:
	case NVME_CMD_COMPARE:
		if (!e->nsid || e->nsid > NVPROXY_MAX_NS || !c->lba_bytes[e->nsid])
			return GENERIC(NVME_SC_INVALID_NS); /* a namespace not identified */
		if (e->mptr)
			return GENERIC(NVME_SC_INVALID_FIELD); /* separate metadata: not carried */
		cmd->dir = e->opc == NVME_CMD_READ ? NVP_FROM_DEV : NVP_TO_DEV;
		uint64_t len = ((uint64_t)(e->cdw12 & 0xFFFF) + 1) * c->lba_bytes[e->nsid];
		if (len > MAX_BYTES)
			return GENERIC(NVME_SC_INVALID_FIELD); /* beyond MDTS (§5.15.2.2) */
		cmd->len = (uint32_t)len;
		return 0;
	}
	return GENERIC(NVME_SC_INVALID_OPCODE);
}

/** Create I/O CQ (§5.3) and SQ (§5.4): the guest's queue checked, a shadow
 * given to the controller. */
static uint16_t create_queue(struct nvproxy *p, struct nvproxy_ctrl *c, struct nvme_sqe *e,
			     struct nvp_cmd *cmd)
{
	uint16_t qid = (uint16_t)e->cdw10, size = (uint16_t)((e->cdw10 >> 16) + 1);
	uint16_t hi = (uint16_t)(e->cdw11 >> 16);
	bool cq = cmd->kind == NVP_CREATE_CQ;
	void *g, *s;
	if (!qid || qid >= NVPROXY_MAX_QUEUES ||
	    (cq ? c->cq[qid].live || c->cq[qid].pending : c->sq[qid].live || c->sq[qid].pending))
		return SPECIFIC(NVME_SC_INVALID_QID);
	if ((e->cdw10 >> 16) + 1 < 2 || (e->cdw10 >> 16) + 1 > NVPROXY_QMAX)
		return SPECIFIC(NVME_SC_INVALID_QSIZE);
	if (!(e->cdw11 & NVME_QUEUE_PC))
		return GENERIC(NVME_SC_INVALID_FIELD); /* CAP.CQR is set */
	cmd->arg = qid;
	struct nvp_cq *q = &c->cq[qid];
	struct nvp_sq *w = &c->sq[qid];
	if (cq && (e->cdw11 & NVME_QUEUE_IEN) && hi >= c->msix_n)
		return SPECIFIC(NVME_SC_INVALID_IV);
	if (!cq && (!hi || hi >= NVPROXY_MAX_QUEUES || !c->cq[hi].live))
		return SPECIFIC(NVME_SC_CQ_INVALID);
	uint16_t st = queue_memory(p, e->prp1, size, cq ? 16u : 64u, &g, &s,
				   cq ? &q->page : &w->page, cq ? &q->npages : &w->npages);
	if (st)
		return st;
	if (cq) {
		*q = (struct nvp_cq){ .pending = true,
				      .ien = e->cdw11 & NVME_QUEUE_IEN,
				      .size = size,
				      .iv = hi,
				      .g = g,
				      .s = s,
				      .page = q->page,
				      .npages = q->npages };
		e->cdw11 = NVME_QUEUE_PC | NVME_QUEUE_IEN; /* vector 0: the paravisor's */
	} else {
		w->g = g;
		w->s = s;
		w->size = size;
		w->cqid = hi;
		w->pending = true;
	}
	e->prp1 = nvp_gpa(p, cq ? q->page : w->page);
	e->prp2 = 0;
	return 0;
}

static uint16_t delete_queue(struct nvproxy_ctrl *c, const struct nvme_sqe *e, struct nvp_cmd *cmd)
{
	uint16_t qid = (uint16_t)e->cdw10;
	bool cq = cmd->kind == NVP_DELETE_CQ;
	if (!qid || qid >= NVPROXY_MAX_QUEUES || !(cq ? c->cq[qid].live : c->sq[qid].live))
		return SPECIFIC(NVME_SC_INVALID_QID);
	for (unsigned int i = 1; cq && i < NVPROXY_MAX_QUEUES; i++)
		if ((c->sq[i].live || c->sq[i].pending) && c->sq[i].cqid == qid)
			return SPECIFIC(NVME_SC_INVALID_QDEL); /* §5.5: its SQs first */
	cmd->arg = qid;
	return 0;
}

/** The guest's command @e (a copy) for the controller: checked, rewritten
 * in place to the shadow's terms; a status, or NVP_DEFER. */
static uint16_t translate(struct nvproxy *p, struct nvproxy_ctrl *c, uint16_t qid,
			  struct nvme_sqe *e, struct nvp_cmd *cmd)
{
	cmd->npages = 0;
	if (e->flags & NVME_SQE_FUSE_MASK)
		return GENERIC(NVME_SC_INVALID_FIELD); /* fused commands: not offered */
	if (e->flags & NVME_SQE_PSDT_MASK)
		return GENERIC(NVME_SC_INVALID_FIELD); /* SGLs: SGLS reads 0 (§4.2) */
	uint16_t st = classify(c, qid, e, cmd);
	if (st)
		return st;
	if (cmd->kind == NVP_CREATE_CQ || cmd->kind == NVP_CREATE_SQ)
		return create_queue(p, c, e, cmd);
	if (cmd->kind == NVP_DELETE_CQ || cmd->kind == NVP_DELETE_SQ)
		st = delete_queue(c, e, cmd);
	cmd->prp1 = e->prp1;
	cmd->prp2 = e->prp2;
	e->mptr = 0;
	e->prp1 = e->prp2 = 0;
	if (st || cmd->dir == NVP_NONE)
		return st;
	st = prp_walk(p, cmd->prp1, cmd->prp2, cmd->len, NULL, WALK_CHECK);
	if (st)
		return st;
	uint32_t n = PAGES_OF(cmd->len);
	int64_t first = nvp_pages_alloc(p, n > 2 ? n + 1 : n);
	if (first < 0)
		return NVP_DEFER;
	cmd->page = (uint32_t)first;
	cmd->npages = n > 2 ? n + 1 : n;
	if (cmd->dir == NVP_TO_DEV) {
		st = prp_walk(p, cmd->prp1, cmd->prp2, cmd->len, nvp_va(p, cmd->page), WALK_IN);
		if (st) {
			area_free(p, &cmd->page, &cmd->npages);
			return st;
		}
		p->stats.bytes_to_device += cmd->len;
	}
	e->prp1 = nvp_gpa(p, cmd->page);
	if (n == 2)
		e->prp2 = nvp_gpa(p, cmd->page + 1);
	if (n > 2) {
		uint64_t *list = nvp_va(p, cmd->page + n);
		for (uint32_t i = 1; i < n; i++)
			list[i - 1] = nvp_gpa(p, cmd->page + i);
		e->prp2 = nvp_gpa(p, cmd->page + n);
	}
	return 0;
}

/* --- the guest's completion queues ---------------------------------------- */

static bool cq_full(const struct nvp_cq *cq)
{
	return next(cq->g_tail, cq->size) == cq->g_head;
}

/** A completion into the guest's CQ with its phase; the status last. */
static void cq_post(struct nvproxy *p, struct nvp_cq *cq, uint32_t dw0, uint32_t dw1, uint16_t sqhd,
		    uint16_t sqid, uint16_t cid, uint16_t status)
{
	volatile struct nvme_cqe *g = &cq->g[cq->g_tail];
	g->dw0 = dw0;
	g->dw1 = dw1;
	g->sqhd = sqhd;
	g->sqid = sqid;
	g->cid = cid;
	MB();
	g->status = (uint16_t)((status & NVME_STATUS_MASK) | cq->g_phase);
	cq->g_tail = next(cq->g_tail, cq->size);
	if (!cq->g_tail)
		cq->g_phase ^= 1;
	p->stats.completions++;
}

/* --- submission ----------------------------------------------------------- */

static struct nvp_cmd *cmd_find(struct nvp_sq *sq, uint16_t cid)
{
	for (unsigned int i = 0; i < NVPROXY_QMAX; i++)
		if (sq->cmd[i].busy && sq->cmd[i].cid == cid)
			return &sq->cmd[i];
	return NULL;
}

static struct nvp_cmd *cmd_free_slot(struct nvp_sq *sq)
{
	for (unsigned int i = 0; i < NVPROXY_QMAX; i++)
		if (!sq->cmd[i].busy)
			return &sq->cmd[i];
	return NULL;
}

/** No command of any controller is with its controller. */
static bool idle(const struct nvproxy *p)
{
	for (unsigned int i = 0; i < p->nctrl; i++)
		for (unsigned int q = 0; q < NVPROXY_MAX_QUEUES; q++)
			if (p->ctrl[i]->sq[q].inflight)
				return false;
	return true;
}

/** Take the guest's new entries of SQ @qid while the shadow, the bounce
 * area and (for a refusal) the guest's CQ have room. */
static void sq_process(struct nvproxy *p, struct nvproxy_ctrl *c, uint16_t qid)
{
	struct nvp_sq *sq = &c->sq[qid];
	struct nvp_cq *cq = &c->cq[sq->cqid];
	bool posted = false, refused = false;
	while (sq->live && sq->g_head != sq->g_tail && !c->fatal) {
		if (sq->inflight + 1 >= sq->size || next(sq->s_tail, sq->size) == sq->s_head)
			break;
		struct nvme_sqe e;
		memcpy(&e, (const void *)&sq->g[sq->g_head], sizeof(e));
		struct nvp_cmd *cmd = cmd_free_slot(sq);
		if (!cmd)
			break; /* not reached: fewer in flight than the queue's entries */
		uint16_t st = cmd_find(sq, e.cid) ? GENERIC(NVME_SC_CID_CONFLICT)
						  : translate(p, c, qid, &e, cmd);
		if (st == NVP_DEFER && idle(p)) /* nothing will free space */
			st = GENERIC(NVME_SC_INTERNAL);
		if (st == NVP_DEFER) {
			p->stats.deferred++;
			break;
		}
		if (st) {
			if (cq_full(cq))
				break; /* the refusal waits for room, like a completion */
			sq->g_head = next(sq->g_head, sq->size);
			cq_post(p, cq, 0, 0, sq->g_head, qid, e.cid, st | NVME_STATUS_DNR);
			p->stats.refused++;
			refused = true;
			continue;
		}
		cmd->busy = true;
		cmd->cid = e.cid;
		memcpy((void *)&sq->s[sq->s_tail], &e, sizeof(e));
		sq->s_tail = next(sq->s_tail, sq->size);
		sq->g_head = next(sq->g_head, sq->size);
		sq->inflight++;
		p->stats.commands++;
		posted = true;
	}
	if (posted) {
		MB();
		nvp_real_wr(p, c, NVME_SQ_DB(qid, c->dstrd), 4, sq->s_tail);
	}
	if (refused && cq->ien)
		nvp_raise(p, c, cq->iv);
}

void nvp_sq_doorbell(struct nvproxy *p, struct nvproxy_ctrl *c, uint16_t qid, uint32_t tail)
{
	struct nvp_sq *sq = &c->sq[qid];
	if (!sq->live || tail >= sq->size)
		return; /* an invalid doorbell write (§4.1): ignored */
	sq->g_tail = (uint16_t)tail;
	sq_process(p, c, qid);
}

/* --- completion ----------------------------------------------------------- */

/** The controller finished @cmd: data back to the guest, what the proxy
 * learns from it; the status for the guest. */
static uint16_t finish(struct nvproxy *p, struct nvproxy_ctrl *c, struct nvp_cmd *cmd,
		       uint32_t *dw0, uint16_t status)
{
	bool ok = !(status & NVME_STATUS_MASK);
	uint8_t *b = cmd->npages ? nvp_va(p, cmd->page) : NULL;
	if (ok && cmd->kind == NVP_ID_CTRL) {
		/* nvme_proxy.h: MDTS at most the proxy's, no optional admin
		 * commands, no host memory buffer, no SGLs */
		c->mdts = b[NVME_ID_CTRL_MDTS];
		if (!b[NVME_ID_CTRL_MDTS] || b[NVME_ID_CTRL_MDTS] > NVPROXY_MDTS)
			b[NVME_ID_CTRL_MDTS] = NVPROXY_MDTS;
		memset(b + NVME_ID_CTRL_OACS, 0, 2);
		memset(b + NVME_ID_CTRL_HMPRE, 0, 8);
		memset(b + NVME_ID_CTRL_SGLS, 0, 4);
	}
	if (ok && cmd->kind == NVP_ID_NS) {
		unsigned int fmt = b[NVME_ID_NS_FLBAS] & 0xF;
		const uint8_t *lbaf = b + NVME_ID_NS_LBAF + 4 * fmt;
		uint16_t ms = (uint16_t)(lbaf[0] | lbaf[1] << 8);
		bool ext = b[NVME_ID_NS_FLBAS] & NVME_FLBAS_EXTENDED;
		uint32_t bytes = lbaf[2] >= 9 && lbaf[2] <= 16 ? 1u << lbaf[2] : 0;
		/* separate metadata would need MPTR: not carried */
		c->lba_bytes[cmd->arg] = fmt > b[NVME_ID_NS_NLBAF] || (ms && !ext) || !bytes
						 ? 0
						 : bytes + (ext ? ms : 0);
	}
	if (ok && cmd->dir == NVP_FROM_DEV) {
		uint16_t st = prp_walk(p, cmd->prp1, cmd->prp2, cmd->len, b, WALK_OUT);
		if (st)
			status = st; /* the guest moved its PRPs since */
		else
			p->stats.bytes_to_guest += cmd->len;
	}
	uint16_t qid = cmd->arg;
	switch (cmd->kind) {
	case NVP_NUM_QUEUES:
		if (ok) { /* NSQA, NCQA: at most the proxy's I/O queues (§5.21.1.7) */
			uint32_t max = NVPROXY_MAX_QUEUES - 2;
			uint32_t nsqa = *dw0 & 0xFFFF, ncqa = *dw0 >> 16;
			*dw0 = (nsqa < max ? nsqa : max) | (ncqa < max ? ncqa : max) << 16;
		}
		break;
	case NVP_CREATE_CQ:
		if (ok)
			cq_start(&c->cq[qid]);
		else
			cq_free(p, &c->cq[qid]);
		break;
	case NVP_CREATE_SQ:
		if (ok) {
			c->sq[qid].live = true;
			c->sq[qid].pending = false;
		} else {
			sq_free(p, &c->sq[qid]);
		}
		break;
	case NVP_DELETE_SQ:
		if (ok)
			sq_free(p, &c->sq[qid]); /* its commands were aborted (§5.6) */
		break;
	case NVP_DELETE_CQ:
		if (ok)
			cq_free(p, &c->cq[qid]);
		break;
	case NVP_FORMAT:
		if (ok)
			memset(c->lba_bytes, 0, sizeof(c->lba_bytes));
		break;
	}
	return status;
}

static void lied(struct nvproxy *p, struct nvproxy_ctrl *c, uint16_t qid, const char *what,
		 unsigned long v)
{
	nvp_note(p, true, "NVMe %02x:%02x.%x: the controller's CQ %u has %s (%#lx)", c->bdf >> 8,
		 (c->bdf >> 3) & 0x1F, c->bdf & 7, qid, what, v);
	c->fatal = true;
}

/** Take the controller's new entries of CQ @qid while the guest's CQ has
 * room. */
static void cq_harvest(struct nvproxy *p, struct nvproxy_ctrl *c, uint16_t qid)
{
	struct nvp_cq *cq = &c->cq[qid];
	bool posted = false, taken = false;
	while (cq->live && !c->fatal && !cq_full(cq)) {
		volatile struct nvme_cqe *d = &cq->s[cq->s_head];
		if ((d->status & NVME_CQE_PHASE) != cq->s_phase)
			break;
		MB();
		struct nvme_cqe e;
		memcpy(&e, (const void *)d, sizeof(e));
		struct nvp_sq *sq = e.sqid < NVPROXY_MAX_QUEUES ? &c->sq[e.sqid] : NULL;
		if (!sq || !sq->live || sq->cqid != qid) {
			lied(p, c, qid, "an entry for a submission queue not on it", e.sqid);
			break;
		}
		struct nvp_cmd *cmd = cmd_find(sq, e.cid);
		if (!cmd) {
			lied(p, c, qid, "a completion for a command never given", e.cid);
			break;
		}
		if (e.sqhd >= sq->size ||
		    (uint16_t)((e.sqhd - sq->s_head + sq->size) % sq->size) >
			    (uint16_t)((sq->s_tail - sq->s_head + sq->size) % sq->size)) {
			lied(p, c, qid, "an SQ head pointer beyond the tail", e.sqhd);
			break;
		}
		sq->s_head = e.sqhd;
		cq->s_head = next(cq->s_head, cq->size);
		if (!cq->s_head)
			cq->s_phase ^= 1;
		taken = true;
		uint16_t sqid = e.sqid, sqhd = sq->g_head;
		uint16_t status = finish(p, c, cmd, &e.dw0, e.status);
		area_free(p, &cmd->page, &cmd->npages);
		cmd->busy = false;
		if (sq->live) /* not after its own deletion */
			sq->inflight--;
		cq_post(p, cq, e.dw0, e.dw1, sqhd, sqid, e.cid, status);
		posted = true;
	}
	if (taken)
		nvp_real_wr(p, c, NVME_CQ_DB(qid, c->dstrd), 4, cq->s_head);
	if (posted && cq->ien)
		nvp_raise(p, c, cq->iv);
}

void nvp_harvest_all(struct nvproxy *p, struct nvproxy_ctrl *c)
{
	/* the I/O CQs before the admin CQ: a Delete I/O SQ completes after
	 * the commands of that SQ (§5.6), whose entries must find it */
	for (uint16_t q = NVPROXY_MAX_QUEUES; q-- > 0;)
		if (c->cq[q].live)
			cq_harvest(p, c, q);
	/* what waited for room in the area, the shadows or a guest CQ */
	for (uint16_t q = 0; q < NVPROXY_MAX_QUEUES; q++)
		if (c->sq[q].live)
			sq_process(p, c, q);
}

void nvp_cq_doorbell(struct nvproxy *p, struct nvproxy_ctrl *c, uint16_t qid, uint32_t head)
{
	struct nvp_cq *cq = &c->cq[qid];
	if (!cq->live || head >= cq->size)
		return; /* an invalid doorbell write (§4.1): ignored */
	cq->g_head = (uint16_t)head;
	nvp_harvest_all(p, c);
}
