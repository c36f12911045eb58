/* SPDX-License-Identifier: MIT */
/*
 * insn_decode(): Zydis's full decode, boiled down to struct insn.  The
 * classification and the operands of each class live in insn_operands.c.
 */
#include <Zydis/Zydis.h>

#include "insn.h"
#include "insn_zydis.h"

/** Zydis machine mode and stack width for each enum insn_mode. */
static const struct {
	ZydisMachineMode machine;
	ZydisStackWidth stack;
} insn_zydis_modes[] = {
	[INSN_MODE_REAL] = { ZYDIS_MACHINE_MODE_REAL_16, ZYDIS_STACK_WIDTH_16 },
	[INSN_MODE_PROT16] = { ZYDIS_MACHINE_MODE_LEGACY_16, ZYDIS_STACK_WIDTH_16 },
	[INSN_MODE_PROT32] = { ZYDIS_MACHINE_MODE_LEGACY_32, ZYDIS_STACK_WIDTH_32 },
	[INSN_MODE_LONG64] = { ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64 },
};

static const char *const insn_class_names[INSN_CLASS_COUNT] = {
	[INSN_OTHER] = "other",
	[INSN_MOV_LOAD] = "mov-load",
	[INSN_MOV_STORE] = "mov-store",
	[INSN_MOV_STORE_IMM] = "mov-store-imm",
	[INSN_MOVZX] = "movzx",
	[INSN_MOVSX] = "movsx",
	[INSN_MOVS] = "movs",
	[INSN_STOS] = "stos",
	[INSN_LODS] = "lods",
	[INSN_IN] = "in",
	[INSN_OUT] = "out",
	[INSN_INS] = "ins",
	[INSN_OUTS] = "outs",
	[INSN_CPUID] = "cpuid",
	[INSN_RDMSR] = "rdmsr",
	[INSN_WRMSR] = "wrmsr",
	[INSN_RDTSC] = "rdtsc",
	[INSN_RDTSCP] = "rdtscp",
	[INSN_WBINVD] = "wbinvd",
	[INSN_INVD] = "invd",
	[INSN_XSETBV] = "xsetbv",
	[INSN_MONITOR] = "monitor",
	[INSN_MWAIT] = "mwait",
	[INSN_VMMCALL] = "vmmcall",
	[INSN_VMGEXIT] = "vmgexit",
	[INSN_HLT] = "hlt",
	[INSN_MOV_TO_DR] = "mov-to-dr",
	[INSN_MOV_FROM_DR] = "mov-from-dr",
	[INSN_ADD] = "add",
	[INSN_OR] = "or",
	[INSN_ADC] = "adc",
	[INSN_SBB] = "sbb",
	[INSN_AND] = "and",
	[INSN_SUB] = "sub",
	[INSN_XOR] = "xor",
	[INSN_CMP] = "cmp",
	[INSN_TEST] = "test",
	[INSN_INC] = "inc",
	[INSN_DEC] = "dec",
	[INSN_NEG] = "neg",
	[INSN_NOT] = "not",
	[INSN_ROL] = "rol",
	[INSN_ROR] = "ror",
	[INSN_RCL] = "rcl",
	[INSN_RCR] = "rcr",
	[INSN_SHL] = "shl",
	[INSN_SHR] = "shr",
	[INSN_SAR] = "sar",
	[INSN_BT] = "bt",
	[INSN_BTS] = "bts",
	[INSN_BTR] = "btr",
	[INSN_BTC] = "btc",
	[INSN_XCHG] = "xchg",
	[INSN_CMPXCHG] = "cmpxchg",
	[INSN_CMPXCHG8B] = "cmpxchg8b",
	[INSN_CMPXCHG16B] = "cmpxchg16b",
	[INSN_XADD] = "xadd",
	[INSN_SETCC] = "setcc",
	[INSN_CMOVCC] = "cmovcc",
	[INSN_PUSH] = "push",
	[INSN_POP] = "pop",
	[INSN_CMPS] = "cmps",
	[INSN_SCAS] = "scas",
	[INSN_MOVBE] = "movbe",
	[INSN_MOVNTI] = "movnti",
	[INSN_MUL] = "mul",
	[INSN_IMUL] = "imul",
	[INSN_DIV] = "div",
	[INSN_IDIV] = "idiv",
	[INSN_MULX] = "mulx",
	[INSN_SHLD] = "shld",
	[INSN_SHRD] = "shrd",
	[INSN_BSF] = "bsf",
	[INSN_BSR] = "bsr",
	[INSN_TZCNT] = "tzcnt",
	[INSN_LZCNT] = "lzcnt",
	[INSN_POPCNT] = "popcnt",
	[INSN_ANDN] = "andn",
	[INSN_BEXTR] = "bextr",
	[INSN_BLSI] = "blsi",
	[INSN_BLSMSK] = "blsmsk",
	[INSN_BLSR] = "blsr",
	[INSN_BZHI] = "bzhi",
	[INSN_PDEP] = "pdep",
	[INSN_PEXT] = "pext",
	[INSN_SARX] = "sarx",
	[INSN_SHLX] = "shlx",
	[INSN_SHRX] = "shrx",
	[INSN_RORX] = "rorx",
	[INSN_ADCX] = "adcx",
	[INSN_ADOX] = "adox",
	[INSN_CRC32] = "crc32",
	[INSN_MOVD] = "movd",
	[INSN_MOVQ] = "movq",
	[INSN_MOVDQA] = "movdqa",
	[INSN_MOVDQU] = "movdqu",
	[INSN_MOVAPS] = "movaps",
	[INSN_MOVUPS] = "movups",
	[INSN_MOVAPD] = "movapd",
	[INSN_MOVUPD] = "movupd",
	[INSN_MOVNTDQ] = "movntdq",
	[INSN_MOVNTPS] = "movntps",
	[INSN_MOVSS] = "movss",
	[INSN_MOVSD] = "movsd",
	[INSN_MOVNTPD] = "movntpd",
	[INSN_MOVNTDQA] = "movntdqa",
	[INSN_LDDQU] = "lddqu",
	[INSN_MOVNTSS] = "movntss",
	[INSN_MOVNTSD] = "movntsd",
	[INSN_CACHE_HINT] = "cache-line hint",
};

