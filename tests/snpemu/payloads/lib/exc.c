// SPDX-License-Identifier: MIT
/*
 * IDT, exception dispatch and the default #VC handler.
 *
 * The #VC error code is the SVM exit code (APM vol. 2, 15.35.5).  A #VC gives
 * no exit information, so the handler decodes the instruction at RIP itself
 * (the few forms a payload uses) and asks the hypervisor through the GHCB,
 * as the Linux #VC handler does.
 */
#include <lib/string.h>

#include "cpuid_page.h"
#include "hv.h"
#include "rt.h"

/** One 16-byte IDT gate (APM vol. 2, 4.8.3). */
struct idt_gate {
	uint16_t off_lo;
	uint16_t sel;
	uint8_t ist;
	uint8_t type;
	uint16_t off_mid;
	uint32_t off_hi;
	uint32_t reserved;
} __attribute__((packed));

#define IDT_TYPE_INTR_GATE 0x8E /* present, DPL 0, 64-bit interrupt gate */

extern const uint64_t exc_stub_table[32];
void exc_dispatch(struct exc_frame *f);
void idt_init(void);

static struct idt_gate idt[32] __attribute__((aligned(16)));

volatile uint64_t rt_probe_resume;
volatile uint64_t rt_probe_rip;

static int armed_vector = -1;
static struct exc_record *armed_rec;

void exc_set_gates(void *table, const uint64_t *stubs, unsigned count)
{
	struct idt_gate *g = table;
	unsigned v;

	for (v = 0; v < count; v++) {
		uint64_t off = stubs[v];

		g[v].off_lo = (uint16_t)off;
		g[v].sel = PAYLOAD_SEL_CODE64;
		g[v].ist = 0;
		g[v].type = IDT_TYPE_INTR_GATE;
		g[v].off_mid = (uint16_t)(off >> 16);
		g[v].off_hi = (uint32_t)(off >> 32);
		g[v].reserved = 0;
	}
}

void idt_init(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) idtr = { sizeof(idt) - 1, (uintptr_t)idt };

	exc_set_gates(idt, exc_stub_table, 32);
	__asm__ volatile("lidt %0" : : "m"(idtr));
}

void exc_expect(unsigned vector, struct exc_record *rec)
{
	memset(rec, 0, sizeof(*rec));
	rt_probe_resume = 0;
	armed_rec = rec;
	armed_vector = (int)vector;
}

void exc_disarm(void)
{
	armed_vector = -1;
	armed_rec = NULL;
	rt_probe_resume = 0;
}

static uint64_t read_cr2(void)
{
	uint64_t cr2;

	__asm__ volatile("mov %%cr2, %0" : "=r"(cr2));
	return cr2;
}

__attribute__((noreturn)) static void exc_fatal(const struct exc_frame *f, const char *why)
{
	con_printf("EXCEPTION %s: vector=%llu error=0x%llx rip=0x%llx cr2=0x%llx\n", why,
		   (unsigned long long)f->vector, (unsigned long long)f->error_code,
		   (unsigned long long)f->rip, (unsigned long long)read_cr2());
	rt_terminate(PAYLOAD_TERM_SET, PAYLOAD_TERM_EXCEPTION);
}

/* ---- default #VC emulation ------------------------------------------- */

bool cpuid_page_lookup(uint32_t leaf, uint32_t subleaf, uint32_t regs[4])
{
	const struct snp_cpuid_page *p = gpa_private(PAYLOAD_CPUID_GPA);
	const struct snp_cpuid_fn *any = NULL;
	uint32_t i, n = p->count < SNP_CPUID_MAX_COUNT ? p->count : SNP_CPUID_MAX_COUNT;

	for (i = 0; i < n; i++) {
		const struct snp_cpuid_fn *e = &p->fn[i];

		if (e->eax_in != leaf)
			continue;
		if (e->ecx_in == subleaf) {
			any = e;
			break;
		}
		if (e->ecx_in == 0 && !any)
			any = e;
	}
	if (!any)
		return false;
	regs[0] = any->eax;
	regs[1] = any->ebx;
	regs[2] = any->ecx;
	regs[3] = any->edx;
	return true;
}

void cpuid_page_answer(uint64_t *rax, uint64_t *rbx, uint64_t *rcx, uint64_t *rdx)
{
	uint32_t regs[4] = { 0, 0, 0, 0 };

	/* Leaves the page lacks read as zero, as in Linux's SNP CPUID code. */
	cpuid_page_lookup((uint32_t)*rax, (uint32_t)*rcx, regs);
	*rax = regs[0];
	*rbx = regs[1];
	*rcx = regs[2];
	*rdx = regs[3];
}

