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

#define CBIT	  PAYLOAD_CBIT
#define CBIT_MASK PAYLOAD_CBIT_MASK
#define NPT_MMIO_MARKER \
	BIT(45) /* reserved PA bit at 40 physical bits:
                                     * observed on QEMU 7.2 TCG to exit
                                     * #NPF with PFCODE.RSV set */

/** RMP entry, APM vol. 2 Table 15-34 (kept in snpemu's own compact form:
 * the RMP is hardware-internal; only its behaviour is architectural). */
struct rmp_entry {
	uint8_t flags;
	uint8_t perms[4]; /* per VMPL: RMP_PERM_* (sev.h); VMPL0 always full */
	uint8_t rsvd[3];
};
#define RMP_ASSIGNED   BIT(0)
#define RMP_VALIDATED  BIT(1)
#define RMP_2M	       BIT(2) /* part of a 2 MiB RMP entry */
#define RMP_VMSA       BIT(3)
#define RMP_WALK_ALIAS BIT(4) /* snpemu: walked without the C-bit (npt.c) */
#define RMP_PERM_ALL   0x1F   /* RMP_PERM_* of protocol/sev.h */

struct mem_range {
	uint64_t start, end; /* [start, end) */
};

#define MAX_RAM_RANGES 8

struct vm {
	struct mem_range ram[MAX_RAM_RANGES]; /* [I] guest RAM, sorted */
	unsigned int ram_count;		      /* [I] */
	uint64_t ram_top;		      /* [I] highest RAM GPA + 1 */
	/* [I] 4 GiB, or the GiB boundary above QEMU's highest RAM: below it the
	 * NPT and snpemu's own map go by 2 MiB, above it by 1 GiB */
	uint64_t phys_top;
	struct rmp_entry *rmp;	   /* [V] one per 4 KiB below ram_top */
	volatile uint64_t npt_gen; /* [A] bumped on every NPT change */
	uint8_t launch_digest[48]; /* [I] */
};
extern struct vm vm;

/** Guest GPRs that the VMCB does not hold (offsets used by entry.asm). */
struct guest_gprs {
	uint64_t rcx, rdx, rbx, rbp, rsi, rdi, r8, r9, r10, r11, r12, r13, r14, r15;
};

#define MAX_VCPUS  8
#define VMPL_COUNT 4

/** What the hypervisor keeps per VMPL of a vCPU (a KVM "plane"). */
struct vmpl_ctx {
	struct sev_vmsa *vmsa; /* [V] NULL: no VMSA registered */
	uint64_t vmsa_gpa;     /* [V] its GPA (the IGVM VMSA has none in RAM) */
	uint64_t ghcb_msr;     /* [V] MSR 0xC0010130 of this VMPL */
	uint64_t ghcb_gfn;     /* [V] registered GHCB, GHCB_GFN_NONE if none */
	uint64_t hvdb_gpa;     /* [V] #HV doorbell page, 0 if none */
	uint64_t dr7;	       /* [V] DR7 for the DR7 NAE */
};
#define GHCB_GFN_NONE (~0ULL)

/** One vCPU = one QEMU CPU.  Fields: [I] set before the vCPU runs;
 * [V] touched only by the CPU that runs the vCPU; [A] atomic, any CPU. */
struct vcpu {
	unsigned int index;		 /* [I] */
	uint32_t apic_id;		 /* [I] */
	struct vmcb *vmcb;		 /* [I] */
	uint64_t vmcb_pa;		 /* [I] */
	uint8_t *xsave;			 /* [I] FPU save buffer, 64-byte aligned */
	struct guest_gprs gprs;		 /* [V] GPRs of the running context */
	unsigned int vmpl;		 /* [V] the running context */
	struct sev_vmsa *vmsa;		 /* [V] == ctx[vmpl].vmsa */
	struct vmpl_ctx ctx[VMPL_COUNT]; /* [V], written by AP creation under vm_lock */
	uint64_t npt_gen;		 /* [V] NPT generation at the last VMRUN */
	uint32_t irq_pending[8];	 /* [A] vectors taken from the LAPIC, not yet posted */
	uint32_t ipi_pending[8];	 /* [A] of those, IPIs from other vCPUs (irq.c) */
	uint32_t ipi_in_service[8];	 /* [V] IPIs posted and not yet EOI'd by the guest */
	uint32_t start;			 /* [A] AP: a VMPL0 VMSA was created to run now */
	uint64_t nmi_iret_rip; /* [V] the IRET that ends a virtual NMI, until it has run */
	bool nmi_stepping;     /* [V] that IRET is single-stepped: an NMI waits for it */
	bool running;	       /* [V] */
};
extern struct vcpu vcpus[MAX_VCPUS];
extern unsigned int vcpu_count;

