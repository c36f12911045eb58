/* SPDX-License-Identifier: MIT */
/*
 * The CMOS memory-size registers a firmware reads (0x17/0x18 and 0x30/0x31
 * extended memory in KiB, 0x34/0x35 memory above 16 MiB in 64 KiB units,
 * 0x5B-0x5D memory above 4 GiB in 64 KiB units), computed from the RAM the
 * guest really has.  Used by snpemu and by the paravisor.
 */
#ifndef DEVICES_CMOS_H
#define DEVICES_CMOS_H

#include <stdint.h>

#define CMOS_PORT_INDEX 0x70
#define CMOS_PORT_DATA  0x71

/** The register's value, or -1 if the register is not a memory size. */
int cmos_memory_register(uint8_t index, uint64_t low_ram_end, uint64_t high_ram_bytes);

#endif
