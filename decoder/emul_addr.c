/* SPDX-License-Identifier: MIT */
/*
 * Registers, effective and linear addresses, and the memory hooks.
 * Segmentation follows APM 24593 §4.12 "Segment-Protection Overview" (and
 * §4.5.3 for real mode): in 64-bit mode only FS and GS have a base and the
 * address must be canonical; elsewhere the access must lie inside the limit
 * of a present segment with the right type.
 */
#include "emul_priv.h"

uint64_t emul_size_mask(unsigned int size)
{
	return size >= 8 ? ~0ULL : (1ULL << (size * 8)) - 1;
}

uint64_t emul_reg_read(const struct emul_ctxt *ctxt, const struct insn_reg *reg)
{
	uint64_t v = ctxt->out.gpr[reg->index & (INSN_GPR_COUNT - 1)];

	if (reg->high8)
		return (v >> 8) & 0xff;
	return v & emul_size_mask(reg->size);
}

void emul_reg_write(struct emul_ctxt *ctxt, const struct insn_reg *reg, uint64_t val)
{
	unsigned int idx = reg->index & (INSN_GPR_COUNT - 1);
	uint64_t *g = &ctxt->out.gpr[idx];

	if (reg->high8)
		*g = (*g & ~0xff00ULL) | ((val & 0xff) << 8);
	else if (reg->size >= 4)
		*g = val & emul_size_mask(reg->size);
	else
		*g = (*g & ~emul_size_mask(reg->size)) | (val & emul_size_mask(reg->size));
	ctxt->out.gpr_written |= (uint16_t)(1u << idx);
}

uint64_t emul_gpr_read(const struct emul_ctxt *ctxt, unsigned int idx, unsigned int size)
{
	struct insn_reg reg = { .index = (uint8_t)idx, .size = (uint8_t)size };

	return emul_reg_read(ctxt, &reg);
}

void emul_gpr_write(struct emul_ctxt *ctxt, unsigned int idx, unsigned int size, uint64_t val)
{
	struct insn_reg reg = { .index = (uint8_t)idx, .size = (uint8_t)size };

	emul_reg_write(ctxt, &reg, val);
}

uint64_t emul_mem_offset(const struct emul_ctxt *ctxt, const struct insn_mem *mem)
{
	uint64_t ea = mem->disp;

	if (mem->base < INSN_GPR_COUNT)
		ea += ctxt->out.gpr[mem->base];
	if (mem->index < INSN_GPR_COUNT)
		ea += ctxt->out.gpr[mem->index] * mem->scale;
	return ea & emul_size_mask(ctxt->insn.addr_size);
}

/** Bits 63:47 (63:56 with CR4.LA57) all equal (APM 24593 §5.3.1 "Canonical Address Form"). */
static bool emul_canonical(const struct emul_ctxt *ctxt, uint64_t la)
{
	unsigned int shift = (ctxt->in.cr4 & EMUL_CR4_LA57) ? 64 - 57 : 64 - 48;

	return (uint64_t)((int64_t)(la << shift) >> shift) == la;
}

/** Type and limit checks of a protected-mode data access (APM 24593 §4.12.2-4.12.3). */
static bool emul_seg_allows(const struct emul_seg *s, uint64_t offset, unsigned int size,
			    bool write)
{
	unsigned int type = s->attrib & EMUL_SEG_TYPE_MASK;
	uint64_t last = offset + size - 1;

	if (!(s->attrib & EMUL_SEG_P))
		return false; /* null or unusable */
	if (type & EMUL_SEG_TYPE_CODE)
		return !write && (type & EMUL_SEG_TYPE_WRITE) && last <= s->limit;
	if (write && !(type & EMUL_SEG_TYPE_WRITE))
		return false;
	if (type & EMUL_SEG_TYPE_DOWN)
		return offset > s->limit &&
		       last <= ((s->attrib & EMUL_SEG_DB) ? 0xffffffffULL : 0xffff);
	return last <= s->limit;
}

bool emul_linear_ok(const struct emul_ctxt *ctxt, unsigned int seg, uint64_t offset,
		    unsigned int size, bool write, uint64_t *linear)
{
	enum insn_mode mode = emul_mode(&ctxt->in);
	const struct emul_seg *s;

	if (seg >= INSN_SEG_COUNT)
		return false;
	s = &ctxt->in.seg[seg];
	if (mode == INSN_MODE_LONG64) {
		*linear = offset + ((seg == INSN_SEG_FS || seg == INSN_SEG_GS) ? s->base : 0);
		return emul_canonical(ctxt, *linear) && emul_canonical(ctxt, *linear + size - 1);
	}
	*linear = (s->base + offset) & 0xffffffffULL;
	if (mode == INSN_MODE_REAL)
		return offset + size - 1 <= s->limit;
	return emul_seg_allows(s, offset, size, write);
}

