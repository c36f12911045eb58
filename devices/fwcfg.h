/* SPDX-License-Identifier: MIT */
/*
 * A filter in front of QEMU's fw_cfg I/O-port interface (QEMU
 * docs/specs/fw_cfg.rst), used by snpemu for its guest and by the paravisor
 * for its guest.  The guest sees the same device except:
 *  - "etc/e820" is replaced (its size in the file directory too) by the
 *    caller's map, which leaves out memory the guest must not have;
 *  - the DMA interface is hidden: FW_CFG_ID reports the traditional
 *    interface only and the DMA ports read as absent, writes are dropped
 *    (DMA would let the device write anywhere, behind the RMP's back).
 * All other items pass through to the real device.
 */
#ifndef DEVICES_FWCFG_H
#define DEVICES_FWCFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FWCFG_PORT_SEL	    0x510
#define FWCFG_PORT_DATA	    0x511
#define FWCFG_PORT_DMA_HI   0x514
#define FWCFG_PORT_DMA_LO   0x518
#define FWCFG_KEY_SIGNATURE 0x00
#define FWCFG_KEY_ID	    0x01
#define FWCFG_KEY_NB_CPUS   0x05 /* 16-bit little endian: the VM's vCPUs */
#define FWCFG_KEY_FILE_DIR  0x19
#define FWCFG_FILE_ENTRY    64 /* be32 size, be16 select, be16 rsvd, name[56] */
#define FWCFG_MAX_DIR	    (4 + 256 * FWCFG_FILE_ENTRY)
#define FWCFG_MAX_E820	    (64 * 20)

struct fwcfg_filter {
	uint16_t select;      /* the guest's current item */
	uint32_t offset;      /* its read position */
	uint16_t e820_select; /* the item number of etc/e820 */
	uint32_t dir_len;
	uint32_t e820_len;
	uint8_t dir[FWCFG_MAX_DIR];   /* the directory, etc/e820 resized */
	uint8_t e820[FWCFG_MAX_E820]; /* the replacement */
	uint16_t extra_select;	      /* one more replaced item (0: none) */
	uint32_t extra_len;
	const uint8_t *extra; /* the caller's buffer */
};

/** dir: the raw directory as read from the device.  Returns false if it is
 * malformed or has no etc/e820. */
bool fwcfg_filter_init(struct fwcfg_filter *f, const void *dir, size_t dir_len, const void *e820,
		       size_t e820_len);
/** Serves the file name from data (len bytes, kept by the caller) instead
 * of the device; false if there is no such file or one is already replaced. */
bool fwcfg_filter_replace(struct fwcfg_filter *f, const char *name, const void *data, uint32_t len);
/** A port the guest must not reach at all (the DMA interface). */
bool fwcfg_port_hidden(uint16_t port, unsigned int size);
/** The guest reads the data port: true with *val if the filter answers,
 * false to read the real device (the offset still advances). */
bool fwcfg_filter_in(struct fwcfg_filter *f, uint16_t port, unsigned int size, uint32_t *val);
/** A string read of bytes from port in one go: false if the filter must
 * answer it (element by element), true if the device may (the filter's
 * offset moves on). */
bool fwcfg_filter_bulk(struct fwcfg_filter *f, uint16_t port, uint32_t bytes);
/** The guest writes: tracks the selector; the write still goes to the device. */
void fwcfg_filter_out(struct fwcfg_filter *f, uint16_t port, unsigned int size, uint32_t val);

#endif
