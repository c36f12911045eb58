/* SPDX-License-Identifier: MIT */
/*
 * A fake virtio 1.x PCI function for the virtio proxy's host tests
 * (test_virtio_proxy.c) and fuzzer (tests/fuzz/fuzz_virtio.c): its
 * configuration space (vendor 0x1AF4, MSI-X with three vectors in BAR1, the
 * common, ISR, device and notification structures in BAR4: virtio 1.2
 * §4.1.4) and its common configuration registers (§4.1.4.3) with two
 * queues of up to eight entries.  The rings themselves are the caller's.
 */
#ifndef VIRTIO_FAKE_H
#define VIRTIO_FAKE_H

#include <stdbool.h>
#include <stdint.h>

#define VFAKE_BDF	  0x18u		/* 00:03.0 */
#define VFAKE_BAR1	  0xFE000000ull /* MSI-X table (0) and PBA (0x800) */
#define VFAKE_BAR4	  0xFE100000ull /* common 0, ISR 0x1000, device 0x2000, notify 0x3000 */
#define VFAKE_NOTIFY_MULT 4u
#define VFAKE_MSIX_CAP	  0x40u
#define VFAKE_MSIX_N	  3u
#define VFAKE_QUEUES	  2u
#define VFAKE_QMAX	  8u

struct vfake_queue {
	uint16_t size, msix, enable, avail_seen;
	uint64_t desc, driver, device;
	uint16_t used_idx;
};

struct vfake {
	uint8_t cfg[4096];
	uint32_t dfsel, gfsel, gfeat[2];
	uint8_t status;
	uint16_t qsel, config_vec;
	struct vfake_queue q[VFAKE_QUEUES];
};

/** A fresh function with this device ID (0x1041 network, 0x1042 block...). */
void vfake_setup(struct vfake *v, uint16_t device_id);
/** A common-configuration access at offset off of size bytes; a 64-bit
 * queue address may be written whole or in 32-bit halves. */
uint64_t vfake_common(struct vfake *v, unsigned int off, unsigned int size, bool write,
		      uint64_t val);

/** [gpa, gpa + len) inside the guest RAM [base, base + size) held at ram:
 * its host address; NULL if any byte of it lies outside. */
void *vfake_ram_ptr(uint8_t *ram, uint64_t base, uint64_t size, uint64_t gpa, uint64_t len);

#endif
