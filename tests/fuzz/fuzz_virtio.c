/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: devices/virtio_proxy*.c between a hostile guest and a
 * hostile device.  A virtio 1.x PCI function (block 0x1042 or network
 * 0x1041, two queues of 8) is set up as test_virtio_proxy.c does and a guest
 * driver brings it up (virtio 1.2 §3.1.1); then the input drives both sides:
 *   the guest: descriptors (any address, length, flags, next), available
 *   ring entries and indices, notifications, common-configuration, ISR and
 *   MSI-X accesses of any offset and size, configuration-space accesses,
 *   resets;
 *   the device: chains served honestly (used length within the chain's
 *   writable bytes), used entries with any id, length and index, any bytes
 *   written anywhere in the shared pool (shadow rings and bounce buffers),
 *   queue and configuration interrupts.
 * Checked: nothing is read or written outside the guest's RAM and the pool
 * (AddressSanitizer: both are exactly sized allocations); the guest's used
 * ring only gets heads below the queue size; a device that only ever
 * behaves is never reported as broken (ops->log's hv_error); every
 * notification the device gets names a queue it has.
 *
 * Input: [0] bit 0: network device; then steps of 8 bytes.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devices/virtio_proxy.h"
#include "virtio_fake.h"

#include "fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define GUEST_BASE 0x100000ull
#define GUEST_SIZE 0x40000ull
#define POOL_GPA   0x80000000ull
#define POOL_SIZE  (64u * 1024)
#define NQ	   VFAKE_QUEUES
#define QMAX	   VFAKE_QMAX
#define STEP	   8
#define GDESC(q)   (0x110000ull + (q)*0x3000ull)
#define GAVAIL(q)  (GDESC(q) + 0x1000)
#define GUSED(q)   (GDESC(q) + 0x2000)
#define GBUF	   0x120000ull

static struct {
	struct vfake dev;
	uint8_t *guest; /* GUEST_SIZE bytes, malloc'd: ASan sees a byte past it */
	uint8_t *pool;	/* POOL_SIZE bytes */
	uint16_t guest_used_seen[NQ];
	bool device_lied;
	unsigned int hv_errors;
} f;

static struct vproxy proxy;

/* ---- the device ---------------------------------------------------------- */

static uint32_t op_cfg_read(void *ctx, uint32_t bdf, unsigned int reg, unsigned int size)
{
	uint32_t v = 0;

	(void)ctx;
	FUZZ_CHECK(size == 1 || size == 2 || size == 4);
	if (bdf != VFAKE_BDF)
		return size == 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1;
	FUZZ_CHECK(reg + size <= sizeof(f.dev.cfg));
	memcpy(&v, &f.dev.cfg[reg], size);
	return v;
}

static void op_cfg_write(void *ctx, uint32_t bdf, unsigned int reg, unsigned int size, uint32_t val)
{
	(void)ctx;
	FUZZ_CHECK(size == 1 || size == 2 || size == 4);
	if (bdf == VFAKE_BDF && reg >= 4) {
		FUZZ_CHECK(reg + size <= sizeof(f.dev.cfg));
		memcpy(&f.dev.cfg[reg], &val, size);
	}
}

static uint64_t op_mmio_read(void *ctx, uint64_t gpa, unsigned int size)
{
	(void)ctx;
	FUZZ_CHECK(size == 1 || size == 2 || size == 4 || size == 8);
	if (gpa >= VFAKE_BAR4 && gpa < VFAKE_BAR4 + 0x40)
		return vfake_common(&f.dev, (unsigned int)(gpa - VFAKE_BAR4), size, false, 0);
	if (gpa >= VFAKE_BAR4 + 0x2000 && gpa < VFAKE_BAR4 + 0x3000)
		return 0x1000; /* device configuration */
	return 0;
}

static void op_mmio_write(void *ctx, uint64_t gpa, unsigned int size, uint64_t val)
{
	(void)ctx;
	FUZZ_CHECK(size == 1 || size == 2 || size == 4 || size == 8);
	if (gpa >= VFAKE_BAR4 && gpa < VFAKE_BAR4 + 0x40)
		vfake_common(&f.dev, (unsigned int)(gpa - VFAKE_BAR4), size, true, val);
	else if (gpa >= VFAKE_BAR4 + 0x3000 && gpa < VFAKE_BAR4 + 0x4000)
		FUZZ_CHECK(val < NQ && gpa == VFAKE_BAR4 + 0x3000 + val * VFAKE_NOTIFY_MULT);
}

static void *op_guest_ptr(void *ctx, uint64_t gpa, uint64_t len)
{
	(void)ctx;
	return vfake_ram_ptr(f.guest, GUEST_BASE, GUEST_SIZE, gpa, len);
}

static void op_guest_msi(void *ctx, uint64_t addr, uint32_t data)
{
	(void)ctx;
	(void)addr;
	(void)data;
}

/* the proxy's private memory: the arena starts empty for each input */
static uint8_t arena[1 << 20];
static size_t arena_used;

static void *op_alloc(void *ctx, size_t bytes)
{
	void *p;

	(void)ctx;
	if (bytes > sizeof(arena) - arena_used)
		return NULL;
	p = memset(arena + arena_used, 0, bytes);
	arena_used += (bytes + 15) & ~(size_t)15;
	return p;
}

static void op_log(void *ctx, bool hv_error, const char *line)
{
	(void)ctx;
	FUZZ_CHECK(memchr(line, 0, 512) != NULL);
	f.hv_errors += hv_error;
	if (getenv("FUZZ_VERBOSE")) /* triage */
		fprintf(stderr, "proxy%s: %s\n", hv_error ? " (hv_error)" : "", line);
}

static const struct vproxy_ops ops = {
	op_cfg_read,  op_cfg_write, op_mmio_read, op_mmio_write,
	op_guest_ptr, op_guest_msi, op_alloc,	  op_log,
};

/** The device's view of the pool: NULL outside it. */
static void *pool_ptr(uint64_t gpa, uint64_t len)
{
	if (gpa < POOL_GPA || len > POOL_SIZE || gpa - POOL_GPA > POOL_SIZE - len)
		return NULL;
	return &f.pool[gpa - POOL_GPA];
}

/** Serves queue qi honestly: each new chain's writable bytes filled, its
 * used length at most them (less by 'short'); false if the shadow ring is
 * not the device's to read. */
static void device_serve(unsigned int qi, uint32_t shorter)
{
	struct vfake_queue *q = &f.dev.q[qi];
	struct virtq_avail *a;
	struct virtq_used *u;
	struct virtq_desc *d;

	if (!q->enable || !q->size || q->size > QMAX)
		return;
	a = pool_ptr(q->driver, VIRTQ_AVAIL_BYTES(q->size));
	u = pool_ptr(q->device, VIRTQ_USED_BYTES(q->size));
	d = pool_ptr(q->desc, VIRTQ_DESC_BYTES(q->size));
	if (!a || !u || !d)
		return;
	for (unsigned int n = 0; q->avail_seen != a->idx && n < 64; q->avail_seen++, n++) {
		uint16_t head = a->ring[q->avail_seen % q->size], i = head;
		uint32_t written = 0;

		for (unsigned int hops = 0; i < q->size && hops < q->size; hops++) {
			uint8_t *b = pool_ptr(d[i].addr, d[i].len);

			if (!b) { /* a chain the device cannot read: it stops */
				f.device_lied = true;
				break;
			}
			if (d[i].flags & VIRTQ_DESC_F_WRITE) {
				memset(b, 0xD0, d[i].len);
				written += d[i].len;
			}
			if (!(d[i].flags & VIRTQ_DESC_F_NEXT))
				break;
			i = d[i].next;
		}
		u->ring[q->used_idx % q->size] =
			(struct virtq_used_elem){ head, written > shorter ? written - shorter : 0 };
		u->idx = ++q->used_idx;
	}
}

/** A used entry the device makes up. */
static void device_lie(unsigned int qi, const uint8_t *s)
{
	struct vfake_queue *q = &f.dev.q[qi];
	struct virtq_used *u;

	f.device_lied = true;
	if (!q->size || q->size > QMAX || !(u = pool_ptr(q->device, VIRTQ_USED_BYTES(q->size))))
		return;
	u->ring[q->used_idx % q->size] = (struct virtq_used_elem){ s[2] % 16u,
								   (uint32_t)s[3] << (s[4] & 31) };
	q->used_idx = (uint16_t)(q->used_idx + (s[5] & 7));
	u->idx = q->used_idx;
}

/* ---- the guest ------------------------------------------------------------ */

static uint8_t *gmem(uint64_t gpa)
{
	return &f.guest[gpa - GUEST_BASE];
}

/* The guest's MMIO: what the proxy does not take reaches nothing (the fake
 * device decodes its BARs where they were first put; a guest that moved
 * them finds nothing at the old address). */
static uint64_t rd(uint64_t gpa, unsigned int size)
{
	uint64_t v = 0;

	(void)vproxy_mmio(&proxy, gpa, size, false, &v);
	return v;
}

static void wr(uint64_t gpa, unsigned int size, uint64_t v)
{
	(void)vproxy_mmio(&proxy, gpa, size, true, &v);
}

static void guest_cfg(unsigned int reg, unsigned int size, bool write, uint32_t v)
{
	if (!vproxy_cfg_access(&proxy, VFAKE_BDF, reg, size, write, &v)) {
		if (write)
			op_cfg_write(NULL, VFAKE_BDF, reg, size, v);
	}
}

#define C(field) (VFAKE_BAR4 + offsetof(struct virtio_pci_common_cfg, field))

static void guest_queue(unsigned int qi)
{
	memset(gmem(GDESC(qi)), 0, 0x3000);
	wr(C(queue_select), 2, qi);
	wr(C(queue_size), 2, QMAX);
	wr(C(queue_desc), 8, GDESC(qi));
	wr(C(queue_driver), 8, GAVAIL(qi));
	wr(C(queue_device), 8, GUSED(qi));
	wr(C(queue_msix_vector), 2, 1 + qi);
	wr(C(queue_enable), 2, 1);
	f.guest_used_seen[qi] = 0;
}

static void guest_init(void)
{
	(void)rd(C(device_status), 1);
	wr(C(device_status), 1, 0);
	wr(C(device_status), 1, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	wr(C(driver_feature_select), 4, 0);
	wr(C(driver_feature), 4, 0x3);
	wr(C(driver_feature_select), 4, 1);
	wr(C(driver_feature), 4, 0x1);
	wr(C(device_status), 1, 0x0B);
	guest_cfg(VFAKE_MSIX_CAP + PCI_MSIX_CTRL, 2, true,
		  PCI_MSIX_CTRL_ENABLE | (VFAKE_MSIX_N - 1));
	for (unsigned int i = 0; i < VFAKE_MSIX_N; i++) {
		wr(VFAKE_BAR1 + 16 * i + PCI_MSIX_ENTRY_ADDR_LO, 4, MSI_ADDR_BASE);
		wr(VFAKE_BAR1 + 16 * i + PCI_MSIX_ENTRY_DATA, 4, 0x41 + i);
		wr(VFAKE_BAR1 + 16 * i + PCI_MSIX_ENTRY_CTRL, 4, 0);
	}
	for (unsigned int q = 0; q < NQ; q++)
		guest_queue(q);
	wr(C(device_status), 1, 0x0F);
}

/** What the proxy wrote into the guest's used rings: heads below the size. */
static void check_guest_used(void)
{
	for (unsigned int qi = 0; qi < NQ; qi++) {
		const struct virtq_used *u = (const void *)gmem(GUSED(qi));

		for (; f.guest_used_seen[qi] != u->idx; f.guest_used_seen[qi]++) {
			const struct virtq_used_elem *e = &u->ring[f.guest_used_seen[qi] % QMAX];

			FUZZ_CHECK(e->id < QMAX);
		}
	}
}

static uint64_t pick_addr(const uint8_t *s)
{
	switch (s[2] & 7) {
	case 0:
		return GUEST_BASE + GUEST_SIZE - (s[3] & 0x3F);
	case 1:
		return GUEST_BASE - 1 - (s[3] & 0x3F);
	case 2:
		return (uint64_t)s[3] << 56 | s[4];
	case 3: /* between the rings and GBUF: a buffer never reaches the rings (the
		 * guest could overwrite its own used ring through the device, which
		 * check_guest_used() would take for the proxy's doing) */
		return GUSED(NQ - 1) + 0x1000 + s[3] * 8u;
	default:
		return GBUF + ((uint64_t)s[3] << 12) + s[4];
	}
}

static uint32_t pick_len(const uint8_t *s)
{
	static const uint32_t v[] = { 0, 1, 16, 512, 4096, 0x10000, 0x20000, 0xFFFFFFFFu };

	return s[5] & 0x80 ? v[s[5] & 7] : (uint32_t)s[5] << (s[6] & 15);
}

static void step(const uint8_t *s)
{
	unsigned int qi = s[0] >> 7 & 1;
	unsigned int size = 1u << (s[1] >> 6);
	uint64_t v = 0;

	switch (s[0] & 15) {
	case 0: { /* a descriptor */
		struct virtq_desc d = { pick_addr(s), pick_len(s), (uint16_t)(s[6] >> 4 & 7),
					(uint16_t)(s[7] % 12) };

		memcpy(gmem(GDESC(qi)) + 16 * (s[1] % QMAX), &d, sizeof(d));
		break;
	}
	case 1: { /* an available entry, then the notification */
		struct virtq_avail *a = (void *)gmem(GAVAIL(qi));

		a->ring[a->idx % QMAX] = (uint16_t)(s[1] % 10);
		a->idx = (uint16_t)(a->idx + ((s[2] & 0x80) ? s[2] : 1));
		wr(VFAKE_BAR4 + 0x3000 + qi * VFAKE_NOTIFY_MULT, 2, qi);
		break;
	}
	case 2:
		device_serve(qi, s[1] & 1 ? s[2] : 0);
		vproxy_queue_interrupt(&proxy);
		break;
	case 3:
		device_lie(qi, s);
		vproxy_queue_interrupt(&proxy);
		break;
	case 4: { /* the device writes the pool */
		uint32_t off = ((uint32_t)s[1] << 8 | s[2]) % (POOL_SIZE - 4);

		f.device_lied = true;
		memcpy(f.pool + off, s + 3, 4);
		break;
	}
	case 5:
		memcpy(&v, s + 2, 6);
		wr(VFAKE_BAR4 + (s[1] & 0x3F), size, v);
		break;
	case 6:
		(void)rd(VFAKE_BAR4 + (s[1] & 0x3F) + (s[2] & 1 ? 0x1000 : 0), size);
		break;
	case 7: /* MSI-X table and PBA */
		memcpy(&v, s + 3, 4);
		if (s[2] & 1)
			wr(VFAKE_BAR1 + (s[1] & 0x3F) + (s[2] & 2 ? 0x800 : 0), 4, v);
		else
			(void)rd(VFAKE_BAR1 + (s[1] & 0x3F) + (s[2] & 2 ? 0x800 : 0), 4);
		break;
	case 8:
		guest_cfg(s[1] & ~(size - 1), size > 4 ? 4 : size, s[2] & 1,
			  (uint32_t)s[3] << 24 | s[4]);
		break;
	case 9:
		vproxy_config_interrupt(&proxy);
		break;
	case 10:
		guest_init();
		break;
	case 11:
		wr(C(queue_select), 2, s[1] & 3);
		break;
	default: { /* raw bytes into the guest's descriptors and available ring */
		uint32_t off = ((uint32_t)s[1] << 8 | s[2]) % (0x2000 - 4);

		memcpy(gmem(GDESC(qi)) + off, s + 3, 4);
		break;
	}
	}
	check_guest_used();
	FUZZ_CHECK(f.device_lied || f.hv_errors == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t *guest, *pool;
	const struct vproxy_config cfg = {
		.ops = &ops, .host_apic_id = 0, .queue_vector = 0xF3, .config_vector = 0xF4
	};

	if (!guest) {
		guest = malloc(GUEST_SIZE);
		pool = malloc(POOL_SIZE);
		FUZZ_CHECK(guest && pool);
	}
	memset(&f, 0, sizeof(f));
	arena_used = 0;
	memset(guest, 0, GUEST_SIZE);
	memset(pool, 0, POOL_SIZE);
	f.guest = guest;
	f.pool = pool;
	vfake_setup(&f.dev, size && (data[0] & 1) ? 0x1041 : 0x1042);
	vproxy_init(&proxy, &cfg);
	FUZZ_CHECK(vproxy_set_pool(&proxy, f.pool, POOL_GPA, POOL_SIZE));
	guest_init();
	for (size_t off = 1; off + STEP <= size; off += STEP)
		step(data + off);
	return 0;
}
