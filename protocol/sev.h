/* SPDX-License-Identifier: MIT */
/*
 * SEV-SNP MSRs, SEV_STATUS, hypervisor feature bits, CPUID 0x8000001F,
 * PVALIDATE / RMPADJUST interface, vectors and instruction encodings.
 *
 * Facts: shared/SPEC-FACTS.md (the project notes) §1 (hypervisor features), §5.1
 * (SEV_STATUS), §7.1 (instructions), §12 (MSRs, CPUID).
 */
#ifndef PROTOCOL_SEV_H
#define PROTOCOL_SEV_H

#include <stdint.h>

/* ------------------------------------------------------------------------
 * MSRs (SPEC-FACTS §12)
 * ------------------------------------------------------------------------ */
#define MSR_SEV_ES_GHCB         0xC0010130u /* [ED, L] C2 */
#define MSR_SEV_STATUS          0xC0010131u /* [ED, CO] C2, read-only */
#define MSR_RMP_BASE            0xC0010132u /* C2 */
#define MSR_RMP_END             0xC0010133u /* C2 */
#define MSR_GUEST_TSC_FREQ      0xC0010134u /* C2 */
#define MSR_VIRTUAL_TOM         0xC0010135u /* [APM-tr] S */
#define MSR_SEGMENTED_RMP_CFG   0xC0010136u /* C2 */
#define MSR_SECURE_AVIC_CTL     0xC0010138u /* [APM-tr] S */
#define MSR_VMPAGE_FLUSH        0xC001011Eu /* C2 */
#define MSR_SVSM_CAA            0xC001F000u /* synthetic [ED, L-core] C2 */
#define MSR_VIRT_RMPUPDATE      0xC001F001u /* [APM-tr] S */
#define MSR_VIRT_PSMASH         0xC001F002u /* [APM-tr] S */

/* ------------------------------------------------------------------------
 * SEV_STATUS (SPEC-FACTS §5.1): bits 0/1/2 = SEV / SEV-ES / SNP active,
 * then bit n+2 = SEV_FEATURES bit n [CO, L-core, ED] C2.
 * ------------------------------------------------------------------------ */
#define SEV_STATUS_SEV          (1ULL << 0)
#define SEV_STATUS_SEV_ES       (1ULL << 1)
#define SEV_STATUS_SNP          (1ULL << 2)
#define SEV_STATUS_FEAT_SHIFT   2
/** SEV_STATUS bit that reports SEV_FEATURES bit @feat (a SEV_FEAT_* mask). */
#define SEV_STATUS_FROM_FEAT(feat) ((uint64_t)(feat) << SEV_STATUS_FEAT_SHIFT)
#define SEV_STATUS_VTOM         (1ULL << 3)
#define SEV_STATUS_REFLECT_VC   (1ULL << 4)
#define SEV_STATUS_RESTRICTED_INJ (1ULL << 5)
#define SEV_STATUS_ALTERNATE_INJ (1ULL << 6)
#define SEV_STATUS_DEBUG_SWAP   (1ULL << 7)
#define SEV_STATUS_PREVENT_HOST_IBS (1ULL << 8)
#define SEV_STATUS_SNP_BTB_ISOLATION (1ULL << 9)
#define SEV_STATUS_VMPL_SSS     (1ULL << 10)
#define SEV_STATUS_SECURE_TSC   (1ULL << 11)
#define SEV_STATUS_VMGEXIT_PARAM (1ULL << 12)
#define SEV_STATUS_PMC_VIRT     (1ULL << 13)
#define SEV_STATUS_IBS_VIRT     (1ULL << 14)
#define SEV_STATUS_GUEST_INTERCEPT_CTL (1ULL << 15) /* S */
#define SEV_STATUS_VMSA_REG_PROT (1ULL << 16)
#define SEV_STATUS_SMT_PROTECTION (1ULL << 17)
#define SEV_STATUS_SECURE_AVIC  (1ULL << 18)
#define SEV_STATUS_IBPB_ON_ENTRY (1ULL << 23)

/* ------------------------------------------------------------------------
 * Hypervisor feature bitmap (GHCB MSR 0x081 [63:12], NAE 0x8000FFFD)
 * (SPEC-FACTS §1)
 * ------------------------------------------------------------------------ */
