/* SPDX-License-Identifier: MIT */
/*
 * devices/nvme_proxy.c on the host, against a fake NVMe controller (one
 * namespace of 512-byte blocks, up to 5 queue pairs) that reaches only the
 * proxy's "shared" area: every address it is given is checked to lie there
 * (the IOMMU rule).  The guest driver is written here step by step as NVMe
 * 1.4 §7.6.1 orders the initialisation; its queues and buffers are in
 * "private" guest memory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "devices/nvme_proxy.h"

#include <nvme.h>

#define BDF	   0x20u	 /* 00:04.0 */
#define BAR0	   0xFE000000ull /* registers, doorbells; MSI-X table 0x2000, PBA 0x3000 */
#define TABLE_OFF  0x2000u
#define PBA_OFF	   0x3000u
#define MSIX_CAP   0x40u
#define MSIX_N	   4u
#define GUEST_BASE 0x100000ull /* guest RAM [1 MiB, 3 MiB) */
#define GUEST_SIZE 0x200000ull
#define AREA_GPA   0x80000000ull
#define AREA_SIZE  (512u * 1024)
#define VEC	   0xF6
#define DISK_LBAS  1024u

/* the guest's memory plan */
#define G_ASQ	 (GUEST_BASE + 0x0000)
#define G_ACQ	 (GUEST_BASE + 0x1000)
#define G_IOSQ	 (GUEST_BASE + 0x2000)
#define G_IOCQ	 (GUEST_BASE + 0x3000)
#define G_LIST	 (GUEST_BASE + 0x4000) /* a PRP list */
#define G_ID	 (GUEST_BASE + 0x5000)
#define G_DATA	 (GUEST_BASE + 0x10000) /* 64 KiB of buffers */
#define AQ_SIZE	 8u
#define IOQ_SIZE 4u

/* ---- the fake platform and controller ------------------------------------ */

struct fq {
	uint64_t base;
	uint16_t size, head, tail, cqid;
	uint8_t phase;
	bool live;
};

static struct {
	uint8_t cfg[4096];
	uint8_t guest[GUEST_SIZE];
	uint8_t area[AREA_SIZE];
	uint8_t disk[DISK_LBAS * 512];
	uint32_t cc, csts, aqa;
	uint64_t asq, acq;
	struct fq sq[5], cq[5];
	uint32_t table[MSIX_N][4];
	unsigned int dma_outside; /* addresses the controller was given outside the area */
	unsigned int commands;	  /* commands the controller executed */
	/* a lying controller: the next completion gets these */
	int lie_cid, lie_sqhd, lie_sqid;
	unsigned int msis;
	uint32_t msi_data;
	unsigned int hv_errors;
	char log[4096];
} f;

static struct nvproxy proxy;

static void *area_ptr(uint64_t gpa, uint64_t len)
{
	if (gpa < AREA_GPA || gpa + len > AREA_GPA + AREA_SIZE) {
		f.dma_outside++;
		return NULL;
	}
	return f.area + (gpa - AREA_GPA);
}

/* Configuration space: the controller at BDF, a display at 00:05.0 (the
 * proxy passes it by), nothing elsewhere. */
static uint32_t op_cfg_read(void *ctx, uint32_t bdf, unsigned int reg, unsigned int size)
{
	(void)ctx;
	static const uint32_t display[3] = { 0x11111234u, 0, 0x03000002u };
	uint32_t v = 0;
	if (bdf == 0x28)
		return reg < 12 ? display[reg / 4] : 0;
	if (bdf == BDF)
		memcpy(&v, &f.cfg[reg], size);
	return bdf == BDF ? v : (uint32_t)((1ull << (8 * size)) - 1);
}

static void op_cfg_write(void *ctx, uint32_t bdf, unsigned int reg, unsigned int size, uint32_t val)
{
	(void)ctx;
	assert_int_equal(bdf, BDF);
	if (reg >= 4) /* the IDs are read-only */
		memcpy(&f.cfg[reg], &val, size);
}

static uint64_t op_mmio_read(void *ctx, uint64_t gpa, unsigned int size)
{
	(void)ctx;
	(void)size;
	switch (gpa - BAR0) {
	case NVME_REG_CAP: /* MQES 2047, CQR 0, DSTRD 0, MPSMIN 0, CMBS */
		return 0x07FFull | 1ull << 57;
	case NVME_REG_VS:
		return 0x10400;
	case NVME_REG_CC:
		return f.cc;
	case NVME_REG_CSTS:
		return f.csts;
	}
	fail_msg("unexpected MMIO read %#lx", (unsigned long)gpa);
	return 0;
}

