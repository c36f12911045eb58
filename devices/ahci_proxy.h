/* SPDX-License-Identifier: MIT */
/*
 * The AHCI proxy (docs/architecture.md, "Devices with DMA: the AHCI
 * proxy"): an AHCI HBA (Q35's SATA controller at 00:1f.2, where QEMU puts
 * `-cdrom` and `-drive if=ide`) whose DMA cannot reach the guest's private
 * memory, carried through shadow structures and bounce buffers in shared
 * memory.
 *
 * The guest's command lists, received-FIS areas, command tables, PRDTs and
 * data stay in its private memory.  The HBA's PxCLB/PxFB point at shadow
 * copies in the shared area.  A guest PxCI write copies each newly issued
 * slot's command header, command FIS and ATAPI command into the shadow
 * slot, with a PRDT naming one bounce buffer (the guest's data copied in for
 * a write), and issues the slot.  A completion (the slot's PxCI and PxSACT
 * bits clear, seen at a guest read of IS, PxIS, PxCI or PxSACT or at the
 * HBA's MSI) copies read data back into the guest's PRDT buffers (at most
 * the PRD byte count, which must fit), the PRD byte count into the guest's
 * header and the received FIS area into the guest's.
 *
 * A guest command the proxy cannot carry (a command list, command table or
 * data buffer outside the guest's RAM, a command FIS length outside 2..16
 * DWORDs, more data than the bounce area) is not issued: the port shows the
 * HBA's answer to a bad software pointer (PxIS.HBFS and TFES, PxTFD with
 * ERR and ABRT, AHCI 1.3.1 §3.3.5, §6.1.2) until the guest stops the port.
 * A device answer that cannot be true (a PRD byte count above the bytes
 * given) goes to ops->log with hv_error set.
 *
 * Interrupts: the guest's MSI address and data are kept here; the HBA's
 * MSI goes to the paravisor's vector and the proxy raises the guest's MSI
 * after copying.  Without MSI the HBA's INTx reaches the guest through the
 * I/O APIC as for any device, and the guest's handler reads IS/PxIS, where
 * the proxy copies first.
 *
 * Concurrency: none inside; the caller serializes every call.
 */
#ifndef DEVICES_AHCI_PROXY_H
#define DEVICES_AHCI_PROXY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ahci.h>

#include "virtio_proxy.h" /* struct vproxy_ops: the same platform */

#define AHCI_PROXY_MAX_HBAS 2
#define AHCI_POOL_GRANULE   4096u
/* A port's shadow structures: the command list, the received FIS area and
 * 32 command tables of AHCI_SHADOW_TABLE bytes (0x80 + 8 PRDs: bounce
 * buffers up to 32 MiB), AHCI_SHADOW_PORT bytes in all. */
#define AHCI_SHADOW_TABLE   256u
#define AHCI_SHADOW_PRDS    ((AHCI_SHADOW_TABLE - 0x80u) / 16u)
#define AHCI_SHADOW_TABLES  (AHCI_CMD_LIST_BYTES + sizeof(struct ahci_rx_fis))
#define AHCI_SHADOW_PORT    (AHCI_SHADOW_TABLES + AHCI_SLOTS * AHCI_SHADOW_TABLE)

struct ahci_proxy_config {
	const struct vproxy_ops *ops;
	void *ctx;
	uint32_t host_apic_id; /**< the HBA's MSI targets it */
	uint8_t vector;	       /**< ... with this vector */
};

struct ahci_proxy_stats {
	uint64_t commands;	  /**< guest slots issued to the HBA */
	uint64_t completions;	  /**< slots returned to the guest */
	uint64_t bytes_to_device; /**< copied into bounce buffers */
	uint64_t bytes_to_guest;  /**< copied back */
	uint64_t deferred;	  /**< a slot waited for bounce space */
	uint64_t refused;	  /**< guest commands refused (HBFS) */
	uint64_t guest_msis;	  /**< MSIs raised for the guest */
	uint64_t split_pieces;	  /**< pieces of large commands */
};