/* lock.c: one lock for RMP, NPT and AP creation (lock order: only this). */
void vm_lock(void);
void vm_unlock(void);

/* memmap.c: guest RAM, its e820 view */
void memmap_init(void);
bool gpa_is_ram(uint64_t gpa); /* plain GPA (no C-bit) */
bool gpa_is_mmio(uint64_t gpa);
/** [HIGH_MMIO_START, HIGH_MMIO_END): 1 GiB pieces, mapped by snpemu and the
 * NPT with large pages; true if the GiB at base is all device space. */
#define HIGH_MMIO_START (4ULL << 30)
#define HIGH_MMIO_END	CBIT_MASK
bool high_mmio_gib(uint64_t base);
bool memmap_host_ram_in(uint64_t start, uint64_t len); /* QEMU's RAM, any of it */
/** [start, start + len) lies in one guest RAM range and is its own host
 * memory (outside the legacy and firmware windows). */
bool memmap_identity_ram(uint64_t start, uint64_t len);
bool memmap_ram_overlaps(uint64_t start, uint64_t len); /* any guest RAM range */
bool memmap_ram_covers(uint64_t start, uint64_t len);	/* one guest RAM range */
void *gpa_to_hva(uint64_t gpa);				/* guest memory only; NULL otherwise */
uint64_t gpa_to_hpa(uint64_t gpa);
bool memmap_back_firmware_page(uint64_t gpa);
uint64_t memmap_rmp_index(uint64_t gpa);
uint64_t memmap_rmp_entries(void);
void *memmap_rmp_memory(uint64_t bytes);	       /* where the RMP lives (zeroed) */
void memmap_table_pool(uint64_t *pa, uint64_t *bytes); /* for page_alloc, above 4 GiB */
uint64_t memmap_high_ram_bytes(void);		       /* guest RAM above 4 GiB */
unsigned int memmap_e820(void *buf, unsigned int max_entries);

/* rmp.c */
void rmp_init(void);
struct rmp_entry *rmp_get(uint64_t gpa);
void rmp_assign_launch_page(uint64_t gpa); /* PSP LAUNCH_UPDATE: validated, VMPL0 */
void rmp_psmash(uint64_t gpa);
bool rmp_is_2m(uint64_t gpa);
void rmp_make_private(uint64_t gpa); /* RMPUPDATE: assigned, not validated */
void rmp_make_shared(uint64_t gpa);  /* RMPUPDATE: hypervisor-owned */
void rmp_set_validated(uint64_t gpa, bool v);
/** PVALIDATE of [gpa, gpa + size): 4 KiB, or an aligned 2 MiB entry. */
void rmp_set_validated_range(uint64_t gpa, uint64_t size, bool v);

/* npt.c: one view per (VMPL, vTOM); vtom 0 = C-bit addressing */
uint64_t npt_root(unsigned int vmpl, uint64_t vtom);
/** Recompute [gpa, gpa + size) in every view after an RMP change: one
 * 4 KiB page, or one aligned 2 MiB chunk whose 512 entries all changed. */
void npt_sync(uint64_t gpa, uint64_t size);
void npt_sync_page(uint64_t gpa);			      /* npt_sync(gpa, PAGE_SIZE) */
bool npt_private_access(uint64_t vtom, uint64_t gpa_in_view); /* which semantics */

/* igvm_load.c */
struct sev_vmsa *igvm_launch(void);

/* cpuid.c */
void snp_cpuid(uint32_t leaf, uint32_t subleaf, uint32_t r[4]);
void cpuid_page_fill(void *page);

/* secrets.c */
void secrets_page_fill(void *page);

/* guest_mem.c: the guest's own page tables */
enum walk_result { WALK_OK, WALK_PF, WALK_BAD_GPA };
enum walk_result guest_virt_to_phys(struct vcpu *v, uint64_t gva, bool write, uint64_t *gpa,
				    uint32_t *pf_error);
bool guest_read_virt(struct vcpu *v, uint64_t gva, void *dst, uint64_t len);
bool guest_write_virt(struct vcpu *v, uint64_t gva, const void *src, uint64_t len);

/* insn.c: the guest instruction at RIP (Zydis) */
bool fault_gva(struct vcpu *v, uint64_t fault_gpa, uint64_t *gva);
bool insn_cr0_write(struct vcpu *v, uint64_t *cr0);
bool insn_mov_to_cr(struct vcpu *v, unsigned int cr, uint64_t *val);
uint64_t insn_ioio_address_size(struct vcpu *v);

/* events.c: exceptions into the guest */
void inject_exception(struct vcpu *v, uint8_t vector, bool has_error, uint32_t error);
void inject_vc(struct vcpu *v, uint64_t exit_code);

/* exit.c */
_Noreturn void vcpu_run_loop(struct vcpu *v);
void advance_rip(struct vcpu *v, unsigned int len);
unsigned int insn_length(struct vcpu *v);

