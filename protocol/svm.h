/* SPDX-License-Identifier: MIT */
/*
 * SVM exit codes (= #VC error codes), EVENTINJ / EXITINTINFO format and the
 * IOIO / NPF exit-information layouts.
 *
 * Facts: shared/SPEC-FACTS.md (the project notes) §5.2 (automatic exits), §5.5 (EVENTINJ),
 * §6.1 (codes), §6.2 (IOIO), §6.3 (NPF).  Source tags as defined there.
 * Codes marked [APM-C] are the standard SVM intercept codes of APM vol. 2
 * Appendix C that SPEC-FACTS does not list; they are the values of Linux's
 * uapi svm.h (from memory, so U until someone checks the APM table).
 */
#ifndef PROTOCOL_SVM_H
#define PROTOCOL_SVM_H

#include <stdint.h>

/* ------------------------------------------------------------------------
 * Exit codes.  The same value is the #VC error code for a #VC and
 * GUEST_EXITCODE (VMSA 0x3C0) for a reflected #VC (SPEC-FACTS §5.2).
 * ------------------------------------------------------------------------ */
#define SVM_EXIT_CR0_READ       0x000ULL /* CRn read = 0x00 + n [APM-C] U */
#define SVM_EXIT_CR0_WRITE      0x010ULL /* CRn write = 0x10 + n [APM-C] U */
#define SVM_EXIT_CR_READ(n)     (0x000ULL + (n))
#define SVM_EXIT_CR_WRITE(n)    (0x010ULL + (n))
#define SVM_EXIT_DR_READ(n)     (0x020ULL + (n))
#define SVM_EXIT_DR_WRITE(n)    (0x030ULL + (n))
#define SVM_EXIT_DR7_READ       0x027ULL /* §6.1 C2 */
#define SVM_EXIT_DR7_WRITE      0x037ULL /* §6.1 C2 */
#define SVM_EXIT_EXCP_BASE      0x040ULL /* exception n = 0x40 + n, §6.1 C2 */
#define SVM_EXIT_EXCP(vec)      (SVM_EXIT_EXCP_BASE + (vec))
#define SVM_EXIT_EXCP_DB        0x041ULL /* §6.1 [L-vchd] C2 */
#define SVM_EXIT_EXCP_UD        0x046ULL /* DESIGN: #UD intercept under TCG */
#define SVM_EXIT_EXCP_AC        0x051ULL /* §6.1 C2 */
#define SVM_EXIT_EXCP_MC        0x052ULL /* §5.2 automatic exit, S */
#define SVM_EXIT_EXCP_LAST      0x05FULL
#define SVM_EXIT_INTR           0x060ULL /* §5.2 S (also [CO, OV] C2) */
#define SVM_EXIT_NMI            0x061ULL
#define SVM_EXIT_SMI            0x062ULL
#define SVM_EXIT_INIT           0x063ULL
#define SVM_EXIT_VINTR          0x064ULL
#define SVM_EXIT_CR0_SEL_WRITE  0x065ULL /* [APM-C] U */
#define SVM_EXIT_RDTSC          0x06EULL /* §6.1 C2 */
#define SVM_EXIT_RDPMC          0x06FULL /* §6.1 C2 */
#define SVM_EXIT_PUSHF          0x070ULL /* [APM-C] U */
#define SVM_EXIT_POPF           0x071ULL /* [APM-C] U */
#define SVM_EXIT_CPUID          0x072ULL /* §6.1 C2 */
#define SVM_EXIT_RSM            0x073ULL /* [APM-C] U */
#define SVM_EXIT_IRET           0x074ULL /* [APM-C] U */
#define SVM_EXIT_SWINT          0x075ULL /* [APM-C] U */
#define SVM_EXIT_INVD           0x076ULL /* §6.1 C2 */
#define SVM_EXIT_PAUSE          0x077ULL /* §5.2 S */
#define SVM_EXIT_HLT            0x078ULL /* §5.2 S; DESIGN (TCG probe) */
#define SVM_EXIT_INVLPG         0x079ULL /* [APM-C] U */
#define SVM_EXIT_INVLPGA        0x07AULL /* [APM-C] U */
#define SVM_EXIT_IOIO           0x07BULL /* §6.1 C2 */
#define SVM_EXIT_MSR            0x07CULL /* §6.1 C2 */
#define SVM_EXIT_TASK_SWITCH    0x07DULL /* [APM-C] U */
#define SVM_EXIT_FERR_FREEZE    0x07EULL /* [APM-C] U */
#define SVM_EXIT_SHUTDOWN       0x07FULL /* §5.2 S */
#define SVM_EXIT_VMRUN          0x080ULL /* [APM-C] U */
#define SVM_EXIT_VMMCALL        0x081ULL /* §6.1 C2 */
#define SVM_EXIT_VMLOAD         0x082ULL /* [APM-C] U */
#define SVM_EXIT_VMSAVE         0x083ULL /* [APM-C] U */
#define SVM_EXIT_STGI           0x084ULL /* [APM-C] U */
#define SVM_EXIT_CLGI           0x085ULL /* [APM-C] U */
#define SVM_EXIT_SKINIT         0x086ULL /* [APM-C] U */
#define SVM_EXIT_RDTSCP         0x087ULL /* §6.1 C2 */
#define SVM_EXIT_ICEBP          0x088ULL /* [APM-C] U */
#define SVM_EXIT_WBINVD         0x089ULL /* §6.1 C2 */
#define SVM_EXIT_MONITOR        0x08AULL /* §6.1 C2 */
#define SVM_EXIT_MWAIT          0x08BULL /* §6.1 C2 */
#define SVM_EXIT_MWAIT_COND     0x08CULL /* §6.1 [CL-uapi] C */
#define SVM_EXIT_XSETBV         0x08DULL /* §6.1 C2 */
#define SVM_EXIT_RDPRU          0x08EULL /* §6.1 [CL-uapi] C */
#define SVM_EXIT_EFER_WRITE_TRAP 0x08FULL /* §5.2 S */
#define SVM_EXIT_CR_WRITE_TRAP(n) (0x090ULL + (n)) /* 0x90..0x9F, §5.2 S */
#define SVM_EXIT_INVPCID        0x0A2ULL /* §6.1 [CL-uapi] C */
#define SVM_EXIT_BUSLOCK        0x0A5ULL /* §5.2 S */
#define SVM_EXIT_IDLE_HLT       0x0A6ULL /* §5.2 S */
#define SVM_EXIT_NPF            0x400ULL /* §6.1 C2 */
#define SVM_EXIT_AVIC_INCOMPLETE_IPI 0x401ULL /* [APM-C] U */
#define SVM_EXIT_AVIC_UNACCELERATED  0x402ULL /* [APM-C] U */
#define SVM_EXIT_VMGEXIT        0x403ULL /* §6.1 C2 */
#define SVM_EXIT_PAGE_NOT_VALIDATED 0x404ULL /* §6.1 [OV]; EXITINFO content U */
#define SVM_EXIT_NOT_RESTARTABLE 0x406ULL /* §6.1 [OV, APM-tr] */
#define SVM_EXIT_INVALID        ((uint64_t)-1) /* §5.2 S, [CO, OV] C2 */
#define SVM_EXIT_BUSY           ((uint64_t)-2)
#define SVM_EXIT_IDLE_REQUIRED  ((uint64_t)-3)
#define SVM_EXIT_INVALID_PMC    ((uint64_t)-4)

