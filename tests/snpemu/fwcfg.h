/* SPDX-License-Identifier: MIT */
/* QEMU fw_cfg, as snpemu (the host side) uses it: docs/specs/fw_cfg.rst. */
#ifndef SNPEMU_FWCFG_H
#define SNPEMU_FWCFG_H

#include "snpemu.h"

#define FW_CFG_PORT_SEL	   0x510
#define FW_CFG_PORT_DATA   0x511
#define FW_CFG_PORT_DMA_HI 0x514
#define FW_CFG_PORT_DMA_LO 0x518
#define FW_CFG_SIGNATURE   0x00
#define FW_CFG_ID	   0x01
#define FW_CFG_FILE_DIR	   0x19
#define FW_CFG_ID_DMA	   BIT(1)

struct fwcfg_file {
	uint32_t size; /* host byte order */
	uint16_t select;
	char name[56];
};

void fwcfg_init(void);
bool fwcfg_find(const char *name, struct fwcfg_file *f);
/** Reads len bytes at offset of item select into dst (DMA). */
void fwcfg_read(uint16_t select, uint64_t offset, void *dst, uint64_t len);
/** The raw file directory (big-endian, as QEMU serves it). */
const void *fwcfg_dir_raw(uint32_t *len);

#endif
