/* SPDX-License-Identifier: MIT */
/*
 * devices/fwcfg.c and devices/cmos.c on their own: the fw_cfg filter
 * (QEMU docs/specs/fw_cfg.rst: file directory, selector, data port, DMA
 * ports) and the CMOS memory-size registers.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "devices/cmos.h"
#include "devices/fwcfg.h"
#include "devices/pm_timer.h"
#include "devices/uart_tx.h"

struct file {
	const char *name;
	uint32_t size;
	uint16_t select;
};

static const struct file files3[] = {
	{ "bootorder", 35, 0x20 },
	{ "etc/e820", 100, 0x21 },
	{ "etc/table-loader", 4096, 0x22 },
};

static struct fwcfg_filter filter;
static uint8_t dir[FWCFG_MAX_DIR + 64];
static uint8_t e820[FWCFG_MAX_E820 + 20];

static void be_store(uint8_t *p, uint32_t v, unsigned int bytes)
{
	for (unsigned int i = 0; i < bytes; i++)
		p[i] = (uint8_t)(v >> (8 * (bytes - 1 - i)));
}

/** A directory as QEMU's device gives it; returns its length. */
static size_t make_dir(const struct file *f, uint32_t count)
{
	memset(dir, 0, sizeof(dir));
	be_store(dir, count, 4);
	for (uint32_t i = 0; i < count; i++) {
		uint8_t *e = dir + 4 + 64 * i;
		be_store(e, f[i].size, 4);
		be_store(e + 4, f[i].select, 2);
		strncpy((char *)e + 8, f[i].name, 56);
	}
	return 4 + 64 * (size_t)count;
}

static int setup(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(e820); i++)
		e820[i] = (uint8_t)(i * 11 + 3);
	assert_true(fwcfg_filter_init(&filter, dir, make_dir(files3, 3), e820, 120));
	return 0;
}

static uint32_t in(uint16_t port, unsigned int size)
{
	uint32_t v = 0xDEADBEEF;

	assert_true(fwcfg_filter_in(&filter, port, size, &v));
	return v;
}

static void select_item(uint16_t key)
{
	fwcfg_filter_out(&filter, FWCFG_PORT_SEL, 2, key);
}

/* ---- fwcfg_filter_init ------------------------------------------------- */

static void test_init_rejects(void **state)
{
	static const struct file no_e820[] = {
		{ "etc/e8200", 100, 0x21 },
		{ "etc/e82", 100, 0x22 },
		{ "opt/etc/e820", 20, 0x23 },
	};
	struct fwcfg_filter f;
	size_t len = make_dir(files3, 3);

	(void)state;
	assert_false(fwcfg_filter_init(&f, dir, 0, e820, 20));
	assert_false(fwcfg_filter_init(&f, dir, 3, e820, 20));
	assert_false(fwcfg_filter_init(&f, dir, len - 1, e820, 20)); /* count says 3 */
	assert_false(fwcfg_filter_init(&f, dir, len + 64, e820, 20));
	assert_false(fwcfg_filter_init(&f, dir, len, e820, FWCFG_MAX_E820 + 1));
	be_store(dir, 0xFFFFFFFF, 4); /* 4 + count * 64 wraps */
	assert_false(fwcfg_filter_init(&f, dir, len, e820, 20));
	assert_false(fwcfg_filter_init(&f, dir, 4, e820, 20));
	assert_false(fwcfg_filter_init(&f, dir, make_dir(no_e820, 3), e820, 20));
	assert_false(fwcfg_filter_init(&f, dir, FWCFG_MAX_DIR + 64, e820, 20));
}

static void test_init_limits(void **state)
{
	static struct file many[256];
	struct fwcfg_filter f;

	(void)state;
	for (int i = 0; i < 256; i++)
		many[i] = (struct file){ "opt/x", 1, (uint16_t)(0x20 + i) };
	many[255] = (struct file){ "etc/e820", 20, 0x11F };
	assert_true(fwcfg_filter_init(&f, dir, make_dir(many, 256), e820, FWCFG_MAX_E820));
	assert_int_equal(f.e820_select, 0x11F);
	assert_true(fwcfg_filter_init(&f, dir, make_dir(files3, 3), e820, 0));
}

