/* SPDX-License-Identifier: MIT */
/*
 * vc_dispatch(): exit code -> handler, and the one place that turns a
 * handler's result into RIP advance, a guest exception or a termination.
 */
#include "core/ghcb_call.h"
#include "platform/platform.h"
#include "svm.h"
#include "vc/vc.h"
#include "core/stats.h"

#include <lib/fmt.h>

typedef enum vc_result (*vc_handler)(struct vc_exit *e);

struct vc_entry {
	uint64_t code;
	vc_handler fn;
	const char *name;
};

static const struct vc_entry vc_table[] = {
	{ SVM_EXIT_CPUID, vc_handle_cpuid, "cpuid" },
	{ SVM_EXIT_IOIO, vc_handle_ioio, "ioio" },
	{ SVM_EXIT_MSR, vc_handle_msr, "msr" },
	{ SVM_EXIT_NPF, vc_handle_npf, "npf" },
	{ SVM_EXIT_HLT, vc_handle_hlt, "hlt" },
	{ SVM_EXIT_RDTSC, vc_handle_rdtsc, "rdtsc" },
	{ SVM_EXIT_RDTSCP, vc_handle_rdtsc, "rdtscp" },
	{ SVM_EXIT_WBINVD, vc_handle_nop, "wbinvd" },
	{ SVM_EXIT_INVD, vc_handle_nop, "invd" },
	{ SVM_EXIT_MONITOR, vc_handle_nop, "monitor" },
	{ SVM_EXIT_MWAIT, vc_handle_nop, "mwait" },
	{ SVM_EXIT_DR7_READ, vc_handle_dr7, "dr7" },
	{ SVM_EXIT_DR7_WRITE, vc_handle_dr7, "dr7" },
	{ SVM_EXIT_VMMCALL, vc_handle_vmmcall, "vmmcall" },
	{ SVM_EXIT_PAGE_NOT_VALIDATED, vc_handle_unvalidated, "unvalidated" },
};

#define EXIT_KINDS ARRAY_SIZE(vc_table)
static uint64_t exit_count[PV_MAX_VCPUS][EXIT_KINDS]; /* [V] by row */

static void exit_count_name(unsigned int i, char *buf, size_t len)
{
	snprintf(buf, len, "exits %#lx (%s)", (unsigned long)vc_table[i].code, vc_table[i].name);
}

static uint64_t exit_count_read(unsigned int i, unsigned int vcpu)
{
	return exit_count[vcpu][i];
}

/* "exits 0x7b (ioio): N" for each exit code the guest took */
PV_COUNTER_SET(exit_counters, .count = EXIT_KINDS, .per_vcpu = true, .name = exit_count_name,
	       .read = exit_count_read);

static const struct vc_entry *lookup(uint64_t code)
{
	for (size_t i = 0; i < ARRAY_SIZE(vc_table); i++)
		if (vc_table[i].code == code)
			return &vc_table[i];
	return NULL;
}

static void inject(struct vc_exit *e)
{
	struct sev_vmsa *a = e->vmsa;
	if (a->event_inj & SVM_EVT_VALID)
		pv_terminate(PV_TERM_BUG, "exception %u while an event is pending",
			     e->fault.vector);
	if (e->fault.vector == X86_VEC_PF)
		a->cr2 = e->fault.cr2;
	a->event_inj = SVM_EVT_MAKE(e->fault.vector, SVM_EVT_TYPE_EXCEPTION, e->fault.has_error,
				    e->fault.error);
}

/** A triple fault: a VM whose launch measurement is fixed cannot be reset
 * from inside, so the paravisor ends it, with the state that explains it. */
static _Noreturn void guest_shutdown(const struct vc_exit *e)
{
	const struct sev_vmsa *a = e->vmsa;
	pv_terminate(
		PV_TERM_GUEST_SHUTDOWN,
		"vCPU %u: the guest shut down (triple fault) at %#x:%#lx, rsp %#lx, "
		"rax %#lx rcx %#lx rdx %#lx, cr0 %#lx cr3 %#lx cr4 %#lx efer %#lx, idt %#lx/%#x, "
		"delivering %#lx",
		e->vcpu->index, a->cs.selector, (unsigned long)a->rip, (unsigned long)a->rsp,
		(unsigned long)a->rax, (unsigned long)a->rcx, (unsigned long)a->rdx,
		(unsigned long)a->cr0, (unsigned long)a->cr3, (unsigned long)a->cr4,
		(unsigned long)a->efer, (unsigned long)a->idtr.base, a->idtr.limit,
		(unsigned long)a->guest_exit_int_info);
}

void vc_dispatch(struct vc_exit *e)
{
	const struct vc_entry *h = lookup(e->code);
	if (h)
		exit_count[e->vcpu->index][h - vc_table]++;
	if (e->code == SVM_EXIT_SHUTDOWN)
		guest_shutdown(e);
	if (!h)
		pv_terminate(PV_TERM_UNSUPPORTED,
			     "guest exit %#lx at rip %#lx info1 %#lx info2 %#lx",
			     (unsigned long)e->code, (unsigned long)e->vmsa->rip,
			     (unsigned long)e->info1, (unsigned long)e->info2);
	/* console bytes the paravisor holds go out at the first exit that is not more of them */
	if (e->code != SVM_EXIT_IOIO || !devices_port_console(SVM_IOIO_PORT(e->info1)))
		devices_flush_output();
	enum vc_result r = h->fn(e);
	switch (r) {
	case VC_OK:
		e->vmsa->rip = e->nrip;
		e->vmsa->vintr_ctrl &= ~VINTR_INT_SHADOW;
		return;
	case VC_RETRY:
		return;
	case VC_EXCEPTION:
		inject(e);
		return;
	case VC_UNSUPPORTED:
		pv_terminate(PV_TERM_UNSUPPORTED, "%s exit at rip %#lx not supported (info1 %#lx)",
			     h->name, (unsigned long)e->vmsa->rip, (unsigned long)e->info1);
	case VC_DECODE_FAILED:
		pv_terminate(PV_TERM_DECODE_FAILED, "%s exit at rip %#lx: cannot decode", h->name,
			     (unsigned long)e->vmsa->rip);
	case VC_HV_ERROR:
		pv_terminate(PV_TERM_HV_ERROR, "%s exit at rip %#lx: hypervisor error", h->name,
			     (unsigned long)e->vmsa->rip);
	case VC_PAGE_REPLAY:
		pv_terminate(PV_TERM_PAGE_REPLAY,
			     "guest page at GPA %#lx came back unvalidated "
			     "(rip %#lx)",
			     (unsigned long)e->info2, (unsigned long)e->vmsa->rip);
	}
}
