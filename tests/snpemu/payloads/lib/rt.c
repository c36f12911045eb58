// SPDX-License-Identifier: MIT
/*
 * Payload runtime: start-up, the test framework, termination and the COM1
 * console (GHCB IOIO, COM1 at 0x3F8).
 */
#include <lib/fmt.h>
#include <lib/string.h>

#include "rt.h"
#include "smp.h"

extern const struct payload_desc payload_desc;

void idt_init(void);

#define COM1_PORT 0x3F8
#define COM1_LSR  (COM1_PORT + 5)
#define LSR_THRE  0x20

/** Output printed before the GHCB is up; flushed by rt_ghcb_init(). */
static char early_buf[2048];
static size_t early_len;
static bool console_ready;
static bool console_poll = true;
static unsigned fail_count;
static uint32_t console_lock; /* several CPUs print (smp.h) */

static void con_lock(void)
{
	while (__atomic_exchange_n(&console_lock, 1, __ATOMIC_ACQUIRE))
		__asm__ volatile("pause");
}

static void con_unlock(void)
{
	__atomic_store_n(&console_lock, 0, __ATOMIC_RELEASE);
}

void con_set_poll(bool poll)
{
	console_poll = poll;
}

static void com1_putc(char c)
{
	uint32_t lsr = 0;
	unsigned spin;

	/* A bounded wait: a broken LSR must not hang the test. */
	for (spin = 0; console_poll && spin < 1000; spin++) {
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

	con_lock();
	for (i = 0; i < len; i++)
		con_putc(s[i], NULL);
	con_unlock();
}

void con_vprintf(const char *fmt, va_list ap)
{
	con_lock();
	fmt_vprintf(con_putc, NULL, fmt, ap);
	con_unlock();
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

static void con_line(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fmt_vprintf(con_putc, NULL, fmt, ap);
	va_end(ap);
}

void rt_check_failed(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	__atomic_add_fetch(&fail_count, 1, __ATOMIC_SEQ_CST);
	con_lock();
	con_line("FAIL %s:%d ", file, line);
	va_start(ap, fmt);
	fmt_vprintf(con_putc, NULL, fmt, ap);
	va_end(ap);
	con_line("\n");
	con_unlock();
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
	bool pass = __atomic_load_n(&fail_count, __ATOMIC_SEQ_CST) == 0;

	if (!console_ready)
		rt_ghcb_init();
	con_printf("RESULT %s %s\n", payload_desc.name, pass ? "PASS" : "FAIL");
	rt_terminate(PAYLOAD_TERM_SET, pass ? PAYLOAD_TERM_PASS : PAYLOAD_TERM_FAIL);
}

/** C entry from entry.asm. */
void rt_start(void);
void rt_start(void)
{
	extern const char __payload_start[], __payload_end[];

	smp_bsp_init(); /* GS base first: the GHCB is per CPU */
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
