/* SPDX-License-Identifier: MIT */
/*
 * The virtio proxy (docs/architecture.md, "Devices with DMA: the virtio
 * proxy"): device DMA cannot reach the guest's private memory, so a virtio
 * PCI device the guest drives is carried through bounce buffers in shared
 * memory.
 *
 * The guest sees the real device (its configuration space, BARs and
 * device-specific configuration pass through) with four things replaced:
 *   - the feature bits: only those the proxy carries (no indirect
 *     descriptors, no event index, no packed ring; VERSION_1 required);
 *   - the virtqueues: the guest's rings stay in its private memory; the
 *     device gets shadow rings in the shared pool.  A notify copies the new
 *     chains' driver-to-device buffers into bounce buffers and posts the
 *     same chain (same descriptor indices) on the shadow ring; a completion
 *     copies the device-to-driver bytes back and fills the guest's used ring;
 *   - MSI-X: the guest's table, PBA and enable bits are emulated; the real
 *     table sends every queue interrupt to the paravisor's queue vector and
 *     configuration changes to its config vector, and the proxy raises the
 *     guest's own MSI after copying;
 *   - the ISR byte: the proxy's (queue/config bits it raised).
 * A transitional function (device IDs 0x1000-0x103F: a legacy I/O BAR
 * beside the virtio 1.x capabilities, what QEMU makes by default) is carried
 * through its modern interface and shown to the guest as the same device
 * made with disable-legacy=on: modern device ID, revision 1, no I/O BAR, so
 * every driver takes the modern interface.  A legacy-only function (no
 * virtio 1.x capabilities) is hidden.  So are functions of the other classes
 * that move data by bus-master DMA (storage, network, multimedia, USB and
 * FireWire controllers, such as Q35's built-in AHCI at 00:1f.2): their DMA
 * would meet private memory, and an absent device is better than one that
 * loses data.
 *
 * Input from the guest that breaks the virtio rules (a bad ring address, a
 * descriptor loop, a buffer outside its RAM, an indirect descriptor) sets
 * DEVICE_NEEDS_RESET and raises a configuration change, as a device would
 * (virtio 1.2 §2.1.2).  Input from the device that cannot be true (a used
 * entry for a chain it was not given, more bytes than the chain holds) goes
 * to ops->log with hv_error set: the paravisor terminates.
 *
 * Concurrency: none inside; the caller serializes every call on a proxy.
 */
#ifndef DEVICES_VIRTIO_PROXY_H
#define DEVICES_VIRTIO_PROXY_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <virtio.h>

#define VPROXY_MAX_DEVICES 8
#define VPROXY_MAX_QUEUES  64
#define VPROXY_MAX_QSIZE   1024u
#define VPROXY_GRANULE	   256u /* bounce pool allocation unit */
#define VPROXY_BDFS	   65536u

/** How the proxy reaches the platform (platform/pci.c, or a test's fakes). */
struct vproxy_ops {
	/* the real device's configuration space, through the hypervisor */
	uint32_t (*cfg_read)(void *ctx, uint32_t bdf, unsigned int reg, unsigned int size);
	void (*cfg_write)(void *ctx, uint32_t bdf, unsigned int reg, unsigned int size,
			  uint32_t val);
	/* the real device's BARs, through the hypervisor */
	uint64_t (*mmio_read)(void *ctx, uint64_t gpa, unsigned int size);
	void (*mmio_write)(void *ctx, uint64_t gpa, unsigned int size, uint64_t val);
	/** Guest RAM [gpa, gpa + len) as a private pointer, NULL if any byte
	 * of it is not the guest's RAM. */
	void *(*guest_ptr)(void *ctx, uint64_t gpa, uint64_t len);
	/** An MSI to the guest's APICs, as the guest programmed it. */
	void (*guest_msi)(void *ctx, uint64_t addr, uint32_t data);
	/** Zeroed private memory, never freed. NULL: out of memory. */
	void *(*alloc)(void *ctx, size_t bytes);
	/** A log line; with hv_error the device (the hypervisor) broke the
	 * protocol and the caller terminates (a test's fake may return). */
	void (*log)(void *ctx, bool hv_error, const char *line);
};

struct vproxy_config {
	const struct vproxy_ops *ops;
	void *ctx;
	uint8_t *pool;	       /**< shared memory, mapped for the proxy */
	uint64_t pool_gpa;     /**< its guest-physical address */
	uint32_t pool_size;    /**< bytes, a multiple of VPROXY_GRANULE */
	uint32_t host_apic_id; /**< the real MSI-X entries target it */
	uint8_t queue_vector;  /**< every queue interrupt */
	uint8_t config_vector; /**< configuration changes */
};

/** Counters, printed with the exit counts at power-off. */
struct vproxy_stats {
	uint64_t notifies;	   /**< guest queue notifications taken */
	uint64_t requests;	   /**< chains posted to the device */
	uint64_t completions;	   /**< chains returned to the guest */
	uint64_t bytes_to_device;  /**< copied into bounce buffers */
	uint64_t bytes_to_guest;   /**< copied back */
	uint64_t deferred;	   /**< a chain waited for pool space */
	uint64_t guest_msis;	   /**< MSIs raised for the guest */
	uint64_t device_errors;	   /**< DEVICE_NEEDS_RESET set */
	uint64_t split_pieces;	   /**< pieces of large virtio-blk requests */
	uint64_t used_len_clamped; /**< used lengths above the chain's writable bytes */
	uint64_t recv_held;	   /**< receive buffers held back at their share of the pool */
};

struct vproxy_dev;

struct vproxy {
	struct vproxy_config cfg;
	uint64_t *pool_map; /**< 1 bit per granule, 1 = used */
	uint32_t pool_granules, pool_hint;
	uint32_t recv_granules; /**< receive buffers with devices (virtio_proxy_priv.h) */
	uint64_t checked[VPROXY_BDFS / 64]; /**< functions looked at */
	uint64_t hidden[VPROXY_BDFS / 64];  /**< functions the guest does not see */
	unsigned int nhidden;
	struct vproxy_dev *dev[VPROXY_MAX_DEVICES];
	unsigned int ndev;
	struct vproxy_stats stats;
	bool intx_noted;
};

/** cfg's pool may be empty until the first device is found: */
void vproxy_init(struct vproxy *p, const struct vproxy_config *cfg);
/** The bounce pool (shared memory); false: no memory for its map. */
bool vproxy_set_pool(struct vproxy *p, uint8_t *pool, uint64_t gpa, uint32_t size);

/** A guest configuration access to @bdf (bus << 8 | dev << 3 | fn) at
 * @reg: true if the proxy performed it (for a read: *val), false for
 * anything that is not a proxied or hidden function. */
bool vproxy_cfg_access(struct vproxy *p, uint32_t bdf, unsigned int reg, unsigned int size,
		       bool write, uint32_t *val);
/** A guest MMIO access: true if it hit a proxied structure (common
 * configuration, notification, ISR, MSI-X table or PBA). */
bool vproxy_mmio(struct vproxy *p, uint64_t gpa, unsigned int size, bool write, uint64_t *val);
/** The queue vector arrived: take every finished chain of every device. */
void vproxy_queue_interrupt(struct vproxy *p);
/** The config vector arrived: raise each device's configuration change. */
void vproxy_config_interrupt(struct vproxy *p);
/** How many functions are proxied. */
unsigned int vproxy_devices(const struct vproxy *p);
/** A formatted line to ops->log (also the NVMe proxy's, devices/nvme_proxy.c). */
void vproxy_vlog(const struct vproxy_ops *ops, void *ctx, bool hv_error, const char *fmt,
		 va_list ap);

#endif
