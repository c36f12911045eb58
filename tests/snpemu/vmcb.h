/* SPDX-License-Identifier: MIT */
/*
 * VMCB layout, AMD APM vol. 2 Appendix B (Table B-1 control area, Table B-2
 * state save area).  The state save area has the same layout as the first
 * 0x2A0 bytes of the SEV-ES VMSA (protocol/vmsa.h), which snpemu relies on
 * for the VMSA <-> VMCB transfer.
 */
#ifndef SNPEMU_VMCB_H
#define SNPEMU_VMCB_H

#include "snpemu.h"

struct vmcb_seg {
	uint16_t selector;
	uint16_t attrib;
	uint32_t limit;
	uint64_t base;
} __attribute__((packed));

struct vmcb_control {
	uint16_t cr_read;    /* 0x000 */
	uint16_t cr_write;   /* 0x002 */
	uint16_t dr_read;    /* 0x004 */
	uint16_t dr_write;   /* 0x006 */
	uint32_t exceptions; /* 0x008 */
	uint32_t intercept1; /* 0x00C */
	uint32_t intercept2; /* 0x010 */
	uint32_t intercept3; /* 0x014 */
	uint8_t rsvd1[0x3C - 0x18];
	uint16_t pause_threshold; /* 0x03C */
	uint16_t pause_count;	  /* 0x03E */
	uint64_t iopm_base_pa;	  /* 0x040 */
	uint64_t msrpm_base_pa;	  /* 0x048 */
	uint64_t tsc_offset;	  /* 0x050 */
	uint32_t asid;		  /* 0x058 */
	uint8_t tlb_control;	  /* 0x05C */
	uint8_t rsvd2[3];
	uint64_t v_intr;	/* 0x060 */
	uint64_t int_shadow;	/* 0x068 */
	uint64_t exit_code;	/* 0x070 */
	uint64_t exit_info_1;	/* 0x078 */
	uint64_t exit_info_2;	/* 0x080 */
	uint64_t exit_int_info; /* 0x088 */
	uint64_t np_enable;	/* 0x090 */
	uint64_t avic_apic_bar; /* 0x098 */
	uint64_t ghcb_gpa;	/* 0x0A0 */
	uint64_t event_inj;	/* 0x0A8 */
	uint64_t n_cr3;		/* 0x0B0 */
	uint64_t lbr_virt;	/* 0x0B8 */
	uint32_t clean;		/* 0x0C0 */
	uint32_t rsvd3;
	uint64_t next_rip; /* 0x0C8 */
	uint8_t insn_len;  /* 0x0D0 */
	uint8_t insn_bytes[15];
	uint8_t rsvd4[0x400 - 0xE0];
} __attribute__((packed));

struct vmcb_save {
	struct vmcb_seg es, cs, ss, ds, fs, gs, gdtr, ldtr, idtr, tr; /* 0x400 */
	uint8_t rsvd1[0xCB - 0xA0];
	uint8_t cpl; /* 0x4CB */
	uint32_t rsvd2;
	uint64_t efer; /* 0x4D0 */
	uint8_t rsvd3[0x148 - 0xD8];
	uint64_t cr4; /* 0x548 */
	uint64_t cr3;
	uint64_t cr0;
	uint64_t dr7;
	uint64_t dr6;
	uint64_t rflags; /* 0x570 */
	uint64_t rip;	 /* 0x578 */
	uint8_t rsvd4[0x1D8 - 0x180];
	uint64_t rsp; /* 0x5D8 */
	uint64_t s_cet, ssp, isst_addr;
	uint64_t rax; /* 0x5F8 */
	uint64_t star, lstar, cstar, sfmask, kernel_gs_base;
	uint64_t sysenter_cs, sysenter_esp, sysenter_eip;
	uint64_t cr2; /* 0x640 */
	uint8_t rsvd5[0x268 - 0x248];
	uint64_t g_pat; /* 0x668 */
	uint64_t dbgctl;
	uint64_t br_from, br_to, last_excp_from, last_excp_to;
	uint8_t rsvd6[0xC00 - 0x298];
} __attribute__((packed));

struct vmcb {
	struct vmcb_control control;
	struct vmcb_save save;
} __attribute__((packed, aligned(4096)));

