/* SPDX-License-Identifier: MIT */
/*
 * AHCI: the HBA's registers and the system-memory structures it reads and
 * writes (Serial ATA AHCI 1.3.1, "AHCI 1.3.1" below), and the few Serial
 * ATA FIS facts the AHCI proxy (devices/ahci_proxy.c) needs (Serial ATA
 * Revision 3.0, §10.3 "FIS types").
 */
#ifndef PROTOCOL_AHCI_H
#define PROTOCOL_AHCI_H

#include <stddef.h>
#include <stdint.h>

/* PCI: class code 01h/06h/01h is an AHCI 1.0 HBA (AHCI 1.3.1 §2.1.5 CC);
 * ABAR is BAR5 (§2.1.11). */
#define AHCI_PCI_CLASS	    0x010601u /* class_rev >> 8 */
#define AHCI_PCI_ABAR	    0x24u     /* BAR5 */
#define PCI_CAP_ID_MSI	    0x05u
#define PCI_MSI_CTRL	    2u /* 16-bit Message Control (PCI 3.0 §6.8.1.3) */
#define PCI_MSI_CTRL_ENABLE 0x0001u
#define PCI_MSI_CTRL_64BIT  0x0080u
#define PCI_MSI_ADDR_LO	    4u
#define PCI_MSI_ADDR_HI	    8u	/* with PCI_MSI_CTRL_64BIT */
#define PCI_MSI_DATA_32	    8u	/* data without 64-bit addresses */
#define PCI_MSI_DATA_64	    12u /* and with */

/* Generic host control (AHCI 1.3.1 §3.1) */
#define AHCI_CAP       0x00u
#define AHCI_GHC       0x04u
#define AHCI_IS	       0x08u
#define AHCI_PI	       0x0Cu
#define AHCI_GHC_BYTES 0x2Cu /* CAP .. BOHC */

#define AHCI_CAP_NP_MASK 0x1Fu	    /* ports - 1 */
#define AHCI_CAP_FBSS	 (1u << 16) /* FIS-based switching */
#define AHCI_GHC_HR	 (1u << 0)  /* HBA reset */
#define AHCI_GHC_IE	 (1u << 1)  /* interrupt enable */

/* Port registers: 0x100 + port * 0x80 (§3.3) */
#define AHCI_PORT_BASE	0x100u
#define AHCI_PORT_SIZE	0x80u
#define AHCI_PORTS	32u
#define AHCI_ABAR_BYTES (AHCI_PORT_BASE + AHCI_PORTS * AHCI_PORT_SIZE)
#define AHCI_PX_CLB	0x00u /* §3.3.1, 1 KiB aligned */
#define AHCI_PX_CLBU	0x04u
#define AHCI_PX_FB	0x08u /* §3.3.3, 256-byte aligned without FBS */
#define AHCI_PX_FBU	0x0Cu
#define AHCI_PX_IS	0x10u /* §3.3.5 */
#define AHCI_PX_IE	0x14u
#define AHCI_PX_CMD	0x18u /* §3.3.7 */
#define AHCI_PX_TFD	0x20u /* §3.3.8 */
#define AHCI_PX_SACT	0x34u /* §3.3.13 */
#define AHCI_PX_CI	0x38u /* §3.3.14 */
#define AHCI_PX_BYTES	0x48u /* CLB .. DEVSLP: what the proxy decodes */

#define AHCI_PX_CMD_ST	(1u << 0)
#define AHCI_PX_CMD_FRE (1u << 4)
#define AHCI_PX_CMD_CR	(1u << 15)

#define AHCI_PX_IS_DONE 0xFu	   /* DHRS, PSS, DSS, SDBS: a FIS came */
#define AHCI_PX_IS_HBFS (1u << 29) /* host bus fatal error: "a bad software pointer" */
#define AHCI_PX_IS_TFES (1u << 30) /* task file error */

/* PxTFD: the status byte (bits 7:0) and error byte (15:8) of the device's
 * task file; ATA8-ACS §6.2 status ERR (bit 0), DRDY (6), §6.1 error ABRT (2) */
#define AHCI_TFD_STS_ERR  0x01u
#define AHCI_TFD_STS_DRDY 0x40u
#define AHCI_TFD_ERR_ABRT 0x04u

/* Command list: 32 command headers of 32 bytes (§4.2.2) */
#define AHCI_SLOTS	     32u
#define AHCI_CMD_LIST_BYTES  (AHCI_SLOTS * 32u)
#define AHCI_CLB_ALIGN	     1024u
#define AHCI_FB_ALIGN	     256u
#define AHCI_CTBA_ALIGN	     128u
#define AHCI_HDR_CFL_MASK    0x1Fu     /* command FIS length in DWORDs, 2..16 */
#define AHCI_HDR_ATAPI	     (1u << 5) /* A */
#define AHCI_HDR_WRITE	     (1u << 6) /* W: memory to device */
#define AHCI_HDR_PRDTL_SHIFT 16u       /* PRDTL: entries in the PRDT */
#define AHCI_CFL_MIN	     2u
#define AHCI_CFL_MAX	     16u

