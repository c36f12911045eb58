// SPDX-License-Identifier: MIT
/*
 * Payload runtime: per-CPU state, the page pool, VMPL0 VMSAs and SNP AP
 * creation (GHCB NAE 0x8000_0013; GHCB spec, SNP AP Creation).
 */
#include <lib/string.h>

#include "smp.h"

#define POOL_PAGES    48
#define AP_STACK_SIZE 16384
#define PAGE_SIZE     4096ull
#define PAGE_2M	      (2ull << 20)
#define X2APIC_ID_MSR 0x802u
#define MSR_EFER      0xC0000080u

/* Segment attributes and control registers of the payload's 64-bit mode
 * (the values mkigvm gives the IGVM VMSA, images/payload.c). */
#define ATTR_CODE64	0x029B
#define ATTR_DATA	0x0093
#define ATTR_LDT	0x0082
#define ATTR_TSS64_BUSY 0x008B
#define GDT_LIMIT	(3 * 8 - 1)
#define X87_FCW_FNINIT	0x037F

static struct rt_cpu cpus[SMP_MAX_CPUS];
static uint8_t pool[POOL_PAGES][PAGE_SIZE] __attribute__((aligned(4096)));
static unsigned pool_next;
static uint8_t ap_stacks[SMP_MAX_CPUS][AP_STACK_SIZE] __attribute__((aligned(16)));

struct rt_cpu *smp_cpu(unsigned index)
{
	return index < SMP_MAX_CPUS ? &cpus[index] : NULL;
}

void smp_bsp_init(void)
{
	struct rt_cpu *c = &cpus[0];

	c->self = c;
	c->index = 0;
	c->ghcb_gpa = PAYLOAD_GHCB_GPA;
	wrmsr(MSR_GS_BASE, (uintptr_t)c);
}

void *smp_page_alloc(bool not_2m)
{
	for (;;) {
		unsigned i = __atomic_fetch_add(&pool_next, 1, __ATOMIC_SEQ_CST);
		uint8_t *p;

		if (i >= POOL_PAGES)
			return NULL;
		p = pool[i];
		if (not_2m && ((uintptr_t)p & (PAGE_2M - 1)) == 0)
			continue; /* an SNP erratum (Linux snp_alloc_vmsa_page()) */
		memset(p, 0, PAGE_SIZE);
		return p;
	}
}

static void set_seg(struct vmsa_seg *s, uint16_t sel, uint16_t attrib, uint32_t limit,
		    uint64_t base)
{
	s->selector = sel;
	s->attrib = attrib;
	s->limit = limit;
	s->base = base;
}

static uint64_t read_cr(int n)
{
	uint64_t v = 0;

	if (n == 0)
		__asm__ volatile("mov %%cr0, %0" : "=r"(v));
	else if (n == 3)
		__asm__ volatile("mov %%cr3, %0" : "=r"(v));
	else if (n == 4)
		__asm__ volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}

void smp_vmsa_init(struct sev_vmsa *v, uint64_t rip, uint64_t rsp, uint64_t features)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) idtr;

	__asm__ volatile("sidt %0" : "=m"(idtr));
	memset(v, 0, sizeof(*v));
	set_seg(&v->cs, PAYLOAD_SEL_CODE64, ATTR_CODE64, 0xFFFFFFFF, 0);
	set_seg(&v->ss, PAYLOAD_SEL_DATA, ATTR_DATA, 0xFFFFFFFF, 0);
	set_seg(&v->ds, PAYLOAD_SEL_DATA, ATTR_DATA, 0xFFFFFFFF, 0);
	set_seg(&v->es, PAYLOAD_SEL_DATA, ATTR_DATA, 0xFFFFFFFF, 0);
	set_seg(&v->fs, PAYLOAD_SEL_DATA, ATTR_DATA, 0xFFFFFFFF, 0);
	set_seg(&v->gs, PAYLOAD_SEL_DATA, ATTR_DATA, 0xFFFFFFFF, 0);
	set_seg(&v->gdtr, 0, 0, GDT_LIMIT, PAYLOAD_GDT_GPA);
	set_seg(&v->idtr, 0, 0, idtr.limit, idtr.base);
	set_seg(&v->ldtr, 0, ATTR_LDT, 0xFFFF, 0);
	set_seg(&v->tr, 0, ATTR_TSS64_BUSY, 0xFFFF, 0);
	v->cr0 = read_cr(0);
	v->cr3 = read_cr(3);
	v->cr4 = read_cr(4);
	v->efer = rdmsr(MSR_EFER) | VMSA_EFER_SVME; /* SVME: runnable (APM 15.5.1) */
	v->rflags = VMSA_RESET_RFLAGS;
	v->rip = rip;
	v->rsp = rsp;
	v->dr6 = VMSA_RESET_DR6;
	v->dr7 = VMSA_RESET_DR7;
	v->g_pat = VMSA_RESET_G_PAT;
	v->xcr0 = VMSA_RESET_XCR0;
	v->mxcsr = VMSA_RESET_MXCSR;
	v->x87_fcw = X87_FCW_FNINIT;
	v->vmpl = 0;
	v->sev_features = features;
}

