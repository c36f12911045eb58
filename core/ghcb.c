/* SPDX-License-Identifier: MIT */
/*
 * GHCB: MSR protocol first (SEV information, hypervisor features, page
 * state change and registration of the GHCB page), then the page calls.
 * Everything the hypervisor answers is checked before use; a violation is
 * a termination with PV_TERM_HV_ERROR and one log line.
 */
#include "core/ghcb_call.h"
#include "core/hw.h"
#include "core/mm.h"
#include "paravisor_layout.h"
#include "sev.h"
#include "svm.h"
#include "core/vcpu.h"

#include <lib/string.h>

#define REQUIRED_HV_FEATURES                                                      \
	(SEV_HV_FEAT_SNP | SEV_HV_FEAT_AP_CREATION | SEV_HV_FEAT_RESTRICTED_INJ | \
	 SEV_HV_FEAT_MULTI_VMPL)

static uint64_t hv_features; /* the same for every vCPU */

/** This vCPU's GHCB (the GHCB MSR and page are per vCPU). */
static struct vcpu_ghcb *my(void)
{
	return &vcpu_this()->ghcb;
}

uint64_t ghcb_msr_protocol(uint64_t request, uint32_t expected_response)
{
	uint64_t v = hw_vmgexit_msr(request);
	if (ghcb_msr_info(v) != expected_response)
		pv_terminate(PV_TERM_HV_ERROR, "GHCB MSR request %#lx answered %#lx",
			     (unsigned long)request, (unsigned long)v);
	return v;
}

void ghcb_msr_psc(uint64_t gpa, bool shared)
{
	uint64_t v = ghcb_msr_protocol(
		ghcb_msr_psc_req(gpa >> PAGE_SHIFT, shared ? PSC_OP_SHARED : PSC_OP_PRIVATE),
		GHCB_MSR_PSC_RESP);
	if (ghcb_msr_resp_error(v))
		pv_terminate(PV_TERM_HV_ERROR, "page state change of %#lx refused (%#x)",
			     (unsigned long)gpa, ghcb_msr_resp_error(v));
}

/** RUN_VMPL through the MSR protocol; returns when the VMPL exits to us,
 * or false at once, not run, when *stop is (or becomes) set first.  0 from
 * hw_vmgexit_msr_unless() means "not run" only with *stop set: a hypervisor
 * that answers a GHCB MSR of 0 gave no response code (GHCB spec 2.3.1) and
 * ends the VM below. */
bool ghcb_msr_run_vmpl(unsigned int vmpl, const volatile bool *stop)
{
	uint64_t v = hw_vmgexit_msr_unless(ghcb_msr_run_vmpl_req((uint8_t)vmpl), stop);
	if (!v && *stop)
		return false;
	if (ghcb_msr_info(v) != GHCB_MSR_RUN_VMPL_RESP || ghcb_msr_resp_error(v))
		pv_terminate(PV_TERM_HV_ERROR, "RUN_VMPL(%u) answered %#lx", vmpl,
			     (unsigned long)v);
	return true;
}

static void negotiate(void)
{
	uint64_t info = ghcb_msr_protocol(ghcb_msr_sev_info_req(), GHCB_MSR_SEV_INFO_RESP);
	if (ghcb_msr_sev_info_min(info) > GHCB_PROTOCOL_VERSION ||
	    ghcb_msr_sev_info_max(info) < GHCB_PROTOCOL_VERSION)
		pv_terminate(PV_TERM_GHCB_VERSION, "hypervisor speaks GHCB %u..%u, we need %u",
			     ghcb_msr_sev_info_min(info), ghcb_msr_sev_info_max(info),
			     GHCB_PROTOCOL_VERSION);
	if (ghcb_msr_sev_info_cbit(info) != mm_cbit_position())
		pv_terminate(PV_TERM_HV_ERROR, "hypervisor C-bit %u, CPUID page says %u",
			     ghcb_msr_sev_info_cbit(info), mm_cbit_position());
	uint64_t f = ghcb_msr_protocol(ghcb_msr_hv_features_req(), GHCB_MSR_HV_FEATURES_RESP);
	hv_features = ghcb_msr_hv_features(f);
	if ((hv_features & REQUIRED_HV_FEATURES) != REQUIRED_HV_FEATURES)
		pv_terminate(PV_TERM_HV_FEATURES, "hypervisor features %#lx lack %#lx",
			     (unsigned long)hv_features,
			     (unsigned long)(REQUIRED_HV_FEATURES & ~hv_features));
}

