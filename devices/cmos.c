/* SPDX-License-Identifier: MIT */
#include "cmos.h"

int cmos_memory_register(uint8_t index, uint64_t low_ram_end, uint64_t high_ram_bytes)
{
	uint64_t ext_kib = low_ram_end > (1ULL << 20) ? (low_ram_end - (1ULL << 20)) >> 10 : 0;
	uint64_t above16 = low_ram_end > (16ULL << 20) ? (low_ram_end - (16ULL << 20)) >> 16 : 0;
	uint64_t above4g = high_ram_bytes >> 16;
	if (ext_kib > 0xFFFF)
		ext_kib = 0xFFFF;
	if (above16 > 0xFFFF)
		above16 = 0xFFFF;
	switch (index) {
	case 0x17:
	case 0x30:
		return (int)(ext_kib & 0xFF);
	case 0x18:
	case 0x31:
		return (int)(ext_kib >> 8);
	case 0x34:
		return (int)(above16 & 0xFF);
	case 0x35:
		return (int)(above16 >> 8);
	case 0x5B:
		return (int)(above4g & 0xFF);
	case 0x5C:
		return (int)((above4g >> 8) & 0xFF);
	case 0x5D:
		return (int)((above4g >> 16) & 0xFF);
	default:
		return -1;
	}
}

/** A register in the RTC's encoding, or -1 if it is not valid BCD. */
static int rtc_field(uint8_t v, bool binary)
{
	if (binary)
		return v;
	if ((v & 0x0F) > 9 || (v >> 4) > 9)
		return -1;
	return (v >> 4) * 10 + (v & 0x0F);
}

static bool leap(unsigned int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned int month_days(unsigned int y, unsigned int m)
{
	static const uint8_t days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	return days[m - 1] + (m == 2 && leap(y));
}

bool cmos_rtc_to_unix(const struct cmos_rtc *r, uint64_t *unix_sec)
{
	bool binary = r->reg_b & RTC_B_BINARY;
	int sec = rtc_field(r->sec, binary), min = rtc_field(r->min, binary);
	int hour = rtc_field(r->hour & (uint8_t)~RTC_HOUR_PM, binary);
	int mday = rtc_field(r->mday, binary), mon = rtc_field(r->mon, binary);
	int yy = rtc_field(r->year, binary), cc = rtc_field(r->century, binary);
	if (sec < 0 || sec > 59 || min < 0 || min > 59 || hour < 0 || yy < 0 || yy > 99)
		return false;
	if (!(r->reg_b & RTC_B_24H)) { /* 12-hour mode: 12 AM is 0, 12 PM is 12 */
		if (hour < 1 || hour > 12)
			return false;
		hour = hour % 12 + (r->hour & RTC_HOUR_PM ? 12 : 0);
	}
	if (hour > 23)
		return false;
	unsigned int year = (unsigned int)((cc >= 19 && cc <= 99 ? cc : 20) * 100 + yy);
	if (year < 1970 || mon < 1 || mon > 12 || mday < 1 ||
	    (unsigned int)mday > month_days(year, (unsigned int)mon))
		return false;
	uint64_t days = (uint64_t)mday - 1;
	for (unsigned int y = 1970; y < year; y++)
		days += leap(y) ? 366 : 365;
	for (unsigned int m = 1; m < (unsigned int)mon; m++)
		days += month_days(year, m);
	*unix_sec = ((days * 24 + (uint64_t)hour) * 60 + (uint64_t)min) * 60 + (uint64_t)sec;
	return true;
}
