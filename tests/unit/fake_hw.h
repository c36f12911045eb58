/* SPDX-License-Identifier: MIT */
/*
 * The host's core/hw.h: a fake platform and hypervisor.
 * fake_hw.c records every call (PVALIDATE, RMPADJUST, each VMGEXIT with
 * the GHCB page it saw, each MSR-protocol request, each port access) and
 * answers like a hypervisor that follows GHCB 56421, with a per-test
 * "hostile" switch that makes it answer out of spec.  Requests are checked
 * the way KVM checks them (sev_es_validate_vmgexit): a missing valid bit or
 * a bad scratch area is answered with sw_exit_info_1 = 2 and counted in
 * fake_hv.bad_requests, so a test sees what a real hypervisor would refuse.
 */
#ifndef FAKE_HW_H
#define FAKE_HW_H

#include "core/hw.h"

#include <ghcb.h>

#define FAKE_HV_MAX_MSRS    32
#define FAKE_HV_MAX_SCRIPT  4096
#define FAKE_HV_MAX_FWCFG   8
#define FAKE_HV_MAX_RECORDS 65536

/** Answers out of spec, one kind per test (GHCB 56421 §4.1 lists what is
 * in spec: sw_exit_info_1 0, or 1 with a #GP/#UD event in info2). */
enum fake_hostile {
	FAKE_HOSTILE_NONE,
	FAKE_HOSTILE_PF_EVENT,	    /* info1 = 1, info2 = a #PF event */
	FAKE_HOSTILE_INFO1_2,	    /* info1 = 2 although the request was fine */
	FAKE_HOSTILE_INFO1_UNKNOWN, /* info1 = 3 */
	FAKE_HOSTILE_NO_VALID,	    /* outputs written, valid bits not set */
	FAKE_HOSTILE_REG_ECHO,	    /* register-GPA response names another GFN */
	FAKE_HOSTILE_NO_V2,	    /* SEV information: versions 1..1 */
};

/** One port access that reached the hypervisor. */
struct fake_io {
	uint16_t port;
	uint8_t size;
	bool in;
	uint32_t value;
};

/** One MMIO access that reached the hypervisor. */
struct fake_mmio {
	uint64_t gpa;
	unsigned int size;
	bool write;
	uint64_t value;
};

struct fake_pvalidate {
	uint64_t va;
	bool size_2m, validate;
};

struct fake_rmpadjust {
	uint64_t va;
	bool size_2m;
	uint64_t attrs;
};

struct fake_msr {
	uint32_t msr;
	uint64_t value;
	bool gp; /* RDMSR/WRMSR answered with #GP */
};

/** An fw_cfg item of the hypervisor's device; a name puts it in the directory. */
struct fake_fwcfg_item {
	uint16_t key;
	char name[56];
	const void *data;
	uint32_t len;
};

struct fake_hv {
	/* --- configuration (fake_hv_reset() sets a hypervisor in spec) --- */
	uint16_t version_min, version_max;
	uint8_t cbit;
	uint64_t features;  /* SEV_HV_FEAT_* */
	uint32_t psc_error; /* PSC response error field */
	uint32_t run_vmpl_error;
	enum fake_hostile hostile;
	uint64_t next_event; /* one-shot: answer the next NAE with this event */
	uint64_t tsc;
	uint32_t tsc_aux;
	uint64_t mmio_read_value;
	uint32_t pvalidate_rc, rmpadjust_rc;
	uint64_t sev_status;			/* hw_rdmsr(MSR_SEV_STATUS) */
	struct fake_msr msrs[FAKE_HV_MAX_MSRS]; /* the NAE MSR file */
	unsigned int msr_count;
	uint32_t in_script[FAKE_HV_MAX_SCRIPT]; /* IN answers, in order */
	unsigned int in_count, in_next;
	uint32_t in_default; /* IN once the script is used up */
	bool fwcfg;	     /* ports 0x510-0x51B are a fw_cfg device */
	uint32_t fwcfg_id;   /* FW_CFG_ID: 3 = traditional + DMA */
	uint16_t nb_cpus;    /* FW_CFG_NB_CPUS (1) */
	struct fake_fwcfg_item fwcfg_items[FAKE_HV_MAX_FWCFG];
	unsigned int fwcfg_count;
	uint8_t cmos[128];
	/* The platform's clock: hw_rdtsc() returns now_tsc and advances it by
	 * rdtsc_cost, each port access by io_cost (a GHCB round trip).  With
	 * pit, ports 0x42/0x43/0x61 are an 8254 channel 2 (modes 0 and 2,
	 * counter latch, lo/hi access) counting at pit_hz TSC-synchronously. */
	uint64_t tsc_hz;
	uint64_t now_tsc, rdtsc_cost, io_cost;
	bool pit;
	uint64_t pit_hz;
	/* A benchmark's hypervisor (tests/bench): it answers as above but keeps
	 * none of the records below, so that millions of calls neither fill
	 * them nor pay for them.  served counts the VMGEXITs with the GHCB
	 * page it answered, records or not. */
	bool no_records;
	uint64_t served;

