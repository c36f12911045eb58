/* SPDX-License-Identifier: MIT */
/*
 * The guest's port and MMIO accesses that reach the hypervisor through the
 * GHCB become real accesses to QEMU's devices, except:
 *  - snpemu's own log and exit ports do not exist for the guest (reads give
 *    all ones, writes are dropped, as for an absent device);
 *  - fw_cfg is filtered: the guest's etc/e820 leaves snpemu's memory out,
 *    and the DMA interface is hidden (it would let a device write anywhere,
 *    snpemu included); the FW_CFG_ID feature bit says so;
 *  - the CMOS memory-size registers describe the guest's RAM, not QEMU's
 *    (firmware reads them: 0x17/0x18 and 0x30/0x31 extended memory in KiB,
 *    0x34/0x35 memory above 16 MiB in 64 KiB units, 0x5B-0x5D above 4 GiB).
 */
#include "fwcfg.h"
#include "snpemu_abi.h"
#include "vm.h"
#include "x86.h"

#include <lib/string.h>

#define MAX_GUEST_E820  40

static struct {
    u16 select;
    u32 offset;
    u16 e820_select;
    u8 *dir;            /* the directory with etc/e820's size patched */
    u32 dir_len;
    u8 e820[MAX_GUEST_E820 * 20];
    u32 e820_len;
} gfw;

void guest_fwcfg_init(void)
{
    struct fwcfg_file f;
    u32 len;
    const u8 *raw = fwcfg_dir_raw(&len);
    gfw.dir = page_alloc(ALIGN_UP(len, PAGE_SIZE) / PAGE_SIZE);
    memcpy(gfw.dir, raw, len);
    gfw.dir_len = len;
    gfw.e820_len = memmap_e820(gfw.e820, MAX_GUEST_E820) * 20;
    if (!fwcfg_find("etc/e820", &f))
        panic("fw_cfg has no etc/e820");
    gfw.e820_select = f.select;
    for (u32 off = 4; off + 64 <= len; off += 64) {
        if (strncmp((const char *)gfw.dir + off + 8, "etc/e820", 56))
            continue;
        u32 be = __builtin_bswap32(gfw.e820_len);
        memcpy(gfw.dir + off, &be, 4);
    }
}

/** Bytes the guest sees for the selected item, or false to ask QEMU. */
static bool fwcfg_local_byte(u8 *b)
{
    const u8 *src;
    u32 len;
    if (gfw.select == FW_CFG_FILE_DIR) {
        src = gfw.dir;
        len = gfw.dir_len;
    } else if (gfw.select == gfw.e820_select) {
        src = gfw.e820;
        len = gfw.e820_len;
    } else if (gfw.select == FW_CFG_ID) {
        static const u8 id[4] = { 1, 0, 0, 0 };     /* traditional interface only */
        src = id;
        len = 4;
    } else {
        return false;
    }
    *b = gfw.offset < len ? src[gfw.offset] : 0;
    gfw.offset++;
    return true;
}

#define CMOS_INDEX  0x70
#define CMOS_DATA   0x71

static u8 cmos_index;

static u64 guest_low_ram_end(void)
{
    u64 end = 0;
    for (unsigned int i = 0; i < vm.ram_count; i++)
        if (vm.ram[i].end <= (4ULL << 30))
            end = MAX(end, vm.ram[i].end);
    return end;
}

/** The memory-size CMOS registers as the guest's RAM says; -1 for others. */
static int cmos_memory_byte(u8 index)
{
    u64 low = guest_low_ram_end();
    u64 ext_kib = MIN((low - (1ULL << 20)) >> 10, 0xFFFFULL);
    u64 above16 = low > (16ULL << 20) ? MIN((low - (16ULL << 20)) >> 16, 0xFFFFULL) : 0;
    switch (index) {
    case 0x17: case 0x30: return (int)(ext_kib & 0xFF);
    case 0x18: case 0x31: return (int)(ext_kib >> 8);
    case 0x34: return (int)(above16 & 0xFF);
    case 0x35: return (int)(above16 >> 8);
    case 0x5B: case 0x5C: case 0x5D: return 0;     /* no guest RAM above 4 GiB */
    default: return -1;
    }
}

static bool port_hidden(u16 port, unsigned int size)
{
    u32 last = (u32)port + size - 1;
    return (port <= SNPEMU_LOG_PORT && last >= SNPEMU_LOG_PORT) ||
           (port <= SNPEMU_EXIT_PORT + 3 && last >= SNPEMU_EXIT_PORT) ||
           (port <= FW_CFG_PORT_DMA_LO + 3 && last >= FW_CFG_PORT_DMA_HI);
}

bool io_port_in(u16 port, unsigned int size, u32 *val)
{
    if (port_hidden(port, size)) {
        *val = 0xFFFFFFFF;
        return true;
    }
    if (port == FW_CFG_PORT_DATA && size == 1) {
        u8 b;
        if (fwcfg_local_byte(&b)) {
            *val = b;
            return true;
        }
    }
    if (port == CMOS_DATA && size == 1 && cmos_memory_byte(cmos_index) >= 0) {
        *val = (u32)cmos_memory_byte(cmos_index);
        return true;
    }
    switch (size) {
    case 1: *val = inb(port); break;
    case 2: *val = inw(port); break;
    case 4: *val = inl(port); break;
    default: return false;
    }
    if (port == FW_CFG_PORT_DATA)
        gfw.offset += size;
    return true;
}

bool io_port_out(u16 port, unsigned int size, u32 val)
{
    if (port_hidden(port, size))
        return true;
    if (port == FW_CFG_PORT_SEL && size == 2) {
        gfw.select = (u16)val;
        gfw.offset = 0;
    }
    if (port == CMOS_INDEX && size == 1)
        cmos_index = val & 0x7F;        /* bit 7: NMI disable */
    switch (size) {
    case 1: outb(port, (u8)val); break;
    case 2: outw(port, (u16)val); break;
    case 4: outl(port, val); break;
    default: return false;
    }
    return true;
}

bool mmio_read(u64 gpa, unsigned int size, u64 *val)
{
    volatile void *p = phys_to_virt(gpa);
    switch (size) {
    case 1: *val = *(volatile u8 *)p; return true;
    case 2: *val = *(volatile u16 *)p; return true;
    case 4: *val = *(volatile u32 *)p; return true;
    case 8: *val = *(volatile u64 *)p; return true;
    default: return false;
    }
}

bool mmio_write(u64 gpa, unsigned int size, u64 val)
{
    volatile void *p = phys_to_virt(gpa);
    switch (size) {
    case 1: *(volatile u8 *)p = (u8)val; return true;
    case 2: *(volatile u16 *)p = (u16)val; return true;
    case 4: *(volatile u32 *)p = (u32)val; return true;
    case 8: *(volatile u64 *)p = val; return true;
    default: return false;
    }
}
