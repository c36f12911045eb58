/* SPDX-License-Identifier: MIT */
/*
 * The guest's view of the platform devices the paravisor filters: fw_cfg
 * (etc/e820 without the paravisor's region, no DMA interface: issue 4) and
 * the CMOS memory size.  Everything else goes to the hypervisor.
 */
#include "devices.h"
#include "ghcb_call.h"
#include "irq.h"
#include "mm.h"

#include "devices/cmos.h"
#include "devices/fwcfg.h"

#include <lib/string.h>

#define E820_ENTRY  20
#define E820_RAM    1
#define MAX_E820    (FWCFG_MAX_E820 / E820_ENTRY)

static struct fwcfg_filter filter;
static u8 cmos_index;
static u64 guest_low_end;

struct e820_entry {
    u64 addr, len;
    u32 type;
} __attribute__((packed));

static void host_read_item(u16 select, void *buf, u32 len)
{
    u32 sel = select;
    ghcb_ioio(FWCFG_PORT_SEL, 2, false, &sel);
    u8 *p = buf;
    for (u32 i = 0; i < len; i++) {
        u32 v = 0;
        ghcb_ioio(FWCFG_PORT_DATA, 1, true, &v);
        p[i] = (u8)v;
    }
}

static u32 be32(const u8 *p)
{
    return ((u32)p[0] << 24) | ((u32)p[1] << 16) | ((u32)p[2] << 8) | p[3];
}

/** The host's e820 without the paravisor's region. */
static unsigned int guest_e820(const u8 *dir, u32 dir_len, struct e820_entry *out)
{
    static struct e820_entry host[MAX_E820];
    unsigned int n = 0, hn = 0;
    for (u32 off = 4; off + FWCFG_FILE_ENTRY <= dir_len; off += FWCFG_FILE_ENTRY) {
        if (strncmp((const char *)dir + off + 8, "etc/e820", 56))
            continue;
        u32 size = MIN(be32(dir + off), (u32)sizeof(host));
        host_read_item((u16)((dir[off + 4] << 8) | dir[off + 5]), host, size);
        hn = size / E820_ENTRY;
    }
    for (unsigned int i = 0; i < hn && n + 2 <= MAX_E820; i++) {
        struct e820_entry e = host[i];
        u64 end = e.addr + e.len;
        if (e.type != E820_RAM || end <= mm.pv_base || e.addr >= mm.pv_end) {
            out[n++] = e;
            continue;
        }
        if (e.addr < mm.pv_base)
            out[n++] = (struct e820_entry){ e.addr, mm.pv_base - e.addr, E820_RAM };
        if (end > mm.pv_end)
            out[n++] = (struct e820_entry){ mm.pv_end, end - mm.pv_end, E820_RAM };
    }
    for (unsigned int i = 0; i < n; i++)
        if (out[i].type == E820_RAM && out[i].addr + out[i].len <= (4ULL << 30))
            guest_low_end = MAX(guest_low_end, out[i].addr + out[i].len);
    return n;
}

void devices_init(void)
{
    static u8 dir[FWCFG_MAX_DIR];
    static struct e820_entry e820[MAX_E820];
    host_read_item(FWCFG_KEY_FILE_DIR, dir, 4);
    u32 count = be32(dir);
    if (4 + (u64)count * FWCFG_FILE_ENTRY > sizeof(dir))
        pv_terminate(PV_TERM_HV_ERROR, "fw_cfg directory with %u files", count);
    u32 dir_len = 4 + count * FWCFG_FILE_ENTRY;
    host_read_item(FWCFG_KEY_FILE_DIR, dir, dir_len);
    unsigned int n = guest_e820(dir, dir_len, e820);
    if (!fwcfg_filter_init(&filter, dir, dir_len, e820, n * E820_ENTRY))
        pv_terminate(PV_TERM_HV_ERROR, "fw_cfg directory unusable");
    pv_info("guest e820: %u entries, low RAM ends at %#lx", n, (unsigned long)guest_low_end);
}

bool devices_port_io(u16 port, unsigned int size, bool in, u32 *val)
{
    if (fwcfg_port_hidden(port, size)) {
        if (in)
            *val = 0xFFFFFFFF;
        return true;
    }
    if (in) {
        if (fwcfg_filter_in(&filter, port, size, val))
            return true;
        int cmos = port == CMOS_PORT_DATA && size == 1
            ? cmos_memory_register(cmos_index, guest_low_end, 0) : -1;
        if (cmos >= 0) {
            *val = (u32)cmos;
            return true;
        }
        return false;
    }
    fwcfg_filter_out(&filter, port, size, *val);
    if (port == CMOS_PORT_INDEX && size == 1)
        cmos_index = *val & 0x7F;
    return false;
}

/** The guest's local APIC page belongs to the software APIC (vc/apic.c). */
bool devices_mmio(u64 gpa, unsigned int size, bool write, u64 *val)
{
    if ((gpa & PAGE_MASK) != 0xFEE00000ULL)
        return false;
    return guest_apic_mmio((u32)(gpa & ~PAGE_MASK), size, write, val);
}
