/* SPDX-License-Identifier: MIT */
/*
 * The SEV-ES/SNP VM save area (VMSA), SEV_FEATURES and VINTR_CTRL.
 *
 * Sources: APM vol. 2, Appendix B, Table B-4 (the VMSA layout, SEV_FEATURES),
 * 15.36.16 (VINTR_CTRL under Alternate Injection).  The offsets were also
 * checked against Linux's struct sev_es_save_area (arch/x86/include/asm/svm.h,
 * with offset checks), COCONUT-SVSM, openvmm, microsoft/igvm and mushroom.
 */
#ifndef PROTOCOL_VMSA_H
#define PROTOCOL_VMSA_H

#include <stddef.h>
#include <stdint.h>

/** VMCB-format segment register (16 bytes). */
struct vmsa_seg {
	uint16_t selector;
	uint16_t attrib; /**< [3:0] type, 4 S, [6:5] DPL, 7 P, 8 AVL, 9 L, 10 D/B, 11 G */
	uint32_t limit;
	uint64_t base;
};

_Static_assert(sizeof(struct vmsa_seg) == 16, "VMSA segment is 16 bytes (APM vol. 2, Table B-4)");

/* Segment attrib bits (VMCB-compressed: APM vol. 2, 15.5.1 "Segment State in the VMCB") */
#define VMSA_SEG_TYPE_MASK 0x000F
#define VMSA_SEG_S	   0x0010
#define VMSA_SEG_DPL_SHIFT 5
#define VMSA_SEG_P	   0x0080
#define VMSA_SEG_AVL	   0x0100
#define VMSA_SEG_L	   0x0200
#define VMSA_SEG_DB	   0x0400
#define VMSA_SEG_G	   0x0800

