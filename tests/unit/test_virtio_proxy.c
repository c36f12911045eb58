/* SPDX-License-Identifier: MIT */
/*
 * devices/virtio_proxy.c on the host, against a fake virtio 1.x PCI function
 * (a block-like device with two queues of up to 8 entries) and a guest
 * driver written here step by step as virtio 1.2 §3.1.1 orders it.  The
 * fake device reads only the shadow rings in the "shared" pool; the guest's
 * rings are in "private" guest memory that the device cannot see.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "devices/virtio_proxy.h"
#include "fake_proxy_host.h"
#include "test_rng.h"
#include "virtio_fake.h"

#define BDF	    VFAKE_BDF
#define BAR1	    VFAKE_BAR1
#define BAR4	    VFAKE_BAR4
#define NOTIFY_MULT VFAKE_NOTIFY_MULT
#define MSIX_CAP    VFAKE_MSIX_CAP
#define MSIX_N	    VFAKE_MSIX_N
#define GUEST_BASE  0x100000ull /* guest RAM [1 MiB, 2 MiB) */
#define GUEST_SIZE  0x100000ull
#define POOL_GPA    0x80000000ull
#define POOL_SIZE   (64u * 1024)
#define QMAX	    VFAKE_QMAX
#define QUEUE_VEC   0xF3
#define CONFIG_VEC  0xF4

/* ---- the fake platform --------------------------------------------------- */

static struct {
	uint8_t guest[GUEST_SIZE];
	uint8_t pool[POOL_SIZE];
	struct vfake dev; /* the device */
	uint32_t real_table[MSIX_N][4];
	unsigned int notifies[2];
	/* a queue the device serves inside the notify (QEMU's virtio-net
	 * control queue under TCG), with this chain function */
	uint32_t (*sync_chain[2])(struct virtq_desc *d, uint16_t head, void *ctx);
	uint16_t device_id;
} f;

static struct vproxy proxy;

static unsigned int device_serve_queue(uint16_t qi,
				       uint32_t (*chain)(struct virtq_desc *d, uint16_t head,
							 void *ctx),
				       void *ctx, int bad_id);

/* Functions of the Q35 platform and common devices that are not virtio:
 * vendor/device and class/revision (PCI Code and ID Assignment, §1) */
static const struct other_fn {
	uint32_t bdf, id, class_rev;
	bool hidden; /* bus-master DMA the proxy cannot carry */
} others[] = {
	{ 0xF8, 0x29188086u, 0x06010002u, false }, /* 00:1f.0 ICH9 LPC bridge */
	{ 0xFA, 0x29228086u, 0x01060102u, true },  /* 00:1f.2 ICH9 AHCI */
	{ 0xFB, 0x29308086u, 0x0C050002u, false }, /* 00:1f.3 ICH9 SMBus */
	{ 0x00, 0x29C08086u, 0x06000002u, false }, /* 00:00.0 Q35 host bridge */
	{ 0x30, 0x11111234u, 0x03000002u, false }, /* 00:06.0 display */
	{ 0x38, 0x10D38086u, 0x02000000u, true },  /* 00:07.0 e1000e */
	{ 0x40, 0x000D1B36u, 0x0C033001u, true },  /* 00:08.0 xHCI */
	{ 0x48, 0x29348086u, 0x0C030003u, true },  /* 00:09.0 UHCI */
	{ 0x50, 0x00101B36u, 0x01080202u, true },  /* 00:0a.0 NVMe */
	{ 0x58, 0x293E8086u, 0x04030003u, true },  /* 00:0b.0 HD audio */
	{ 0x60, 0x11101AF4u, 0x05000001u, false }, /* 00:0c.0 ivshmem (virtio's vendor) */
};
#define N_OTHERS (sizeof(others) / sizeof(others[0]))

static const struct other_fn *other(uint32_t bdf)
{
	for (size_t i = 0; i < N_OTHERS; i++)
		if (others[i].bdf == bdf)
			return &others[i];
	return NULL;
}

static uint32_t op_cfg_read(void *ctx, uint32_t bdf, unsigned int reg, unsigned int size)
{
	(void)ctx;
	uint32_t v = 0;
	const struct other_fn *o = other(bdf);
	if (o && reg == PCI_CFG_VENDOR && size == 4)
		return o->id;
	if (o && reg == PCI_CFG_CLASS_REV && size == 4)
		return o->class_rev;
	if (bdf != BDF)
		return size == 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1;
	memcpy(&v, &f.dev.cfg[reg], size);
	return v;
}

static void op_cfg_write(void *ctx, uint32_t bdf, unsigned int reg, unsigned int size, uint32_t val)
{
	(void)ctx;
	if (bdf == BDF && reg >= 4) /* IDs read-only */
		memcpy(&f.dev.cfg[reg], &val, size);
}

static uint64_t op_mmio_read(void *ctx, uint64_t gpa, unsigned int size)
{
	(void)ctx;
	if (gpa >= BAR4 && gpa < BAR4 + 0x40)
		return vfake_common(&f.dev, (unsigned int)(gpa - BAR4), size, false, 0);
	if (gpa >= BAR4 + 0x2000 && gpa < BAR4 + 0x2008)
		return 0x1000; /* device config: capacity */
	fail_msg("unexpected MMIO read %#lx", (unsigned long)gpa);
	return 0;
}

static void op_mmio_write(void *ctx, uint64_t gpa, unsigned int size, uint64_t val)
{
	(void)ctx;
	if (gpa >= BAR4 && gpa < BAR4 + 0x40) {
		vfake_common(&f.dev, (unsigned int)(gpa - BAR4), size, true, val);
	} else if (gpa >= BAR4 + 0x3000 && gpa < BAR4 + 0x3000 + 2 * NOTIFY_MULT) {
		assert_int_equal(size, 2);
		assert_int_equal(val, (gpa - BAR4 - 0x3000) / NOTIFY_MULT);
		f.notifies[val]++;
		if (f.sync_chain[val])
			device_serve_queue((uint16_t)val, f.sync_chain[val], NULL, -1);
	} else if (gpa >= BAR1 && gpa < BAR1 + MSIX_N * 16) {
		unsigned int off = (unsigned int)(gpa - BAR1);
		f.real_table[off / 16][off % 16 / 4] = (uint32_t)val;
	} else {
		fail_msg("unexpected MMIO write %#lx", (unsigned long)gpa);
	}
}

static void *op_guest_ptr(void *ctx, uint64_t gpa, uint64_t len)
{
	(void)ctx;
	return vfake_ram_ptr(f.guest, GUEST_BASE, GUEST_SIZE, gpa, len);
}

static const struct vproxy_ops ops = {
	op_cfg_read,  op_cfg_write, op_mmio_read, op_mmio_write,
	op_guest_ptr, op_guest_msi, op_alloc,	  op_log,
};

static void setup_function(uint16_t device_id)
{
	memset(&f, 0, sizeof(f));
	memset(&host, 0, sizeof(host));
	f.device_id = device_id;
	vfake_setup(&f.dev, device_id);

	const struct vproxy_config cfg = { .ops = &ops,
					   .host_apic_id = 0,
					   .queue_vector = QUEUE_VEC,
					   .config_vector = CONFIG_VEC };
	vproxy_init(&proxy, &cfg);
}

static int setup(void **state)
{
	(void)state;
	setup_function(0x1042);
	assert_true(vproxy_set_pool(&proxy, f.pool, POOL_GPA, POOL_SIZE));
	return 0;
}

/* ---- the guest driver ---------------------------------------------------- */

static uint32_t guest_cfg(unsigned int reg, unsigned int size)
{
	uint32_t v = 0;
	if (!vproxy_cfg_access(&proxy, BDF, reg, size, false, &v))
		v = op_cfg_read(NULL, BDF, reg, size);
	return v;
}

static void guest_cfg_write(unsigned int reg, unsigned int size, uint32_t v)
{
	if (!vproxy_cfg_access(&proxy, BDF, reg, size, true, &v))
		op_cfg_write(NULL, BDF, reg, size, v);
}

