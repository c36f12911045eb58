/* SPDX-License-Identifier: MIT */
#include "uart_tx.h"

void uart_tx_init(struct uart_tx *u, uint16_t base, const struct uart_tx_ops *ops, void *ctx)
{
	*u = (struct uart_tx){ .ops = ops, .ctx = ctx, .base = base };
}

/** Transmitting by polling, FIFOs on: the mode batches are made in. */
static bool batching(const struct uart_tx *u)
{
	return !(u->lcr & UART_LCR_DLAB) && !(u->ier & UART_IER_THRI) &&
	       !(u->mcr & UART_MCR_LOOP) && u->fifo;
}

void uart_tx_flush(struct uart_tx *u)
{
	if (!u->len)
		return;
	uint8_t lsr = 0;
	unsigned int polls = 0;
	do
		lsr = u->ops->read_lsr(u->ctx);
	while (!(lsr & UART_LSR_THRE) && ++polls < UART_TX_POLL_LIMIT);
	if (!(lsr & UART_LSR_THRE))
		u->stats[UART_TX_NO_THRE]++;
	u->lsr |= lsr & UART_LSR_ERRORS; /* read here: the guest has not seen them */
	u->ops->send(u->ctx, u->buf, u->len);
	u->stats[UART_TX_WRITES]++;
	u->len = 0;
}

/** A write the device is about to get: the registers that set the mode. */
static void snoop_write(struct uart_tx *u, uint16_t port, unsigned int size, uint32_t val)
{
	for (unsigned int i = 0; i < size; i++) {
		if (!uart_tx_port(u, (uint16_t)(port + i)))
			continue;
		unsigned int reg = port + i - u->base;
		uint8_t b = (uint8_t)(val >> (8 * i));
		if (reg == UART_LCR)
			u->lcr = b;
		else if (reg == UART_MCR)
			u->mcr = b;
		else if (reg == UART_FCR)
			u->fifo = b & UART_FCR_FIFO;
		else if (reg == UART_IER && !(u->lcr & UART_LCR_DLAB))
			u->ier = b;
	}
}

bool uart_tx_access(struct uart_tx *u, uint16_t port, unsigned int size, bool in, uint32_t *val)
{
	if (!uart_tx_port(u, port))
		return false;
	unsigned int reg = port - u->base;
	if (size == 1 && batching(u)) {
		if (!in && reg == UART_THR) {
			u->after_thr = true;
			u->buf[u->len++] = (uint8_t)*val;
			u->stats[UART_TX_BYTES_BATCHED]++;
			if (u->len == UART_TX_FIFO || (uint8_t)*val == '\n')
				uart_tx_flush(u);
			return true;
		}
		if (in && reg == UART_LSR && u->after_thr) {
			u->after_thr = false;
			*val = (u->lsr & UART_LSR_ERRORS) | UART_LSR_THRE | UART_LSR_TEMT;
			u->lsr = 0;
			u->stats[UART_TX_LSR_LOCAL]++;
			return true;
		}
	}
	u->after_thr = false;
	uart_tx_flush(u);
	if (!in) {
		snoop_write(u, port, size, *val);
		return false;
	}
	if (size == 1 && reg == UART_LSR && u->lsr) {
		*val = u->ops->read_lsr(u->ctx) | u->lsr; /* with the errors we took */
		u->lsr = 0;
		return true;
	}
	return false;
}
