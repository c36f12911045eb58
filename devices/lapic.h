/* SPDX-License-Identifier: MIT */
/*
 * The guest's software local APIC (docs/architecture.md, "An interrupt").
 *
 * With Alternate Injection every guest x2APIC MSR access traps, so the guest
 * (VMPL1) gets this APIC: one state, the architectural 4 KiB register page
 * (Intel SDM vol. 3 ch. 11 "Advanced Programmable Interrupt Controller",
 * AMD APM vol. 2 ch. 16 "Advanced Programmable Interrupt Controller"), and
 * two views of it:
 *   - xAPIC MMIO: lapic_mmio_read/write(offset in the page at 0xFEE00000);
 *   - x2APIC MSRs: lapic_msr_read/write(0x800-0x8FF, offset = (msr - 0x800)
 *     << 4; ICR is one 64-bit MSR 0x830; SELF_IPI 0x83F), plus the APIC base
 *     MSR 0x1B and IA32_TSC_DEADLINE 0x6E0.
 * The adapters check the view and compute the offset; lapic_read/lapic_write
 * are the only entries into register state, and side effects live in
 * per-register lapic_<reg>_write() functions.
 *
 * What the guest sees: an integrated APIC (version 0x10), six LVT entries
 * (timer, thermal, performance counter, LINT0, LINT1, error; no CMCI), no
 * extended APIC space (AMD), no EOI-broadcast suppression, timer modes
 * one-shot, periodic and (if configured) TSC-deadline.  The caller's CPUID
 * must say the same: x2APIC (1:ECX[21]) = cfg.x2apic, TSC-deadline
 * (1:ECX[24]) = cfg.tsc_deadline, ExtApicSpace (8000_0001:ECX[3]) = 0.
 *
 * Results (one enum): every guest access ends in LAPIC_OK,
 * LAPIC_GP (#GP(0), nothing changed), LAPIC_UNSUPPORTED (an architectural
 * request the paravisor does not emulate, nothing changed: terminate) or
 * LAPIC_HOST_ERROR (an ops hook failed: terminate).
 *
 * Differences from hardware, each defined and tested (test_lapic.c):
 *   - an MMIO access while the APIC is not in xAPIC mode is #GP (hardware:
 *     the access goes to the bus as if there were no APIC); so is any MMIO
 *     access that is not 4 bytes at a 16-byte aligned offset;
 *   - a relocated APIC base (IA32_APIC_BASE[51:12] != 0xFEE00000) is #GP;
 *   - an SMI IPI is LAPIC_UNSUPPORTED (the guest has no SMM);
 *   - an IPI is edge-triggered whatever its trigger bit (deliver it with
 *     lapic_set_irr(target, vector, false)), as the Pentium 4 and later
 *     xAPIC do (SDM "Valid Combinations for the ... Interrupt Command
 *     Register", note 2);
 *   - thermal, performance-counter, LINT0 and LINT1 have no source in an
 *     SNP guest: their LVT entries are storage only.
 * Reserved bits: #GP in x2APIC mode (SDM "Reserved Bit Checking"); in xAPIC
 * mode they are ignored as the hardware ignores them (an MMIO store cannot
 * fault; Linux writes DFR with its reserved bits 27:0 set).  A reserved xAPIC
 * register sets ESR bit 7 (illegal register address) and reads 0.
 *
 * Concurrency: none inside.  A struct lapic belongs to one vCPU; the caller
 * serializes every call on it (IPIs to another vCPU go through
 * ops->send_ipi, and the target's owner calls lapic_set_irr).
 */
#ifndef DEVICES_LAPIC_H
#define DEVICES_LAPIC_H

#include <stdbool.h>
#include <stdint.h>

#define LAPIC_DEFAULT_BASE     0xFEE00000u
#define LAPIC_MSR_APIC_BASE    0x1Bu
#define LAPIC_MSR_TSC_DEADLINE 0x6E0u
#define LAPIC_MSR_X2APIC_FIRST 0x800u
#define LAPIC_MSR_X2APIC_LAST  0x8FFu

/* IA32_APIC_BASE bits (SDM "Local APIC Status and Location") */
#define LAPIC_BASE_BSP	(1u << 8)
#define LAPIC_BASE_EXTD (1u << 10)
#define LAPIC_BASE_EN	(1u << 11)