static void ghcb_register(uint64_t gpa)
{
	uint64_t gfn = gpa >> PAGE_SHIFT;
	uint64_t v = ghcb_msr_protocol(ghcb_msr_reg_gpa_req(gfn), GHCB_MSR_REG_GPA_RESP);
	if (!ghcb_msr_reg_gpa_ok(v, gfn))
		pv_terminate(PV_TERM_HV_ERROR, "GHCB registration at %#lx refused",
			     (unsigned long)gpa);
	my()->gpa = gpa;
	my()->page = mm_shared_va(gpa);
	memset(&my()->page->save, 0, sizeof(my()->page->save)); /* then ghcb_begin() keeps it so */
	my()->used[0] = my()->used[1] = 0;
}

/** An AP's GHCB: a page the BSP made shared for it (ghcb_alloc_shared). */
void ghcb_init_ap(uint64_t gpa)
{
	ghcb_register(gpa);
}

uint64_t ghcb_alloc_shared(void)
{
	uint64_t gpa = mm_virt_to_phys(mm_alloc_pages(1));
	mm_make_shared(gpa);
	return gpa;
}

/** Before the paravisor has memory of its own: a launch-region page that
 * the image left out (never validated, so no rescind is needed). */
void ghcb_init_early(void)
{
	negotiate();
	ghcb_msr_psc(PV_EARLY_GHCB_GPA, true);
	ghcb_register(PV_EARLY_GHCB_GPA);
}

/** The final GHCB in the paravisor's region; the early page goes back to
 * private (the guest gets it with the rest of the launch region). */
void ghcb_init(void)
{
	ghcb_register(ghcb_alloc_shared());
	ghcb_msr_psc(PV_EARLY_GHCB_GPA, false);
}

bool ghcb_ready(void)
{
	return my()->page != NULL;
}

uint64_t ghcb_hv_features(void)
{
	return hv_features;
}

uint64_t ghcb_shared_buffer_gpa(void)
{
	return my()->gpa + offsetof(struct ghcb, shared_buffer);
}

/** Zeroes the save-area qwords of the bitmap @used (bit n: the qword at 8n). */
static void save_clear(struct ghcb_save_area *save, const uint64_t used[2])
{
	uint64_t *q = (uint64_t *)save;
	for (unsigned int w = 0; w < 2; w++)
		for (uint64_t m = used[w]; m; m &= m - 1)
			q[w * 64 + (unsigned int)__builtin_ctzll(m)] = 0;
}

/**
 * A clean request: every qword the last call's request or answer marked
 * valid is zeroed, and the bitmap itself (its bits 126-127 are its own
 * qwords), so no register of an earlier call reaches the hypervisor.  The
 * same guarantee as zeroing the whole 1 KiB save area, for the few qwords
 * a call uses: qwords nobody marked valid are the hypervisor's own writes.
 */
struct ghcb *ghcb_begin(void)
{
	struct vcpu_ghcb *c = my();
	struct ghcb *page = c->page;
	CHECK(page);
	save_clear(&page->save, c->used);
	ghcb_valid_clear_all(page);
	c->used[0] = c->used[1] = 0;
	page->protocol_version = GHCB_PROTOCOL_VERSION;
	page->ghcb_usage = GHCB_USAGE_STANDARD;
	return page;
}

/** The event a hypervisor may ask the guest to raise: #GP or #UD only,
 * in the EVENTINJ format (GHCB spec 2.03, 4.1.7 "SW_EXITINFO1 ... 1 =
 * error, SW_EXITINFO2 holds an exception to raise"; Linux's
 * verify_exception_info() accepts the same two). */
static bool event_acceptable(uint64_t ev)
{
	unsigned int vec = SVM_EVT_VECTOR(ev);
	return SVM_EVT_IS_VALID(ev) && SVM_EVT_TYPE(ev) == SVM_EVT_TYPE_EXCEPTION &&
	       (vec == X86_VEC_GP || vec == X86_VEC_UD) && !(ev & SVM_EVT_RSVD_MASK);
}

/** #GP pushes an error code whatever EV says (KVM asks for #GP without EV,
 * meaning error code 0); #UD never does. */
static struct x86_fault event_fault(uint64_t ev)
{
	if (SVM_EVT_VECTOR(ev) == X86_VEC_UD)
		return x86_fault_ud();
	return x86_fault_gp((ev & SVM_EVT_EV) ? (uint32_t)(ev >> 32) : 0);
}

