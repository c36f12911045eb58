/* SPDX-License-Identifier: MIT */
/*
 * The guest's registers as the handlers see them, and the emulation engine
 * (decoder/emul.h) on them: one register table, one way to load the
 * engine's input from the VMSA and commit its output, one instruction
 * fetch.  Mode, addressing and segment checks are the engine's alone.
 */
#include "core/guest_mem.h"
#include "vc/vc.h"

#include <lib/string.h>

#include <stddef.h>

/* Where each GPR is in the VMSA (not in ModRM order there), as a constant
 * table: built on the stack it was 16 stores per lookup, 256 per exit. */
static const uint16_t gpr_offset[INSN_GPR_COUNT] = {
	offsetof(struct sev_vmsa, rax), offsetof(struct sev_vmsa, rcx),
	offsetof(struct sev_vmsa, rdx), offsetof(struct sev_vmsa, rbx),
	offsetof(struct sev_vmsa, rsp), offsetof(struct sev_vmsa, rbp),
	offsetof(struct sev_vmsa, rsi), offsetof(struct sev_vmsa, rdi),
	offsetof(struct sev_vmsa, r8),	offsetof(struct sev_vmsa, r9),
	offsetof(struct sev_vmsa, r10), offsetof(struct sev_vmsa, r11),
	offsetof(struct sev_vmsa, r12), offsetof(struct sev_vmsa, r13),
	offsetof(struct sev_vmsa, r14), offsetof(struct sev_vmsa, r15),
};

uint64_t *vc_gpr(struct sev_vmsa *a, unsigned int index)
{
	return index < INSN_GPR_COUNT ? (uint64_t *)((uint8_t *)a + gpr_offset[index]) : NULL;
}

void vc_emul_start(struct emul_ctxt *c, struct vc_exit *e, struct vc_emul *m)
{
	struct sev_vmsa *a = e->vmsa;
	const struct vmsa_seg *segs[INSN_SEG_COUNT] = { &a->es, &a->cs, &a->ss,
							&a->ds, &a->fs, &a->gs };
	struct emul_input *in = &c->in;

	/* Not the whole context: its two copies of the vector registers (1 KiB
	 * of its 1.5) are read only once vc_emul_load_vec() filled in.vec and
	 * set in.vec_valid, and the engine resets the rest of out and decodes
	 * into insn itself when insn_valid is false (decoder/emul.h). */
	_Static_assert(sizeof(*in) - offsetof(struct emul_input, vec) - sizeof(in->vec) <
			       _Alignof(struct emul_input),
		       "vec is the last field of struct emul_input");
	memset(in, 0, offsetof(struct emul_input, vec));
	c->insn_valid = false;
	m->e = e;
	c->opaque = m;
	for (unsigned int i = 0; i < INSN_GPR_COUNT; i++)
		in->gpr[i] = *vc_gpr(a, i);
	for (unsigned int i = 0; i < INSN_SEG_COUNT; i++)
		in->seg[i] = (struct emul_seg){ segs[i]->selector, segs[i]->attrib, segs[i]->limit,
						segs[i]->base };
	in->rip = a->rip;
	in->rflags = a->rflags;
	in->cr0 = a->cr0;
	in->cr4 = a->cr4;
	in->efer = a->efer;
	in->cpl = a->cpl;
}

/* The guest's XMM0-15 and the upper halves of YMM0-15 are in its VMSA
 * (APM vol. 2, Table B-4: 0x470 and 0x570), saved there at every exit. */
void vc_emul_load_vec(struct emul_ctxt *c, const struct vc_exit *e)
{
	for (unsigned int i = 0; i < INSN_VEC_COUNT; i++) {
		memcpy(c->in.vec[i], e->vmsa->fpreg_xmm + 16 * i, 16);
		memcpy(c->in.vec[i] + 16, e->vmsa->fpreg_ymm + 16 * i, 16);
	}
	c->in.vec_valid = true;
}

/* The engine's writes: GPRs, RFLAGS, and vector registers (a VEX load's
 * zeroing of bits 511:256 has nothing to clear: no AVX-512 is offered). */
void vc_emul_commit(struct vc_exit *e, const struct emul_output *out)
{
	for (unsigned int i = 0; i < INSN_GPR_COUNT; i++)
		if (out->gpr_written & (1u << i))
			*vc_gpr(e->vmsa, i) = out->gpr[i];
	for (unsigned int i = 0; i < INSN_VEC_COUNT; i++) {
		if (!(out->vec_written & (1u << i)))
			continue;
		memcpy(e->vmsa->fpreg_xmm + 16 * i, out->vec[i], 16);
		memcpy(e->vmsa->fpreg_ymm + 16 * i, out->vec[i] + 16, 16);
	}
	e->vmsa->rflags = out->rflags;
}

enum emul_result vc_emul_fetch(struct emul_ctxt *c, uint64_t gva, void *buf, unsigned int size)
{
	const struct vc_emul *m = c->opaque;
	struct x86_fault f;
	if (guest_copy(m->e->vmsa, gva, buf, size, false, &f))
		return EMUL_OK;
	if (f.vector == X86_VEC_PF)
		emul_page_fault(c, f.cr2, f.error | 0x10); /* I/D: an instruction fetch */
	else
		emul_raise(c, f.vector, f.error);
	return EMUL_EXCEPTION;
}

enum emul_result vc_emul_decode(struct emul_ctxt *c)
{
	static const struct emul_ops fetch_only = { .insn_fetch = vc_emul_fetch };
	return emul_decode(c, &fetch_only);
}