/** The VMSA page (4 KiB, always private). */
struct sev_vmsa {
	struct vmsa_seg es;   /**< 0x000 */
	struct vmsa_seg cs;   /**< 0x010 */
	struct vmsa_seg ss;   /**< 0x020 */
	struct vmsa_seg ds;   /**< 0x030 */
	struct vmsa_seg fs;   /**< 0x040 */
	struct vmsa_seg gs;   /**< 0x050 */
	struct vmsa_seg gdtr; /**< 0x060 */
	struct vmsa_seg ldtr; /**< 0x070 */
	struct vmsa_seg idtr; /**< 0x080 */
	struct vmsa_seg tr;   /**< 0x090 */
	uint64_t pl0_ssp;     /**< 0x0A0 */
	uint64_t pl1_ssp;
	uint64_t pl2_ssp;
	uint64_t pl3_ssp;
	uint64_t u_cet; /**< 0x0C0 */
	uint8_t reserved_0c8[2];
	uint8_t vmpl; /**< 0x0CA: must equal the VMPL it runs at */
	uint8_t cpl;  /**< 0x0CB */
	uint8_t reserved_0cc[4];
	uint64_t efer; /**< 0x0D0: SVME (bit 12) must be 1 to run */
	uint8_t reserved_0d8[104];
	uint64_t xss;	 /**< 0x140 */
	uint64_t cr4;	 /**< 0x148 */
	uint64_t cr3;	 /**< 0x150 */
	uint64_t cr0;	 /**< 0x158 */
	uint64_t dr7;	 /**< 0x160 */
	uint64_t dr6;	 /**< 0x168 */
	uint64_t rflags; /**< 0x170 */
	uint64_t rip;	 /**< 0x178 */
	uint64_t dr0;	 /**< 0x180: swapped only with DebugSwap */
	uint64_t dr1;
	uint64_t dr2;
	uint64_t dr3;
	uint64_t dr0_addr_mask; /**< 0x1A0 */
	uint64_t dr1_addr_mask;
	uint64_t dr2_addr_mask;
	uint64_t dr3_addr_mask;
	uint8_t reserved_1c0[24];
	uint64_t rsp;	    /**< 0x1D8 */
	uint64_t s_cet;	    /**< 0x1E0 */
	uint64_t ssp;	    /**< 0x1E8 */
	uint64_t isst_addr; /**< 0x1F0 */
	uint64_t rax;	    /**< 0x1F8 */
	uint64_t star;	    /**< 0x200 */
	uint64_t lstar;
	uint64_t cstar;
	uint64_t sfmask;
	uint64_t kernel_gs_base; /**< 0x220 */
	uint64_t sysenter_cs;	 /**< 0x228 */
	uint64_t sysenter_esp;
	uint64_t sysenter_eip;
	uint64_t cr2; /**< 0x240 */
	uint8_t reserved_248[32];
	uint64_t g_pat;	  /**< 0x268 */
	uint64_t dbgctl;  /**< 0x270 */
	uint64_t br_from; /**< 0x278 */
	uint64_t br_to;
	uint64_t last_excp_from;
	uint64_t last_excp_to;
	uint8_t reserved_298[72];
	uint64_t spec_ctrl;	   /**< 0x2E0: SPEC_CTRL (openvmm, igvm) or reserved (Linux) */
	uint32_t pkru;		   /**< 0x2E8 */
	uint32_t tsc_aux;	   /**< 0x2EC */
	uint64_t guest_tsc_scale;  /**< 0x2F0: Secure TSC, 8.32 fixed point */
	uint64_t guest_tsc_offset; /**< 0x2F8 */
	uint64_t reg_prot_nonce;   /**< 0x300 */
	uint64_t rcx;		   /**< 0x308 */
	uint64_t rdx;		   /**< 0x310 */
	uint64_t rbx;		   /**< 0x318 */
	uint64_t secure_avic_ctl;  /**< 0x320: reserved unless Secure AVIC */
	uint64_t rbp;		   /**< 0x328 */
	uint64_t rsi;		   /**< 0x330 */
	uint64_t rdi;		   /**< 0x338 */
	uint64_t r8;		   /**< 0x340 */
	uint64_t r9;
	uint64_t r10;
	uint64_t r11;
	uint64_t r12;
	uint64_t r13;
	uint64_t r14;
	uint64_t r15; /**< 0x378 */
	uint8_t reserved_380[16];
	uint64_t guest_exit_info1;    /**< 0x390: written on every automatic exit */
	uint64_t guest_exit_info2;    /**< 0x398 */
	uint64_t guest_exit_int_info; /**< 0x3A0: EVENTINJ format */
	uint64_t guest_nrip;	      /**< 0x3A8 */
	uint64_t sev_features;	      /**< 0x3B0: SEV_FEAT_* */
	uint64_t vintr_ctrl;	      /**< 0x3B8: VINTR_* (Alternate Injection) */
	uint64_t guest_exit_code;     /**< 0x3C0: #VC error code under ReflectVC */
	uint64_t virtual_tom;	      /**< 0x3C8: 2 MiB aligned */
	uint64_t tlb_id;	      /**< 0x3D0 */
	uint64_t pcpu_id;	      /**< 0x3D8: write 0 to force a TLB flush */
	uint64_t event_inj;	      /**< 0x3E0: read at VMRUN under AI */
	uint64_t xcr0;		      /**< 0x3E8 */
	uint8_t reserved_3f0[16];     /**< 0x3F0: "x87 save valid bitmap" in igvm, openvmm */
	uint64_t x87_dp;	      /**< 0x400 */
	uint32_t mxcsr;		      /**< 0x408 */
	uint16_t x87_ftw;	      /**< 0x40C */
	uint16_t x87_fsw;	      /**< 0x40E */
	uint16_t x87_fcw;	      /**< 0x410 */
	uint16_t x87_fop;	      /**< 0x412 */
	uint16_t x87_ds;	      /**< 0x414 */
	uint16_t x87_cs;	      /**< 0x416 */
	uint64_t x87_rip;	      /**< 0x418 */
	uint8_t fpreg_x87[80];	      /**< 0x420: ST0-ST7, 10 bytes each */
	uint8_t fpreg_xmm[256];	      /**< 0x470: XMM0-15 */
	uint8_t fpreg_ymm[256];	      /**< 0x570: upper halves of YMM0-15 */
	uint8_t lbr_stack[256];	      /**< 0x670 */
	uint64_t lbr_select;	      /**< 0x770 */
	uint64_t ibs_fetch_ctl;
	uint64_t ibs_fetch_linaddr;
	uint64_t ibs_op_ctl;
	uint64_t ibs_op_rip;
	uint64_t ibs_op_data;
	uint64_t ibs_op_data2;
	uint64_t ibs_op_data3;
	uint64_t ibs_dc_linaddr;
	uint64_t bp_ibstgt_rip;
	uint64_t ic_ibs_extd_ctl;	      /**< 0x7C0 */
	uint8_t reserved_7c8[0x1000 - 0x7C8]; /**< 0x900/0x920: guest intercept
						* vectors with GuestInterceptCtl (APM) */
};

