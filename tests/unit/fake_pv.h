/* SPDX-License-Identifier: MIT */
/*
 * Fakes of the parts of core/ that vc/, core/ghcb.c, core/guest_mem.c and
 * core/platform.c use, for cmocka tests of those files as they
 * are:
 *  - mm_*: guest memory is a host buffer of 8 GiB (reserved, filled on
 *    touch), GPA g at fake_mem(g); the layout in `mm` is fake_pv_reset()'s
 *    (fake_pv_high_ram() adds RAM above 4 GiB);
 *  - pv_log() appends to fake_pv.log;
 *  - pv_terminate() records the code and message and longjmps back into
 *    the test (FAKE_EXPECT_TERM), or fails the running cmocka test.
 * The guest's side is fake_guest: one vCPU, its VMPL1 VMSA and an exit.
 */
#ifndef FAKE_PV_H
#define FAKE_PV_H

#include "core/mm.h"
#include "vc/vc.h"

#include <setjmp.h>

#define FAKE_MEM_SIZE (8ULL << 30)

/* fake_pv_reset()'s layout: RAM below 640 KiB and from 1 MiB to 2 GiB, the
 * paravisor's region at the top of it, 4 MiB of firmware below 4 GiB. */
#define FAKE_RAM_END 0x80000000ULL
#define FAKE_PV_BASE 0x7E000000ULL
#define FAKE_FW_BASE 0xFFC00000ULL
#define FAKE_FW_END  0x100000000ULL
#define FAKE_CBIT    51

struct fake_pv {
	bool terminated;
	unsigned int term_code;
	char term_msg[512];
	jmp_buf *catcher; /* FAKE_EXPECT_TERM's */
	char log[16384];
	size_t log_len;
	unsigned int cbit;	  /* mm_cbit_position() */
	uint64_t alloc_next;	  /* mm_alloc_pages() */
	uint64_t made_shared[16]; /* mm_make_shared() calls */
	size_t made_shared_count;
};

extern struct fake_pv fake_pv;

/** Zeroed guest memory, the default layout, no log, no termination. */
void fake_pv_reset(void);
/** The same, but only the count pages at pages[] (GPAs) are zeroed of
 * guest memory: for millions of resets of a caller that knows what it
 * touched (tests/fuzz). */
void fake_pv_reset_quick(const uint64_t *pages, size_t count);
/** The host address of a guest physical address below FAKE_MEM_SIZE. */
void *fake_mem(uint64_t gpa);
/** Guest RAM [4 GiB, end) as well (end <= FAKE_MEM_SIZE): the layout
 * mm_layout_read() makes of it (the 1:1 map and vTOM above it). */
void fake_pv_high_ram(uint64_t end);
bool fake_pv_log_has(const char *text);

/** Runs stmt, which must terminate the paravisor with the reason code. */
#define FAKE_EXPECT_TERM(code, stmt)                                                    \
	do {                                                                            \
		jmp_buf fake_jb_;                                                       \
		fake_pv.terminated = false;                                             \
		if (!setjmp(fake_jb_)) {                                                \
			fake_pv.catcher = &fake_jb_;                                    \
			stmt;                                                           \
		}                                                                       \
		fake_pv.catcher = NULL;                                                 \
		if (!fake_pv.terminated)                                                \
			fail_msg("no termination from %s", #stmt);                      \
		if (fake_pv.term_code != (unsigned int)(code))                          \
			fail_msg("termination %u (%s), expected %u", fake_pv.term_code, \
				 fake_pv.term_msg, (unsigned int)(code));               \
	} while (0)

/** The guest: vCPU 0, flat 32-bit protected mode with paging off at RIP
 * FAKE_GUEST_RIP. */
#define FAKE_GUEST_RIP 0x1000ULL

struct fake_guest {
	struct vcpu vcpu;
	struct sev_vmsa vmsa;
	struct vc_exit exit;
	/* A second vCPU (index 1, APIC ID 1) once fake_guest_add_peer() made
	 * it; while on_peer is set, vcpu_this() is the peer. */
	struct vcpu peer;
	bool on_peer;
};

extern struct fake_guest fake_guest;

/** A fresh machine as pv_main leaves it: memory and hypervisor reset, the
 * GHCB negotiated and registered (ghcb_init_early, ghcb_init), the guest
 * reset. */
void fake_pv_boot(void);
/** fake_pv_boot() as a cmocka setup function. */
int fake_pv_setup(void **state);
void fake_guest_reset(void);
/** Makes fake_guest.peer a vCPU (sharing vCPU 0's GHCB) with its APIC
 * software-enabled. */
void fake_guest_add_peer(void);
/** The exit the guest just took, with the next RIP at rip + insn_len. */
struct vc_exit *fake_guest_exit(uint64_t code, uint64_t info1, uint64_t info2,
				unsigned int insn_len);

#endif