static uint64_t rd(uint64_t gpa, unsigned int size)
{
	uint64_t v = 0;
	assert_true(vproxy_mmio(&proxy, gpa, size, false, &v));
	return v;
}

static void wr(uint64_t gpa, unsigned int size, uint64_t v)
{
	assert_true(vproxy_mmio(&proxy, gpa, size, true, &v));
}

#define C(field) (BAR4 + offsetof(struct virtio_pci_common_cfg, field))
#define G(gpa)	 (&f.guest[(gpa)-GUEST_BASE])
/* queue 0's rings in guest memory, and its buffers */
#define GDESC	 0x110000ull
#define GAVAIL	 0x111000ull
#define GUSED	 0x112000ull
#define GBUF	 0x120000ull

static void guest_msix_entry(unsigned int i, uint32_t dest, uint32_t vec, bool masked)
{
	wr(BAR1 + 16 * i + PCI_MSIX_ENTRY_ADDR_LO, 4, MSI_ADDR_BASE | dest << 12);
	wr(BAR1 + 16 * i + PCI_MSIX_ENTRY_ADDR_HI, 4, 0);
	wr(BAR1 + 16 * i + PCI_MSIX_ENTRY_DATA, 4, vec);
	wr(BAR1 + 16 * i + PCI_MSIX_ENTRY_CTRL, 4, masked);
}

