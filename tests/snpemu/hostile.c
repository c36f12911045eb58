/* SPDX-License-Identifier: MIT */
/*
 * Hostile mode: the hypervisor half of snpemu misbehaves on purpose, so that
 * security tests can check that the guest (the paravisor) notices.  Chosen
 * through fw_cfg opt/snpemu/config "hostile=..." (config.c).  The hardware
 * half (RMP, PVALIDATE, #VC) stays honest: these are exactly the attacks a
 * real host can mount.
 */
#include "ghcb.h"
#include "svm.h"
#include "vm.h"

static uint64_t vmgexit_count;
static uint64_t exit_count;
static uint64_t last_validated_gpa = ~0ULL;

bool hostile_refuse_psc(void)
{
	if (config.hostile_psc_refuse)
		log_printf("hostile: refusing a page state change");
	return config.hostile_psc_refuse;
}

void hostile_note_validated(uint64_t gpa)
{
	last_validated_gpa = gpa;
}

/** At the configured VMGEXIT, RMPUPDATE the last page the guest validated:
 * it comes back guest-owned but not validated, its contents gone. */
void hostile_on_vmgexit(void)
{
	if (++vmgexit_count != config.hostile_unvalidate_at || last_validated_gpa == ~0ULL)
		return;
	log_printf("hostile: unvalidating GPA %#lx behind the guest's back",
		   (unsigned long)last_validated_gpa);
	rmp_make_shared(last_validated_gpa);
	rmp_make_private(last_validated_gpa);
}

/** A wrong answer for the GHCB call just handled: registers the guest must
 * not trust, or an event the guest must refuse (only #GP/#UD are legal). */
void hostile_corrupt_answer(struct ghcb *out, uint64_t code)
{
	if (!config.hostile_ghcb_bogus)
		return;
	switch (code) {
	case SVM_EXIT_CPUID:
	case SVM_EXIT_IOIO:
	case SVM_EXIT_MSR:
		ghcb_set_rax(out, 0xBADC0FFEE0DDF00DULL);
		ghcb_set_rdx(out, 0xBADC0FFEE0DDF00DULL);
		break;
	default:
		ghcb_set_sw_exit_info_1(out, GHCB_RESULT_EXCEPTION);
		ghcb_set_sw_exit_info_2(out, SVM_EVT_MAKE(14, SVM_EVT_TYPE_EXCEPTION, true, 0));
	}
	log_printf("hostile: bogus answer to GHCB exit code %#lx", (unsigned long)code);
}

/** Every N exits, a #HV with nothing pending. */
bool hostile_spurious_hv(void)
{
	return config.hostile_spurious_hv && ++exit_count % config.hostile_spurious_hv == 0;
}
