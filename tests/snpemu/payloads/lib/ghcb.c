// SPDX-License-Identifier: MIT
/*
 * GHCB use from a payload: MSR protocol (GHCB 56421 §2.3.1), GHCB page
 * set-up and the page call (§2.3.2), and the common NAE events.
 */
#include <lib/string.h>

#include "rt.h"
#include "smp.h"

void rt_console_ready(void);

static bool ghcb_up;

uint64_t ghcb_msr_call(uint64_t req)
{
	uint64_t saved = rdmsr(MSR_SEV_ES_GHCB);
	uint64_t resp;

	wrmsr(MSR_SEV_ES_GHCB, req);
	vmgexit();
	resp = rdmsr(MSR_SEV_ES_GHCB);
	wrmsr(MSR_SEV_ES_GHCB, saved);
	return resp;
}

uint64_t ghcb_msr_psc(uint64_t gpa, unsigned op)
{
	uint64_t resp = ghcb_msr_call(ghcb_msr_psc_req(gpa >> 12, op));

	if (ghcb_msr_info(resp) != GHCB_MSR_PSC_RESP)
		return ~0ull;
	return ghcb_msr_resp_error(resp);
}

bool psc_roundtrip_4k(uint64_t gpa)
{
	return ghcb_msr_psc(gpa, PSC_OP_SHARED) == 0 && ghcb_msr_psc(gpa, PSC_OP_PRIVATE) == 0;
}

/* Each CPU has its own GHCB page (smp.h): the BSP's at PAYLOAD_GHCB_GPA. */
struct ghcb *ghcb_page(void)
{
	return gpa_shared(smp_this_cpu()->ghcb_gpa);
}

uint64_t ghcb_gpa_of(const void *p)
{
	return smp_this_cpu()->ghcb_gpa + ((uintptr_t)p - (uintptr_t)ghcb_page());
}

bool ghcb_setup(uint64_t gpa)
{
	uint64_t gfn = gpa >> 12;

	/* The page was never validated, so there is nothing to rescind. */
	if (ghcb_msr_psc(gpa, PSC_OP_SHARED) != 0)
		return false;
	if (!ghcb_msr_reg_gpa_ok(ghcb_msr_call(ghcb_msr_reg_gpa_req(gfn)), gfn))
		return false;
	memset(gpa_shared(gpa), 0, sizeof(struct ghcb));
	wrmsr(MSR_SEV_ES_GHCB, gpa);
	return true;
}

bool rt_ghcb_init(void)
{
	if (ghcb_up)
		return true;
	if (!ghcb_setup(PAYLOAD_GHCB_GPA))
		return false;
	ghcb_up = true;
	rt_console_ready();
	return true;
}

struct ghcb *ghcb_begin(void)
{
	struct ghcb *g = ghcb_page();

	ghcb_valid_clear_all(g);
	g->save.sw_exit_code = 0;
	g->save.sw_exit_info_1 = 0;
	g->save.sw_exit_info_2 = 0;
	g->protocol_version = GHCB_PROTOCOL_VERSION;
	g->ghcb_usage = GHCB_USAGE_STANDARD;
	return g;
}

struct ghcb_result ghcb_call(uint64_t exit_code, uint64_t info1, uint64_t info2)
{
	struct ghcb *g = ghcb_page();
	struct ghcb_result r;

	ghcb_set_sw_exit_code(g, exit_code);
	ghcb_set_sw_exit_info_1(g, info1);
	ghcb_set_sw_exit_info_2(g, info2);
	wrmsr(MSR_SEV_ES_GHCB, smp_this_cpu()->ghcb_gpa);
	vmgexit();
	r.info1 = g->save.sw_exit_info_1;
	r.info2 = g->save.sw_exit_info_2;
	return r;
}

static uint64_t ioio_info(uint16_t port, unsigned size, bool in)
{
	uint64_t info = (uint64_t)port << SVM_IOIO_PORT_SHIFT;

	info |= (uint64_t)(size & 7u) << SVM_IOIO_SZ_SHIFT;
	if (in)
		info |= SVM_IOIO_TYPE_IN;
	return info;
}