static void op_mmio_write(void *ctx, uint64_t gpa, unsigned int size, uint64_t val)
{
	(void)ctx;
	uint64_t off = gpa - BAR0;
	if (off >= TABLE_OFF && off < TABLE_OFF + MSIX_N * 16) {
		f.table[(off - TABLE_OFF) / 16][(off % 16) / 4] = (uint32_t)val;
		return;
	}
	if (off >= NVME_REG_DBS) {
		unsigned int idx = (unsigned int)(off - NVME_REG_DBS) / 4;
		assert_true(idx / 2 < 5);
		if (idx % 2)
			f.cq[idx / 2].head = (uint16_t)val;
		else
			f.sq[idx / 2].tail = (uint16_t)val;
		return;
	}
	switch (off) {
	case NVME_REG_CC:
		f.cc = (uint32_t)val;
		f.csts = val & 1;
		if (!(val & 1))
			memset(f.sq, 0, sizeof(f.sq)), memset(f.cq, 0, sizeof(f.cq));
		if (val & 1) {
			f.sq[0] = (struct fq){ f.asq, (uint16_t)((f.aqa & 0xFFF) + 1), 0, 0, 0, 1,
					       true };
			f.cq[0] = (struct fq){ f.acq, (uint16_t)((f.aqa >> 16) + 1), 0, 0, 0, 1,
					       true };
		}
		return;
	case NVME_REG_AQA:
		f.aqa = (uint32_t)val;
		return;
	case NVME_REG_ASQ:
		assert_int_equal(size, 8);
		f.asq = val;
		return;
	case NVME_REG_ACQ:
		f.acq = val;
		return;
	}
	fail_msg("unexpected MMIO write %#lx", (unsigned long)gpa);
}

static void *op_guest_ptr(void *ctx, uint64_t gpa, uint64_t len)
{
	(void)ctx;
	if (gpa < GUEST_BASE || gpa + len > GUEST_BASE + GUEST_SIZE || gpa + len < gpa)
		return NULL;
	return f.guest + (gpa - GUEST_BASE);
}

static void op_guest_msi(void *ctx, uint64_t addr, uint32_t data)
{
	(void)ctx;
	(void)addr;
	f.msis++;
	f.msi_data = data;
}

static void *op_alloc(void *ctx, size_t bytes)
{
	(void)ctx;
	return calloc(1, bytes);
}

static void op_log(void *ctx, bool hv_error, const char *line)
{
	(void)ctx;
	f.hv_errors += hv_error;
	strncat(f.log, line, sizeof(f.log) - strlen(f.log) - 2);
	strcat(f.log, "\n");
}

/* in struct vproxy_ops's order */
static const struct vproxy_ops ops = { op_cfg_read,  op_cfg_write, op_mmio_read, op_mmio_write,
				       op_guest_ptr, op_guest_msi, op_alloc,	 op_log };

/* The controller's side of a data transfer: PRPs, all in the area. */
static bool dev_prp(uint64_t prp1, uint64_t prp2, uint32_t len, uint8_t *buf, bool to_mem)
{
	uint32_t first = 4096 - (uint32_t)(prp1 & 4095);
	if (first > len)
		first = len;
	uint64_t *list = len - first > 4096 ? area_ptr(prp2, 4096) : NULL;
	if (len - first > 4096 && !list)
		return false;
	for (uint32_t done = 0, i = 0; done < len; i++) {
		uint64_t a = i == 0 ? prp1 : list ? list[i - 1] : prp2;
		uint32_t n = i == 0 ? first : (len - done < 4096 ? len - done : 4096);
		uint8_t *p = area_ptr(a, n);
		if (!p)
			return false;
		if (to_mem)
			memcpy(p, buf + done, n);
		else
			memcpy(buf + done, p, n);
		done += n;
	}
	return true;
}

