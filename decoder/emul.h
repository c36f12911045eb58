/* SPDX-License-Identifier: MIT */
/*
 * The emulation engine (STYLE 16): one guest instruction that touches
 * memory or ports, run against a const ops table.
 *
 * The caller (vc/) fills ctxt->in from the VMPL1 VMSA, calls emul_execute()
 * and acts on the result as vc_dispatch() does (STYLE 7):
 *
 *   result             ctxt->out                       guest memory/ports
 *   EMUL_OK            gpr (gpr_written), rflags, rip,  written
 *                      vec (vec_written)
 *   EMUL_RETRY         gpr (gpr_written), rflags,       written (REP progress)
 *                      rip = in.rip
 *   EMUL_EXCEPTION     gpr (gpr_written), rflags, fault REP progress before the fault
 *   EMUL_UNHANDLEABLE  nothing to commit                untouched, unless a hook
 *                                                       gave up after REP progress
 *
 * With EMUL_RETRY and EMUL_EXCEPTION the register writes still count: they
 * are the completed iterations of a REP string instruction (RCX, RSI, RDI,
 * and for CMPS/SCAS the flags of the last compare), which the CPU also
 * keeps when it takes a fault or an interrupt mid-way.  Any other
 * instruction that faults leaves out.gpr, out.rflags and out.vec as in.
 *
 * Vector registers: the engine never touches the host's XMM/YMM registers.
 * A caller that wants the SSE/AVX moves run loads the guest's registers
 * into in.vec and sets in.vec_valid (without it those classes are
 * EMUL_UNHANDLEABLE), and commits out.vec[n] for each bit n of
 * out.vec_written: bytes 0-15 are XMMn, 16-31 the upper half of YMMn.  A
 * VEX-encoded load also zeroes the register above bit 255 (MAXVL): a guest
 * with AVX-512 state enabled needs those bits cleared on commit
 * (out.vec_zero_upper).
 *
 * Atomicity: a LOCK-prefixed read-modify-write (and XCHG with memory, which
 * is locked without the prefix, APM 24594 "XCHG") goes through the
 * cmpxchg_mem hook; without it the instruction is EMUL_UNHANDLEABLE.  LOCK
 * on an instruction that cannot take it is a guest #UD (the decoder's
 * INSN_INVALID, or the engine's own check for a caller-supplied insn).
 *
 * The engine checks before it acts (STYLE 8): it decodes, checks that every
 * hook the instruction needs is there, and computes and checks each address
 * (canonical form, segment limits and rights) before it calls a hook that
 * has a side effect.  What it cannot check is a page fault: MOVS reads its
 * source and INS its port before the store's hook may still fault, as on
 * the CPU.
 */
#ifndef DECODER_EMUL_H
#define DECODER_EMUL_H

#include <stdbool.h>
#include <stdint.h>

#include "insn.h"
#include "x86_fault.h" /* protocol/: the fault type */

/** What emul_execute() (and every hook) returns. */
enum emul_result {
	EMUL_OK,	   /**< done: commit out.gpr/out.rflags, move RIP to out.rip */
	EMUL_RETRY,	   /**< REP budget used up: commit out.gpr, re-enter at the same RIP */
	EMUL_EXCEPTION,	   /**< commit out.gpr, inject out.fault, RIP unchanged */
	EMUL_UNHANDLEABLE, /**< not an instruction this engine runs, or a hook is missing or gave up */
};

/** Elements a REP string instruction moves per emul_execute() call by default (STYLE 14). */
#define EMUL_REP_MAX 256

/** cmpxchg_mem() calls of one LOCKed read-modify-write before EMUL_RETRY. */
#define EMUL_LOCK_TRIES 16

/** A segment register as the VMSA/VMCB holds it (APM 24593 Table B-4). */
struct emul_seg {
	uint16_t selector;
	uint16_t attrib; /**< [3:0] type, 4 S, [6:5] DPL, 7 P, 8 AVL, 9 L, 10 D/B, 11 G */
	uint32_t limit;	 /**< byte granular (G already applied) */
	uint64_t base;
};

/** The guest state the engine reads; it never writes it. */
struct emul_input {
	uint64_t gpr[INSN_GPR_COUNT]; /**< enum insn_gpr order */
	uint64_t rip;
	uint64_t rflags;
	uint64_t cr0, cr4, efer;	     /**< mode (CR0.PE, EFER.LMA), LA57 (CR4 bit 12) */
	struct emul_seg seg[INSN_SEG_COUNT]; /**< enum insn_seg order: ES CS SS DS FS GS */
	uint8_t cpl;			     /**< for the hooks' #PF error code (U/S) */
	uint32_t rep_limit;		     /**< elements per call for REP; 0 means EMUL_REP_MAX */
	bool vec_valid;			     /**< vec holds the guest's XMM/YMM registers */
	bool wide_mem;			     /**< read_mem/write_mem take sizes 16 and 32 */
	uint8_t vec[INSN_VEC_COUNT][32];     /**< YMM0-15, little-endian (bytes 0-15: XMMn) */
};

