/* SPDX-License-Identifier: MIT */
/*
 * Virtio 1.x over PCI, the parts the paravisor's proxy (devices/virtio_proxy.c)
 * touches: the vendor capabilities that place the configuration structures
 * in BARs, the common configuration structure, the split virtqueue, and the
 * MSI-X capability and table.
 *
 * Facts: OASIS "Virtual I/O Device (VIRTIO) Version 1.2" (cs01):
 *   §2.1 device status, §2.7 split virtqueues (descriptor table, available
 *   and used rings, their alignment), §4.1.4 the PCI capabilities,
 *   §4.1.4.3 common configuration, §4.1.4.4 notification, §4.1.4.5 ISR,
 *   §6 reserved feature bits; PCI Local Bus 3.0 §6.8.2 (MSI-X).
 * All fields are little-endian.  Rings live in memory the other side can
 * write at any time: read each field once, into a private copy.
 */
#ifndef PROTOCOL_VIRTIO_H
#define PROTOCOL_VIRTIO_H

#include <stddef.h>
#include <stdint.h>

#define VIRTIO_PCI_VENDOR	       0x1AF4u
#define VIRTIO_PCI_DEVICE_LEGACY_FIRST 0x1000u /* transitional: 0x1000-0x103F */
#define VIRTIO_PCI_DEVICE_LEGACY_LAST  0x103Fu
#define VIRTIO_PCI_DEVICE_MODERN_FIRST 0x1040u /* 0x1040 + device type */
#define VIRTIO_PCI_DEVICE_MODERN_LAST  0x107Fu
/* The subsystem ID QEMU gives a modern-only virtio function (a transitional
 * one's names its device type: virtio 1.2 §4.1.2.1) */
#define VIRTIO_PCI_SUBSYSTEM_MODERN    0x1100u

/* §2.1 device status */
#define VIRTIO_STATUS_ACKNOWLEDGE 0x01u
#define VIRTIO_STATUS_DRIVER	  0x02u
#define VIRTIO_STATUS_DRIVER_OK	  0x04u
#define VIRTIO_STATUS_FEATURES_OK 0x08u
#define VIRTIO_STATUS_NEEDS_RESET 0x40u
#define VIRTIO_STATUS_FAILED	  0x80u

/* §6 feature bits of the transport and the rings (bit numbers) */
#define VIRTIO_F_INDIRECT_DESC	   28
#define VIRTIO_F_EVENT_IDX	   29
#define VIRTIO_F_VERSION_1	   32
#define VIRTIO_F_ACCESS_PLATFORM   33
#define VIRTIO_F_RING_PACKED	   34
/** Bits 0-23 are the device type's own; 24-40 the transport's. */
#define VIRTIO_DEVICE_FEATURE_BITS 24

/* §4.1.4 the vendor-specific PCI capability (ID 0x09) */
#define PCI_CAP_ID_VENDOR	  0x09u
#define PCI_CAP_ID_MSIX		  0x11u
#define VIRTIO_PCI_CAP_COMMON_CFG 1u
#define VIRTIO_PCI_CAP_NOTIFY_CFG 2u
#define VIRTIO_PCI_CAP_ISR_CFG	  3u
#define VIRTIO_PCI_CAP_DEVICE_CFG 4u

struct virtio_pci_cap {
	uint8_t cap_vndr; /**< PCI_CAP_ID_VENDOR */
	uint8_t cap_next;
	uint8_t cap_len;
	uint8_t cfg_type; /**< VIRTIO_PCI_CAP_* */
	uint8_t bar;
	uint8_t id;
	uint8_t padding[2];
	uint32_t offset; /**< in the BAR */
	uint32_t length;
};
/** The notification capability appends its multiplier. */
#define VIRTIO_PCI_NOTIFY_MULTIPLIER 16u

_Static_assert(sizeof(struct virtio_pci_cap) == 16,
	       "virtio_pci_cap is 16 bytes (virtio 1.2 §4.1.4)");
_Static_assert(offsetof(struct virtio_pci_cap, bar) == 4, "virtio_pci_cap.bar (virtio 1.2 §4.1.4)");
_Static_assert(offsetof(struct virtio_pci_cap, offset) == 8,
	       "virtio_pci_cap.offset (virtio 1.2 §4.1.4)");

