/* SPDX-License-Identifier: MIT */
/*
 * SEV-SNP MSRs, SEV_STATUS, hypervisor feature bits, CPUID 0x8000001F,
 * PVALIDATE / RMPADJUST interface, vectors and instruction encodings.
 *
 * Sources (docs/spec-notes.md lists the documents): APM vol. 2 ch. 15 and
 * APM vol. 3 (CPUID, the PVALIDATE and RMPADJUST pages) for the hardware, the
 * GHCB spec for the hypervisor features; the same values are in Linux's
 * arch/x86/include/asm/msr-index.h, asm/sev.h and asm/sev-common.h.  A value
 * only one source gives says which.
 */
#ifndef PROTOCOL_SEV_H
#define PROTOCOL_SEV_H

#include <stdint.h>

/* ------------------------------------------------------------------------
 * MSRs (Linux msr-index.h unless noted)
 * ------------------------------------------------------------------------ */
#define MSR_SEV_ES_GHCB	      0xC0010130u
#define MSR_SEV_STATUS	      0xC0010131u /* read-only */
#define MSR_RMP_BASE	      0xC0010132u
#define MSR_RMP_END	      0xC0010133u
#define MSR_GUEST_TSC_FREQ    0xC0010134u
#define MSR_VIRTUAL_TOM	      0xC0010135u /* APM vol. 2, 15.36.8 */
#define MSR_SEGMENTED_RMP_CFG 0xC0010136u
#define MSR_SECURE_AVIC_CTL   0xC0010138u /* APM vol. 2, 15.36.21 */
#define MSR_VMPAGE_FLUSH      0xC001011Eu
#define MSR_SVSM_CAA	      0xC001F000u /* synthetic (SVSM spec) */
#define MSR_VIRT_RMPUPDATE    0xC001F001u /* APM vol. 2, 15.36.19 */
#define MSR_VIRT_PSMASH	      0xC001F002u /* APM vol. 2, 15.36.19 */

/* ------------------------------------------------------------------------
 * SEV_STATUS (APM vol. 2, 15.34.10 "SEV_STATUS MSR"): bits 0/1/2 = SEV /
 * SEV-ES / SNP active, then bit n+2 = SEV_FEATURES bit n (Linux reads the
 * features as SEV_STATUS >> 2).
 * ------------------------------------------------------------------------ */
#define SEV_STATUS_SEV		       (1ULL << 0)
#define SEV_STATUS_SEV_ES	       (1ULL << 1)
#define SEV_STATUS_SNP		       (1ULL << 2)
#define SEV_STATUS_FEAT_SHIFT	       2
/** SEV_STATUS bit that reports SEV_FEATURES bit @feat (a SEV_FEAT_* mask). */
#define SEV_STATUS_FROM_FEAT(feat)     ((uint64_t)(feat) << SEV_STATUS_FEAT_SHIFT)
#define SEV_STATUS_VTOM		       (1ULL << 3)
#define SEV_STATUS_REFLECT_VC	       (1ULL << 4)
#define SEV_STATUS_RESTRICTED_INJ      (1ULL << 5)
#define SEV_STATUS_ALTERNATE_INJ       (1ULL << 6)
#define SEV_STATUS_DEBUG_SWAP	       (1ULL << 7)
#define SEV_STATUS_PREVENT_HOST_IBS    (1ULL << 8)
#define SEV_STATUS_SNP_BTB_ISOLATION   (1ULL << 9)
#define SEV_STATUS_VMPL_SSS	       (1ULL << 10)
#define SEV_STATUS_SECURE_TSC	       (1ULL << 11)
#define SEV_STATUS_VMGEXIT_PARAM       (1ULL << 12)
#define SEV_STATUS_PMC_VIRT	       (1ULL << 13)
#define SEV_STATUS_IBS_VIRT	       (1ULL << 14)
#define SEV_STATUS_GUEST_INTERCEPT_CTL (1ULL << 15) /* APM only */
#define SEV_STATUS_VMSA_REG_PROT       (1ULL << 16)
#define SEV_STATUS_SMT_PROTECTION      (1ULL << 17)
#define SEV_STATUS_SECURE_AVIC	       (1ULL << 18)
#define SEV_STATUS_IBPB_ON_ENTRY       (1ULL << 23)

