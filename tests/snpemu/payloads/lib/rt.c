// SPDX-License-Identifier: MIT
/*
 * Payload runtime: start-up, the test framework, termination and the COM1
 * console (GHCB IOIO, COM1 at 0x3F8).
 */
#include <lib/fmt.h>
#include <lib/string.h>

#include "rt.h"

extern const struct payload_desc payload_desc;

void idt_init(void);

#define COM1_PORT       0x3F8
#define COM1_LSR        (COM1_PORT + 5)
#define LSR_THRE        0x20

/** Output printed before the GHCB is up; flushed by rt_ghcb_init(). */
static char early_buf[2048];
static size_t early_len;
static bool console_ready;
static unsigned fail_count;

static void com1_putc(char c)
{
	uint32_t lsr = 0;
	unsigned spin;

	/* A bounded wait: a broken LSR must not hang the test. */
	for (spin = 0; spin < 1000; spin++) {
		if (!ghcb_ioio_in(COM1_LSR, 1, &lsr) || (lsr & LSR_THRE))
			break;
	}
	ghcb_ioio_out(COM1_PORT, 1, (uint8_t)c);
}

static void con_putc(char c, void *ctx)
{
	(void)ctx;
	if (!console_ready) {
		if (early_len < sizeof(early_buf))
			early_buf[early_len++] = c;
		return;
	}
	if (c == '\n')
		com1_putc('\r');
	com1_putc(c);
}

void con_write(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		con_putc(s[i], NULL);
}

void con_vprintf(const char *fmt, va_list ap)
{
	fmt_vprintf(con_putc, NULL, fmt, ap);
}

void con_printf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	con_vprintf(fmt, ap);
	va_end(ap);
}

/** Called once the GHCB works: print what was buffered. */
void rt_console_ready(void)
{
	console_ready = true;
	con_write(early_buf, early_len);
	early_len = 0;
}

void rt_check_failed(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	fail_count++;
	con_printf("FAIL %s:%d ", file, line);
	va_start(ap, fmt);
	con_vprintf(fmt, ap);
	va_end(ap);
	con_printf("\n");
}

void rt_terminate(unsigned set, unsigned code)
{
	for (;;) {
		wrmsr(MSR_SEV_ES_GHCB, ghcb_msr_term_req(set, code));
		vmgexit();
	}
}

void rt_finish(void)
{
	bool pass = fail_count == 0;

	if (!console_ready)
		rt_ghcb_init();
	con_printf("RESULT %s %s\n", payload_desc.name, pass ? "PASS" : "FAIL");
	rt_terminate(PAYLOAD_TERM_SET,
		     pass ? PAYLOAD_TERM_PASS : PAYLOAD_TERM_FAIL);
}

/** C entry from entry.asm. */
void rt_start(void);
void rt_start(void)
{
	extern const char __payload_start[], __payload_end[];

	idt_init();
	/* payload.ld cannot include payload_layout.h; check it agrees. */
	if ((uintptr_t)__payload_start != PAYLOAD_LOAD_GPA ||
	    (uintptr_t)__payload_end > PAYLOAD_LOAD_MAX)
		rt_terminate(PAYLOAD_TERM_SET, PAYLOAD_TERM_FAIL);
	if (!(payload_desc.flags & PAYLOAD_NO_GHCB) && !rt_ghcb_init())
		rt_terminate(PAYLOAD_TERM_SET, PAYLOAD_TERM_FAIL);
	con_printf("payload %s: start\n", payload_desc.name);
	payload_desc.body();
	rt_finish();
}