#define SEV_HV_FEAT_SNP                 (1ULL << 0) /* C2 */
#define SEV_HV_FEAT_AP_CREATION         (1ULL << 1) /* C2 */
#define SEV_HV_FEAT_RESTRICTED_INJ      (1ULL << 2) /* C2, needs 0 and 1 */
#define SEV_HV_FEAT_RESTRICTED_INJ_TIMER (1ULL << 3) /* C2, needs 2 */
#define SEV_HV_FEAT_APIC_ID_LIST        (1ULL << 4) /* C2 */
#define SEV_HV_FEAT_MULTI_VMPL          (1ULL << 5) /* C2 */
#define SEV_HV_FEAT_SEV_ES_PSC          (1ULL << 6) /* C2 */
#define SEV_HV_FEAT_TRUSTED_IO          (1ULL << 7) /* [XEN] S */
#define SEV_HV_FEAT_GHCB_UNREGISTER     (1ULL << 8) /* [XEN] S */
#define SEV_HV_FEAT_EXT_INTERRUPTS      (1ULL << 9) /* [CO] only, U */

/* ------------------------------------------------------------------------
 * CPUID Fn8000_001F (SPEC-FACTS §12)
 * ------------------------------------------------------------------------ */
#define CPUID_LEAF_SEV                  0x8000001Fu
/* EAX, C2 unless marked */
#define CPUID_SEV_EAX_SME               (1u << 0)
#define CPUID_SEV_EAX_SEV               (1u << 1)
#define CPUID_SEV_EAX_VM_PAGE_FLUSH     (1u << 2)
#define CPUID_SEV_EAX_SEV_ES            (1u << 3)
#define CPUID_SEV_EAX_SNP               (1u << 4)
#define CPUID_SEV_EAX_VMPL              (1u << 5)
#define CPUID_SEV_EAX_VMPL_SSS          (1u << 7)
#define CPUID_SEV_EAX_TSC_AUX_VIRT      (1u << 9)
#define CPUID_SEV_EAX_COHERENCY         (1u << 10)
#define CPUID_SEV_EAX_RESTRICTED_INJ    (1u << 12)
#define CPUID_SEV_EAX_DEBUG_SWAP        (1u << 14)
#define CPUID_SEV_EAX_VTE               (1u << 16) /* [APM-tr] only */
#define CPUID_SEV_EAX_VMGEXIT_PARAM     (1u << 17)
#define CPUID_SEV_EAX_VIRTUAL_TOM       (1u << 18)
#define CPUID_SEV_EAX_RMPREAD           (1u << 21)
#define CPUID_SEV_EAX_GUEST_INTERCEPT_CTL (1u << 22)
#define CPUID_SEV_EAX_SEGMENTED_RMP     (1u << 23)
#define CPUID_SEV_EAX_SECURE_AVIC       (1u << 26)
#define CPUID_SEV_EAX_ALLOWED_SEV_FEAT  (1u << 27)
#define CPUID_SEV_EAX_SVSM_PRESENT      (1u << 28)
#define CPUID_SEV_EAX_NESTED_VIRT_SNP_MSR (1u << 29)
#define CPUID_SEV_EAX_HV_IN_USE_WR_ALLOWED (1u << 30)
#define CPUID_SEV_EAX_IBPB_ON_ENTRY     (1u << 31)
/* Likely, not checked (U): 6 RMPQUERY, 8 SecureTsc, 13 AlternateInjection */
#define CPUID_SEV_EAX_SECURE_TSC_U      (1u << 8)
#define CPUID_SEV_EAX_ALTERNATE_INJ_U   (1u << 13)
/* EBX [Q-sev, APM-tr] C2 */
#define CPUID_SEV_EBX_CBIT(ebx)         ((ebx) & 0x3Fu)
#define CPUID_SEV_EBX_PHYS_REDUCTION(ebx) (((ebx) >> 6) & 0x3Fu)
#define CPUID_SEV_EBX_VMPL_COUNT(ebx)   (((ebx) >> 12) & 0xFu)

