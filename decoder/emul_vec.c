/* SPDX-License-Identifier: MIT */
/*
 * SSE and AVX moves between a vector register and memory: (V)MOVD,
 * (V)MOVQ, (V)MOVDQA, (V)MOVDQU, (V)MOVAPS, (V)MOVUPS, (V)MOVAPD,
 * (V)MOVUPD, (V)MOVNTDQ, (V)MOVNTPS, (V)MOVSS, (V)MOVSD, (V)MOVNTPD,
 * (V)MOVNTDQA (the non-temporal load that reads write-combining device
 * memory), (V)LDDQU, VEX.128 and VEX.256, and SSE4A's MOVNTSS and MOVNTSD
 * (APM 26568 "MOVNTSS", "MOVNTSD": stores of the low 4 or 8 bytes, which
 * the offered CPUID passes through).  The registers are the caller's
 * copy in in.vec (emul.h): the engine never uses the host's.  A store
 * writes the operand's low mem.size bytes; a load writes them and zeroes
 * the rest of the XMM register (legacy SSE: bits 255:128 are kept) or of
 * the whole register (VEX: up to MAXVL), as APM 26568 (vol. 4) "MOVD",
 * "MOVQ", "MOVDQA", "MOVSS", "MOVSD" ... and the SDM's pages for them
 * ("VEX.128 encoded version: Bits (MAXVL-1:128) of the destination
 * register are zeroed") define (MOVSS and MOVSD from memory zero bits
 * 127:32 and 127:64).
 * The aligned forms raise #GP(0) on a misaligned operand (insn.align).
 * The CPU made the SSE/AVX #UD and #NM checks before the access that
 * brought the instruction here, so the engine does not repeat them.
 */
#include "emul_priv.h"

enum emul_result emul_vec(struct emul_ctxt *ctxt, const struct emul_ops *ops)
{
	const struct insn *insn = &ctxt->insn;
	unsigned int size = insn->mem.size, idx = insn->vreg.index & (INSN_VEC_COUNT - 1);
	unsigned int top = insn->vreg.vex ? 32 : 16;
	uint8_t *v = ctxt->out.vec[idx], buf[32];
	enum emul_result r;
	uint64_t la;

	if (!ctxt->in.vec_valid || size > sizeof(buf))
		return EMUL_UNHANDLEABLE;
	r = emul_operand_linear(ctxt, 0, !insn->reg_dst, &la);
	if (r != EMUL_OK)
		return r;
	if (!insn->reg_dst)
		return emul_write_buf(ctxt, ops, la, v, size);
	r = emul_read_buf(ctxt, ops, la, buf, size);
	if (r != EMUL_OK)
		return r;
	for (unsigned int i = 0; i < top; i++)
		v[i] = i < size ? buf[i] : 0;
	ctxt->out.vec_written |= (uint16_t)(1u << idx);
	if (insn->vreg.vex)
		ctxt->out.vec_zero_upper |= (uint16_t)(1u << idx);
	return EMUL_OK;
}
