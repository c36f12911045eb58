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
    u16 selector;
    u16 attrib;
    u32 limit;
    u64 base;
} __attribute__((packed));

struct vmcb_control {
    u16 cr_read;            /* 0x000 */
    u16 cr_write;           /* 0x002 */
    u16 dr_read;            /* 0x004 */
    u16 dr_write;           /* 0x006 */
    u32 exceptions;         /* 0x008 */
    u32 intercept1;         /* 0x00C */
    u32 intercept2;         /* 0x010 */
    u32 intercept3;         /* 0x014 */
    u8 rsvd1[0x3C - 0x18];
    u16 pause_threshold;    /* 0x03C */
    u16 pause_count;        /* 0x03E */
    u64 iopm_base_pa;       /* 0x040 */
    u64 msrpm_base_pa;      /* 0x048 */
    u64 tsc_offset;         /* 0x050 */
    u32 asid;               /* 0x058 */
    u8 tlb_control;         /* 0x05C */
    u8 rsvd2[3];
    u64 v_intr;             /* 0x060 */
    u64 int_shadow;         /* 0x068 */
    u64 exit_code;          /* 0x070 */
    u64 exit_info_1;        /* 0x078 */
    u64 exit_info_2;        /* 0x080 */
    u64 exit_int_info;      /* 0x088 */
    u64 np_enable;          /* 0x090 */
    u64 avic_apic_bar;      /* 0x098 */
    u64 ghcb_gpa;           /* 0x0A0 */
    u64 event_inj;          /* 0x0A8 */
    u64 n_cr3;              /* 0x0B0 */
    u64 lbr_virt;           /* 0x0B8 */
    u32 clean;              /* 0x0C0 */
    u32 rsvd3;
    u64 next_rip;           /* 0x0C8 */
    u8 insn_len;            /* 0x0D0 */
    u8 insn_bytes[15];
    u8 rsvd4[0x400 - 0xE0];
} __attribute__((packed));

struct vmcb_save {
    struct vmcb_seg es, cs, ss, ds, fs, gs, gdtr, ldtr, idtr, tr; /* 0x400 */
    u8 rsvd1[0xCB - 0xA0];
    u8 cpl;                 /* 0x4CB */
    u32 rsvd2;
    u64 efer;               /* 0x4D0 */
    u8 rsvd3[0x148 - 0xD8];
    u64 cr4;                /* 0x548 */
    u64 cr3;
    u64 cr0;
    u64 dr7;
    u64 dr6;
    u64 rflags;             /* 0x570 */
    u64 rip;                /* 0x578 */
    u8 rsvd4[0x1D8 - 0x180];
    u64 rsp;                /* 0x5D8 */
    u64 s_cet, ssp, isst_addr;
    u64 rax;                /* 0x5F8 */
    u64 star, lstar, cstar, sfmask, kernel_gs_base;
    u64 sysenter_cs, sysenter_esp, sysenter_eip;
    u64 cr2;                /* 0x640 */
    u8 rsvd5[0x268 - 0x248];
    u64 g_pat;              /* 0x668 */
    u64 dbgctl;
    u64 br_from, br_to, last_excp_from, last_excp_to;
    u8 rsvd6[0xC00 - 0x298];
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
#define INTERCEPT_INTR          BIT(0)
#define INTERCEPT_NMI           BIT(1)
#define INTERCEPT_SMI           BIT(2)
#define INTERCEPT_INIT          BIT(3)
#define INTERCEPT_RDTSC         BIT(14)
#define INTERCEPT_RDPMC         BIT(15)
#define INTERCEPT_CPUID         BIT(18)
#define INTERCEPT_INVD          BIT(22)
#define INTERCEPT_IRET          BIT(20)
#define INTERCEPT_HLT           BIT(24)
#define INTERCEPT_IOIO_PROT     BIT(27)
#define INTERCEPT_MSR_PROT      BIT(28)
#define INTERCEPT_SHUTDOWN      BIT(31)
#define INTERCEPT2_VMRUN        BIT(0)
#define INTERCEPT2_VMMCALL      BIT(1)
#define INTERCEPT2_VMLOAD       BIT(2)
#define INTERCEPT2_VMSAVE       BIT(3)
#define INTERCEPT2_STGI         BIT(4)
#define INTERCEPT2_CLGI         BIT(5)
#define INTERCEPT2_SKINIT       BIT(6)
#define INTERCEPT2_RDTSCP       BIT(7)
#define INTERCEPT2_WBINVD       BIT(9)
#define INTERCEPT2_MONITOR      BIT(10)
#define INTERCEPT2_MWAIT        BIT(11)

#define V_INTR_MASKING          BIT(24)
#define NP_ENABLE               BIT(0)
#define TLB_CONTROL_FLUSH_ALL   1

/* RFLAGS */
#define RFLAGS_CF   BIT(0)
#define RFLAGS_PF   BIT(2)
#define RFLAGS_AF   BIT(4)
#define RFLAGS_ZF   BIT(6)
#define RFLAGS_SF   BIT(7)
#define RFLAGS_TF   BIT(8)
#define RFLAGS_IF   BIT(9)
#define RFLAGS_OF   BIT(11)
#define RFLAGS_NT   BIT(14)
#define RFLAGS_RF   BIT(16)
#define RFLAGS_VM   BIT(17)

#define CR0_PE      BIT(0)
#define CR0_PG      BIT(31)
#define CR4_PAE     BIT(5)
#define EFER_LME    BIT(8)
#define EFER_LMA    BIT(10)
#define EFER_SVME   BIT(12)

#endif
