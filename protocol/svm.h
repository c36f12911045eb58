/* SPDX-License-Identifier: MIT */
/*
 * SVM exit codes (= #VC error codes), EVENTINJ / EXITINTINFO format and the
 * IOIO / NPF exit-information layouts.
 *
 * Sources: APM vol. 2, Appendix C (SVM intercept exit codes), 15.20 "Event
 * Injection", 15.10.2 (IOIO), 15.25 and 15.36.10 (NPF); the same values are in
 * Linux's arch/x86/include/uapi/asm/svm.h and asm/svm.h.  "AE" marks the
 * automatic exits of an SEV-ES/SNP guest (APM vol. 2, 15.35.4 "Types of
 * Exits", table "AE Exitcodes"): they go to the hypervisor and are never a #VC.
 */
#ifndef PROTOCOL_SVM_H
#define PROTOCOL_SVM_H

#include <stdint.h>

/* ------------------------------------------------------------------------
 * Exit codes.  The same value is the #VC error code for a #VC and
 * GUEST_EXITCODE (VMSA 0x3C0) for a reflected #VC (APM vol. 2, 15.36.9).
 * ------------------------------------------------------------------------ */
#define SVM_EXIT_CR0_READ	     0x000ULL /* CRn read = 0x00 + n */
#define SVM_EXIT_CR0_WRITE	     0x010ULL /* CRn write = 0x10 + n */
#define SVM_EXIT_CR_READ(n)	     (0x000ULL + (n))
#define SVM_EXIT_CR_WRITE(n)	     (0x010ULL + (n))
#define SVM_EXIT_DR_READ(n)	     (0x020ULL + (n))
#define SVM_EXIT_DR_WRITE(n)	     (0x030ULL + (n))
#define SVM_EXIT_DR7_READ	     0x027ULL
#define SVM_EXIT_DR7_WRITE	     0x037ULL
#define SVM_EXIT_EXCP_BASE	     0x040ULL /* exception n = 0x40 + n */
#define SVM_EXIT_EXCP(vec)	     (SVM_EXIT_EXCP_BASE + (vec))
#define SVM_EXIT_EXCP_DB	     0x041ULL
#define SVM_EXIT_EXCP_UD	     0x046ULL /* snpemu: PVALIDATE/RMPADJUST under TCG */
#define SVM_EXIT_EXCP_AC	     0x051ULL
#define SVM_EXIT_EXCP_MC	     0x052ULL /* AE */
#define SVM_EXIT_EXCP_LAST	     0x05FULL
#define SVM_EXIT_INTR		     0x060ULL /* AE, as NMI .. VINTR */
#define SVM_EXIT_NMI		     0x061ULL
#define SVM_EXIT_SMI		     0x062ULL
#define SVM_EXIT_INIT		     0x063ULL
#define SVM_EXIT_VINTR		     0x064ULL
#define SVM_EXIT_CR0_SEL_WRITE	     0x065ULL
#define SVM_EXIT_RDTSC		     0x06EULL
#define SVM_EXIT_RDPMC		     0x06FULL
#define SVM_EXIT_PUSHF		     0x070ULL
#define SVM_EXIT_POPF		     0x071ULL
#define SVM_EXIT_CPUID		     0x072ULL
#define SVM_EXIT_RSM		     0x073ULL
#define SVM_EXIT_IRET		     0x074ULL
#define SVM_EXIT_SWINT		     0x075ULL
#define SVM_EXIT_INVD		     0x076ULL
#define SVM_EXIT_PAUSE		     0x077ULL /* AE */
#define SVM_EXIT_HLT		     0x078ULL /* AE */
#define SVM_EXIT_INVLPG		     0x079ULL
#define SVM_EXIT_INVLPGA	     0x07AULL
#define SVM_EXIT_IOIO		     0x07BULL
#define SVM_EXIT_MSR		     0x07CULL
#define SVM_EXIT_TASK_SWITCH	     0x07DULL
#define SVM_EXIT_FERR_FREEZE	     0x07EULL
#define SVM_EXIT_SHUTDOWN	     0x07FULL /* AE */
#define SVM_EXIT_VMRUN		     0x080ULL
#define SVM_EXIT_VMMCALL	     0x081ULL
#define SVM_EXIT_VMLOAD		     0x082ULL
#define SVM_EXIT_VMSAVE		     0x083ULL
#define SVM_EXIT_STGI		     0x084ULL
#define SVM_EXIT_CLGI		     0x085ULL
#define SVM_EXIT_SKINIT		     0x086ULL
#define SVM_EXIT_RDTSCP		     0x087ULL
#define SVM_EXIT_ICEBP		     0x088ULL
#define SVM_EXIT_WBINVD		     0x089ULL
#define SVM_EXIT_MONITOR	     0x08AULL
#define SVM_EXIT_MWAIT		     0x08BULL
#define SVM_EXIT_MWAIT_COND	     0x08CULL
#define SVM_EXIT_XSETBV		     0x08DULL
#define SVM_EXIT_RDPRU		     0x08EULL
#define SVM_EXIT_EFER_WRITE_TRAP     0x08FULL	      /* AE */
#define SVM_EXIT_CR_WRITE_TRAP(n)    (0x090ULL + (n)) /* 0x90..0x9F, AE */
#define SVM_EXIT_INVPCID	     0x0A2ULL
#define SVM_EXIT_BUSLOCK	     0x0A5ULL /* AE */
#define SVM_EXIT_IDLE_HLT	     0x0A6ULL /* AE */
#define SVM_EXIT_NPF		     0x400ULL /* AE unless RSV (bit 3) is set */
#define SVM_EXIT_AVIC_INCOMPLETE_IPI 0x401ULL
#define SVM_EXIT_AVIC_UNACCELERATED  0x402ULL
#define SVM_EXIT_VMGEXIT	     0x403ULL	    /* AE */
#define SVM_EXIT_PAGE_NOT_VALIDATED  0x404ULL	    /* APM vol. 2, 15.36.10 */
#define SVM_EXIT_NOT_RESTARTABLE     0x406ULL	    /* Secure AVIC (APM vol. 2) */
#define SVM_EXIT_INVALID	     ((uint64_t)-1) /* AE, as BUSY .. INVALID_PMC */
#define SVM_EXIT_BUSY		     ((uint64_t)-2)
#define SVM_EXIT_IDLE_REQUIRED	     ((uint64_t)-3)
#define SVM_EXIT_INVALID_PMC	     ((uint64_t)-4)

