/* SPDX-License-Identifier: MIT */
/*
 * Payload runtime: what a scenario under tests/snpemu/payloads/ may use.
 *
 * A scenario is one C file that checks one hardware rule:
 *
 *     #include "rt.h"
 *     PAYLOAD(cpuid_vc, 0)
 *     {
 *         CHECK(x == 1, "x=%d", x);
 *     }
 *
 * The runtime installs the IDT, makes the GHCB page shared and registers
 * it (unless the scenario passes PAYLOAD_NO_GHCB), runs the body, prints
 * "RESULT <name> PASS|FAIL" on COM1 and terminates through the GHCB MSR
 * protocol with PAYLOAD_TERM_SET (protocol/payload_layout.h).
 */
#ifndef PAYLOAD_RT_H
#define PAYLOAD_RT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ghcb.h"
#include "payload_layout.h"
#include "sev.h"
#include "svm.h"

/* ---- scenario definition -------------------------------------------- */

/** Flags for PAYLOAD(): the runtime leaves the GHCB page alone; the body
 * must call rt_ghcb_init() before it prints anything (output is buffered
 * until then). */
#define PAYLOAD_NO_GHCB (1u << 0)

struct payload_desc {
	const char *name;
	unsigned flags;
	void (*body)(void);
};

#define PAYLOAD(name_, flags_)                     \
	static void payload_body(void);            \
	const struct payload_desc payload_desc = { \
		.name = #name_,                    \
		.flags = (flags_),                 \
		.body = payload_body,              \
	};                                         \
	static void payload_body(void)

/* ---- test framework --------------------------------------------------- */

void rt_check_failed(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* File names in FAIL lines without the build's relative path. */
#ifdef __FILE_NAME__
#define RT_FILE __FILE_NAME__
#else
#define RT_FILE __FILE__
#endif

/** Count a failure and print "FAIL file:line <message>" when !cond. */
#define CHECK(cond, ...)                                                 \
	do {                                                             \
		if (!(cond))                                             \
			rt_check_failed(RT_FILE, __LINE__, __VA_ARGS__); \
	} while (0)

/** Like CHECK, but a failed CHECK_EQ prints both values. */
#define CHECK_EQ(a, b)                                                                           \
	do {                                                                                     \
		uint64_t a_ = (uint64_t)(a), b_ = (uint64_t)(b);                                 \
		if (a_ != b_)                                                                    \
			rt_check_failed(RT_FILE, __LINE__, "%s == %s: 0x%llx != 0x%llx", #a, #b, \
					(unsigned long long)a_, (unsigned long long)b_);         \
	} while (0)

/** @expr (a struct snp_ret) returned EAX @eax with CF @cf. */
#define CHECK_SNP(expr, eax_, cf_)                                                 \
	do {                                                                       \
		struct snp_ret r_ = (expr);                                        \
		CHECK(r_.eax == (uint32_t)(eax_) && r_.cf == (bool)(cf_),          \
		      "%s: eax=%u cf=%d, want eax=%u cf=%d", #expr, r_.eax, r_.cf, \
		      (unsigned)(eax_), (int)(cf_));                               \
	} while (0)

/** The expectation @rec saw exactly one #VC, with error code @code, at the
 * last probed instruction (rt_probe_rip). */
#define CHECK_VC_AT_PROBE(rec, code)                \
	do {                                        \
		CHECK_EQ((rec).hits, 1);            \
		CHECK_EQ((rec).error_code, (code)); \
		CHECK_EQ((rec).rip, rt_probe_rip);  \
	} while (0)

/** Reading @va raises #VC 0x404 (page not validated) at the read. */
#define CHECK_NOT_VALIDATED(va)                                       \
	do {                                                          \
		struct exc_record rec_;                               \
		exc_expect(X86_VECTOR_VC, &rec_);                     \
		probe_read64(va);                                     \
		exc_disarm();                                         \
		CHECK_VC_AT_PROBE(rec_, SVM_EXIT_PAGE_NOT_VALIDATED); \
	} while (0)

/** End the test now: print the RESULT line and terminate. */
__attribute__((noreturn)) void rt_finish(void);

/** Terminate with any reason set / code (GHCB MSR protocol 0x100). */
__attribute__((noreturn)) void rt_terminate(unsigned set, unsigned code);

/* ---- console (COM1 through GHCB IOIO) -------------------------------- */

void con_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void con_vprintf(const char *fmt, va_list ap);
void con_write(const char *s, size_t len);
/** Poll COM1's LSR before each byte (default on).  A hostile hypervisor's
 * IOIO answers are garbage; QEMU's UART needs no polling, so a test of such
 * a hypervisor turns it off. */
void con_set_poll(bool poll);

/* ---- exceptions -------------------------------------------------------- */

/** Saved state of an exception; the handler may change it. */
struct exc_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rdi, rsi, rbp, rbx, rdx, rcx, rax;
	uint64_t vector, error_code;
	uint64_t rip, cs, rflags, rsp, ss;
};

