/* SPDX-License-Identifier: MIT */
/*
 * GHCB: the Guest-Hypervisor Communication Block (GHCB spec 56421, protocol
 * version 2) and the GHCB MSR protocol.
 *
 * Sources: the GHCB spec (its sections are named below; docs/spec-notes.md
 * lists the documents).  The same values are in Linux: the MSR protocol, the
 * Page State Change structures and the error codes in
 * arch/x86/include/asm/sev-common.h, struct ghcb (with offset checks) in
 * arch/x86/include/asm/svm.h, the NAE exit codes in
 * arch/x86/include/uapi/asm/svm.h.  A value only one implementation defines
 * says which.
 *
 * Freestanding: only <stdint.h>, <stddef.h>, <stdbool.h>.
 */
#ifndef PROTOCOL_GHCB_H
#define PROTOCOL_GHCB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ------------------------------------------------------------------------
 * Protocol versions: Linux (GHCB_PROTOCOL_MIN/MAX in asm/sev.h) and edk2
 * accept 1..2; COCONUT-SVSM requires the range to include 2.
 * ------------------------------------------------------------------------ */
#define GHCB_PROTOCOL_MIN     1
#define GHCB_PROTOCOL_MAX     2
/** The version the paravisor needs and negotiates. */
#define GHCB_PROTOCOL_VERSION 2

/** ghcb_usage 0 = standard format (GHCB spec, GHCB layout). */
#define GHCB_USAGE_STANDARD 0

/* ------------------------------------------------------------------------
 * GHCB page layout (GHCB spec, GHCB layout; Linux struct ghcb_save_area)
 * ------------------------------------------------------------------------ */

/** The GHCB save area: 1032 bytes, VMSA offsets up to 0x390 (it differs from
 * the VMSA from 0x390 on: sw_exit_code lives there). */
struct ghcb_save_area {
	uint8_t reserved_000[0xCB];
	uint8_t cpl; /**< 0x0CB: VMMCALL NAE caller CPL */
	uint8_t reserved_0cc[0x74];
	uint64_t xss; /**< 0x140: version >= 2, CPUID 0xD */
	uint8_t reserved_148[0x18];
	uint64_t dr7; /**< 0x160 */
	uint8_t reserved_168[0x10];
	uint64_t rip; /**< 0x178 */
	uint8_t reserved_180[0x58];
	uint64_t rsp; /**< 0x1D8 */
	uint8_t reserved_1e0[0x18];
	uint64_t rax; /**< 0x1F8 */
	uint8_t reserved_200[0x108];
	uint64_t rcx;	       /**< 0x308 */
	uint64_t rdx;	       /**< 0x310 */
	uint64_t rbx;	       /**< 0x318 */
	uint64_t reserved_320; /**< 0x320: a Xen patch names it secure_avic_ctl */
	uint64_t rbp;	       /**< 0x328 */
	uint64_t rsi;	       /**< 0x330 */
	uint64_t rdi;	       /**< 0x338 */
	uint64_t r8;	       /**< 0x340 */
	uint64_t r9;
	uint64_t r10;
	uint64_t r11;
	uint64_t r12;
	uint64_t r13;
	uint64_t r14;
	uint64_t r15; /**< 0x378 */
	uint8_t reserved_380[0x10];
	uint64_t sw_exit_code;	 /**< 0x390 */
	uint64_t sw_exit_info_1; /**< 0x398 */
	uint64_t sw_exit_info_2; /**< 0x3A0 */
	uint64_t sw_scratch;	 /**< 0x3A8: GPA of the data buffer */
	uint8_t reserved_3b0[0x38];
	uint64_t xcr0;		  /**< 0x3E8 */
	uint64_t valid_bitmap[2]; /**< 0x3F0: bit n = qword at 8*n valid */
	uint64_t x87_state_gpa;	  /**< 0x400 */
};

#define GHCB_SHARED_BUF_SIZE 0x7F0 /* 2032 bytes */

/** One 4 KiB GHCB page (shared with the hypervisor). */
struct ghcb {
	struct ghcb_save_area save; /**< 0x000 .. 0x407 */
	uint8_t reserved_408[0x3F8];
	uint8_t shared_buffer[GHCB_SHARED_BUF_SIZE]; /**< 0x800 */
	uint8_t reserved_ff0[10];
	uint16_t protocol_version; /**< 0xFFA */
	uint32_t ghcb_usage;	   /**< 0xFFC */
};

