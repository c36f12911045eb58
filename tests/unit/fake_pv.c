/* SPDX-License-Identifier: MIT */
/* The host's stand-ins for core/mm.c, core/log.c and core/panic.c (fake_pv.h). */
#include "fake_pv.h"
#include "fake_hw.h"
#include "core/ghcb_call.h"
#include "run/irq.h"
#include "platform/apic.h"

#include <paravisor_layout.h>
#include <sev.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <cmocka.h>

struct fake_pv fake_pv;
struct fake_guest fake_guest;
struct mm_layout mm;

static uint8_t *guest_ram;

static void reset_state(void);

void fake_pv_reset(void)
{
	if (!guest_ram) {
		guest_ram = mmap(NULL, FAKE_MEM_SIZE, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (guest_ram == MAP_FAILED) {
			perror("fake_pv: 8 GiB of guest memory");
			abort();
		}
	} else if (madvise(guest_ram, FAKE_MEM_SIZE, MADV_DONTNEED)) { /* zero it */
		perror("fake_pv: madvise");
		abort();
	}
	reset_state();
}

void fake_pv_reset_quick(const uint64_t *pages, size_t count)
{
	if (!guest_ram) {
		fake_pv_reset();
		return;
	}
	for (size_t i = 0; i < count; i++)
		memset(fake_mem(pages[i] & PAGE_MASK), 0, PAGE_SIZE);
	reset_state();
}

static void reset_state(void)
{
	memset(&fake_pv, 0, sizeof(fake_pv));
	fake_pv.cbit = FAKE_CBIT;
	fake_pv.alloc_next = FAKE_PV_BASE;
	mm = (struct mm_layout){
		.ram = { { 0, 0xA0000 }, { 0x100000, FAKE_RAM_END } },
		.ram_count = 2,
		.pv_base = FAKE_PV_BASE,
		.pv_end = FAKE_RAM_END,
		.fw_base = FAKE_FW_BASE,
		.fw_end = FAKE_FW_END,
		.map_end = 4ULL << 30,
		.guest_vtom = pv_guest_vtom(FAKE_RAM_END),
	};
}

void fake_pv_high_ram(uint64_t end)
{
	CHECK(end > (4ULL << 30) && end <= FAKE_MEM_SIZE && mm.ram_count < MM_MAX_RANGES);
	mm.ram[mm.ram_count++] = (struct mm_range){ 4ULL << 30, end };
	mm.map_end = ALIGN_UP(end, 1ULL << 30);
	mm.guest_vtom = pv_guest_vtom(end);
}

void *fake_mem(uint64_t gpa)
{
	CHECK(guest_ram && gpa < FAKE_MEM_SIZE);
	return guest_ram + gpa;
}

bool fake_pv_log_has(const char *text)
{
	fake_pv.log[MIN(fake_pv.log_len, sizeof(fake_pv.log) - 1)] = 0;
	return strstr(fake_pv.log, text) != NULL;
}

/* ---- core/log.c, core/panic.c ---------------------------------------- */

void pv_log(enum log_level level, const char *fmt, ...)
{
	static const char *const prefix[] = { "error: ", "notice: ", "", "" };
	size_t room = sizeof(fake_pv.log) - fake_pv.log_len;
	va_list ap;
	int n;

	if (room < 2)
		return;
	n = snprintf(fake_pv.log + fake_pv.log_len, room, "%s", prefix[level]);
	fake_pv.log_len += MIN((size_t)n, room - 1);
	room = sizeof(fake_pv.log) - fake_pv.log_len;
	va_start(ap, fmt);
	n = vsnprintf(fake_pv.log + fake_pv.log_len, room, fmt, ap);
	va_end(ap);
	fake_pv.log_len += MIN((size_t)n, room - 1);
	if (fake_pv.log_len < sizeof(fake_pv.log) - 1)
		fake_pv.log[fake_pv.log_len++] = '\n';
}

_Noreturn void pv_terminate(unsigned int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(fake_pv.term_msg, sizeof(fake_pv.term_msg), fmt, ap);
	va_end(ap);
	fake_pv.terminated = true;
	fake_pv.term_code = code;
	if (fake_pv.catcher)
		longjmp(*fake_pv.catcher, 1);
	fail_msg("unexpected termination %u: %s", code, fake_pv.term_msg);
	abort(); /* fail_msg does not return; for the compiler */
}

/* ---- core/mm.c ------------------------------------------------------- */

unsigned int mm_cbit_position(void)
{
	return fake_pv.cbit;
}

void *mm_private_va(uint64_t gpa)
{
	return fake_mem(gpa);
}

/** No C-bit on the host: the shared view is the same memory. */
void *mm_shared_va(uint64_t gpa)
{
	return fake_mem(gpa);
}

uint64_t mm_virt_to_phys(const void *va)
{
	const uint8_t *p = va;
	CHECK(guest_ram && p >= guest_ram && p < guest_ram + FAKE_MEM_SIZE);
	return (uint64_t)(p - guest_ram);
}

void *mm_alloc_pages(uint64_t count)
{
	uint64_t gpa = fake_pv.alloc_next;
	if (gpa + count * PAGE_SIZE > mm.pv_end)
		pv_terminate(PV_TERM_NO_MEMORY, "fake: out of paravisor memory");
	fake_pv.alloc_next += count * PAGE_SIZE;
	return memset(fake_mem(gpa), 0, count * PAGE_SIZE);
}

/** As core/mm.c: rescind the validation, then page state change. */
void mm_make_shared(uint64_t gpa)
{
	bool unchanged;
	CHECK(fake_pv.made_shared_count < ARRAY_SIZE(fake_pv.made_shared));
	fake_pv.made_shared[fake_pv.made_shared_count++] = gpa;
	CHECK(hw_pvalidate(gpa, false, false, &unchanged) == PVALIDATE_SUCCESS);
	ghcb_msr_psc(gpa, true);
}

bool mm_is_guest_ram(uint64_t gpa)
{
	bool ram = false;
	for (unsigned int i = 0; i < mm.ram_count && !ram; i++)
		ram = mm.ram[i].start <= gpa && gpa < mm.ram[i].end;
	return ram && !(mm.pv_base <= gpa && gpa < mm.pv_end);
}

/* ---- the guest --------------------------------------------------------- */

/** core/main.c's: vCPU 0 of the tests, or the peer while it runs. */
struct vcpu *vcpu_this(void)
{
	return fake_guest.on_peer ? &fake_guest.peer : &fake_guest.vcpu;
}

struct vcpu *vcpu_by_index(unsigned int index)
{
	if (index == 0)
		return &fake_guest.vcpu;
	return index == 1 && fake_guest.peer.self ? &fake_guest.peer : NULL;
}

void fake_guest_add_peer(void)
{
	uint64_t svr = 0x1FF;
	struct vcpu *p = &fake_guest.peer;

	p->self = p;
	p->index = 1;
	p->apic_id = 1;
	p->ghcb = fake_guest.vcpu.ghcb;
	guest_apic_init(p);
	fake_guest.on_peer = true;
	guest_apic_mmio(0xF0, 4, true, &svr);
	fake_guest.on_peer = false;
}

void fake_guest_reset(void)
{
	memset(&fake_guest, 0, sizeof(fake_guest));
	fake_guest.vcpu.vmsa1 = &fake_guest.vmsa;
	fake_guest.vmsa.cr0 = 1 | BIT(4); /* PE, ET */
	fake_guest.vmsa.efer = BIT(12);	  /* SVME */
	/* flat 4 GiB segments, as firmware and kernels set them up */
	fake_guest.vmsa.cs = (struct vmsa_seg){ .selector = 0x10,
						.attrib = 0xC9B, /* code, G, D */
						.limit = 0xFFFFFFFF };
	const struct vmsa_seg data = { .selector = 0x18,
				       .attrib = 0xC93, /* data rw, G, B */
				       .limit = 0xFFFFFFFF };
	fake_guest.vmsa.ds = fake_guest.vmsa.es = fake_guest.vmsa.ss = data;
	fake_guest.vmsa.fs = fake_guest.vmsa.gs = data;
	fake_guest.vmsa.rip = FAKE_GUEST_RIP;
	fake_guest.vmsa.rflags = 2;
}

struct vc_exit *fake_guest_exit(uint64_t code, uint64_t info1, uint64_t info2,
				unsigned int insn_len)
{
	fake_guest.exit = (struct vc_exit){
		.vcpu = &fake_guest.vcpu,
		.vmsa = &fake_guest.vmsa,
		.code = code,
		.info1 = info1,
		.info2 = info2,
		.nrip = fake_guest.vmsa.rip + insn_len,
	};
	return &fake_guest.exit;
}

void fake_pv_boot(void)
{
	fake_pv_reset();
	fake_hv_reset();
	fake_guest_reset();
	ghcb_init_early();
	ghcb_init();
}

int fake_pv_setup(void **state)
{
	(void)state;
	fake_pv_boot();
	return 0;
}
