/* SPDX-License-Identifier: MIT */
/*
 * GHCB page calls (GHCB spec, NAE events and GHCB layout), answered as KVM's
 * sev_es_validate_vmgexit() and sev_handle_vmgexit() do:
 *
 *  - the GHCB must be a registered, hypervisor-owned (shared) page; a GHCB
 *    at any other GPA cannot be mapped and kills the guest;
 *  - the page is copied once; every input comes from the copy,
 *    outputs go to the live page with their valid bits, the valid bitmap of
 *    the live page is cleared first;
 *  - ghcb_usage != 0: malformed (INVALID_USAGE); sw_exit_code/info1/info2
 *    or a register the event needs not marked valid: MISSING_INPUT; an exit
 *    code snpemu does not implement: INVALID_EVENT; a scratch area outside
 *    the shared buffer and not in shared pages: INVALID_SCRATCH_AREA.
 */
#include "ghcb.h"
#include "sev.h"
#include "snpemu_abi.h"
#include "svm.h"
#include "vm.h"
#include "x86.h"

#include <lib/string.h>

#define SCRATCH_MAX (16 * PAGE_SIZE)
#define KVM_ENOSYS  1000
#define LAPIC_PAGE  0xFEE00000ULL

struct nae {
	struct vcpu *v;
	uint64_t gpa;	  /* GHCB GPA */
	struct ghcb in;	  /* snapshot: all inputs come from here */
	struct ghcb *out; /* the live page */
	uint64_t code, info1, info2;
};

static uint64_t malformed(struct nae *n, uint64_t reason)
{
	ghcb_set_sw_exit_info_1(n->out, GHCB_RESULT_MALFORMED);
	ghcb_set_sw_exit_info_2(n->out, reason);
	return reason;
}

static bool need(struct nae *n, size_t off)
{
	return ghcb_valid_test(&n->in, off);
}

/** Where scratch data lives (KVM setup_vmgexit_scratch): a scratch area
 * that begins in the GHCB page must lie in its shared buffer; elsewhere it
 * must be shared guest RAM, at most SCRATCH_MAX bytes.  Returns the host
 * pointer for [sw_scratch, +len) or NULL. */
static uint8_t *scratch(struct nae *n, uint64_t len, bool from_snapshot)
{
	uint64_t beg = n->in.save.sw_scratch;
	uint64_t end = beg + len;
	uint64_t buf_beg = n->gpa + offsetof(struct ghcb, shared_buffer);
	uint64_t buf_end = buf_beg + GHCB_SHARED_BUF_SIZE;
	if (!beg || end < beg)
		return NULL;
	if ((beg & PAGE_MASK) == n->gpa) {
		/* Begins in the GHCB page: must lie inside the shared buffer. */
		if (beg < buf_beg || end > buf_end)
			return NULL;
		uint8_t *base = from_snapshot ? (uint8_t *)&n->in : (uint8_t *)n->out;
		return base + (beg - n->gpa);
	}
	if (len > SCRATCH_MAX)
		return NULL;
	for (uint64_t p = beg & PAGE_MASK; p < end; p += PAGE_SIZE)
		if (!gpa_is_ram(p) || (rmp_get(p)->flags & RMP_ASSIGNED))
			return NULL;
	return gpa_to_hva(beg); /* shared RAM is contiguous 1:1 */
}

static void nae_cpuid(struct nae *n)
{
	uint32_t r[4];
	if (!need(n, GHCB_OFF(rax)) ||
	    ((uint32_t)n->in.save.rax == 0xD && !need(n, GHCB_OFF(xcr0)))) {
		malformed(n, GHCB_ERR_MISSING_INPUT);
		return;
	}
	uint32_t sub = need(n, GHCB_OFF(rcx)) ? (uint32_t)n->in.save.rcx : 0;
	snp_cpuid((uint32_t)n->in.save.rax, sub, r);
	ghcb_set_rax(n->out, r[0]);
	ghcb_set_rbx(n->out, r[1]);
	ghcb_set_rcx(n->out, r[2]);
	ghcb_set_rdx(n->out, r[3]);
}

static bool ioio_one(uint16_t port, unsigned int size, bool in, uint8_t *data)
{
	uint32_t v = 0;
	if (in) {
		if (!io_port_in(port, size, &v))
			return false;
		memcpy(data, &v, size);
		return true;
	}
	memcpy(&v, data, size);
	return io_port_out(port, size, v);
}

