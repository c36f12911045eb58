/* SPDX-License-Identifier: MIT */
/*
 * core/ghcb.c against the fake hypervisor: the MSR protocol negotiation
 * (GHCB 56421 §2.3.1), the one call path that validates every answer
 * (from a copy of the page) and what the common calls put into the GHCB page.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "fake_hw.h"
#include "fake_pv.h"
#include "core/ghcb_call.h"

#include <paravisor_layout.h>
#include <sev.h>
#include <svm.h>

#define GP_EVENT SVM_EVT_MAKE(13, SVM_EVT_TYPE_EXCEPTION, true, 0)
#define UD_EVENT SVM_EVT_MAKE(6, SVM_EVT_TYPE_EXCEPTION, false, 0)

static int fresh(void **state)
{
	(void)state;
	fake_pv_reset();
	fake_hv_reset();
	return 0;
}

/** The request the hypervisor saw carries the inputs every call must set. */
static const struct ghcb *last_request(uint64_t exit_code)
{
	const struct ghcb *g = fake_hv_last_exit();

	assert_non_null(g);
	assert_int_equal(g->save.sw_exit_code, exit_code);
	assert_true(ghcb_sw_exit_code_is_valid(g));
	assert_true(ghcb_sw_exit_info_1_is_valid(g));
	assert_true(ghcb_sw_exit_info_2_is_valid(g));
	assert_int_equal(g->protocol_version, GHCB_PROTOCOL_VERSION);
	assert_int_equal(g->ghcb_usage, GHCB_USAGE_STANDARD);
	assert_int_equal(fake_hv.bad_requests, 0);
	return g;
}

/* ---- negotiation and registration ------------------------------------ */

static void test_negotiation_order(void **state)
{
	(void)state;
	ghcb_init_early();
	assert_true(ghcb_ready());
	assert_int_equal(fake_hv.msr_request_count, 4);
	assert_int_equal(fake_hv.msr_requests[0], ghcb_msr_sev_info_req());
	assert_int_equal(fake_hv.msr_requests[1], ghcb_msr_hv_features_req());
	assert_int_equal(fake_hv.msr_requests[2],
			 ghcb_msr_psc_req(PV_EARLY_GHCB_GPA >> 12, PSC_OP_SHARED));
	assert_int_equal(fake_hv.msr_requests[3], ghcb_msr_reg_gpa_req(PV_EARLY_GHCB_GPA >> 12));
	assert_int_equal(fake_hv.registered_gpa, PV_EARLY_GHCB_GPA);
	assert_int_equal(ghcb_hv_features(), fake_hv.features);
	assert_int_equal(fake_hv.exit_count, 0);
}

/** ghcb_init_early() ends with the reason, before any GHCB is registered. */
static void expect_init_refused(unsigned int code)
{
	FAKE_EXPECT_TERM(code, ghcb_init_early());
	assert_int_equal(fake_hv_msr_requests_with(GHCB_MSR_REG_GPA_REQ), 0);
	assert_int_equal(fake_hv.registered_gpa, ~0ULL);
}

static void test_version_without_2(void **state)
{
	(void)state;
	fake_hv.hostile = FAKE_HOSTILE_NO_V2;
	expect_init_refused(PV_TERM_GHCB_VERSION);

	fresh(NULL);
	fake_hv.version_min = 3;
	fake_hv.version_max = 4;
	expect_init_refused(PV_TERM_GHCB_VERSION);
}

static void test_cbit_mismatch(void **state)
{
	(void)state;
	fake_hv.cbit = 47;
	expect_init_refused(PV_TERM_HV_ERROR);
}

static void test_features_required(void **state)
{
	static const uint64_t required[] = {
		SEV_HV_FEAT_MULTI_VMPL,
		SEV_HV_FEAT_SNP,
		SEV_HV_FEAT_AP_CREATION,
		SEV_HV_FEAT_RESTRICTED_INJ,
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(required); i++) {
		fresh(NULL);
		fake_hv.features &= ~required[i];
		expect_init_refused(PV_TERM_HV_FEATURES);
		assert_int_equal(fake_hv_msr_requests_with(GHCB_MSR_PSC_REQ), 0);
	}
}

