/* SPDX-License-Identifier: MIT */
/*
 * Exceptions into the guest.
 *
 * #VC (vector 29) carries an error code (the exit code).  QEMU 7.2 TCG
 * pushes an error code for injected events only for the vectors that have
 * one architecturally (8, 10-14, 17), so EVENTINJ cannot deliver #VC: snpemu
 * delivers it itself, as the CPU does in long mode (APM vol. 2 §8.9.3
 * "Interrupt Stack Frame", §8.9.4 IST): gate from the IDT, new CS from the
 * GDT, stack from the IST or TSS.RSPn, a 6-quadword frame.  Other
 * exceptions use EVENTINJ.
 */
#include "sev.h"
#include "svm.h"
#include "vm.h"
#include "core/x86_desc.h"

#include <lib/string.h>

void inject_exception(struct vcpu *v, uint8_t vector, bool has_error, uint32_t error)
{
	v->vmcb->control.event_inj = SVM_EVT_MAKE(vector, SVM_EVT_TYPE_EXCEPTION, has_error, error);
}

static bool read_descriptor(struct vcpu *v, uint16_t sel, uint64_t *desc)
{
	const struct vmcb_save *s = &v->vmcb->save;
	if (sel & 4)
		return false; /* LDT code segments: not supported */
	if ((uint32_t)(sel & ~7) + 7 > s->gdtr.limit)
		return false;
	return guest_read_virt(v, s->gdtr.base + (sel & ~7), desc, 8);
}

/** VMCB attribute format from a descriptor: bits 40-47 and 52-55. */
static uint16_t desc_attrib(uint64_t d)
{
	return (uint16_t)(((d >> 40) & 0xFF) | ((d >> 44) & 0xF00));
}

static bool vc_stack(struct vcpu *v, unsigned int ist, unsigned int new_cpl, uint64_t *rsp)
{
	const struct vmcb_save *s = &v->vmcb->save;
	uint64_t off;
	if (ist)
		off = 0x24 + (ist - 1) * 8; /* TSS.IST1..7 */
	else if (new_cpl < s->cpl)
		off = 4 + new_cpl * 8; /* TSS.RSP0..2 */
	else {
		*rsp = s->rsp;
		return true;
	}
	if (off + 7 > s->tr.limit)
		return false;
	return guest_read_virt(v, s->tr.base + off, rsp, 8);
}

static const char *deliver_vc(struct vcpu *v, uint64_t code)
{
	struct vmcb_save *s = &v->vmcb->save;
	struct idt_gate g;
	uint64_t desc;

	if (!(s->efer & EFER_LMA))
		return "guest is not in long mode";
	if (X86_VECTOR_VC * 16 + 15 > s->idtr.limit ||
	    !guest_read_virt(v, s->idtr.base + X86_VECTOR_VC * 16, &g, sizeof(g)))
		return "IDT entry 29 is outside the IDT or unreadable";
	unsigned int type = g.type_attr & 0xF;
	if (!(g.type_attr & 0x80) || (type != 0xE && type != 0xF))
		return "IDT entry 29 is not a present interrupt or trap gate";
	if (!read_descriptor(v, g.selector, &desc) || !(desc & BIT(47)) || !(desc & BIT(43)) ||
	    !(desc & BIT(53)))
		return "IDT entry 29 selector is not a present 64-bit code segment";
	unsigned int new_cpl = (desc >> 45) & 3;
	uint64_t rsp;
	if (!vc_stack(v, g.ist & 7, new_cpl, &rsp))
		return "TSS stack pointer unreadable";
	rsp &= ~0xFULL;
	uint64_t frame[6] = { code, s->rip, s->cs.selector, s->rflags, s->rsp, s->ss.selector };
	if (!guest_write_virt(v, rsp - sizeof(frame), frame, sizeof(frame)))
		return "#VC stack frame not writable";

	if (new_cpl != s->cpl)
		s->ss = (struct vmcb_seg){
			.selector = (uint16_t)new_cpl, .attrib = 0, .limit = 0, .base = 0
		};
	s->rsp = rsp - sizeof(frame);
	s->rip = ((uint64_t)g.offset_hi << 32) | ((uint64_t)g.offset_mid << 16) | g.offset_lo;
	s->cs = (struct vmcb_seg){
		.selector = g.selector, .attrib = desc_attrib(desc), .limit = 0xFFFFFFFF, .base = 0
	};
	s->cpl = (uint8_t)new_cpl;
	s->rflags &= ~(RFLAGS_TF | RFLAGS_NT | RFLAGS_RF | RFLAGS_VM);
	if (type == 0xE)
		s->rflags &= ~RFLAGS_IF;
	v->vmcb->control.int_shadow = 0;
	return NULL;
}

/** Raises #VC(code) in the guest, as the hardware does for an SNP guest. */
void inject_vc(struct vcpu *v, uint64_t code)
{
	const char *why = deliver_vc(v, code);
	if (why) /* the CPU would escalate to #DF and, failing that, shut down */
		guest_kill("cannot deliver #VC %#lx at rip %#lx: %s: shutdown", (unsigned long)code,
			   (unsigned long)v->vmcb->save.rip, why);
}
