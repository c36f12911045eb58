/* SPDX-License-Identifier: MIT */
/*
 * The paravisor's one path to the hypervisor: ghcb_call() fills
 * usage, version, exit code and infos, runs VMGEXIT and validates the
 * answer; callers read outputs only through ghcb_out(), which terminates
 * if the hypervisor did not mark the register valid.
 */
#ifndef PV_GHCB_CALL_H
#define PV_GHCB_CALL_H

#include "core/pv.h"
#include <ghcb.h>
#include <x86_fault.h>

/*
 * The hypervisor may answer a call with "raise #GP or #UD" (in spec: GHCB
 * spec 2.03, 4.1.7).  A call made for the guest (vc/ relaying the guest's
 * own IN, OUT, RDMSR, WRMSR, MMIO access or RDTSC) passes a struct
 * x86_fault: it gets GHCB_STATUS_EXCEPTION and the fault, which the
 * dispatcher raises in the guest.  A call the paravisor makes for itself
 * passes NULL: such an answer then ends the VM (PV_TERM_HV_ERROR), so those
 * calls only ever return GHCB_STATUS_OK.
 */
enum ghcb_status {
	GHCB_STATUS_OK,
	GHCB_STATUS_EXCEPTION, /* *fault holds what the hypervisor asked for */
};

void ghcb_init_early(void);
void ghcb_init(void);
/** A page made shared for a GHCB (the BSP does it for each AP). */
uint64_t ghcb_alloc_shared(void);
/** An AP registers the GHCB the BSP prepared for it. */
void ghcb_init_ap(uint64_t gpa);
bool ghcb_ready(void);
/** A clean GHCB to fill with inputs (ghcb_set_* of protocol/ghcb.h). */
struct ghcb *ghcb_begin(void);
/** Runs the call; any answer outside the spec terminates (PV_TERM_HV_ERROR). */
enum ghcb_status ghcb_call(struct ghcb *g, uint64_t exit_code, uint64_t info1, uint64_t info2,
			   struct x86_fault *fault);
/** An output register at save-area offset off, which must be marked valid. */
uint64_t ghcb_out(const struct ghcb *g, size_t off);
uint64_t ghcb_shared_buffer_gpa(void);

/* The MSR protocol (GHCB spec 2.3.1 "GHCB MSR Protocol"; protocol/ghcb.h). */
uint64_t ghcb_msr_protocol(uint64_t request, uint32_t expected_response);
void ghcb_msr_psc(uint64_t gpa, bool shared);
bool ghcb_msr_run_vmpl(unsigned int vmpl, const volatile bool *stop);

/* Common calls. */
enum ghcb_status ghcb_ioio(uint16_t port, unsigned int size, bool in, uint32_t *val,
			   struct x86_fault *f);
void ghcb_ioio_string_out(uint16_t port, const void *buf, size_t len);
enum ghcb_status ghcb_ioio_string(uint16_t port, unsigned int size, bool in, void *buf,
				  uint64_t count, struct x86_fault *f);
enum ghcb_status ghcb_msr_read(uint32_t msr, uint64_t *val, struct x86_fault *f);
enum ghcb_status ghcb_msr_write(uint32_t msr, uint64_t val, struct x86_fault *f);
enum ghcb_status ghcb_mmio(uint64_t gpa, unsigned int size, bool write, uint64_t *val,
			   struct x86_fault *f);
uint64_t ghcb_hv_features(void);

#endif