struct ahci_slot {
	uint32_t first, granules; /* its bounce buffer, in granules */
	uint32_t bytes;		  /* data bytes the guest's PRDT holds */
	bool to_device;		  /* W: copied in at issue */
	bool queued;		  /* an NCQ command: its PRD byte count may stay 0 */
	/* a read or write larger than AHCI's bounce area allows at once,
	 * carried in pieces (ahci_proxy.c, "Large commands") */
	uint8_t split;	      /* SPLIT_* of ahci_proxy.c, 0: whole */
	uint32_t block;	      /* bytes per LBA */
	uint64_t lba;	      /* the command's first */
	uint32_t done, piece; /* bytes finished, in flight */
};

struct ahci_port {
	uint64_t clb, fb;  /* the guest's */
	uint32_t shadow;   /* offset of its shadow structures in the area */
	uint32_t issued;   /* slots with the HBA */
	uint32_t pending;  /* issued by the guest, waiting for bounce space */
	uint32_t draining; /* dropped at a stop; freed once PxCMD.CR reads 0 */
	uint32_t deferred; /* pending slots counted as deferred */
	uint32_t split;	   /* slots carried in pieces */
	uint32_t err_is;   /* PxIS bits the proxy raised */
	bool err_tfd;	   /* PxTFD reads ERR/ABRT until the port stops */
	bool started, fre; /* PxCMD.ST and FRE as the guest wrote them */
	bool has_shadow;
	struct ahci_slot slot[AHCI_SLOTS];
};

struct ahci_hba {
	uint32_t bdf;
	uint64_t abar;
	bool mem_on;
	uint8_t msi_cap;			     /* 0: none */
	uint8_t msi_end;			     /* the end of its address and data registers */
	uint32_t msi_addr_lo, msi_addr_hi, msi_data; /* the guest's */
	uint16_t msi_ctrl;			     /* the guest's enable bit */
	uint8_t io_bars; /* not shown to the guest (the index/data pair) */
	uint32_t pi;	 /* ports implemented */
	struct ahci_port *port[AHCI_PORTS];
};

struct ahci_proxy {
	struct ahci_proxy_config cfg;
	uint8_t *area;	   /**< shared memory: shadows, then bounce buffers */
	uint64_t area_gpa; /**< its guest-physical address */
	uint32_t area_size;
	uint32_t granules; /**< granules in the area */
	uint64_t *map;	   /**< 1 bit per granule, 1 = used */
	uint64_t checked[VPROXY_BDFS / 64];
	struct ahci_hba *hba[AHCI_PROXY_MAX_HBAS];
	unsigned int nhba;
	struct ahci_proxy_stats stats;
	bool intx_noted;
};

void ahci_proxy_init(struct ahci_proxy *a, const struct ahci_proxy_config *cfg);
/** Does @bdf hold an AHCI HBA the proxy will carry?  Looked at once (its
 * class code); the caller gives the area before the guest's next access. */
bool ahci_proxy_claims(struct ahci_proxy *a, uint32_t bdf);
/** The shared area (shadow structures and bounce buffers), mapped; false:
 * too small for the HBAs' ports or no memory for its map. */
bool ahci_proxy_set_area(struct ahci_proxy *a, uint8_t *area, uint64_t gpa, uint32_t size);
/** A guest configuration access: true if the function is the proxy's. */
bool ahci_proxy_cfg_access(struct ahci_proxy *a, uint32_t bdf, unsigned int reg, unsigned int size,
			   bool write, uint32_t *val);
/** A guest MMIO access: true if it hit a register the proxy owns. */
bool ahci_proxy_mmio(struct ahci_proxy *a, uint64_t gpa, unsigned int size, bool write,
		     uint64_t *val);
/** The HBA's MSI arrived: take every finished slot, raise the guest's MSI. */
void ahci_proxy_interrupt(struct ahci_proxy *a);
unsigned int ahci_proxy_hbas(const struct ahci_proxy *a);

#endif