/* ------------------------------------------------------------------------
 * EVENTINJ / EXITINTINFO (64-bit) (APM vol. 2, 15.20; Linux SVM_EVTINJ_*)
 * ------------------------------------------------------------------------ */
#define SVM_EVT_VECTOR_MASK    0xFFULL
#define SVM_EVT_TYPE_SHIFT     8
#define SVM_EVT_TYPE_MASK      (7ULL << SVM_EVT_TYPE_SHIFT)
#define SVM_EVT_TYPE_INTR      0 /* external interrupt */
#define SVM_EVT_TYPE_NMI       2
#define SVM_EVT_TYPE_EXCEPTION 3
#define SVM_EVT_TYPE_SOFT_INTR 4 /* VMRUN refuses it under SEV-ES (APM vol. 2, 15.35.8) */
#define SVM_EVT_EV	       (1ULL << 11) /* error code valid */
#define SVM_EVT_VALID	       (1ULL << 31)
#define SVM_EVT_RSVD_MASK      0x7FFFF000ULL /* [30:12] */
#define SVM_EVT_ERRCODE_SHIFT  32

/** Build an EVENTINJ value. */
#define SVM_EVT_MAKE(vec, type, has_err, err)                             \
	(((uint64_t)(vec)&SVM_EVT_VECTOR_MASK) |                          \
	 (((uint64_t)(type) << SVM_EVT_TYPE_SHIFT) & SVM_EVT_TYPE_MASK) | \
	 ((has_err) ? SVM_EVT_EV : 0) | SVM_EVT_VALID |                   \
	 ((uint64_t)(uint32_t)(err) << SVM_EVT_ERRCODE_SHIFT))