struct ghcb_result smp_ap_create(unsigned request, unsigned vmpl, uint32_t apic_id,
				 uint64_t vmsa_gpa, uint64_t features)
{
	struct ghcb *g = ghcb_begin();

	ghcb_set_rax(g, features);
	return ghcb_call(SVM_VMGEXIT_AP_CREATION, ghcb_ap_create_info1(request, vmpl, apic_id),
			 vmsa_gpa);
}

/** The AP's first C code, entered from its VMSA (RDI = its rt_cpu, RSI =
 * its body, GS base set, RSP as after a call). */
__attribute__((noreturn, used)) static void ap_start(struct rt_cpu *c,
						     void (*main)(struct rt_cpu *))
{
	if (!ghcb_setup(c->ghcb_gpa))
		rt_terminate(PAYLOAD_TERM_SET, PAYLOAD_TERM_FAIL);
	__atomic_store_n(&c->started, 1, __ATOMIC_SEQ_CST);
	main(c);
	__atomic_store_n(&c->done, 1, __ATOMIC_SEQ_CST);
	smp_park();
}

bool smp_start_ap(unsigned index, uint32_t apic_id, uint64_t features,
		  void (*main)(struct rt_cpu *))
{
	struct rt_cpu *c = smp_cpu(index);
	struct sev_vmsa *v = smp_page_alloc(true);
	struct ghcb_result r;
	uint64_t top;

	if (!c || index == 0 || !v) {
		CHECK(0, "CPU %u: no rt_cpu slot or no page for its VMSA", index);
		return false;
	}
	c->self = c;
	c->index = index;
	c->apic_id = apic_id;
	c->ghcb_gpa = SMP_PERCPU_GPA + index * SMP_PERCPU_STRIDE + SMP_PERCPU_GHCB;
	top = (uintptr_t)ap_stacks[index] + AP_STACK_SIZE;
	smp_vmsa_init(v, (uintptr_t)ap_start, top - 8, features);
	v->rdi = (uintptr_t)c;
	v->rsi = (uintptr_t)main;
	v->gs.base = (uintptr_t)c;
	/* The VMSA bit comes from VMPL0 with a 4K RMPADJUST; target VMPL1
	 * gets no access to the page (APM vol. 3 RMPADJUST; APM vol. 2, 15.36.12). */
	if (rmpadjust((uintptr_t)v, RMP_PG_SIZE_4K, 1 | RMPADJUST_VMSA).eax != RMPADJUST_SUCCESS) {
		CHECK(0, "CPU %u: RMPADJUST of its VMSA failed", index);
		return false;
	}
	r = smp_ap_create(SVM_VMGEXIT_AP_CREATE, 0, apic_id, (uintptr_t)v, features);
	CHECK(r.info1 == 0, "AP creation of APIC ID %u: info1 0x%llx info2 0x%llx", apic_id,
	      (unsigned long long)r.info1, (unsigned long long)r.info2);
	return r.info1 == 0;
}

bool smp_wait_flag(const uint32_t *flag, unsigned long spins)
{
	unsigned long i;

	for (i = 0; i < spins; i++) {
		if (__atomic_load_n(flag, __ATOMIC_SEQ_CST))
			return true;
		__asm__ volatile("pause");
	}
	return __atomic_load_n(flag, __ATOMIC_SEQ_CST) != 0;
}

uint32_t smp_apic_id(void)
{
	uint64_t id;

	if (!ghcb_msr_read(X2APIC_ID_MSR, &id))
		return ~0u;
	return (uint32_t)id;
}

void smp_park(void)
{
	for (;;)
		__asm__ volatile("sti; hlt; cli" ::: "memory");
}

void smp_run_on_ap(uint64_t features, void (*main)(struct rt_cpu *))
{
	if (!smp_start_ap(1, 1, features, main))
		rt_finish();
	CHECK(smp_wait_flag(&smp_cpu(1)->started, 200000000ul), "the AP did not start");
	if (!__atomic_load_n(&smp_cpu(1)->started, __ATOMIC_SEQ_CST))
		rt_finish();
	smp_park();
}