static uint32_t dev_exec(uint16_t qid, const struct nvme_sqe *e, uint16_t *status)
{
	static uint8_t buf[256 * 1024];
	*status = 0;
	f.commands++;
	if (e->prp1 && !area_ptr(e->prp1, 1))
		return 0;
	if (qid == 0) {
		uint16_t q = (uint16_t)e->cdw10;
		switch (e->opc) {
		case NVME_ADM_IDENTIFY:
			memset(buf, 0, 4096);
			if ((e->cdw10 & 0xFF) == NVME_CNS_CTRL) {
				buf[NVME_ID_CTRL_MDTS] = 7;
				buf[NVME_ID_CTRL_OACS] = 0x08;	   /* namespace management */
				buf[NVME_ID_CTRL_OACS + 1] = 0x01; /* Doorbell Buffer Config */
				buf[NVME_ID_CTRL_SGLS] = 1;
				memcpy(buf + 4, "FAKE", 4);
			} else {
				buf[0] = DISK_LBAS & 0xFF, buf[1] = DISK_LBAS >> 8;
				buf[NVME_ID_NS_LBAF + 2] = 9;
			}
			dev_prp(e->prp1, e->prp2, 4096, buf, true);
			return 0;
		case NVME_ADM_CREATE_CQ:
			f.cq[q] = (struct fq){
				e->prp1, (uint16_t)((e->cdw10 >> 16) + 1), 0, 0, 0, 1, true
			};
			return 0;
		case NVME_ADM_CREATE_SQ:
			f.sq[q] = (struct fq){ e->prp1, (uint16_t)((e->cdw10 >> 16) + 1), 0,
					       0,	(uint16_t)(e->cdw11 >> 16),	  1,
					       true };
			return 0;
		case NVME_ADM_DELETE_SQ:
		case NVME_ADM_DELETE_CQ:
			(e->opc == NVME_ADM_DELETE_SQ ? f.sq : f.cq)[q].live = false;
			return 0;
		case NVME_ADM_SET_FEATURES:
			return 0x003F003F; /* 64 queues each */
		}
		*status = NVME_STATUS(0, NVME_SC_INVALID_OPCODE);
		return 0;
	}
	uint32_t len = ((e->cdw12 & 0xFFFF) + 1) * 512;
	uint64_t lba = e->cdw10;
	if (e->opc == NVME_CMD_FLUSH)
		return 0;
	if (lba * 512 + len > sizeof(f.disk)) {
		*status = NVME_STATUS(0, 0x80); /* LBA out of range */
		return 0;
	}
	if (e->opc == NVME_CMD_WRITE && dev_prp(e->prp1, e->prp2, len, f.disk + lba * 512, false))
		return 0;
	if (e->opc == NVME_CMD_READ && dev_prp(e->prp1, e->prp2, len, f.disk + lba * 512, true))
		return 0;
	*status = NVME_STATUS(0, NVME_SC_DATA_XFER);
	return 0;
}

/** The controller runs every submitted command, posts its completions and
 * signals; then the paravisor's vector arrives. */
static void dev_run(void)
{
	bool any = false;
	for (uint16_t q = 0; q < 5; q++) {
		struct fq *sq = &f.sq[q];
		while (sq->live && sq->head != sq->tail) {
			struct nvme_sqe *e = area_ptr(sq->base + sq->head * 64u, 64);
			assert_non_null(e);
			sq->head = (uint16_t)((sq->head + 1) % sq->size);
			uint16_t st;
			uint32_t dw0 = dev_exec(q, e, &st);
			struct fq *cq = &f.cq[sq->cqid];
			struct nvme_cqe *c = area_ptr(cq->base + cq->tail * 16u, 16);
			assert_non_null(c);
			c->dw0 = dw0;
			c->sqhd = f.lie_sqhd >= 0 ? (uint16_t)f.lie_sqhd : sq->head;
			c->sqid = f.lie_sqid >= 0 ? (uint16_t)f.lie_sqid : q;
			c->cid = f.lie_cid >= 0 ? (uint16_t)f.lie_cid : e->cid;
			c->status = (uint16_t)(st | cq->phase);
			cq->tail = (uint16_t)((cq->tail + 1) % cq->size);
			if (!cq->tail)
				cq->phase ^= 1;
			any = true;
		}
	}
	if (any) {
		assert_int_equal(f.table[0][2], VEC);
		nvproxy_interrupt(&proxy);
	}
}

/* ---- the guest's driver -------------------------------------------------- */

static void *gva(uint64_t gpa)
{
	return f.guest + (gpa - GUEST_BASE);
}

static uint64_t mmio_rd(uint64_t off, unsigned int size)
{
	uint64_t v = 0;
	assert_true(nvproxy_mmio(&proxy, BAR0 + off, size, false, &v));
	return v;
}

static void mmio_wr(uint64_t off, unsigned int size, uint64_t v)
{
	assert_true(nvproxy_mmio(&proxy, BAR0 + off, size, true, &v));
}

static void cfg_wr(unsigned int reg, unsigned int size, uint32_t v)
{
	assert_true(nvproxy_cfg_access(&proxy, BDF, reg, size, true, &v));
}

struct gq {
	uint64_t base;
	uint16_t size, tail, head;
	uint8_t phase;
};
static struct gq asq, acq, iosq, iocq;
static uint16_t next_cid = 1;

static void submit(uint16_t qid, struct gq *sq, struct nvme_sqe *e)
{
	e->cid = next_cid++;
	memcpy(gva(sq->base + sq->tail * 64u), e, 64);
	sq->tail = (uint16_t)((sq->tail + 1) % sq->size);
	mmio_wr(NVME_SQ_DB(qid, 0), 4, sq->tail);
}

/** The next completion in @cq (the phase tells), consumed; its status. */
static uint16_t reap(uint16_t qid, struct gq *cq, struct nvme_cqe *out)
{
	struct nvme_cqe *c = gva(cq->base + cq->head * 16u);
	assert_int_equal(c->status & 1, cq->phase);
	if (out)
		*out = *c;
	uint16_t st = c->status & NVME_STATUS_MASK & ~NVME_STATUS_DNR;
	cq->head = (uint16_t)((cq->head + 1) % cq->size);
	if (!cq->head)
		cq->phase ^= 1;
	mmio_wr(NVME_CQ_DB(qid, 0), 4, cq->head);
	return st;
}