static void nae_ioio(struct nae *n)
{
	uint64_t info = n->info1;
	unsigned int size = SVM_IOIO_DATA_SIZE(info);
	bool in = info & SVM_IOIO_TYPE_IN;
	uint16_t port = SVM_IOIO_PORT(info);
	if (size != 1 && size != 2 && size != 4) {
		malformed(n, GHCB_ERR_INVALID_INPUT);
		return;
	}
	if (info & SVM_IOIO_STR) {
		uint64_t count = n->info2;
		if (!need(n, GHCB_OFF(sw_scratch))) {
			malformed(n, GHCB_ERR_MISSING_INPUT);
			return;
		}
		if (count > SCRATCH_MAX / size) {
			malformed(n, GHCB_ERR_INVALID_SCRATCH_AREA);
			return;
		}
		uint8_t *src = scratch(n, count * size, true);
		uint8_t *dst = scratch(n, count * size, false);
		if (!src || !dst) {
			malformed(n, GHCB_ERR_INVALID_SCRATCH_AREA);
			return;
		}
		for (uint64_t i = 0; i < count; i++) {
			uint8_t *elem = (in ? dst : src) + i * size;
			if (!ioio_one(port, size, in, elem)) {
				malformed(n, GHCB_ERR_INVALID_INPUT);
				return;
			}
		}
		return;
	}
	if (!in && !need(n, GHCB_OFF(rax))) {
		malformed(n, GHCB_ERR_MISSING_INPUT);
		return;
	}
	uint64_t rax = n->in.save.rax;
	if (!ioio_one(port, size, in, (uint8_t *)&rax)) {
		malformed(n, GHCB_ERR_INVALID_INPUT);
		return;
	}
	if (in)
		ghcb_set_rax(n->out, rax);
}

static void nae_msr(struct nae *n)
{
	bool write = n->info1 == GHCB_MSR_NAE_WRITE;
	if (n->info1 > 1) {
		malformed(n, GHCB_ERR_INVALID_INPUT);
		return;
	}
	if (!need(n, GHCB_OFF(rcx)) ||
	    (write && (!need(n, GHCB_OFF(rax)) || !need(n, GHCB_OFF(rdx))))) {
		malformed(n, GHCB_ERR_MISSING_INPUT);
		return;
	}
	uint32_t msr = (uint32_t)n->in.save.rcx;
	uint64_t val = 0;
	enum msr_result r = write ? hv_msr_write(n->v, msr,
						 ((uint64_t)(uint32_t)n->in.save.rdx << 32) |
							 (uint32_t)n->in.save.rax)
				  : hv_msr_read(n->v, msr, &val);
	if (r == MSR_GP) {
		ghcb_set_sw_exit_info_1(n->out, GHCB_RESULT_EXCEPTION);
		ghcb_set_sw_exit_info_2(n->out, SVM_EVT_MAKE(13, SVM_EVT_TYPE_EXCEPTION, true, 0));
		return;
	}
	if (!write) {
		ghcb_set_rax(n->out, (uint32_t)val);
		ghcb_set_rdx(n->out, val >> 32);
	}
}

static void nae_mmio(struct nae *n, bool write)
{
	uint64_t gpa = n->info1, len = n->info2;
	if (!need(n, GHCB_OFF(sw_scratch))) {
		malformed(n, GHCB_ERR_MISSING_INPUT);
		return;
	}
	uint8_t *data = scratch(n, len, write);
	if (!data) {
		malformed(n, GHCB_ERR_INVALID_SCRATCH_AREA);
		return;
	}
	/* The local APIC is the hypervisor's to emulate, through the x2APIC
     * MSRs (msr.c); its xAPIC page never reaches the real one. */
	if (len == 0 || len > 8 || (gpa & PAGE_MASK) != ((gpa + len - 1) & PAGE_MASK) ||
	    !gpa_is_mmio(gpa) || !gpa_is_mmio(gpa + len - 1) || (gpa & PAGE_MASK) == LAPIC_PAGE) {
		malformed(n, GHCB_ERR_INVALID_INPUT);
		return;
	}
	uint64_t val = 0;
	if (write) {
		memcpy(&val, data, len);
		if (!mmio_write(gpa, (unsigned int)len, val))
			malformed(n, GHCB_ERR_INVALID_INPUT);
		return;
	}
	if (!mmio_read(gpa, (unsigned int)len, &val)) {
		malformed(n, GHCB_ERR_INVALID_INPUT);
		return;
	}
	memcpy(data, &val, len);
	hostile_mmio_pad(data, len);
}

/** Applies one PSC entry from cur_page on; returns a PSC_ERR_* value. */
static uint64_t psc_entry(struct psc_entry *e)
{
	unsigned int op = psc_entry_op(*e);
	uint64_t gpa = psc_entry_gfn(*e) << PAGE_SHIFT;
	uint64_t pages = psc_entry_page_size(*e) == PSC_PAGE_2M ? 512 : 1;
	if ((op != PSC_OP_PRIVATE && op != PSC_OP_SHARED) || (e->raw & PSC_ENTRY_RSVD_MASK) ||
	    (pages == 512 && (gpa & (PAGE_2M - 1))) || psc_entry_cur_page(*e) > pages)
		return PSC_ERR_INVALID_ENTRY;
	for (uint64_t i = 0; i < pages; i++)
		if (!gpa_is_ram(gpa + i * PAGE_SIZE))
			return PSC_ERR_INVALID_ENTRY;
	for (uint64_t i = psc_entry_cur_page(*e); i < pages && !hostile_psc_lie(); i++) {
		if (op == PSC_OP_PRIVATE)
			rmp_make_private(gpa + i * PAGE_SIZE);
		else
			rmp_make_shared(gpa + i * PAGE_SIZE);
	}
	e->raw = (e->raw & ~PSC_ENTRY_CUR_PAGE_MASK) | pages;
	return PSC_ERR_OK;
}

