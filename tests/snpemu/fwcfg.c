/* SPDX-License-Identifier: MIT */
/*
 * fw_cfg access for snpemu itself, through the DMA interface
 * (QEMU docs/specs/fw_cfg.rst "FWCfgDmaAccess"): select, skip, read.
 */
#include "fwcfg.h"
#include "x86.h"

#include <lib/string.h>

struct fwcfg_dma {
    u32 control;        /* big endian */
    u32 length;
    u64 address;
} __attribute__((packed));

#define DMA_CTL_ERROR   BIT(0)
#define DMA_CTL_READ    BIT(1)
#define DMA_CTL_SKIP    BIT(2)
#define DMA_CTL_SELECT  BIT(3)

static u8 *dir_raw;
static u32 dir_len;

static u32 be32(u32 v) { return __builtin_bswap32(v); }
static u16 be16(u16 v) { return __builtin_bswap16(v); }

static void dma_op(u32 control, void *buf, u32 len)
{
    static struct fwcfg_dma d __attribute__((aligned(16)));
    d.control = be32(control);
    d.length = be32(len);
    d.address = __builtin_bswap64(buf ? virt_to_phys(buf) : 0);
    __asm__ volatile("" ::: "memory");
    u64 pa = virt_to_phys(&d);
    outl(FW_CFG_PORT_DMA_HI, be32((u32)(pa >> 32)));
    outl(FW_CFG_PORT_DMA_LO, be32((u32)pa));
    while (be32(*(volatile u32 *)&d.control) & ~DMA_CTL_ERROR)
        pause();
    if (be32(*(volatile u32 *)&d.control) & DMA_CTL_ERROR)
        panic("fw_cfg DMA error (control %#x, length %u)", control, len);
}

void fwcfg_read(u16 select, u64 offset, void *dst, u64 len)
{
    dma_op(DMA_CTL_SELECT | ((u32)select << 16) | DMA_CTL_SKIP, NULL, (u32)offset);
    u8 *p = dst;
    while (len) {
        u32 chunk = (u32)MIN(len, 1ULL << 20);
        dma_op(DMA_CTL_READ, p, chunk);
        p += chunk;
        len -= chunk;
    }
}

void fwcfg_init(void)
{
    char sig[4];
    outw(FW_CFG_PORT_SEL, FW_CFG_SIGNATURE);
    for (int i = 0; i < 4; i++)
        sig[i] = (char)inb(FW_CFG_PORT_DATA);
    if (memcmp(sig, "QEMU", 4))
        panic("no fw_cfg device");
    outw(FW_CFG_PORT_SEL, FW_CFG_ID);
    if (!(inb(FW_CFG_PORT_DATA) & FW_CFG_ID_DMA))
        panic("fw_cfg has no DMA interface");

    u32 count;
    fwcfg_read(FW_CFG_FILE_DIR, 0, &count, 4);
    count = be32(count);
    if (count > 4096)
        panic("fw_cfg directory has %u entries", count);
    dir_len = 4 + count * 64;
    dir_raw = page_alloc(ALIGN_UP(dir_len, PAGE_SIZE) / PAGE_SIZE);
    fwcfg_read(FW_CFG_FILE_DIR, 0, dir_raw, dir_len);
}

const void *fwcfg_dir_raw(u32 *len)
{
    *len = dir_len;
    return dir_raw;
}

bool fwcfg_find(const char *name, struct fwcfg_file *f)
{
    u32 count = (dir_len - 4) / 64;
    for (u32 i = 0; i < count; i++) {
        const u8 *e = dir_raw + 4 + i * 64;
        if (strncmp((const char *)e + 8, name, 56))
            continue;
        u32 size;
        u16 sel;
        memcpy(&size, e, 4);
        memcpy(&sel, e + 4, 2);
        f->size = be32(size);
        f->select = be16(sel);
        memcpy(f->name, e + 8, 56);
        f->name[55] = 0;
        return true;
    }
    return false;
}
