/* SPDX-License-Identifier: MIT */
/*
 * The paravisor's log: COM2 (port 0x2F8) through the GHCB, one string
 * OUTS per line; the guest's serial port (COM1) stays the guest's, and
 * the guest finds no UART at COM2 (core/platform.c), so it can neither
 * write into this log nor reprogram the port.  Lines
 * written before the GHCB exists wait in a buffer.  Levels:
 * ERROR = a paravisor bug or bad configuration, NOTICE = a misbehaving guest
 * or hypervisor (rate-limited by the caller), INFO = progress, VERBOSE =
 * guest data, off unless pv_log_level says so.
 */
#include "core/ghcb_call.h"

#include <lib/fmt.h>
#include <lib/string.h>

#define EARLY_BUF 4096

enum log_level pv_log_level = LOG_INFO;
static char early[EARLY_BUF];
static size_t early_len;

struct line {
	char buf[256];
	size_t len;
};

static void line_putc(char c, void *ctx)
{
	struct line *l = ctx;
	if (l->len < sizeof(l->buf))
		l->buf[l->len++] = c;
}

static void emit(const char *s, size_t len)
{
	if (!ghcb_ready()) {
		size_t n = MIN(len, EARLY_BUF - early_len);
		memcpy(early + early_len, s, n);
		early_len += n;
		return;
	}
	if (early_len) {
		ghcb_ioio_string_out(PV_LOG_PORT, early, early_len);
		early_len = 0;
	}
	ghcb_ioio_string_out(PV_LOG_PORT, s, len);
}

void pv_vlog(enum log_level level, const char *fmt, va_list ap);
void pv_vlog(enum log_level level, const char *fmt, va_list ap)
{
	static const char *const prefix[] = { "pv: error: ", "pv: notice: ", "pv: ", "pv: " };
	struct line l = { .len = 0 };
	if (level > pv_log_level)
		return;
	for (const char *p = prefix[level]; *p; p++)
		line_putc(*p, &l);
	fmt_vprintf(line_putc, &l, fmt, ap);
	if (l.len == sizeof(l.buf))
		l.len--;
	l.buf[l.len++] = '\n';
	emit(l.buf, l.len);
}

void pv_log(enum log_level level, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	pv_vlog(level, fmt, ap);
	va_end(ap);
}
