// SPDX-License-Identifier: MIT
/*
 * Payload runtime: a VMPL1 context (vmpl.h).  VMPL1's code and data, then
 * what VMPL0 does to build, register, run and serve it.
 */
#include <lib/string.h>

#include "vmpl.h"

#define PAGE_SIZE     4096ull
#define PAGE_2M	      (2ull << 20)
#define GIB	      (1ull << 30)
#define V1_STACK_SIZE 8192

/* x86 paging entry bits (APM vol. 2 §5.4) */
#define PTE_P	    (1ull << 0)
#define PTE_RW	    (1ull << 1)
#define PTE_PWT	    (1ull << 3)
#define PTE_PCD	    (1ull << 4)
#define PTE_A	    (1ull << 5)
#define PTE_D	    (1ull << 6)
#define PTE_PS	    (1ull << 7)
#define PTE_TABLE   (PTE_P | PTE_RW | PTE_A)
#define PTE_LEAF_2M (PTE_P | PTE_RW | PTE_A | PTE_D | PTE_PS)

#define GDT_CODE64 0x00AF9B000000FFFFull
#define GDT_DATA   0x00CF93000000FFFFull

/** Page-table variants: C-bit addressing, and vTOM (no C-bit anywhere). */
enum { PT_CBIT, PT_VTOM, PT_VARIANTS };

/* ---- VMPL1's memory (.vmpl1_data) --------------------------------------- */

static uint64_t v1_pml4[PT_VARIANTS][512] VMPL1_DATA __attribute__((aligned(4096)));
static uint64_t v1_pdpt[PT_VARIANTS][512] VMPL1_DATA __attribute__((aligned(4096)));
static uint64_t v1_pd[PT_VARIANTS][4][512] VMPL1_DATA __attribute__((aligned(4096)));
static uint64_t v1_gdt[512] VMPL1_DATA __attribute__((aligned(4096)));
static uint8_t v1_idt[256][16] VMPL1_DATA __attribute__((aligned(4096)));
static uint8_t v1_stacks[SMP_MAX_CPUS][V1_STACK_SIZE] VMPL1_DATA __attribute__((aligned(4096)));
static struct vmpl1_state v1_states[SMP_MAX_CPUS] VMPL1_DATA;

_Static_assert(offsetof(struct vmpl1_state, self) == 0, "%gs:0 is self");
_Static_assert(sizeof(struct vmpl1_state) == 4096, "one page per vCPU");

extern const uint64_t vmpl1_stub_table[256];
extern const char __vmpl1_text_start[], __vmpl1_text_end[];
extern const char __vmpl1_data_start[], __vmpl1_data_end[];

/* ---- VMPL1 code (.vmpl1_text) ------------------------------------------ */

VMPL1_TEXT void vmpl1_yield(void)
{
	/* GHCB MSR = RUN_VMPL request for VMPL0 ([39:32] = 0), then VMGEXIT. */
	__asm__ volatile("wrmsr\n\t.byte " INSN_VMGEXIT_ASM
			 :
			 : "c"(MSR_SEV_ES_GHCB), "a"(GHCB_MSR_RUN_VMPL_REQ), "d"(0)
			 : "memory");
}

VMPL1_TEXT void vmpl1_finish(struct vmpl1_state *s)
{
	s->finished = 1;
	for (;;)
		vmpl1_yield();
}

void vmpl1_isr(struct exc_frame *f);
/** Every vector VMPL1 takes (vmpl1.asm): counted; an exception ends the
 * context (VMPL0 sees exc_count), an interrupt returns, after an x2APIC EOI
 * if VMPL0 asked for one. */