static void test_registration_echo(void **state)
{
	(void)state;
	fake_hv.hostile = FAKE_HOSTILE_REG_ECHO;
	FAKE_EXPECT_TERM(PV_TERM_HV_ERROR, ghcb_init_early());
}

static void test_psc_refused(void **state)
{
	(void)state;
	fake_hv.psc_error = 1;
	expect_init_refused(PV_TERM_HV_ERROR);
}

static void test_msr_protocol_wrong_code(void **state)
{
	(void)state;
	FAKE_EXPECT_TERM(PV_TERM_HV_ERROR,
			 ghcb_msr_protocol(ghcb_msr_sev_info_req(), GHCB_MSR_HV_FEATURES_RESP));
	assert_int_equal(ghcb_msr_protocol(ghcb_msr_sev_info_req(), GHCB_MSR_SEV_INFO_RESP),
			 ghcb_msr_sev_info_resp(2, 1, FAKE_CBIT));
}

static bool hv_noted;

static void hv_in_run_window(void)
{
	hv_noted = true; /* what core/idt.c's #HV handler sets */
}

/** An #HV between the run loop's last look at the doorbell and RUN_VMPL:
 * the lower VMPL must not run (the hypervisor signals no further #HV until
 * the doorbell is read, and a guest that waits without exiting would wait
 * for ever).  With the window ignored this fails: the request is made. */
static void test_run_vmpl_not_after_hv(void **state)
{
	(void)state;
	hv_noted = false;
	size_t before = fake_hv.msr_request_count;
	fake_hv.on_run_window = hv_in_run_window;
	assert_false(ghcb_msr_run_vmpl(1, &hv_noted));
	fake_hv.on_run_window = NULL;
	assert_int_equal(fake_hv.msr_request_count, before);
	hv_noted = false;
	assert_true(ghcb_msr_run_vmpl(1, &hv_noted));
	assert_int_equal(fake_hv.msr_request_count, before + 1);
}

static void test_run_vmpl(void **state)
{
	static bool no_hv;

	(void)state;
	assert_true(ghcb_msr_run_vmpl(1, &no_hv));
	assert_int_equal(fake_hv.msr_requests[fake_hv.msr_request_count - 1],
			 ghcb_msr_run_vmpl_req(1));
	fake_hv.run_vmpl_error = GHCB_RUN_VMPL_ERR_INVALID_VMPL;
	FAKE_EXPECT_TERM(PV_TERM_HV_ERROR, ghcb_msr_run_vmpl(1, &no_hv));
}

static uint64_t answer_zero(uint64_t request, uint64_t answer)
{
	(void)request;
	(void)answer;
	return 0;
}

/** A GHCB MSR of 0 after RUN_VMPL is no response code (GHCB spec 2.3.1),
 * not the "not run, an #HV came first" of hw_vmgexit_msr_unless(): the VM
 * ends.  Found by tests/fuzz/fuzz_ghcb (corpus/ghcb/run_vmpl_answer_0). */
static void test_run_vmpl_answer_zero(void **state)
{
	static bool no_hv;

	(void)state;
	fake_hv.on_msr_answer = answer_zero;
	FAKE_EXPECT_TERM(PV_TERM_HV_ERROR, ghcb_msr_run_vmpl(1, &no_hv));
	fake_hv.on_msr_answer = NULL;
}

/** ghcb_init(): a page of the paravisor's own, shared before it is
 * registered; the early page goes back to private. */
static void test_final_ghcb(void **state)
{
	uint32_t v = 0x55;

	(void)state;
	ghcb_init_early();
	size_t before = fake_hv.msr_request_count;
	ghcb_init();
	assert_int_equal(fake_hv.registered_gpa, FAKE_PV_BASE);
	assert_int_equal(fake_pv.made_shared_count, 1);
	assert_int_equal(fake_pv.made_shared[0], FAKE_PV_BASE);
	assert_int_equal(fake_hv.pvalidate_count, 1);
	assert_int_equal(fake_hv.pvalidates[0].va, FAKE_PV_BASE);
	assert_false(fake_hv.pvalidates[0].validate);
	assert_int_equal(fake_hv.msr_request_count, before + 3);
	assert_int_equal(fake_hv.msr_requests[before],
			 ghcb_msr_psc_req(FAKE_PV_BASE >> 12, PSC_OP_SHARED));
	assert_int_equal(fake_hv.msr_requests[before + 1],
			 ghcb_msr_reg_gpa_req(FAKE_PV_BASE >> 12));
	assert_int_equal(fake_hv.msr_requests[before + 2],
			 ghcb_msr_psc_req(PV_EARLY_GHCB_GPA >> 12, PSC_OP_PRIVATE));
	assert_int_equal(ghcb_shared_buffer_gpa(), FAKE_PV_BASE + 0x800);
	assert_int_equal(ghcb_ioio(0x80, 1, false, &v, NULL), GHCB_STATUS_OK);
	last_request(SVM_EXIT_IOIO);
}

