/* SPDX-License-Identifier: MIT */
/*
 * Inside the NVMe proxy: what nvme_proxy.c (the controller: configuration
 * space, registers, MSI-X, the shared area) and nvme_proxy_cmd.c (commands
 * and completions) share.  Not for other modules.
 */
#ifndef DEVICES_NVME_PROXY_PRIV_H
#define DEVICES_NVME_PROXY_PRIV_H

#include "nvme_proxy.h"

#include <nvme.h>

/** What a command needs when it completes. */
enum nvp_kind {
	NVP_PLAIN,
	NVP_CREATE_CQ,
	NVP_CREATE_SQ,
	NVP_DELETE_CQ,
	NVP_DELETE_SQ,
	NVP_ID_CTRL,
	NVP_ID_NS,
	NVP_NUM_QUEUES,
	NVP_FORMAT,
};

enum nvp_dir { NVP_NONE, NVP_TO_DEV, NVP_FROM_DEV };

/** A command with the controller. */
struct nvp_cmd {
	bool busy;
	uint8_t kind, dir;
	uint16_t cid;
	uint16_t arg; /* a queue ID (create/delete), an NSID (identify) */
	uint32_t len; /* data bytes */
	uint64_t prp1, prp2;
	uint32_t page, npages; /* its bounce buffer in the area (npages 0: none) */
};

struct nvp_sq {
	bool live, pending; /* created / a create or delete is with the controller */
	uint16_t size, cqid;
	struct nvme_sqe *g; /* the guest's queue (private) */
	struct nvme_sqe *s; /* the shadow (shared) */
	uint32_t page, npages;
	uint16_t g_head, g_tail; /* the guest's entries: taken, written */
	uint16_t s_head, s_tail; /* the shadow's: consumed (SQHD), posted */
	uint16_t inflight;
	struct nvp_cmd *cmd; /* NVPROXY_QMAX, allocated with the controller */
};

struct nvp_cq {
	bool live, pending, ien;
	uint16_t size, iv;
	struct nvme_cqe *g, *s;
	uint32_t page, npages;
	uint16_t g_head, g_tail; /* the guest's: released (doorbell), written */
	uint8_t g_phase;
	uint16_t s_head; /* the shadow's next entry */
	uint8_t s_phase;
};

struct nvproxy_ctrl {
	uint32_t bdf;
	uint64_t bar0;
	bool mem_on;
	uint8_t msix_cap;
	uint16_t msix_n;
	uint32_t table_off, pba_off; /* in BAR0 */
	uint16_t msix_ctrl;	     /* ENABLE / MASKALL as the guest wrote them */
	uint32_t *table_v;	     /* msix_n entries of 4 dwords */
	uint64_t *pba_v;
	unsigned int dstrd;
	uint8_t mdts; /* the controller's, 0: no limit */
	/* the guest's registers */
	uint32_t aqa;
	uint64_t asq, acq;
	bool enabled; /* CC.EN as the guest last wrote it */
	bool fatal;   /* CSTS.CFS shown: the guest's admin queue was unusable */
	uint32_t lba_bytes[NVPROXY_MAX_NS + 1]; /* by NSID; 0: not identified, or unusable */
	struct nvp_sq sq[NVPROXY_MAX_QUEUES];
	struct nvp_cq cq[NVPROXY_MAX_QUEUES];
};

/* nvme_proxy.c */
void nvp_note(struct nvproxy *p, bool hv_error, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int64_t nvp_pages_alloc(struct nvproxy *p, uint32_t n);
void nvp_pages_free(struct nvproxy *p, uint32_t first, uint32_t n);
void nvp_raise(struct nvproxy *p, struct nvproxy_ctrl *c, uint16_t v);
void nvp_reg_write(struct nvproxy *p, struct nvproxy_ctrl *c, unsigned int reg, unsigned int size,
		   uint64_t val);
void *nvp_guest(struct nvproxy *p, uint64_t gpa, uint64_t len);
uint64_t nvp_real_rd(struct nvproxy *p, const struct nvproxy_ctrl *c, unsigned int reg,
		     unsigned int size);
void nvp_real_wr(struct nvproxy *p, const struct nvproxy_ctrl *c, unsigned int reg,
		 unsigned int size, uint64_t v);

static inline void *nvp_va(const struct nvproxy *p, uint32_t page)
{
	return p->area + (uint64_t)page * NVME_PAGE;
}

static inline uint64_t nvp_gpa(const struct nvproxy *p, uint32_t page)
{
	return p->area_gpa + (uint64_t)page * NVME_PAGE;
}

/* nvme_proxy_cmd.c */
void nvp_sq_doorbell(struct nvproxy *p, struct nvproxy_ctrl *c, uint16_t qid, uint32_t tail);
void nvp_cq_doorbell(struct nvproxy *p, struct nvproxy_ctrl *c, uint16_t qid, uint32_t head);
void nvp_harvest_all(struct nvproxy *p, struct nvproxy_ctrl *c);
bool nvp_admin_start(struct nvproxy *p, struct nvproxy_ctrl *c);
void nvp_forget_queues(struct nvproxy *p, struct nvproxy_ctrl *c);

#endif