/* APM vol. 2 Table B-1 */
_Static_assert(sizeof(struct vmcb) == 4096, "APM B-1: VMCB is one page");
_Static_assert(offsetof(struct vmcb, control.iopm_base_pa) == 0x040, "APM B-1");
_Static_assert(offsetof(struct vmcb, control.v_intr) == 0x060, "APM B-1");
_Static_assert(offsetof(struct vmcb, control.exit_code) == 0x070, "APM B-1");
_Static_assert(offsetof(struct vmcb, control.np_enable) == 0x090, "APM B-1");
_Static_assert(offsetof(struct vmcb, control.event_inj) == 0x0A8, "APM B-1");
_Static_assert(offsetof(struct vmcb, control.n_cr3) == 0x0B0, "APM B-1");
_Static_assert(offsetof(struct vmcb, control.next_rip) == 0x0C8, "APM B-1");
/* APM vol. 2 Table B-2 */
_Static_assert(offsetof(struct vmcb, save.cpl) == 0x4CB, "APM B-2");
_Static_assert(offsetof(struct vmcb, save.efer) == 0x4D0, "APM B-2");
_Static_assert(offsetof(struct vmcb, save.cr4) == 0x548, "APM B-2");
_Static_assert(offsetof(struct vmcb, save.rflags) == 0x570, "APM B-2");
_Static_assert(offsetof(struct vmcb, save.rip) == 0x578, "APM B-2");
_Static_assert(offsetof(struct vmcb, save.rsp) == 0x5D8, "APM B-2");
_Static_assert(offsetof(struct vmcb, save.rax) == 0x5F8, "APM B-2");
_Static_assert(offsetof(struct vmcb, save.cr2) == 0x640, "APM B-2");
_Static_assert(offsetof(struct vmcb, save.g_pat) == 0x668, "APM B-2");

/* Intercept vector 3 (offset 0x00C) and 4 (0x010) bits, APM Table B-1. */
#define INTERCEPT_INTR	    BIT(0)
#define INTERCEPT_NMI	    BIT(1)
#define INTERCEPT_SMI	    BIT(2)
#define INTERCEPT_INIT	    BIT(3)
#define INTERCEPT_RDTSC	    BIT(14)
#define INTERCEPT_RDPMC	    BIT(15)
#define INTERCEPT_CPUID	    BIT(18)
#define INTERCEPT_INVD	    BIT(22)
#define INTERCEPT_IRET	    BIT(20)
#define INTERCEPT_HLT	    BIT(24)
#define INTERCEPT_IOIO_PROT BIT(27)
#define INTERCEPT_MSR_PROT  BIT(28)
#define INTERCEPT_SHUTDOWN  BIT(31)
#define INTERCEPT2_VMRUN    BIT(0)
#define INTERCEPT2_VMMCALL  BIT(1)
#define INTERCEPT2_VMLOAD   BIT(2)
#define INTERCEPT2_VMSAVE   BIT(3)
#define INTERCEPT2_STGI	    BIT(4)
#define INTERCEPT2_CLGI	    BIT(5)
#define INTERCEPT2_SKINIT   BIT(6)
#define INTERCEPT2_RDTSCP   BIT(7)
#define INTERCEPT2_WBINVD   BIT(9)
#define INTERCEPT2_MONITOR  BIT(10)
#define INTERCEPT2_MWAIT    BIT(11)

#define V_INTR_MASKING	      BIT(24)
#define NP_ENABLE	      BIT(0)
#define TLB_CONTROL_FLUSH_ALL 1

/* RFLAGS */
#define RFLAGS_CF BIT(0)
#define RFLAGS_PF BIT(2)
#define RFLAGS_AF BIT(4)
#define RFLAGS_ZF BIT(6)
#define RFLAGS_SF BIT(7)
#define RFLAGS_TF BIT(8)
#define DR6_BS	  BIT(14) /* single step (APM vol. 2, "Debug-Status Register (DR6)") */
#define EXCP_DB	  1
#define RFLAGS_IF BIT(9)
#define RFLAGS_OF BIT(11)
#define RFLAGS_NT BIT(14)
#define RFLAGS_RF BIT(16)
#define RFLAGS_VM BIT(17)

#define CR0_PE	  BIT(0)
#define CR0_PG	  BIT(31)
#define CR4_PAE	  BIT(5)
#define EFER_LME  BIT(8)
#define EFER_LMA  BIT(10)
#define EFER_SVME BIT(12)

#endif