/* ---- what the common calls send -------------------------------------- */

static void test_ioio_out(void **state)
{
	static const struct {
		unsigned int size;
		uint64_t bit;
		uint32_t val;
	} cases[] = {
		{ 1, SVM_IOIO_SZ8, 0xAB },
		{ 2, SVM_IOIO_SZ16, 0xABCD },
		{ 4, SVM_IOIO_SZ32, 0xDEADBEEF },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		uint32_t v = cases[i].val;
		assert_int_equal(ghcb_ioio(0x3F8, cases[i].size, false, &v, NULL), GHCB_STATUS_OK);
		const struct ghcb *g = last_request(SVM_EXIT_IOIO);
		assert_int_equal(g->save.sw_exit_info_1, (0x3F8ULL << 16) | cases[i].bit);
		assert_int_equal(g->save.sw_exit_info_2, 0);
		assert_true(ghcb_rax_is_valid(g));
		assert_int_equal(g->save.rax, cases[i].val);
		assert_int_equal(fake_hv.io[fake_hv.io_count - 1].port, 0x3F8);
		assert_int_equal(fake_hv.io[fake_hv.io_count - 1].size, cases[i].size);
		assert_false(fake_hv.io[fake_hv.io_count - 1].in);
		assert_int_equal(fake_hv.io[fake_hv.io_count - 1].value, cases[i].val);
	}
}

static void test_ioio_in(void **state)
{
	static const uint32_t script[] = { 0x12345678, 0x12345678, 0x12345678 };
	uint32_t v = 0xFFFFFFFF;

	(void)state;
	fake_hv_script_in(script, 3);
	assert_int_equal(ghcb_ioio(0x64, 1, true, &v, NULL), GHCB_STATUS_OK);
	const struct ghcb *g = last_request(SVM_EXIT_IOIO);
	assert_int_equal(g->save.sw_exit_info_1, (0x64ULL << 16) | SVM_IOIO_SZ8 | SVM_IOIO_TYPE_IN);
	assert_false(ghcb_rax_is_valid(g)); /* an IN discloses nothing */
	assert_int_equal(g->save.rax, 0);
	assert_int_equal(v, 0x78);
	assert_int_equal(ghcb_ioio(0x64, 2, true, &v, NULL), GHCB_STATUS_OK);
	assert_int_equal(v, 0x5678);
	assert_int_equal(ghcb_ioio(0x64, 4, true, &v, NULL), GHCB_STATUS_OK);
	assert_int_equal(v, 0x12345678);
	assert_int_equal(fake_hv_last_exit()->save.sw_exit_info_1,
			 (0x64ULL << 16) | SVM_IOIO_SZ32 | SVM_IOIO_TYPE_IN);
}

/** ghcb_begin() starts from a clean page: an IN after an OUT does not
 * send the OUT's RAX again. */
