/* SPDX-License-Identifier: MIT */
/*
 * The guest's e820 map from the host's (fw_cfg etc/e820, QEMU's
 * hw/i386/e820_memory_layout.h format; ACPI 6.5, 15.1 "INT 15H, E820H"
 * address range descriptor without the extended attributes): the host's
 * word is checked against the memory the paravisor validated.
 */
#ifndef DEVICES_E820_H
#define DEVICES_E820_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ACPI 6.5, Table 15.374 "Address Range Descriptor Structure" (20 bytes:
 * the first three fields) */
struct e820_entry {
	uint64_t addr;
	uint64_t len;
	uint32_t type;
} __attribute__((packed));
_Static_assert(sizeof(struct e820_entry) == 20, "e820 entry: 20 bytes (ACPI 6.5, 15.1)");
_Static_assert(offsetof(struct e820_entry, len) == 8, "e820 length at 8 (ACPI 6.5, 15.1)");
_Static_assert(offsetof(struct e820_entry, type) == 16, "e820 type at 16 (ACPI 6.5, 15.1)");

#define E820_RAM 1 /* AddressRangeMemory (ACPI 6.5, Table 15.375) */

struct e820_range {
	uint64_t start, end; /* [start, end) */
};

/** What e820_clip() changed, for one log line. */
struct e820_clip_report {
	unsigned int dropped;	/* host entries or parts not passed on */
	uint64_t dropped_bytes; /* of RAM the host claimed that was not validated */
	uint64_t first_dropped; /* the lowest address dropped (if dropped) */
};

/**
 * host[0..n) into out[0..max): every entry without [hole_start, hole_end)
 * (the paravisor's region); RAM only where it lies in one of ram[0..ram_n)
 * (the RAM the paravisor validated and granted to the guest), anything else
 * the host calls RAM is dropped; empty and wrapping entries are dropped, as
 * are entries past max.  The result is in address order.  Returns the
 * entries written.
 */
unsigned int e820_clip(const struct e820_entry *host, unsigned int n, const struct e820_range *ram,
		       unsigned int ram_n, uint64_t hole_start, uint64_t hole_end,
		       struct e820_entry *out, unsigned int max, struct e820_clip_report *rep);

#endif