/* Register offsets in the xAPIC page; x2APIC MSR = 0x800 + (offset >> 4). */
#define LAPIC_REG_ID	      0x020u
#define LAPIC_REG_VERSION     0x030u
#define LAPIC_REG_TPR	      0x080u
#define LAPIC_REG_APR	      0x090u
#define LAPIC_REG_PPR	      0x0A0u
#define LAPIC_REG_EOI	      0x0B0u
#define LAPIC_REG_RRD	      0x0C0u
#define LAPIC_REG_LDR	      0x0D0u
#define LAPIC_REG_DFR	      0x0E0u
#define LAPIC_REG_SVR	      0x0F0u
#define LAPIC_REG_ISR	      0x100u /* 8 registers, 16 bytes apart */
#define LAPIC_REG_TMR	      0x180u
#define LAPIC_REG_IRR	      0x200u
#define LAPIC_REG_ESR	      0x280u
#define LAPIC_REG_ICR	      0x300u
#define LAPIC_REG_ICR2	      0x310u
#define LAPIC_REG_LVT_TIMER   0x320u
#define LAPIC_REG_LVT_THERMAL 0x330u
#define LAPIC_REG_LVT_PERF    0x340u
#define LAPIC_REG_LVT_LINT0   0x350u
#define LAPIC_REG_LVT_LINT1   0x360u
#define LAPIC_REG_LVT_ERROR   0x370u
#define LAPIC_REG_TIMER_ICR   0x380u /* initial count */
#define LAPIC_REG_TIMER_CCR   0x390u /* current count */
#define LAPIC_REG_TIMER_DCR   0x3E0u /* divide configuration */
#define LAPIC_REG_SELF_IPI    0x3F0u /* x2APIC only */
#define LAPIC_PAGE_SIZE	      0x1000u

#define LAPIC_VERSION_VALUE 0x00050010u /* max LVT entry 5, version 0x10 */

/* SVR, LVT and ESR bits */
#define LAPIC_SVR_ENABLE       (1u << 8)
#define LAPIC_LVT_MASKED       (1u << 16)
#define LAPIC_ESR_SEND_ILLEGAL (1u << 5)
#define LAPIC_ESR_RECV_ILLEGAL (1u << 6)
#define LAPIC_ESR_ILLEGAL_REG  (1u << 7)

/* ICR fields (SDM "Interrupt Command Register (ICR)") */
#define LAPIC_ICR_DM_SHIFT	8
#define LAPIC_ICR_LOGICAL	(1u << 11)
#define LAPIC_ICR_LEVEL_ASSERT	(1u << 14)
#define LAPIC_ICR_TRIGGER_LEVEL (1u << 15)
#define LAPIC_ICR_SH_SHIFT	18

#define LAPIC_NO_VECTOR (-1)

enum lapic_mode {
	LAPIC_MODE_DISABLED, /** IA32_APIC_BASE EN=0 EXTD=0 */
	LAPIC_MODE_XAPIC,    /** EN=1 EXTD=0: the MMIO view */
	LAPIC_MODE_X2APIC,   /** EN=1 EXTD=1: the MSR view */
};

enum lapic_result {
	LAPIC_OK,	   /** done; state may have changed */
	LAPIC_GP,	   /** #GP(0) for the guest; nothing changed */
	LAPIC_UNSUPPORTED, /** not emulated (SMI IPI); nothing changed */
	LAPIC_HOST_ERROR,  /** an ops hook failed; state changed: terminate */
};

enum lapic_ipi_mode {
	LAPIC_IPI_FIXED,  /** vector into the target's IRR (edge) */
	LAPIC_IPI_LOWEST, /** like FIXED, to exactly one of the targets */
	LAPIC_IPI_NMI,
	LAPIC_IPI_INIT, /** INIT assert (an INIT de-assert is never sent) */
	LAPIC_IPI_SIPI, /** vector = the start page (real mode CS = vector << 8) */
};

enum lapic_shorthand {
	LAPIC_SH_NONE,	 /** the destination field says who */
	LAPIC_SH_SELF,	 /** never reaches send_ipi: delivered locally */
	LAPIC_SH_ALL,	 /** all including self */
	LAPIC_SH_OTHERS, /** all excluding self */
};

/** An IPI the guest sent, for ops->send_ipi; lapic_ipi_match() says
 * whether a given APIC is a target. */
struct lapic_ipi {
	const struct lapic *src; /** the sender */
	enum lapic_ipi_mode mode;
	enum lapic_shorthand shorthand;
	bool logical;	/** logical destination mode */
	bool x2apic;	/** dest is a 32-bit x2APIC destination */
	uint32_t dest;	/** xAPIC: 8 bits; x2APIC: 32 bits */
	uint8_t vector; /** FIXED/LOWEST: vector; SIPI: page; else 0 */
};

enum lapic_clock {
	LAPIC_CLOCK_NS,	 /** ops->now_ns: one-shot and periodic modes */
	LAPIC_CLOCK_TSC, /** ops->now_tsc: TSC-deadline mode */
};

/** What the real timer (VMPL0's x2APIC) must do: interrupt with the guest's
 * own vector when the clock reaches deadline. */