static void nae_psc(struct nae *n)
{
	if (!need(n, GHCB_OFF(sw_scratch))) {
		malformed(n, GHCB_ERR_MISSING_INPUT);
		return;
	}
	const struct psc_desc *src = (const void *)scratch(n, sizeof(struct psc_hdr), true);
	if (!src) {
		malformed(n, GHCB_ERR_INVALID_SCRATCH_AREA);
		return;
	}
	struct psc_hdr h = src->hdr;
	if (h.end_entry >= PSC_MAX_ENTRIES || h.cur_entry > h.end_entry) {
		ghcb_set_sw_exit_info_2(n->out, PSC_ERR_INVALID_HDR);
		return;
	}
	uint64_t len = sizeof(struct psc_hdr) + (h.end_entry + 1) * sizeof(struct psc_entry);
	src = (const void *)scratch(n, len, true);
	struct psc_desc *dst = (void *)scratch(n, len, false);
	if (!src || !dst) {
		malformed(n, GHCB_ERR_INVALID_SCRATCH_AREA);
		return;
	}
	if (hostile_refuse_psc()) {
		ghcb_set_sw_exit_info_2(n->out, PSC_ERR_GENERIC);
		return;
	}
	for (unsigned int i = h.cur_entry; i <= h.end_entry; i++) {
		struct psc_entry e = src->entries[i];
		uint64_t err = psc_entry(&e);
		dst->entries[i] = e;
		if (err) {
			dst->hdr.cur_entry = (uint16_t)i;
			ghcb_set_sw_exit_info_2(n->out, err);
			return;
		}
	}
	dst->hdr.cur_entry = (uint16_t)(h.end_entry + 1);
}

static void nae_simple(struct nae *n)
{
	uint64_t tsc;
	switch (n->code) {
	case SVM_EXIT_RDTSC:
	case SVM_EXIT_RDTSCP:
		tsc = guest_tsc(n->v);
		ghcb_set_rax(n->out, (uint32_t)tsc);
		ghcb_set_rdx(n->out, tsc >> 32);
		if (n->code == SVM_EXIT_RDTSCP)
			ghcb_set_rcx(n->out, 0); /* TSC_AUX of vCPU 0 */
		break;
	case SVM_EXIT_DR7_READ:
		ghcb_set_rax(n->out, n->v->ctx[n->v->vmpl].dr7);
		break;
	case SVM_EXIT_DR7_WRITE:
		if (!need(n, GHCB_OFF(rax)))
			malformed(n, GHCB_ERR_MISSING_INPUT);
		else
			n->v->ctx[n->v->vmpl].dr7 = n->in.save.rax;
		break;
	case SVM_EXIT_VMMCALL:
		if (!need(n, GHCB_OFF(rax)) || !ghcb_cpl_is_valid(&n->in))
			malformed(n, GHCB_ERR_MISSING_INPUT);
		else
			ghcb_set_rax(n->out, (uint64_t)-KVM_ENOSYS); /* no hypercalls */
		break;
	case SVM_EXIT_WBINVD:
	case SVM_EXIT_INVD:
	case SVM_EXIT_MONITOR:
	case SVM_EXIT_MWAIT:
		break; /* nothing to do under TCG; MONITOR/MWAIT are NOPs */
	case SVM_VMGEXIT_HV_FEATURES:
		ghcb_set_sw_exit_info_2(n->out, hv_features());
		break;
	}
}

static void nae_ap_creation(struct nae *n)
{
	if (!need(n, GHCB_OFF(rax))) {
		malformed(n, GHCB_ERR_MISSING_INPUT);
		return;
	}
	uint64_t err = vcpu_ap_create(n->v, n->info1, n->info2, n->in.save.rax);
	if (err)
		malformed(n, err);
}

static void nae_hv_doorbell(struct nae *n)
{
	uint64_t out = 0;
	uint64_t err = hvdb_nae(n->v, n->info1, n->info2, &out);
	if (err)
		malformed(n, err);
	else
		ghcb_set_sw_exit_info_2(n->out, out);
}