/* ------------------------------------------------------------------------
 * EVENTINJ / EXITINTINFO (64-bit) (SPEC-FACTS §5.5) [CL-svm, ED, CO, OV] C2
 * ------------------------------------------------------------------------ */
#define SVM_EVT_VECTOR_MASK     0xFFULL
#define SVM_EVT_TYPE_SHIFT      8
#define SVM_EVT_TYPE_MASK       (7ULL << SVM_EVT_TYPE_SHIFT)
#define SVM_EVT_TYPE_INTR       0 /* external interrupt */
#define SVM_EVT_TYPE_NMI        2
#define SVM_EVT_TYPE_EXCEPTION  3
#define SVM_EVT_TYPE_SOFT_INTR  4 /* forbidden under SEV-ES [APM-tr] S */
#define SVM_EVT_EV              (1ULL << 11) /* error code valid */
#define SVM_EVT_VALID           (1ULL << 31)
#define SVM_EVT_RSVD_MASK       0x7FFFF000ULL /* [30:12] */
#define SVM_EVT_ERRCODE_SHIFT   32

/** Build an EVENTINJ value. */
#define SVM_EVT_MAKE(vec, type, has_err, err)                               \
	(((uint64_t)(vec) & SVM_EVT_VECTOR_MASK) |                          \
	 (((uint64_t)(type) << SVM_EVT_TYPE_SHIFT) & SVM_EVT_TYPE_MASK) |   \
	 ((has_err) ? SVM_EVT_EV : 0) | SVM_EVT_VALID |                     \
	 ((uint64_t)(uint32_t)(err) << SVM_EVT_ERRCODE_SHIFT))