struct lapic_timer_req {
	enum lapic_clock clock;
	uint64_t deadline;
	uint8_t vector;
};

/**
 * What the APIC needs from the paravisor.  All hooks are required (except
 * now_tsc without cfg.tsc_deadline); a hook returning false makes the call
 * that ran it return LAPIC_HOST_ERROR.
 */
struct lapic_ops {
	/** [IN] ipi: deliver to every APIC lapic_ipi_match() accepts. */
	bool (*send_ipi)(void *ctx, const struct lapic_ipi *ipi);
	/** The guest ended vector (level-triggered or marked with
     * lapic_set_eoi_forward): tell the host so the source re-arms. */
	bool (*eoi)(void *ctx, uint8_t vector);
	/** Monotonic nanoseconds. */
	uint64_t (*now_ns)(void *ctx);
	/** The guest's TSC. */
	uint64_t (*now_tsc)(void *ctx);
	/** [IN] req: arm the one-shot real timer, replacing an armed one.  After
     * it fires it is disarmed; the caller then calls lapic_timer_fired(). */
	bool (*timer_arm)(void *ctx, const struct lapic_timer_req *req);
	/** Disarm the real timer. */
	bool (*timer_cancel)(void *ctx);
};

struct lapic_config {
	uint32_t apic_id;  /** the initial (x2)APIC ID */
	bool bsp;	   /** IA32_APIC_BASE.BSP at reset */
	bool x2apic;	   /** x2APIC mode may be enabled */
	bool tsc_deadline; /** TSC-deadline timer mode and MSR 0x6E0 exist */
	uint8_t phys_bits; /** MAXPHYADDR: base MSR bits above are reserved */
	uint32_t bus_ns;   /** ns per timer bus clock before the divider (>= 1) */
};

/* Counters: per APIC, uint64_t, no atomics.  X(name, description) */
#define LAPIC_STATS(X)                                                      \
	X(MMIO_READ, "xAPIC MMIO reads")                                    \
	X(MMIO_WRITE, "xAPIC MMIO writes")                                  \
	X(MSR_READ, "APIC MSR reads (base, TSC deadline, x2APIC)")          \
	X(MSR_WRITE, "APIC MSR writes (base, TSC deadline, x2APIC)")        \
	X(GP, "accesses answered with #GP")                                 \
	X(ILLEGAL_REG, "xAPIC accesses to a reserved register (ESR bit 7)") \
	X(RO_WRITE, "xAPIC writes to a read-only register, ignored")        \
	X(MODE_CHANGE, "APIC mode transitions")                             \
	X(ERROR, "errors logged in ESR")                                    \
	X(IRR_SET, "interrupts accepted into IRR")                          \
	X(IRR_DROPPED, "fixed interrupts refused: APIC disabled")           \
	X(ACK, "interrupts moved IRR -> ISR")                               \
	X(SPURIOUS, "acks answered with the spurious vector")               \
	X(EOI, "EOIs that ended an interrupt")                              \
	X(EOI_EMPTY, "EOIs with no interrupt in service")                   \
	X(EOI_FORWARD, "EOIs forwarded to the host")                        \
	X(IPI_SENT, "IPIs handed to ops->send_ipi")                         \
	X(IPI_SELF, "self IPIs (shorthand or SELF_IPI)")                    \
	X(IPI_INVALID, "IPIs not sent: invalid ICR combination")            \
	X(IPI_DEASSERT, "INIT level de-assert IPIs (no effect)")            \
	X(IPI_UNSUPPORTED, "SMI IPIs refused")                              \
	X(TIMER_FIRED, "timer interrupts")                                  \
	X(TIMER_MASKED, "timer expiries while masked")                      \
	X(TIMER_COALESCED, "periodic expiries folded into one interrupt")   \
	X(TIMER_IGNORED, "timer writes ignored for the current timer mode") \
	X(TIMER_ARM, "real timer armed")                                    \
	X(TIMER_CANCEL, "real timer cancelled")

enum lapic_stat {
#define LAPIC_STAT_ENUM(name, desc) LAPIC_STAT_##name,
	LAPIC_STATS(LAPIC_STAT_ENUM)
#undef LAPIC_STAT_ENUM
		LAPIC_STAT_COUNT
};

/** "TIMER_FIRED: timer interrupts" and so on, by enum lapic_stat. */
extern const char *const lapic_stat_names[LAPIC_STAT_COUNT];

/** Timer bookkeeping (not guest-visible). */
struct lapic_timer {
	bool running;	   /** one-shot/periodic count in progress */
	uint64_t start_ns; /** when the count started at start_count */
	uint64_t start_count;
	uint64_t tick_ns;      /** ns per count at start_ns */
	uint64_t deadline_tsc; /** IA32_TSC_DEADLINE; 0 = disarmed */
	bool armed;	       /** the real timer holds armed_req */
	struct lapic_timer_req armed_req;
};