/**
 * The answer, once, into private memory: its valid bitmap (read once: the
 * page is shared and may change under us), every qword it marks valid, and
 * SW_EXITINFO1/2, which the result check reads whatever the bitmap says.
 * Outputs are read from the copy only, through ghcb_out(), which checks the
 * copied bitmap first; qwords of the copy the bitmap does not name are never
 * read.  Not the shared buffer: a caller that wants it reads the bytes it
 * needs from the page once, into its own memory.
 */
static void snapshot(struct vcpu_ghcb *c, const struct ghcb *g)
{
	const volatile uint64_t *from = (const volatile uint64_t *)&g->save;
	uint64_t *to = (uint64_t *)&c->answer.save;
	uint64_t valid[2] = { from[GHCB_VALID_BIT(GHCB_OFF(valid_bitmap))],
			      from[GHCB_VALID_BIT(GHCB_OFF(valid_bitmap)) + 1] };
	for (unsigned int w = 0; w < 2; w++)
		for (uint64_t m = valid[w]; m; m &= m - 1) {
			unsigned int i = w * 64 + (unsigned int)__builtin_ctzll(m);
			to[i] = from[i];
		}
	c->answer.save.valid_bitmap[0] = valid[0];
	c->answer.save.valid_bitmap[1] = valid[1];
	c->answer.save.sw_exit_info_1 = g->save.sw_exit_info_1;
	c->answer.save.sw_exit_info_2 = g->save.sw_exit_info_2;
	c->used[0] |= valid[0];
	c->used[1] |= valid[1];
}

enum ghcb_status ghcb_call(struct ghcb *g, uint64_t exit_code, uint64_t info1, uint64_t info2,
			   struct x86_fault *fault)
{
	struct vcpu_ghcb *c = my();
	struct ghcb *answer = &c->answer;
	CHECK(g == c->page);
	ghcb_set_sw_exit_code(g, exit_code);
	ghcb_set_sw_exit_info_1(g, info1);
	ghcb_set_sw_exit_info_2(g, info2);
	c->used[0] = g->save.valid_bitmap[0];
	c->used[1] = g->save.valid_bitmap[1];
	hw_vmgexit(c->gpa);
	snapshot(c, g);
	uint64_t result = answer->save.sw_exit_info_1 & GHCB_RESULT_MASK;
	if (result == GHCB_RESULT_OK)
		return GHCB_STATUS_OK;
	uint64_t ev = answer->save.sw_exit_info_2;
	if (result == GHCB_RESULT_EXCEPTION && event_acceptable(ev)) {
		if (!fault)
			pv_terminate(PV_TERM_HV_ERROR,
				     "GHCB exit %#lx (%#lx, %#lx) of the paravisor's own: "
				     "the hypervisor asks for exception %u",
				     (unsigned long)exit_code, (unsigned long)info1,
				     (unsigned long)info2, SVM_EVT_VECTOR(ev));
		*fault = event_fault(ev);
		return GHCB_STATUS_EXCEPTION;
	}
	pv_terminate(PV_TERM_HV_ERROR, "GHCB exit %#lx answered info1 %#lx info2 %#lx",
		     (unsigned long)exit_code, (unsigned long)answer->save.sw_exit_info_1,
		     (unsigned long)ev);
}

uint64_t ghcb_out(const struct ghcb *g, size_t off)
{
	(void)g;
	const struct ghcb *answer = &my()->answer;
	if (!ghcb_valid_test(answer, off))
		pv_terminate(PV_TERM_HV_ERROR, "GHCB answer lacks the register at %#lx",
			     (unsigned long)off);
	uint64_t v;
	memcpy(&v, (const uint8_t *)answer + off, sizeof(v));
	return v;
}

enum ghcb_status ghcb_ioio(uint16_t port, unsigned int size, bool in, uint32_t *val,
			   struct x86_fault *f)
{
	struct ghcb *g = ghcb_begin();
	uint64_t info = ((uint64_t)port << SVM_IOIO_PORT_SHIFT) |
			((uint64_t)size << SVM_IOIO_SZ_SHIFT) | (in ? SVM_IOIO_TYPE_IN : 0);
	if (!in) /* only the operand: nothing else of RAX reaches the host */
		ghcb_set_rax(g, size == 4 ? *val : (*val & ((1u << (8 * size)) - 1)));
	if (ghcb_call(g, SVM_EXIT_IOIO, info, 0, f) != GHCB_STATUS_OK)
		return GHCB_STATUS_EXCEPTION;
	if (in) {
		uint64_t rax = ghcb_out(g, GHCB_OFF(rax));
		*val = size == 4 ? (uint32_t)rax : (uint32_t)(rax & ((1u << (8 * size)) - 1));
	}
	return GHCB_STATUS_OK;
}

