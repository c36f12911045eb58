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
    case 0x17: case 0x30: return (int)(ext_kib & 0xFF);
    case 0x18: case 0x31: return (int)(ext_kib >> 8);
    case 0x34: return (int)(above16 & 0xFF);
    case 0x35: return (int)(above16 >> 8);
    case 0x5B: return (int)(above4g & 0xFF);
    case 0x5C: return (int)((above4g >> 8) & 0xFF);
    case 0x5D: return (int)((above4g >> 16) & 0xFF);
    default: return -1;
    }
}
