/* SPDX-License-Identifier: MIT */
/*
 * The NVMe proxy: an NVMe controller (PCI class 010802h) the guest drives
 * with its own driver, carried through bounce buffers in shared memory
 * because the controller's DMA cannot reach the guest's private memory.
 *
 * The guest sees the real controller (configuration space and BAR0 pass
 * through) with these things replaced:
 *   - the queues: the guest's submission and completion queues stay in its
 *     private memory; the controller gets shadow queues in the shared area.
 *     A submission queue tail doorbell copies each new command, gives it a
 *     bounce buffer (data copied in for a write) described by PRPs in the
 *     area, and rings the controller's doorbell; a completion copies read
 *     data back to the guest's PRPs and writes the entry, with the guest's
 *     phase, into the guest's completion queue;
 *   - AQA, ASQ, ACQ, the doorbells: the proxy's; Create I/O SQ/CQ get the
 *     shadow queues' addresses;
 *   - CAP: at most NVPROXY_QMAX entries per queue, physically contiguous
 *     queues required, no CMB, PMR, boot partitions or subsystem reset;
 *   - Identify Controller: MDTS at most NVPROXY_MDTS, no SGLs, no optional
 *     admin commands (OACS 0: no Doorbell Buffer Config, which would give the
 *     controller the guest's addresses), no host memory buffer;
 *   - MSI-X: the guest's table and PBA are emulated; the real entry 0 sends
 *     every completion to the paravisor's vector, and the proxy raises the
 *     guest's vector for each guest completion queue it fills.
 *
 * Bad input from the guest (a PRP or queue outside its RAM, a misaligned
 * PRP, a transfer beyond MDTS, an SGL, an unknown opcode) completes the one
 * command with the NVMe status a controller gives it; nothing it names is
 * followed.  A controller that answers what cannot be true (a completion for
 * a command it was not given, an SQ head pointer beyond the tail) goes to
 * ops->log with hv_error set: the paravisor terminates.
 *
 * Concurrency: none inside; the caller serializes every call.
 */
#ifndef DEVICES_NVME_PROXY_H
#define DEVICES_NVME_PROXY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "virtio_proxy.h" /* struct vproxy_ops: the same platform */

#define NVPROXY_MAX_CTRLS  2
#define NVPROXY_MAX_QUEUES 5	/* the admin queue pair and 4 I/O queue pairs */
#define NVPROXY_QMAX	   256u /* entries per queue */
#define NVPROXY_MDTS	   6u	/* 2^6 pages of 4 KiB: 256 KiB per command */
#define NVPROXY_MAX_NS	   16u
#define NVPROXY_BDFS	   65536u

struct nvproxy_config {
	const struct vproxy_ops *ops;
	void *ctx;
	uint32_t host_apic_id; /**< the real MSI-X entry 0 targets it */
	uint8_t vector;	       /**< with this vector */
};

/** Counters, printed with the exit counts at power-off. */
struct nvproxy_stats {
	uint64_t doorbells;	  /**< guest doorbell writes */
	uint64_t commands;	  /**< commands given to the controller */
	uint64_t completions;	  /**< completions written to the guest */
	uint64_t refused;	  /**< commands the proxy completed with an error */
	uint64_t deferred;	  /**< a command waited for bounce space */
	uint64_t bytes_to_device; /**< copied into bounce buffers */
	uint64_t bytes_to_guest;  /**< copied back */
	uint64_t guest_msis;	  /**< MSIs raised for the guest */
};

struct nvproxy_ctrl;

struct nvproxy {
	struct nvproxy_config cfg;
	uint8_t *area; /**< shared memory, mapped for the proxy */
	uint64_t area_gpa;
	uint32_t area_pages, hint;
	uint64_t *page_map; /**< 1 bit per 4 KiB page, 1 = used */
	uint64_t checked[NVPROXY_BDFS / 64];
	struct nvproxy_ctrl *ctrl[NVPROXY_MAX_CTRLS];
	unsigned int nctrl;
	struct nvproxy_stats stats;
};

void nvproxy_init(struct nvproxy *p, const struct nvproxy_config *cfg);
/** How many controllers are carried (0: the area is not needed yet). */
unsigned int nvproxy_ctrls(const struct nvproxy *p);
/** The shared area (a multiple of 4 KiB); false: no memory for its map. */
bool nvproxy_set_area(struct nvproxy *p, uint8_t *area, uint64_t gpa, uint32_t size);
/** The vector arrived: take every completion of every controller. */
void nvproxy_interrupt(struct nvproxy *p);
/** A guest configuration access: true if @bdf is an NVMe controller the
 * proxy carries (for a read: *val). */
bool nvproxy_cfg_access(struct nvproxy *p, uint32_t bdf, unsigned int reg, unsigned int size,
			bool write, uint32_t *val);
/** A guest MMIO access: true if it hit a carried controller's BAR0 or its
 * MSI-X table or PBA. */
bool nvproxy_mmio(struct nvproxy *p, uint64_t gpa, unsigned int size, bool write, uint64_t *val);

#endif
