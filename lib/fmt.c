/* SPDX-License-Identifier: MIT */
/*
 * printf-style formatting: one engine, fmt_vprintf(), that hands each output
 * character to a callback; vsnprintf() is the engine writing into a buffer.
 * Behaviour follows C11 7.21.6.1 and, where C leaves it open (%p, NULL %s),
 * glibc, so the unit test can compare the two byte for byte.
 */
#include <stdbool.h>
#include <stdint.h>

#include <lib/fmt.h>
#include <lib/string.h>

/** Width and precision values are clamped to this, so counts cannot overflow. */
#define FMT_NUM_MAX 100000

enum fmt_flag {
	F_LEFT = 1,  /**< '-': pad on the right */
	F_ZERO = 2,  /**< '0': pad numbers with zeros */
	F_PLUS = 4,  /**< '+': sign on non-negative numbers */
	F_SPACE = 8, /**< ' ': space in place of '+' */
	F_ALT = 16,  /**< '#': 0x prefix, leading octal zero */
};

enum fmt_len { LEN_NONE, LEN_HH, LEN_H, LEN_L, LEN_LL, LEN_Z, LEN_J, LEN_T };

/** One parsed conversion specification. */
struct fmt_spec {
	unsigned flags;	  /**< enum fmt_flag bits */
	int width;	  /**< minimum field width, 0 for none */
	int prec;	  /**< precision, -1 for none */
	enum fmt_len len; /**< length modifier */
	char conv;	  /**< conversion character, '\0' if the format ended */
};

struct fmt_out {
	fmt_putc_fn *putc;
	void *ctx;
	int count;
};

static void out_char(struct fmt_out *o, char c)
{
	o->putc(c, o->ctx);
	o->count++;
}

static void out_chars(struct fmt_out *o, const char *s, size_t n)
{
	while (n--)
		out_char(o, *s++);
}

static void out_pad(struct fmt_out *o, char c, int n)
{
	while (n-- > 0)
		out_char(o, c);
}

static const char *parse_flags(const char *f, unsigned *flags)
{
	for (;; f++) {
		switch (*f) {
		case '-':
			*flags |= F_LEFT;
			break;
		case '0':
			*flags |= F_ZERO;
			break;
		case '+':
			*flags |= F_PLUS;
			break;
		case ' ':
			*flags |= F_SPACE;
			break;
		case '#':
			*flags |= F_ALT;
			break;
		default:
			return f;
		}
	}
}

/** A decimal number, clamped to FMT_NUM_MAX; 0 when there are no digits. */
static const char *parse_decimal(const char *f, int *n)
{
	for (*n = 0; *f >= '0' && *f <= '9'; f++) {
		*n = *n * 10 + (*f - '0');
		if (*n > FMT_NUM_MAX)
			*n = FMT_NUM_MAX;
	}
	return f;
}

/** A '*' argument, clamped to [-FMT_NUM_MAX, FMT_NUM_MAX]. */
static int star_arg(va_list *ap)
{
	int n = va_arg(*ap, int);

	return n < -FMT_NUM_MAX ? -FMT_NUM_MAX : n > FMT_NUM_MAX ? FMT_NUM_MAX : n;
}

static const char *parse_len(const char *f, enum fmt_len *len)
{
	switch (*f) {
	case 'h':
		*len = f[1] == 'h' ? LEN_HH : LEN_H;
		return f + (f[1] == 'h' ? 2 : 1);
	case 'l':
		*len = f[1] == 'l' ? LEN_LL : LEN_L;
		return f + (f[1] == 'l' ? 2 : 1);
	case 'z':
		*len = LEN_Z;
		return f + 1;
	case 'j':
		*len = LEN_J;
		return f + 1;
	case 't':
		*len = LEN_T;
		return f + 1;
	default:
		*len = LEN_NONE;
		return f;
	}
}