VMPL1_TEXT void vmpl1_isr(struct exc_frame *f)
{
	struct vmpl1_state *s;
	uint64_t cr2;

	__asm__ volatile("movq %%gs:0, %0" : "=r"(s));
	s->vec_count[f->vector & 255]++;
	s->last_vector = f->vector;
	s->last_error = f->error_code;
	s->last_rip = f->rip;
	if (f->vector < 32) {
		__asm__ volatile("mov %%cr2, %0" : "=r"(cr2));
		s->last_cr2 = cr2;
		s->exc_count++;
		for (;;)
			vmpl1_yield();
	}
	s->irq_count++;
	if (s->eoi_in_handler)
		vmpl1_wrmsr(0x80B, 0); /* x2APIC EOI: traps under AI */
}

/* ---- VMPL0: one-time set-up --------------------------------------------- */

static void build_page_tables(unsigned variant)
{
	uint64_t c = variant == PT_CBIT ? PAYLOAD_CBIT_MASK : 0;
	unsigned i;

	v1_pml4[variant][0] = (uintptr_t)v1_pdpt[variant] | PTE_TABLE | c;
	for (i = 0; i < 4; i++)
		v1_pdpt[variant][i] = (uintptr_t)v1_pd[variant][i] | PTE_TABLE | c;
	for (i = 0; i < 512; i++) {
		uint64_t off = (uint64_t)i * PAGE_2M;

		/* [0, 1G): RAM, private (C-bit) or below/above vTOM. */
		v1_pd[variant][0][i] = off | PTE_LEAF_2M | c;
		/* [1G, 2G): C-bit variant, shared alias of [0, 1G). */
		if (variant == PT_CBIT)
			v1_pd[variant][1][i] = off | PTE_LEAF_2M;
		/* [3G, 4G): devices, shared, uncached. */
		v1_pd[variant][3][i] = (3 * GIB + off) | PTE_LEAF_2M | PTE_PWT | PTE_PCD;
	}
}

static void build_idt(void)
{
	exc_set_gates(v1_idt, vmpl1_stub_table, 256);
	v1_gdt[PAYLOAD_SEL_CODE64 / 8] = GDT_CODE64;
	v1_gdt[PAYLOAD_SEL_DATA / 8] = GDT_DATA;
}

uint64_t *vmpl1_pde(bool vtom, uint64_t va)
{
	uint64_t *pde = &v1_pd[vtom ? PT_VTOM : PT_CBIT][(va >> 30) & 3][(va >> 21) & 511];

	return va < 4 * GIB && *pde ? pde : NULL;
}

bool vmpl_grant(uint64_t va, uint64_t len, uint64_t perms)
{
	uint64_t p;
	bool ok = true;

	for (p = va & ~(PAGE_SIZE - 1); p < va + len; p += PAGE_SIZE) {
		struct snp_ret r = rmpadjust(p, RMP_PG_SIZE_4K, 1 | perms);

		if (r.eax != RMPADJUST_SUCCESS) {
			CHECK(0, "RMPADJUST of 0x%llx for VMPL1: %u", (unsigned long long)p, r.eax);
			ok = false;
		}
	}
	return ok;
}

void vmpl1_setup(void)
{
	static uint32_t state; /* 0 none, 1 in progress, 2 done */
	uint32_t none = 0;

	if (!__atomic_compare_exchange_n(&state, &none, 1, false, __ATOMIC_SEQ_CST,
					 __ATOMIC_SEQ_CST)) {
		while (__atomic_load_n(&state, __ATOMIC_SEQ_CST) != 2)
			__asm__ volatile("pause");
		return;
	}
	build_page_tables(PT_CBIT);
	build_page_tables(PT_VTOM);
	build_idt();
	vmpl_grant((uintptr_t)__vmpl1_text_start,
		   (uintptr_t)__vmpl1_text_end - (uintptr_t)__vmpl1_text_start,
		   RMPADJUST_READ | RMPADJUST_EXEC_SUPER);
	vmpl_grant((uintptr_t)__vmpl1_data_start,
		   (uintptr_t)__vmpl1_data_end - (uintptr_t)__vmpl1_data_start,
		   RMPADJUST_READ | RMPADJUST_WRITE);
	__atomic_store_n(&state, 2, __ATOMIC_SEQ_CST);
}

