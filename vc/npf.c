/* SPDX-License-Identifier: MIT */
/*
 * #VC 0x400: the guest touched device space (the NPT's reserved-bit MMIO
 * marker; EXITINFO2 = the GPA).  The instruction is decoded and run by the
 * emulation engine (decoder/emul.h) with hooks that send accesses to the
 * faulting device page to the device model or the hypervisor (GHCB MMIO),
 * and accesses to guest RAM to guest RAM.  At least one access must hit the
 * page that faulted (the bytes are re-read and can have changed).  An
 * instruction with a memory operand that the engine does not run (x87, SSE
 * arithmetic, far pointers, ...) is the guest's #UD, with a log line that
 * names it.
 */
#include "platform/platform.h"
#include "core/ghcb_call.h"
#include "core/guest_mem.h"
#include "core/mm.h"
#include "vc/vc.h"
#include "core/stats.h"
#include "svm.h"

#include "decoder/emul.h"

#include <lib/string.h>

static enum emul_result translate(struct emul_ctxt *c, uint64_t gva, bool write, uint64_t *gpa)
{
	const struct vc_emul *m = c->opaque;
	uint32_t err;
	switch (guest_linear_to_gpa(m->e->vmsa, gva, write, gpa, &err)) {
	case GUEST_WALK_OK:
		return EMUL_OK;
	case GUEST_WALK_PF:
		emul_page_fault(c, gva, err);
		return EMUL_EXCEPTION;
	default:
		return EMUL_UNHANDLEABLE;
	}
}

PV_COUNTER(at_faulting_gpa, "mmio: accesses placed at the faulting GPA, no table walk");

/** Where an access goes: guest RAM (*ram set) or device space (the
 * paravisor's own region, not in the guest's e820, counts as a hole in
 * it: device()). */
static enum emul_result place(struct emul_ctxt *c, uint64_t gva, unsigned int size, bool write,
			      uint64_t *gpa, bool *ram)
{
	struct vc_emul *m = c->opaque;
	enum emul_result r = EMUL_OK;
	if (m->one_access && write == m->fault_write && !((gva ^ m->fault_gpa) & ~PAGE_MASK)) {
		*gpa = m->fault_gpa; /* the access that faulted: the hardware translated it */
		pv_count(&at_faulting_gpa);
	} else
		r = translate(c, gva, write, gpa);
	if (r != EMUL_OK)
		return r;
	if ((*gpa & PAGE_MASK) != ((*gpa + size - 1) & PAGE_MASK))
		return EMUL_UNHANDLEABLE; /* split across pages: not for devices */
	*ram = guest_gpa_ok(*gpa, size);
	if (*ram)
		return EMUL_OK;
	if ((*gpa & PAGE_MASK) == m->fault_page)
		m->hit = true;
	return EMUL_OK;
}

PV_COUNTER(pv_region_accesses, "npf: guest accesses to the paravisor's region (a hole)");

/**
 * The guest touched the paravisor's region (VMPL1 holds no permission
 * there: the hardware's #NPF, APM vol. 2, 15.36.10, comes to VMPL0).  Its
 * e820 has no memory there, so it gets what a hole in the physical address
 * space gives on bare metal, where no device claims the access: reads all
 * ones, writes dropped (as platform.c answers the absent TPM's range);
 * nothing of it reaches the paravisor's memory or the hypervisor.
 * Counted, logged once.
 */
static bool pv_region_hole(uint64_t gpa, unsigned int size, bool write, uint64_t *v)
{
	static bool told;
	if (gpa < mm.pv_base || gpa >= mm.pv_end)
		return false;
	pv_count(&pv_region_accesses);
	if (!__atomic_exchange_n(&told, true, __ATOMIC_RELAXED))
		pv_notice("guest %s of the paravisor's region at GPA %#lx: a hole to it",
			  write ? "write" : "read", (unsigned long)gpa);
	if (!write)
		*v = size == 8 ? ~0ULL : (1ULL << (8 * size)) - 1;
	return true;
}

/** size bytes of device space, in pieces of at most 8 bytes (a 16- or
 * 32-byte vector move is several device accesses, as KVM splits them). */
static enum emul_result device(struct emul_ctxt *c, uint64_t gpa, void *buf, unsigned int size,
			       bool write)
{
	for (unsigned int done = 0; done < size;) {
		unsigned int n = MIN(size - done, 8u);
		uint64_t v = 0;
		struct x86_fault f;
		if (write)
			memcpy(&v, (uint8_t *)buf + done, n);
		if (!pv_region_hole(gpa + done, n, write, &v) &&
		    !devices_mmio(gpa + done, n, write, &v) &&
		    ghcb_mmio(gpa + done, n, write, &v, &f) == GHCB_STATUS_EXCEPTION) {
			emul_raise(c, f.vector, f.error); /* the hypervisor's #GP or #UD */
			return EMUL_EXCEPTION;
		}
		if (!write)
			memcpy((uint8_t *)buf + done, &v, n);
		done += n;
	}
	return EMUL_OK;
}

