/* SPDX-License-Identifier: MIT */
/*
 * Hostile mode: the hypervisor half of snpemu misbehaves on purpose, so that
 * security tests can check that the guest (the paravisor) notices.  Chosen
 * through fw_cfg opt/snpemu/config "hostile=..." (config.c).  The hardware
 * half (RMP, PVALIDATE, #VC) stays honest: these are exactly the attacks a
 * real host can mount.
 */
#include "ghcb.h"
#include "hv_doorbell.h"
#include "svm.h"
#include "vm.h"

#include <lib/string.h>

#include "devices/cmos.h"
#include "devices/fwcfg.h"

static uint64_t vmgexit_count;
static uint64_t exit_count;
static uint64_t last_validated_gpa = ~0ULL;
static bool guest_started; /* a VMGEXIT saw a VMPL1 VMSA */

bool hostile_refuse_psc(void)
{
	if (config.hostile_psc_refuse)
		log_printf("hostile: refusing a page state change");
	return config.hostile_psc_refuse;
}

void hostile_note_validated(uint64_t gpa)
{
	last_validated_gpa = gpa;
}

/** RMPUPDATE gpa's page: it comes back guest-owned but not validated, its
 * contents gone. */
static void unvalidate(uint64_t gpa, const char *what)
{
	gpa &= PAGE_MASK & ~CBIT_MASK;
	if (!gpa_is_ram(gpa) || !(rmp_get(gpa)->flags & RMP_VALIDATED)) {
		log_printf("hostile: GPA %#lx (%s) is not a validated page: left alone",
			   (unsigned long)gpa, what);
		return;
	}
	log_printf("hostile: unvalidating GPA %#lx (%s) behind the guest's back",
		   (unsigned long)gpa, what);
	rmp_make_shared(gpa);
	rmp_make_private(gpa);
}

/**
 * At the configured VMGEXIT, RMPUPDATE one page: the page the guest
 * validated last (unvalidate@N), the page of VMPL0's stack (unvalidate-pv@N:
 * the VMGEXIT is VMPL0's, its page tables translate), or, counted from the
 * first VMGEXIT after VMPL1 has a VMSA, the page of VMPL1's stack
 * (unvalidate-guest@N: OVMF maps 1:1, so its RSP is the GPA).
 */
void hostile_on_vmgexit(struct vcpu *v)
{
	static uint64_t vmpl1_count;
	++vmgexit_count;
	guest_started |= v->ctx[1].vmsa != NULL;
	if (v->ctx[1].vmsa && ++vmpl1_count == config.hostile_unvalidate_guest_at)
		unvalidate(v->ctx[1].vmsa->rsp - 8, "VMPL1 stack");
	if (vmgexit_count == config.hostile_unvalidate_pv_at) {
		uint64_t gpa;
		uint32_t err;
		if (guest_virt_to_phys(v, v->vmcb->save.rsp - 8, true, &gpa, &err) == WALK_OK)
			unvalidate(gpa, "VMPL0 stack");
	}
	if (vmgexit_count == config.hostile_unvalidate_at && last_validated_gpa != ~0ULL)
		unvalidate(last_validated_gpa, "last validated");
}

bool hostile_psc_lie(void)
{
	static bool told;
	if (config.hostile_psc_lie && !told) {
		told = true;
		log_printf("hostile: page state changes answered done, the RMP left as it is");
	}
	return config.hostile_psc_lie;
}

/** Garbage above the answer's size in an IN's RAX (GHCB spec 2.03,
 * 4.1.2: only the low size bytes are the port's), in bits 63:32 of an
 * RDMSR's RAX and RDX, or CPUID values no CPUID page allows. */
static void widen_answer(struct ghcb *out, uint64_t code, uint64_t info1)
{
	const uint64_t junk = 0xA5A5A5A5A5A5A5A5ULL;
	if (code == SVM_EXIT_IOIO && config.hostile_ioio_wide && (info1 & SVM_IOIO_TYPE_IN) &&
	    !(info1 & SVM_IOIO_STR) && ghcb_valid_test(out, GHCB_OFF(rax))) {
		unsigned int bits = 8 * SVM_IOIO_DATA_SIZE(info1);
		ghcb_set_rax(out, out->save.rax | (junk << bits));
	}
	if (code == SVM_EXIT_MSR && config.hostile_msr_wide && info1 == GHCB_MSR_NAE_READ &&
	    ghcb_valid_test(out, GHCB_OFF(rax))) {
		ghcb_set_rax(out, (uint32_t)out->save.rax | (junk << 32));
		ghcb_set_rdx(out, (uint32_t)out->save.rdx | (junk << 32));
	}
	if (code == SVM_EXIT_CPUID && config.hostile_cpuid_bogus) {
		ghcb_set_rax(out, junk);
		ghcb_set_rbx(out, junk);
		ghcb_set_rcx(out, junk);
		ghcb_set_rdx(out, junk);
	}
}

/**
 * A wrong answer for the GHCB call just handled: registers the guest must
 * not trust, or an event the guest must refuse (only #GP/#UD are legal);
 * or the page as the guest wrote it, its request read back as the answer
 * (stale); or a proper answer whose outputs are not marked valid (GHCB
 * spec 2.03, 2.3.1: the hypervisor sets the valid bit of every field it
 * returns).
 */
