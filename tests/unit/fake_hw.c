/* SPDX-License-Identifier: MIT */
/*
 * The fake platform + hypervisor behind core/hw.h on the host (see
 * fake_hw.h).  It plays KVM's side of GHCB 56421: the MSR protocol (§2.3.1:
 * SEV information, hypervisor features, page state change, GHCB GPA
 * registration, RUN_VMPL, termination) and the NAE events the paravisor
 * sends through the GHCB page (IOIO, MSR, MMIO, RDTSC(P), AP creation).
 */
#include "fake_hw.h"
#include "fake_pv.h"

#include <sev.h>
#include <svm.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct fake_hv fake_hv;

#define FWCFG_SEL      0x510
#define FWCFG_DATA     0x511
#define FWCFG_DIR_KEY  0x19
#define FWCFG_WRITE_CH 0x4000 /* QEMU ignores it for reads */

static void record_full(const char *what)
{
	fprintf(stderr, "fake_hw: too many %s records\n", what);
	abort();
}

#define RECORD(array, count, value)                                \
	do {                                                       \
		if ((count) >= sizeof(array) / sizeof((array)[0])) \
			record_full(#array);                       \
		(array)[(count)++] = (value);                      \
	} while (0)

/* A record of what the platform saw: none with no_records. */
#define LOG(array, count, value)                     \
	do {                                         \
		if (!fake_hv.no_records)             \
			RECORD(array, count, value); \
	} while (0)

static void reset(size_t bytes)
{
	free(fake_hv.exits);
	memset(&fake_hv, 0, bytes);
	fake_hv.version_min = GHCB_PROTOCOL_MIN;
	fake_hv.version_max = GHCB_PROTOCOL_MAX;
	fake_hv.cbit = 51;
	fake_hv.features = SEV_HV_FEAT_SNP | SEV_HV_FEAT_AP_CREATION | SEV_HV_FEAT_RESTRICTED_INJ |
			   SEV_HV_FEAT_MULTI_VMPL;
	fake_hv.tsc = 0x123456789ABCULL;
	fake_hv.tsc_aux = 7;
	fake_hv.tsc_hz = 2500000000ULL;
	fake_hv.pit_hz = 1193182;
	fake_hv.rdtsc_cost = 40;
	fake_hv.io_cost = 5000;
	fake_hv.sev_status = SEV_STATUS_SNP | SEV_STATUS_RESTRICTED_INJ;
	fake_hv.registered_gpa = ~0ULL;
	fake_hv.fwcfg_id = 3;
	fake_hv.nb_cpus = 1;
	fake_hv.term_code = -1;
}

void fake_hv_reset(void)
{
	reset(sizeof(fake_hv));
}

void fake_hv_reset_quick(void)
{
	reset(offsetof(struct fake_hv, msr_requests));
}

void fake_hv_set_msr(uint32_t msr, uint64_t value, bool gp)
{
	for (unsigned int i = 0; i < fake_hv.msr_count; i++)
		if (fake_hv.msrs[i].msr == msr) {
			fake_hv.msrs[i] = (struct fake_msr){ msr, value, gp };
			return;
		}
	RECORD(fake_hv.msrs, fake_hv.msr_count, ((struct fake_msr){ msr, value, gp }));
}

void fake_hv_script_in(const uint32_t *values, unsigned int count)
{
	for (unsigned int i = 0; i < count; i++)
		RECORD(fake_hv.in_script, fake_hv.in_count, values[i]);
}

void fake_hv_fwcfg_add(uint16_t key, const char *name, const void *data, uint32_t len)
{
	struct fake_fwcfg_item it = { .key = key, .data = data, .len = len };
	if (name)
		snprintf(it.name, sizeof(it.name), "%s", name);
	fake_hv.fwcfg = true;
	RECORD(fake_hv.fwcfg_items, fake_hv.fwcfg_count, it);
}

const struct ghcb *fake_hv_last_exit(void)
{
	return fake_hv.exit_count ? &fake_hv.exits[fake_hv.exit_count - 1] : NULL;
}

size_t fake_hv_msr_requests_with(uint32_t info)
{
	size_t n = 0;
	for (size_t i = 0; i < fake_hv.msr_request_count; i++)
		n += ghcb_msr_info(fake_hv.msr_requests[i]) == info;
	return n;
}

size_t fake_hv_io_in_range(uint16_t first, uint16_t last)
{
	size_t n = 0;
	for (size_t i = 0; i < fake_hv.io_count; i++)
		n += fake_hv.io[i].port >= first && fake_hv.io[i].port <= last;
	return n;
}

/* ---- platform instructions ------------------------------------------- */

uint32_t hw_pvalidate(uint64_t va, bool size_2m, bool validate, bool *unchanged)
{
	LOG(fake_hv.pvalidates, fake_hv.pvalidate_count,
	    ((struct fake_pvalidate){ va, size_2m, validate }));
	*unchanged = false;
	return fake_hv.pvalidate_rc;
}

uint32_t hw_rmpadjust(uint64_t va, bool size_2m, uint64_t attrs)
{
	LOG(fake_hv.rmpadjusts, fake_hv.rmpadjust_count,
	    ((struct fake_rmpadjust){ va, size_2m, attrs }));
	return fake_hv.rmpadjust_rc;
}

uint64_t hw_rdmsr(uint32_t msr)
{
	return msr == MSR_SEV_STATUS ? fake_hv.sev_status : 0;
}

void hw_wrmsr(uint32_t msr, uint64_t val)
{
	LOG(fake_hv.msr_writes, fake_hv.msr_write_count, ((struct fake_msr){ msr, val, false }));
}

/* An event that lands in the window (on_halt_window) sets *wake through
 * the #HV handler and so skips the HLT, as core/idt.c does on the CPU; a
 * halt taken with *wake set would sleep through that wake-up. */
void hw_halt_unless(const volatile bool *wake)
{
	if (fake_hv.on_halt_window)
		fake_hv.on_halt_window();
	if (*wake)
		return;
	fake_hv.halts++;
	if (fake_hv.on_halt)
		fake_hv.on_halt();
}

/* The same for RUN_VMPL: an event in the window (on_run_window) sets
 * *stop and the VMGEXIT is not made. */
uint64_t hw_vmgexit_msr_unless(uint64_t msr_value, const volatile bool *stop)
{
	if (fake_hv.on_run_window)
		fake_hv.on_run_window();
	if (*stop)
		return 0;
	return hw_vmgexit_msr(msr_value);
}

uint64_t hw_rdtsc(void)
{
	uint64_t t = fake_hv.now_tsc;
	fake_hv.now_tsc += fake_hv.rdtsc_cost;
	return t;
}

/* ---- GHCB MSR protocol (GHCB 56421 §2.3.1) ------------------------------ */

static bool gfn_is_shared(uint64_t gfn)
{
	for (size_t i = 0; i < fake_hv.shared_gfn_count; i++)
		if (fake_hv.shared_gfns[i] == gfn)
			return true;
	return false;
}

static void page_state_change(uint64_t gfn, unsigned int op)
{
	size_t n = 0;
	for (size_t i = 0; i < fake_hv.shared_gfn_count; i++)
		if (fake_hv.shared_gfns[i] != gfn)
			fake_hv.shared_gfns[n++] = fake_hv.shared_gfns[i];
	fake_hv.shared_gfn_count = n;
	if (op == PSC_OP_SHARED)
		RECORD(fake_hv.shared_gfns, fake_hv.shared_gfn_count, gfn);
}

static uint64_t register_gpa(uint64_t gfn)
{
	if (!gfn_is_shared(gfn)) /* a private GHCB: the host cannot use it */
		return ghcb_msr_reg_gpa_resp(GHCB_MSR_PREF_GPA_NONE);
	fake_hv.registered_gpa = gfn << PAGE_SHIFT;
	if (fake_hv.hostile == FAKE_HOSTILE_REG_ECHO)
		gfn++;
	return ghcb_msr_reg_gpa_resp(gfn);
}

static uint64_t msr_answer(uint64_t v);

uint64_t hw_vmgexit_msr(uint64_t v)
{
	uint64_t answer = msr_answer(v);
	return fake_hv.on_msr_answer ? fake_hv.on_msr_answer(v, answer) : answer;
}

static uint64_t msr_answer(uint64_t v)
{
	LOG(fake_hv.msr_requests, fake_hv.msr_request_count, v);
	switch (ghcb_msr_info(v)) {
	case GHCB_MSR_SEV_INFO_REQ:
		if (fake_hv.hostile == FAKE_HOSTILE_NO_V2)
			return ghcb_msr_sev_info_resp(1, 1, fake_hv.cbit);
		return ghcb_msr_sev_info_resp(fake_hv.version_max, fake_hv.version_min,
					      fake_hv.cbit);
	case GHCB_MSR_HV_FEATURES_REQ:
		return ghcb_msr_hv_features_resp(fake_hv.features);
	case GHCB_MSR_PSC_REQ:
		if (!fake_hv.psc_error)
			page_state_change(ghcb_msr_psc_gfn(v), ghcb_msr_psc_op(v));
		return ghcb_msr_psc_resp(fake_hv.psc_error);
	case GHCB_MSR_REG_GPA_REQ:
		return register_gpa(ghcb_msr_gfn(v));
	case GHCB_MSR_RUN_VMPL_REQ:
		return ghcb_msr_run_vmpl_resp(fake_hv.run_vmpl_error);
	case GHCB_MSR_TERM_REQ:
		fake_hv.term_code = (int)ghcb_msr_term_code(v);
		return v;
	default:
		return 0; /* no response code: out of protocol */
	}
}

/* ---- the hypervisor's devices ------------------------------------------- */

static const struct fake_fwcfg_item *fwcfg_item(uint16_t key)
{
	for (unsigned int i = 0; i < fake_hv.fwcfg_count; i++)
		if (fake_hv.fwcfg_items[i].key == key)
			return &fake_hv.fwcfg_items[i];
	return NULL;
}

static void be_store(uint8_t *p, uint32_t v, unsigned int bytes)
{
	for (unsigned int i = 0; i < bytes; i++)
		p[i] = (uint8_t)(v >> (8 * (bytes - 1 - i)));
}

/** QEMU's FW_CFG_FILE_DIR: be32 count, then be32 size, be16 select, name. */
static uint32_t fwcfg_directory(uint8_t *dir)
{
	uint32_t n = 0;
	for (unsigned int i = 0; i < fake_hv.fwcfg_count; i++) {
		const struct fake_fwcfg_item *it = &fake_hv.fwcfg_items[i];
		if (!it->name[0])
			continue;
		uint8_t *e = dir + 4 + 64 * n++;
		memset(e, 0, 64);
		be_store(e, it->len, 4);
		be_store(e + 4, it->key, 2);
		memcpy(e + 8, it->name, sizeof(it->name));
	}
	be_store(dir, n, 4);
	return 4 + 64 * n;
}

static uint8_t fwcfg_read_byte(void)
{
	static uint8_t dir[4 + 64 * FAKE_HV_MAX_FWCFG];
	static const char sig[4] = "QEMU";
	uint16_t key = fake_hv.fwcfg_select & ~FWCFG_WRITE_CH;
	const uint8_t *src = NULL;
	uint32_t len = 0, off = fake_hv.fwcfg_offset;
	uint8_t id[4] = { (uint8_t)fake_hv.fwcfg_id, 0, 0, 0 };
	uint8_t cpus[2] = { (uint8_t)fake_hv.nb_cpus, (uint8_t)(fake_hv.nb_cpus >> 8) };
	const struct fake_fwcfg_item *it = fwcfg_item(key);

	if (it) { /* also a raw directory a test wants */
		src = it->data;
		len = it->len;
	} else if (key == FWCFG_DIR_KEY) {
		len = fwcfg_directory(dir);
		src = dir;
	} else if (key == 5) { /* FW_CFG_NB_CPUS */
		src = cpus;
		len = sizeof(cpus);
	} else if (key == 0) {
		src = (const uint8_t *)sig;
		len = sizeof(sig);
	} else if (key == 1) {
		src = id;
		len = sizeof(id);
	}
	if (off >= len)
		return 0;
	fake_hv.fwcfg_offset++;
	return src[off];
}

/* ---- the fake PIT channel 2 on the fake TSC ---------------------------- */

static uint64_t pit_elapsed(void)
{
	uint64_t dt = fake_hv.now_tsc - fake_hv.pit2.load_tsc;
	return (uint64_t)((unsigned __int128)dt * fake_hv.pit_hz / fake_hv.tsc_hz);
}

static uint16_t pit_count(void)
{
	uint64_t period = fake_hv.pit2.reload ? fake_hv.pit2.reload : 0x10000;
	uint64_t e = pit_elapsed();
	if (fake_hv.pit2.mode == 2)
		return (uint16_t)(period - e % period);
	return (uint16_t)(period - e); /* mode 0 wraps through 0xFFFF */
}

static uint32_t pit_in(uint16_t port)
{
	if (port == 0x61) {
		uint64_t period = fake_hv.pit2.reload ? fake_hv.pit2.reload : 0x10000;
		bool out2 = fake_hv.pit2.mode == 0 && pit_elapsed() >= period;
		return (fake_hv.pit2.port_b & 3) | (out2 ? 0x20 : 0);
	}
	uint16_t v = fake_hv.pit2.latched ? fake_hv.pit2.latch : pit_count();
	bool hi = fake_hv.pit2.hi_next;
	fake_hv.pit2.hi_next = !hi;
	if (hi)
		fake_hv.pit2.latched = false;
	return hi ? v >> 8 : v & 0xFF;
}

static void pit_out(uint16_t port, uint8_t v)
{
	if (port == 0x61) {
		fake_hv.pit2.port_b = v;
	} else if (port == 0x43 && (v >> 6) == 2) {
		if ((v & 0x30) == 0) { /* counter latch */
			fake_hv.pit2.latch = pit_count();
			fake_hv.pit2.latched = true;
			fake_hv.pit2.hi_next = false;
		} else {
			fake_hv.pit2.mode = (v >> 1) & 7;
			fake_hv.pit2.reload_lo_done = false;
			fake_hv.pit2.hi_next = false;
		}
	} else if (port == 0x42) {
		if (!fake_hv.pit2.reload_lo_done) {
			fake_hv.pit2.reload = v;
			fake_hv.pit2.reload_lo_done = true;
		} else {
			fake_hv.pit2.reload |= (uint16_t)(v << 8);
			fake_hv.pit2.reload_lo_done = false;
			fake_hv.pit2.load_tsc = fake_hv.now_tsc;
		}
	}
}

static bool pit_port(uint16_t port)
{
	return fake_hv.pit && (port == 0x42 || port == 0x43 || port == 0x61);
}

static uint32_t device_in(uint16_t port, unsigned int size)
{
	if (pit_port(port))
		return pit_in(port);
	if (fake_hv.fwcfg && port == FWCFG_DATA) {
		uint32_t v = 0;
		for (unsigned int i = 0; i < size; i++)
			v |= (uint32_t)fwcfg_read_byte() << (8 * i);
		return v;
	}
	if (port == 0x71)
		return fake_hv.cmos[fake_hv.cmos_index];
	if (fake_hv.in_next < fake_hv.in_count)
		return fake_hv.in_script[fake_hv.in_next++];
	return fake_hv.in_default;
}

static void device_out(uint16_t port, unsigned int size, uint32_t v)
{
	if (pit_port(port))
		pit_out(port, (uint8_t)v);
	else if (fake_hv.fwcfg && port == FWCFG_SEL && size == 2) {
		fake_hv.fwcfg_select = (uint16_t)v;
		fake_hv.fwcfg_offset = 0;
	} else if (port == 0x70) {
		fake_hv.cmos_index = v & 0x7F;
	} else if (port == 0x71) {
		fake_hv.cmos[fake_hv.cmos_index] = (uint8_t)v;
	}
}

/** No fake device decodes the port: an OUT there changes nothing but the clock. */
static bool port_plain(uint16_t port)
{
	return !pit_port(port) && !(fake_hv.fwcfg && port == FWCFG_SEL) && port != 0x70 &&
	       port != 0x71;
}

static uint32_t size_mask(unsigned int size)
{
	return size >= 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1;
}

static uint32_t port_access(uint16_t port, unsigned int size, bool in, uint32_t v)
{
	fake_hv.now_tsc += fake_hv.io_cost;
	if (in)
		v = device_in(port, size) & size_mask(size);
	else
		device_out(port, size, v &= size_mask(size)); /* what the bus carries */
	LOG(fake_hv.io, fake_hv.io_count, ((struct fake_io){ port, (uint8_t)size, in, v }));
	return v;
}

/* ---- GHCB page NAE events (GHCB 56421 §4) -------------------------------- */

#define FAIL_MISSING GHCB_ERR_MISSING_INPUT
#define FAIL_SCRATCH GHCB_ERR_INVALID_SCRATCH_AREA

/** The scratch area must lie inside the GHCB's shared buffer (KVM
 * setup_vmgexit_scratch, for a scratch inside the GHCB page). */
static uint64_t check_scratch(const struct ghcb *g, uint64_t len)
{
	uint64_t lo = fake_hv.registered_gpa + offsetof(struct ghcb, shared_buffer);
	uint64_t s = g->save.sw_scratch;
	if (!ghcb_sw_scratch_is_valid(g))
		return FAIL_MISSING;
	if (s < lo || len > GHCB_SHARED_BUF_SIZE || s + len > lo + GHCB_SHARED_BUF_SIZE)
		return FAIL_SCRATCH;
	return 0;
}

/** What KVM's sev_es_validate_vmgexit() asks of each request. */
static uint64_t check_request(const struct ghcb *g)
{
	uint64_t code = g->save.sw_exit_code, info1 = g->save.sw_exit_info_1;
	if (!ghcb_sw_exit_code_is_valid(g) || !ghcb_sw_exit_info_1_is_valid(g) ||
	    !ghcb_sw_exit_info_2_is_valid(g))
		return FAIL_MISSING;
	if (g->ghcb_usage != GHCB_USAGE_STANDARD)
		return GHCB_ERR_INVALID_USAGE;
	if (g->protocol_version < fake_hv.version_min || g->protocol_version > fake_hv.version_max)
		return GHCB_ERR_INVALID_INPUT;
	switch (code) {
	case SVM_EXIT_IOIO:
		if (info1 & SVM_IOIO_STR)
			return check_scratch(g, g->save.sw_exit_info_2 * SVM_IOIO_DATA_SIZE(info1));
		return !(info1 & SVM_IOIO_TYPE_IN) && !ghcb_rax_is_valid(g) ? FAIL_MISSING : 0;
	case SVM_EXIT_MSR:
		if (!ghcb_rcx_is_valid(g))
			return FAIL_MISSING;
		return info1 && (!ghcb_rax_is_valid(g) || !ghcb_rdx_is_valid(g)) ? FAIL_MISSING : 0;
	case SVM_VMGEXIT_MMIO_READ:
	case SVM_VMGEXIT_MMIO_WRITE:
		return check_scratch(g, g->save.sw_exit_info_2);
	case SVM_VMGEXIT_AP_CREATION:
		return ghcb_ap_create_request(info1) != SVM_VMGEXIT_AP_DESTROY &&
				       !ghcb_rax_is_valid(g)
			       ? FAIL_MISSING
			       : 0;
	case SVM_EXIT_RDTSC:
	case SVM_EXIT_RDTSCP:
	case SVM_VMGEXIT_HV_FEATURES:
		return 0;
	default:
		return GHCB_ERR_INVALID_EVENT;
	}
}

static void answer_event(struct ghcb *g, uint64_t event)
{
	ghcb_set_sw_exit_info_1(g, GHCB_RESULT_EXCEPTION);
	ghcb_set_sw_exit_info_2(g, event);
}

static const struct fake_msr *msr_lookup(uint32_t msr)
{
	for (unsigned int i = 0; i < fake_hv.msr_count; i++)
		if (fake_hv.msrs[i].msr == msr)
			return &fake_hv.msrs[i];
	return NULL;
}

static void nae_msr(struct ghcb *g, const struct ghcb *req)
{
	uint32_t msr = (uint32_t)req->save.rcx;
	const struct fake_msr *m = msr_lookup(msr);
	const uint64_t gp = SVM_EVT_MAKE(13, SVM_EVT_TYPE_EXCEPTION, true, 0);
	if (req->save.sw_exit_info_1) {
		uint64_t v = (req->save.rdx << 32) | (uint32_t)req->save.rax;
		if (m && m->gp) {
			answer_event(g, gp);
			return;
		}
		LOG(fake_hv.msr_writes, fake_hv.msr_write_count,
		    ((struct fake_msr){ msr, v, false }));
		fake_hv_set_msr(msr, v, false);
		return;
	}
	if (!m || m->gp) {
		answer_event(g, gp);
		return;
	}
	ghcb_set_rax(g, (uint32_t)m->value);
	ghcb_set_rdx(g, m->value >> 32);
}

static void nae_ioio(struct ghcb *g, const struct ghcb *req)
{
	uint64_t info = req->save.sw_exit_info_1;
	uint16_t port = SVM_IOIO_PORT(info);
	unsigned int size = SVM_IOIO_DATA_SIZE(info);
	bool in = info & SVM_IOIO_TYPE_IN;
	if (!(info & SVM_IOIO_STR)) {
		uint32_t v = port_access(port, size, in, (uint32_t)req->save.rax);
		if (in)
			ghcb_set_rax(g, v);
		return;
	}
	if (!in && fake_hv.no_records && port_plain(port)) { /* nothing to record or decode */
		fake_hv.now_tsc += req->save.sw_exit_info_2 * fake_hv.io_cost;
		return;
	}
	uint8_t *buf = g->shared_buffer + (req->save.sw_scratch - fake_hv.registered_gpa -
					   offsetof(struct ghcb, shared_buffer));
	for (uint64_t i = 0; i < req->save.sw_exit_info_2; i++) {
		uint32_t v = 0;
		if (!in)
			memcpy(&v, buf + i * size, size);
		v = port_access(port, size, in, v);
		if (in)
			memcpy(buf + i * size, &v, size);
		else
			for (unsigned int b = 0; b < size; b++)
				LOG(fake_hv.string_out, fake_hv.string_out_len,
				    (uint8_t)(v >> (8 * b)));
	}
}

static void nae_mmio(struct ghcb *g, const struct ghcb *req, bool write)
{
	struct fake_mmio m = { .gpa = req->save.sw_exit_info_1,
			       .size = (unsigned int)req->save.sw_exit_info_2,
			       .write = write };
	uint8_t *buf = g->shared_buffer + (req->save.sw_scratch - fake_hv.registered_gpa -
					   offsetof(struct ghcb, shared_buffer));
	if (write)
		memcpy(&m.value, buf, MIN(m.size, 8u));
	else
		memcpy(buf, &fake_hv.mmio_read_value, MIN(m.size, 8u));
	if (!write)
		m.value = fake_hv.mmio_read_value;
	LOG(fake_hv.mmio, fake_hv.mmio_count, m);
}

static void nae_serve(struct ghcb *g, const struct ghcb *req)
{
	uint64_t code = req->save.sw_exit_code;
	if (code == SVM_EXIT_IOIO) {
		nae_ioio(g, req);
	} else if (code == SVM_EXIT_MSR) {
		nae_msr(g, req);
	} else if (code == SVM_VMGEXIT_MMIO_READ || code == SVM_VMGEXIT_MMIO_WRITE) {
		nae_mmio(g, req, code == SVM_VMGEXIT_MMIO_WRITE);
	} else if (code == SVM_EXIT_RDTSC || code == SVM_EXIT_RDTSCP) {
		ghcb_set_rax(g, (uint32_t)fake_hv.tsc);
		ghcb_set_rdx(g, fake_hv.tsc >> 32);
		if (code == SVM_EXIT_RDTSCP)
			ghcb_set_rcx(g, fake_hv.tsc_aux);
	} else if (code == SVM_VMGEXIT_AP_CREATION) {
		uint64_t *rec = fake_hv.ap_creations[fake_hv.ap_creation_count++ % 16];
		rec[0] = req->save.sw_exit_info_1;
		rec[1] = req->save.sw_exit_info_2;
		rec[2] = req->save.rax;
	} else if (code == SVM_VMGEXIT_HV_FEATURES) {
		ghcb_set_sw_exit_info_2(g, fake_hv.features);
	}
}

/** The out-of-spec answers of enum fake_hostile. */
static void answer_hostile(struct ghcb *g)
{
	switch (fake_hv.hostile) {
	case FAKE_HOSTILE_PF_EVENT:
		answer_event(g, SVM_EVT_MAKE(14, SVM_EVT_TYPE_EXCEPTION, true, 0));
		break;
	case FAKE_HOSTILE_INFO1_2:
		ghcb_set_sw_exit_info_1(g, GHCB_RESULT_MALFORMED);
		ghcb_set_sw_exit_info_2(g, GHCB_ERR_INVALID_INPUT);
		break;
	case FAKE_HOSTILE_INFO1_UNKNOWN:
		ghcb_set_sw_exit_info_1(g, 3);
		break;
	case FAKE_HOSTILE_NO_VALID:
		ghcb_valid_clear_all(g);
		break;
	default:
		break;
	}
}

static void record_exit(const struct ghcb *g)
{
	if (fake_hv.exit_count == fake_hv.exit_cap) {
		fake_hv.exit_cap = fake_hv.exit_cap ? 2 * fake_hv.exit_cap : 64;
		fake_hv.exits = realloc(fake_hv.exits, fake_hv.exit_cap * sizeof(*g));
		if (!fake_hv.exits)
			record_full("exits (out of memory)");
	}
	fake_hv.exits[fake_hv.exit_count++] = *g;
}

static void answer(struct ghcb *g, const struct ghcb *req, uint64_t ghcb_gpa);

void hw_vmgexit(uint64_t ghcb_gpa)
{
	static struct ghcb request; /* no_records: the request, as the answer overwrites it */
	struct ghcb *g = fake_mem(ghcb_gpa);
	const struct ghcb *req = &request;
	if (fake_hv.no_records) {
		request.save = g->save; /* the shared buffer is read in place */
		request.protocol_version = g->protocol_version;
		request.ghcb_usage = g->ghcb_usage;
	} else {
		record_exit(g);
		req = fake_hv_last_exit();
	}
	answer(g, req, ghcb_gpa);
	if (fake_hv.on_answer)
		fake_hv.on_answer(g, req);
}

static void answer(struct ghcb *g, const struct ghcb *req, uint64_t ghcb_gpa)
{
	fake_hv.served++;
	uint64_t err = ghcb_gpa == fake_hv.registered_gpa ? check_request(req)
							  : GHCB_ERR_NOT_REGISTERED;
	ghcb_valid_clear_all(g); /* KVM clears it once it has read the request */
	if (err) {
		fake_hv.bad_requests++;
		fake_hv.last_error = err;
		ghcb_set_sw_exit_info_1(g, GHCB_RESULT_MALFORMED);
		ghcb_set_sw_exit_info_2(g, err);
		return;
	}
	ghcb_set_sw_exit_info_1(g, GHCB_RESULT_OK);
	ghcb_set_sw_exit_info_2(g, 0);
	if (fake_hv.next_event) {
		answer_event(g, fake_hv.next_event);
		fake_hv.next_event = 0;
		return;
	}
	nae_serve(g, req);
	answer_hostile(g);
}