_Static_assert(sizeof(struct sev_vmsa) == 0x1000, "VMSA is one 4 KiB page (APM vol. 2, Table B-4)");
#define VMSA_ASSERT_OFF(field, off)                               \
	_Static_assert(offsetof(struct sev_vmsa, field) == (off), \
		       "VMSA " #field " offset (APM vol. 2, Table B-4)")
VMSA_ASSERT_OFF(es, 0x000);
VMSA_ASSERT_OFF(cs, 0x010);
VMSA_ASSERT_OFF(ss, 0x020);
VMSA_ASSERT_OFF(ds, 0x030);
VMSA_ASSERT_OFF(fs, 0x040);
VMSA_ASSERT_OFF(gs, 0x050);
VMSA_ASSERT_OFF(gdtr, 0x060);
VMSA_ASSERT_OFF(ldtr, 0x070);
VMSA_ASSERT_OFF(idtr, 0x080);
VMSA_ASSERT_OFF(tr, 0x090);
VMSA_ASSERT_OFF(pl0_ssp, 0x0A0);
VMSA_ASSERT_OFF(u_cet, 0x0C0);
VMSA_ASSERT_OFF(vmpl, 0x0CA);
VMSA_ASSERT_OFF(cpl, 0x0CB);
VMSA_ASSERT_OFF(efer, 0x0D0);
VMSA_ASSERT_OFF(xss, 0x140);
VMSA_ASSERT_OFF(cr4, 0x148);
VMSA_ASSERT_OFF(cr3, 0x150);
VMSA_ASSERT_OFF(cr0, 0x158);
VMSA_ASSERT_OFF(dr7, 0x160);
VMSA_ASSERT_OFF(dr6, 0x168);
VMSA_ASSERT_OFF(rflags, 0x170);
VMSA_ASSERT_OFF(rip, 0x178);
VMSA_ASSERT_OFF(dr0, 0x180);
VMSA_ASSERT_OFF(dr0_addr_mask, 0x1A0);
VMSA_ASSERT_OFF(rsp, 0x1D8);
VMSA_ASSERT_OFF(s_cet, 0x1E0);
VMSA_ASSERT_OFF(ssp, 0x1E8);
VMSA_ASSERT_OFF(isst_addr, 0x1F0);
VMSA_ASSERT_OFF(rax, 0x1F8);
VMSA_ASSERT_OFF(star, 0x200);
VMSA_ASSERT_OFF(lstar, 0x208);
VMSA_ASSERT_OFF(cstar, 0x210);
VMSA_ASSERT_OFF(sfmask, 0x218);
VMSA_ASSERT_OFF(kernel_gs_base, 0x220);
VMSA_ASSERT_OFF(sysenter_cs, 0x228);
VMSA_ASSERT_OFF(sysenter_esp, 0x230);
VMSA_ASSERT_OFF(sysenter_eip, 0x238);
VMSA_ASSERT_OFF(cr2, 0x240);
VMSA_ASSERT_OFF(g_pat, 0x268);
VMSA_ASSERT_OFF(dbgctl, 0x270);
VMSA_ASSERT_OFF(br_from, 0x278);
VMSA_ASSERT_OFF(last_excp_to, 0x290);
VMSA_ASSERT_OFF(spec_ctrl, 0x2E0);
VMSA_ASSERT_OFF(pkru, 0x2E8);
VMSA_ASSERT_OFF(tsc_aux, 0x2EC);
VMSA_ASSERT_OFF(guest_tsc_scale, 0x2F0);
VMSA_ASSERT_OFF(guest_tsc_offset, 0x2F8);
VMSA_ASSERT_OFF(reg_prot_nonce, 0x300);
VMSA_ASSERT_OFF(rcx, 0x308);
VMSA_ASSERT_OFF(rdx, 0x310);
VMSA_ASSERT_OFF(rbx, 0x318);
VMSA_ASSERT_OFF(secure_avic_ctl, 0x320);
VMSA_ASSERT_OFF(rbp, 0x328);
VMSA_ASSERT_OFF(rsi, 0x330);
VMSA_ASSERT_OFF(rdi, 0x338);
VMSA_ASSERT_OFF(r8, 0x340);
VMSA_ASSERT_OFF(r15, 0x378);
VMSA_ASSERT_OFF(guest_exit_info1, 0x390);
VMSA_ASSERT_OFF(guest_exit_info2, 0x398);
VMSA_ASSERT_OFF(guest_exit_int_info, 0x3A0);
VMSA_ASSERT_OFF(guest_nrip, 0x3A8);
VMSA_ASSERT_OFF(sev_features, 0x3B0);
VMSA_ASSERT_OFF(vintr_ctrl, 0x3B8);
VMSA_ASSERT_OFF(guest_exit_code, 0x3C0);
VMSA_ASSERT_OFF(virtual_tom, 0x3C8);
VMSA_ASSERT_OFF(tlb_id, 0x3D0);
VMSA_ASSERT_OFF(pcpu_id, 0x3D8);
VMSA_ASSERT_OFF(event_inj, 0x3E0);
VMSA_ASSERT_OFF(xcr0, 0x3E8);
VMSA_ASSERT_OFF(x87_dp, 0x400);
VMSA_ASSERT_OFF(mxcsr, 0x408);
VMSA_ASSERT_OFF(x87_ftw, 0x40C);
VMSA_ASSERT_OFF(x87_fsw, 0x40E);
VMSA_ASSERT_OFF(x87_fcw, 0x410);
VMSA_ASSERT_OFF(x87_fop, 0x412);
VMSA_ASSERT_OFF(x87_ds, 0x414);
VMSA_ASSERT_OFF(x87_cs, 0x416);
VMSA_ASSERT_OFF(x87_rip, 0x418);
VMSA_ASSERT_OFF(fpreg_x87, 0x420);
VMSA_ASSERT_OFF(fpreg_xmm, 0x470);
VMSA_ASSERT_OFF(fpreg_ymm, 0x570);
VMSA_ASSERT_OFF(lbr_stack, 0x670);
VMSA_ASSERT_OFF(lbr_select, 0x770);
VMSA_ASSERT_OFF(ic_ibs_extd_ctl, 0x7C0);
#undef VMSA_ASSERT_OFF

/* ------------------------------------------------------------------------
 * Reset (INIT) values (APM vol. 2 ch. 14, the processor state after INIT; as
 * Linux's wakeup_cpu_via_vmgexit() in arch/x86/coco/sev/core.c sets them)
 * ------------------------------------------------------------------------ */
#define VMSA_RESET_CR0	   0x60000010ULL
#define VMSA_RESET_RFLAGS  0x2ULL
#define VMSA_RFLAGS_IF	   (1ULL << 9) /* APM vol. 2 §3.1.6 RFLAGS.IF */
#define VMSA_RESET_DR6	   0xFFFF0FF0ULL
#define VMSA_RESET_DR7	   0x400ULL
#define VMSA_RESET_G_PAT   0x0007040600070406ULL
#define VMSA_RESET_XCR0	   1ULL
#define VMSA_RESET_MXCSR   0x1F80u
#define VMSA_RESET_X87_FTW 0x5555u
#define VMSA_RESET_X87_FCW 0x0040u /* Linux, COCONUT-SVSM; mushroom uses 0x037F */
#define VMSA_EFER_SVME	   (1ULL << 12)

/* ------------------------------------------------------------------------
 * SEV_FEATURES (VMSA 0x3B0) (APM vol. 2, Table B-4; Linux SVM_SEV_FEAT_*).
 * SEV_STATUS bit n+2 reports SEV_FEATURES bit n (sev.h).
 * ------------------------------------------------------------------------ */
#define SEV_FEAT_SNP_ACTIVE	     (1ULL << 0)
#define SEV_FEAT_VTOM		     (1ULL << 1)
#define SEV_FEAT_REFLECT_VC	     (1ULL << 2)
#define SEV_FEAT_RESTRICTED_INJ	     (1ULL << 3)
#define SEV_FEAT_ALTERNATE_INJ	     (1ULL << 4)
#define SEV_FEAT_DEBUG_SWAP	     (1ULL << 5)
#define SEV_FEAT_PREVENT_HOST_IBS    (1ULL << 6)
#define SEV_FEAT_SNP_BTB_ISOLATION   (1ULL << 7)
#define SEV_FEAT_VMPL_SSS	     (1ULL << 8)
#define SEV_FEAT_SECURE_TSC	     (1ULL << 9)
#define SEV_FEAT_VMGEXIT_PARAM	     (1ULL << 10)
#define SEV_FEAT_PMC_VIRT	     (1ULL << 11)
#define SEV_FEAT_IBS_VIRT	     (1ULL << 12)
#define SEV_FEAT_GUEST_INTERCEPT_CTL (1ULL << 13) /* APM only */
#define SEV_FEAT_VMSA_REG_PROT	     (1ULL << 14)
#define SEV_FEAT_SMT_PROTECTION	     (1ULL << 15)
#define SEV_FEAT_SECURE_AVIC	     (1ULL << 16)
#define SEV_FEAT_IBPB_ON_ENTRY	     (1ULL << 21)
/** Bits 17-20 and 22-61 are reserved, must be zero. */
#define SEV_FEAT_RESERVED_MASK	     ((0xFULL << 17) | (((1ULL << 40) - 1) << 22))

/* ------------------------------------------------------------------------
 * VINTR_CTRL (VMSA 0x3B8) (APM vol. 2, 15.36.16 and Table B-4; COCONUT-SVSM,
 * igvm and openvmm have the same layout)
 * ------------------------------------------------------------------------ */
#define VINTR_TPR_MASK	   0xFFULL
#define VINTR_IRQ	   (1ULL << 8)
#define VINTR_GIF	   (1ULL << 9)
#define VINTR_INT_SHADOW   (1ULL << 10)
#define VINTR_NMI	   (1ULL << 11)
#define VINTR_NMI_MASK	   (1ULL << 12)
#define VINTR_PRIO_SHIFT   16
#define VINTR_PRIO_MASK	   (0xFULL << VINTR_PRIO_SHIFT)
#define VINTR_IGN_TPR	   (1ULL << 20)
#define VINTR_NMI_ENABLE   (1ULL << 26)
#define VINTR_VECTOR_SHIFT 32
#define VINTR_VECTOR_MASK  (0xFFULL << VINTR_VECTOR_SHIFT)
#define VINTR_BUSY	   (1ULL << 63)

#endif /* PROTOCOL_VMSA_H */