/* §4.1.4.3 the common configuration structure */
struct virtio_pci_common_cfg {
	uint32_t device_feature_select;
	uint32_t device_feature; /**< read-only */
	uint32_t driver_feature_select;
	uint32_t driver_feature;
	uint16_t config_msix_vector;
	uint16_t num_queues; /**< read-only */
	uint8_t device_status;
	uint8_t config_generation; /**< read-only */
	uint16_t queue_select;
	uint16_t queue_size;
	uint16_t queue_msix_vector;
	uint16_t queue_enable;
	uint16_t queue_notify_off; /**< read-only */
	uint64_t queue_desc;
	uint64_t queue_driver;	    /**< the available ring */
	uint64_t queue_device;	    /**< the used ring */
	uint16_t queue_notify_data; /**< 1.2: read-only */
	uint16_t queue_reset;	    /**< 1.2: VIRTIO_F_RING_RESET only */
} __attribute__((packed));
#define VIRTIO_NO_VECTOR 0xFFFFu

_Static_assert(
	sizeof(struct virtio_pci_common_cfg) == 0x3C,
	"common configuration is 0x3C bytes with 1.2's queue_notify_data/queue_reset (§4.1.4.3)");
_Static_assert(offsetof(struct virtio_pci_common_cfg, config_msix_vector) == 0x10, "§4.1.4.3");
_Static_assert(offsetof(struct virtio_pci_common_cfg, device_status) == 0x14, "§4.1.4.3");
_Static_assert(offsetof(struct virtio_pci_common_cfg, queue_select) == 0x16, "§4.1.4.3");
_Static_assert(offsetof(struct virtio_pci_common_cfg, queue_enable) == 0x1C, "§4.1.4.3");
_Static_assert(offsetof(struct virtio_pci_common_cfg, queue_desc) == 0x20, "§4.1.4.3");
_Static_assert(offsetof(struct virtio_pci_common_cfg, queue_device) == 0x30, "§4.1.4.3");

/* §4.1.4.5 ISR status bits */
#define VIRTIO_ISR_QUEUE  0x1u
#define VIRTIO_ISR_CONFIG 0x2u

/* §2.7.5 the descriptor table */
#define VIRTQ_DESC_F_NEXT     1u
#define VIRTQ_DESC_F_WRITE    2u
#define VIRTQ_DESC_F_INDIRECT 4u

struct virtq_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};
_Static_assert(sizeof(struct virtq_desc) == 16, "virtq_desc is 16 bytes (virtio 1.2 §2.7.5)");

/* §2.7.6 the available ring: flags, idx, ring[size], used_event */
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1u
struct virtq_avail {
	uint16_t flags;
	uint16_t idx;
	uint16_t ring[];
};
_Static_assert(offsetof(struct virtq_avail, ring) == 4, "virtq_avail.ring (virtio 1.2 §2.7.6)");

/* §2.7.8 the used ring: flags, idx, ring[size], avail_event */
#define VIRTQ_USED_F_NO_NOTIFY 1u
struct virtq_used_elem {
	uint32_t id;  /**< head of the chain */
	uint32_t len; /**< bytes written into the chain */
};
struct virtq_used {
	uint16_t flags;
	uint16_t idx;
	struct virtq_used_elem ring[];
};
_Static_assert(sizeof(struct virtq_used_elem) == 8,
	       "virtq_used_elem is 8 bytes (virtio 1.2 §2.7.8)");
_Static_assert(offsetof(struct virtq_used, ring) == 4, "virtq_used.ring (virtio 1.2 §2.7.8)");

/** §2.7 (split rings): the largest queue; sizes are powers of two. */
#define VIRTQ_MAX_SIZE	     32768u
/** Bytes of each part for @n entries, with used_event/avail_event. */
#define VIRTQ_DESC_BYTES(n)  (16u * (n))
#define VIRTQ_AVAIL_BYTES(n) (6u + 2u * (n))
#define VIRTQ_USED_BYTES(n)  (6u + 8u * (n))

/* §5.2.6 virtio-blk requests: header (driver to device), data, status
 * (device to driver); sectors are 512 bytes whatever the block size */
#define VIRTIO_ID_BLOCK	   2u
#define VIRTIO_BLK_T_IN	   0u
#define VIRTIO_BLK_T_OUT   1u
#define VIRTIO_BLK_S_OK	   0u
#define VIRTIO_BLK_S_IOERR 1u
#define VIRTIO_BLK_SECTOR  512u
struct virtio_blk_outhdr {
	uint32_t type;
	uint32_t reserved;
	uint64_t sector;
};
_Static_assert(sizeof(struct virtio_blk_outhdr) == 16,
	       "virtio-blk request header (virtio 1.2 §5.2.6)");

