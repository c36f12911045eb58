/* SPDX-License-Identifier: MIT */
/*
 * NVM Express: the controller registers, submission and completion queue
 * entries, status codes and the parts of the Identify data the paravisor's
 * NVMe proxy (devices/nvme_proxy.c) reads or rewrites.  Sections are those of
 * the NVM Express Base Specification 1.4 unless named otherwise.
 */
#ifndef PROTOCOL_NVME_H
#define PROTOCOL_NVME_H

#include <stddef.h>
#include <stdint.h>

/* PCI class code of an NVMe I/O controller: mass storage (01h), NVM
 * subsystem (08h), programming interface NVMe (02h) (§2.1.5 CC). */
#define NVME_PCI_CLASS 0x010802u

/* --- controller registers (§3.1, Figure 78) ------------------------------ */
#define NVME_REG_CAP	0x00u /* 64 bits */
#define NVME_REG_VS	0x08u
#define NVME_REG_INTMS	0x0Cu
#define NVME_REG_INTMC	0x10u
#define NVME_REG_CC	0x14u
#define NVME_REG_CSTS	0x1Cu
#define NVME_REG_NSSR	0x20u
#define NVME_REG_AQA	0x24u
#define NVME_REG_ASQ	0x28u /* 64 bits */
#define NVME_REG_ACQ	0x30u /* 64 bits */
#define NVME_REG_CMBLOC 0x38u
#define NVME_REG_CMBSZ	0x3Cu
#define NVME_REG_DBS	0x1000u /* doorbells (§3.1.24, §3.1.25) */

/* CAP (§3.1.1) */
#define NVME_CAP_MQES_MASK   0xFFFFull /* 0's based */
#define NVME_CAP_CQR	     (1ull << 16)
#define NVME_CAP_DSTRD(cap)  ((unsigned int)((cap) >> 32) & 0xF)
#define NVME_CAP_NSSRS	     (1ull << 36)
#define NVME_CAP_BPS	     (1ull << 45)
#define NVME_CAP_MPSMIN(cap) ((unsigned int)((cap) >> 48) & 0xF)
#define NVME_CAP_PMRS	     (1ull << 56)
#define NVME_CAP_CMBS	     (1ull << 57)

/* CC (§3.1.5) */
#define NVME_CC_EN	   1u
#define NVME_CC_MPS(cc)	   (((cc) >> 7) & 0xFu)
#define NVME_CC_IOSQES(cc) (((cc) >> 16) & 0xFu)
#define NVME_CC_IOCQES(cc) (((cc) >> 20) & 0xFu)
/* CSTS (§3.1.6) */
#define NVME_CSTS_RDY	   1u
#define NVME_CSTS_CFS	   2u
/* AQA (§3.1.8): 0's based sizes */
#define NVME_AQA_ASQS(a)   ((a)&0xFFFu)
#define NVME_AQA_ACQS(a)   (((a) >> 16) & 0xFFFu)

/** Doorbell of queue @qid (§3.1.24: SQ y tail at 1000h + 2y * (4 << DSTRD),
 * §3.1.25: CQ y head at 1000h + (2y + 1) * (4 << DSTRD)). */
#define NVME_SQ_DB(qid, dstrd) (NVME_REG_DBS + (2u * (qid)) * (4u << (dstrd)))
#define NVME_CQ_DB(qid, dstrd) (NVME_REG_DBS + (2u * (qid) + 1u) * (4u << (dstrd)))

/* The memory page size the proxy uses: CC.MPS = 0, 4 KiB (§3.1.5). */
#define NVME_PAGE 4096u

/* --- submission queue entry (§4.2, Figure 104) --------------------------- */
struct nvme_sqe {
	uint8_t opc;
	uint8_t flags; /* FUSE bits 1:0, PSDT bits 7:6 */
	uint16_t cid;
	uint32_t nsid;
	uint32_t cdw2, cdw3;
	uint64_t mptr;
	uint64_t prp1, prp2; /* DPTR with PSDT = 00b (§4.3) */
	uint32_t cdw10, cdw11, cdw12, cdw13, cdw14, cdw15;
};
_Static_assert(sizeof(struct nvme_sqe) == 64, "§4.2: a submission queue entry is 64 bytes");
_Static_assert(offsetof(struct nvme_sqe, cid) == 2, "§4.2: CDW0 bits 31:16 CID");
_Static_assert(offsetof(struct nvme_sqe, mptr) == 16, "§4.2: MPTR at bytes 23:16");
_Static_assert(offsetof(struct nvme_sqe, prp1) == 24, "§4.2: DPTR at bytes 39:24");
_Static_assert(offsetof(struct nvme_sqe, cdw10) == 40, "§4.2: CDW10 at bytes 43:40");

#define NVME_SQE_FUSE_MASK 0x03u
#define NVME_SQE_PSDT_MASK 0xC0u /* 00b: PRPs; else SGLs (§4.2) */
#define NVME_SQES_LOG	   6u	 /* 64 bytes: CC.IOSQES */
#define NVME_CQES_LOG	   4u	 /* 16 bytes: CC.IOCQES */

/* --- completion queue entry (§4.6, Figure 123) --------------------------- */
struct nvme_cqe {
	uint32_t dw0, dw1;
	uint16_t sqhd, sqid;
	uint16_t cid;
	uint16_t status; /* bit 0 phase tag, bits 15:1 status field */
};
_Static_assert(sizeof(struct nvme_cqe) == 16, "§4.6: a completion queue entry is 16 bytes");
_Static_assert(offsetof(struct nvme_cqe, sqhd) == 8, "§4.6: DW2 SQ head pointer, SQ identifier");
_Static_assert(offsetof(struct nvme_cqe, cid) == 12, "§4.6: DW3 bits 15:0 CID");
_Static_assert(offsetof(struct nvme_cqe, status) == 14, "§4.6: DW3 bits 31:17 status, bit 16 P");

