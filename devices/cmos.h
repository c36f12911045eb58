/* SPDX-License-Identifier: MIT */
/*
 * The CMOS memory-size registers a firmware reads (0x17/0x18 and 0x30/0x31
 * extended memory in KiB, 0x34/0x35 memory above 16 MiB in 64 KiB units,
 * 0x5B-0x5D memory above 4 GiB in 64 KiB units), computed from the RAM the
 * guest really has.  Used by snpemu and by the paravisor.
 */
#ifndef DEVICES_CMOS_H
#define DEVICES_CMOS_H

#include <stdbool.h>
#include <stdint.h>

#define CMOS_PORT_INDEX 0x70
#define CMOS_PORT_DATA	0x71

/** The register's value, or -1 if the register is not a memory size. */
int cmos_memory_register(uint8_t index, uint64_t low_ram_end, uint64_t high_ram_bytes);

/* The MC146818 real-time clock registers (MC146818A datasheet, "Address
 * Map"; the century byte at 0x32 is the PC/AT convention QEMU follows). */
#define RTC_REG_SECONDS 0x00
#define RTC_REG_MINUTES 0x02
#define RTC_REG_HOURS	0x04
#define RTC_REG_MDAY	0x07
#define RTC_REG_MONTH	0x08
#define RTC_REG_YEAR	0x09
#define RTC_REG_A	0x0A
#define RTC_REG_B	0x0B
#define RTC_REG_CENTURY 0x32
#define RTC_A_UIP	0x80 /* update in progress: the time may be torn */
#define RTC_B_24H	0x02
#define RTC_B_BINARY	0x04 /* else BCD */
#define RTC_HOUR_PM	0x80 /* 12-hour mode */

/** The time registers as read, in the RTC's own encoding (register B). */
struct cmos_rtc {
	uint8_t sec, min, hour, mday, mon, year, century, reg_b;
};

/** Seconds since 1970-01-01 00:00 UTC for an RTC kept in UTC, or false if
 * a field is out of range.  A century byte that does not decode to 19..99
 * is taken as 20. */
bool cmos_rtc_to_unix(const struct cmos_rtc *r, uint64_t *unix_sec);

#endif