/* §5.6.6 virtio-scsi command requests on a request queue: the header
 * (lun[8], id le64, task_attr, prio, crn, cdb[cdb_size]; 32 by default),
 * data-out, then the response (sense_len le32, residual le32,
 * status_qualifier le16, status, response, sense[sense_size]; 96 by
 * default), data-in */
#define VIRTIO_ID_SCSI		  8u
#define VIRTIO_SCSI_CDB_OFFSET	  19u
#define VIRTIO_SCSI_REQ_MAX	  64u /* header with a cdb of up to 45 bytes */
#define VIRTIO_SCSI_RESP_RESID	  4u
#define VIRTIO_SCSI_RESP_STATUS	  10u
#define VIRTIO_SCSI_RESP_RESPONSE 11u
#define VIRTIO_SCSI_RESP_MIN	  12u /* without sense bytes */
#define VIRTIO_SCSI_RESP_MAX	  128u
#define VIRTIO_SCSI_S_OK	  0u
/* SBC-3 §5.11-5.13 and SAM-5 status */
#define SCSI_READ_10		  0x28u
#define SCSI_READ_12		  0xA8u
#define SCSI_READ_16		  0x88u
#define SCSI_STATUS_GOOD	  0u

/* PCI 3.0 §6.8.2 MSI-X: capability, table entry, PBA */
#define PCI_MSIX_CTRL		2u	/* 16-bit Message Control */
#define PCI_MSIX_CTRL_SIZE_MASK 0x07FFu /* table size - 1 */
#define PCI_MSIX_CTRL_MASKALL	0x4000u
#define PCI_MSIX_CTRL_ENABLE	0x8000u
#define PCI_MSIX_TABLE		4u /* offset | BIR (bits 2:0) */
#define PCI_MSIX_PBA		8u
#define PCI_MSIX_BIR_MASK	0x7u
#define PCI_MSIX_ENTRY_SIZE	16u
#define PCI_MSIX_ENTRY_ADDR_LO	0u
#define PCI_MSIX_ENTRY_ADDR_HI	4u
#define PCI_MSIX_ENTRY_DATA	8u
#define PCI_MSIX_ENTRY_CTRL	12u
#define PCI_MSIX_ENTRY_MASKED	1u

/* PCI configuration header fields the proxy watches (PCI Local Bus 3.0 §6.1) */
#define PCI_CFG_VENDOR	     0x00u
#define PCI_CFG_DEVICE	     0x02u
#define PCI_CFG_COMMAND	     0x04u
#define PCI_CFG_STATUS	     0x06u
#define PCI_CFG_CLASS_REV    0x08u /* class code in bits 31:8 */
#define PCI_CFG_REVISION     0x08u /* its low byte */
#define PCI_CFG_HEADER_TYPE  0x0Eu
#define PCI_CFG_BAR0	     0x10u
#define PCI_CFG_BAR_END	     0x28u
#define PCI_CFG_SUBSYSTEM_ID 0x2Eu
#define PCI_CFG_CAP_PTR	     0x34u
#define PCI_CMD_IO	     0x0001u
#define PCI_CMD_MEMORY	     0x0002u
#define PCI_STATUS_CAP_LIST  0x0010u
#define PCI_BAR_IO	     0x1u
#define PCI_BAR_TYPE_64	     0x4u
#define PCI_BAR_MEM_MASK     (~0xFull)

/* Base classes and class/subclass pairs of functions that move data by bus-master DMA
 * (PCI Code and ID Assignment Specification r1.11, §1) */
#define PCI_CLASS_STORAGE	  0x01u /* IDE, SCSI, SATA/AHCI, NVMe, ... */
#define PCI_CLASS_NETWORK	  0x02u
#define PCI_CLASS_MULTIMEDIA	  0x04u /* audio (HDA), video */
#define PCI_CLASS_SERIAL_FIREWIRE 0x0C00u
#define PCI_CLASS_SERIAL_USB	  0x0C03u

/* MSI address/data as the local APIC takes them (SDM vol. 3 §11.11) */
#define MSI_ADDR_BASE	    0xFEE00000u
#define MSI_ADDR_DEST_SHIFT 12

#endif