struct ahci_cmd_header {
	uint32_t dw0;	/* CFL, A, W, P, R, B, C, PMP, PRDTL */
	uint32_t prdbc; /* PRD byte count: bytes transferred, written by the HBA */
	uint32_t ctba;	/* command table base, 128-byte aligned */
	uint32_t ctbau;
	uint32_t rsvd[4];
};
/* AHCI 1.3.1 §4.2.2, Figure 25: 8 DWORDs */
_Static_assert(sizeof(struct ahci_cmd_header) == 32, "AHCI 1.3.1 §4.2.2");
_Static_assert(offsetof(struct ahci_cmd_header, prdbc) == 4, "AHCI 1.3.1 §4.2.2 DW1");
_Static_assert(offsetof(struct ahci_cmd_header, ctba) == 8, "AHCI 1.3.1 §4.2.2 DW2");

/* Physical region descriptor (§4.2.3.3, Figure 28) */
#define AHCI_PRD_DBC_MASK 0x3FFFFFu  /* byte count - 1, at most 4 MiB */
#define AHCI_PRD_I	  (1u << 31) /* interrupt on completion */
#define AHCI_PRD_MAX	  (AHCI_PRD_DBC_MASK + 1u)
#define AHCI_PRDTL_MAX	  65535u

struct ahci_prd {
	uint32_t dba; /* data base address, bit 0 reserved (word aligned) */
	uint32_t dbau;
	uint32_t rsvd;
	uint32_t dw3; /* DBC, I */
};
_Static_assert(sizeof(struct ahci_prd) == 16, "AHCI 1.3.1 §4.2.3.3");
_Static_assert(offsetof(struct ahci_prd, dw3) == 12, "AHCI 1.3.1 §4.2.3.3 DW3");

/* Command table (§4.2.3, Figure 26): the command FIS (64 bytes), the ATAPI
 * command (16), reserved (48), then the PRDT at 0x80. */
struct ahci_cmd_table {
	uint8_t cfis[64];
	uint8_t acmd[16];
	uint8_t rsvd[48];
	struct ahci_prd prdt[];
};
_Static_assert(offsetof(struct ahci_cmd_table, acmd) == 0x40, "AHCI 1.3.1 §4.2.3 ACMD");
_Static_assert(offsetof(struct ahci_cmd_table, prdt) == 0x80, "AHCI 1.3.1 §4.2.3 PRDT");
_Static_assert(sizeof(struct ahci_cmd_table) == 0x80, "AHCI 1.3.1 §4.2.3");

/* Received FIS structure without FIS-based switching (§4.2.1, Figure 24) */
struct ahci_rx_fis {
	uint8_t dsfis[0x1C]; /* DMA setup FIS */
	uint8_t rsvd0[4];
	uint8_t psfis[0x14]; /* PIO setup FIS, at 0x20 */
	uint8_t rsvd1[12];
	uint8_t rfis[0x14]; /* D2H register FIS, at 0x40 */
	uint8_t rsvd2[4];
	uint8_t sdbfis[8]; /* set device bits FIS, at 0x58 */
	uint8_t ufis[64];  /* unknown FIS, at 0x60 */
	uint8_t rsvd3[0x60];
};
_Static_assert(sizeof(struct ahci_rx_fis) == 256, "AHCI 1.3.1 §4.2.1");
_Static_assert(offsetof(struct ahci_rx_fis, psfis) == 0x20, "AHCI 1.3.1 §4.2.1 PSFIS");
_Static_assert(offsetof(struct ahci_rx_fis, rfis) == 0x40, "AHCI 1.3.1 §4.2.1 RFIS");
_Static_assert(offsetof(struct ahci_rx_fis, sdbfis) == 0x58, "AHCI 1.3.1 §4.2.1 SDBFIS");
_Static_assert(offsetof(struct ahci_rx_fis, ufis) == 0x60, "AHCI 1.3.1 §4.2.1 UFIS");

/* Register host-to-device FIS (Serial ATA 3.0 §10.3.4): byte 0 the type,
 * byte 2 the ATA command (ATA8-ACS §7). */
#define SATA_FIS_H2D		   0x27u
#define SATA_FIS_D2H		   0x34u
#define SATA_FIS_CMD		   2u
#define ATA_CMD_READ_DMA_EXT	   0x25u /* ATA8-ACS §7.22: LBA48, 16-bit count */
#define ATA_CMD_WRITE_DMA_EXT	   0x35u /* ATA8-ACS §7.59 */
#define ATA_CMD_PACKET		   0xA0u /* ATA8-ACS §7.18: an ATAPI command */
#define ATA_CMD_READ_FPDMA_QUEUED  0x60u /* ATA8-ACS §7.23 */
#define ATA_CMD_WRITE_FPDMA_QUEUED 0x61u /* ATA8-ACS §7.61 */

/* The register H2D FIS's fields (Serial ATA 3.0 §10.3.4): LBA 7:0, 15:8,
 * 23:16 at bytes 4-6, 31:24, 39:32, 47:40 at bytes 8-10, count at 12-13 */
#define SATA_FIS_LBA_LO 4u
#define SATA_FIS_LBA_HI 8u
#define SATA_FIS_COUNT	12u
/* SCSI READ(10) and READ(12) (SBC-3 §5.11, §5.13; MMC-6 for CDs): the LBA
 * at bytes 2-5, the transfer length in blocks at 7-8 resp. 6-9, big endian */
#define SCSI_READ_10	0x28u
#define SCSI_READ_12	0xA8u

#endif