#define NVME_CQE_PHASE	     1u
/** Status field (without the phase tag) of a status code type and code
 * (§4.6.1: SC bits 8:1, SCT bits 11:9 of the 16-bit word; DNR bit 15). */
#define NVME_STATUS(sct, sc) ((uint16_t)(((sct) << 9) | ((sc) << 1)))
#define NVME_STATUS_DNR	     0x8000u
#define NVME_STATUS_MASK     0xFFFEu

/* Generic command status (§4.6.1.2.1, Figure 127) */
#define NVME_SC_SUCCESS	       0x00u
#define NVME_SC_INVALID_OPCODE 0x01u
#define NVME_SC_INVALID_FIELD  0x02u
#define NVME_SC_CID_CONFLICT   0x03u
#define NVME_SC_DATA_XFER      0x04u
#define NVME_SC_INTERNAL       0x06u
#define NVME_SC_INVALID_NS     0x0Bu
#define NVME_SC_PRP_OFFSET     0x13u
/* Command specific status, SCT 1 (§4.6.1.2.2, Figure 128) */
#define NVME_SCT_CMD_SPECIFIC  1u
#define NVME_SC_CQ_INVALID     0x00u
#define NVME_SC_INVALID_QID    0x01u
#define NVME_SC_INVALID_QSIZE  0x02u
#define NVME_SC_INVALID_IV     0x08u
#define NVME_SC_INVALID_QDEL   0x0Cu

/* --- admin commands (§5, Figure 139) ------------------------------------- */
#define NVME_ADM_DELETE_SQ    0x00u
#define NVME_ADM_CREATE_SQ    0x01u
#define NVME_ADM_GET_LOG_PAGE 0x02u
#define NVME_ADM_DELETE_CQ    0x04u
#define NVME_ADM_CREATE_CQ    0x05u
#define NVME_ADM_IDENTIFY     0x06u
#define NVME_ADM_ABORT	      0x08u
#define NVME_ADM_SET_FEATURES 0x09u
#define NVME_ADM_GET_FEATURES 0x0Au
#define NVME_ADM_ASYNC_EVENT  0x0Cu
#define NVME_ADM_KEEP_ALIVE   0x18u
#define NVME_ADM_DBBUF_CONFIG 0x7Cu /* Doorbell Buffer Config (§5.8): host addresses */
#define NVME_ADM_FORMAT_NVM   0x80u

/* Create I/O CQ/SQ CDW10 (§5.3, §5.4): QID 15:0, QSIZE 31:16 (0's based);
 * CDW11: PC bit 0; CQ: IEN bit 1, IV 31:16; SQ: CQID 31:16. */
#define NVME_QUEUE_PC  1u
#define NVME_QUEUE_IEN 2u

/* Identify CNS (§5.15.1) */
#define NVME_CNS_NS	    0x00u
#define NVME_CNS_CTRL	    0x01u
#define NVME_IDENTIFY_BYTES 4096u

/* Identify Controller data (§5.15.2.2, Figure 247): byte offsets */
#define NVME_ID_CTRL_MDTS   77u
#define NVME_ID_CTRL_OACS   256u /* 16 bits */
#define NVME_ID_CTRL_HMPRE  272u /* 32 bits */
#define NVME_ID_CTRL_HMMIN  276u /* 32 bits */
#define NVME_ID_CTRL_SGLS   536u /* 32 bits */
/* Identify Namespace data (§5.15.2.1, Figure 245): byte offsets */
#define NVME_ID_NS_NLBAF    25u
#define NVME_ID_NS_FLBAS    26u	 /* bits 3:0 the format, bit 4 extended metadata */
#define NVME_ID_NS_LBAF	    128u /* 4 bytes each: MS 15:0, LBADS 23:16 */
#define NVME_FLBAS_EXTENDED 0x10u

/* Features (§5.21.1, Figure 271) */
#define NVME_FEAT_LBA_RANGE	0x03u /* 4096 bytes of data */
#define NVME_FEAT_NUM_QUEUES	0x07u /* DW0: NSQA 15:0, NCQA 31:16, 0's based */
#define NVME_FEAT_APST		0x0Cu /* 256 bytes */
#define NVME_FEAT_HMB		0x0Du /* Host Memory Buffer: host addresses */
#define NVME_FEAT_TIMESTAMP	0x0Eu /* 8 bytes */
#define NVME_FEAT_HOST_BEHAVIOR 0x16u /* 512 bytes */
/* Features that carry no data, by bit: Arbitration (01h), Power Management,
 * Temperature Threshold, Error Recovery, Volatile Write Cache, Number of
 * Queues, Interrupt Coalescing, Interrupt Vector Configuration, Write
 * Atomicity Normal, Asynchronous Event Configuration (0Bh), Keep Alive Timer
 * (0Fh), Host Controlled Thermal Management, Non-Operational Power State
 * Config (11h) */
#define NVME_FEAT_NO_DATA	0x38FF6ull

/* --- NVM command set I/O commands (§6, Figure 346) ----------------------- */
#define NVME_CMD_FLUSH	      0x00u
#define NVME_CMD_WRITE	      0x01u
#define NVME_CMD_READ	      0x02u
#define NVME_CMD_WRITE_UNCOR  0x04u
#define NVME_CMD_COMPARE      0x05u
#define NVME_CMD_WRITE_ZEROES 0x08u
#define NVME_CMD_DSM	      0x09u /* CDW10 NR 7:0: (NR + 1) ranges of 16 bytes */
#define NVME_CMD_VERIFY	      0x0Cu
#define NVME_DSM_RANGE_BYTES  16u

#endif