const char *insn_class_name(unsigned int cls)
{
	return cls < INSN_CLASS_COUNT ? insn_class_names[cls] : "?";
}

const char *insn_mnemonic(const struct insn *insn)
{
	const char *s = ZydisMnemonicGetString((ZydisMnemonic)insn->mnemonic);

	return s ? s : "?";
}

/**
 * Zydis's error statuses as the guest sees them.  Everything but "no more
 * data" and "too long" is an encoding the CPU rejects with #UD: an unknown
 * opcode, LOCK where it is not allowed, a REX/VEX/EVEX misuse, a
 * nonexistent control or debug register.
 */
static enum insn_status insn_status_of(ZyanStatus status)
{
	if (ZYAN_SUCCESS(status))
		return INSN_OK;
	if (status == ZYDIS_STATUS_NO_MORE_DATA)
		return INSN_TRUNCATED;
	if (status == ZYDIS_STATUS_INSTRUCTION_TOO_LONG)
		return INSN_TOO_LONG;
	return INSN_INVALID;
}

/**
 * A decoder that decodes as an AMD CPU does: AMD_BRANCHES (66h changes a
 * near branch's operand size in 64-bit mode, and so its length; APM 24594
 * "Near branches in 64-bit mode") and no MPX (AMD has none: 0F 1A/1B are
 * hint NOPs).
 */
static bool insn_decoder_init(ZydisDecoder *dec, enum insn_mode mode)
{
	return ZYAN_SUCCESS(ZydisDecoderInit(dec, insn_zydis_modes[mode].machine,
					     insn_zydis_modes[mode].stack)) &&
	       ZYAN_SUCCESS(
		       ZydisDecoderEnableMode(dec, ZYDIS_DECODER_MODE_AMD_BRANCHES, ZYAN_TRUE)) &&
	       ZYAN_SUCCESS(ZydisDecoderEnableMode(dec, ZYDIS_DECODER_MODE_MPX, ZYAN_FALSE));
}

/**
 * The four decoders, set up once: a decoder is read-only during decoding,
 * and setting one up was a sixth of insn_decode()'s time.  The first caller
 * to claim the table fills it and publishes it; until then (or on another
 * vCPU meanwhile) a caller uses a decoder of its own on the stack.
 */
static const ZydisDecoder *insn_decoder(enum insn_mode mode, ZydisDecoder *own)
{
	enum { TABLE_EMPTY, TABLE_FILLING, TABLE_READY };
	static ZydisDecoder table[INSN_MODE_LONG64 + 1];
	static int state = TABLE_EMPTY;
	int expected = TABLE_EMPTY;

	if ((unsigned int)mode > INSN_MODE_LONG64)
		return NULL;
	if (__atomic_load_n(&state, __ATOMIC_ACQUIRE) == TABLE_READY)
		return &table[mode];
	if (__atomic_compare_exchange_n(&state, &expected, TABLE_FILLING, false, __ATOMIC_ACQUIRE,
					__ATOMIC_RELAXED)) {
		bool ok = true;
		for (unsigned int m = 0; m <= INSN_MODE_LONG64; m++)
			ok &= insn_decoder_init(&table[m], (enum insn_mode)m);
		__atomic_store_n(&state, ok ? TABLE_READY : TABLE_EMPTY, __ATOMIC_RELEASE);
		if (ok)
			return &table[mode];
	}
	return insn_decoder_init(own, mode) ? own : NULL;
}