/** Reset, features, queue 0 (size 8) on MSI-X vector 1, DRIVER_OK. */
static void guest_init(void)
{
	memset(G(GDESC), 0, 0x3000); /* fresh rings, as a driver allocates them */
	assert_int_equal(guest_cfg(0, 4), VIRTIO_PCI_VENDOR | (uint32_t)f.device_id << 16);
	wr(C(device_status), 1, 0);
	wr(C(device_status), 1, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	wr(C(device_feature_select), 4, 0);
	assert_int_equal(rd(C(device_feature), 4), 0x3); /* no indirect, no event idx */
	wr(C(device_feature_select), 4, 1);
	assert_int_equal(rd(C(device_feature), 4), 0x1); /* VERSION_1, no ACCESS_PLATFORM */
	wr(C(driver_feature_select), 4, 0);
	wr(C(driver_feature), 4, 0x3);
	wr(C(driver_feature_select), 4, 1);
	wr(C(driver_feature), 4, 0x1);
	wr(C(device_status), 1, 0x0B);
	assert_int_equal(rd(C(device_status), 1), 0x0B);
	guest_cfg_write(MSIX_CAP + PCI_MSIX_CTRL, 2, PCI_MSIX_CTRL_ENABLE | (MSIX_N - 1));
	guest_msix_entry(1, 1, 0x41, false);
	wr(C(queue_select), 2, 0);
	assert_int_equal(rd(C(queue_size), 2), QMAX);
	wr(C(queue_size), 2, 8);
	wr(C(queue_desc), 4, GDESC);
	wr(C(queue_desc) + 4, 4, 0);
	wr(C(queue_driver), 8, GAVAIL);
	wr(C(queue_device), 8, GUSED);
	wr(C(queue_msix_vector), 2, 1);
	assert_int_equal(rd(C(queue_msix_vector), 2), 1);
	wr(C(queue_enable), 2, 1);
	wr(C(device_status), 1, 0x0F);
}

/* queue 1's rings in guest memory */
#define GDESC1	0x113000ull
#define GAVAIL1 0x114000ull
#define GUSED1	0x115000ull

/** Queue 1 (size 8) on MSI-X vector @msix (VIRTIO_NO_VECTOR: none, as
 * Linux leaves a queue without a callback, virtio-net's control queue). */
static void guest_enable_queue1(uint16_t msix)
{
	memset(G(GDESC1), 0, 0x3000);
	wr(C(queue_select), 2, 1);
	wr(C(queue_size), 2, 8);
	wr(C(queue_desc), 8, GDESC1);
	wr(C(queue_driver), 8, GAVAIL1);
	wr(C(queue_device), 8, GUSED1);
	wr(C(queue_msix_vector), 2, msix);
	wr(C(queue_enable), 2, 1);
}

static uint64_t gdesc_table(unsigned int qi)
{
	return qi ? GDESC1 : GDESC;
}

static void gdesc_q(unsigned int qi, unsigned int i, uint64_t addr, uint32_t len, uint16_t flags,
		    uint16_t next)
{
	const struct virtq_desc d = { addr, len, flags, next };
	memcpy(G(gdesc_table(qi)) + 16 * i, &d, sizeof(d));
}

static void gdesc(unsigned int i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
	gdesc_q(0, i, addr, len, flags, next);
}

static void guest_post_q(unsigned int qi, uint16_t head)
{
	struct virtq_avail *a = (void *)G(qi ? GAVAIL1 : GAVAIL);
	a->ring[a->idx % 8] = head;
	a->idx++;
	wr(BAR4 + 0x3000 + qi * NOTIFY_MULT, 2, qi); /* notify the queue */
}

static void guest_post(uint16_t head)
{
	guest_post_q(0, head);
}

/** The usual block request: 16-byte header in, @len data out, status out. */
static void guest_request(unsigned int head, uint32_t len)
{
	memset(G(GBUF), 0x5A, 16);
	gdesc(head, GBUF, 16, VIRTQ_DESC_F_NEXT, (uint16_t)(head + 1));
	gdesc(head + 1, GBUF + 0x1000, len, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE,
	      (uint16_t)(head + 2));
	gdesc(head + 2, GBUF + 0x100, 1, VIRTQ_DESC_F_WRITE, 0);
	guest_post((uint16_t)head);
}

/* ---- the fake device's side of its queues --------------------------------- */

static void *pool_ptr(uint64_t gpa, uint64_t len)
{
	assert_true(gpa >= POOL_GPA && gpa + len <= POOL_GPA + POOL_SIZE);
	return &f.pool[gpa - POOL_GPA];
}

/** The device's side of queue @qi: every chain posted on the shadow ring
 * (in the pool) goes to @chain, which returns the used length; the used
 * entry names @bad_id instead of the head if it is >= 0. */
static unsigned int device_serve_queue(uint16_t qi,
				       uint32_t (*chain)(struct virtq_desc *d, uint16_t head,
							 void *ctx),
				       void *ctx, int bad_id)
{
	struct vfake_queue *q = &f.dev.q[qi];
	struct virtq_avail *a = pool_ptr(q->driver, VIRTQ_AVAIL_BYTES(q->size));
	struct virtq_used *u = pool_ptr(q->device, VIRTQ_USED_BYTES(q->size));
	struct virtq_desc *d = pool_ptr(q->desc, VIRTQ_DESC_BYTES(q->size));
	unsigned int n = 0;
	for (; q->avail_seen != a->idx; q->avail_seen++, n++) {
		uint16_t head = a->ring[q->avail_seen % q->size];
		uint32_t len = chain(d, head, ctx);
		u->ring[q->used_idx % q->size] =
			(struct virtq_used_elem){ bad_id >= 0 ? (uint32_t)bad_id : head, len };
		u->idx = ++q->used_idx;
	}
	return n;
}

static unsigned int device_serve(uint32_t (*chain)(struct virtq_desc *d, uint16_t head, void *ctx),
				 void *ctx, int bad_id)
{
	return device_serve_queue(0, chain, ctx, bad_id);
}

/** Chains on queue @qi the device has been given and not taken yet. */
static uint16_t device_posted(uint16_t qi)
{
	const struct vfake_queue *q = &f.dev.q[qi];
	const struct virtq_avail *a = pool_ptr(q->driver, VIRTQ_AVAIL_BYTES(q->size));
	return (uint16_t)(a->idx - q->avail_seen);
}

/** A packet of @len bytes arrives on receive queue @qi: the device takes
 * the next posted buffer (one descriptor), fills it with 0xA0 + its index. */
static void device_receive(uint16_t qi, uint32_t len)
{
	struct vfake_queue *q = &f.dev.q[qi];
	struct virtq_avail *a = pool_ptr(q->driver, VIRTQ_AVAIL_BYTES(q->size));
	struct virtq_used *u = pool_ptr(q->device, VIRTQ_USED_BYTES(q->size));
	struct virtq_desc *d = pool_ptr(q->desc, VIRTQ_DESC_BYTES(q->size));
	assert_true(q->avail_seen != a->idx);
	uint16_t head = a->ring[q->avail_seen++ % q->size];
	assert_true(d[head].flags & VIRTQ_DESC_F_WRITE);
	assert_false(d[head].flags & VIRTQ_DESC_F_NEXT);
	assert_true(len <= d[head].len);
	memset(pool_ptr(d[head].addr, len), 0xA0 + head, len);
	u->ring[q->used_idx % q->size] = (struct virtq_used_elem){ head, len };
	u->idx = ++q->used_idx;
}

/** A virtio-net control command (virtio 1.2 §5.1.6.5): class and command,
 * their data, then the device's ack byte. */
static uint32_t ctrl_chain(struct virtq_desc *d, uint16_t head, void *ctx)
{
	(void)ctx;
	const uint8_t *cmd = pool_ptr(d[head].addr, 2);
	assert_int_equal(d[head].len, 2);
	assert_int_equal(cmd[0], 0); /* VIRTIO_NET_CTRL_RX */
	assert_int_equal(cmd[1], 0); /* VIRTIO_NET_CTRL_RX_PROMISC */
	const struct virtq_desc *data = &d[d[head].next], *ack = &d[data->next];
	assert_int_equal(*(const uint8_t *)pool_ptr(data->addr, 1), 1);
	assert_true(ack->flags & VIRTQ_DESC_F_WRITE);
	*(uint8_t *)pool_ptr(ack->addr, 1) = 0; /* VIRTIO_NET_OK */
	return 1;
}

/** The guest's control command on queue 1: RX_PROMISC on, ack 0xEE until
 * the device answers; descriptors 0-2 of queue 1, buffers at GBUF + 0x200. */
static void guest_ctrl_command(void)
{
	G(GBUF + 0x200)[0] = 0;
	G(GBUF + 0x200)[1] = 0;
	G(GBUF + 0x208)[0] = 1;
	G(GBUF + 0x210)[0] = 0xEE;
	gdesc_q(1, 0, GBUF + 0x200, 2, VIRTQ_DESC_F_NEXT, 1);
	gdesc_q(1, 1, GBUF + 0x208, 1, VIRTQ_DESC_F_NEXT, 2);
	gdesc_q(1, 2, GBUF + 0x210, 1, VIRTQ_DESC_F_WRITE, 0);
	guest_post_q(1, 0);
}

/** Receive buffer i of queue @qi: @len bytes at GBUF + 0x8000 + i * 0x4000,
 * one device-writable descriptor, posted. */
static void guest_recv_buffer(unsigned int qi, uint16_t i, uint32_t len)
{
	uint64_t buf = GBUF + 0x8000 + qi * 0x20000ull + i * 0x4000ull;
	memset(G(buf), 0, len);
	gdesc_q(qi, i, buf, len, VIRTQ_DESC_F_WRITE, 0);
	guest_post_q(qi, i);
}

/** Any chain: check what is readable, fill what is writable with 0xD0 +
 * its index; used length = written + *(uint32_t *)ctx. */
static uint32_t fill_chain(struct virtq_desc *d, uint16_t i, void *ctx)
{
	uint32_t written = *(uint32_t *)ctx;
	for (;;) {
		uint8_t *b = pool_ptr(d[i].addr, d[i].len);
		if (d[i].flags & VIRTQ_DESC_F_WRITE) {
			memset(b, 0xD0 + i, d[i].len);
			written += d[i].len;
		} else {
			assert_int_equal(b[0], 0x5A); /* the guest's header, bounced */
		}
		if (!(d[i].flags & VIRTQ_DESC_F_NEXT))
			return written;
		i = d[i].next;
	}
}

static unsigned int device_complete(uint32_t len_extra, int bad_id)
{
	return device_serve(fill_chain, &len_extra, bad_id);
}

struct sector_log {
	uint64_t sector[64];
	unsigned int n;
};

/** A virtio-blk request: header, data, status; a read fills sector s with
 * the byte s & 0xFF, a write checks that pattern; the sector is logged. */
static uint32_t blk_chain(struct virtq_desc *d, uint16_t head, void *ctx)
{
	struct sector_log *log = ctx;
	struct virtio_blk_outhdr h;
	assert_int_equal(d[head].len, 16);
	memcpy(&h, pool_ptr(d[head].addr, 16), 16);
	const struct virtq_desc *dd = &d[d[head].next];
	const struct virtq_desc *ds = &d[dd->next];
	assert_int_equal(ds->len, 1);
	assert_int_equal(dd->len % 512, 0);
	uint8_t *buf = pool_ptr(dd->addr, dd->len);
	for (uint32_t o = 0; o < dd->len; o++) {
		uint8_t want = (uint8_t)(h.sector + o / 512);
		if (h.type == VIRTIO_BLK_T_IN)
			buf[o] = want;
		else
			assert_int_equal(buf[o], want);
	}
	*(uint8_t *)pool_ptr(ds->addr, 1) = VIRTIO_BLK_S_OK;
	assert_true(log->n < 64);
	log->sector[log->n++] = h.sector;
	return (h.type == VIRTIO_BLK_T_IN ? dd->len : 0) + 1;
}

/** A request larger than the pool allows goes in pieces: the device sees
 * consecutive sectors, the guest gets every byte and one completion. */
static void blk_split(uint32_t type)
{
	const uint32_t len = 40 * 1024; /* pool 64 KiB: above a quarter of it */
	const struct virtio_blk_outhdr h = { type, 0, 100 };
	guest_init();
	memcpy(G(GBUF), &h, sizeof(h));
	/* two data descriptors, 24 KiB + 16 KiB, then the status */
	gdesc(0, GBUF, 16, VIRTQ_DESC_F_NEXT, 1);
	uint16_t w = type == VIRTIO_BLK_T_IN ? VIRTQ_DESC_F_WRITE : 0;
	gdesc(1, GBUF + 0x2000, 24 * 1024, (uint16_t)(VIRTQ_DESC_F_NEXT | w), 2);
	gdesc(2, GBUF + 0x20000, 16 * 1024, (uint16_t)(VIRTQ_DESC_F_NEXT | w), 3);
	gdesc(3, GBUF + 0x100, 1, VIRTQ_DESC_F_WRITE, 0);
	for (uint32_t o = 0; o < len; o++) { /* what a write sends, a read must bring */
		uint8_t *b = o < 24 * 1024 ? G(GBUF + 0x2000) + o
					   : G(GBUF + 0x20000) + o - 24 * 1024;
		*b = type == VIRTIO_BLK_T_OUT ? (uint8_t)(100 + o / 512) : 0;
	}
	G(GBUF + 0x100)[0] = 0xEE;
	guest_post(0);
	struct sector_log log = { .n = 0 };
	unsigned int rounds = 0;
	struct virtq_used *u = (void *)G(GUSED);
	while (u->idx == 0 && rounds++ < 64) {
		assert_int_equal(device_serve(blk_chain, &log, -1), 1); /* one piece at a time */
		vproxy_queue_interrupt(&proxy);
	}
	const uint64_t *sectors = log.sector;
	unsigned int nlog = log.n;
	assert_int_equal(u->idx, 1);
	assert_int_equal(u->ring[0].id, 0);
	assert_int_equal(u->ring[0].len, (type == VIRTIO_BLK_T_IN ? len : 0) + 1);
	assert_int_equal(G(GBUF + 0x100)[0], VIRTIO_BLK_S_OK);
	assert_true(nlog > 1);
	assert_int_equal(proxy.stats.split_pieces, nlog);
	for (unsigned int i = 1; i < nlog; i++) /* consecutive pieces */
		assert_true(sectors[i] > sectors[i - 1]);
	assert_int_equal(sectors[0], 100);
	for (uint32_t o = 0; o < len && type == VIRTIO_BLK_T_IN; o++) {
		uint8_t *b = o < 24 * 1024 ? G(GBUF + 0x2000) + o
					   : G(GBUF + 0x20000) + o - 24 * 1024;
		assert_int_equal(*b, (uint8_t)(100 + o / 512));
	}
	assert_int_equal(host.msis, 1);
	assert_int_equal(host.hv_errors, 0);
	for (unsigned int i = 0; i < proxy.pool_granules / 64; i++) /* only the ring left */
		assert_int_equal(__builtin_popcountll(proxy.pool_map[i]) > 0, i == 0);
}

/** A virtio-scsi READ(10): request header, response, data-in; block b is
 * filled with the byte b & 0xFF; the LBA is logged. */
static uint32_t scsi_chain(struct virtq_desc *d, uint16_t head, void *ctx)
{
	struct sector_log *log = ctx;
	const uint8_t *req = pool_ptr(d[head].addr, d[head].len), *cdb = req + 19;
	assert_int_equal(cdb[0], SCSI_READ_10);
	uint32_t lba = (uint32_t)cdb[2] << 24 | cdb[3] << 16 | cdb[4] << 8 | cdb[5];
	uint32_t blocks = (uint32_t)cdb[7] << 8 | cdb[8];
	const struct virtq_desc *dr = &d[d[head].next], *dd = &d[dr->next];
	assert_true(dr->flags & VIRTQ_DESC_F_WRITE);
	assert_int_equal(dd->len, blocks * 2048);
	uint8_t *buf = pool_ptr(dd->addr, dd->len);
	for (uint32_t o = 0; o < dd->len; o++)
		buf[o] = (uint8_t)(lba + o / 2048);
	memset(pool_ptr(dr->addr, dr->len), 0, dr->len); /* GOOD, response OK */
	assert_true(log->n < 64);
	log->sector[log->n++] = lba;
	return dr->len + dd->len;
}

/** OVMF reading 40 KiB from a CD in one READ(10): pieces of whole blocks,
 * the guest gets every byte, a GOOD response with no residual. */
static void test_scsi_read_split(void **state)
{
	(void)state;
	setup_function(0x1048);
	assert_true(vproxy_set_pool(&proxy, f.pool, POOL_GPA, POOL_SIZE));
	guest_init();
	uint8_t req[51] = { 1, 0, 0, 0 };
	uint8_t *cdb = req + 19;
	cdb[0] = SCSI_READ_10;
	cdb[5] = 50; /* LBA 50 */
	cdb[8] = 20; /* 20 blocks of 2048 */
	memcpy(G(GBUF), req, sizeof(req));
	gdesc(0, GBUF, sizeof(req), VIRTQ_DESC_F_NEXT, 1);
	gdesc(1, GBUF + 0x100, 108, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 2);
	gdesc(2, GBUF + 0x2000, 24 * 1024, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, 3);
	gdesc(3, GBUF + 0x20000, 16 * 1024, VIRTQ_DESC_F_WRITE, 0);
	memset(G(GBUF + 0x100), 0xEE, 108);
	guest_post(0);
	struct sector_log log = { .n = 0 };
	struct virtq_used *u = (void *)G(GUSED);
	for (unsigned int rounds = 0; u->idx == 0 && rounds < 64; rounds++) {
		assert_int_equal(device_serve(scsi_chain, &log, -1), 1);
		vproxy_queue_interrupt(&proxy);
	}
	assert_int_equal(u->idx, 1);
	assert_int_equal(u->ring[0].len, 108 + 40 * 1024);
	assert_int_equal(log.n, 10); /* 4 KiB pieces: 2 blocks each */
	for (unsigned int i = 0; i < log.n; i++)
		assert_int_equal(log.sector[i], 50 + 2 * i);
	for (uint32_t o = 0; o < 40 * 1024; o++) {
		uint8_t *b = o < 24 * 1024 ? G(GBUF + 0x2000) + o
					   : G(GBUF + 0x20000) + o - 24 * 1024;
		assert_int_equal(*b, (uint8_t)(50 + o / 2048));
	}
	for (unsigned int i = 0; i < 108; i++) /* GOOD, OK, residual 0 */
		assert_int_equal(G(GBUF + 0x100)[i], 0);
	assert_int_equal(host.hv_errors, 0);
}

static void test_blk_split_read(void **state)
{
	(void)state;
	blk_split(VIRTIO_BLK_T_IN);
}

static void test_blk_split_write(void **state)
{
	(void)state;
	blk_split(VIRTIO_BLK_T_OUT);
}

/* ---- tests ---------------------------------------------------------------- */

/* ---- a seeded scheduler: many requests in flight, completed out of order -- */

/*
 * A virtio-blk driver with up to 2 requests in flight on queue 0 (8
 * descriptors: header, 1-2 data descriptors, status) against a device that
 * takes posted chains when it likes and finishes them in any order, with
 * interrupts that come late.  Reads and writes of 1 to 80 sectors: small
 * ones bounced whole, large ones (above a quarter of the 64 KiB pool) cut
 * in pieces, and the pool often too full for the next one.  Every address
 * the device is given must be in the pool (pool_ptr), every read must bring
 * what the disk holds, every write must land; each request completes once.
 */
#define SCHED_SECTORS 512u
#define SCHED_SLOTS   2u

static struct {
	uint8_t disk[SCHED_SECTORS * 512]; /* the device's medium */
	uint16_t held[QMAX];		   /* heads the device popped, not finished */
	unsigned int nheld;
	struct {
		bool busy;
		uint16_t head;
		uint32_t type, sector, len;
	} req[SCHED_SLOTS];
	unsigned int done, reads, writes, pieces_seen;
	uint16_t guest_used; /* the guest's next used entry */
} sch;

static uint32_t sched_rng(uint32_t n)
{
	return (uint32_t)(test_rng() % n);
}

/* request slot r: descriptors 4r..4r+3, header and status near GBUF, data
 * in two halves at GBUF + 0x10000 + r * 0x20000 */
static uint64_t sched_data(unsigned int r, unsigned int half)
{
	return GBUF + 0x10000 + r * 0x20000ull + half * 0x10000ull;
}

static uint8_t sched_byte(uint32_t sector, uint32_t off, uint32_t gen)
{
	return (uint8_t)(sector * 7 + off / 512 * 13 + gen);
}

static void sched_post(unsigned int r, uint32_t gen)
{
	uint32_t type = sched_rng(2) ? VIRTIO_BLK_T_IN : VIRTIO_BLK_T_OUT;
	uint32_t nsec = 1 + sched_rng(sched_rng(4) ? 8 : 80);
	uint32_t sector = sched_rng(SCHED_SECTORS / SCHED_SLOTS - 80) +
			  r * (SCHED_SECTORS / SCHED_SLOTS);
	uint32_t len = nsec * 512, first = len;
	uint16_t head = (uint16_t)(4 * r), w = type == VIRTIO_BLK_T_IN ? VIRTQ_DESC_F_WRITE : 0;
	const struct virtio_blk_outhdr h = { type, 0, sector };
	memcpy(G(GBUF + r * 0x20), &h, sizeof(h));
	gdesc(head, GBUF + r * 0x20, 16, VIRTQ_DESC_F_NEXT, (uint16_t)(head + 1));
	if (nsec > 1 && sched_rng(2))
		first = 512 * (1 + sched_rng(nsec - 1));
	gdesc(head + 1, sched_data(r, 0), first, (uint16_t)(VIRTQ_DESC_F_NEXT | w),
	      (uint16_t)(head + (first < len ? 2 : 3)));
	if (first < len)
		gdesc(head + 2, sched_data(r, 1), len - first, (uint16_t)(VIRTQ_DESC_F_NEXT | w),
		      (uint16_t)(head + 3));
	gdesc(head + 3, GBUF + 0x800 + r, 1, VIRTQ_DESC_F_WRITE, 0);
	G(GBUF + 0x800 + r)[0] = 0xEE;
	for (uint32_t o = 0; o < len; o++) {
		uint8_t *b = o < first ? G(sched_data(r, 0)) + o : G(sched_data(r, 1)) + o - first;
		*b = type == VIRTIO_BLK_T_OUT ? sched_byte(sector, o, gen) : 0xCC;
	}
	sch.req[r].busy = true;
	sch.req[r].head = head;
	sch.req[r].type = type;
	sch.req[r].sector = sector;
	sch.req[r].len = len;
	guest_post(head);
}

/* The device: a chain of header, data, status against the medium. */
static uint32_t sched_serve_chain(struct virtq_desc *d, uint16_t head)
{
	struct virtio_blk_outhdr h;
	memcpy(&h, pool_ptr(d[head].addr, 16), 16);
	assert_int_equal(d[head].len, 16);
	assert_false(d[head].flags & VIRTQ_DESC_F_WRITE);
	uint32_t off = (uint32_t)h.sector * 512, written = 0;
	uint16_t i = d[head].next;
	for (unsigned int n = 0; n < QMAX; n++) {
		const struct virtq_desc *x = &d[i];
		uint8_t *buf = pool_ptr(x->addr, x->len);
		if (!(x->flags & VIRTQ_DESC_F_NEXT)) {
			assert_int_equal(x->len, 1);
			assert_true(x->flags & VIRTQ_DESC_F_WRITE);
			*buf = VIRTIO_BLK_S_OK;
			return written + 1;
		}
		assert_true(off + x->len <= sizeof(sch.disk));
		if (h.type == VIRTIO_BLK_T_IN) {
			assert_true(x->flags & VIRTQ_DESC_F_WRITE);
			memcpy(buf, &sch.disk[off], x->len);
			written += x->len;
		} else {
			assert_false(x->flags & VIRTQ_DESC_F_WRITE);
			memcpy(&sch.disk[off], buf, x->len);
		}
		off += x->len;
		i = x->next;
	}
	fail_msg("a chain without an end");
	return 0;
}

static void sched_device_step(void)
{
	struct vfake_queue *q = &f.dev.q[0];
	struct virtq_avail *a = pool_ptr(q->driver, VIRTQ_AVAIL_BYTES(q->size));
	struct virtq_used *u = pool_ptr(q->device, VIRTQ_USED_BYTES(q->size));
	struct virtq_desc *d = pool_ptr(q->desc, VIRTQ_DESC_BYTES(q->size));
	if (sched_rng(2) && q->avail_seen != a->idx) { /* take one posted chain */
		assert_true(sch.nheld < QMAX);
		sch.held[sch.nheld++] = a->ring[q->avail_seen++ % q->size];
	}
	if (sch.nheld && sched_rng(3) == 0) { /* finish any one of them */
		unsigned int k = sched_rng(sch.nheld);
		uint16_t head = sch.held[k];
		sch.held[k] = sch.held[--sch.nheld];
		uint32_t len = sched_serve_chain(d, head);
		u->ring[q->used_idx % q->size] = (struct virtq_used_elem){ head, len };
		u->idx = ++q->used_idx;
		sch.pieces_seen++;
	}
}

static void sched_guest_reap(uint32_t *gen)
{
	struct virtq_used *u = (void *)G(GUSED);
	for (; sch.guest_used != u->idx; sch.guest_used++) {
		struct virtq_used_elem e = u->ring[sch.guest_used % 8];
		unsigned int r = e.id / 4;
		assert_true(e.id % 4 == 0 && r < SCHED_SLOTS && sch.req[r].busy);
		assert_int_equal(G(GBUF + 0x800 + r)[0], VIRTIO_BLK_S_OK);
		uint32_t len = sch.req[r].len, first = len;
		const struct virtq_desc *d1 = (const void *)(G(GDESC) + 16 * (e.id + 1));
		first = d1->len;
		assert_int_equal(e.len, (sch.req[r].type == VIRTIO_BLK_T_IN ? len : 0) + 1);
		for (uint32_t o = 0; o < len; o++) {
			const uint8_t *b = o < first ? G(sched_data(r, 0)) + o
						     : G(sched_data(r, 1)) + o - first;
			assert_int_equal(*b, sch.disk[sch.req[r].sector * 512 + o]);
		}
		if (sch.req[r].type == VIRTIO_BLK_T_IN)
			sch.reads++;
		else
			sch.writes++;
		sch.req[r].busy = false;
		sch.done++;
		(*gen)++;
	}
}

static void test_seeded_scheduler(void **state)
{
	(void)state;
	for (uint64_t seed = 1; seed <= 40; seed++) {
		setup(NULL);
		memset(&sch, 0, sizeof(sch));
		test_rng_state = seed * 0x9E3779B97F4A7C15ULL;
		for (unsigned int i = 0; i < sizeof(sch.disk); i++)
			sch.disk[i] = (uint8_t)(i * 31 + seed);
		guest_init();
		uint32_t gen = 0;
		for (unsigned int step = 0; step < 3000; step++) {
			for (unsigned int r = 0; r < SCHED_SLOTS; r++)
				if (!sch.req[r].busy && sched_rng(4) == 0)
					sched_post(r, gen);
			sched_device_step();
			if (sched_rng(4) == 0)
				vproxy_queue_interrupt(&proxy);
			sched_guest_reap(&gen);
			assert_int_equal(host.hv_errors, 0);
			assert_int_equal(proxy.stats.device_errors, 0);
		}
		assert_true(sch.reads > 20 && sch.writes > 20);
	}
	assert_true(proxy.stats.split_pieces > 0 && proxy.stats.deferred > 0);
}

static void test_features_and_access_platform(void **state)
{
	(void)state;
	guest_init();
	assert_int_equal(f.dev.gfeat[0], 0x3);
	assert_int_equal(f.dev.gfeat[1], 0x3); /* + ACCESS_PLATFORM for the device */
	assert_true(strstr(host.log, "virtio 00:03.0 (device 0x1042, 3 MSI-X vectors): proxied"));
	/* the real function: MSI-X on, entry 0 queues, entry 1 config, to the paravisor */
	assert_true(f.dev.cfg[MSIX_CAP + 3] & 0x80);
	assert_int_equal(f.real_table[0][2], QUEUE_VEC);
	assert_int_equal(f.real_table[1][2], CONFIG_VEC);
	assert_int_equal(f.real_table[0][0], MSI_ADDR_BASE);
	assert_int_equal(f.dev.q[0].msix, 0);
	assert_int_equal(f.dev.config_vec, 1);
	/* the shadow ring is in the pool, not in guest memory */
	assert_true(f.dev.q[0].desc >= POOL_GPA && f.dev.q[0].desc < POOL_GPA + POOL_SIZE);
	assert_int_equal(f.dev.q[0].enable, 1);
	assert_int_equal(rd(C(queue_desc), 8), GDESC); /* the guest reads back its own */
	assert_int_equal(rd(C(num_queues), 2), 2);
	/* device-specific configuration is the device's */
	uint64_t v;
	assert_false(vproxy_mmio(&proxy, BAR4 + 0x2000, 8, false, &v));
}

/** No used element straddles a 4 KiB page in the shadow ring the device
 * gets (QEMU 7.2 loses the second half of one that does, under an IOMMU). */
static void test_used_ring_elements_in_one_page(void **state)
{
	(void)state;
	guest_init();
	const struct vfake_queue *q = &f.dev.q[0];
	assert_int_equal(q->desc % 16, 0);
	assert_int_equal(q->device % 8, 4);
	for (unsigned int i = 0; i < VPROXY_MAX_QSIZE; i++) {
		uint64_t e = q->device + 4 + 8ull * i;
		assert_int_equal(e / 4096, (e + 7) / 4096);
	}
}

static void test_request_round_trip(void **state)
{
	(void)state;
	guest_init();
	guest_request(0, 512);
	assert_int_equal(f.notifies[0], 1);
	assert_int_equal(device_complete(0, -1), 1);
	/* nothing reaches the guest before the interrupt */
	assert_int_equal(((struct virtq_used *)G(GUSED))->idx, 0);
	vproxy_queue_interrupt(&proxy);
	struct virtq_used *u = (void *)G(GUSED);
	assert_int_equal(u->idx, 1);
	assert_int_equal(u->ring[0].id, 0);
	assert_int_equal(u->ring[0].len, 513);
	assert_int_equal(G(GBUF + 0x1000)[0], 0xD1);
	assert_int_equal(G(GBUF + 0x1000)[511], 0xD1);
	assert_int_equal(G(GBUF + 0x1000)[512], 0); /* not one byte more */
	assert_int_equal(G(GBUF + 0x100)[0], 0xD2);
	assert_int_equal(host.msis, 1);
	assert_int_equal(host.msi_addr, MSI_ADDR_BASE | 1 << 12);
	assert_int_equal(host.msi_data, 0x41);
	assert_int_equal(proxy.stats.bytes_to_device, 16);
	assert_int_equal(proxy.stats.bytes_to_guest, 513);
	/* the same descriptors again: the bounce block was freed */
	guest_request(0, 512);
	assert_int_equal(device_complete(0, -1), 1);
	vproxy_queue_interrupt(&proxy);
	assert_int_equal(u->idx, 2);
	assert_int_equal(host.hv_errors, 0);
}

static void test_no_interrupt_and_masked_vector(void **state)
{
	(void)state;
	guest_init();
	((struct virtq_avail *)G(GAVAIL))->flags = VIRTQ_AVAIL_F_NO_INTERRUPT;
	guest_request(0, 64);
	device_complete(0, -1);
	vproxy_queue_interrupt(&proxy);
	assert_int_equal(((struct virtq_used *)G(GUSED))->idx, 1); /* polled: still there */
	assert_int_equal(host.msis, 0);
	((struct virtq_avail *)G(GAVAIL))->flags = 0;
	wr(BAR1 + 16 + PCI_MSIX_ENTRY_CTRL, 4, PCI_MSIX_ENTRY_MASKED);
	guest_request(3, 64);
	device_complete(0, -1);
	vproxy_queue_interrupt(&proxy);
	assert_int_equal(host.msis, 0);
	assert_int_equal(rd(BAR1 + 0x800, 8), 1u << 1); /* pending in the PBA */
	wr(BAR1 + 16 + PCI_MSIX_ENTRY_CTRL, 4, 0);
	assert_int_equal(host.msis, 1);
	assert_int_equal(rd(BAR1 + 0x800, 8), 0);
}

static void test_guest_msix_bits_shadowed(void **state)
{
	(void)state;
	guest_init();
	guest_cfg_write(MSIX_CAP + PCI_MSIX_CTRL, 2, MSIX_N - 1); /* the guest disables */
	assert_int_equal(guest_cfg(MSIX_CAP + PCI_MSIX_CTRL, 2), MSIX_N - 1);
	assert_true(f.dev.cfg[MSIX_CAP + 3] & 0x80); /* the device stays on */
	guest_request(0, 8);
	device_complete(0, -1);
	vproxy_queue_interrupt(&proxy);
	assert_int_equal(host.msis, 0);
	assert_true(strstr(host.log, "INTx is not proxied"));
	assert_int_equal(rd(BAR4 + 0x1000, 1), VIRTIO_ISR_QUEUE); /* and reading clears */
	assert_int_equal(rd(BAR4 + 0x1000, 1), 0);
}

static void test_bad_buffer_needs_reset(void **state)
{
	(void)state;
	guest_init();
	gdesc(0, 0x10000000, 512, VIRTQ_DESC_F_WRITE, 0); /* not guest RAM */
	guest_post(0);
	assert_int_equal(f.notifies[0], 0);
	assert_int_equal(rd(C(device_status), 1), 0x0F | VIRTIO_STATUS_NEEDS_RESET);
	assert_true(strstr(host.log, "buffer outside guest RAM"));
	/* a reset brings it back, with the pool empty */
	wr(C(device_status), 1, 0);
	assert_int_equal(rd(C(device_status), 1), 0);
	for (unsigned int i = 0; i < proxy.pool_granules / 64; i++)
		assert_int_equal(proxy.pool_map[i], 0);
	guest_init();
	guest_request(0, 32);
	assert_int_equal(device_complete(0, -1), 1);
}

static void test_loop_and_indirect(void **state)
{
	(void)state;
	guest_init();
	gdesc(0, GBUF, 16, VIRTQ_DESC_F_NEXT, 1);
	gdesc(1, GBUF, 16, VIRTQ_DESC_F_NEXT, 0); /* back to 0 */
	guest_post(0);
	assert_true(strstr(host.log, "loops"));
	assert_int_equal(f.notifies[0], 0);
	wr(C(device_status), 1, 0);
	guest_init();
	gdesc(0, GBUF, 16, VIRTQ_DESC_F_INDIRECT, 0);
	guest_post(0);
	assert_true(strstr(host.log, "indirect"));
	assert_int_equal(proxy.stats.device_errors, 2);
}

/** A chain that reuses a descriptor of a chain the device still holds
 * (descriptor 2, the status byte of request 0): DEVICE_NEEDS_RESET, and the
 * device's shadow chain stays as posted.  Taken, it rewrote the shadow
 * descriptor, the device wrote what it then described, and the proxy
 * blamed the device (found by tests/fuzz/fuzz_virtio, corpus/virtio/
 * descriptor_reused_in_flight). */
static void test_descriptor_reused_in_flight(void **state)
{
	(void)state;
	guest_init();
	guest_request(0, 16);
	assert_int_equal(f.notifies[0], 1);
	gdesc(2, GBUF + 0x200, 64, VIRTQ_DESC_F_WRITE, 0);
	guest_post(2);
	assert_int_equal(f.notifies[0], 1);
	assert_true(strstr(host.log, "descriptor of a chain the device holds"));
	assert_int_equal(rd(C(device_status), 1), 0x0F | VIRTIO_STATUS_NEEDS_RESET);
	const struct virtq_desc *d = pool_ptr(f.dev.q[0].desc, VIRTQ_DESC_BYTES(8));
	assert_int_equal(d[2].len, 1);
	assert_int_equal(host.hv_errors, 0);
}

static void test_device_lies(void **state)
{
	(void)state;
	guest_init();
	guest_request(0, 16);
	device_complete(0, 5); /* id 5 was never posted */
	vproxy_queue_interrupt(&proxy);
	assert_int_equal(host.hv_errors, 1);
	assert_int_equal(((struct virtq_used *)G(GUSED))->idx, 0);
}

/** A used index far past the ring (more entries than chains in flight):
 * nothing of it reaches the guest, the device is broken, one host-error
 * line (docs/threat-model.md). */
static void test_device_used_idx_past_ring(void **state)
{
	(void)state;
	guest_init();
	guest_request(0, 16);
	struct vfake_queue *q = &f.dev.q[0];
	struct virtq_used *u = pool_ptr(q->device, VIRTQ_USED_BYTES(q->size));
	u->idx = (uint16_t)(q->used_idx + 1000);
	vproxy_queue_interrupt(&proxy);
	assert_int_equal(host.hv_errors, 1);
	assert_true(strstr(host.log, "more used entries than chains in flight"));
	assert_int_equal(((struct virtq_used *)G(GUSED))->idx, 0);
}

/** A used length above the chain's writable bytes (QEMU's virtio-scsi
 * counts a WRITE's data-out in it): only the writable bytes come back, the
 * guest is told that many, and the VM goes on. */
static void test_used_length_clamped(void **state)
{
	(void)state;
	guest_init();
	guest_request(0, 16);
	device_complete(0x100000, -1);
	vproxy_queue_interrupt(&proxy);
	assert_int_equal(host.hv_errors, 0);
	struct virtq_used *u = (void *)G(GUSED);
	assert_int_equal(u->idx, 1);
	assert_int_equal(u->ring[0].len, 17);
	assert_int_equal(G(GBUF + 0x1000)[16], 0); /* not one byte more */
	assert_int_equal(proxy.stats.used_len_clamped, 1);
	assert_true(strstr(host.log, "clamped"));
}

static void test_pool_full_defers(void **state)
{
	(void)state;
	guest_init();
	/* the ring took some of the 64 KiB: two 40 KiB requests cannot both fit */
	guest_request(0, 40 * 1024);
	guest_request(3, 40 * 1024);
	assert_int_equal(proxy.stats.requests, 1);
	assert_int_equal(proxy.stats.deferred, 1);
	assert_int_equal(device_complete(0, -1), 1);
	vproxy_queue_interrupt(&proxy); /* frees, then posts the second */
	assert_int_equal(proxy.stats.requests, 2);
	assert_int_equal(device_complete(0, -1), 1);
	vproxy_queue_interrupt(&proxy);
	assert_int_equal(((struct virtq_used *)G(GUSED))->idx, 2);
	assert_int_equal(G(GBUF + 0x1000)[40 * 1024 - 1], 0xD4);
}

/** virtio-net's control queue: Linux gives it no vector and no callback
 * (NO_INTERRUPT) and spins on its used ring.  The answer must reach that
 * ring whether the device gives it inside the notify (QEMU's control queue
 * under TCG) or later (an ioeventfd on KVM): then the queue vector brings
 * it, and no MSI goes to the guest. */
static void test_polled_control_queue(void **state)
{
	(void)state;
	guest_init();
	guest_enable_queue1(VIRTIO_NO_VECTOR);
	((struct virtq_avail *)G(GAVAIL1))->flags = VIRTQ_AVAIL_F_NO_INTERRUPT;
	struct virtq_used *u = (void *)G(GUSED1);
	f.sync_chain[1] = ctrl_chain;
	guest_ctrl_command();
	assert_int_equal(f.notifies[1], 1);
	assert_int_equal(u->idx, 1); /* there when the notify returns */
	assert_int_equal(u->ring[0].id, 0);
	assert_int_equal(u->ring[0].len, 1);
	assert_int_equal(G(GBUF + 0x210)[0], 0);
	f.sync_chain[1] = NULL;
	guest_ctrl_command();
	assert_int_equal(f.notifies[1], 2);
	assert_int_equal(u->idx, 1);
	assert_int_equal(G(GBUF + 0x210)[0], 0xEE);
	assert_int_equal(device_serve_queue(1, ctrl_chain, NULL, -1), 1);
	vproxy_queue_interrupt(&proxy);
	assert_int_equal(u->idx, 2);
	assert_int_equal(G(GBUF + 0x210)[0], 0);
	assert_int_equal(host.msis, 0);
	assert_int_equal(host.hv_errors, 0);
}

/** virtio-net's receive buffers are posted before any packet and come
 * back only with one.  These eight would take all the pool the two rings
 * leave (254 granules), and the control command that Linux sends next and
 * spins for (or a packet to send) would wait for room that nothing frees:
 * the guest hung.  They get a share of the pool; the rest wait in the
 * guest's ring and follow, one per packet, as buffers come back. */
static void test_recv_buffers_leave_room(void **state)
{
	(void)state;
	guest_init();
	guest_enable_queue1(VIRTIO_NO_VECTOR);
	((struct virtq_avail *)G(GAVAIL1))->flags = VIRTQ_AVAIL_F_NO_INTERRUPT;
	for (uint16_t i = 0; i < 8; i++)
		guest_recv_buffer(0, i, i < 7 ? 8192 : 7680);
	f.sync_chain[1] = ctrl_chain;
	guest_ctrl_command();
	assert_int_equal(((struct virtq_used *)G(GUSED1))->idx, 1);
	assert_int_equal(G(GBUF + 0x210)[0], 0);
	assert_int_equal(proxy.stats.deferred, 0);
	assert_int_equal(device_posted(0), 1); /* a queue holding none may post one */
	assert_true(proxy.stats.recv_held > 0);
	struct virtq_used *u = (void *)G(GUSED);
	for (uint16_t k = 0; k < 8; k++) {
		assert_int_equal(device_posted(0), 1);
		device_receive(0, 60u + k);
		vproxy_queue_interrupt(&proxy);
		assert_int_equal(u->idx, k + 1);
		assert_int_equal(u->ring[k].id, k);
		assert_int_equal(u->ring[k].len, 60u + k);
		const uint8_t *b = G(GBUF + 0x8000 + k * 0x4000ull);
		assert_int_equal(b[0], 0xA0 + k);
		assert_int_equal(b[59 + k], 0xA0 + k);
		assert_int_equal(b[60 + k], 0); /* not one byte more */
	}
	assert_int_equal(device_posted(0), 0);
	assert_int_equal(host.msis, 8);
	assert_int_equal(proxy.recv_granules, 0);
	assert_int_equal(host.hv_errors, 0);
}

/** Receive buffers hold at most an eighth of the pool per queue and a
 * quarter in all, but a queue that holds none may always post one: a busy
 * queue cannot starve a quiet one.  A reset gives their share back. */
static void test_recv_share_per_queue_and_total(void **state)
{
	(void)state;
	guest_init();
	guest_enable_queue1(2);
	guest_msix_entry(2, 1, 0x42, false);
	guest_recv_buffer(0, 0, POOL_SIZE / 4); /* the whole total share */
	guest_recv_buffer(0, 1, 1536);
	assert_int_equal(device_posted(0), 1);
	guest_recv_buffer(1, 0, 1536);
	guest_recv_buffer(1, 1, 1536);
	assert_int_equal(device_posted(1), 1);
	device_receive(0, 100);
	vproxy_queue_interrupt(&proxy);
	assert_int_equal(device_posted(0), 1); /* queue 0's second buffer */
	assert_int_equal(device_posted(1), 2); /* and queue 1's, within both shares */
	for (uint16_t i = 2; i < 6; i++)
		guest_recv_buffer(1, i, 1536);
	assert_int_equal(device_posted(1), 5); /* an eighth: 8 KiB of 64 */
	assert_int_equal(proxy.recv_granules, 6 * 1536 / VPROXY_GRANULE);
	wr(C(device_status), 1, 0);
	assert_int_equal(proxy.recv_granules, 0);
	assert_int_equal(host.hv_errors, 0);
}

/** A transitional function, as `-drive file=F,if=virtio` makes one: the
 * transitional device ID, revision 0, the virtio device @type as its
 * subsystem ID, the legacy I/O BAR 0 (unassigned), and the same virtio 1.x
 * capabilities as a modern one.  f.device_id: what the guest should see. */
static void setup_transitional(uint16_t device_id, uint16_t type)
{
	setup_function(device_id);
	const uint32_t io_bar = PCI_BAR_IO, subsystem = VIRTIO_PCI_VENDOR | (uint32_t)type << 16;
	memcpy(&f.dev.cfg[PCI_CFG_BAR0], &io_bar, 4);
	memcpy(&f.dev.cfg[0x2C], &subsystem, 4);
	f.device_id = (uint16_t)(VIRTIO_PCI_DEVICE_MODERN_FIRST + type);
	assert_true(vproxy_set_pool(&proxy, f.pool, POOL_GPA, POOL_SIZE));
}

/** The guest sees a transitional function as the same device made with
 * disable-legacy=on: modern device ID, revision 1, QEMU's modern subsystem
 * ID, no I/O BAR and no I/O decoding; its capabilities are parsed and its
 * queues carried as a modern function's. */
static void test_transitional_shown_modern(void **state)
{
	(void)state;
	setup_transitional(0x1001, VIRTIO_ID_BLOCK);
	assert_int_equal(guest_cfg(PCI_CFG_VENDOR, 4), VIRTIO_PCI_VENDOR | 0x1042u << 16);
	assert_int_equal(guest_cfg(2, 2), 0x1042);
	assert_int_equal(guest_cfg(3, 1), 0x10);
	assert_int_equal(guest_cfg(PCI_CFG_CLASS_REV, 1), 1);
	assert_int_equal(guest_cfg(0x2C, 4), VIRTIO_PCI_VENDOR | 0x1100u << 16);
	assert_int_equal(guest_cfg(0x2E, 2), 0x1100);
	assert_true(strstr(host.log,
			   "virtio 00:03.0 (transitional device 0x1001, 3 MSI-X vectors): "
			   "proxied through bounce buffers, shown as device 0x1042 without "
			   "its legacy I/O BAR"));
	/* BAR 0 (I/O) is not implemented: it reads 0 and sizes to nothing,
	 * and the device's stays unassigned */
	assert_int_equal(guest_cfg(PCI_CFG_BAR0, 4), 0);
	guest_cfg_write(PCI_CFG_BAR0, 4, 0xFFFFFFFFu);
	assert_int_equal(guest_cfg(PCI_CFG_BAR0, 4), 0);
	assert_int_equal(guest_cfg(PCI_CFG_BAR0 + 1, 1), 0);
	assert_int_equal(f.dev.cfg[PCI_CFG_BAR0], PCI_BAR_IO);
	assert_int_equal(f.dev.cfg[PCI_CFG_BAR0 + 1], 0);
	assert_int_equal(guest_cfg(PCI_CFG_BAR0 + 4, 4), (uint32_t)BAR1); /* memory BARs pass */
	/* the driver's I/O decoding never reaches the device */
	guest_cfg_write(PCI_CFG_COMMAND, 2, 0x7); /* I/O, memory, bus master */
	assert_int_equal(f.dev.cfg[PCI_CFG_COMMAND], 0x6);
	assert_int_equal(guest_cfg(PCI_CFG_COMMAND, 2), 0x6);
	guest_cfg_write(PCI_CFG_COMMAND, 4, 0x7);
	assert_int_equal(f.dev.cfg[PCI_CFG_COMMAND], 0x6);
	/* its modern interface, end to end */
	guest_init();
	assert_int_equal(f.dev.gfeat[1], 0x3); /* VERSION_1 (and ACCESS_PLATFORM for the device) */
	guest_request(0, 512);
	assert_int_equal(device_complete(0, -1), 1);
	vproxy_queue_interrupt(&proxy);
	assert_int_equal(((struct virtq_used *)G(GUSED))->idx, 1);
	assert_int_equal(G(GBUF + 0x1000)[511], 0xD1);
	assert_int_equal(host.msis, 1);
	assert_int_equal(host.hv_errors, 0);
}

/** A transitional virtio-blk disk is a virtio-blk disk: a read larger than
 * the pool allows goes in pieces (OVMF reading a kernel from it). */
static void test_transitional_blk_split(void **state)
{
	(void)state;
	setup_transitional(0x1001, VIRTIO_ID_BLOCK);
	blk_split(VIRTIO_BLK_T_IN);
}

/** What the proxy cannot carry stays hidden: a legacy-only function (no
 * virtio 1.x capabilities, disable-modern=on), and one whose subsystem ID
 * names no device type. */
static void test_legacy_only_hidden(void **state)
{
	(void)state;
	setup_transitional(0x1001, VIRTIO_ID_BLOCK);
	f.dev.cfg[MSIX_CAP + 1] = 0; /* MSI-X only, no virtio capabilities */
	uint32_t v = 0;
	assert_true(vproxy_cfg_access(&proxy, BDF, 0, 4, false, &v));
	assert_int_equal(v, 0xFFFFFFFFu);
	assert_true(vproxy_cfg_access(&proxy, BDF, 0, 2, false, &v));
	assert_int_equal(v, 0xFFFF);
	assert_true(strstr(host.log, "PCI 00:03.0 (1af4:1001): a legacy-only virtio function"));
	assert_int_equal(vproxy_devices(&proxy), 0);
	/* another function is not the proxy's */
	assert_false(vproxy_cfg_access(&proxy, 0x20, 0, 4, false, &v));

	setup_transitional(0x1001, 0);
	assert_true(vproxy_cfg_access(&proxy, BDF, 0, 4, false, &v));
	assert_int_equal(v, 0xFFFFFFFFu);
	assert_true(strstr(host.log, "subsystem ID names no device type"));
	assert_int_equal(vproxy_devices(&proxy), 0);
}

/* A function that moves data by DMA and is not virtio is hidden: the guest
 * reads all ones and its writes go nowhere; the platform's other functions
 * are not the proxy's (the caller performs them). */
static void test_dma_classes_hidden(void **state)
{
	(void)state;
	unsigned int hidden = 0;
	for (size_t i = 0; i < N_OTHERS; i++) {
		const struct other_fn *o = &others[i];
		uint32_t v = 0;
		bool mine = vproxy_cfg_access(&proxy, o->bdf, PCI_CFG_VENDOR, 4, false, &v);
		if (mine != o->hidden)
			fail_msg("function %#x: %s", o->bdf, mine ? "hidden" : "passed through");
		if (!o->hidden)
			continue;
		hidden++;
		assert_int_equal(v, 0xFFFFFFFFu);
		assert_true(vproxy_cfg_access(&proxy, o->bdf, PCI_CFG_CLASS_REV + 3, 1, false, &v));
		assert_int_equal(v, 0xFF);
		v = 0x7; /* bus master, memory, I/O */
		assert_true(vproxy_cfg_access(&proxy, o->bdf, PCI_CFG_COMMAND, 2, true, &v));
		char id[16];
		snprintf(id, sizeof(id), "(%04x:%04x)", o->id & 0xFFFF, o->id >> 16);
		assert_non_null(strstr(host.log, id));
	}
	assert_int_equal(proxy.nhidden, hidden);
	assert_non_null(
		strstr(host.log, "PCI 00:1f.2 (8086:2922): its DMA cannot reach private memory"));
	assert_int_equal(vproxy_devices(&proxy), 0);
	/* the virtio function beside them is still proxied */
	uint32_t v = 0;
	assert_true(vproxy_cfg_access(&proxy, BDF, PCI_CFG_VENDOR, 4, false, &v));
	assert_int_equal(v, VIRTIO_PCI_VENDOR | 0x1042u << 16);
	assert_int_equal(vproxy_devices(&proxy), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_features_and_access_platform, setup),
		cmocka_unit_test_setup(test_used_ring_elements_in_one_page, setup),
		cmocka_unit_test_setup(test_request_round_trip, setup),
		cmocka_unit_test_setup(test_no_interrupt_and_masked_vector, setup),
		cmocka_unit_test_setup(test_guest_msix_bits_shadowed, setup),
		cmocka_unit_test_setup(test_bad_buffer_needs_reset, setup),
		cmocka_unit_test_setup(test_loop_and_indirect, setup),
		cmocka_unit_test_setup(test_descriptor_reused_in_flight, setup),
		cmocka_unit_test_setup(test_device_used_idx_past_ring, setup),
		cmocka_unit_test_setup(test_device_lies, setup),
		cmocka_unit_test_setup(test_used_length_clamped, setup),
		cmocka_unit_test(test_seeded_scheduler),
		cmocka_unit_test_setup(test_pool_full_defers, setup),
		cmocka_unit_test_setup(test_blk_split_read, setup),
		cmocka_unit_test_setup(test_blk_split_write, setup),
		cmocka_unit_test(test_scsi_read_split),
		cmocka_unit_test_setup(test_polled_control_queue, setup),
		cmocka_unit_test_setup(test_recv_buffers_leave_room, setup),
		cmocka_unit_test_setup(test_recv_share_per_queue_and_total, setup),
		cmocka_unit_test(test_transitional_shown_modern),
		cmocka_unit_test(test_transitional_blk_split),
		cmocka_unit_test(test_legacy_only_hidden),
		cmocka_unit_test_setup(test_dma_classes_hidden, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