bool ghcb_ioio_out(uint16_t port, unsigned size, uint32_t val)
{
	struct ghcb *g = ghcb_begin();

	ghcb_set_rax(g, val);
	return ghcb_call(SVM_EXIT_IOIO, ioio_info(port, size, false), 0).info1 == 0;
}

bool ghcb_ioio_in(uint16_t port, unsigned size, uint32_t *val)
{
	struct ghcb *g = ghcb_begin();

	/* RAX is an output only; the hypervisor marks it valid (Linux
	 * vc_handle_ioio checks the same). */
	if (ghcb_call(SVM_EXIT_IOIO, ioio_info(port, size, true), 0).info1 != 0 ||
	    !ghcb_rax_is_valid(g))
		return false;
	*val = (uint32_t)g->save.rax & (uint32_t)((1ull << (size * 8)) - 1);
	return true;
}

bool ghcb_ioio(uint16_t port, unsigned size, bool in, uint64_t *rax)
{
	uint64_t mask = (1ull << (size * 8)) - 1;
	uint32_t val;

	if (!in)
		return ghcb_ioio_out(port, size, (uint32_t)(*rax & mask));
	if (!ghcb_ioio_in(port, size, &val))
		return false;
	/* As IN writes its register: EAX zero-extends, AL/AX merge. */
	*rax = size == 4 ? val : ((*rax & ~mask) | val);
	return true;
}

bool ghcb_mmio_read(uint64_t gpa, void *buf, unsigned size)
{
	struct ghcb *g = ghcb_begin();

	ghcb_set_sw_scratch(g, ghcb_gpa_of(g->shared_buffer));
	if (ghcb_call(SVM_VMGEXIT_MMIO_READ, gpa, size).info1 != 0)
		return false;
	memcpy(buf, g->shared_buffer, size);
	return true;
}

bool ghcb_mmio_write(uint64_t gpa, const void *buf, unsigned size)
{
	struct ghcb *g = ghcb_begin();

	memcpy(g->shared_buffer, buf, size);
	ghcb_set_sw_scratch(g, ghcb_gpa_of(g->shared_buffer));
	return ghcb_call(SVM_VMGEXIT_MMIO_WRITE, gpa, size).info1 == 0;
}

bool ghcb_msr_read(uint32_t msr, uint64_t *val)
{
	struct ghcb *g = ghcb_begin();

	ghcb_set_rcx(g, msr);
	if (ghcb_call(SVM_EXIT_MSR, GHCB_MSR_NAE_READ, 0).info1 != 0 || !ghcb_rax_is_valid(g) ||
	    !ghcb_rdx_is_valid(g))
		return false;
	*val = (g->save.rdx << 32) | (uint32_t)g->save.rax;
	return true;
}

bool ghcb_msr_write(uint32_t msr, uint64_t val)
{
	struct ghcb *g = ghcb_begin();

	ghcb_set_rcx(g, msr);
	ghcb_set_rax(g, (uint32_t)val);
	ghcb_set_rdx(g, val >> 32);
	return ghcb_call(SVM_EXIT_MSR, GHCB_MSR_NAE_WRITE, 0).info1 == 0;
}

bool ghcb_event_is_legal(struct ghcb_result r)
{
	uint64_t ev = r.info2;

	/* Linux accepts only #GP or #UD of type exception (verify_exception_info(),
	 * arch/x86/coco/sev/). */
	return (r.info1 & GHCB_RESULT_MASK) == GHCB_RESULT_EXCEPTION && SVM_EVT_IS_VALID(ev) &&
	       SVM_EVT_TYPE(ev) == SVM_EVT_TYPE_EXCEPTION &&
	       (SVM_EVT_VECTOR(ev) == 13 || SVM_EVT_VECTOR(ev) == 6) && !(ev & SVM_EVT_RSVD_MASK);
}