static void insn_clear(struct insn *insn)
{
	*insn = (struct insn){
		.seg_override = INSN_SEG_NONE,
		.reg = { .index = INSN_REG_NONE },
		.reg2 = { .index = INSN_REG_NONE },
		.mem = { .base = INSN_REG_NONE, .index = INSN_REG_NONE, .seg = INSN_SEG_NONE },
	};
}

/** The last segment prefix, which is the one that counts. */
static uint8_t insn_seg_override(ZydisInstructionAttributes attr)
{
	static const struct {
		ZydisInstructionAttributes bit;
		uint8_t seg;
	} prefixes[] = {
		{ ZYDIS_ATTRIB_HAS_SEGMENT_ES, INSN_SEG_ES },
		{ ZYDIS_ATTRIB_HAS_SEGMENT_CS, INSN_SEG_CS },
		{ ZYDIS_ATTRIB_HAS_SEGMENT_SS, INSN_SEG_SS },
		{ ZYDIS_ATTRIB_HAS_SEGMENT_DS, INSN_SEG_DS },
		{ ZYDIS_ATTRIB_HAS_SEGMENT_FS, INSN_SEG_FS },
		{ ZYDIS_ATTRIB_HAS_SEGMENT_GS, INSN_SEG_GS },
	};

	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (attr & prefixes[i].bit)
			return prefixes[i].seg;
	return INSN_SEG_NONE;
}

/** Length, sizes and prefixes: what every class has. */
static void insn_fill_common(const ZydisDecodedInstruction *zi, struct insn *insn)
{
	insn->length = zi->length;
	insn->mnemonic = (uint16_t)zi->mnemonic;
	insn->op_size = zi->operand_width / 8;
	insn->addr_size = zi->address_width / 8;
	insn->rep = zi->attributes & (ZYDIS_ATTRIB_HAS_REP | ZYDIS_ATTRIB_HAS_REPE);
	insn->repne = zi->attributes & ZYDIS_ATTRIB_HAS_REPNE;
	insn->lock = zi->attributes & ZYDIS_ATTRIB_HAS_LOCK;
	insn->seg_override = insn_seg_override(zi->attributes);
}

enum insn_status insn_decode(const uint8_t *bytes, size_t len, enum insn_mode mode, uint64_t rip,
			     struct insn *insn)
{
	ZydisDecoder own;
	const ZydisDecoder *dec = insn_decoder(mode, &own);
	ZydisDecodedInstruction zi;
	ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
	enum insn_status status;

	insn_clear(insn);
	if (!dec)
		return INSN_INVALID;
	if (len > INSN_MAX_LENGTH)
		len = INSN_MAX_LENGTH;
	/* ZydisDecoderDecodeFull() less its clearing of all ten operand slots
	 * (640 bytes for a MOV): the classification reads slots 0 and 1 of any
	 * instruction, and past them only up to the operand count. */
	ZydisDecoderContext ctx;
	ZyanStatus zs = ZydisDecoderDecodeInstruction(dec, &ctx, bytes, len, &zi);
	if (ZYAN_SUCCESS(zs))
		zs = ZydisDecoderDecodeOperands(dec, &ctx, &zi, ops, zi.operand_count);
	for (unsigned int i = ZYAN_SUCCESS(zs) ? zi.operand_count : 2; i < 2; i++)
		ops[i] = (ZydisDecodedOperand){ 0 };
	status = insn_status_of(zs);
	if (status == INSN_TRUNCATED && len == INSN_MAX_LENGTH)
		return INSN_TOO_LONG;
	if (status != INSN_OK)
		return status;
	insn_fill_common(&zi, insn);
	for (unsigned int i = 0; i < zi.operand_count; i++)
		if (ops[i].type == ZYDIS_OPERAND_TYPE_MEMORY &&
		    ops[i].mem.type != ZYDIS_MEMOP_TYPE_AGEN)
			insn->touches_mem = true;
	insn_fill_class(&zi, ops, rip, insn);
	return INSN_OK;
}