/* ---- VMPL0: a context --------------------------------------------------- */

bool vmpl1_prepare(struct vmpl1 *v, void (*entry)(struct vmpl1_state *), uint64_t features,
		   uint64_t vtom)
{
	struct rt_cpu *c = smp_this_cpu();
	struct vmpl1_state *s = &v1_states[c->index];
	unsigned variant = (features & SEV_FEAT_VTOM) ? PT_VTOM : PT_CBIT;
	struct sev_vmsa *a;

	vmpl1_setup();
	memset(s, 0, sizeof(*s));
	s->self = s;
	s->cpu = c->index;
	a = smp_page_alloc(true);
	if (!a) {
		CHECK(0, "no page for a VMPL1 VMSA");
		return false;
	}
	v->vmsa = a;
	v->st = s;
	v->apic_id = smp_apic_id();
	smp_vmsa_init(a, (uintptr_t)entry, (uintptr_t)v1_stacks[c->index] + V1_STACK_SIZE - 8,
		      SEV_FEAT_SNP_ACTIVE | features);
	a->vmpl = 1;
	a->gdtr.base = (uintptr_t)v1_gdt;
	a->gdtr.limit = 3 * 8 - 1;
	a->idtr.base = (uintptr_t)v1_idt;
	a->idtr.limit = sizeof(v1_idt) - 1;
	a->cr3 = (uintptr_t)v1_pml4[variant] | (variant == PT_CBIT ? PAYLOAD_CBIT_MASK : 0);
	a->rdi = (uintptr_t)s;
	a->gs.base = (uintptr_t)s;
	if (features & SEV_FEAT_VTOM)
		a->virtual_tom = vtom;
	if (features & SEV_FEAT_ALTERNATE_INJ)
		a->vintr_ctrl = VINTR_GIF; /* as COCONUT-SVSM creates it */
	if (rmpadjust((uintptr_t)a, RMP_PG_SIZE_4K, 1 | RMPADJUST_VMSA).eax != RMPADJUST_SUCCESS) {
		CHECK(0, "RMPADJUST of the VMPL1 VMSA page failed");
		return false;
	}
	return true;
}

struct ghcb_result vmpl1_register(struct vmpl1 *v, uint64_t features)
{
	return smp_ap_create(SVM_VMGEXIT_AP_CREATE, 1, v->apic_id, (uintptr_t)v->vmsa, features);
}

bool vmpl1_create(struct vmpl1 *v, void (*entry)(struct vmpl1_state *), uint64_t features,
		  uint64_t vtom)
{
	struct ghcb_result r;

	if (!vmpl1_prepare(v, entry, features, vtom))
		return false;
	r = vmpl1_register(v, v->vmsa->sev_features);
	CHECK(r.info1 == 0, "AP creation of the VMPL1 VMSA: info1 0x%llx info2 0x%llx",
	      (unsigned long long)r.info1, (unsigned long long)r.info2);
	return r.info1 == 0;
}

uint64_t vmpl_run_msr(unsigned vmpl)
{
	return ghcb_msr_call(ghcb_msr_run_vmpl_req((uint8_t)vmpl));
}

struct ghcb_result vmpl_run_nae(unsigned vmpl)
{
	ghcb_begin();
	return ghcb_call(SVM_VMGEXIT_SNP_RUN_VMPL, vmpl, 0);
}

uint64_t vmpl1_run(struct vmpl1 *v)
{
	uint64_t resp;

	v->vmsa->guest_exit_code = VMPL1_EXIT_POISON;
	resp = vmpl_run_msr(1);
	CHECK(resp == ghcb_msr_run_vmpl_resp(0), "RUN_VMPL(1) response 0x%llx",
	      (unsigned long long)resp);
	return v->vmsa->guest_exit_code;
}