void hostile_corrupt_answer(struct ghcb *out, const struct ghcb *in, uint64_t code, uint64_t info1)
{
	widen_answer(out, code, info1);
	if (config.hostile_ghcb_stale) {
		memcpy(out, in, sizeof(*out));
		return;
	}
	if (config.hostile_ghcb_novalid && !(out->save.sw_exit_info_1 & GHCB_RESULT_MASK)) {
		ghcb_valid_clear_all(out);
		return;
	}
	if (!config.hostile_ghcb_bogus)
		return;
	switch (code) {
	case SVM_EXIT_CPUID:
	case SVM_EXIT_IOIO:
	case SVM_EXIT_MSR:
		ghcb_set_rax(out, 0xBADC0FFEE0DDF00DULL);
		ghcb_set_rdx(out, 0xBADC0FFEE0DDF00DULL);
		break;
	default:
		ghcb_set_sw_exit_info_1(out, GHCB_RESULT_EXCEPTION);
		ghcb_set_sw_exit_info_2(out, SVM_EVT_MAKE(14, SVM_EVT_TYPE_EXCEPTION, true, 0));
	}
	log_printf("hostile: bogus answer to GHCB exit code %#lx", (unsigned long)code);
}

/** An MMIO read's shared buffer: garbage in the bytes after the size. */
void hostile_mmio_pad(uint8_t *data, uint64_t len)
{
	if (!config.hostile_mmio_wide || ((uintptr_t)data & (PAGE_SIZE - 1)) + len + 8 > PAGE_SIZE)
		return;
	memset(data + len, 0xA5, 8);
}

/** Every 64th pass with an empty doorbell: the configured vector posted
 * there, reserved flag bits set; true if #HV must be signalled. */
bool hostile_doorbell(struct hv_doorbell *db)
{
	static uint64_t passes;
	if (!config.hostile_hv_vector || ++passes % 64 || db->vector)
		return false;
	db->vector = (uint8_t)config.hostile_hv_vector;
	db->flags |= HVDB_FLAG_NO_FURTHER_SIGNAL | 0xF0;
	db->no_eoi_required = 0xFF;
	return true;
}

static uint32_t noise(void)
{
	static uint32_t x = 0x2545F491;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return x;
}

/** The guest reads a port: true with *val if the hypervisor lies.
 * select/offset: the guest's fw_cfg item and read position. */
bool hostile_port_in(uint16_t port, unsigned int size, uint32_t *val, uint16_t select,
		     uint32_t offset, uint8_t cmos_index)
{
	uint16_t key = select & 0x3FFF;
	if (port == FWCFG_PORT_DATA && key == FWCFG_KEY_NB_CPUS && config.hostile_cpus_set) {
		uint8_t le[2] = { (uint8_t)config.hostile_cpus,
				  (uint8_t)(config.hostile_cpus >> 8) };
		*val = 0;
		for (unsigned int i = 0; i < size; i++)
			if (offset + i < 2)
				*val |= (uint32_t)le[offset + i] << (8 * i);
		return true;
	}
	if (port == FWCFG_PORT_DATA && key == FWCFG_KEY_FILE_DIR && config.hostile_fwcfg_dir_huge &&
	    offset < 4) {
		static const uint8_t count[4] = { 0, 0, 0xFF, 0xFF }; /* big-endian 65535 */
		*val = 0;
		for (unsigned int i = 0; i < size && offset + i < 4; i++)
			*val |= (uint32_t)count[offset + i] << (8 * i);
		return true;
	}
	if (port == 0x42 && config.hostile_pit_lie) {
		*val = noise() & 0xFF;
		return true;
	}
	/* the RTC's time and date registers, until VMPL1 has a VMSA: the
	 * paravisor's clock start-up only (clock_init) */
	if (port == CMOS_PORT_DATA && config.hostile_rtc_lie && !guest_started &&
	    (cmos_index <= RTC_REG_YEAR || cmos_index == RTC_REG_CENTURY)) {
		*val = 0xFF;
		return true;
	}
	return false;
}

/** The guest's etc/e820 (n of max entries, 20 bytes each): with
 * e820-overlap one RAM entry more over low memory above 1 MiB, the
 * paravisor's region included, up to 3.5 GiB, and one from 4 GiB to
 * 64 GiB, far past the VM's RAM. */
unsigned int hostile_e820(uint8_t *e820, unsigned int n, unsigned int max)
{
	static const uint64_t lies[2][2] = { { 1ULL << 20, (7ULL << 29) - (1ULL << 20) },
					     { 4ULL << 30, 60ULL << 30 } };
	if (!config.hostile_e820_overlap)
		return n;
	for (unsigned int i = 0; i < 2 && n < max; i++, n++) {
		uint8_t *e = e820 + n * 20;
		uint32_t ram = 1;
		memcpy(e, &lies[i][0], 8);
		memcpy(e + 8, &lies[i][1], 8);
		memcpy(e + 16, &ram, 4);
	}
	log_printf("hostile: etc/e820 claims RAM over [1 MiB, 3.5 GiB) and [4 GiB, 64 GiB)");
	return n;
}

/** The guest's fw_cfg directory: with e820-huge, etc/e820 is 16 MiB. */
void hostile_fwcfg_dir(struct fwcfg_filter *f)
{
	if (!config.hostile_e820_huge)
		return;
	for (uint32_t off = 4; off + FWCFG_FILE_ENTRY <= f->dir_len; off += FWCFG_FILE_ENTRY)
		if (!strncmp((const char *)f->dir + off + 8, "etc/e820", 56)) {
			f->dir[off] = 0x01; /* big-endian 0x01000000 */
			f->dir[off + 1] = f->dir[off + 2] = f->dir[off + 3] = 0;
			log_printf("hostile: fw_cfg says etc/e820 is 16 MiB");
		}
}

/** Every N exits, a #HV with nothing pending. */
bool hostile_spurious_hv(void)
{
	return config.hostile_spurious_hv && ++exit_count % config.hostile_spurious_hv == 0;
}
