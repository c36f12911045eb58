/* SPDX-License-Identifier: MIT */
/*
 * How snpemu talks to the outside world (QEMU command line and test driver).
 */
#ifndef PROTOCOL_SNPEMU_ABI_H
#define PROTOCOL_SNPEMU_ABI_H

/** fw_cfg file that carries the IGVM image to launch. */
#define SNPEMU_FWCFG_IGVM   "opt/snpemu/igvm"
/** fw_cfg file with options, "key=value" separated by spaces or newlines,
 * e.g. "intercept=rdtsc,rdtscp". */
#define SNPEMU_FWCFG_CONFIG "opt/snpemu/config"

/** snpemu's own log: QEMU isa-debugcon at this port. */
#define SNPEMU_LOG_PORT	 0x402
/** QEMU isa-debug-exit at this port: status = (value << 1) | 1. */
#define SNPEMU_EXIT_PORT 0xF4

/** Values written to SNPEMU_EXIT_PORT and the QEMU exit status they give. */
#define SNPEMU_EXIT_GUEST_TERMINATED 0x10 /* status 33: guest asked (GHCB) */
#define SNPEMU_EXIT_GUEST_KILLED     0x11 /* status 35: unrecoverable guest fault */
#define SNPEMU_EXIT_INTERNAL_ERROR   0x12 /* status 37: snpemu bug or bad setup */
#define SNPEMU_EXIT_GUEST_HUNG	     0x13 /* status 39: HLT with no wake source */

#define SNPEMU_EXIT_STATUS(v) (((v) << 1) | 1)

#endif
