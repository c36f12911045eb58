/* SPDX-License-Identifier: MIT */
/*
 * snpemu options from fw_cfg opt/snpemu/config: "key=value[,value...]"
 * words separated by spaces or newlines, e.g. "intercept=rdtsc,rdtscp" or
 * "hostile=psc-refuse,unvalidate@40" (hostile.c).
 * Unknown keys or values are an error: a test that asks for a behaviour
 * snpemu does not have must not pass silently.
 */
#include "fwcfg.h"
#include "snpemu_abi.h"

#include <lib/string.h>

struct snpemu_config config;

static bool word_is(const char *w, size_t n, const char *lit)
{
	return strlen(lit) == n && !strncmp(w, lit, n);
}

static void config_intercept(const char *v, size_t n)
{
	if (word_is(v, n, "rdtsc"))
		config.intercept_rdtsc = true;
	else if (word_is(v, n, "rdtscp"))
		config.intercept_rdtscp = true;
	else
		panic("unknown intercept '%.*s' in %s", (int)n, v, SNPEMU_FWCFG_CONFIG);
}

static uint64_t parse_u64(const char *v, size_t n)
{
	uint64_t x = 0;
	if (!n)
		panic("empty number in %s", SNPEMU_FWCFG_CONFIG);
	for (size_t i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			panic("bad number '%.*s' in %s", (int)n, v, SNPEMU_FWCFG_CONFIG);
		x = x * 10 + (uint64_t)(v[i] - '0');
	}
	return x;
}

/* hostile= words without a number: the flag each one sets (hostile.c,
 * docs/snpemu.md "Hostile mode") */
static const struct {
	const char *word;
	bool *flag;
} hostile_flags[] = {
	{ "psc-refuse", &config.hostile_psc_refuse },
	{ "psc-lie", &config.hostile_psc_lie },
	{ "ghcb-bogus", &config.hostile_ghcb_bogus },
	{ "ghcb-stale", &config.hostile_ghcb_stale },
	{ "ghcb-novalid", &config.hostile_ghcb_novalid },
	{ "cpuid-bogus", &config.hostile_cpuid_bogus },
	{ "ioio-wide", &config.hostile_ioio_wide },
	{ "msr-wide", &config.hostile_msr_wide },
	{ "mmio-wide", &config.hostile_mmio_wide },
	{ "fwcfg-dir-huge", &config.hostile_fwcfg_dir_huge },
	{ "e820-overlap", &config.hostile_e820_overlap },
	{ "e820-huge", &config.hostile_e820_huge },
	{ "pit-lie", &config.hostile_pit_lie },
	{ "rtc-lie", &config.hostile_rtc_lie },
};

/** hostile=WORD (hostile_flags) | spurious-hv@N | unvalidate@N |
 * unvalidate-pv@N | unvalidate-guest@N | hv-vector@V | cpus@N */
static void config_hostile(const char *v, size_t n)
{
	size_t at = 0;
	while (at < n && v[at] != '@')
		at++;
	const char *num = v + at + 1;
	size_t num_len = at < n ? n - at - 1 : 0;
	for (size_t i = 0; i < sizeof(hostile_flags) / sizeof(hostile_flags[0]); i++)
		if (word_is(v, n, hostile_flags[i].word)) {
			*hostile_flags[i].flag = true;
			return;
		}
	if (word_is(v, at, "spurious-hv") && at < n)
		config.hostile_spurious_hv = parse_u64(num, num_len);
	else if (word_is(v, at, "unvalidate") && at < n)
		config.hostile_unvalidate_at = parse_u64(num, num_len);
	else if (word_is(v, at, "unvalidate-pv") && at < n)
		config.hostile_unvalidate_pv_at = parse_u64(num, num_len);
	else if (word_is(v, at, "unvalidate-guest") && at < n)
		config.hostile_unvalidate_guest_at = parse_u64(num, num_len);
	else if (word_is(v, at, "hv-vector") && at < n)
		config.hostile_hv_vector = parse_u64(num, num_len);
	else if (word_is(v, at, "cpus") && at < n) {
		config.hostile_cpus = parse_u64(num, num_len);
		config.hostile_cpus_set = true;
	} else
		panic("unknown hostile behaviour '%.*s' in %s", (int)n, v, SNPEMU_FWCFG_CONFIG);
	if (config.hostile_hv_vector > 255 || config.hostile_cpus > 0xFFFF)
		panic("hostile '%.*s' out of range in %s", (int)n, v, SNPEMU_FWCFG_CONFIG);
}

/** nmi=N: the platform's NMI to vCPU 0 before its Nth entry to the guest. */
static void config_nmi(const char *v, size_t n)
{
	config.nmi_at = parse_u64(v, n);
}

static size_t span_until(const char *p, size_t n, char stop)
{
	size_t i = 0;
	while (i < n && p[i] != stop)
		i++;
	return i;
}

static void config_word(const char *w, size_t n)
{
	size_t k = span_until(w, n, '=');
	if (k == n)
		panic("option '%.*s' in %s has no '='", (int)n, w, SNPEMU_FWCFG_CONFIG);
	void (*each)(const char *, size_t);
	if (word_is(w, k, "intercept"))
		each = config_intercept;
	else if (word_is(w, k, "hostile"))
		each = config_hostile;
	else if (word_is(w, k, "nmi"))
		each = config_nmi;
	else
		panic("unknown option '%.*s' in %s", (int)n, w, SNPEMU_FWCFG_CONFIG);
	const char *v = w + k + 1;
	size_t left = n - k - 1;
	while (left) {
		size_t m = span_until(v, left, ',');
		each(v, m);
		v += m;
		left -= m;
		if (left) {
			v++;
			left--;
		}
	}
	log_printf("option %.*s", (int)n, w);
}

static bool is_space(char c)
{
	return c == ' ' || c == '\n' || c == '\t' || c == '\r';
}

void config_load(void)
{
	struct fwcfg_file f;
	static char buf[1024];
	if (!fwcfg_find(SNPEMU_FWCFG_CONFIG, &f))
		return;
	if (f.size >= sizeof(buf))
		panic("%s is too large (%u bytes)", SNPEMU_FWCFG_CONFIG, f.size);
	fwcfg_read(f.select, 0, buf, f.size);
	buf[f.size] = 0;
	for (const char *p = buf; *p;) {
		size_t n = 0;
		while (p[n] && !is_space(p[n]))
			n++;
		if (n)
			config_word(p, n);
		p += n;
		while (is_space(*p))
			p++;
	}
}