static bool cq_empty(struct gq *cq)
{
	struct nvme_cqe *c = gva(cq->base + cq->head * 16u);
	return (c->status & 1) != cq->phase;
}

static uint16_t admin(struct nvme_sqe *e, struct nvme_cqe *out)
{
	submit(0, &asq, e);
	dev_run();
	return reap(0, &acq, out);
}

static uint16_t io(struct nvme_sqe *e)
{
	submit(1, &iosq, e);
	dev_run();
	return reap(1, &iocq, NULL);
}

static struct nvme_sqe rw(uint8_t opc, uint32_t lba, uint32_t blocks, uint64_t prp1, uint64_t prp2)
{
	return (struct nvme_sqe){
		.opc = opc, .nsid = 1, .prp1 = prp1, .prp2 = prp2, .cdw10 = lba, .cdw12 = blocks - 1
	};
}

static int setup(void **state)
{
	(void)state;
	memset(&f, 0, sizeof(f));
	f.lie_cid = f.lie_sqhd = f.lie_sqid = -1;
	*(uint32_t *)&f.cfg[PCI_CFG_VENDOR] = 0x00101B36u; /* QEMU's NVMe */
	*(uint32_t *)&f.cfg[PCI_CFG_CLASS_REV] = NVME_PCI_CLASS << 8 | 2;
	*(uint16_t *)&f.cfg[PCI_CFG_STATUS] = PCI_STATUS_CAP_LIST;
	f.cfg[PCI_CFG_CAP_PTR] = MSIX_CAP;
	f.cfg[MSIX_CAP] = PCI_CAP_ID_MSIX;
	*(uint16_t *)&f.cfg[MSIX_CAP + PCI_MSIX_CTRL] = MSIX_N - 1;
	*(uint32_t *)&f.cfg[MSIX_CAP + PCI_MSIX_TABLE] = TABLE_OFF;
	*(uint32_t *)&f.cfg[MSIX_CAP + PCI_MSIX_PBA] = PBA_OFF;
	for (unsigned int i = 0; i < sizeof(f.disk); i++)
		f.disk[i] = (uint8_t)(i * 7 + i / 512);
	const struct nvproxy_config cfg = { .ops = &ops, .host_apic_id = 0, .vector = VEC };
	nvproxy_init(&proxy, &cfg);
	next_cid = 1;
	/* the guest finds the controller, places BAR0, enables MSI-X */
	uint32_t id = 0;
	uint32_t other = 0;
	assert_false(nvproxy_cfg_access(&proxy, 0x28, 0, 4, false, &other));
	assert_true(nvproxy_cfg_access(&proxy, BDF, 0, 4, false, &id));
	assert_int_equal(id, 0x00101B36u);
	assert_int_equal(nvproxy_ctrls(&proxy), 1);
	assert_true(nvproxy_set_area(&proxy, f.area, AREA_GPA, AREA_SIZE));
	cfg_wr(PCI_CFG_BAR0, 4, (uint32_t)BAR0 | PCI_BAR_TYPE_64);
	cfg_wr(PCI_CFG_BAR0 + 4, 4, 0);
	cfg_wr(PCI_CFG_COMMAND, 2, PCI_CMD_MEMORY | 0x4);
	cfg_wr(MSIX_CAP + PCI_MSIX_CTRL, 2, PCI_MSIX_CTRL_ENABLE);
	for (unsigned int v = 0; v < MSIX_N; v++) {
		mmio_wr(TABLE_OFF + v * 16 + 0, 4, 0xFEE00000u);
		mmio_wr(TABLE_OFF + v * 16 + 8, 4, 0x40 + v);
		mmio_wr(TABLE_OFF + v * 16 + 12, 4, 0);
	}
	/* §7.6.1: the admin queues, then CC.EN */
	asq = (struct gq){ G_ASQ, AQ_SIZE, 0, 0, 1 };
	acq = (struct gq){ G_ACQ, AQ_SIZE, 0, 0, 1 };
	mmio_wr(NVME_REG_AQA, 4, (AQ_SIZE - 1) << 16 | (AQ_SIZE - 1));
	mmio_wr(NVME_REG_ASQ, 4, (uint32_t)G_ASQ); /* as two halves, as Linux's lo_hi_writeq */
	mmio_wr(NVME_REG_ASQ + 4, 4, 0);
	mmio_wr(NVME_REG_ACQ, 8, G_ACQ);
	mmio_wr(NVME_REG_CC, 4, NVME_CC_EN | 6u << 16 | 4u << 20);
	assert_int_equal(mmio_rd(NVME_REG_CSTS, 4) & 3, NVME_CSTS_RDY);
	assert_int_equal(mmio_rd(NVME_REG_ASQ, 8), G_ASQ);
	assert_true(f.asq >= AREA_GPA && f.asq < AREA_GPA + AREA_SIZE);
	assert_true(f.acq >= AREA_GPA && f.acq < AREA_GPA + AREA_SIZE);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	for (unsigned int i = 0; i < proxy.nctrl; i++)
		free(proxy.ctrl[i]);
	free(proxy.page_map);
	return 0;
}