/** INS/OUTS of count elements of size bytes through the shared buffer
 * (GHCB IOIO with STR: EXITINFO2 = count, SW_SCRATCH = the buffer). */
enum ghcb_status ghcb_ioio_string(uint16_t port, unsigned int size, bool in, void *buf,
				  uint64_t count, struct x86_fault *f)
{
	uint64_t bytes = count * size;
	CHECK(bytes && bytes <= GHCB_SHARED_BUF_SIZE);
	struct ghcb *g = ghcb_begin();
	if (!in)
		memcpy(g->shared_buffer, buf, bytes);
	ghcb_set_sw_scratch(g, ghcb_shared_buffer_gpa());
	uint64_t info = ((uint64_t)port << SVM_IOIO_PORT_SHIFT) |
			((uint64_t)size << SVM_IOIO_SZ_SHIFT) | SVM_IOIO_STR | SVM_IOIO_REP |
			(in ? SVM_IOIO_TYPE_IN : 0);
	if (ghcb_call(g, SVM_EXIT_IOIO, info, count, f) != GHCB_STATUS_OK)
		return GHCB_STATUS_EXCEPTION;
	if (in)
		memcpy(buf, g->shared_buffer, bytes); /* once, into private memory */
	return GHCB_STATUS_OK;
}

/** OUTSB of up to one shared buffer (the log's fast path). */
void ghcb_ioio_string_out(uint16_t port, const void *buf, size_t len)
{
	while (len) {
		size_t n = MIN(len, (size_t)GHCB_SHARED_BUF_SIZE);
		struct ghcb *g = ghcb_begin();
		memcpy(g->shared_buffer, buf, n);
		ghcb_set_sw_scratch(g, ghcb_shared_buffer_gpa());
		uint64_t info = ((uint64_t)port << SVM_IOIO_PORT_SHIFT) | SVM_IOIO_SZ8 |
				SVM_IOIO_STR | SVM_IOIO_REP;
		ghcb_call(g, SVM_EXIT_IOIO, info, n, NULL);
		buf = (const uint8_t *)buf + n;
		len -= n;
	}
}

enum ghcb_status ghcb_msr_read(uint32_t msr, uint64_t *val, struct x86_fault *f)
{
	struct ghcb *g = ghcb_begin();
	ghcb_set_rcx(g, msr);
	if (ghcb_call(g, SVM_EXIT_MSR, GHCB_MSR_NAE_READ, 0, f) != GHCB_STATUS_OK)
		return GHCB_STATUS_EXCEPTION;
	*val = (ghcb_out(g, GHCB_OFF(rdx)) << 32) | (uint32_t)ghcb_out(g, GHCB_OFF(rax));
	return GHCB_STATUS_OK;
}

enum ghcb_status ghcb_msr_write(uint32_t msr, uint64_t val, struct x86_fault *f)
{
	struct ghcb *g = ghcb_begin();
	ghcb_set_rcx(g, msr);
	ghcb_set_rax(g, (uint32_t)val);
	ghcb_set_rdx(g, val >> 32);
	return ghcb_call(g, SVM_EXIT_MSR, GHCB_MSR_NAE_WRITE, 0, f);
}

enum ghcb_status ghcb_mmio(uint64_t gpa, unsigned int size, bool write, uint64_t *val,
			   struct x86_fault *f)
{
	struct ghcb *g = ghcb_begin();
	CHECK(size >= 1 && size <= 8);
	if (write)
		memcpy(g->shared_buffer, val, size);
	ghcb_set_sw_scratch(g, ghcb_shared_buffer_gpa());
	if (ghcb_call(g, write ? SVM_VMGEXIT_MMIO_WRITE : SVM_VMGEXIT_MMIO_READ, gpa, size, f) !=
	    GHCB_STATUS_OK)
		return GHCB_STATUS_EXCEPTION;
	if (!write) {
		*val = 0;
		memcpy(val, g->shared_buffer, size); /* once, into private memory */
	}
	return GHCB_STATUS_OK;
}