static bool vc_cpuid(struct exc_frame *f, const uint8_t *ip)
{
	if (ip[0] != 0x0F || ip[1] != 0xA2)
		return false;
	cpuid_page_answer(&f->rax, &f->rbx, &f->rcx, &f->rdx);
	f->rip += 2;
	return true;
}

/** IN/OUT with an imm8 or DX port, optionally 0x66-prefixed. */
static bool vc_ioio(struct exc_frame *f, const uint8_t *ip)
{
	unsigned len = 0, size;
	bool opsize16 = false;
	uint16_t port;
	uint8_t op;

	if (ip[0] == 0x66) {
		opsize16 = true;
		len++;
	}
	op = ip[len++];
	switch (op) {
	case 0xE4:
	case 0xE5:
	case 0xE6:
	case 0xE7:
		port = ip[len++];
		break;
	case 0xEC:
	case 0xED:
	case 0xEE:
	case 0xEF:
		port = (uint16_t)f->rdx;
		break;
	default:
		return false;
	}
	size = (op & 1) ? (opsize16 ? 2 : 4) : 1;
	if (!ghcb_ioio(port, size, (op & 2) == 0, &f->rax))
		return false;
	f->rip += len;
	return true;
}

static bool vc_msr(struct exc_frame *f, const uint8_t *ip)
{
	uint64_t val;

	if (ip[0] != 0x0F || (ip[1] != 0x32 && ip[1] != 0x30))
		return false;
	if (ip[1] == 0x32) {
		if (!ghcb_msr_read((uint32_t)f->rcx, &val))
			return false;
		f->rax = (uint32_t)val;
		f->rdx = val >> 32;
	} else if (!ghcb_msr_write((uint32_t)f->rcx,
				   ((uint64_t)(uint32_t)f->rdx << 32) | (uint32_t)f->rax)) {
		return false;
	}
	f->rip += 2;
	return true;
}

static bool vc_rdtsc(struct exc_frame *f, const uint8_t *ip)
{
	struct ghcb *g;

	if (ip[0] != 0x0F || ip[1] != 0x31)
		return false;
	g = ghcb_begin();
	if (ghcb_call(SVM_EXIT_RDTSC, 0, 0).info1 != 0 || !ghcb_rax_is_valid(g) ||
	    !ghcb_rdx_is_valid(g))
		return false;
	f->rax = (uint32_t)g->save.rax;
	f->rdx = (uint32_t)g->save.rdx;
	f->rip += 2;
	return true;
}

static bool vc_wbinvd(struct exc_frame *f, const uint8_t *ip)
{
	if (ip[0] != 0x0F || ip[1] != 0x09)
		return false;
	ghcb_begin();
	if (ghcb_call(SVM_EXIT_WBINVD, 0, 0).info1 != 0)
		return false;
	f->rip += 2;
	return true;
}

/** #VC error codes the default handler emulates (a const table keyed by
 * exit code). */
static const struct {
	uint64_t exit_code;
	bool (*emulate)(struct exc_frame *f, const uint8_t *ip);
} vc_handlers[] = {
	{ SVM_EXIT_CPUID, vc_cpuid }, { SVM_EXIT_IOIO, vc_ioio },     { SVM_EXIT_MSR, vc_msr },
	{ SVM_EXIT_RDTSC, vc_rdtsc }, { SVM_EXIT_WBINVD, vc_wbinvd },
};

static void vc_default(struct exc_frame *f)
{
	const uint8_t *ip = (const uint8_t *)(uintptr_t)f->rip;
	size_t i;

	for (i = 0; i < sizeof(vc_handlers) / sizeof(vc_handlers[0]); i++) {
		if (vc_handlers[i].exit_code == f->error_code) {
			if (vc_handlers[i].emulate(f, ip))
				return;
			break;
		}
	}
	exc_fatal(f, "unhandled #VC");
}

void exc_dispatch(struct exc_frame *f)
{
	if (armed_vector >= 0 && f->vector == (uint64_t)armed_vector) {
		struct exc_record *rec = armed_rec;

		if (rec->hits++ == 0) {
			rec->error_code = f->error_code;
			rec->rip = f->rip;
			rec->cr2 = read_cr2();
		}
		armed_vector = -1;
		if (rt_probe_resume) {
			f->rip = rt_probe_resume;
			rt_probe_resume = 0;
			return;
		}
	}
	if (f->vector == X86_VECTOR_VC) {
		vc_default(f);
		return;
	}
	if (f->vector == X86_VECTOR_HV) {
		hv_handle(f); /* Restricted Injection (hv.c) */
		return;
	}
	exc_fatal(f, "unexpected");
}
