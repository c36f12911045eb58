/* SPDX-License-Identifier: MIT */
/* Private to decoder/emul*.c: registers, addresses and hook calls. */
#ifndef DECODER_EMUL_PRIV_H
#define DECODER_EMUL_PRIV_H

#include "emul.h"

#define EMUL_CR0_PE	    (1ULL << 0)
#define EMUL_CR4_LA57	    (1ULL << 12)
#define EMUL_EFER_LMA	    (1ULL << 10)
#define EMUL_CF		    (1ULL << 0)
#define EMUL_PF		    (1ULL << 2)
#define EMUL_AF		    (1ULL << 4)
#define EMUL_ZF		    (1ULL << 6)
#define EMUL_SF		    (1ULL << 7)
#define EMUL_OF		    (1ULL << 11)
#define EMUL_FLAGS_ARITH    (EMUL_CF | EMUL_PF | EMUL_AF | EMUL_ZF | EMUL_SF | EMUL_OF)
#define EMUL_RFLAGS_DF	    (1ULL << 10)
#define EMUL_RFLAGS_RF	    (1ULL << 16)
#define EMUL_RFLAGS_VM	    (1ULL << 17)
#define EMUL_SEG_TYPE_MASK  0x000f
#define EMUL_SEG_TYPE_WRITE 0x0002 /**< data: writable; code: readable */
#define EMUL_SEG_TYPE_DOWN  0x0004 /**< data: expand-down */
#define EMUL_SEG_TYPE_CODE  0x0008
#define EMUL_SEG_P	    0x0080
#define EMUL_SEG_L	    0x0200
#define EMUL_SEG_DB	    0x0400

/** Start a call: out is in's registers and flags, no fault, no progress. */
void emul_reset(struct emul_ctxt *ctxt);

/** All ones in the low size bytes (size 1, 2, 4 or 8). */
uint64_t emul_size_mask(unsigned int size);

/** A register operand's current value (zero-extended). */
uint64_t emul_reg_read(const struct emul_ctxt *ctxt, const struct insn_reg *reg);

/**
 * Write a register operand as the CPU does: 4 bytes zero-extend to 64 bits,
 * 1 and 2 bytes (and AH..BH) keep the other bits.
 */
void emul_reg_write(struct emul_ctxt *ctxt, const struct insn_reg *reg, uint64_t val);

/** GPR idx, read or written as size bytes (rSI, rDI, rCX by address size). */
uint64_t emul_gpr_read(const struct emul_ctxt *ctxt, unsigned int idx, unsigned int size);
void emul_gpr_write(struct emul_ctxt *ctxt, unsigned int idx, unsigned int size, uint64_t val);

/** The offset of a memory operand: base + index * scale + disp, cut to the address size. */
uint64_t emul_mem_offset(const struct emul_ctxt *ctxt, const struct insn_mem *mem);

/**
 * seg:offset as a linear address for an access of size bytes, with the
 * checks of the current mode: canonical form in 64-bit mode, presence,
 * rights and limit otherwise.  EMUL_EXCEPTION: #GP(0), or #SS(0) for SS.
 */
enum emul_result emul_linear(struct emul_ctxt *ctxt, unsigned int seg, uint64_t offset,
			     unsigned int size, bool write, uint64_t *linear);

/** The same checks without raising anything: true if the access passes. */
bool emul_linear_ok(const struct emul_ctxt *ctxt, unsigned int seg, uint64_t offset,
		    unsigned int size, bool write, uint64_t *linear);

/**
 * The checked linear address of the instruction's memory operand moved by
 * disp bytes (BT with a register offset; 0 otherwise), with insn.align's
 * #GP(0) rule.  EMUL_EXCEPTION: #GP(0), or #SS(0) for SS.
 */
enum emul_result emul_operand_linear(struct emul_ctxt *ctxt, uint64_t disp, bool write,
				     uint64_t *linear);

/**
 * How far BT..BTC with a register bit offset moves the memory operand: the
 * offset is signed, and the operand accessed is the one it falls in (APM
 * 24594 "BT": the offset "can range from -2^63 to +2^63-1"; SDM "BT": the
 * address moves by (offset DIV width) * width/8 bytes).  0 for the others.
 */