static void test_begin_is_clean(void **state)
{
	uint32_t v = 0xCAFE;

	(void)state;
	assert_int_equal(ghcb_msr_write(0x10, 0x1111222233334444ULL, NULL), GHCB_STATUS_OK);
	assert_int_equal(ghcb_ioio(0x60, 2, false, &v, NULL), GHCB_STATUS_OK);
	assert_int_equal(ghcb_ioio(0x60, 1, true, &v, NULL), GHCB_STATUS_OK);
	const struct ghcb *g = last_request(SVM_EXIT_IOIO);
	assert_int_equal(g->save.valid_bitmap[0], 0);
	assert_int_equal(g->save.valid_bitmap[1],
			 (1ULL << (GHCB_OFF(sw_exit_code) / 8 - 64)) |
				 (1ULL << (GHCB_OFF(sw_exit_info_1) / 8 - 64)) |
				 (1ULL << (GHCB_OFF(sw_exit_info_2) / 8 - 64)));
	assert_int_equal(g->save.rax, 0);
	assert_int_equal(g->save.rcx, 0);
	assert_int_equal(g->save.rdx, 0);

	/* the hypervisor's answer registers (RDMSR: RAX and RDX, marked valid)
	 * are gone from the next request too */
	uint64_t m = 0;
	fake_hv_set_msr(0x10, 0x1122334455667788ULL, false);
	assert_int_equal(ghcb_msr_read(0x10, &m, NULL), GHCB_STATUS_OK);
	assert_int_equal(ghcb_ioio(0x60, 1, true, &v, NULL), GHCB_STATUS_OK);
	g = last_request(SVM_EXIT_IOIO);
	assert_int_equal(g->save.rax, 0);
	assert_int_equal(g->save.rdx, 0);
	assert_int_equal(g->save.rcx, 0);
	assert_int_equal(g->save.valid_bitmap[0], 0);
}

static void test_msr_read_write(void **state)
{
	uint64_t v = 0;

	(void)state;
	fake_hv_set_msr(0x10, 0x1122334455667788ULL, false);
	assert_int_equal(ghcb_msr_read(0x10, &v, NULL), GHCB_STATUS_OK);
	assert_int_equal(v, 0x1122334455667788ULL);
	const struct ghcb *g = last_request(SVM_EXIT_MSR);
	assert_int_equal(g->save.sw_exit_info_1, GHCB_MSR_NAE_READ);
	assert_true(ghcb_rcx_is_valid(g));
	assert_int_equal(g->save.rcx, 0x10);
	assert_false(ghcb_rax_is_valid(g));
	assert_false(ghcb_rdx_is_valid(g));

	assert_int_equal(ghcb_msr_write(0x10, 0xAABBCCDD00112233ULL, NULL), GHCB_STATUS_OK);
	g = last_request(SVM_EXIT_MSR);
	assert_int_equal(g->save.sw_exit_info_1, GHCB_MSR_NAE_WRITE);
	assert_true(ghcb_rcx_is_valid(g) && ghcb_rax_is_valid(g) && ghcb_rdx_is_valid(g));
	assert_int_equal(g->save.rcx, 0x10);
	assert_int_equal(g->save.rax, 0x00112233);
	assert_int_equal(g->save.rdx, 0xAABBCCDD);
	assert_int_equal(fake_hv.msr_writes[fake_hv.msr_write_count - 1].value,
			 0xAABBCCDD00112233ULL);
}

static void test_mmio(void **state)
{
	uint64_t v = 0x1122334455667788ULL;
	const uint8_t low4[] = { 0x88, 0x77, 0x66, 0x55 };

	(void)state;
	assert_int_equal(ghcb_mmio(0xFEC00010, 4, true, &v, NULL), GHCB_STATUS_OK);
	const struct ghcb *g = last_request(SVM_VMGEXIT_MMIO_WRITE);
	assert_int_equal(g->save.sw_exit_info_1, 0xFEC00010);
	assert_int_equal(g->save.sw_exit_info_2, 4);
	assert_true(ghcb_sw_scratch_is_valid(g));
	assert_int_equal(g->save.sw_scratch, ghcb_shared_buffer_gpa());
	assert_memory_equal(g->shared_buffer, low4, 4);
	assert_int_equal(fake_hv.mmio[0].value, 0x55667788);

	fake_hv.mmio_read_value = 0xCAFEBABEDEADBEEFULL;
	v = ~0ULL;
	assert_int_equal(ghcb_mmio(0xFEC00020, 2, false, &v, NULL), GHCB_STATUS_OK);
	g = last_request(SVM_VMGEXIT_MMIO_READ);
	assert_int_equal(g->save.sw_exit_info_1, 0xFEC00020);
	assert_int_equal(g->save.sw_exit_info_2, 2);
	assert_int_equal(v, 0xBEEF);
	v = 0;
	assert_int_equal(ghcb_mmio(0xFEC00020, 8, false, &v, NULL), GHCB_STATUS_OK);
	assert_int_equal(v, 0xCAFEBABEDEADBEEFULL);
}