/** One access of the instruction: device space or guest RAM, nothing else. */
static enum emul_result access(struct emul_ctxt *c, uint64_t gva, void *buf, unsigned int size,
			       bool write)
{
	uint64_t gpa;
	bool ram;
	enum emul_result r = place(c, gva, size, write, &gpa, &ram);
	if (r != EMUL_OK)
		return r;
	if (!ram)
		return device(c, gpa, buf, size, write);
	if (write)
		memcpy(mm_private_va(gpa), buf, size);
	else
		memcpy(buf, mm_private_va(gpa), size);
	return EMUL_OK;
}

/* A LOCKed read-modify-write on device space: the read, the compare and
 * the write under one lock, so no other vCPU's locked access to any device
 * comes between them (a bus lock, as LOCK on uncacheable memory is). */
static spinlock_t device_lock;

static bool ram_cmpxchg(void *p, void *old, const void *new, unsigned int size)
{
	switch (size) {
	case 1:
		return __atomic_compare_exchange_n((uint8_t *)p, (uint8_t *)old,
						   *(const uint8_t *)new, false, __ATOMIC_SEQ_CST,
						   __ATOMIC_SEQ_CST);
	case 2:
		return __atomic_compare_exchange_n((uint16_t *)p, (uint16_t *)old,
						   *(const uint16_t *)new, false, __ATOMIC_SEQ_CST,
						   __ATOMIC_SEQ_CST);
	case 4:
		return __atomic_compare_exchange_n((uint32_t *)p, (uint32_t *)old,
						   *(const uint32_t *)new, false, __ATOMIC_SEQ_CST,
						   __ATOMIC_SEQ_CST);
	case 8:
		return __atomic_compare_exchange_n((uint64_t *)p, (uint64_t *)old,
						   *(const uint64_t *)new, false, __ATOMIC_SEQ_CST,
						   __ATOMIC_SEQ_CST);
	default: { /* 16, 16-byte aligned: LOCK CMPXCHG16B itself */
		uint64_t *o = old;
		const uint64_t *w = new;
		bool ok;
		__asm__ volatile("lock cmpxchg16b %[m]"
				 : [m] "+m"(*(volatile uint64_t(*)[2])p), "+a"(o[0]), "+d"(o[1]),
				   "=@ccz"(ok)
				 : "b"(w[0]), "c"(w[1])
				 : "memory");
		return ok;
	}
	}
}

static enum emul_result cmpxchg_mem(struct emul_ctxt *c, uint64_t gva, void *old, const void *new,
				    unsigned int size, bool *ok)
{
	uint64_t gpa;
	bool ram;
	uint8_t cur[16];
	enum emul_result r = place(c, gva, size, true, &gpa, &ram);
	if (r != EMUL_OK)
		return r;
	if (ram) {
		*ok = ram_cmpxchg(mm_private_va(gpa), old, new, size);
		return EMUL_OK;
	}
	spin_lock(&device_lock);
	r = device(c, gpa, cur, size, false);
	*ok = r == EMUL_OK && !memcmp(cur, old, size);
	if (r == EMUL_OK && *ok)
		r = device(c, gpa, (void *)new, size, true);
	spin_unlock(&device_lock);
	if (r == EMUL_OK && !*ok)
		memcpy(old, cur, size);
	return r;
}

static enum emul_result read_mem(struct emul_ctxt *c, uint64_t gva, void *buf, unsigned int size)
{
	return access(c, gva, buf, size, false);
}

static enum emul_result write_mem(struct emul_ctxt *c, uint64_t gva, const void *buf,
				  unsigned int size)
{
	return access(c, gva, (void *)buf, size, true);
}

static const struct emul_ops mmio_ops = {
	.read_mem = read_mem,
	.write_mem = write_mem,
	.cmpxchg_mem = cmpxchg_mem,
	.insn_fetch = vc_emul_fetch,
};

/**
 * CLFLUSH, CLFLUSHOPT, CLWB and the prefetches on device space: they read
 * and write no data, and device memory is uncacheable, so there is nothing
 * to do but go on (APM vol. 3, "CLFLUSH": no exception for an uncacheable
 * line; the PREFETCH pages: a hint).  The CPU made the segment and page
 * checks before the exit (a nested fault follows the guest's own
 * translation); the operand must still be on the page that faulted (the
 * bytes were re-read).
 */