/* ------------------------------------------------------------------------
 * Hypervisor feature bitmap (GHCB MSR 0x081 [63:12], NAE 0x8000FFFD; GHCB spec,
 * hypervisor feature support; bits 0, 1, 5 in Linux sev-common.h, 0-4 in edk2)
 * ------------------------------------------------------------------------ */
#define SEV_HV_FEAT_SNP			 (1ULL << 0)
#define SEV_HV_FEAT_AP_CREATION		 (1ULL << 1)
#define SEV_HV_FEAT_RESTRICTED_INJ	 (1ULL << 2) /* needs 0 and 1 */
#define SEV_HV_FEAT_RESTRICTED_INJ_TIMER (1ULL << 3) /* needs 2 */
#define SEV_HV_FEAT_APIC_ID_LIST	 (1ULL << 4)
#define SEV_HV_FEAT_MULTI_VMPL		 (1ULL << 5)
#define SEV_HV_FEAT_SEV_ES_PSC		 (1ULL << 6) /* Xen patch, COCONUT */
#define SEV_HV_FEAT_TRUSTED_IO		 (1ULL << 7) /* Xen patch only */
#define SEV_HV_FEAT_GHCB_UNREGISTER	 (1ULL << 8) /* Xen patch only */
#define SEV_HV_FEAT_EXT_INTERRUPTS	 (1ULL << 9) /* COCONUT-SVSM only */

/* ------------------------------------------------------------------------
 * CPUID Fn8000_001F (APM vol. 3, Appendix E; Linux cpufeatures.h)
 * ------------------------------------------------------------------------ */
#define CPUID_LEAF_SEV			   0x8000001Fu
/* EAX */
#define CPUID_SEV_EAX_SME		   (1u << 0)
#define CPUID_SEV_EAX_SEV		   (1u << 1)
#define CPUID_SEV_EAX_VM_PAGE_FLUSH	   (1u << 2)
#define CPUID_SEV_EAX_SEV_ES		   (1u << 3)
#define CPUID_SEV_EAX_SNP		   (1u << 4)
#define CPUID_SEV_EAX_VMPL		   (1u << 5)
#define CPUID_SEV_EAX_VMPL_SSS		   (1u << 7)
#define CPUID_SEV_EAX_TSC_AUX_VIRT	   (1u << 9)
#define CPUID_SEV_EAX_COHERENCY		   (1u << 10)
#define CPUID_SEV_EAX_RESTRICTED_INJ	   (1u << 12)
#define CPUID_SEV_EAX_DEBUG_SWAP	   (1u << 14)
#define CPUID_SEV_EAX_VTE		   (1u << 16) /* APM only */
#define CPUID_SEV_EAX_VMGEXIT_PARAM	   (1u << 17)
#define CPUID_SEV_EAX_VIRTUAL_TOM	   (1u << 18)
#define CPUID_SEV_EAX_RMPREAD		   (1u << 21)
#define CPUID_SEV_EAX_GUEST_INTERCEPT_CTL  (1u << 22)
#define CPUID_SEV_EAX_SEGMENTED_RMP	   (1u << 23)
#define CPUID_SEV_EAX_SECURE_AVIC	   (1u << 26)
#define CPUID_SEV_EAX_ALLOWED_SEV_FEAT	   (1u << 27)
#define CPUID_SEV_EAX_SVSM_PRESENT	   (1u << 28)
#define CPUID_SEV_EAX_NESTED_VIRT_SNP_MSR  (1u << 29)
#define CPUID_SEV_EAX_HV_IN_USE_WR_ALLOWED (1u << 30)
#define CPUID_SEV_EAX_IBPB_ON_ENTRY	   (1u << 31)
/* Likely, not checked: 6 RMPQUERY, 8 SecureTsc, 13 AlternateInjection */
#define CPUID_SEV_EAX_SECURE_TSC_U	   (1u << 8)
#define CPUID_SEV_EAX_ALTERNATE_INJ_U	   (1u << 13)
/* EBX (QEMU target/i386/sev.c reads the C-bit position from [5:0]) */
#define CPUID_SEV_EBX_CBIT(ebx)		   ((ebx)&0x3Fu)
#define CPUID_SEV_EBX_PHYS_REDUCTION(ebx)  (((ebx) >> 6) & 0x3Fu)
#define CPUID_SEV_EBX_VMPL_COUNT(ebx)	   (((ebx) >> 12) & 0xFu)

/* ------------------------------------------------------------------------
 * Vectors
 * ------------------------------------------------------------------------ */