/**
 * One vCPU's APIC.  Legend: [I] lapic_init, then read-only; [V] guest
 * visible (the register page and the base MSR); [B] bookkeeping.
 */
struct lapic {
	uint32_t regs[LAPIC_PAGE_SIZE / 4]; /** [V] the register page, by offset/4 */
	uint64_t base;			    /** [V] IA32_APIC_BASE */
	uint32_t esr_pending;		    /** [B] errors since the last ESR write */
	uint32_t eoi_forward[8];	    /** [B] vectors whose EOI goes to the host */
	struct lapic_timer timer;	    /** [B] */
	struct lapic_config cfg;	    /** [I] */
	const struct lapic_ops *ops;	    /** [I] */
	void *ctx;			    /** [I] passed to every hook */
	uint64_t stat[LAPIC_STAT_COUNT];
};

/** Power-up state (xAPIC mode, software-disabled).  Returns false if cfg or
 * ops is unusable (a paravisor bug); no hook is called. */
bool lapic_init(struct lapic *l, const struct lapic_config *cfg, const struct lapic_ops *ops,
		void *ctx);
/** An INIT to this vCPU: registers back to their reset values, the mode
 * and the ID stay (SDM "x2APIC State Transitions"). */
enum lapic_result lapic_init_reset(struct lapic *l);

enum lapic_mode lapic_mode(const struct lapic *l);
/** The APIC ID the guest currently has: 8 bits in xAPIC mode, 32 in x2APIC. */
uint32_t lapic_id(const struct lapic *l);

/* The register state: offset is a register offset in the xAPIC page; val is
 * 32 bits except the x2APIC-mode ICR (64).  Legal in the current mode only:
 * a disabled APIC is #GP. */
enum lapic_result lapic_read(struct lapic *l, uint32_t offset, uint64_t *val);
enum lapic_result lapic_write(struct lapic *l, uint32_t offset, uint64_t val);

/* xAPIC MMIO view: [IN] offset in the APIC page, size in bytes. */
enum lapic_result lapic_mmio_read(struct lapic *l, uint32_t offset, unsigned int size,
				  uint32_t *val);
enum lapic_result lapic_mmio_write(struct lapic *l, uint32_t offset, unsigned int size,
				   uint32_t val);

/* MSR view: 0x1B, 0x6E0 and 0x800-0x8FF; any other MSR is #GP. */
bool lapic_msr_owned(uint32_t msr);
enum lapic_result lapic_msr_read(struct lapic *l, uint32_t msr, uint64_t *val);
enum lapic_result lapic_msr_write(struct lapic *l, uint32_t msr, uint64_t val);

/* Interrupt acceptance. */
/** A fixed interrupt arrives (#HV doorbell, an IPI, a local source); level
 * sets its TMR bit.  Returns false if refused: APIC disabled (hardware or
 * software) or an illegal vector 0-15 (ESR bit 6, error interrupt). */
bool lapic_set_irr(struct lapic *l, uint8_t vector, bool level);
/** Mark vector as "EOI goes to the host" (host-delivered, EOI required). */
void lapic_set_eoi_forward(struct lapic *l, uint8_t vector, bool on);
/** Whether a vector >= @vector waits for an EOI the host will get: pending
 * or in service and forwarded (eoi_forward) or level (TMR).  Such vectors
 * are in the host's ISR, so an EOI sent to the host now would retire one of
 * them rather than @vector. */
bool lapic_host_holds_from(const struct lapic *l, uint8_t vector);
/** The highest IRR vector whose priority class beats PPR, or LAPIC_NO_VECTOR.
 * Vectors already in IRR stay deliverable while software-disabled (SDM
 * "Local APIC State After It Has Been Software Disabled"). */
int lapic_pending(const struct lapic *l);
/** The guest takes vector (from lapic_pending): IRR -> ISR and returns
 * vector; if it is no longer in IRR, returns the spurious vector (SVR[7:0])
 * and changes nothing. */
uint8_t lapic_ack(struct lapic *l, uint8_t vector);

/* Timer. */
/** Deliver what is due (any time). */
enum lapic_result lapic_timer_poll(struct lapic *l);
/** The real timer fired, so it is no longer armed: deliver what is due and
 * arm it again for what is not (a real timer on a slightly different clock
 * may fire a little early). */
enum lapic_result lapic_timer_fired(struct lapic *l);

/* IPIs. */
/** true if target is a destination of ipi (shorthand, physical or logical,
 * broadcast).  A disabled APIC is never a destination. */
bool lapic_ipi_match(const struct lapic *target, const struct lapic_ipi *ipi);

#endif /* DEVICES_LAPIC_H */