/** Parses what follows a '%'; returns the position after the conversion. */
static const char *parse_spec(const char *f, struct fmt_spec *s, va_list *ap)
{
	s->flags = 0;
	f = parse_flags(f, &s->flags);
	if (*f == '*') {
		s->width = star_arg(ap);
		f++;
	} else {
		f = parse_decimal(f, &s->width);
	}
	if (s->width < 0) {
		/* C11 7.21.6.1p5: a negative '*' width is '-' and its absolute value */
		s->flags |= F_LEFT;
		s->width = -s->width;
	}
	s->prec = -1;
	if (*f == '.' && f[1] == '*') {
		s->prec = star_arg(ap);
		f += 2;
		if (s->prec < 0)
			s->prec = -1; /* a negative '*' precision is no precision */
	} else if (*f == '.') {
		f = parse_decimal(f + 1, &s->prec);
	}
	f = parse_len(f, &s->len);
	s->conv = *f;
	return *f ? f + 1 : f;
}

static uintmax_t arg_unsigned(va_list *ap, enum fmt_len len)
{
	switch (len) {
	case LEN_HH:
		return (unsigned char)va_arg(*ap, unsigned int);
	case LEN_H:
		return (unsigned short)va_arg(*ap, unsigned int);
	case LEN_L:
		return va_arg(*ap, unsigned long);
	case LEN_LL:
		return va_arg(*ap, unsigned long long);
	case LEN_Z:
		return va_arg(*ap, size_t);
	case LEN_J:
		return va_arg(*ap, uintmax_t);
	case LEN_T:
		return (uintmax_t)va_arg(*ap, ptrdiff_t);
	case LEN_NONE:
		break;
	}
	return va_arg(*ap, unsigned int);
}

static intmax_t arg_signed(va_list *ap, enum fmt_len len)
{
	switch (len) {
	case LEN_HH:
		return (signed char)va_arg(*ap, int);
	case LEN_H:
		return (short)va_arg(*ap, int);
	case LEN_L:
		return va_arg(*ap, long);
	case LEN_LL:
		return va_arg(*ap, long long);
	case LEN_Z:
		return va_arg(*ap, ptrdiff_t); /* signed size_t */
	case LEN_J:
		return va_arg(*ap, intmax_t);
	case LEN_T:
		return va_arg(*ap, ptrdiff_t);
	case LEN_NONE:
		break;
	}
	return va_arg(*ap, int);
}

/** Writes v in base to the end of buf; returns the digit count. */
static int to_digits(uintmax_t v, unsigned base, bool upper, char *end)
{
	const char *set = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	int n = 0;

	do {
		*--end = set[v % base];
		v /= base;
		n++;
	} while (v);
	return n;
}

/** A number: prefix (sign, 0x), precision zeros, digits, all padded to width. */
static void emit_int(struct fmt_out *o, const struct fmt_spec *s, uintmax_t v, const char *prefix)
{
	unsigned base = s->conv == 'o'					       ? 8
			: (s->conv == 'x' || s->conv == 'X' || s->conv == 'p') ? 16
									       : 10;
	char buf[24];
	int n = to_digits(v, base, s->conv == 'X', buf + sizeof(buf));
	int zeros, pad;
	bool zero_pad = (s->flags & (F_ZERO | F_LEFT)) == F_ZERO && s->prec < 0;

	if (s->prec == 0 && v == 0)
		n = 0;
	zeros = s->prec > n ? s->prec - n : 0;
	if (base == 8 && (s->flags & F_ALT) && zeros == 0 && (n == 0 || v != 0))
		zeros = 1; /* C11 7.21.6.1p6: '#' makes the first octal digit 0 */
	pad = s->width - (int)LIBC_SYM(strlen)(prefix) - zeros - n;
	if (!(s->flags & F_LEFT) && !zero_pad)
		out_pad(o, ' ', pad);
	out_chars(o, prefix, LIBC_SYM(strlen)(prefix));
	if (zero_pad)
		out_pad(o, '0', pad);
	out_pad(o, '0', zeros);
	out_chars(o, buf + sizeof(buf) - n, (size_t)n);
	if (s->flags & F_LEFT)
		out_pad(o, ' ', pad);
}

static void emit_signed(struct fmt_out *o, const struct fmt_spec *s, intmax_t v)
{
	uintmax_t mag = v < 0 ? -(uintmax_t)v : (uintmax_t)v;
	const char *sign = v < 0		  ? "-"
			   : (s->flags & F_PLUS)  ? "+"
			   : (s->flags & F_SPACE) ? " "
						  : "";

	emit_int(o, s, mag, sign);
}