/** Identify both ways and one I/O queue pair (CQ on vector 1). */
static void bring_up(void)
{
	struct nvme_sqe e = { .opc = NVME_ADM_IDENTIFY, .prp1 = G_ID, .cdw10 = NVME_CNS_CTRL };
	assert_int_equal(admin(&e, NULL), 0);
	e = (struct nvme_sqe){ .opc = NVME_ADM_IDENTIFY, .nsid = 1, .prp1 = G_ID };
	assert_int_equal(admin(&e, NULL), 0);
	iosq = (struct gq){ G_IOSQ, IOQ_SIZE, 0, 0, 1 };
	iocq = (struct gq){ G_IOCQ, IOQ_SIZE, 0, 0, 1 };
	e = (struct nvme_sqe){ .opc = NVME_ADM_CREATE_CQ,
			       .prp1 = G_IOCQ,
			       .cdw10 = (IOQ_SIZE - 1) << 16 | 1,
			       .cdw11 = 1u << 16 | 3 };
	assert_int_equal(admin(&e, NULL), 0);
	e = (struct nvme_sqe){ .opc = NVME_ADM_CREATE_SQ,
			       .prp1 = G_IOSQ,
			       .cdw10 = (IOQ_SIZE - 1) << 16 | 1,
			       .cdw11 = 1u << 16 | 1 };
	assert_int_equal(admin(&e, NULL), 0);
	assert_true(f.cq[1].live && f.sq[1].live);
}

/* ---- tests ---------------------------------------------------------------- */

static void test_registers_as_the_guest_sees_them(void **state)
{
	(void)state;
	uint64_t cap = mmio_rd(NVME_REG_CAP, 8);
	assert_int_equal(cap & 0xFFFF, NVPROXY_QMAX - 1);
	assert_true(cap & NVME_CAP_CQR);
	assert_false(cap & NVME_CAP_CMBS);
	assert_int_equal(mmio_rd(NVME_REG_CAP + 4, 4), (uint32_t)(cap >> 32));
	assert_int_equal(mmio_rd(NVME_REG_CMBSZ, 4), 0);
	assert_int_equal(f.dma_outside, 0);
}

static void test_identify_through_bounce_and_rewritten(void **state)
{
	(void)state;
	unsigned int msis = f.msis;
	bring_up();
	/* the last data through the bounce buffer was the namespace's */
	assert_int_equal(((uint8_t *)gva(G_ID))[NVME_ID_NS_LBAF + 2], 9);
	struct nvme_sqe e = {
		.opc = NVME_ADM_IDENTIFY, .prp1 = G_ID + 0x100, .prp2 = G_ID + 0x1000, .cdw10 = 1
	};
	assert_int_equal(admin(&e, NULL), 0);
	const uint8_t *id = (uint8_t *)gva(G_ID + 0x100);
	assert_memory_equal(id + 4, "FAKE", 4);
	assert_int_equal(id[NVME_ID_CTRL_MDTS], NVPROXY_MDTS);
	assert_int_equal(id[NVME_ID_CTRL_OACS] | id[NVME_ID_CTRL_OACS + 1], 0);
	assert_int_equal(id[NVME_ID_CTRL_SGLS], 0);
	assert_true(f.msis > msis); /* the admin CQ's vector 0 */
	assert_int_equal(f.dma_outside, 0);
}

static void test_write_read_prp_list_and_phase_wrap(void **state)
{
	(void)state;
	bring_up();
	uint8_t *w = gva(G_DATA), *r = gva(G_DATA + 0x8000);
	for (unsigned int i = 0; i < 0x5000; i++)
		w[i] = (uint8_t)(i * 13 + 5);
	/* 40 blocks from an offset in PRP1 (crossing 5 pages): a PRP list */
	uint64_t *list = gva(G_LIST);
	for (unsigned int i = 0; i < 5; i++)
		list[i] = G_DATA + 0x1000 * (i + 1);
	struct nvme_sqe e = rw(NVME_CMD_WRITE, 8, 40, G_DATA + 0x200, G_LIST);
	memmove(w + 0x200, w, 40 * 512);
	assert_int_equal(io(&e), 0);
	assert_memory_equal(f.disk + 8 * 512, w + 0x200, 40 * 512);
	/* read it back in two-page pieces; more commands than the CQ has
	 * entries, so the guest's phase turns */
	unsigned int msis = f.msis;
	e = rw(NVME_CMD_READ, 8, 16, G_DATA + 0x8000, G_DATA + 0x9000);
	assert_int_equal(io(&e), 0);
	for (unsigned int i = 2; i < 5; i++) {
		e = rw(NVME_CMD_READ, 8 + 8 * i, 8, G_DATA + 0x8000 + 0x1000 * i, 0);
		assert_int_equal(io(&e), 0);
	}
	assert_memory_equal(r, w + 0x200, 40 * 512);
	assert_int_equal(f.msi_data, 0x41); /* the I/O CQ's vector 1 */
	assert_true(f.msis >= msis + 4);
	assert_int_equal(f.dma_outside, 0);
	assert_int_equal(f.hv_errors, 0);
}

