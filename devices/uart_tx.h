/* SPDX-License-Identifier: MIT */
/*
 * The transmit side of the guest's console UART, batched (the paravisor's
 * COM1 at 0x3F8).  A 16550A-compatible UART (TI PC16550D datasheet,
 * "Register Description": THR at +0 and IER at +1 with LCR.DLAB clear, FCR
 * at +2, LCR +3, MCR +4, LSR +5) is driven one byte at a time: a guest
 * polls LSR for THRE, writes THR, and again, two exits per byte, each a
 * round trip to the hypervisor.
 *
 * While the guest transmits by polling (IER's THRE interrupt off, no
 * loopback, LCR.DLAB clear) with the FIFOs on (FCR bit 0), the paravisor
 * answers those two accesses itself: THR writes go into a buffer of one
 * FIFO's worth (16 bytes), and the LSR read that follows a THR write
 * answers THRE and TEMT set, with the line errors (OE, PE, FE, BI, FIFO
 * error) the paravisor's own LSR reads took from the device, once (reading
 * LSR clears them).  A second LSR read in a row
 * is no longer a transmit loop (a guest waiting for input, say) and goes to
 * the device, as does every other access.  The buffer goes to the device as one
 * string write when it is full, at a newline, before any other access to
 * the UART (which then goes to the device as it is) and at the guest's
 * next exit of any other kind (platform/platform.c).  Before each such
 * write the device's LSR must show THRE, which for a 16550A with FIFOs on
 * means its transmit FIFO is empty and takes 16 bytes.
 *
 * The guest sees a 16550A whose transmitter is fast; no byte is lost or
 * reordered, input is untouched (receive-side registers go to the device;
 * the one LSR read after a THR write shows DR clear, the next one the
 * device's).
 */
#ifndef DEVICES_UART_TX_H
#define DEVICES_UART_TX_H

#include <stdbool.h>
#include <stdint.h>

#define UART_THR 0 /* DLAB 0, write */
#define UART_IER 1 /* DLAB 0 */
#define UART_FCR 2 /* write */
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5

#define UART_IER_THRI	   0x02
#define UART_FCR_FIFO	   0x01
#define UART_LCR_DLAB	   0x80
#define UART_MCR_LOOP	   0x10
#define UART_LSR_DR	   0x01
#define UART_LSR_ERRORS	   0x9E /* OE, PE, FE, BI, FIFO error: clear on read */
#define UART_LSR_THRE	   0x20
#define UART_LSR_TEMT	   0x40
#define UART_TX_FIFO	   16	  /* a 16550A's transmit FIFO */
#define UART_TX_POLL_LIMIT 100000 /* LSR reads waiting for THRE before writing anyway */

struct uart_tx_ops {
	uint8_t (*read_lsr)(void *ctx);
	void (*send)(void *ctx, const uint8_t *buf, unsigned int len); /* to THR, in order */
};

enum uart_tx_stat {
	UART_TX_BYTES_BATCHED, /* THR writes answered here */
	UART_TX_LSR_LOCAL,     /* LSR reads answered here */
	UART_TX_WRITES,	       /* string writes to the device */
	UART_TX_NO_THRE,       /* batches written without THRE after the poll limit */
	UART_TX_STATS
};

struct uart_tx {
	const struct uart_tx_ops *ops;
	void *ctx;
	uint16_t base;
	uint8_t lcr, ier, mcr; /* as the guest wrote them */
	bool fifo;	       /* FCR bit 0 as the guest wrote it */
	bool after_thr;	       /* the last access was a THR write answered here */
	uint8_t lsr;	       /* line errors our LSR reads took, not yet reported */
	uint8_t buf[UART_TX_FIFO];
	unsigned int len;
	uint64_t stats[UART_TX_STATS];
};

void uart_tx_init(struct uart_tx *u, uint16_t base, const struct uart_tx_ops *ops, void *ctx);

static inline bool uart_tx_port(const struct uart_tx *u, uint16_t port)
{
	return port >= u->base && port < u->base + 8;
}

/** A guest access at port: true if answered here (*val for an IN), false
 * if the caller performs it on the device (the buffer is flushed first; a
 * write's mode bits are taken). */
bool uart_tx_access(struct uart_tx *u, uint16_t port, unsigned int size, bool in, uint32_t *val);
/** Sends the buffered bytes (none: nothing happens). */
void uart_tx_flush(struct uart_tx *u);

#endif