	/* --- state of the fake devices --- */
	uint64_t registered_gpa; /* ~0: none */
	uint16_t fwcfg_select;
	uint32_t fwcfg_offset;
	uint8_t cmos_index;
	struct {
		uint8_t port_b, mode;
		uint16_t reload, latch;
		bool latched, hi_next, reload_lo_done;
		uint64_t load_tsc;
	} pit2;

	/* --- records --- */
	struct ghcb *exits; /* each GHCB page as VMGEXIT found it */
	size_t exit_count, exit_cap;
	size_t msr_request_count, io_count, string_out_len; /* of the three arrays at the end */
	struct fake_mmio mmio[256];
	size_t mmio_count;
	struct fake_msr msr_writes[256]; /* NAE MSR writes and hw_wrmsr() */
	size_t msr_write_count;
	struct fake_pvalidate pvalidates[256];
	size_t pvalidate_count;
	struct fake_rmpadjust rmpadjusts[256];
	size_t rmpadjust_count;
	uint64_t shared_gfns[64]; /* pages the guest made shared by PSC */
	size_t shared_gfn_count;
	uint64_t ap_creations[16][3]; /* info1, info2, rax */
	size_t ap_creation_count;
	unsigned int halts;
	void (*on_halt)(void);	      /* what wakes the halted CPU (test's) */
	void (*on_halt_window)(void); /* what lands after the last check, before HLT */
	void (*on_run_window)(void);  /* ... after the check, before RUN_VMPL's VMGEXIT */
	unsigned int bad_requests;    /* answered with info1 = 2 */
	uint64_t last_error;	      /* GHCB_ERR_* of the last bad request */
	int term_code;		      /* MSR termination request: code, or -1 */
	/* A hypervisor that writes what it likes (tests/fuzz): after the
	 * answer above is in the GHCB page (or the GHCB MSR), these may
	 * change it; req is the request as the hypervisor found it. */
	void (*on_answer)(struct ghcb *g, const struct ghcb *req);
	uint64_t (*on_msr_answer)(uint64_t request, uint64_t answer);

	/* --- the large records, last: fake_hv_reset_quick() leaves them --- */
	uint64_t msr_requests[FAKE_HV_MAX_RECORDS]; /* MSR-protocol values */
	struct fake_io io[FAKE_HV_MAX_RECORDS];
	uint8_t string_out[FAKE_HV_MAX_RECORDS]; /* OUTS data (the log) */
};

extern struct fake_hv fake_hv;

/** A hypervisor in spec: GHCB 1..2, C-bit 51, every feature the paravisor
 * needs, empty records. */
void fake_hv_reset(void);
/** The same, but the three large record arrays (1.4 MB) keep their old
 * contents past their zeroed counts: for millions of resets (tests/fuzz). */
void fake_hv_reset_quick(void);
void fake_hv_set_msr(uint32_t msr, uint64_t value, bool gp);
void fake_hv_script_in(const uint32_t *values, unsigned int count);
/** Turns on the fw_cfg device; items are kept by reference.  An item with
 * key FW_CFG_FILE_DIR (0x19) replaces the directory built from the names. */
void fake_hv_fwcfg_add(uint16_t key, const char *name, const void *data, uint32_t len);
/** The last VMGEXIT's GHCB as the hypervisor saw it. */
const struct ghcb *fake_hv_last_exit(void);
/** How many recorded MSR-protocol requests have this GHCBInfo code. */
size_t fake_hv_msr_requests_with(uint32_t info);
/** How many recorded port accesses touched [first, last]. */
size_t fake_hv_io_in_range(uint16_t first, uint16_t last);

#endif