/** A refused command: the guest's status, and the controller never saw it. */
static void refused(struct nvme_sqe *e, uint16_t qid, uint16_t want)
{
	unsigned int before = f.commands;
	uint16_t st = qid ? io(e) : admin(e, NULL);
	assert_int_equal(st, want);
	assert_int_equal(f.commands, before);
	assert_int_equal(f.dma_outside, 0);
}

static void test_prps_outside_guest_ram_refused(void **state)
{
	(void)state;
	bring_up();
	struct nvme_sqe e = rw(NVME_CMD_READ, 0, 1, AREA_GPA, 0); /* the bounce area itself */
	refused(&e, 1, NVME_STATUS(0, NVME_SC_DATA_XFER));
	e = rw(NVME_CMD_WRITE, 0, 1, 0xFEE00000ull, 0); /* the APIC page */
	refused(&e, 1, NVME_STATUS(0, NVME_SC_DATA_XFER));
	e = rw(NVME_CMD_READ, 0, 16, G_DATA, GUEST_BASE + GUEST_SIZE); /* PRP2 past the end */
	refused(&e, 1, NVME_STATUS(0, NVME_SC_DATA_XFER));
	/* a PRP list with one entry outside, and a list outside */
	uint64_t *list = gva(G_LIST);
	list[0] = G_DATA + 0x1000;
	list[1] = 0x10000000ull;
	e = rw(NVME_CMD_READ, 0, 24, G_DATA, G_LIST);
	refused(&e, 1, NVME_STATUS(0, NVME_SC_DATA_XFER));
	e = rw(NVME_CMD_READ, 0, 24, G_DATA, AREA_GPA);
	refused(&e, 1, NVME_STATUS(0, NVME_SC_DATA_XFER));
	/* misaligned: PRP1 not dword aligned, PRP2 with an offset, list entry */
	e = rw(NVME_CMD_READ, 0, 1, G_DATA + 2, 0);
	refused(&e, 1, NVME_STATUS(0, NVME_SC_PRP_OFFSET));
	e = rw(NVME_CMD_READ, 0, 16, G_DATA, G_DATA + 0x1010);
	refused(&e, 1, NVME_STATUS(0, NVME_SC_PRP_OFFSET));
	list[1] = G_DATA + 0x2008;
	e = rw(NVME_CMD_READ, 0, 24, G_DATA, G_LIST);
	refused(&e, 1, NVME_STATUS(0, NVME_SC_PRP_OFFSET));
	assert_int_equal(f.hv_errors, 0);
}

static void test_commands_the_proxy_does_not_carry(void **state)
{
	(void)state;
	bring_up();
	struct nvme_sqe e = rw(NVME_CMD_READ, 0, 1, G_DATA, 0);
	e.flags = 0x40; /* PSDT: an SGL */
	refused(&e, 1, NVME_STATUS(0, NVME_SC_INVALID_FIELD));
	e = rw(NVME_CMD_READ, 0, (4096u << NVPROXY_MDTS) / 512 + 1, G_DATA, G_LIST); /* > MDTS */
	refused(&e, 1, NVME_STATUS(0, NVME_SC_INVALID_FIELD));
	e = rw(NVME_CMD_READ, 0, 1, G_DATA, 0);
	e.nsid = 2; /* never identified */
	refused(&e, 1, NVME_STATUS(0, NVME_SC_INVALID_NS));
	e = rw(0x7F, 0, 1, G_DATA, 0);
	refused(&e, 1, NVME_STATUS(0, NVME_SC_INVALID_OPCODE));
	e = (struct nvme_sqe){ .opc = NVME_ADM_DBBUF_CONFIG, .prp1 = G_DATA, .prp2 = G_DATA };
	refused(&e, 0, NVME_STATUS(0, NVME_SC_INVALID_OPCODE));
	e = (struct nvme_sqe){ .opc = NVME_ADM_SET_FEATURES, .cdw10 = NVME_FEAT_HMB, .cdw11 = 1 };
	refused(&e, 0, NVME_STATUS(0, NVME_SC_INVALID_FIELD));
	e = (struct nvme_sqe){ .opc = NVME_ADM_SET_FEATURES, .cdw10 = 0x81, .prp1 = G_DATA };
	refused(&e, 0, NVME_STATUS(0, NVME_SC_INVALID_FIELD)); /* Host Identifier: data */
	/* Get Log Page of 2^32 dwords (NUMD 0's based: the 33-bit sum) */
	e = (struct nvme_sqe){
		.opc = NVME_ADM_GET_LOG_PAGE, .cdw10 = 0xFFFF0002u, .cdw11 = 0xFFFF, .prp1 = G_DATA
	};
	refused(&e, 0, NVME_STATUS(0, NVME_SC_INVALID_FIELD));
	/* Number of Queues: the answer is the proxy's at most */
	e = (struct nvme_sqe){ .opc = NVME_ADM_SET_FEATURES,
			       .cdw10 = NVME_FEAT_NUM_QUEUES,
			       .cdw11 = 0x003F003F };
	struct nvme_cqe c;
	assert_int_equal(admin(&e, &c), 0);
	assert_int_equal(c.dw0, (NVPROXY_MAX_QUEUES - 2) * 0x10001u);
}