/** What the engine reports; vc/ commits it (see the table at the top). */
struct emul_output {
	uint64_t gpr[INSN_GPR_COUNT]; /**< in.gpr with the instruction's writes */
	uint16_t gpr_written;	      /**< bit n set: gpr[n] was written */
	uint64_t rflags;	      /**< in.rflags, RF cleared on EMUL_OK */
	uint64_t rip;		      /**< EMUL_OK: the next RIP; otherwise in.rip */
	uint32_t rep_done;	      /**< string elements moved by this call */
	struct x86_fault fault;	      /**< EMUL_EXCEPTION: what to inject */
	uint16_t vec_written;	      /**< bit n set: vec[n] was written (only with in.vec_valid) */
	uint16_t vec_zero_upper;      /**< bit n set: a VEX load, bits 511:256 of ZMMn are zero */
	uint8_t vec[INSN_VEC_COUNT][32]; /**< in.vec with the instruction's writes */
};

struct emul_ctxt {
	struct emul_input in; /**< [IN] */
	void *opaque;	      /**< [IN/OUT] the hooks' own data; the engine never touches it */
	/**
	 * [IN/OUT] insn holds the decode of the bytes at in.rip: emul_decode()
	 * sets it, emul_execute() then skips fetch and decode.  Start each exit
	 * with a zeroed context (or insn_valid = false).
	 */
	bool insn_valid;
	struct insn insn;	/**< [IN/OUT] set by emul_decode() */
	struct emul_output out; /**< [OUT] */
};

/**
 * The hooks.  Each returns EMUL_OK or:
 *   EMUL_EXCEPTION     after emul_raise() or emul_page_fault() on ctxt; the
 *                      hook did nothing else (a fault is all or nothing)
 *   EMUL_RETRY         nothing done; the guest re-runs the instruction
 *   EMUL_UNHANDLEABLE  the paravisor cannot do it (the guest is terminated)
 * An EMUL_EXCEPTION without a fault becomes EMUL_UNHANDLEABLE.  A NULL hook
 * makes every instruction that needs it EMUL_UNHANDLEABLE, with no side effect.
 * Addresses are linear (segment base added, canonical, within the limit);
 * translating them through the guest's page tables is the hook's job.
 */
struct emul_ops {
	/**
	 * Read guest memory.  [IN] gva, size 1, 2, 4 or 8; 16 and 32 only when
	 * in.wide_mem (16- and 32-byte vector moves, CMPXCHG16B without LOCK)
	 * [OUT] buf (size bytes)
	 */
	enum emul_result (*read_mem)(struct emul_ctxt *ctxt, uint64_t gva, void *buf,
				     unsigned int size);
	/** Write guest memory.  [IN] gva, buf, size 1, 2, 4 or 8 (16 and 32 as read_mem) */
	enum emul_result (*write_mem)(struct emul_ctxt *ctxt, uint64_t gva, const void *buf,
				      unsigned int size);
	/**
	 * Optional: compare and exchange guest memory atomically with respect
	 * to the guest's other CPUs (what LOCK promises, APM 24594
	 * "Lock Prefix").  If the size bytes at gva equal old, write new there
	 * and set *ok; otherwise write nothing, clear *ok and return the bytes
	 * found in old.  Either way it is one locked access of the guest (a
	 * #PF reports a write: error code W set).
	 * [IN] gva, new, size 1, 2, 4, 8 or 16 (CMPXCHG16B; gva then 16-aligned)
	 * [IN/OUT] old  [OUT] *ok
	 * The engine reads the operand with read_mem first, computes, then
	 * calls this; when another CPU got in between (*ok false) it computes
	 * again from the returned bytes, at most EMUL_LOCK_TRIES times, then
	 * EMUL_RETRY.  LOCK CMPXCHG/CMPXCHG8B/16B call it once.
	 */
	enum emul_result (*cmpxchg_mem)(struct emul_ctxt *ctxt, uint64_t gva, void *old,
					const void *new, unsigned int size, bool *ok);
	/**
	 * Fetch instruction bytes (#PF error code with the I/D bit).
	 * [IN] gva, size 1..15, never crossing a 4 KiB page  [OUT] buf
	 */
	enum emul_result (*insn_fetch)(struct emul_ctxt *ctxt, uint64_t gva, void *buf,
				       unsigned int size);
	/** Read an I/O port.  [IN] port, size 1, 2 or 4  [OUT] *val (low size bytes) */
	enum emul_result (*read_io)(struct emul_ctxt *ctxt, uint16_t port, unsigned int size,
				    uint32_t *val);
	/** Write an I/O port.  [IN] port, size 1, 2 or 4, val (low size bytes) */
	enum emul_result (*write_io)(struct emul_ctxt *ctxt, uint16_t port, unsigned int size,
				     uint32_t val);
};

/** The decode mode of the guest CPU: CR0.PE, EFER.LMA, RFLAGS.VM, CS.L, CS.D. */
enum insn_mode emul_mode(const struct emul_input *in);

