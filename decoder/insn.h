/* SPDX-License-Identifier: MIT */
/*
 * Instruction decoder: guest bytes -> a small struct insn that vc/ and the
 * emulator (emul.h) consume.  A wrapper around Zydis 4.0 (decoder only).
 *
 * insn_decode() never reads guest memory: fetching the bytes is the
 * caller's job (emul_decode() does it through ops->insn_fetch).  It reports
 * in one return value whether the bytes are an instruction, need more bytes,
 * are an invalid opcode (a guest #UD, STYLE 7) or are longer than 15 bytes
 * (a guest #GP(0), APM 24592 §1.1 "Instruction Byte Order").
 */
#ifndef DECODER_INSN_H
#define DECODER_INSN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** Longest x86 instruction, in bytes (APM 24592 §1.1). */
#define INSN_MAX_LENGTH 15

/** How the CPU decodes: the code segment's default sizes and the paging mode. */
enum insn_mode {
	INSN_MODE_REAL,	  /**< real or virtual-8086 mode: 16-bit, base = selector << 4 */
	INSN_MODE_PROT16, /**< protected or compatibility mode with CS.D = 0 */
	INSN_MODE_PROT32, /**< protected or compatibility mode with CS.D = 1 */
	INSN_MODE_LONG64, /**< 64-bit mode: EFER.LMA and CS.L */
};

/** General purpose registers, numbered as in ModRM/REX (and as in the VMSA order). */
enum insn_gpr {
	INSN_RAX,
	INSN_RCX,
	INSN_RDX,
	INSN_RBX,
	INSN_RSP,
	INSN_RBP,
	INSN_RSI,
	INSN_RDI,
	INSN_R8,
	INSN_R9,
	INSN_R10,
	INSN_R11,
	INSN_R12,
	INSN_R13,
	INSN_R14,
	INSN_R15,
	INSN_GPR_COUNT,
	INSN_REG_NONE = 0xff, /**< no register (an absolute or resolved RIP-relative address) */
};

/** Segment registers, numbered as in the ModRM sreg field (and the VMSA order). */
enum insn_seg {
	INSN_SEG_ES,
	INSN_SEG_CS,
	INSN_SEG_SS,
	INSN_SEG_DS,
	INSN_SEG_FS,
	INSN_SEG_GS,
	INSN_SEG_COUNT,
	INSN_SEG_NONE = 0xff, /**< no segment override prefix */
};