/* ------------------------------------------------------------------------
 * Vectors (SPEC-FACTS §12)
 * ------------------------------------------------------------------------ */
#define X86_VECTOR_HV           28 /* [APM-tr] S */
#define X86_VECTOR_VC           29 /* [ED, APM-tr] C2; error code = exit code */

/* ------------------------------------------------------------------------
 * Instruction encodings (SPEC-FACTS §7.1)
 * ------------------------------------------------------------------------ */
#define INSN_VMGEXIT_BYTES      { 0xF3, 0x0F, 0x01, 0xD9 } /* C2 */
#define INSN_VMMCALL_BYTES      { 0x0F, 0x01, 0xD9 }       /* C */
#define INSN_PVALIDATE_BYTES    { 0xF2, 0x0F, 0x01, 0xFF } /* C2 */
#define INSN_RMPADJUST_BYTES    { 0xF3, 0x0F, 0x01, 0xFE } /* C2 */
#define INSN_RMPUPDATE_BYTES    { 0xF2, 0x0F, 0x01, 0xFE } /* host, C */
#define INSN_PSMASH_BYTES       { 0xF3, 0x0F, 0x01, 0xFF } /* host, C2 */
/** For inline asm: ".byte " INSN_VMGEXIT_ASM */
#define INSN_VMGEXIT_ASM        "0xf3,0x0f,0x01,0xd9"
#define INSN_PVALIDATE_ASM      "0xf2,0x0f,0x01,0xff"
#define INSN_RMPADJUST_ASM      "0xf3,0x0f,0x01,0xfe"

/* ------------------------------------------------------------------------
 * PVALIDATE: RAX = VA, ECX = size, EDX = 1 validate / 0 rescind; EAX = rc,
 * CF = 1 if the Validated bit did not change [L-sevh, CO] C2.
 * RMPADJUST: RAX = VA, RCX = size, RDX = attributes; EAX = rc [CO, OV] C2.
 * ------------------------------------------------------------------------ */
#define RMP_PG_SIZE_4K          0
#define RMP_PG_SIZE_2M          1

#define PVALIDATE_RESCIND       0
#define PVALIDATE_VALIDATE      1

#define PVALIDATE_SUCCESS               0
#define PVALIDATE_FAIL_INPUT            1
#define PVALIDATE_FAIL_SIZEMISMATCH     6

#define RMPADJUST_SUCCESS               0
#define RMPADJUST_FAIL_INPUT            1
#define RMPADJUST_FAIL_PERMISSION       2
#define RMPADJUST_FAIL_SIZEMISMATCH     6

/* Host-side instruction codes (snpemu, for completeness) [L-virt] C */
#define RMPUPDATE_FAIL_OVERLAP          4
#define PSMASH_FAIL_INUSE               3

/* RMPADJUST attributes (RDX) [CO, OV, L-sevh] C2 */
#define RMPADJUST_VMPL_MASK     0xFFULL       /* target VMPL, > current VMPL */
#define RMPADJUST_PERM_SHIFT    8
#define RMPADJUST_READ          (1ULL << 8)
#define RMPADJUST_WRITE         (1ULL << 9)
#define RMPADJUST_EXEC_USER     (1ULL << 10)
#define RMPADJUST_EXEC_SUPER    (1ULL << 11)
#define RMPADJUST_SSS           (1ULL << 12)  /* [APM-tr] S */
#define RMPADJUST_VMSA          (1ULL << 16)  /* VMPL0 only, 4K only */
#define RMPADJUST_RSVD_MASK     ((7ULL << 13) | (~0ULL << 17))
#define RMPADJUST_FULL_PERMS    (RMPADJUST_READ | RMPADJUST_WRITE | \
				 RMPADJUST_EXEC_USER | RMPADJUST_EXEC_SUPER)

/* RMP per-VMPL permission mask (APM Table 15-36) [APM-tr] S */
#define RMP_PERM_READ           (1u << 0)
#define RMP_PERM_WRITE          (1u << 1)
#define RMP_PERM_EXEC_USER      (1u << 2)
#define RMP_PERM_EXEC_SUPER     (1u << 3)
#define RMP_PERM_SSS            (1u << 4)

#endif /* PROTOCOL_SEV_H */