static void nae_hv_ipi(struct nae *n)
{
	uint64_t icr = n->info1;
	struct vcpu *t = vcpu_by_apic_id((uint32_t)(icr >> 32));
	unsigned int mode = (icr >> 8) & 7;
	if (!t || mode != 0 || (icr & 0xFF) < 16 || ((icr >> 18) & 3)) {
		malformed(n, GHCB_ERR_INVALID_INPUT); /* fixed, physical, no shorthand */
		return;
	}
	lapic_send_ipi(t->apic_id, (uint32_t)icr & 0xFF);
}

static void nae_run_vmpl(struct nae *n)
{
	/* The answer is in the page before the switch, as KVM writes it. */
	if (!vcpu_run_vmpl(n->v, (unsigned int)(n->info1 & 0xFFFFFFFF)))
		malformed(n, GHCB_ERR_INVALID_INPUT);
}

static void nae_dispatch(struct nae *n)
{
	switch (n->code) {
	case SVM_EXIT_CPUID:
		nae_cpuid(n);
		break;
	case SVM_EXIT_IOIO:
		nae_ioio(n);
		break;
	case SVM_EXIT_MSR:
		nae_msr(n);
		break;
	case SVM_VMGEXIT_MMIO_READ:
		nae_mmio(n, false);
		break;
	case SVM_VMGEXIT_MMIO_WRITE:
		nae_mmio(n, true);
		break;
	case SVM_VMGEXIT_PSC:
		nae_psc(n);
		break;
	case SVM_EXIT_RDTSC:
	case SVM_EXIT_RDTSCP:
	case SVM_EXIT_DR7_READ:
	case SVM_EXIT_DR7_WRITE:
	case SVM_EXIT_VMMCALL:
	case SVM_EXIT_WBINVD:
	case SVM_EXIT_INVD:
	case SVM_EXIT_MONITOR:
	case SVM_EXIT_MWAIT:
	case SVM_VMGEXIT_HV_FEATURES:
		nae_simple(n);
		break;
	case SVM_VMGEXIT_AP_CREATION:
		nae_ap_creation(n);
		break;
	case SVM_VMGEXIT_HV_DOORBELL_PAGE:
		nae_hv_doorbell(n);
		break;
	case SVM_VMGEXIT_HV_IPI:
		nae_hv_ipi(n);
		break;
	case SVM_VMGEXIT_SNP_RUN_VMPL:
		nae_run_vmpl(n);
		break;
	case SVM_VMGEXIT_TERM_REQUEST:
		ghcb_terminate(ghcb_nae_term_set(n->info1), ghcb_nae_term_code(n->info1));
	case SVM_VMGEXIT_UNSUPPORTED_EVENT:
		guest_kill("guest reported an unsupported event: info1 %#lx info2 %#lx",
			   (unsigned long)n->info1, (unsigned long)n->info2);
	default:
		log_printf("GHCB exit code %#lx is not implemented: INVALID_EVENT",
			   (unsigned long)n->code);
		malformed(n, GHCB_ERR_INVALID_EVENT);
	}
}

void ghcb_nae(struct vcpu *v, uint64_t gpa)
{
	static struct nae n;
	if (!gpa_is_ram(gpa) || (rmp_get(gpa)->flags & RMP_ASSIGNED))
		guest_kill("VMGEXIT with a GHCB at GPA %#lx that is not a shared page: "
			   "the hypervisor cannot map it",
			   (unsigned long)gpa);
	struct ghcb *live = gpa_to_hva(gpa);
	if ((gpa >> PAGE_SHIFT) != v->ctx[v->vmpl].ghcb_gfn) { /* SNP: register first */
		ghcb_set_sw_exit_info_1(live, GHCB_RESULT_MALFORMED);
		ghcb_set_sw_exit_info_2(live, GHCB_ERR_NOT_REGISTERED);
		return;
	}
	n.v = v;
	n.gpa = gpa;
	n.out = live;
	memcpy(&n.in, live, sizeof(n.in));
	ghcb_valid_clear_all(live);
	n.code = n.in.save.sw_exit_code;
	n.info1 = n.in.save.sw_exit_info_1;
	n.info2 = n.in.save.sw_exit_info_2;
	ghcb_set_sw_exit_info_1(live, GHCB_RESULT_OK);
	ghcb_set_sw_exit_info_2(live, 0);
	if (n.in.ghcb_usage != GHCB_USAGE_STANDARD) {
		malformed(&n, GHCB_ERR_INVALID_USAGE);
		return;
	}
	if (!need(&n, GHCB_OFF(sw_exit_code)) || !need(&n, GHCB_OFF(sw_exit_info_1)) ||
	    !need(&n, GHCB_OFF(sw_exit_info_2))) {
		malformed(&n, GHCB_ERR_MISSING_INPUT);
		return;
	}
	nae_dispatch(&n);
	hostile_corrupt_answer(n.out, &n.in, n.code, n.info1);
}