/** What the instruction is, as far as the paravisor cares. */
enum insn_class {
	INSN_OTHER,	    /**< a valid instruction of no class below */
	INSN_MOV_LOAD,	    /**< MOV reg, mem: 8A, 8B, A0, A1 (moffs) */
	INSN_MOV_STORE,	    /**< MOV mem, reg: 88, 89, A2, A3 (moffs) */
	INSN_MOV_STORE_IMM, /**< MOV mem, imm: C6 /0, C7 /0 */
	INSN_MOVZX,	    /**< MOVZX reg, mem: 0F B6, 0F B7 */
	INSN_MOVSX,	    /**< MOVSX reg, mem: 0F BE, 0F BF; MOVSXD reg, mem: 63 */
	INSN_MOVS,	    /**< MOVS: A4, A5 */
	INSN_STOS,	    /**< STOS: AA, AB */
	INSN_LODS,	    /**< LODS: AC, AD */
	INSN_IN,	    /**< IN: E4, E5, EC, ED */
	INSN_OUT,	    /**< OUT: E6, E7, EE, EF */
	INSN_INS,	    /**< INS: 6C, 6D */
	INSN_OUTS,	    /**< OUTS: 6E, 6F */
	INSN_CPUID,	    /**< 0F A2 */
	INSN_RDMSR,	    /**< 0F 32 */
	INSN_WRMSR,	    /**< 0F 30 */
	INSN_RDTSC,	    /**< 0F 31 */
	INSN_RDTSCP,	    /**< 0F 01 F9 */
	INSN_WBINVD,	    /**< 0F 09 (also F3 0F 09 WBNOINVD) */
	INSN_INVD,	    /**< 0F 08 */
	INSN_XSETBV,	    /**< 0F 01 D1 */
	INSN_MONITOR,	    /**< 0F 01 C8 MONITOR, 0F 01 FA MONITORX */
	INSN_MWAIT,	    /**< 0F 01 C9 MWAIT, 0F 01 FB MWAITX */
	INSN_VMMCALL,	    /**< 0F 01 D9 */
	INSN_VMGEXIT,	    /**< F3 0F 01 D9 (Zydis 4.0 calls it VMMCALL) */
	INSN_HLT,	    /**< F4 */
	INSN_MOV_TO_DR,	    /**< MOV DRn, reg: 0F 23 */
	INSN_MOV_FROM_DR,   /**< MOV reg, DRn: 0F 21 */
	/* Below: memory forms only (a register-only form is INSN_OTHER). */
	INSN_ADD,	 /**< ADD: 00-03, 80-83 /0 */
	INSN_OR,	 /**< OR: 08-0B, 80-83 /1 */
	INSN_ADC,	 /**< ADC: 10-13, 80-83 /2 */
	INSN_SBB,	 /**< SBB: 18-1B, 80-83 /3 */
	INSN_AND,	 /**< AND: 20-23, 80-83 /4 */
	INSN_SUB,	 /**< SUB: 28-2B, 80-83 /5 */
	INSN_XOR,	 /**< XOR: 30-33, 80-83 /6 */
	INSN_CMP,	 /**< CMP: 38-3B, 80-83 /7 */
	INSN_TEST,	 /**< TEST: 84, 85, F6/F7 /0 /1 */
	INSN_INC,	 /**< INC: FE/FF /0 */
	INSN_DEC,	 /**< DEC: FE/FF /1 */
	INSN_NEG,	 /**< NEG: F6/F7 /3 */
	INSN_NOT,	 /**< NOT: F6/F7 /2 */
	INSN_ROL,	 /**< ROL: C0/C1/D0-D3 /0 */
	INSN_ROR,	 /**< ROR: /1 */
	INSN_RCL,	 /**< RCL: /2 */
	INSN_RCR,	 /**< RCR: /3 */
	INSN_SHL,	 /**< SHL/SAL: /4, /6 */
	INSN_SHR,	 /**< SHR: /5 */
	INSN_SAR,	 /**< SAR: /7 */
	INSN_BT,	 /**< BT: 0F A3, 0F BA /4 */
	INSN_BTS,	 /**< BTS: 0F AB, 0F BA /5 */
	INSN_BTR,	 /**< BTR: 0F B3, 0F BA /6 */
	INSN_BTC,	 /**< BTC: 0F BB, 0F BA /7 */
	INSN_XCHG,	 /**< XCHG: 86, 87 */
	INSN_CMPXCHG,	 /**< CMPXCHG: 0F B0, 0F B1 */
	INSN_CMPXCHG8B,	 /**< CMPXCHG8B: 0F C7 /1 */
	INSN_CMPXCHG16B, /**< CMPXCHG16B: REX.W 0F C7 /1 */
	INSN_XADD,	 /**< XADD: 0F C0, 0F C1 */
	INSN_SETCC,	 /**< SETcc: 0F 90-9F (cc) */
	INSN_CMOVCC,	 /**< CMOVcc: 0F 40-4F (cc) */
	INSN_PUSH,	 /**< PUSH mem: FF /6 */
	INSN_POP,	 /**< POP mem: 8F /0 */
	INSN_CMPS,	 /**< CMPS: A6, A7 */
	INSN_SCAS,	 /**< SCAS: AE, AF */
	INSN_MOVBE,	 /**< MOVBE: 0F 38 F0, 0F 38 F1 */
	INSN_MOVNTI,	 /**< MOVNTI mem, reg: 0F C3 */
	INSN_MUL,	 /**< MUL: F6/F7 /4 */
	INSN_IMUL,	 /**< IMUL: F6/F7 /5; 0F AF; 69, 6B */
	INSN_DIV,	 /**< DIV: F6/F7 /6 */
	INSN_IDIV,	 /**< IDIV: F6/F7 /7 */
	INSN_MULX,	 /**< MULX: VEX.F2.0F38 F6 */
	INSN_SHLD,	 /**< SHLD: 0F A4, 0F A5 */
	INSN_SHRD,	 /**< SHRD: 0F AC, 0F AD */
	INSN_BSF,	 /**< BSF: 0F BC */
	INSN_BSR,	 /**< BSR: 0F BD */
	INSN_TZCNT,	 /**< TZCNT: F3 0F BC */
	INSN_LZCNT,	 /**< LZCNT: F3 0F BD */
	INSN_POPCNT,	 /**< POPCNT: F3 0F B8 */
	INSN_ANDN,	 /**< ANDN: VEX.0F38 F2 */
	INSN_BEXTR,	 /**< BEXTR (register control): VEX.0F38 F7 */
	INSN_BLSI,	 /**< BLSI: VEX.0F38 F3 /3 */
	INSN_BLSMSK,	 /**< BLSMSK: VEX.0F38 F3 /2 */
	INSN_BLSR,	 /**< BLSR: VEX.0F38 F3 /1 */
	INSN_BZHI,	 /**< BZHI: VEX.0F38 F5 */
	INSN_PDEP,	 /**< PDEP: VEX.F2.0F38 F5 */
	INSN_PEXT,	 /**< PEXT: VEX.F3.0F38 F5 */
	INSN_SARX,	 /**< SARX: VEX.F3.0F38 F7 */
	INSN_SHLX,	 /**< SHLX: VEX.66.0F38 F7 */
	INSN_SHRX,	 /**< SHRX: VEX.F2.0F38 F7 */
	INSN_RORX,	 /**< RORX: VEX.F2.0F3A F0 */
	INSN_ADCX,	 /**< ADCX: 66 0F 38 F6 */
	INSN_ADOX,	 /**< ADOX: F3 0F 38 F6 */
	INSN_CRC32,	 /**< CRC32: F2 0F 38 F0, F2 0F 38 F1 */
	INSN_MOVD,	 /**< (V)MOVD xmm <-> mem32: 66 0F 6E, 66 0F 7E */
	INSN_MOVQ,	 /**< (V)MOVQ xmm <-> mem64: 66 REX.W 0F 6E/7E, F3 0F 7E, 66 0F D6 */
	INSN_MOVDQA,	 /**< (V)MOVDQA: 66 0F 6F, 66 0F 7F */
	INSN_MOVDQU,	 /**< (V)MOVDQU: F3 0F 6F, F3 0F 7F */
	INSN_MOVAPS,	 /**< (V)MOVAPS: 0F 28, 0F 29 */
	INSN_MOVUPS,	 /**< (V)MOVUPS: 0F 10, 0F 11 */
	INSN_MOVAPD,	 /**< (V)MOVAPD: 66 0F 28, 66 0F 29 */
	INSN_MOVUPD,	 /**< (V)MOVUPD: 66 0F 10, 66 0F 11 */
	INSN_MOVNTDQ,	 /**< (V)MOVNTDQ: 66 0F E7 */
	INSN_MOVNTPS,	 /**< (V)MOVNTPS: 0F 2B */
	INSN_MOVSS,	 /**< (V)MOVSS xmm <-> mem32: F3 0F 10, F3 0F 11 */
	INSN_MOVSD,	 /**< (V)MOVSD xmm <-> mem64: F2 0F 10, F2 0F 11 */
	INSN_MOVNTPD,	 /**< (V)MOVNTPD: 66 0F 2B */
	INSN_MOVNTDQA,	 /**< (V)MOVNTDQA: 66 0F 38 2A (a load) */
	INSN_LDDQU,	 /**< (V)LDDQU: F2 0F F0 */
	INSN_MOVNTSS,	 /**< MOVNTSS mem32, xmm (SSE4A): F3 0F 2B */
	INSN_MOVNTSD,	 /**< MOVNTSD mem64, xmm (SSE4A): F2 0F 2B */
	/* Cache-line hints with a memory operand that access no data:
	 * CLFLUSH, CLFLUSHOPT, CLWB, PREFETCHh, PREFETCH/PREFETCHW.  The engine
	 * does not run them (there is nothing to emulate); vc/npf.c completes
	 * them on device space. */
	INSN_CACHE_HINT,
	INSN_CLASS_COUNT,
};

