/* SPDX-License-Identifier: MIT */
/*
 * The emulated SNP machine: guest memory, RMP, nested page tables and vCPUs.
 *
 * Guest physical address space (C-bit at bit 39, see payload_layout.h):
 *   GPA [0, 2^39)          C=0 accesses: shared view
 *   GPA [2^39, 2^40)       C=1 accesses: private view of the same pages
 * Both views map to the same host page (GPA == HPA for guest RAM), and the
 * nested page tables let through only the accesses the RMP allows; every
 * other access exits with #NPF and snpemu decides as the hardware would
 * (#VC 0x404, implicit page conversion as KVM does, or a fatal fault).
 *
 * Legend for the fields below: [I] set at launch, then read-only;
 * [V] owned by the vCPU that runs (one vCPU for now, no locking needed).
 */
#ifndef SNPEMU_VM_H
#define SNPEMU_VM_H

#include "snpemu.h"
#include "vmcb.h"
#include "vmsa.h"
#include "payload_layout.h"

#define CBIT            PAYLOAD_CBIT
#define CBIT_MASK       PAYLOAD_CBIT_MASK
#define NPT_MMIO_MARKER BIT(45)     /* reserved PA bit at 40 physical bits:
                                     * observed on QEMU 7.2 TCG to exit
                                     * #NPF with PFCODE.RSV set */

/** RMP entry, APM vol. 2 Table 15-34 (kept in snpemu's own compact form:
 * the RMP is hardware-internal; only its behaviour is architectural). */
struct rmp_entry {
    u8 flags;
    u8 perms[4];        /* per VMPL: RMP_PERM_* (sev.h); VMPL0 always full */
    u8 rsvd[3];
};
#define RMP_ASSIGNED    BIT(0)
#define RMP_VALIDATED   BIT(1)
#define RMP_2M          BIT(2)      /* part of a 2 MiB RMP entry */
#define RMP_VMSA        BIT(3)
#define RMP_PERM_ALL    0x1F        /* RMP_PERM_* of protocol/sev.h */

struct mem_range {
    u64 start, end;     /* [start, end) */
};

#define MAX_RAM_RANGES  8

struct vm {
    struct mem_range ram[MAX_RAM_RANGES];  /* [I] guest RAM, sorted */
    unsigned int ram_count;                /* [I] */
    u64 ram_top;                           /* [I] highest RAM GPA + 1 */
    struct rmp_entry *rmp;                 /* [V] one per 4 KiB below ram_top */
    u64 *npt_pml4;                         /* [V] VMPL0 view */
    u64 npt_pml4_pa;                       /* [I] */
    bool npt_dirty;                        /* [V] flush TLB at next VMRUN */
    u64 launch_digest_valid;
    u8 launch_digest[48];                  /* [I] */
};
extern struct vm vm;

/** Guest GPRs that the VMCB does not hold (offsets used by entry.asm). */
struct guest_gprs {
    u64 rcx, rdx, rbx, rbp, rsi, rdi, r8, r9, r10, r11, r12, r13, r14, r15;
};

struct vcpu {
    struct vmcb *vmcb;          /* [V] */
    u64 vmcb_pa;                /* [I] */
    struct guest_gprs gprs;     /* [V] */
    struct sev_vmsa *vmsa;      /* [V] the VMSA of the running context */
    unsigned int vmpl;          /* [V] */
    u64 ghcb_msr;               /* [V] MSR 0xC0010130 as the guest sees it */
    u64 ghcb_registered_gfn;    /* [V] GHCB_GFN_NONE until 0x012 */
    u64 dr7;                    /* [V] DR7 kept for the DR7 NAE */
};
#define GHCB_GFN_NONE   (~0ULL)

/* memmap.c: guest RAM, its e820 view */
void memmap_init(void);
bool gpa_is_ram(u64 gpa);           /* plain GPA (no C-bit) */
bool gpa_is_mmio(u64 gpa);
void *gpa_to_hva(u64 gpa);          /* RAM only; NULL otherwise */
unsigned int memmap_e820(void *buf, unsigned int max_entries);

/* rmp.c */
void rmp_init(void);
struct rmp_entry *rmp_get(u64 gpa);
void rmp_assign_launch_page(u64 gpa);   /* PSP LAUNCH_UPDATE: validated, VMPL0 */
void rmp_psmash(u64 gpa);
bool rmp_is_2m(u64 gpa);
void rmp_make_private(u64 gpa);         /* RMPUPDATE: assigned, not validated */
void rmp_make_shared(u64 gpa);          /* RMPUPDATE: hypervisor-owned */
void rmp_set_validated(u64 gpa, bool v);

/* npt.c */
void npt_init(void);
void npt_sync_page(u64 gpa);            /* recompute both views of a page */

/* igvm_load.c */
struct sev_vmsa *igvm_launch(void);

/* cpuid.c */
void snp_cpuid(u32 leaf, u32 subleaf, u32 r[4]);
void cpuid_page_fill(void *page);

/* secrets.c */
void secrets_page_fill(void *page);

/* guest_mem.c: the guest's own page tables */
enum walk_result { WALK_OK, WALK_PF, WALK_BAD_GPA };
enum walk_result guest_virt_to_phys(struct vcpu *v, u64 gva, bool write,
                                    u64 *gpa, u32 *pf_error);
bool guest_read_virt(struct vcpu *v, u64 gva, void *dst, u64 len);
bool guest_write_virt(struct vcpu *v, u64 gva, const void *src, u64 len);

/* fault_gva.c */
bool fault_gva(struct vcpu *v, u64 fault_gpa, u64 *gva);

/* events.c: exceptions into the guest */
void inject_exception(struct vcpu *v, u8 vector, bool has_error, u32 error);
void inject_vc(struct vcpu *v, u64 exit_code);

/* exit.c */
void vcpu_run_loop(struct vcpu *v);
void advance_rip(struct vcpu *v, unsigned int len);

/* snp_insn.c */
void snp_insn_ud(struct vcpu *v);

/* ghcb_msr.c / ghcb_nae.c */
void vmgexit(struct vcpu *v);
void ghcb_nae(struct vcpu *v, u64 gpa);
u64 hv_features(void);
_Noreturn void ghcb_terminate(unsigned int set, unsigned int code);

/* io.c */
bool io_port_in(u16 port, unsigned int size, u32 *val);
bool io_port_out(u16 port, unsigned int size, u32 val);
bool mmio_read(u64 gpa, unsigned int size, u64 *val);
bool mmio_write(u64 gpa, unsigned int size, u64 val);
void guest_fwcfg_init(void);

/* msr.c */
enum msr_result { MSR_OK, MSR_GP };
enum msr_result hv_msr_read(struct vcpu *v, u32 msr, u64 *val);
enum msr_result hv_msr_write(struct vcpu *v, u32 msr, u64 val);

/* stats.c */
void stat_exit(u64 code);
void stat_vmpl(struct vcpu *v, unsigned int which);
#define STAT_PVALIDATE  0
#define STAT_RMPADJUST  1
#define STAT_VMGEXIT    2
void stats_print(void);

#endif
