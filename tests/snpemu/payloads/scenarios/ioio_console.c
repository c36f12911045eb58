// SPDX-License-Identifier: MIT
/* GHCB IOIO reaches the real device: OUT to COM1 shows up on the serial
 * console (run_payload.py looks for the marker) and IN of the line status
 * register has THRE set (GHCB spec, the IOIO NAE event). */
#include "rt.h"

#define COM1_PORT 0x3F8
#define COM1_LSR  0x3FD
#define LSR_THRE  0x20

static const char marker[] = "\r\nSNPEMU-IOIO-MARKER-7f3a\r\n";

PAYLOAD(ioio_console, 0)
{
	uint32_t lsr = 0;
	unsigned i;

	CHECK(ghcb_ioio_in(COM1_LSR, 1, &lsr), "IN of LSR failed");
	CHECK(lsr & LSR_THRE, "LSR 0x%x without THRE", lsr);
	for (i = 0; i + 1 < sizeof(marker); i++)
		CHECK(ghcb_ioio_out(COM1_PORT, 1, (uint8_t)marker[i]), "OUT of byte %u failed", i);
}