/** What insn_decode() made of the bytes. */
enum insn_status {
	INSN_OK,	/**< *insn is filled */
	INSN_TRUNCATED, /**< the bytes end inside the instruction: fetch more */
	INSN_INVALID,	/**< invalid opcode or prefix combination: a guest #UD */
	INSN_TOO_LONG,	/**< more than 15 bytes: a guest #GP(0) */
};

/** Vector registers: XMM0-15 (YMM0-15), numbered as in ModRM/REX/VEX. */
#define INSN_VEC_COUNT 16

/** A general purpose register operand. */
struct insn_reg {
	uint8_t index; /**< enum insn_gpr, or INSN_REG_NONE when there is none */
	uint8_t size;  /**< bytes: 1, 2, 4 or 8 */
	bool high8;    /**< AH, CH, DH, BH: bits 15:8 of index 0..3 */
};

/** A vector register operand (SSE or AVX). */
struct insn_vreg {
	uint8_t index; /**< 0..15: XMMn/YMMn */
	bool vex;      /**< VEX-encoded: a load zeroes the register above mem.size (to MAXVL) */
};

/**
 * A memory operand: offset = base + index * scale + disp, truncated to the
 * address size; the linear address adds the segment's base.  RIP-relative
 * operands are resolved: base is INSN_REG_NONE and disp holds the target.
 */