enum emul_result emul_linear(struct emul_ctxt *ctxt, unsigned int seg, uint64_t offset,
			     unsigned int size, bool write, uint64_t *linear)
{
	if (seg >= INSN_SEG_COUNT)
		return EMUL_UNHANDLEABLE;
	if (emul_linear_ok(ctxt, seg, offset, size, write, linear))
		return EMUL_OK;
	emul_raise(ctxt, seg == INSN_SEG_SS ? X86_VEC_SS : X86_VEC_GP, 0);
	return EMUL_EXCEPTION;
}

enum emul_result emul_operand_linear(struct emul_ctxt *ctxt, uint64_t disp, bool write,
				     uint64_t *linear)
{
	const struct insn *insn = &ctxt->insn;
	uint64_t offset = (emul_mem_offset(ctxt, &insn->mem) + disp) &
			  emul_size_mask(insn->addr_size);
	enum emul_result r;

	r = emul_linear(ctxt, insn->mem.seg, offset, insn->mem.size, write, linear);
	if (r == EMUL_OK && insn->align && (*linear & (insn->align - 1))) {
		/* SSE/AVX aligned forms, CMPXCHG16B (APM 24592 "Data Alignment", SDM "MOVDQA", "CMPXCHG16B") */
		emul_raise(ctxt, X86_VEC_GP, 0);
		return EMUL_EXCEPTION;
	}
	return r;
}

/** Sizes a memory hook takes: 1, 2, 4, 8, and 16 or 32 when the caller says so. */
static bool emul_hook_size_ok(const struct emul_ctxt *ctxt, unsigned int size)
{
	if (size == 16 || size == 32)
		return ctxt->in.wide_mem;
	return size == 1 || size == 2 || size == 4 || size == 8;
}

enum emul_result emul_read_buf(struct emul_ctxt *ctxt, const struct emul_ops *ops, uint64_t linear,
			       void *buf, unsigned int size)
{
	if (!ops->read_mem || !emul_hook_size_ok(ctxt, size))
		return EMUL_UNHANDLEABLE;
	return emul_hook_result(ctxt, ops->read_mem(ctxt, linear, buf, size));
}

enum emul_result emul_write_buf(struct emul_ctxt *ctxt, const struct emul_ops *ops, uint64_t linear,
				const void *buf, unsigned int size)
{
	if (!ops->write_mem || !emul_hook_size_ok(ctxt, size))
		return EMUL_UNHANDLEABLE;
	return emul_hook_result(ctxt, ops->write_mem(ctxt, linear, buf, size));
}

enum emul_result emul_read_linear(struct emul_ctxt *ctxt, const struct emul_ops *ops,
				  uint64_t linear, unsigned int size, uint64_t *val)
{
	uint8_t buf[8] = { 0 };
	enum emul_result r;

	if (size > sizeof(buf))
		return EMUL_UNHANDLEABLE;
	r = emul_read_buf(ctxt, ops, linear, buf, size);
	if (r != EMUL_OK)
		return r;
	*val = 0;
	for (unsigned int i = size; i-- > 0;)
		*val = (*val << 8) | buf[i];
	return EMUL_OK;
}

enum emul_result emul_write_linear(struct emul_ctxt *ctxt, const struct emul_ops *ops,
				   uint64_t linear, unsigned int size, uint64_t val)
{
	uint8_t buf[8];

	if (size > sizeof(buf))
		return EMUL_UNHANDLEABLE;
	for (unsigned int i = 0; i < size; i++)
		buf[i] = (uint8_t)(val >> (8 * i));
	return emul_write_buf(ctxt, ops, linear, buf, size);
}

enum emul_result emul_read_operand(struct emul_ctxt *ctxt, const struct emul_ops *ops,
				   uint64_t *val)
{
	enum emul_result r;
	uint64_t la;

	r = emul_operand_linear(ctxt, 0, false, &la);
	if (r != EMUL_OK)
		return r;
	return emul_read_linear(ctxt, ops, la, ctxt->insn.mem.size, val);
}