static void test_queue_creation_checked(void **state)
{
	(void)state;
	bring_up();
	struct nvme_sqe e = {
		.opc = NVME_ADM_CREATE_CQ, .prp1 = AREA_GPA, .cdw10 = 3u << 16 | 2, .cdw11 = 3
	};
	refused(&e, 0, NVME_STATUS(0, NVME_SC_DATA_XFER)); /* the queue outside guest RAM */
	e.prp1 = GUEST_BASE + GUEST_SIZE - 0x1000;
	e.cdw10 = 511u << 16 | 2; /* 512 entries */
	refused(&e, 0, NVME_STATUS(1, NVME_SC_INVALID_QSIZE));
	e.cdw10 = 3u << 16 | 1; /* QID 1 exists */
	refused(&e, 0, NVME_STATUS(1, NVME_SC_INVALID_QID));
	e.cdw10 = 3u << 16 | NVPROXY_MAX_QUEUES;
	refused(&e, 0, NVME_STATUS(1, NVME_SC_INVALID_QID));
	e.cdw10 = 3u << 16 | 2;
	e.cdw11 = MSIX_N << 16 | 3; /* no such vector */
	refused(&e, 0, NVME_STATUS(1, NVME_SC_INVALID_IV));
	e.cdw11 = 2; /* not physically contiguous */
	refused(&e, 0, NVME_STATUS(0, NVME_SC_INVALID_FIELD));
	e = (struct nvme_sqe){ .opc = NVME_ADM_CREATE_SQ,
			       .prp1 = G_DATA,
			       .cdw10 = 3u << 16 | 2,
			       .cdw11 = 3u << 16 | 1 }; /* its CQ does not exist */
	refused(&e, 0, NVME_STATUS(1, NVME_SC_CQ_INVALID));
	e = (struct nvme_sqe){ .opc = NVME_ADM_DELETE_CQ, .cdw10 = 1 }; /* SQ 1 still on it */
	refused(&e, 0, NVME_STATUS(1, NVME_SC_INVALID_QDEL));
	/* deleting in order works, and the queue's shadow goes back */
	e = (struct nvme_sqe){ .opc = NVME_ADM_DELETE_SQ, .cdw10 = 1 };
	assert_int_equal(admin(&e, NULL), 0);
	e = (struct nvme_sqe){ .opc = NVME_ADM_DELETE_CQ, .cdw10 = 1 };
	assert_int_equal(admin(&e, NULL), 0);
	assert_false(f.sq[1].live || f.cq[1].live);
	assert_int_equal(f.hv_errors, 0);
}

static void test_bad_admin_queue_is_fatal(void **state)
{
	(void)state;
	mmio_wr(NVME_REG_CC, 4, 0);
	assert_int_equal(mmio_rd(NVME_REG_CSTS, 4) & 1, 0);
	mmio_wr(NVME_REG_ASQ, 8, AREA_GPA); /* the bounce area */
	mmio_wr(NVME_REG_CC, 4, NVME_CC_EN | 6u << 16 | 4u << 20);
	assert_true(mmio_rd(NVME_REG_CSTS, 4) & NVME_CSTS_CFS);
	assert_int_equal(f.cc & 1, 0); /* the controller never started */
	mmio_wr(NVME_REG_CC, 4, 0);
	assert_false(mmio_rd(NVME_REG_CSTS, 4) & NVME_CSTS_CFS);
}

/* A controller that answers what cannot be true: the field it lies in (an
 * offset in f), the value, and the log line's words. */
struct lie {
	size_t field;
	int value;
	const char *says;
};
static const struct lie lie_cid = { offsetof(__typeof__(f), lie_cid), 0x7777, "never given" };
static const struct lie lie_sqhd = { offsetof(__typeof__(f), lie_sqhd), 3, "beyond the tail" };
static const struct lie lie_sqid = { offsetof(__typeof__(f), lie_sqid), 0, "not on it" };