uint64_t vmpl1_run_nae(struct vmpl1 *v)
{
	struct ghcb_result r;

	v->vmsa->guest_exit_code = VMPL1_EXIT_POISON;
	r = vmpl_run_nae(1);
	CHECK(r.info1 == 0, "RUN_VMPL NAE: info1 0x%llx info2 0x%llx", (unsigned long long)r.info1,
	      (unsigned long long)r.info2);
	return v->vmsa->guest_exit_code;
}

void vmpl1_skip(struct vmpl1 *v)
{
	v->vmsa->rip = v->vmsa->guest_nrip;
}

uint64_t *vmpl1_gpr(struct sev_vmsa *a, unsigned n)
{
	static const size_t off[8] = {
		offsetof(struct sev_vmsa, rax), offsetof(struct sev_vmsa, rcx),
		offsetof(struct sev_vmsa, rdx), offsetof(struct sev_vmsa, rbx),
		offsetof(struct sev_vmsa, rsp), offsetof(struct sev_vmsa, rbp),
		offsetof(struct sev_vmsa, rsi), offsetof(struct sev_vmsa, rdi),
	};

	if (n < 8)
		return (uint64_t *)((uint8_t *)a + off[n]);
	return &a->r8 + (n & 7);
}

/* ---- VMPL0: emulation of reflected #VCs ---------------------------------- */

static const uint8_t *insn_at(const struct sev_vmsa *a)
{
	/* VMPL1 code is payload code: VMPL1 VA == GPA == VMPL0 private VA. */
	return (const uint8_t *)(uintptr_t)(a->cs.base + a->rip);
}

static bool emulate_cpuid(struct vmpl1 *v)
{
	struct sev_vmsa *a = v->vmsa;
	const uint8_t *ip = insn_at(a);

	/* Cross-check the exit against the bytes. */
	if (ip[0] != 0x0F || ip[1] != 0xA2 || a->guest_nrip != a->rip + 2)
		return false;
	cpuid_page_answer(&a->rax, &a->rbx, &a->rcx, &a->rdx);
	vmpl1_skip(v);
	return true;
}

static bool emulate_ioio(struct vmpl1 *v)
{
	struct sev_vmsa *a = v->vmsa;
	uint64_t info = a->guest_exit_info1;
	unsigned size = SVM_IOIO_DATA_SIZE(info);

	if ((info & (SVM_IOIO_STR | SVM_IOIO_REP)) || (size != 1 && size != 2 && size != 4) ||
	    !ghcb_ioio(SVM_IOIO_PORT(info), size, info & SVM_IOIO_TYPE_IN, &a->rax))
		return false;
	a->rip = a->guest_exit_info2; /* IOIO: EXITINFO2 = next RIP */
	return true;
}

static bool emulate_msr(struct vmpl1 *v)
{
	struct sev_vmsa *a = v->vmsa;
	const uint8_t *ip = insn_at(a);
	bool write = a->guest_exit_info1 == 1;
	uint64_t val;

	if (a->guest_exit_info1 > 1 || ip[0] != 0x0F || ip[1] != (write ? 0x30 : 0x32))
		return false;
	if (write) {
		if (!ghcb_msr_write((uint32_t)a->rcx,
				    ((uint64_t)(uint32_t)a->rdx << 32) | (uint32_t)a->rax))
			return false;
	} else {
		if (!ghcb_msr_read((uint32_t)a->rcx, &val))
			return false;
		a->rax = (uint32_t)val;
		a->rdx = val >> 32;
	}
	vmpl1_skip(v);
	return true;
}

/** MOV r/m32|64 <-> r32|64 with a register-indirect operand (89 /r,
 * 8B /r, optional REX): the forms the tests' VMPL1 code uses for MMIO. */