static void emit_unsigned(struct fmt_out *o, const struct fmt_spec *s, uintmax_t v)
{
	const char *prefix = "";

	if ((s->flags & F_ALT) && v != 0 && s->conv == 'x')
		prefix = "0x";
	if ((s->flags & F_ALT) && v != 0 && s->conv == 'X')
		prefix = "0X";
	emit_int(o, s, v, prefix);
}

/** n characters of str, padded to the field width. */
static void emit_str(struct fmt_out *o, const struct fmt_spec *s, const char *str, size_t n)
{
	int pad = s->width - (int)n;

	if (!(s->flags & F_LEFT))
		out_pad(o, ' ', pad);
	out_chars(o, str, n);
	if (s->flags & F_LEFT)
		out_pad(o, ' ', pad);
}

static void emit_string(struct fmt_out *o, const struct fmt_spec *s, const char *str)
{
	if (!str) {
		/* glibc: "(null)" unless the precision cuts it, then nothing */
		str = s->prec < 0 || s->prec >= 6 ? "(null)" : "";
	}
	emit_str(o, s, str,
		 s->prec < 0 ? LIBC_SYM(strlen)(str) : LIBC_SYM(strnlen)(str, (size_t)s->prec));
}

static void emit_ptr(struct fmt_out *o, const struct fmt_spec *s, const void *p)
{
	struct fmt_spec str_spec = *s;

	if (p) {
		emit_int(o, s, (uintptr_t)p, "0x");
		return;
	}
	str_spec.prec = -1;
	emit_str(o, &str_spec, "(nil)", 5);
}

/** Consumes the conversion's argument and prints it; false if the conversion is unknown. */
static bool convert(struct fmt_out *o, const struct fmt_spec *s, va_list *ap)
{
	char c;

	switch (s->conv) {
	case 'd':
	case 'i':
		emit_signed(o, s, arg_signed(ap, s->len));
		return true;
	case 'u':
	case 'o':
	case 'x':
	case 'X':
		emit_unsigned(o, s, arg_unsigned(ap, s->len));
		return true;
	case 'p':
		emit_ptr(o, s, va_arg(*ap, void *));
		return true;
	case 's':
		emit_string(o, s, va_arg(*ap, const char *));
		return true;
	case 'c':
		c = (char)va_arg(*ap, int);
		emit_str(o, s, &c, 1);
		return true;
	case '%':
		out_char(o, '%');
		return true;
	default:
		return false;
	}
}

int fmt_vprintf(fmt_putc_fn *putc, void *ctx, const char *fmt, va_list ap)
{
	struct fmt_out o = { .putc = putc, .ctx = ctx, .count = 0 };
	struct fmt_spec s;
	const char *start;
	va_list aq;

	va_copy(aq, ap);
	while (*fmt) {
		if (*fmt != '%') {
			out_char(&o, *fmt++);
			continue;
		}
		start = fmt;
		fmt = parse_spec(fmt + 1, &s, &aq);
		if (!convert(&o, &s, &aq))
			out_chars(&o, start, (size_t)(fmt - start));
	}
	va_end(aq);
	return o.count;
}

int fmt_printf(fmt_putc_fn *putc, void *ctx, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = fmt_vprintf(putc, ctx, fmt, ap);
	va_end(ap);
	return n;
}

/** Destination of vsnprintf: stores what fits, counts everything. */
struct fmt_buf {
	char *buf;
	size_t size;
	size_t pos;
};

static void buf_putc(char c, void *ctx)
{
	struct fmt_buf *b = ctx;

	if (b->pos + 1 < b->size)
		b->buf[b->pos] = c;
	b->pos++;
}

int LIBC_SYM(vsnprintf)(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct fmt_buf b = { .buf = buf, .size = size, .pos = 0 };
	int n = fmt_vprintf(buf_putc, &b, fmt, ap);

	if (size)
		buf[b.pos < size ? b.pos : size - 1] = '\0';
	return n;
}

int LIBC_SYM(snprintf)(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = LIBC_SYM(vsnprintf)(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