/**
 * Fetch the instruction at CS:in.rip through ops->insn_fetch and decode it
 * into ctxt->insn (insn_valid = true).  Fetches only the bytes the
 * instruction needs from a second page.
 * EMUL_EXCEPTION: #PF from the hook, #GP(0) for a non-canonical RIP, a CS
 * limit violation or a too-long instruction, #UD for an invalid opcode.
 */
enum emul_result emul_decode(struct emul_ctxt *ctxt, const struct emul_ops *ops);

/**
 * True when the instruction emul_decode() decoded is one of the SSE/AVX
 * moves (MOVD..MOVNTPS), the only classes that need in.vec: a caller may
 * decode first and load the guest's vector registers only for those.
 */
bool emul_needs_vec(const struct emul_ctxt *ctxt);

/**
 * Run one instruction of class MOV_LOAD, MOV_STORE, MOV_STORE_IMM, MOVZX,
 * MOVSX, MOVS, STOS, LODS, CMPS, SCAS, IN, OUT, INS or OUTS (with REP: at
 * most in.rep_limit elements, then EMUL_RETRY), or of the memory forms of
 * ADD..TEST, INC, DEC, NEG, NOT, ROL..SAR, BT..BTC, XCHG, CMPXCHG,
 * CMPXCHG8B, CMPXCHG16B, XADD, SETCC, CMOVCC, PUSH, POP, MOVBE, MOVNTI,
 * MUL, IMUL, DIV, IDIV (#DE in out.fault for a zero divisor or a quotient
 * too large), MULX, SHLD, SHRD, BSF..POPCNT, ANDN..RORX, ADCX, ADOX, CRC32
 * and (with in.vec_valid) MOVD..MOVNTSD.  Results and RFLAGS are the
 * architectural ones (emul_alu.c); flags the manuals leave undefined are
 * what an AMD Zen CPU leaves there.  Decodes first unless insn_valid (so
 * vc/ may decode, cross-check against the exit, then run).  Other classes
 * are EMUL_UNHANDLEABLE (emul_runs() is false for them): vc/ handles them
 * itself.
 */
enum emul_result emul_execute(struct emul_ctxt *ctxt, const struct emul_ops *ops);

/**
 * True when emul_execute() runs instructions of insn's class; false for
 * INSN_OTHER (x87, SSE arithmetic, far pointers, ...) and for the classes
 * the caller handles itself (CPUID, RDMSR, HLT, ...).
 */
bool emul_runs(const struct insn *insn);

/**
 * The linear address of the memory operand of the decoded instruction (for
 * string instructions, of the element at the current rSI/rDI; for BT..BTC
 * with a register offset, of the operand the offset moves to; not the
 * stack slot of PUSH/POP), with the checks an access of kind write would
 * get.  For vc/npf.c's cross-check of the GVA against the exit.
 * EMUL_EXCEPTION: #GP(0) (also for a misaligned aligned form) or #SS(0) in
 * out.fault.
 */
enum emul_result emul_mem_linear(struct emul_ctxt *ctxt, bool write, uint64_t *linear);

/** The instruction is done: RIP past it (wrapped as the mode wraps it),
 * RFLAGS.RF cleared.  emul_execute() does it; a caller that completes an
 * instruction the engine does not run (a cache-line hint) calls it. */
void emul_finish(struct emul_ctxt *ctxt);

/**
 * INS and OUTS in runs, for a caller that moves the data itself (vc/ioio.c
 * carries a run to the hypervisor in one string call): the linear address
 * of the element at rSI (OUTS) or rDI (INS), and how many elements, at
 * most max and at most rCX with REP, follow it contiguously with every
 * check of the mode passed (segment limit and rights, canonical form, no
 * wrap of the address size).  Backwards (RFLAGS.DF) a run is one element.
 * EMUL_OK with *count 0: REP with rCX 0, nothing to do.  EMUL_EXCEPTION:
 * the first element fails its checks (#GP(0) or #SS(0) in out.fault).
 * Decode first (emul_decode()).
 */
enum emul_result emul_string_run(struct emul_ctxt *ctxt, uint64_t max, uint64_t *linear,
				 uint64_t *count);

/**
 * After a run of count elements moved: rSI or rDI and (with REP) rCX move
 * on in out.  True when the instruction is complete (out.rip is then past
 * it); false when REP has elements left (re-run the instruction).
 */
bool emul_string_advance(struct emul_ctxt *ctxt, uint64_t count);

/** For hooks: report a page fault on cr2 with error_code (APM 24593 §8.4.2). */
void emul_page_fault(struct emul_ctxt *ctxt, uint64_t cr2, uint32_t error_code);

/**
 * For hooks and the engine: report exception vector with error_code, which
 * counts only for the vectors that push one (#GP, #SS, #PF, #AC, ...).
 */
void emul_raise(struct emul_ctxt *ctxt, uint8_t vector, uint32_t error_code);

#endif /* DECODER_EMUL_H */