/** etc/e820's size in the directory is the replacement's; nothing else
 * of the directory changes. */
static void test_directory_patched(void **state)
{
	uint8_t want[4 + 3 * 64];

	(void)state;
	memcpy(want, dir, sizeof(want));
	be_store(want + 4 + 64, 120, 4);
	select_item(FWCFG_KEY_FILE_DIR);
	for (size_t i = 0; i < sizeof(want); i++)
		assert_int_equal(in(FWCFG_PORT_DATA, 1), want[i]);
	assert_int_equal(in(FWCFG_PORT_DATA, 1), 0); /* past the end */
	assert_int_equal(filter.e820_select, 0x21);
}

/* ---- the data port ------------------------------------------------------ */

static void test_offsets_and_sizes(void **state)
{
	(void)state;
	select_item(0x21);
	assert_int_equal(in(FWCFG_PORT_DATA, 1), e820[0]);
	assert_int_equal(in(FWCFG_PORT_DATA, 2), e820[1] | (e820[2] << 8));
	assert_int_equal(in(FWCFG_PORT_DATA, 4),
			 e820[3] | (e820[4] << 8) | (e820[5] << 16) | ((uint32_t)e820[6] << 24));
	assert_int_equal(filter.offset, 7);
	fwcfg_filter_out(&filter, FWCFG_PORT_SEL, 1, 0x19); /* not a selector write */
	fwcfg_filter_out(&filter, FWCFG_PORT_DATA, 1, 0x19);
	assert_int_equal(in(FWCFG_PORT_DATA, 1), e820[7]);
	select_item(0x21); /* selecting rewinds */
	assert_int_equal(in(FWCFG_PORT_DATA, 1), e820[0]);
	filter.offset = 118;
	assert_int_equal(in(FWCFG_PORT_DATA, 4), e820[118] | (e820[119] << 8));
}

static void test_id_without_dma(void **state)
{
	(void)state;
	select_item(FWCFG_KEY_ID);
	assert_int_equal(in(FWCFG_PORT_DATA, 4), 1);
	assert_int_equal(in(FWCFG_PORT_DATA, 1), 0);
}

/** Items the filter does not own go to the device; the offset still
 * counts, so a later local item is not confused. */
static void test_other_items_pass(void **state)
{
	uint32_t v = 0x1234;

	(void)state;
	select_item(0x20);
	assert_false(fwcfg_filter_in(&filter, FWCFG_PORT_DATA, 1, &v));
	assert_false(fwcfg_filter_in(&filter, FWCFG_PORT_DATA, 2, &v));
	assert_int_equal(v, 0x1234);
	assert_int_equal(filter.offset, 3);
	select_item(FWCFG_KEY_SIGNATURE);
	assert_false(fwcfg_filter_in(&filter, FWCFG_PORT_DATA, 1, &v));
	select_item(FWCFG_KEY_FILE_DIR);
	assert_false(fwcfg_filter_in(&filter, FWCFG_PORT_SEL, 2, &v));
	assert_false(fwcfg_filter_in(&filter, 0x60, 1, &v));
}

/** QEMU selects entries[key & 0x8000][key & 0x3FFF]: the write-channel bit
 * (0x4000) does not change what a read returns (hw/nvram/fw_cfg.c
 * fw_cfg_select, fw_cfg_data_read), so 0x4019 and 0x4000 | etc/e820's
 * select read the unfiltered items. */
