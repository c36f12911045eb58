/* SPDX-License-Identifier: MIT */
/* Private to decoder/insn*.c: the step from Zydis's decode to struct insn. */
#ifndef DECODER_INSN_ZYDIS_H
#define DECODER_INSN_ZYDIS_H

#include <Zydis/Zydis.h>

#include "insn.h"

/**
 * Set insn->cls and the operands of that class from Zydis's decode.
 * [IN]  zi, ops: a successful ZydisDecoderDecodeFull()
 * [IN]  rip: the instruction's RIP (RIP-relative operands)
 * [OUT] insn: cls, reg, mem, imm, dr, has_mem, has_imm
 */
void insn_fill_class(const ZydisDecodedInstruction *zi, const ZydisDecodedOperand *ops,
		     uint64_t rip, struct insn *insn);

#endif /* DECODER_INSN_ZYDIS_H */