/** What an armed expectation saw. */
struct exc_record {
	unsigned hits;	     /* exceptions of the armed vector taken */
	uint64_t error_code; /* of the first one */
	uint64_t rip;
	uint64_t cr2;
};

/**
 * Expect one exception of @vector.  When it comes it is recorded in @rec
 * and disarmed; then
 *   - if rt_probe_resume is non-zero, execution resumes there (see the
 *     PROBE_* helpers), else
 *   - a #VC gets the default emulation (CPUID, IOIO, MSR, RDTSC, WBINVD),
 *     any other vector is fatal.
 * Any exception nobody expects prints vector, error code and RIP and
 * terminates with PAYLOAD_TERM_EXCEPTION.
 */
void exc_expect(unsigned vector, struct exc_record *rec);
void exc_disarm(void);

/** Fill @count 16-byte IDT gates at @table: 64-bit interrupt gates, DPL 0,
 * selector PAYLOAD_SEL_CODE64, handlers @stubs[i]. */
void exc_set_gates(void *table, const uint64_t *stubs, unsigned count);

/** Set by the probe helpers; the handler jumps here after a hit. */
extern volatile uint64_t rt_probe_resume;
/** Address of the probed instruction of the last probe helper. */
extern volatile uint64_t rt_probe_rip;

/*
 * Probes: inline-asm prefixes for one instruction.  PROBE_MARK stores the
 * instruction's address in rt_probe_rip; PROBE_SKIP also stores the address
 * after it (label 1, PROBE_END) in rt_probe_resume, so an expected exception
 * resumes there.  Both clobber r11, so list "r11" in the clobbers:
 *
 *     exc_expect(X86_VECTOR_VC, &rec);
 *     __asm__ volatile(PROBE_SKIP "wbinvd" PROBE_END ::: "r11", "memory");
 */
#define PROBE_MARK "leaq 0f(%%rip), %%r11\n\tmovq %%r11, rt_probe_rip(%%rip)\n0:\t"
#define PROBE_SKIP "leaq 1f(%%rip), %%r11\n\tmovq %%r11, rt_probe_resume(%%rip)\n\t" PROBE_MARK
#define PROBE_END  "\n1:\n\t"

/* Load / store one qword under PROBE_SKIP (0 is returned on a fault). */
uint64_t probe_read64(const volatile void *va);
void probe_write64(volatile void *va, uint64_t val);

/* ---- GHCB ------------------------------------------------------------ */

/** Result of a GHCB page call. */
struct ghcb_result {
	uint64_t info1; /* sw_exit_info_1 after the call */
	uint64_t info2; /* sw_exit_info_2 after the call */
};

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t val)
{
	__asm__ volatile("wrmsr"
			 :
			 : "c"(msr), "a"((uint32_t)val), "d"((uint32_t)(val >> 32))
			 : "memory");
}

static inline void vmgexit(void)
{
	__asm__ volatile(".byte " INSN_VMGEXIT_ASM : : : "memory");
}

/** One GHCB MSR protocol exchange: write @req, VMGEXIT, return the MSR.
 * The previous MSR value (the GHCB GPA) is restored afterwards. */