#define SVM_EVT_VECTOR(e)       ((unsigned)((e) & SVM_EVT_VECTOR_MASK))
#define SVM_EVT_TYPE(e)         ((unsigned)(((e) & SVM_EVT_TYPE_MASK) >> SVM_EVT_TYPE_SHIFT))
#define SVM_EVT_ERRCODE(e)      ((uint32_t)((e) >> SVM_EVT_ERRCODE_SHIFT))
#define SVM_EVT_IS_VALID(e)     (((e) & SVM_EVT_VALID) != 0)
#define SVM_EVT_HAS_ERR(e)      (((e) & SVM_EVT_EV) != 0)

/* ------------------------------------------------------------------------
 * IOIO EXITINFO1 (APM 15.10.2; SPEC-FACTS §6.2) [L-vcsh, ED, OV, CL-svm] C2
 * ------------------------------------------------------------------------ */
#define SVM_IOIO_TYPE_IN        (1ULL << 0) /* 1 = IN, 0 = OUT */
#define SVM_IOIO_STR            (1ULL << 2)
#define SVM_IOIO_REP            (1ULL << 3)
#define SVM_IOIO_SZ8            (1ULL << 4)
#define SVM_IOIO_SZ16           (1ULL << 5)
#define SVM_IOIO_SZ32           (1ULL << 6)
#define SVM_IOIO_SZ_SHIFT       4
#define SVM_IOIO_SZ_MASK        (7ULL << SVM_IOIO_SZ_SHIFT)
#define SVM_IOIO_A16            (1ULL << 7)
#define SVM_IOIO_A32            (1ULL << 8)
#define SVM_IOIO_A64            (1ULL << 9)
#define SVM_IOIO_ASZ_SHIFT      7
#define SVM_IOIO_ASZ_MASK       (7ULL << SVM_IOIO_ASZ_SHIFT)
#define SVM_IOIO_SEG_SHIFT      10
#define SVM_IOIO_SEG_MASK       (7ULL << SVM_IOIO_SEG_SHIFT)
#define SVM_IOIO_SEG_ES         0 /* APM order: ES, CS, SS, DS, FS, GS */
#define SVM_IOIO_SEG_CS         1
#define SVM_IOIO_SEG_SS         2
#define SVM_IOIO_SEG_DS         3
#define SVM_IOIO_SEG_FS         4
#define SVM_IOIO_SEG_GS         5
#define SVM_IOIO_PORT_SHIFT     16
#define SVM_IOIO_PORT_MASK      (0xFFFFULL << SVM_IOIO_PORT_SHIFT)
#define SVM_IOIO_RSVD_MASK      ((1ULL << 1) | (7ULL << 13) | (~0ULL << 32))

/** Data size in bytes (1, 2 or 4; other values = malformed). */
#define SVM_IOIO_DATA_SIZE(info) ((unsigned)(((info) & SVM_IOIO_SZ_MASK) >> SVM_IOIO_SZ_SHIFT))
#define SVM_IOIO_PORT(info)     ((uint16_t)((info) >> SVM_IOIO_PORT_SHIFT))
#define SVM_IOIO_SEG(info)      ((unsigned)(((info) & SVM_IOIO_SEG_MASK) >> SVM_IOIO_SEG_SHIFT))

/* ------------------------------------------------------------------------
 * NPF EXITINFO1 (SPEC-FACTS §6.3) [OV; APM-tr for 34-37] C2
 * ------------------------------------------------------------------------ */
#define SVM_NPF_P               (1ULL << 0)
#define SVM_NPF_RW              (1ULL << 1)
#define SVM_NPF_US              (1ULL << 2)
#define SVM_NPF_RSV             (1ULL << 3)  /* MMIO marker: NAE / #VC */
#define SVM_NPF_ID              (1ULL << 4)
#define SVM_NPF_SS              (1ULL << 6)
#define SVM_NPF_RMP             (1ULL << 31)
#define SVM_NPF_FINAL_GPA       (1ULL << 32)
#define SVM_NPF_PT_WALK         (1ULL << 33)
#define SVM_NPF_ENC             (1ULL << 34)
#define SVM_NPF_SIZEM           (1ULL << 35)
#define SVM_NPF_VMPL            (1ULL << 36)
#define SVM_NPF_SSS             (1ULL << 37)
#define SVM_NPF_NOT_RESTARTABLE (1ULL << 63)

#endif /* PROTOCOL_SVM_H */