/* vcpu.c: contexts, RUN_VMPL, AP creation */
void vcpu_load(struct vcpu *v, unsigned int vmpl);
void vcpu_save(struct vcpu *v);
void vcpu_select_npt(struct vcpu *v);
bool vcpu_run_vmpl(struct vcpu *v, unsigned int target);
void vcpu_exit_to_vmpl0(struct vcpu *v, uint64_t code, uint64_t info1, uint64_t info2,
			uint64_t nrip);
uint64_t vcpu_ap_create(struct vcpu *v, uint64_t info1, uint64_t gpa, uint64_t sev_features);
struct vcpu *vcpu_by_apic_id(uint32_t apic_id);

/* fpu.c */
void fpu_init(void);
void fpu_save(struct vcpu *v, struct sev_vmsa *vmsa);
void fpu_load(struct vcpu *v, const struct sev_vmsa *vmsa);

/* irq.c: physical interrupts -> #HV doorbell */
void irq_init_cpu(void);
void irq_take_pending(void);
void irq_deliver(struct vcpu *v);
void irq_vnmi(struct vcpu *v);
void irq_check_doorbell_read(struct vcpu *v, unsigned int target);
/* at RUN_VMPL */		    /* before VMRUN: a virtual NMI (Alternate Injection) */
void irq_vnmi_iret(struct vcpu *v); /* the IRET intercept that ends one */
void irq_vnmi_step(struct vcpu *v); /* the #DB after that IRET */
void irq_wait(struct vcpu *v);
/** isr.asm: with GIF clear, after the last check of the wake-up condition:
 * STGI; STI; HLT; CLI, the HLT skipped if an NMI or interrupt comes after
 * the STGI (leaves GIF set). */
void halt_window(void);
bool irq_any_pending(struct vcpu *v);
uint64_t hvdb_nae(struct vcpu *v, uint64_t op, uint64_t gpa, uint64_t *out);
void lapic_eoi(void);
void irq_guest_eoi(struct vcpu *v);
void irq_send_ipi(struct vcpu *from, uint32_t dest_apic_id, uint8_t vector);
uint32_t lapic_read32(uint32_t off);
void lapic_write32(uint32_t off, uint32_t val);
void lapic_send_ipi(uint32_t dest_apic_id, uint32_t icr_lo);
uint32_t lapic_id(void);

/* smp.c */
struct vcpu *smp_bsp_setup(void);
void smp_start_aps(void);
void smp_kick(struct vcpu *v);

/* snp_insn.c */
void snp_insn_ud(struct vcpu *v);

/* ghcb_msr.c / ghcb_nae.c */
void vmgexit(struct vcpu *v);
void ghcb_nae(struct vcpu *v, uint64_t gpa);
uint64_t hv_features(void);
_Noreturn void ghcb_terminate(unsigned int set, unsigned int code);

/* io.c */
bool io_port_in(uint16_t port, unsigned int size, uint32_t *val);
bool io_port_out(uint16_t port, unsigned int size, uint32_t val);
bool mmio_read(uint64_t gpa, unsigned int size, uint64_t *val);
bool mmio_write(uint64_t gpa, unsigned int size, uint64_t val);
void guest_fwcfg_init(void);

/* msr.c */
enum msr_result { MSR_OK, MSR_GP };
uint64_t guest_tsc(const struct vcpu *v);
enum msr_result hv_msr_read(struct vcpu *v, uint32_t msr, uint64_t *val);
enum msr_result hv_msr_write(struct vcpu *v, uint32_t msr, uint64_t val);

/* hostile.c */
struct ghcb;
bool hostile_refuse_psc(void);
void hostile_note_validated(uint64_t gpa);
void hostile_on_vmgexit(struct vcpu *v);
void hostile_corrupt_answer(struct ghcb *out, const struct ghcb *in, uint64_t code, uint64_t info1);
bool hostile_spurious_hv(void);
bool hostile_psc_lie(void);
void hostile_mmio_pad(uint8_t *data, uint64_t len);
struct hv_doorbell;
bool hostile_doorbell(struct hv_doorbell *db);
bool hostile_port_in(uint16_t port, unsigned int size, uint32_t *val, uint16_t select,
		     uint32_t offset, uint8_t cmos_index);
unsigned int hostile_e820(uint8_t *e820, unsigned int n, unsigned int max);
struct fwcfg_filter;
void hostile_fwcfg_dir(struct fwcfg_filter *f);

/* stats.c */
void stat_exit(uint64_t code);
void stat_vmpl(struct vcpu *v, unsigned int which);
#define STAT_PVALIDATE 0
#define STAT_RMPADJUST 1
#define STAT_VMGEXIT   2
void stats_print(void);

#endif
