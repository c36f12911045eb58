/* SPDX-License-Identifier: MIT */
/*
 * PVALIDATE and RMPADJUST.  QEMU TCG does not know them and raises #UD;
 * snpemu intercepts #UD, recognises the bytes and applies the instruction's
 * rules (APM vol. 3 "PVALIDATE", "RMPADJUST"; APM vol. 2, 15.36.6-15.36.11):
 *
 *  - CPL != 0: #GP(0).
 *  - RCX (page size) > 1, reserved RMPADJUST attribute bits, an address not
 *    aligned to the page size, a target VMPL > 3, or a VMSA request with a
 *    2 MiB size: EAX = FAIL_INPUT.
 *  - The operand is a guest virtual address: a failed walk is a guest #PF;
 *    a translation without the C-bit is FAIL_INPUT (U: APM text not read).
 *  - A GPA outside guest memory fails the RMP check with #NPF, which no
 *    hypervisor can resolve: the guest is killed, with a log line.
 *  - A hypervisor-owned page fails the RMP check with #NPF; KVM answers by
 *    converting the page to private, so snpemu does the same and retries.
 *  - 2 MiB request on 4 KiB RMP entries: FAIL_SIZEMISMATCH.  4 KiB request
 *    on a 2 MiB entry: #NPF(SIZEM), which the hypervisor fixes with PSMASH
 *    and the instruction is retried.
 *  - PVALIDATE: success; RFLAGS.CF = 1 when the Validated bit did not change.
 *  - RMPADJUST: target VMPL <= current VMPL, an unvalidated page (U), or
 *    permissions the caller does not hold: FAIL_PERMISSION.
 */
#include "sev.h"
#include "vm.h"

static const uint8_t pvalidate_bytes[] = INSN_PVALIDATE_BYTES;
static const uint8_t rmpadjust_bytes[] = INSN_RMPADJUST_BYTES;

struct snp_operand {
	uint64_t gpa;  /* plain GPA of the first page */
	uint64_t size; /* 4 KiB or 2 MiB */
};

enum operand_result { OPERAND_OK, OPERAND_FAIL_INPUT, OPERAND_FAULTED };

/** Translates and checks the page operand shared by both instructions. */
static enum operand_result snp_operand(struct vcpu *v, uint64_t gva, uint64_t size,
				       struct snp_operand *op)
{
	uint64_t gpa;
	uint32_t err;
	if (gva & (size - 1))
		return OPERAND_FAIL_INPUT;
	switch (guest_virt_to_phys(v, gva, false, &gpa, &err)) {
	case WALK_OK:
		break;
	case WALK_PF:
		v->vmcb->save.cr2 = gva;
		inject_exception(v, 14, true, err);
		return OPERAND_FAULTED;
	case WALK_BAD_GPA:
		guest_kill("guest page tables for %#lx point outside guest memory",
			   (unsigned long)gva);
	}
	if (!(gpa & CBIT_MASK))
		return OPERAND_FAIL_INPUT;
	gpa &= ~CBIT_MASK;
	if (gpa & (size - 1))
		return OPERAND_FAIL_INPUT;
	for (uint64_t p = gpa; p < gpa + size; p += PAGE_SIZE)
		if (!gpa_is_ram(p))
			guest_kill("PVALIDATE/RMPADJUST of GPA %#lx outside guest memory: "
				   "RMP check #NPF that no hypervisor can resolve",
				   (unsigned long)p);
	/* #NPF on hypervisor-owned pages: KVM converts them to private. */
	for (uint64_t p = gpa; p < gpa + size; p += PAGE_SIZE)
		rmp_make_private(p);
	/* #NPF(SIZEM) for 4 KiB on a 2 MiB entry: the hypervisor PSMASHes. */
	if (size == PAGE_SIZE)
		rmp_psmash(gpa);
	op->gpa = gpa;
	op->size = size;
	return OPERAND_OK;
}

static void set_result(struct vcpu *v, uint64_t rc, bool cf)
{
	struct vmcb_save *s = &v->vmcb->save;
	s->rax = rc;
	s->rflags = (s->rflags & ~RFLAGS_CF) | (cf ? RFLAGS_CF : 0);
}

/* Both instructions report these two the same way (APM vol. 3). */
_Static_assert(PVALIDATE_FAIL_INPUT == RMPADJUST_FAIL_INPUT, "FAIL_INPUT");
_Static_assert(PVALIDATE_FAIL_SIZEMISMATCH == RMPADJUST_FAIL_SIZEMISMATCH, "FAIL_SIZEMISMATCH");

/** The operand in RAX for page size size_sel, checked up to the RMP page
 * size; false when the instruction already has its result or fault. */