static void test_select_alias(void **state)
{
	uint32_t v;

	(void)state;
	select_item(0x4000 | FWCFG_KEY_FILE_DIR);
	assert_true(fwcfg_filter_in(&filter, FWCFG_PORT_DATA, 1, &v));
	select_item(0x4021);
	assert_true(fwcfg_filter_in(&filter, FWCFG_PORT_DATA, 1, &v));
	assert_int_equal(v, e820[0]);
}

static void test_dma_ports_hidden(void **state)
{
	static const struct {
		uint16_t port;
		unsigned int size;
		bool hidden;
	} c[] = {
		{ 0x510, 2, false }, { 0x511, 1, false }, { 0x512, 2, false }, { 0x513, 1, false },
		{ 0x513, 2, true },  { 0x512, 4, true },  { 0x514, 4, true },  { 0x515, 1, true },
		{ 0x516, 2, true },  { 0x518, 4, true },  { 0x51B, 1, true },  { 0x51A, 4, true },
		{ 0x51C, 1, false }, { 0x51C, 4, false }, { 0x50E, 2, false }, { 0x70, 1, false },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		assert_int_equal(fwcfg_port_hidden(c[i].port, c[i].size), c[i].hidden);
}

/* ---- CMOS --------------------------------------------------------------- */

static void assert_cmos(uint64_t low, uint64_t high, const int want[9])
{
	static const uint8_t regs[9] = { 0x17, 0x18, 0x30, 0x31, 0x34, 0x35, 0x5B, 0x5C, 0x5D };

	for (int i = 0; i < 9; i++)
		assert_int_equal(cmos_memory_register(regs[i], low, high), want[i]);
}

/** The PM timer's count against exact 128-bit arithmetic, over deltas up
 * to a year at 2.5 GHz and 4.6 GHz; a TSC behind the last read holds. */
static void test_pm_timer_count(void **state)
{
	static const uint64_t rates[] = { 2500000000ULL, 4600123457ULL, PM_TMR_HZ };
	(void)state;
	for (size_t r = 0; r < sizeof(rates) / sizeof(rates[0]); r++) {
		struct pm_timer t;
		uint64_t hz = rates[r], t0 = 0x123456789ULL;
		assert_false(pm_timer_anchor(&t, t0, 0x1000000, hz)); /* not 24 bits */
		assert_false(pm_timer_anchor(&t, t0, 5, 0));
		assert_true(pm_timer_anchor(&t, t0, 0xFFFFF0, hz));
		uint64_t d = 1;
		for (int i = 0; i < 60; i++, d = d * 7 / 4 + 13) {
			if (d > 365ULL * 86400 * hz)
				break;
			unsigned __int128 want = (unsigned __int128)d * PM_TMR_HZ / hz;
			uint32_t expect = (uint32_t)((0xFFFFF0 + (uint64_t)want) & PM_TMR_MASK);
			assert_int_equal(pm_timer_read(&t, t0 + d), expect);
		}
		uint32_t last = pm_timer_read(&t, t0 + d);
		assert_int_equal(pm_timer_read(&t, t0 + d - 1000), last); /* never back */
	}
}

/* ---- devices/uart_tx.c: the console's batched transmit side ------------ */

static struct {
	uint8_t lsr[8]; /* read_lsr's answers in turn; then lsr_default */
	unsigned int lsr_next, lsr_reads;
	uint8_t lsr_default;
	char sent[256];
	unsigned int sent_len, sends;
} dev;

static uint8_t dev_lsr(void *ctx)
{
	(void)ctx;
	dev.lsr_reads++;
	return dev.lsr_next < sizeof(dev.lsr) && dev.lsr[dev.lsr_next] ? dev.lsr[dev.lsr_next++]
								       : dev.lsr_default;
}

static void dev_send(void *ctx, const uint8_t *buf, unsigned int len)
{
	(void)ctx;
	assert_true(len <= UART_TX_FIFO);
	memcpy(dev.sent + dev.sent_len, buf, len);
	dev.sent_len += len;
	dev.sends++;
}

static const struct uart_tx_ops dev_ops = { .read_lsr = dev_lsr, .send = dev_send };
static struct uart_tx uart;

/** The guest's access; true if the engine answered it. */
static bool uart_io(unsigned int reg, bool in, uint32_t *v)
{
	return uart_tx_access(&uart, (uint16_t)(0x3F8 + reg), 1, in, v);
}

static void uart_out(unsigned int reg, uint32_t v, bool local)
{
	assert_int_equal(uart_io(reg, false, &v), local);
}

static int uart_setup(void **state)
{
	(void)state;
	memset(&dev, 0, sizeof(dev));
	dev.lsr_default = UART_LSR_THRE | UART_LSR_TEMT;
	uart_tx_init(&uart, 0x3F8, &dev_ops, NULL);
	uart_out(UART_FCR, UART_FCR_FIFO, false); /* FIFOs on: batching */
	return 0;
}

/** A polled transmit loop: THR writes and the LSR read after each are
 * answered here; a newline, 16 bytes or a second LSR read send the batch,
 * each after one LSR read of the device showing THRE. */
static void test_uart_batches(void **state)
{
	uint32_t v = 0;
	(void)state;
	const char *line = "0123456789abcdefXY\n";
	for (const char *c = line; *c; c++) {
		assert_true(uart_io(UART_LSR, true, &v) || c == line);
		if (c != line)
			assert_int_equal(v, UART_LSR_THRE | UART_LSR_TEMT);
		uart_out(UART_THR, (uint8_t)*c, true);
	}
	assert_int_equal(dev.sent_len, strlen(line));
	assert_memory_equal(dev.sent, line, strlen(line));
	assert_int_equal(dev.sends, 2);	    /* 16 bytes, then "XY\n" */
	assert_int_equal(dev.lsr_reads, 2); /* one before each */
	uart_out(UART_THR, 'Z', true);
	assert_true(uart_io(UART_LSR, true, &v));
	assert_false(uart_io(UART_LSR, true, &v)); /* twice in a row: the device's */
	assert_int_equal(dev.sent_len, strlen(line) + 1);
	assert_int_equal(uart.stats[UART_TX_BYTES_BATCHED], strlen(line) + 1);
	assert_int_equal(uart.stats[UART_TX_WRITES], 3);
}

/** Other registers, other modes: the batch goes first, then the access
 * goes to the device; no batching while THRE interrupts are on, with
 * DLAB set, in loopback or without FIFOs. */
static void test_uart_modes(void **state)
{
	uint32_t v = 0;
	(void)state;
	uart_out(UART_THR, 'a', true);
	assert_false(uart_io(UART_IER, true, &v)); /* IER read: batch out first */
	assert_int_equal(dev.sent_len, 1);
	uart_out(UART_IER, UART_IER_THRI, false);
	uart_out(UART_THR, 'b', false);
	uart_out(UART_IER, 0, false);
	uart_out(UART_THR, 'c', true);
	uart_out(UART_LCR, UART_LCR_DLAB | 3, false); /* flushes */
	assert_int_equal(dev.sent_len, 2);
	uart_out(UART_THR, 1, false);		  /* the divisor latch */
	uart_out(UART_IER, UART_IER_THRI, false); /* DLM, not IER */
	uart_out(UART_LCR, 3, false);
	uart_out(UART_THR, 'd', true);
	uart_out(UART_MCR, UART_MCR_LOOP, false);
	uart_out(UART_THR, 'e', false);
	uart_out(UART_MCR, 0, false);
	uart_out(UART_FCR, 0, false);
	uart_out(UART_THR, 'f', false);
	assert_memory_equal(dev.sent, "acd", 3);
	assert_int_equal(dev.sent_len, 3);
	v = 'g';
	assert_false(uart_tx_access(&uart, 0x3F8, 2, false, &v)); /* 16-bit: the device's */
}

/** Line errors the engine's own LSR reads took reach the guest once,
 * whether its next LSR read is answered here or by the device. */
static void test_uart_line_errors(void **state)
{
	uint32_t v = 0;
	(void)state;
	dev.lsr[0] = UART_LSR_THRE | 0x02; /* overrun */
	uart_out(UART_THR, 'a', true);
	uart_tx_flush(&uart);
	uart_out(UART_THR, 'b', true);
	assert_true(uart_io(UART_LSR, true, &v));
	assert_int_equal(v, UART_LSR_THRE | UART_LSR_TEMT | 0x02);
	uart_out(UART_THR, 'c', true);
	assert_true(uart_io(UART_LSR, true, &v));
	assert_int_equal(v, UART_LSR_THRE | UART_LSR_TEMT);

	dev.lsr[1] = UART_LSR_THRE | 0x10; /* break, at the next flush */
	uart_out(UART_THR, '\n', true);
	assert_true(uart_io(UART_FCR, true, &v) == false);
	assert_true(uart_io(UART_LSR, true, &v)); /* the device's, with the break */
	assert_int_equal(v, dev.lsr_default | 0x10);
	assert_false(uart_io(UART_LSR, true, &v)); /* then the device's alone */
}

/** A device that never shows THRE: the batch is written after the poll
 * limit, and counted. */
static void test_uart_no_thre(void **state)
{
	(void)state;
	dev.lsr_default = 0x01;
	uart_out(UART_THR, '\n', true);
	assert_int_equal(dev.lsr_reads, UART_TX_POLL_LIMIT);
	assert_int_equal(dev.sent_len, 1);
	assert_int_equal(uart.stats[UART_TX_NO_THRE], 1);
}

static void test_cmos_registers(void **state)
{
	static const int big[9] = { 0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x7D, 0x00, 0x40, 0x00 };
	static const int small[9] = { 0x00, 0x1C, 0x00, 0x1C, 0, 0, 0x56, 0x34, 0x12 };
	static const int tiny[9] = { 0, 0, 0, 0, 0, 0, 0, 0, 0 };
	static const int mid[9] = { 0x00, 0xFC, 0x00, 0xFC, 0x00, 0x03, 0, 0, 0 };

	(void)state;
	assert_cmos(0x7E000000, 1ULL << 30, big); /* KiB above 1 MiB capped at 0xFFFF */
	assert_cmos(8 << 20, 0x123456ULL << 16, small);
	assert_cmos(0x80000, 0, tiny);	    /* below 1 MiB */
	assert_cmos(64 << 20, 0xFFFF, mid); /* less than 64 KiB above 4 GiB: 0 */
}

static void test_cmos_other_registers(void **state)
{
	int n = 0;

	(void)state;
	for (int i = 0; i < 256; i++)
		n += cmos_memory_register((uint8_t)i, 0x7E000000, 1ULL << 30) >= 0;
	assert_int_equal(n, 9);
	assert_int_equal(cmos_memory_register(0x0F, 0x7E000000, 0), -1);
	assert_int_equal(cmos_memory_register(0x80 | 0x34, 0x7E000000, 0), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_rejects),
		cmocka_unit_test(test_init_limits),
		cmocka_unit_test_setup(test_directory_patched, setup),
		cmocka_unit_test_setup(test_offsets_and_sizes, setup),
		cmocka_unit_test_setup(test_id_without_dma, setup),
		cmocka_unit_test_setup(test_other_items_pass, setup),
		cmocka_unit_test_setup(test_select_alias, setup),
		cmocka_unit_test(test_dma_ports_hidden),
		cmocka_unit_test(test_cmos_registers),
		cmocka_unit_test(test_pm_timer_count),
		cmocka_unit_test_setup(test_uart_batches, uart_setup),
		cmocka_unit_test_setup(test_uart_modes, uart_setup),
		cmocka_unit_test_setup(test_uart_line_errors, uart_setup),
		cmocka_unit_test_setup(test_uart_no_thre, uart_setup),
		cmocka_unit_test(test_cmos_other_registers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