static enum vc_result cache_hint(struct vc_exit *e, struct emul_ctxt *c)
{
	uint64_t la, gpa;
	bool ram;
	enum emul_result r = emul_mem_linear(c, false, &la);
	if (r == EMUL_OK)
		r = place(c, la, 1, false, &gpa, &ram);
	if (r == EMUL_EXCEPTION)
		return vc_raise(e, c->out.fault);
	if (r != EMUL_OK || !((struct vc_emul *)c->opaque)->hit)
		return VC_DECODE_FAILED;
	emul_finish(c);
	vc_emul_commit(e, &c->out);
	e->nrip = c->out.rip;
	return VC_OK;
}

PV_HIST_NAMED(exits_by_mmio_page, "exits by MMIO page", devices_mmio_label);

/**
 * Whether the instruction makes exactly one data access, so that the one the
 * hardware faulted on is it, and its GPA needs no walk of the guest's page
 * tables.  EXITINFO1 is the nested page fault's error code (APM vol. 2,
 * 15.25.6): RSV for the MMIO marker, RW for a write; a fault during the
 * guest's own table walk (bit 33) or on an instruction fetch (ID) is not
 * the data access.  place() still takes the hardware's GPA only for an
 * access in the faulting direction at the same page offset; anything else
 * (bytes changed by another vCPU since the fault) is walked as before.
 * Exact: the CPU checked the guest's translation and its permissions for
 * this access before it faulted, at the same CPL.
 */
static bool single_access(const struct vc_exit *e, const struct insn *insn)
{
	switch (insn->cls) {
	case INSN_MOV_LOAD:
	case INSN_MOV_STORE:
	case INSN_MOV_STORE_IMM:
	case INSN_MOVZX:
	case INSN_MOVSX:
		break;
	default:
		return false;
	}
	return (e->info1 & SVM_NPF_RSV) && !(e->info1 & (SVM_NPF_ID | SVM_NPF_PT_WALK));
}

enum vc_result vc_handle_npf(struct vc_exit *e)
{
	pv_hist_count(&exits_by_mmio_page, e->info2 & PAGE_MASK);
	struct vc_emul m = { .fault_page = e->info2 & PAGE_MASK };
	struct emul_ctxt c;
	vc_emul_start(&c, e, &m);
	c.in.rep_limit = 64;
	c.in.wide_mem = true; /* vector moves of 16 and 32 bytes */
	/* Decoded first, so that the 512 bytes of XMM/YMM state are copied from
	 * the VMSA only for the SSE/AVX moves, not for every MOV to a device. */
	enum emul_result r = vc_emul_decode(&c);
	if (r == EMUL_OK && c.insn.cls == INSN_CACHE_HINT)
		return cache_hint(e, &c);
	if (r == EMUL_OK && single_access(e, &c.insn)) {
		m.one_access = true;
		m.fault_write = e->info1 & SVM_NPF_RW;
		m.fault_gpa = e->info2;
	}
	if (r == EMUL_OK && emul_needs_vec(&c))
		vc_emul_load_vec(&c, e);
	if (r == EMUL_OK)
		r = emul_execute(&c, &mmio_ops);
	if (r == EMUL_UNHANDLEABLE && c.insn_valid && c.insn.touches_mem && !emul_runs(&c.insn)) {
		/* an instruction the engine does not run on memory (x87, SSE arithmetic,
		 * far pointers, CALL through memory, ...): to the guest it is one this
		 * machine does not have, #UD, with a line that names it; the VM goes on */
		pv_notice("MMIO at GPA %#lx: %s at rip %#lx is not emulated: #UD",
			  (unsigned long)e->info2, insn_mnemonic(&c.insn),
			  (unsigned long)e->vmsa->rip);
		return vc_raise(e, x86_fault_ud());
	}
	if (r == EMUL_UNHANDLEABLE) {
		pv_notice("MMIO at GPA %#lx: %s instruction at rip %#lx not emulated",
			  (unsigned long)e->info2,
			  c.insn_valid ? insn_class_name(c.insn.cls) : "undecoded",
			  (unsigned long)e->vmsa->rip);
		return VC_DECODE_FAILED;
	}
	vc_emul_commit(e, &c.out);
	if (r == EMUL_EXCEPTION)
		return vc_raise(e, c.out.fault);
	if (!m.hit)
		return VC_DECODE_FAILED; /* the bytes do not touch the faulting page */
	if (r == EMUL_RETRY)
		return VC_RETRY;
	e->nrip = c.out.rip;
	return VC_OK;
}