/** The log's path: OUTSB of at most one shared buffer per exit. */
static void test_string_out(void **state)
{
	static uint8_t text[5000];

	(void)state;
	for (size_t i = 0; i < sizeof(text); i++)
		text[i] = (uint8_t)(i * 7 + 1);
	ghcb_ioio_string_out(0x2F8, text, sizeof(text));
	assert_int_equal(fake_hv.exit_count, 3);
	assert_int_equal(fake_hv.bad_requests, 0);
	for (size_t i = 0; i < 3; i++) {
		const struct ghcb *g = &fake_hv.exits[i];
		assert_int_equal(g->save.sw_exit_info_1,
				 (0x2F8ULL << 16) | SVM_IOIO_SZ8 | SVM_IOIO_STR | SVM_IOIO_REP);
		assert_int_equal(g->save.sw_exit_info_2,
				 i < 2 ? GHCB_SHARED_BUF_SIZE
				       : sizeof(text) - 2 * GHCB_SHARED_BUF_SIZE);
		assert_int_equal(g->save.sw_scratch, ghcb_shared_buffer_gpa());
	}
	assert_int_equal(fake_hv.string_out_len, sizeof(text));
	assert_memory_equal(fake_hv.string_out, text, sizeof(text));
}

/* ---- validation of the answers --------------------------------------- */

static void test_gp_ud_answers(void **state)
{
	struct x86_fault f;
	struct ghcb *g;
	uint64_t v = 0;
	uint32_t io = 0;

	(void)state;
	fake_hv.next_event = GP_EVENT;
	assert_int_equal(ghcb_msr_read(0x10, &v, &f), GHCB_STATUS_EXCEPTION);
	assert_int_equal(f.vector, X86_VEC_GP);
	assert_true(f.has_error);
	fake_hv.next_event = UD_EVENT;
	assert_int_equal(ghcb_msr_write(0x10, 1, &f), GHCB_STATUS_EXCEPTION);
	assert_int_equal(f.vector, X86_VEC_UD);
	assert_false(f.has_error);
	fake_hv_set_msr(0x8B, 0, true);
	assert_int_equal(ghcb_msr_write(0x8B, 1, &f), GHCB_STATUS_EXCEPTION);
	assert_int_equal(ghcb_msr_read(0x8B, &v, &f), GHCB_STATUS_EXCEPTION);
	fake_hv.next_event = GP_EVENT;
	assert_int_equal(ghcb_ioio(0x80, 1, true, &io, &f), GHCB_STATUS_EXCEPTION);

	fake_hv.next_event = UD_EVENT;
	g = ghcb_begin();
	assert_int_equal(ghcb_call(g, SVM_EXIT_RDTSC, 0, 0, &f), GHCB_STATUS_EXCEPTION);
	assert_int_equal(f.vector, X86_VEC_UD);
	g = ghcb_begin();
	assert_int_equal(ghcb_call(g, SVM_EXIT_RDTSC, 0, 0, &f), GHCB_STATUS_OK);
}

/** A #GP or #UD asked for on a call the paravisor makes for itself (NULL
 * fault) ends the VM: there is no guest instruction to give it to. */
static void test_exception_on_own_call_terminates(void **state)
{
	uint64_t v = 0;

	(void)state;
	fake_hv.next_event = GP_EVENT;
	FAKE_EXPECT_TERM(PV_TERM_HV_ERROR, ghcb_msr_read(0x10, &v, NULL));
	assert_non_null(strstr(fake_pv.term_msg, "the hypervisor asks for exception 13"));
}

static void test_pf_event_terminates(void **state)
{
	uint64_t v;

	(void)state;
	fake_hv.hostile = FAKE_HOSTILE_PF_EVENT;
	FAKE_EXPECT_TERM(PV_TERM_HV_ERROR, ghcb_msr_read(0x10, &v, NULL));
}

