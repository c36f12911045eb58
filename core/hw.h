/* SPDX-License-Identifier: MIT */
/*
 * The instructions through which the paravisor reaches the platform.  Two
 * implementations: core/hw.c for the real thing, and
 * tests/unit/fake_hw.c, which records every call so host tests of vc/,
 * decoder/ and devices/ can assert what would have reached the hypervisor.
 */
#ifndef PV_HW_H
#define PV_HW_H

#include "core/pv.h"

/** PVALIDATE: EAX result; *unchanged = RFLAGS.CF. */
uint32_t hw_pvalidate(uint64_t va, bool size_2m, bool validate, bool *unchanged);
/** RMPADJUST: EAX result. */
uint32_t hw_rmpadjust(uint64_t va, bool size_2m, uint64_t attrs);
/** Writes the GHCB MSR, runs VMGEXIT, returns the GHCB MSR. */
uint64_t hw_vmgexit_msr(uint64_t msr_value);
/** VMGEXIT with the GHCB page registered in the MSR. */
void hw_vmgexit(uint64_t ghcb_gpa);
uint64_t hw_rdmsr(uint32_t msr);
void hw_wrmsr(uint32_t msr, uint64_t val);
/**
 * STI; HLT; CLI unless *wake is already set.  An #HV (which RFLAGS.IF does
 * not hold back) that lands between the check and the HLT would otherwise
 * be spent before the HLT and leave the CPU asleep with the wake-up it
 * carried already noted: the #HV handler moves a return address inside
 * [hw_halt_window_start, hw_halt_window_end) to the end (core/idt.c), so
 * the HLT is skipped.  The caller's #HV handler sets *wake.
 */
void hw_halt_unless(const volatile bool *wake);
/**
 * hw_vmgexit_msr(msr_value) unless *stop is set: then 0 and no VMGEXIT.
 * For RUN_VMPL: an #HV that lands after the check would otherwise be noted
 * (*stop set) but its doorbell left unread while the lower VMPL runs; the
 * hypervisor signals no further #HV until the doorbell is read, so a guest
 * that then waits for an interrupt without exiting waits forever.  As with
 * the halt, the #HV handler moves a return address inside
 * [hw_run_window_start, hw_run_window_end) to hw_run_window_skip
 * (core/idt.c).
 */
uint64_t hw_vmgexit_msr_unless(uint64_t msr_value, const volatile bool *stop);
uint64_t hw_rdtsc(void); /* LFENCE; RDTSC: ordered after earlier loads */

#endif