static bool page_operand(struct vcpu *v, uint64_t size_sel, struct snp_operand *op)
{
	switch (snp_operand(v, v->vmcb->save.rax, size_sel ? PAGE_2M : PAGE_SIZE, op)) {
	case OPERAND_FAULTED:
		return false;
	case OPERAND_FAIL_INPUT:
		set_result(v, PVALIDATE_FAIL_INPUT, false);
		return false;
	case OPERAND_OK:
		break;
	}
	if (op->size == PAGE_2M && !rmp_is_2m(op->gpa)) {
		set_result(v, PVALIDATE_FAIL_SIZEMISMATCH, false);
		return false;
	}
	return true;
}

static void pvalidate(struct vcpu *v)
{
	uint64_t size_sel = v->gprs.rcx & 0xFFFFFFFF;
	bool validate = v->gprs.rdx & 1;
	struct snp_operand op;

	stat_vmpl(v, STAT_PVALIDATE);
	if (size_sel > RMP_PG_SIZE_2M) {
		set_result(v, PVALIDATE_FAIL_INPUT, false);
		return;
	}
	if (!page_operand(v, size_sel, &op))
		return;
	bool was = rmp_get(op.gpa)->flags & RMP_VALIDATED;
	if (was != validate)
		rmp_set_validated_range(op.gpa, op.size, validate);
	if (validate)
		hostile_note_validated(op.gpa);
	set_result(v, PVALIDATE_SUCCESS, was == validate);
}

static uint64_t rmpadjust_check(struct vcpu *v, uint64_t attrs, uint64_t size_sel)
{
	uint64_t target = attrs & RMPADJUST_VMPL_MASK;
	if (size_sel > RMP_PG_SIZE_2M || (attrs & RMPADJUST_RSVD_MASK) || target > 3)
		return RMPADJUST_FAIL_INPUT;
	if ((attrs & RMPADJUST_VMSA) && size_sel == RMP_PG_SIZE_2M)
		return RMPADJUST_FAIL_INPUT;
	if (target <= v->vmpl)
		return RMPADJUST_FAIL_PERMISSION;
	return RMPADJUST_SUCCESS;
}

static void rmpadjust(struct vcpu *v)
{
	uint64_t size_sel = v->gprs.rcx;
	uint64_t attrs = v->gprs.rdx;
	struct snp_operand op;

	stat_vmpl(v, STAT_RMPADJUST);
	uint64_t rc = rmpadjust_check(v, attrs, size_sel);
	if (rc != RMPADJUST_SUCCESS) {
		set_result(v, rc, false);
		return;
	}
	if (!page_operand(v, size_sel, &op))
		return;
	const struct rmp_entry *e = rmp_get(op.gpa);
	uint8_t perms = (uint8_t)((attrs >> RMPADJUST_PERM_SHIFT) & RMP_PERM_ALL);
	if (!(e->flags & RMP_VALIDATED) || (perms & ~e->perms[v->vmpl])) {
		set_result(v, RMPADJUST_FAIL_PERMISSION, false);
		return;
	}
	unsigned int target = attrs & RMPADJUST_VMPL_MASK;
	for (uint64_t p = op.gpa; p < op.gpa + op.size; p += PAGE_SIZE) {
		struct rmp_entry *pe = rmp_get(p);
		pe->perms[target] = perms;
		if (v->vmpl == 0) { /* the VMSA bit is ignored above VMPL0 */
			if (attrs & RMPADJUST_VMSA)
				pe->flags |= RMP_VMSA;
			else
				pe->flags &= (uint8_t)~RMP_VMSA;
		}
	}
	npt_sync(op.gpa, op.size); /* a 2 MiB entry changes as one */
	set_result(v, RMPADJUST_SUCCESS, false);
}

static bool bytes_are(const uint8_t *have, const uint8_t *want, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		if (have[i] != want[i])
			return false;
	return true;
}

/** #UD intercept: PVALIDATE or RMPADJUST, or a real #UD for the guest. */
void snp_insn_ud(struct vcpu *v)
{
	struct vmcb_save *s = &v->vmcb->save;
	uint8_t insn[4] = { 0 };

	if (!guest_read_virt(v, s->cs.base + s->rip, insn, sizeof(insn)) ||
	    !(bytes_are(insn, pvalidate_bytes, 4) || bytes_are(insn, rmpadjust_bytes, 4))) {
		inject_exception(v, 6, false, 0);
		return;
	}
	if (!(s->efer & EFER_LMA) || !(s->cs.attrib & BIT(9)))
		guest_kill("unsupported: PVALIDATE/RMPADJUST outside 64-bit mode");
	if (s->cpl != 0 || (v->vmpl != 0 && bytes_are(insn, pvalidate_bytes, 4))) {
		inject_exception(v, 13, true, 0); /* PVALIDATE: VMPL0 only (U) */
		return;
	}
	uint64_t rip = s->rip;
	if (bytes_are(insn, pvalidate_bytes, 4))
		pvalidate(v);
	else
		rmpadjust(v);
	if (!v->vmcb->control.event_inj && s->rip == rip)
		advance_rip(v, 4);
}