/** Only a valid #GP or #UD exception without reserved bits is in spec. */
static void test_other_events_terminate(void **state)
{
	static const uint64_t events[] = {
		GP_EVENT & ~SVM_EVT_VALID,
		SVM_EVT_MAKE(2, SVM_EVT_TYPE_NMI, false, 0),
		SVM_EVT_MAKE(13, SVM_EVT_TYPE_INTR, false, 0),
		SVM_EVT_MAKE(13, SVM_EVT_TYPE_SOFT_INTR, false, 0),
		GP_EVENT | (1ULL << 12),
		SVM_EVT_MAKE(0, SVM_EVT_TYPE_EXCEPTION, false, 0),
		SVM_EVT_MAKE(29, SVM_EVT_TYPE_EXCEPTION, true, 0x7B),
	};
	uint64_t v;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(events); i++) {
		fake_hv.next_event = events[i];
		FAKE_EXPECT_TERM(PV_TERM_HV_ERROR, ghcb_msr_read(0x10, &v, NULL));
	}
}

static void test_info1_2_terminates(void **state)
{
	uint32_t v = 1;

	(void)state;
	fake_hv.hostile = FAKE_HOSTILE_INFO1_2;
	FAKE_EXPECT_TERM(PV_TERM_HV_ERROR, ghcb_ioio(0x80, 1, false, &v, NULL));
}

static void test_info1_unknown_terminates(void **state)
{
	uint64_t v = 0;

	(void)state;
	fake_hv.hostile = FAKE_HOSTILE_INFO1_UNKNOWN;
	FAKE_EXPECT_TERM(PV_TERM_HV_ERROR, ghcb_mmio(0xFEC00000, 4, false, &v, NULL));
}

/** A register the caller reads must be marked valid; one it does not
 * read may be missing. */
static void test_missing_valid_bit(void **state)
{
	uint32_t io = 0;
	uint64_t v = 0;

	(void)state;
	fake_hv.hostile = FAKE_HOSTILE_NO_VALID;
	fake_hv_set_msr(0x10, 5, false);
	FAKE_EXPECT_TERM(PV_TERM_HV_ERROR, ghcb_ioio(0x80, 1, true, &io, NULL));
	FAKE_EXPECT_TERM(PV_TERM_HV_ERROR, ghcb_msr_read(0x10, &v, NULL));
	io = 7;
	assert_int_equal(ghcb_ioio(0x80, 1, false, &io, NULL), GHCB_STATUS_OK);
	assert_int_equal(ghcb_msr_write(0x10, 9, NULL), GHCB_STATUS_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_negotiation_order, fresh),
		cmocka_unit_test_setup(test_version_without_2, fresh),
		cmocka_unit_test_setup(test_cbit_mismatch, fresh),
		cmocka_unit_test_setup(test_features_required, fresh),
		cmocka_unit_test_setup(test_registration_echo, fresh),
		cmocka_unit_test_setup(test_psc_refused, fresh),
		cmocka_unit_test_setup(test_msr_protocol_wrong_code, fresh),
		cmocka_unit_test_setup(test_run_vmpl, fake_pv_setup),
		cmocka_unit_test_setup(test_run_vmpl_not_after_hv, fake_pv_setup),
		cmocka_unit_test_setup(test_run_vmpl_answer_zero, fake_pv_setup),
		cmocka_unit_test_setup(test_final_ghcb, fresh),
		cmocka_unit_test_setup(test_ioio_out, fake_pv_setup),
		cmocka_unit_test_setup(test_ioio_in, fake_pv_setup),
		cmocka_unit_test_setup(test_begin_is_clean, fake_pv_setup),
		cmocka_unit_test_setup(test_msr_read_write, fake_pv_setup),
		cmocka_unit_test_setup(test_mmio, fake_pv_setup),
		cmocka_unit_test_setup(test_string_out, fake_pv_setup),
		cmocka_unit_test_setup(test_gp_ud_answers, fake_pv_setup),
		cmocka_unit_test_setup(test_exception_on_own_call_terminates, fake_pv_setup),
		cmocka_unit_test_setup(test_pf_event_terminates, fake_pv_setup),
		cmocka_unit_test_setup(test_other_events_terminate, fake_pv_setup),
		cmocka_unit_test_setup(test_info1_2_terminates, fake_pv_setup),
		cmocka_unit_test_setup(test_info1_unknown_terminates, fake_pv_setup),
		cmocka_unit_test_setup(test_missing_valid_bit, fake_pv_setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