static void test_device_lies(void **state)
{
	const struct lie *l = *state;
	bring_up();
	*(int *)((char *)&f + l->field) = l->value;
	struct nvme_sqe e = rw(NVME_CMD_READ, 0, 1, G_DATA, 0);
	submit(1, &iosq, &e);
	dev_run();
	assert_int_equal(f.hv_errors, 1);
	assert_true(cq_empty(&iocq)); /* nothing reached the guest */
	assert_non_null(strstr(f.log, l->says));
}

static void test_cid_conflict_and_masked_vector(void **state)
{
	(void)state;
	bring_up();
	/* a command still outstanding (the controller has not run) */
	struct nvme_sqe e = rw(NVME_CMD_READ, 0, 1, G_DATA, 0);
	submit(1, &iosq, &e);
	next_cid--; /* the same CID again */
	mmio_wr(TABLE_OFF + 16 + 12, 4, PCI_MSIX_ENTRY_MASKED);
	unsigned int msis = f.msis;
	submit(1, &iosq, &e);
	assert_int_equal(f.msis, msis); /* masked: pending */
	assert_int_equal(mmio_rd(PBA_OFF, 4), 2);
	struct nvme_cqe c;
	assert_int_equal(reap(1, &iocq, &c), NVME_STATUS(0, NVME_SC_CID_CONFLICT));
	mmio_wr(TABLE_OFF + 16 + 12, 4, 0);
	assert_int_equal(f.msis, msis + 1);
	dev_run();
	assert_int_equal(reap(1, &iocq, &c), 0);
	assert_int_equal(c.sqhd, 2);
	assert_int_equal(f.hv_errors, 0);
}

static void test_deferred_until_bounce_space(void **state)
{
	(void)state;
	bring_up();
	/* 3 reads of 64 pages: the area (128 pages, 4 of them queues) takes
	 * one at a time (64 pages and a PRP list); the rest wait in the
	 * guest's SQ */
	for (unsigned int i = 0; i < 3; i++) {
		struct nvme_sqe e = rw(NVME_CMD_READ, 0, (4096u << NVPROXY_MDTS) / 512, G_DATA,
				       G_LIST);
		uint64_t *list = gva(G_LIST);
		for (unsigned int j = 0; j < 63; j++)
			list[j] = G_DATA + 0x1000 * ((j + 1) % 16);
		submit(1, &iosq, &e);
	}
	assert_int_equal(f.sq[1].tail, 1);
	assert_true(proxy.stats.deferred > 0);
	dev_run();
	assert_int_equal(reap(1, &iocq, NULL), 0);
	assert_int_equal(f.sq[1].tail, 2);
	dev_run();
	assert_int_equal(reap(1, &iocq, NULL), 0);
	dev_run();
	assert_int_equal(reap(1, &iocq, NULL), 0);
	assert_int_equal(f.dma_outside, 0);
}

static void test_full_guest_cq_holds_completions(void **state)
{
	(void)state;
	bring_up();
	/* 6 reads, the guest's CQ holds 3: the rest wait in the shadow CQ
	 * until the guest's head doorbell frees room, none lost */
	for (unsigned int round = 0; round < 2; round++) {
		for (unsigned int i = 0; i < 3; i++) {
			struct nvme_sqe e = rw(NVME_CMD_READ, 3 * round + i, 1,
					       G_DATA + 0x1000 * (3 * round + i), 0);
			submit(1, &iosq, &e);
		}
		dev_run();
	}
	assert_int_equal(f.cq[1].head, 3); /* the proxy took 3 of the controller's 6 */
	for (unsigned int i = 0; i < 6; i++) {
		struct nvme_cqe c;
		assert_int_equal(reap(1, &iocq, &c), 0);
		assert_int_equal(c.cid, next_cid - 6 + i);
		assert_memory_equal(gva(G_DATA + 0x1000 * i), f.disk + 512 * i, 512);
	}
	assert_true(cq_empty(&iocq));
	assert_int_equal(f.hv_errors, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_registers_as_the_guest_sees_them, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_identify_through_bounce_and_rewritten, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_write_read_prp_list_and_phase_wrap, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_prps_outside_guest_ram_refused, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_commands_the_proxy_does_not_carry, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_queue_creation_checked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_admin_queue_is_fatal, setup, teardown),
		cmocka_unit_test_prestate_setup_teardown(test_device_lies, setup, teardown,
							 (void *)&lie_cid),
		cmocka_unit_test_prestate_setup_teardown(test_device_lies, setup, teardown,
							 (void *)&lie_sqhd),
		cmocka_unit_test_prestate_setup_teardown(test_device_lies, setup, teardown,
							 (void *)&lie_sqid),
		cmocka_unit_test_setup_teardown(test_cid_conflict_and_masked_vector, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_deferred_until_bounce_space, setup, teardown),
		cmocka_unit_test_setup_teardown(test_full_guest_cq_holds_completions, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