_Static_assert(sizeof(struct ghcb_save_area) == 0x408,
	       "GHCB save area is 1032 bytes (GHCB spec, GHCB layout)");
_Static_assert(sizeof(struct ghcb) == 0x1000, "GHCB is one 4 KiB page (GHCB spec, GHCB layout)");
#define GHCB_ASSERT_OFF(field, off)                           \
	_Static_assert(offsetof(struct ghcb, field) == (off), \
		       "GHCB " #field " offset (GHCB spec, GHCB layout)")
GHCB_ASSERT_OFF(save.cpl, 0x0CB);
GHCB_ASSERT_OFF(save.xss, 0x140);
GHCB_ASSERT_OFF(save.dr7, 0x160);
GHCB_ASSERT_OFF(save.rip, 0x178);
GHCB_ASSERT_OFF(save.rsp, 0x1D8);
GHCB_ASSERT_OFF(save.rax, 0x1F8);
GHCB_ASSERT_OFF(save.rcx, 0x308);
GHCB_ASSERT_OFF(save.rdx, 0x310);
GHCB_ASSERT_OFF(save.rbx, 0x318);
GHCB_ASSERT_OFF(save.rbp, 0x328);
GHCB_ASSERT_OFF(save.rsi, 0x330);
GHCB_ASSERT_OFF(save.rdi, 0x338);
GHCB_ASSERT_OFF(save.r8, 0x340);
GHCB_ASSERT_OFF(save.r15, 0x378);
GHCB_ASSERT_OFF(save.sw_exit_code, 0x390);
GHCB_ASSERT_OFF(save.sw_exit_info_1, 0x398);
GHCB_ASSERT_OFF(save.sw_exit_info_2, 0x3A0);
GHCB_ASSERT_OFF(save.sw_scratch, 0x3A8);
GHCB_ASSERT_OFF(save.xcr0, 0x3E8);
GHCB_ASSERT_OFF(save.valid_bitmap, 0x3F0);
GHCB_ASSERT_OFF(save.x87_state_gpa, 0x400);
GHCB_ASSERT_OFF(shared_buffer, 0x800);
GHCB_ASSERT_OFF(protocol_version, 0xFFA);
GHCB_ASSERT_OFF(ghcb_usage, 0xFFC);
#undef GHCB_ASSERT_OFF

/* ------------------------------------------------------------------------
 * Valid bitmap (GHCB spec, GHCB layout; COCONUT-SVSM's index arithmetic):
 * bit n of the 128-bit map covers the qword at byte offset 8*n of the page,
 * for offsets 0x000..0x3FF.  Word index = (off >> 9) & 1, bit = (off >> 3) & 63.
 * ------------------------------------------------------------------------ */

/** Offset of a save-area field inside the GHCB page, e.g. GHCB_OFF(rax). */
#define GHCB_OFF(field)	    offsetof(struct ghcb, save.field)
/** Bit index (0..127) in valid_bitmap for the field at byte offset @off. */
#define GHCB_VALID_BIT(off) ((unsigned)((off) >> 3))
/** Highest offset that the valid bitmap covers (exclusive). */
#define GHCB_VALID_LIMIT    0x400u

/** True if @off is covered by the valid bitmap. */
static inline bool ghcb_valid_in_range(size_t off)
{
	return off < GHCB_VALID_LIMIT;
}

/** Mark the qword at byte offset @off valid.  @off must be < 0x400. */
static inline void ghcb_valid_set(struct ghcb *g, size_t off)
{
	unsigned bit = GHCB_VALID_BIT(off) & 127u;

	g->save.valid_bitmap[bit >> 6] |= 1ULL << (bit & 63u);
}

/** Test the valid bit of the qword at byte offset @off (false if out of range). */
static inline bool ghcb_valid_test(const struct ghcb *g, size_t off)
{
	unsigned bit = GHCB_VALID_BIT(off) & 127u;

	if (!ghcb_valid_in_range(off))
		return false;
	return (g->save.valid_bitmap[bit >> 6] >> (bit & 63u)) & 1u;
}

/** Clear the whole bitmap (the guest does this before each call). */
static inline void ghcb_valid_clear_all(struct ghcb *g)
{
	g->save.valid_bitmap[0] = 0;
	g->save.valid_bitmap[1] = 0;
}

/**
 * GHCB_DEFINE_ACCESSORS(field) generates, for one 64-bit save-area field:
 *   ghcb_set_<field>(g, v)     stores v and sets the field's valid bit;
 *   ghcb_get_<field>(g)        reads the field;
 *   ghcb_<field>_is_valid(g)   tests the field's valid bit.
 * Callers that share the page with the hypervisor must snapshot before
 * validating (core/ghcb.c copies the answer first); these helpers only touch
 * the page itself.
 */
#define GHCB_DEFINE_ACCESSORS(field)                                     \
	static inline void ghcb_set_##field(struct ghcb *g, uint64_t v)  \
	{                                                                \
		g->save.field = v;                                       \
		ghcb_valid_set(g, GHCB_OFF(field));                      \
	}                                                                \
	static inline uint64_t ghcb_get_##field(const struct ghcb *g)    \
	{                                                                \
		return g->save.field;                                    \
	}                                                                \
	static inline bool ghcb_##field##_is_valid(const struct ghcb *g) \
	{                                                                \
		return ghcb_valid_test(g, GHCB_OFF(field));              \
	}

GHCB_DEFINE_ACCESSORS(xss)
GHCB_DEFINE_ACCESSORS(dr7)
GHCB_DEFINE_ACCESSORS(rip)
GHCB_DEFINE_ACCESSORS(rsp)
GHCB_DEFINE_ACCESSORS(rax)
GHCB_DEFINE_ACCESSORS(rcx)
GHCB_DEFINE_ACCESSORS(rdx)
GHCB_DEFINE_ACCESSORS(rbx)
GHCB_DEFINE_ACCESSORS(rbp)
GHCB_DEFINE_ACCESSORS(rsi)
GHCB_DEFINE_ACCESSORS(rdi)
GHCB_DEFINE_ACCESSORS(r8)
GHCB_DEFINE_ACCESSORS(r9)
GHCB_DEFINE_ACCESSORS(r10)
GHCB_DEFINE_ACCESSORS(r11)
GHCB_DEFINE_ACCESSORS(r12)
GHCB_DEFINE_ACCESSORS(r13)
GHCB_DEFINE_ACCESSORS(r14)
GHCB_DEFINE_ACCESSORS(r15)
GHCB_DEFINE_ACCESSORS(sw_exit_code)
GHCB_DEFINE_ACCESSORS(sw_exit_info_1)
GHCB_DEFINE_ACCESSORS(sw_exit_info_2)
GHCB_DEFINE_ACCESSORS(sw_scratch)
GHCB_DEFINE_ACCESSORS(xcr0)
GHCB_DEFINE_ACCESSORS(x87_state_gpa)

/** CPL is a single byte at 0xCB; its valid bit is the qword at 0xC8. */
static inline void ghcb_set_cpl(struct ghcb *g, uint8_t cpl)
{
	g->save.cpl = cpl;
	ghcb_valid_set(g, GHCB_OFF(cpl));
}

static inline bool ghcb_cpl_is_valid(const struct ghcb *g)
{
	return ghcb_valid_test(g, GHCB_OFF(cpl));
}

/* ------------------------------------------------------------------------
 * GHCB MSR protocol (MSR 0xC001_0130; GHCB spec 2.3.1 "GHCB MSR Protocol";
 * Linux asm/sev-common.h).  Bits [11:0] are the request/response code
 * (GHCBInfo), bits [63:12] are GHCBData.
 * ------------------------------------------------------------------------ */
#define GHCB_MSR_INFO_MASK  0xFFFULL
#define GHCB_MSR_DATA_SHIFT 12

#define GHCB_MSR_GHCB_GPA	    0x000
#define GHCB_MSR_SEV_INFO_RESP	    0x001
#define GHCB_MSR_SEV_INFO_REQ	    0x002
#define GHCB_MSR_CPUID_REQ	    0x004
#define GHCB_MSR_CPUID_RESP	    0x005
#define GHCB_MSR_AP_RESET_HOLD_REQ  0x006
#define GHCB_MSR_AP_RESET_HOLD_RESP 0x007
#define GHCB_MSR_PREF_GPA_REQ	    0x010
#define GHCB_MSR_PREF_GPA_RESP	    0x011
#define GHCB_MSR_REG_GPA_REQ	    0x012 /* GHCB spec, GHCB GPA Registration */
#define GHCB_MSR_REG_GPA_RESP	    0x013
#define GHCB_MSR_PSC_REQ	    0x014
#define GHCB_MSR_PSC_RESP	    0x015
#define GHCB_MSR_RUN_VMPL_REQ	    0x016 /* Linux GHCB_MSR_VMPL_REQ */
#define GHCB_MSR_RUN_VMPL_RESP	    0x017
#define GHCB_MSR_UNREG_GPA_REQ	    0x018 /* only in a Xen patch */
#define GHCB_MSR_UNREG_GPA_RESP	    0x019 /* only in a Xen patch */
#define GHCB_MSR_HV_FEATURES_REQ    0x080
#define GHCB_MSR_HV_FEATURES_RESP   0x081
#define GHCB_MSR_TERM_REQ	    0x100

/** Preferred-GPA response meaning "no preference" (GFN field all ones). */
#define GHCB_MSR_PREF_GPA_NONE 0xFFFFFFFFFFFFFULL

/** GHCBInfo (request/response code) of an MSR value. */
static inline uint32_t ghcb_msr_info(uint64_t v)
{
	return (uint32_t)(v & GHCB_MSR_INFO_MASK);
}

/** GHCBData ([63:12]) of an MSR value, shifted down. */
static inline uint64_t ghcb_msr_data(uint64_t v)
{
	return v >> GHCB_MSR_DATA_SHIFT;
}

/* --- SEV information (0x001/0x002): [63:48] max, [47:32] min, [31:24] C-bit */
static inline uint64_t ghcb_msr_sev_info_req(void)
{
	return GHCB_MSR_SEV_INFO_REQ;
}

static inline uint64_t ghcb_msr_sev_info_resp(uint16_t max, uint16_t min, uint8_t cbit)
{
	return ((uint64_t)max << 48) | ((uint64_t)min << 32) | ((uint64_t)cbit << 24) |
	       GHCB_MSR_SEV_INFO_RESP;
}

static inline uint16_t ghcb_msr_sev_info_max(uint64_t v)
{
	return (uint16_t)(v >> 48);
}

static inline uint16_t ghcb_msr_sev_info_min(uint64_t v)
{
	return (uint16_t)(v >> 32);
}

static inline uint8_t ghcb_msr_sev_info_cbit(uint64_t v)
{
	return (uint8_t)(v >> 24);
}

/* --- CPUID (0x004/0x005): [31:30] register, [63:32] function / value */
#define GHCB_CPUID_REG_EAX 0
#define GHCB_CPUID_REG_EBX 1
#define GHCB_CPUID_REG_ECX 2
#define GHCB_CPUID_REG_EDX 3

static inline uint64_t ghcb_msr_cpuid_req(uint32_t fn, unsigned reg)
{
	return ((uint64_t)fn << 32) | ((uint64_t)(reg & 3u) << 30) | GHCB_MSR_CPUID_REQ;
}

/** Response: [63:32] value.  The spec does not say that [31:30] echoes reg; KVM
 * leaves it (docs/spec-notes.md, 'What KVM answers on the GHCB'): encoders
 * echo it, decoders must not rely on it. */
static inline uint64_t ghcb_msr_cpuid_resp(uint32_t value, unsigned reg)
{
	return ((uint64_t)value << 32) | ((uint64_t)(reg & 3u) << 30) | GHCB_MSR_CPUID_RESP;
}

static inline uint32_t ghcb_msr_cpuid_fn(uint64_t v)
{
	return (uint32_t)(v >> 32);
}

static inline unsigned ghcb_msr_cpuid_reg(uint64_t v)
{
	return (unsigned)((v >> 30) & 3u);
}

static inline uint32_t ghcb_msr_cpuid_value(uint64_t v)
{
	return (uint32_t)(v >> 32);
}

/* --- GFN-carrying requests: GHCB GPA (0x000), preferred (0x011),
 *     register (0x012/0x013): [63:12] GFN */
static inline uint64_t ghcb_msr_gfn(uint64_t v)
{
	return v >> GHCB_MSR_DATA_SHIFT;
}

static inline uint64_t ghcb_msr_reg_gpa_req(uint64_t gfn)
{
	return (gfn << GHCB_MSR_DATA_SHIFT) | GHCB_MSR_REG_GPA_REQ;
}

static inline uint64_t ghcb_msr_reg_gpa_resp(uint64_t gfn)
{
	return (gfn << GHCB_MSR_DATA_SHIFT) | GHCB_MSR_REG_GPA_RESP;
}

/** True if @resp is a register-GPA response echoing @gfn (anything else = failure). */
static inline bool ghcb_msr_reg_gpa_ok(uint64_t resp, uint64_t gfn)
{
	return ghcb_msr_info(resp) == GHCB_MSR_REG_GPA_RESP && ghcb_msr_gfn(resp) == gfn;
}

/* --- Page State Change (0x014/0x015): [51:12] GFN, [55:52] op; response
 *     [63:32] error (0 = success) */
#define GHCB_MSR_PSC_GFN_MASK 0xFFFFFFFFFFULL /* 40 bits */
#define GHCB_MSR_PSC_OP_SHIFT 52

static inline uint64_t ghcb_msr_psc_req(uint64_t gfn, unsigned op)
{
	return ((uint64_t)(op & 0xFu) << GHCB_MSR_PSC_OP_SHIFT) |
	       ((gfn & GHCB_MSR_PSC_GFN_MASK) << GHCB_MSR_DATA_SHIFT) | GHCB_MSR_PSC_REQ;
}

static inline uint64_t ghcb_msr_psc_gfn(uint64_t v)
{
	return (v >> GHCB_MSR_DATA_SHIFT) & GHCB_MSR_PSC_GFN_MASK;
}

static inline unsigned ghcb_msr_psc_op(uint64_t v)
{
	return (unsigned)((v >> GHCB_MSR_PSC_OP_SHIFT) & 0xFu);
}

static inline uint64_t ghcb_msr_psc_resp(uint32_t error)
{
	return ((uint64_t)error << 32) | GHCB_MSR_PSC_RESP;
}

/** Error field ([63:32]) of a PSC or RUN_VMPL response. */
static inline uint32_t ghcb_msr_resp_error(uint64_t v)
{
	return (uint32_t)(v >> 32);
}

/* --- Run VMPL (0x016/0x017): [39:32] target VMPL; response [63:32] error,
 *     1 = invalid VMPL.  A multi-VMPL KVM writes the 0x017 response before
 *     switching VMSAs; COCONUT-SVSM treats anything but 0x017 as failure
 *     (docs/spec-notes.md, 'RUN_VMPL in a multi-VMPL KVM'). */
#define GHCB_RUN_VMPL_ERR_INVALID_VMPL 1

static inline uint64_t ghcb_msr_run_vmpl_req(uint8_t vmpl)
{
	return ((uint64_t)vmpl << 32) | GHCB_MSR_RUN_VMPL_REQ;
}

static inline uint8_t ghcb_msr_run_vmpl_target(uint64_t v)
{
	return (uint8_t)(v >> 32);
}

static inline uint64_t ghcb_msr_run_vmpl_resp(uint32_t error)
{
	return ((uint64_t)error << 32) | GHCB_MSR_RUN_VMPL_RESP;
}

/* --- AP reset hold (0x006/0x007): response [63:12] non-zero = woken */
static inline uint64_t ghcb_msr_ap_reset_hold_resp(uint64_t result)
{
	return (result << GHCB_MSR_DATA_SHIFT) | GHCB_MSR_AP_RESET_HOLD_RESP;
}

/* --- Hypervisor features (0x080/0x081): response [63:12] bitmap
 *     (bits in sev.h, SEV_HV_FEAT_*) */
static inline uint64_t ghcb_msr_hv_features_req(void)
{
	return GHCB_MSR_HV_FEATURES_REQ;
}

static inline uint64_t ghcb_msr_hv_features_resp(uint64_t features)
{
	return (features << GHCB_MSR_DATA_SHIFT) | GHCB_MSR_HV_FEATURES_RESP;
}

static inline uint64_t ghcb_msr_hv_features(uint64_t v)
{
	return v >> GHCB_MSR_DATA_SHIFT;
}

/* --- Termination (0x100): [15:12] reason set, [23:16] reason code */
static inline uint64_t ghcb_msr_term_req(unsigned set, unsigned code)
{
	return ((uint64_t)(code & 0xFFu) << 16) | ((uint64_t)(set & 0xFu) << 12) |
	       GHCB_MSR_TERM_REQ;
}

static inline unsigned ghcb_msr_term_set(uint64_t v)
{
	return (unsigned)((v >> 12) & 0xFu);
}

static inline unsigned ghcb_msr_term_code(uint64_t v)
{
	return (unsigned)((v >> 16) & 0xFFu);
}

/* ------------------------------------------------------------------------
 * Termination reasons (GHCB spec, Termination Request; Linux asm/sev-common.h)
 * ------------------------------------------------------------------------ */
#define GHCB_TERM_SET_GENERAL	       0 /* GHCB spec */
#define GHCB_TERM_GENERAL	       0
#define GHCB_TERM_PROTOCOL_UNSUPPORTED 1
#define GHCB_TERM_SNP_UNSUPPORTED      2

#define GHCB_TERM_SET_LINUX	      1 /* Linux-specific (SEV_TERM_SET_LINUX) */
#define GHCB_TERM_LINUX_REGISTER      0
#define GHCB_TERM_LINUX_PSC	      1
#define GHCB_TERM_LINUX_PVALIDATE     2
#define GHCB_TERM_LINUX_NOT_VMPL0     3
#define GHCB_TERM_LINUX_CPUID	      4
#define GHCB_TERM_LINUX_CPUID_HV      5
#define GHCB_TERM_LINUX_SECRETS_PAGE  6
#define GHCB_TERM_LINUX_NO_SVSM	      7
#define GHCB_TERM_LINUX_SVSM_VMPL0    8
#define GHCB_TERM_LINUX_SVSM_CAA      9
#define GHCB_TERM_LINUX_SECURE_TSC    10
#define GHCB_TERM_LINUX_SVSM_CA_REMAP 11

/*
 * Our own sets.  No source reserves sets >= 2 (docs/spec-notes.md, 'Private
 * termination reason set'), so we take 2 for the paravisor; set 3 is the
 * snpemu payload test result, PAYLOAD_TERM_SET in payload_layout.h.
 */
#define GHCB_TERM_SET_PARAVISOR 2
/** A CHECK()/ASSERT() failed: a paravisor bug (core/pv.h). */
#define PV_TERM_BUG		0
/** The hypervisor returned something out of range (VC_HV_ERROR). */
#define PV_TERM_HV_ERROR	1
/** A guest exit the paravisor does not handle (VC_UNSUPPORTED). */
#define PV_TERM_UNSUPPORTED	2
/** The decoder could not decode / cross-check an instruction (VC_DECODE_FAILED). */
#define PV_TERM_DECODE_FAILED	3
/** #HV/#VC nested deeper than the GHCB backup allows. */
#define PV_TERM_GHCB_NESTING	4
/** A page validated once came back unvalidated: a remap or replay (VC_PAGE_REPLAY). */
#define PV_TERM_PAGE_REPLAY	5
/** The GHCB protocol version range does not include 2. */
#define PV_TERM_GHCB_VERSION	6
/** A required hypervisor feature (SNP, AP creation, RI, multi-VMPL) is missing. */
#define PV_TERM_HV_FEATURES	7
/** The CPUID page or secrets page failed validation. */
#define PV_TERM_BAD_LAUNCH_PAGE 8
/** Out of memory in a paravisor allocator. */
#define PV_TERM_NO_MEMORY	9
/** The guest shut down (triple fault) or asked for power-off. */
#define PV_TERM_GUEST_SHUTDOWN	10
/** Bad configuration (IGVM parameters, memory map). */
#define PV_TERM_BAD_CONFIG	11

/* ------------------------------------------------------------------------
 * NAE exit codes: software-defined (GHCB spec, the NAE event table; Linux
 * uapi/asm/svm.h unless noted).  Hardware codes used as
 * NAE events (CPUID 0x72, IOIO 0x7B, ...) are the SVM exit codes in svm.h.
 * ------------------------------------------------------------------------ */
#define SVM_VMGEXIT_MMIO_READ	      0x80000001ULL
#define SVM_VMGEXIT_MMIO_WRITE	      0x80000002ULL
#define SVM_VMGEXIT_NMI_COMPLETE      0x80000003ULL
#define SVM_VMGEXIT_AP_HLT_LOOP	      0x80000004ULL /* AP reset hold */
#define SVM_VMGEXIT_AP_JUMP_TABLE     0x80000005ULL
#define SVM_VMGEXIT_PSC		      0x80000010ULL
#define SVM_VMGEXIT_GUEST_REQUEST     0x80000011ULL
#define SVM_VMGEXIT_EXT_GUEST_REQUEST 0x80000012ULL
#define SVM_VMGEXIT_AP_CREATION	      0x80000013ULL
#define SVM_VMGEXIT_HV_DOORBELL_PAGE  0x80000014ULL /* Linux RI patches, COCONUT */
#define SVM_VMGEXIT_HV_IPI	      0x80000015ULL /* Linux RI patches, COCONUT */
#define SVM_VMGEXIT_HV_TIMER	      0x80000016ULL /* inferred from the order */
#define SVM_VMGEXIT_GET_APIC_IDS      0x80000017ULL
#define SVM_VMGEXIT_SNP_RUN_VMPL      0x80000018ULL
#define SVM_VMGEXIT_SECURE_AVIC	      0x8000001AULL
#define SVM_VMGEXIT_CONFIG_INT_INJ    0x8000001BULL /* COCONUT-SVSM only */
#define SVM_VMGEXIT_DISABLE_ALT_INJ   0x8000001CULL /* COCONUT-SVSM only */
#define SVM_VMGEXIT_SPECIFIC_EOI      0x8000001DULL /* COCONUT-SVSM only */
#define SVM_VMGEXIT_HV_FEATURES	      0x8000FFFDULL
#define SVM_VMGEXIT_TERM_REQUEST      0x8000FFFEULL
#define SVM_VMGEXIT_UNSUPPORTED_EVENT 0x8000FFFFULL
#define SVM_VMGEXIT_SW_RESERVED_BASE  0xF0000000ULL

/* AP jump table sub-functions (exit_info_1) */
#define SVM_VMGEXIT_AP_JUMP_TABLE_SET 0
#define SVM_VMGEXIT_AP_JUMP_TABLE_GET 1

/* AP creation (GHCB spec, SNP AP Creation; Linux arch/x86/coco/sev/core.c):
 * exit_info_1 [15:0] request, [19:16] VMPL, [63:32] APIC ID;
 * exit_info_2 = VMSA GPA; RAX = SEV_FEATURES. */
#define SVM_VMGEXIT_AP_CREATE_ON_INIT 0
#define SVM_VMGEXIT_AP_CREATE	      1
#define SVM_VMGEXIT_AP_DESTROY	      2

static inline uint64_t ghcb_ap_create_info1(unsigned request, unsigned vmpl, uint32_t apic_id)
{
	return ((uint64_t)apic_id << 32) | ((uint64_t)(vmpl & 0xFu) << 16) | (request & 0xFFFFu);
}

static inline unsigned ghcb_ap_create_request(uint64_t info1)
{
	return (unsigned)(info1 & 0xFFFFu);
}

static inline unsigned ghcb_ap_create_vmpl(uint64_t info1)
{
	return (unsigned)((info1 >> 16) & 0xFu);
}

static inline uint32_t ghcb_ap_create_apic_id(uint64_t info1)
{
	return (uint32_t)(info1 >> 32);
}

/* #HV doorbell page NAE sub-functions (exit_info_1) */
#define SVM_VMGEXIT_HVDB_GET_PREFERRED 0
#define SVM_VMGEXIT_HVDB_SET	       1
#define SVM_VMGEXIT_HVDB_QUERY	       2
#define SVM_VMGEXIT_HVDB_CLEAR	       3

/* Termination NAE: exit_info_1 [3:0] reason set, [11:4] reason code */
static inline uint64_t ghcb_nae_term_info1(unsigned set, unsigned code)
{
	return ((uint64_t)(code & 0xFFu) << 4) | (set & 0xFu);
}

static inline unsigned ghcb_nae_term_set(uint64_t info1)
{
	return (unsigned)(info1 & 0xFu);
}

static inline unsigned ghcb_nae_term_code(uint64_t info1)
{
	return (unsigned)((info1 >> 4) & 0xFFu);
}

/* MSR NAE (0x7C): exit_info_1 0 = read, 1 = write */
#define GHCB_MSR_NAE_READ  0
#define GHCB_MSR_NAE_WRITE 1

/* ------------------------------------------------------------------------
 * The answer to every NAE call (GHCB spec; Linux asm/sev-common.h and
 * sev_es_ghcb_hv_call() in arch/x86/coco/sev/)
 * ------------------------------------------------------------------------ */
/** sw_exit_info_1[31:0] */
#define GHCB_RESULT_OK	      0 /* no action needed */
#define GHCB_RESULT_EXCEPTION 1 /* sw_exit_info_2 = EVENTINJ-format event */
#define GHCB_RESULT_MALFORMED 2 /* sw_exit_info_2[31:0] = reason below */
#define GHCB_RESULT_MASK      0xFFFFFFFFULL

/** Malformed-input reasons (sw_exit_info_2[31:0] when result == 2). */
#define GHCB_ERR_NOT_REGISTERED	      1
#define GHCB_ERR_INVALID_USAGE	      2
#define GHCB_ERR_INVALID_SCRATCH_AREA 3
#define GHCB_ERR_MISSING_INPUT	      4
#define GHCB_ERR_INVALID_INPUT	      5
#define GHCB_ERR_INVALID_EVENT	      6

/* ------------------------------------------------------------------------
 * Page State Change descriptor (GHCB spec, Page State Change; Linux struct
 * psc_hdr/psc_entry in asm/sev-common.h)
 * ------------------------------------------------------------------------ */
#define PSC_OP_PRIVATE 1
#define PSC_OP_SHARED  2
#define PSC_OP_PSMASH  3 /* not allowed through the MSR protocol */
#define PSC_OP_UNSMASH 4 /* not allowed through the MSR protocol */

#define PSC_PAGE_4K 0
#define PSC_PAGE_2M 1

/** Header: cur_entry, end_entry (index of the last entry, inclusive). */
struct psc_hdr {
	uint16_t cur_entry;
	uint16_t end_entry;
	uint32_t reserved;
};

/** Entry: [11:0] cur_page, [51:12] GFN, [55:52] op, [56] page size. */
struct psc_entry {
	uint64_t raw;
};

#define PSC_MAX_ENTRIES ((GHCB_SHARED_BUF_SIZE - sizeof(struct psc_hdr)) / sizeof(struct psc_entry))

/** The descriptor as it sits in the shared buffer. */
struct psc_desc {
	struct psc_hdr hdr;
	struct psc_entry entries[253];
};

_Static_assert(sizeof(struct psc_hdr) == 8, "PSC header is 8 bytes (GHCB spec, Page State Change)");
_Static_assert(sizeof(struct psc_entry) == 8,
	       "PSC entry is 8 bytes (GHCB spec, Page State Change)");
_Static_assert(PSC_MAX_ENTRIES == 253,
	       "253 PSC entries fit in the shared buffer (Linux VMGEXIT_PSC_MAX_ENTRY)");
_Static_assert(sizeof(struct psc_desc) <= GHCB_SHARED_BUF_SIZE,
	       "PSC descriptor fits in the GHCB shared buffer (GHCB spec, Page State Change)");

#define PSC_ENTRY_CUR_PAGE_MASK 0xFFFULL
#define PSC_ENTRY_GFN_SHIFT	12
#define PSC_ENTRY_GFN_MASK	0xFFFFFFFFFFULL /* 40 bits */
#define PSC_ENTRY_OP_SHIFT	52
#define PSC_ENTRY_SIZE_SHIFT	56
#define PSC_ENTRY_RSVD_MASK	(~0ULL << 57)

static inline struct psc_entry psc_entry_make(uint64_t gfn, unsigned op, unsigned page_size,
					      unsigned cur_page)
{
	struct psc_entry e;

	e.raw = (cur_page & PSC_ENTRY_CUR_PAGE_MASK) |
		((gfn & PSC_ENTRY_GFN_MASK) << PSC_ENTRY_GFN_SHIFT) |
		((uint64_t)(op & 0xFu) << PSC_ENTRY_OP_SHIFT) |
		((uint64_t)(page_size & 1u) << PSC_ENTRY_SIZE_SHIFT);
	return e;
}

static inline unsigned psc_entry_cur_page(struct psc_entry e)
{
	return (unsigned)(e.raw & PSC_ENTRY_CUR_PAGE_MASK);
}

static inline uint64_t psc_entry_gfn(struct psc_entry e)
{
	return (e.raw >> PSC_ENTRY_GFN_SHIFT) & PSC_ENTRY_GFN_MASK;
}

static inline unsigned psc_entry_op(struct psc_entry e)
{
	return (unsigned)((e.raw >> PSC_ENTRY_OP_SHIFT) & 0xFu);
}

static inline unsigned psc_entry_page_size(struct psc_entry e)
{
	return (unsigned)((e.raw >> PSC_ENTRY_SIZE_SHIFT) & 1u);
}

/** PSC NAE errors returned in sw_exit_info_2 (Linux asm/sev-common.h). */
#define PSC_ERR_OK	      0ULL
#define PSC_ERR_INVALID_HDR   ((1ULL << 32) | 1)
#define PSC_ERR_INVALID_ENTRY ((1ULL << 32) | 2)
#define PSC_ERR_GENERIC	      (0x100ULL << 32)

#endif /* PROTOCOL_GHCB_H */