#define SVM_EVT_VECTOR(e)   ((unsigned)((e)&SVM_EVT_VECTOR_MASK))
#define SVM_EVT_TYPE(e)	    ((unsigned)(((e)&SVM_EVT_TYPE_MASK) >> SVM_EVT_TYPE_SHIFT))
#define SVM_EVT_ERRCODE(e)  ((uint32_t)((e) >> SVM_EVT_ERRCODE_SHIFT))
#define SVM_EVT_IS_VALID(e) (((e)&SVM_EVT_VALID) != 0)
#define SVM_EVT_HAS_ERR(e)  (((e)&SVM_EVT_EV) != 0)

/* ------------------------------------------------------------------------
 * IOIO EXITINFO1 (APM vol. 2, 15.10.2; Linux IOIO_* in arch/x86/coco/sev/)
 * ------------------------------------------------------------------------ */
#define SVM_IOIO_TYPE_IN    (1ULL << 0) /* 1 = IN, 0 = OUT */
#define SVM_IOIO_STR	    (1ULL << 2)
#define SVM_IOIO_REP	    (1ULL << 3)
#define SVM_IOIO_SZ8	    (1ULL << 4)
#define SVM_IOIO_SZ16	    (1ULL << 5)
#define SVM_IOIO_SZ32	    (1ULL << 6)
#define SVM_IOIO_SZ_SHIFT   4
#define SVM_IOIO_SZ_MASK    (7ULL << SVM_IOIO_SZ_SHIFT)
#define SVM_IOIO_A16	    (1ULL << 7)
#define SVM_IOIO_A32	    (1ULL << 8)
#define SVM_IOIO_A64	    (1ULL << 9)
#define SVM_IOIO_ASZ_SHIFT  7
#define SVM_IOIO_ASZ_MASK   (7ULL << SVM_IOIO_ASZ_SHIFT)
#define SVM_IOIO_SEG_SHIFT  10
#define SVM_IOIO_SEG_MASK   (7ULL << SVM_IOIO_SEG_SHIFT)
#define SVM_IOIO_SEG_ES	    0 /* APM order: ES, CS, SS, DS, FS, GS */
#define SVM_IOIO_SEG_CS	    1
#define SVM_IOIO_SEG_SS	    2
#define SVM_IOIO_SEG_DS	    3
#define SVM_IOIO_SEG_FS	    4
#define SVM_IOIO_SEG_GS	    5
#define SVM_IOIO_PORT_SHIFT 16
#define SVM_IOIO_PORT_MASK  (0xFFFFULL << SVM_IOIO_PORT_SHIFT)
#define SVM_IOIO_RSVD_MASK  ((1ULL << 1) | (7ULL << 13) | (~0ULL << 32))

/** Data size in bytes (1, 2 or 4; other values = malformed). */
#define SVM_IOIO_DATA_SIZE(info) ((unsigned)(((info)&SVM_IOIO_SZ_MASK) >> SVM_IOIO_SZ_SHIFT))
#define SVM_IOIO_PORT(info)	 ((uint16_t)((info) >> SVM_IOIO_PORT_SHIFT))
#define SVM_IOIO_SEG(info)	 ((unsigned)(((info)&SVM_IOIO_SEG_MASK) >> SVM_IOIO_SEG_SHIFT))

/* ------------------------------------------------------------------------
 * NPF EXITINFO1 (APM vol. 2, 15.25 nested paging; 15.36.10 for 31 and 34-37)
 * ------------------------------------------------------------------------ */
#define SVM_NPF_P		(1ULL << 0)
#define SVM_NPF_RW		(1ULL << 1)
#define SVM_NPF_US		(1ULL << 2)
#define SVM_NPF_RSV		(1ULL << 3) /* MMIO marker: NAE / #VC */
#define SVM_NPF_ID		(1ULL << 4)
#define SVM_NPF_SS		(1ULL << 6)
#define SVM_NPF_RMP		(1ULL << 31)
#define SVM_NPF_FINAL_GPA	(1ULL << 32)
#define SVM_NPF_PT_WALK		(1ULL << 33)
#define SVM_NPF_ENC		(1ULL << 34)
#define SVM_NPF_SIZEM		(1ULL << 35)
#define SVM_NPF_VMPL		(1ULL << 36)
#define SVM_NPF_SSS		(1ULL << 37)
#define SVM_NPF_NOT_RESTARTABLE (1ULL << 63)

#endif /* PROTOCOL_SVM_H */