static bool emulate_mmio(struct vmpl1 *v)
{
	struct sev_vmsa *a = v->vmsa;
	const uint8_t *ip = insn_at(a);
	unsigned len = 0, rex = 0, size, reg;
	uint64_t *r, val = 0;
	uint8_t modrm;

	if (!(a->guest_exit_info1 & SVM_NPF_RSV))
		return false;
	if ((ip[0] & 0xF0) == 0x40)
		rex = ip[len++];
	if (ip[len] != 0x89 && ip[len] != 0x8B)
		return false;
	modrm = ip[len + 1];
	if ((modrm >> 6) != 0 || (modrm & 7) == 4 || (modrm & 7) == 5)
		return false;
	size = (rex & 8) ? 8 : 4;
	reg = ((modrm >> 3) & 7) | ((rex & 4) ? 8 : 0);
	/* The operand's address must be the faulting GPA. */
	if (*vmpl1_gpr(a, (modrm & 7) | ((rex & 1) ? 8 : 0)) != a->guest_exit_info2)
		return false;
	r = vmpl1_gpr(a, reg);
	if (ip[len] == 0x89) {
		val = *r;
		if (!ghcb_mmio_write(a->guest_exit_info2, &val, size))
			return false;
	} else {
		if (!ghcb_mmio_read(a->guest_exit_info2, &val, size))
			return false;
		*r = size == 4 ? (uint32_t)val : val;
	}
	a->rip += len + 2;
	return true;
}

bool vmpl1_emulate(struct vmpl1 *v)
{
	uint64_t code = v->vmsa->guest_exit_code;
	bool ok = false;

	if (code == SVM_EXIT_CPUID)
		ok = emulate_cpuid(v);
	else if (code == SVM_EXIT_IOIO)
		ok = emulate_ioio(v);
	else if (code == SVM_EXIT_MSR)
		ok = emulate_msr(v);
	else if (code == SVM_EXIT_NPF)
		ok = emulate_mmio(v);
	CHECK(ok,
	      "VMPL1 exit 0x%llx info1 0x%llx info2 0x%llx at rip 0x%llx: "
	      "not emulated",
	      (unsigned long long)code, (unsigned long long)v->vmsa->guest_exit_info1,
	      (unsigned long long)v->vmsa->guest_exit_info2, (unsigned long long)v->vmsa->rip);
	return ok;
}

bool vmpl1_run_to_finish(struct vmpl1 *v, unsigned max_exits)
{
	unsigned i;

	for (i = 0; i < max_exits; i++) {
		uint64_t code = vmpl1_run(v);

		if (code == SVM_EXIT_VMGEXIT && v->st->finished)
			return true;
		if (v->st->exc_count) {
			CHECK(0, "VMPL1 took exception %llu (error 0x%llx) at 0x%llx",
			      (unsigned long long)v->st->last_vector,
			      (unsigned long long)v->st->last_error,
			      (unsigned long long)v->st->last_rip);
			return false;
		}
		if (code == SVM_EXIT_VMGEXIT || code == SVM_EXIT_HLT || code == SVM_EXIT_INTR)
			continue; /* RIP is already past VMGEXIT / HLT */
		if (!vmpl1_emulate(v))
			return false;
	}
	CHECK(0, "VMPL1 did not finish in %u exits", max_exits);
	return false;
}

void vmpl1_inject_vintr(struct vmpl1 *v, uint8_t vector)
{
	uint64_t keep = v->vmsa->vintr_ctrl &
			~(VINTR_IRQ | VINTR_VECTOR_MASK | VINTR_PRIO_MASK | VINTR_IGN_TPR);

	v->vmsa->vintr_ctrl = keep | VINTR_IRQ | ((uint64_t)vector << VINTR_VECTOR_SHIFT) |
			      ((uint64_t)(vector >> 4) << VINTR_PRIO_SHIFT);
}

void vmpl1_inject_event(struct vmpl1 *v, uint8_t vector)
{
	v->vmsa->event_inj = SVM_EVT_MAKE(vector, SVM_EVT_TYPE_INTR, false, 0);
}