uint64_t emul_operand_disp(const struct emul_ctxt *ctxt);

/** Read or write size bytes at a checked linear address through the hooks. */
enum emul_result emul_read_linear(struct emul_ctxt *ctxt, const struct emul_ops *ops,
				  uint64_t linear, unsigned int size, uint64_t *val);
enum emul_result emul_write_linear(struct emul_ctxt *ctxt, const struct emul_ops *ops,
				   uint64_t linear, unsigned int size, uint64_t val);

/**
 * The same for size 1..32 bytes as they are in memory (16 and 32 only with
 * in.wide_mem, else EMUL_UNHANDLEABLE).
 */
enum emul_result emul_read_buf(struct emul_ctxt *ctxt, const struct emul_ops *ops, uint64_t linear,
			       void *buf, unsigned int size);
enum emul_result emul_write_buf(struct emul_ctxt *ctxt, const struct emul_ops *ops, uint64_t linear,
				const void *buf, unsigned int size);

/**
 * Read the instruction's memory operand (mem.size bytes, at most 8) after
 * the checks of a read access: emul_operand_linear(), then read_mem.
 */
enum emul_result emul_read_operand(struct emul_ctxt *ctxt, const struct emul_ops *ops,
				   uint64_t *val);

/** A hook's result, made safe: EXCEPTION needs a fault, anything unknown is UNHANDLEABLE. */
enum emul_result emul_hook_result(struct emul_ctxt *ctxt, enum emul_result r);

/** The port of IN/OUT: imm8, or DX. */
uint16_t emul_port(const struct emul_ctxt *ctxt);

/** MOV, MOVZX, MOVSX, MOVBE, MOVNTI, CMOVcc, SETcc, PUSH, POP, IN, OUT (emul_move.c). */
enum emul_result emul_move(struct emul_ctxt *ctxt, const struct emul_ops *ops);

/** MOVS, STOS, LODS, CMPS, SCAS, INS, OUTS with or without REP (emul_string.c). */
enum emul_result emul_string(struct emul_ctxt *ctxt, const struct emul_ops *ops);

/**
 * The value and RFLAGS of d op s for the classes ADD..SAR, BT..BTC, XADD,
 * CMPXCHG, CMPS and SCAS (a compare), on size bytes (emul_alu.c).
 * [IN] cls, size, d (the destination), s (source, count or bit offset)
 * [IN/OUT] rflags: the arithmetic flags the operation defines are replaced
 */
uint64_t emul_alu(unsigned int cls, unsigned int size, uint64_t d, uint64_t s, uint64_t *rflags);

/**
 * SHLD or SHRD (cls) of d with the bits of s, by count, on size bytes
 * (emul_alu.c).  [IN/OUT] rflags: CF PF AF ZF SF OF replaced (count not 0)
 */
uint64_t emul_shift_double(unsigned int cls, unsigned int size, uint64_t d, uint64_t s,
			   uint64_t count, uint64_t *rflags);

/** PF (EMUL_PF or 0): even parity of the low byte of r (emul_alu.c). */
uint64_t emul_parity(uint64_t r);

/** Condition code cc (0-15, as in Jcc/SETcc/CMOVcc) on rflags. */
bool emul_cond(unsigned int cc, uint64_t rflags);

/** ADD..SAR, SHLD, SHRD, BT..BTC, XCHG, CMPXCHG, CMPXCHG8B/16B, XADD on memory (emul_arith.c). */
enum emul_result emul_arith(struct emul_ctxt *ctxt, const struct emul_ops *ops);

/** MUL, IMUL, DIV, IDIV, MULX with a memory operand (emul_muldiv.c). */
enum emul_result emul_muldiv(struct emul_ctxt *ctxt, const struct emul_ops *ops);

/** BSF..POPCNT, the BMI1/BMI2 classes, ADCX, ADOX, CRC32 from memory (emul_bitop.c). */
enum emul_result emul_bitop(struct emul_ctxt *ctxt, const struct emul_ops *ops);

/** MOVD..MOVNTSD between a vector register and memory (emul_vec.c). */
enum emul_result emul_vec(struct emul_ctxt *ctxt, const struct emul_ops *ops);

#endif /* DECODER_EMUL_PRIV_H */
