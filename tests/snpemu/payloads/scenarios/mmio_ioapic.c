// SPDX-License-Identifier: MIT
/* GHCB MMIO write/read (NAE 0x80000002 / 0x80000001) reach QEMU's IOAPIC:
 * IOREGSEL = 1 then IOWIN reads the version register, 0x00170020 on q35
 * (24 redirection entries, version 0x20). */
#include "rt.h"

#define IOAPIC_GPA	0xFEC00000ull
#define IOAPIC_IOREGSEL (IOAPIC_GPA + 0x00)
#define IOAPIC_IOWIN	(IOAPIC_GPA + 0x10)
#define IOAPIC_REG_VER	1
#define Q35_IOAPIC_VER	0x00170020u

PAYLOAD(mmio_ioapic, 0)
{
	uint32_t sel = IOAPIC_REG_VER, ver = 0;

	CHECK(ghcb_mmio_write(IOAPIC_IOREGSEL, &sel, sizeof(sel)), "MMIO write failed");
	CHECK(ghcb_mmio_read(IOAPIC_IOWIN, &ver, sizeof(ver)), "MMIO read failed");
	CHECK_EQ(ver, Q35_IOAPIC_VER);
}