uint64_t ghcb_msr_call(uint64_t req);

/** Page State Change of one 4K page through the MSR protocol (0x014);
 * returns the 0x015 response's error field, or ~0 if the response code is
 * wrong. */
uint64_t ghcb_msr_psc(uint64_t gpa, unsigned op);

/** Convert a 4K page shared and back to private (MSR protocol): this
 * leaves it unvalidated and its 2M region split into 4K RMP entries.
 * True if both conversions succeeded. */
bool psc_roundtrip_4k(uint64_t gpa);

/** Make the GHCB page shared and register it; false on failure. */
bool rt_ghcb_init(void);

/** The same for this CPU's GHCB at @gpa (unvalidated RAM): PSC to shared,
 * register through the MSR protocol, point the GHCB MSR at it. */
bool ghcb_setup(uint64_t gpa);

/** The GHCB page through its shared alias. */
struct ghcb *ghcb_page(void);
/** GPA of a byte inside the GHCB page. */
uint64_t ghcb_gpa_of(const void *p);

/** Start a call: clear the valid bitmap, exit fields, usage and version.
 * Then set inputs with the ghcb_set_<field>() accessors of ghcb.h. */
struct ghcb *ghcb_begin(void);
/** Set sw_exit_code/info_1/info_2 (with valid bits), VMGEXIT, return the
 * infos. */
struct ghcb_result ghcb_call(uint64_t exit_code, uint64_t info1, uint64_t info2);

/* Typical NAE calls.  Each returns false unless info1 == 0 afterwards. */
bool ghcb_ioio_out(uint16_t port, unsigned size, uint32_t val);
bool ghcb_ioio_in(uint16_t port, unsigned size, uint32_t *val);
/** IN or OUT of @size bytes (1, 2, 4) as the instruction would do it with
 * RAX in *@rax. */
bool ghcb_ioio(uint16_t port, unsigned size, bool in, uint64_t *rax);
bool ghcb_mmio_read(uint64_t gpa, void *buf, unsigned size);
bool ghcb_mmio_write(uint64_t gpa, const void *buf, unsigned size);
bool ghcb_msr_read(uint32_t msr, uint64_t *val);
bool ghcb_msr_write(uint32_t msr, uint64_t val);

/** True if @r asks the guest to raise an exception the guest may accept:
 * #GP or #UD of type exception (as Linux's verify_exception_info() checks).  Anything
 * else a hypervisor injects this way is to be refused. */
bool ghcb_event_is_legal(struct ghcb_result r);

/* ---- SNP instructions ---------------------------------------------------- */

struct snp_ret {
	uint32_t eax;
	bool cf;
};

/** PVALIDATE: RAX = VA, ECX = size, EDX = validate; EAX and CF. */
struct snp_ret pvalidate(uint64_t va, unsigned size, bool validate);
/** RMPADJUST: RAX = VA, RCX = size, RDX = attributes; EAX and CF. */
struct snp_ret rmpadjust(uint64_t va, unsigned size, uint64_t attrs);

/* ---- memory ---------------------------------------------------------- */

/** Private (C-bit) VA of a GPA below 1 GiB: identity. */
static inline void *gpa_private(uint64_t gpa)
{
	return (void *)(uintptr_t)gpa;
}

/** Shared alias VA of a GPA below 1 GiB. */
static inline void *gpa_shared(uint64_t gpa)
{
	return (void *)(uintptr_t)(gpa + PAYLOAD_SHARED_VA_OFFSET);
}

/* ---- CPUID page ------------------------------------------------------- */

/** Look up (leaf, subleaf) in the CPUID page; false if absent.
 * regs = EAX, EBX, ECX, EDX. */
bool cpuid_page_lookup(uint32_t leaf, uint32_t subleaf, uint32_t regs[4]);

/** CPUID as an SNP guest answers it: leaf in *@rax, sub-leaf in *@rcx; the
 * four registers from the CPUID page, zero for a leaf it lacks. */
void cpuid_page_answer(uint64_t *rax, uint64_t *rbx, uint64_t *rcx, uint64_t *rdx);

#endif