#define X86_VECTOR_HV 28 /* APM vol. 2, 15.36.16 */
#define X86_VECTOR_VC 29 /* APM vol. 2, 15.35.5; error code = exit code */

/* ------------------------------------------------------------------------
 * Instruction encodings (APM vol. 3; the same bytes in Linux asm/sev.h)
 * ------------------------------------------------------------------------ */
#define INSN_VMGEXIT_BYTES             \
	{                              \
		0xF3, 0x0F, 0x01, 0xD9 \
	}
#define INSN_VMMCALL_BYTES       \
	{                        \
		0x0F, 0x01, 0xD9 \
	}
#define INSN_PVALIDATE_BYTES           \
	{                              \
		0xF2, 0x0F, 0x01, 0xFF \
	}
#define INSN_RMPADJUST_BYTES           \
	{                              \
		0xF3, 0x0F, 0x01, 0xFE \
	}
#define INSN_RMPUPDATE_BYTES           \
	{                              \
		0xF2, 0x0F, 0x01, 0xFE \
	} /* host */
#define INSN_PSMASH_BYTES              \
	{                              \
		0xF3, 0x0F, 0x01, 0xFF \
	} /* host */
/** For inline asm: ".byte " INSN_VMGEXIT_ASM */
#define INSN_VMGEXIT_ASM   "0xf3,0x0f,0x01,0xd9"
#define INSN_PVALIDATE_ASM "0xf2,0x0f,0x01,0xff"
#define INSN_RMPADJUST_ASM "0xf3,0x0f,0x01,0xfe"

/* ------------------------------------------------------------------------
 * PVALIDATE: RAX = VA, ECX = size, EDX = 1 validate / 0 rescind; EAX = rc,
 * CF = 1 if the Validated bit did not change (APM vol. 3, PVALIDATE).
 * RMPADJUST: RAX = VA, RCX = size, RDX = attributes; EAX = rc (APM vol. 3,
 * RMPADJUST).  Return codes as Linux asm/sev.h and COCONUT-SVSM name them.
 * ------------------------------------------------------------------------ */
#define RMP_PG_SIZE_4K 0
#define RMP_PG_SIZE_2M 1

#define PVALIDATE_RESCIND  0
#define PVALIDATE_VALIDATE 1

#define PVALIDATE_SUCCESS	    0
#define PVALIDATE_FAIL_INPUT	    1
#define PVALIDATE_FAIL_SIZEMISMATCH 6

#define RMPADJUST_SUCCESS	    0
#define RMPADJUST_FAIL_INPUT	    1
#define RMPADJUST_FAIL_PERMISSION   2
#define RMPADJUST_FAIL_SIZEMISMATCH 6

/* Host-side instruction codes (snpemu, for completeness; Linux asm/sev.h) */
#define RMPUPDATE_FAIL_OVERLAP 4
#define PSMASH_FAIL_INUSE      3

/* RMPADJUST attributes (RDX) (APM vol. 3, RMPADJUST; Linux RMPADJUST_VMSA_PAGE_BIT) */
#define RMPADJUST_VMPL_MASK  0xFFULL /* target VMPL, > current VMPL */
#define RMPADJUST_PERM_SHIFT 8
#define RMPADJUST_READ	     (1ULL << 8)
#define RMPADJUST_WRITE	     (1ULL << 9)
#define RMPADJUST_EXEC_USER  (1ULL << 10)
#define RMPADJUST_EXEC_SUPER (1ULL << 11)
#define RMPADJUST_SSS	     (1ULL << 12) /* permission bit 4, below */
#define RMPADJUST_VMSA	     (1ULL << 16) /* VMPL0 only, 4K only */
#define RMPADJUST_RSVD_MASK  ((7ULL << 13) | (~0ULL << 17))
#define RMPADJUST_FULL_PERMS \
	(RMPADJUST_READ | RMPADJUST_WRITE | RMPADJUST_EXEC_USER | RMPADJUST_EXEC_SUPER)

/* RMP per-VMPL permission mask (APM vol. 2, 15.36.7, "VMPL Permission Mask Definition") */
#define RMP_PERM_READ	    (1u << 0)
#define RMP_PERM_WRITE	    (1u << 1)
#define RMP_PERM_EXEC_USER  (1u << 2)
#define RMP_PERM_EXEC_SUPER (1u << 3)
#define RMP_PERM_SSS	    (1u << 4)

#endif /* PROTOCOL_SEV_H */
