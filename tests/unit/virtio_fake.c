/* SPDX-License-Identifier: MIT */
/* The fake virtio PCI function of virtio_fake.h. */
#include "virtio_fake.h"

#include <string.h>

#include <virtio.h>

static void cap(struct vfake *v, unsigned int at, unsigned int next, uint8_t type, uint32_t off)
{
	const struct virtio_pci_cap c = {
		PCI_CAP_ID_VENDOR, (uint8_t)next, 16, type, 4, 0, { 0 }, off, 0x1000
	};
	memcpy(&v->cfg[at], &c, sizeof(c));
}

void vfake_setup(struct vfake *v, uint16_t device_id)
{
	uint32_t id = VIRTIO_PCI_VENDOR | (uint32_t)device_id << 16;
	uint32_t bar1 = (uint32_t)VFAKE_BAR1, bar4 = (uint32_t)VFAKE_BAR4 | PCI_BAR_TYPE_64;
	uint16_t ctrl = VFAKE_MSIX_N - 1;
	uint32_t table = 1, pba = 0x800 | 1, mult = VFAKE_NOTIFY_MULT;

	memset(v, 0, sizeof(*v));
	memcpy(&v->cfg[0], &id, 4);
	v->cfg[PCI_CFG_COMMAND] = PCI_CMD_MEMORY;
	v->cfg[PCI_CFG_STATUS] = PCI_STATUS_CAP_LIST;
	memcpy(&v->cfg[PCI_CFG_BAR0 + 4], &bar1, 4);
	memcpy(&v->cfg[PCI_CFG_BAR0 + 16], &bar4, 4);
	v->cfg[PCI_CFG_CAP_PTR] = VFAKE_MSIX_CAP;
	v->cfg[VFAKE_MSIX_CAP] = PCI_CAP_ID_MSIX;
	v->cfg[VFAKE_MSIX_CAP + 1] = 0x50;
	memcpy(&v->cfg[VFAKE_MSIX_CAP + PCI_MSIX_CTRL], &ctrl, 2);
	memcpy(&v->cfg[VFAKE_MSIX_CAP + PCI_MSIX_TABLE], &table, 4);
	memcpy(&v->cfg[VFAKE_MSIX_CAP + PCI_MSIX_PBA], &pba, 4);
	cap(v, 0x50, 0x60, VIRTIO_PCI_CAP_COMMON_CFG, 0);
	cap(v, 0x60, 0x70, VIRTIO_PCI_CAP_ISR_CFG, 0x1000);
	cap(v, 0x70, 0x80, VIRTIO_PCI_CAP_DEVICE_CFG, 0x2000);
	cap(v, 0x80, 0x00, VIRTIO_PCI_CAP_NOTIFY_CFG, 0x3000);
	memcpy(&v->cfg[0x80 + VIRTIO_PCI_NOTIFY_MULTIPLIER], &mult, 4);
	v->cfg[0x80 + 2] = 20;
}

/** A 64-bit field written in pieces: size bytes at byte offset off of it. */
static void put_part(uint64_t *field, unsigned int off, unsigned int size, uint64_t val)
{
	for (unsigned int i = 0; i < size && off + i < 8; i++) {
		*field &= ~(0xFFull << (8 * (off + i)));
		*field |= ((val >> (8 * i)) & 0xFF) << (8 * (off + i));
	}
}

/** A 16-bit queue register: stored on a write, read back. */
static uint64_t reg16(uint16_t *r, bool write, uint64_t val)
{
	if (write)
		*r = (uint16_t)val;
	return *r;
}

uint64_t vfake_common(struct vfake *v, unsigned int off, unsigned int size, bool write,
		      uint64_t val)
{
	struct vfake_queue *q = v->qsel < VFAKE_QUEUES ? &v->q[v->qsel] : NULL;
	static const uint32_t features[2] = { 0x30000003u,
					      0x3u }; /* 28, 29, 0, 1 | VERSION_1, AP */
	switch (off) {
	case 0x00:
		return write ? (v->dfsel = (uint32_t)val) : v->dfsel;
	case 0x04:
		return v->dfsel < 2 ? features[v->dfsel] : 0;
	case 0x08:
		return write ? (v->gfsel = (uint32_t)val) : v->gfsel;
	case 0x0C:
		if (write && v->gfsel < 2)
			v->gfeat[v->gfsel] = (uint32_t)val;
		return 0;
	case 0x10:
		return reg16(&v->config_vec, write, val);
	case 0x12:
		return VFAKE_QUEUES;
	case 0x14:
		if (write) {
			v->status = (uint8_t)val;
			if (!v->status)
				memset(v->q, 0, sizeof(v->q));
		}
		return v->status;
	case 0x16:
		return reg16(&v->qsel, write, val);
	case 0x18:
		if (q && write)
			q->size = (uint16_t)val;
		return q ? (q->size ? q->size : VFAKE_QMAX) : 0;
	case 0x1A:
		return q ? reg16(&q->msix, write, val) : 0xFFFF;
	case 0x1C:
		return q ? reg16(&q->enable, write, val) : 0;
	case 0x1E:
		return v->qsel;
	}
	if (off >= 0x20 && off < 0x38 && q) {
		uint64_t *field = off < 0x28 ? &q->desc : off < 0x30 ? &q->driver : &q->device;
		if (write)
			put_part(field, off % 8, size, val);
		return *field >> (8 * (off % 8));
	}
	return 0;
}

void *vfake_ram_ptr(uint8_t *ram, uint64_t base, uint64_t size, uint64_t gpa, uint64_t len)
{
	if (gpa < base || gpa + len > base + size || gpa + len < gpa)
		return NULL;
	return ram + (gpa - base);
}