struct insn_mem {
	uint8_t base;  /**< enum insn_gpr or INSN_REG_NONE */
	uint8_t index; /**< enum insn_gpr or INSN_REG_NONE */
	uint8_t scale; /**< 1, 2, 4 or 8 */
	uint8_t seg;   /**< enum insn_seg: the effective segment (default or override) */
	uint8_t size;  /**< bytes accessed (per element for string instructions) */
	uint64_t disp; /**< sign-extended displacement, or the resolved RIP-relative target */
};

/**
 * A decoded instruction.  Fields a class does not use are zero, with
 * reg.index = reg2.index = mem.base = mem.index = INSN_REG_NONE.
 *
 * Operands by class:
 *   MOV_LOAD, MOVZX, MOVSX   reg <- mem (reg.size may exceed mem.size)
 *   MOV_STORE                mem <- reg
 *   MOV_STORE_IMM            mem <- imm (imm sign-extended to 64 bits)
 *   MOVS                     ES:rDI <- mem; mem is the source seg:rSI
 *   STOS                     mem <- reg (rAX); mem is ES:rDI
 *   LODS                     reg (rAX) <- mem; mem is seg:rSI
 *   INS                      mem <- port; mem is ES:rDI
 *   OUTS                     port <- mem; mem is seg:rSI
 *   IN, OUT                  reg (rAX) <-> port; the port is imm if has_imm, else DX
 *   MOV_TO_DR, MOV_FROM_DR   reg <-> DR[dr]
 *   ADD..CMP, TEST, BT*,     mem op= reg or imm; with reg_dst reg op= mem (ADD..CMP:
 *   XCHG, CMPXCHG, XADD      02/03-style); BT* with reg: reg is the bit offset
 *   ROL..SAR                 mem op= count: imm if has_imm (1 for D0/D1), else reg (CL)
 *   INC, DEC, NEG, NOT,      mem alone (CMPXCHG8B/16B: rDX:rAX and rCX:rBX implied,
 *   SETCC, PUSH, POP,        PUSH/POP: the stack implied); SETCC cc
 *   CMPXCHG8B, CMPXCHG16B
 *   CMOVCC                   reg <- mem if cc (reg_dst)
 *   MOVBE                    reg <- bswap(mem) with reg_dst, else mem <- bswap(reg)
 *   MOVNTI                   mem <- reg
 *   CMPS                     compare mem (seg:rSI) with ES:rDI
 *   SCAS                     compare reg (rAX) with mem (ES:rDI)
 *   MOVD..MOVNTSD            vreg <- mem with reg_dst, else mem <- vreg; align
 *   MUL, IMUL, DIV, IDIV     mem alone: rDX:rAX (AX for 8 bits) op= mem; IMUL with reg
 *                            (reg_dst): reg <- reg * mem, or reg <- mem * imm if has_imm
 *   MULX                     reg:reg2 <- rDX * mem (reg the high half, reg2 = VEX.vvvv)
 *   SHLD, SHRD               mem <- mem:reg shifted by count: imm if has_imm, else reg2 (CL)
 *   BSF..POPCNT, ADCX, ADOX, reg <- f(mem) (ADCX/ADOX: reg + mem + carry), reg_dst
 *   CRC32                    (CRC32: reg.size 4 or 8, mem.size 1..8)
 *   ANDN, PDEP, PEXT         reg <- f(reg2, mem), reg2 = VEX.vvvv, reg_dst
 *   BEXTR, BZHI, SARX,       reg <- f(mem, reg2), reg2 = VEX.vvvv, reg_dst
 *   SHLX, SHRX
 *   BLSI, BLSMSK, BLSR       reg (VEX.vvvv) <- f(mem), reg_dst
 *   RORX                     reg <- mem rotated right by imm, reg_dst
 */
struct insn {
	uint8_t length;	   /**< bytes, 1..15 */
	uint8_t cls;	   /**< enum insn_class */
	uint16_t mnemonic; /**< Zydis's mnemonic, for insn_mnemonic() (logs) */
	uint8_t op_size; /**< operand size in bytes: reg's size (per element for strings, ports) */
	uint8_t addr_size;    /**< address size in bytes: 2, 4 or 8 */
	bool rep;	      /**< F3 prefix (REP/REPE) */
	bool repne;	      /**< F2 prefix (REPNE); string moves treat it as REP */
	bool lock;	      /**< F0 prefix */
	bool has_mem;	      /**< mem is used */
	bool has_imm;	      /**< imm is used */
	bool touches_mem;     /**< some operand, implicit ones too, is memory (not LEA's) */
	uint8_t seg_override; /**< enum insn_seg of the segment prefix, or INSN_SEG_NONE */
	uint8_t dr;	      /**< debug register number for MOV_TO_DR / MOV_FROM_DR */
	uint8_t cc;	      /**< SETCC, CMOVCC: condition, the opcode's low 4 bits */
	uint8_t align;	     /**< the memory operand must be aligned to this (#GP(0)); 0: no rule */
	bool reg_dst;	     /**< the register operand (reg or vreg) is written from mem */
	struct insn_reg reg; /**< the register operand */
	struct insn_reg reg2;  /**< a second register operand (see the table above) */
	struct insn_vreg vreg; /**< the vector register operand (MOVD..MOVNTSD) */
	struct insn_mem mem;   /**< the memory operand */
	uint64_t imm;	       /**< immediate (the port for IN/OUT imm8) */
};

/**
 * Decode one instruction.
 * [IN]  bytes, len: the guest's bytes at RIP (at most 15 are looked at)
 * [IN]  mode: how the guest CPU decodes (emul_mode() computes it)
 * [IN]  rip: the instruction's RIP, to resolve RIP-relative operands
 * [OUT] insn: filled on INSN_OK, zeroed otherwise
 */
enum insn_status insn_decode(const uint8_t *bytes, size_t len, enum insn_mode mode, uint64_t rip,
			     struct insn *insn);

/** Name of an enum insn_class, for logs ("?" when out of range). */
const char *insn_class_name(unsigned int cls);

/** The instruction's mnemonic ("fld", "addps", ...), for logs ("?" when unknown). */
const char *insn_mnemonic(const struct insn *insn);

#endif /* DECODER_INSN_H */
