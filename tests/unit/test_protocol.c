/* SPDX-License-Identifier: MIT */
/*
 * Host test for protocol/: includes every header (so their _Static_asserts
 * are compiled by the host build too) and checks that the encode/decode
 * helpers put each field at the bit position the specifications give (the
 * sources named in each protocol/ header).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "acpi_pm.h"
#include "cpuid_page.h"
#include "ghcb.h"
#include "hv_doorbell.h"
#include "igvm.h"
#include "payload_layout.h"
#include "secrets.h"
#include "sev.h"
#include "snp_measure.h"
#include "snpemu_abi.h"
#include "svm.h"
#include "vmsa.h"

/* GHCB spec 2.3.1: CPUID request [31:30] register, [63:32] function. */
static void test_msr_cpuid(void **state)
{
	(void)state;
	uint64_t v = ghcb_msr_cpuid_req(0x8000001F, GHCB_CPUID_REG_EBX);

	assert_int_equal(v, 0x8000001F00000000ULL | (1ULL << 30) | 0x004);
	assert_int_equal(ghcb_msr_info(v), GHCB_MSR_CPUID_REQ);
	assert_int_equal(ghcb_msr_cpuid_fn(v), 0x8000001F);
	assert_int_equal(ghcb_msr_cpuid_reg(v), GHCB_CPUID_REG_EBX);

	v = ghcb_msr_cpuid_resp(0xDEADBEEF, GHCB_CPUID_REG_EDX);
	assert_int_equal(ghcb_msr_info(v), GHCB_MSR_CPUID_RESP);
	assert_int_equal(ghcb_msr_cpuid_value(v), 0xDEADBEEF);
	assert_int_equal(ghcb_msr_cpuid_reg(v), GHCB_CPUID_REG_EDX);
}

/* GHCB spec 2.3.1: SEV info [63:48] max, [47:32] min, [31:24] C-bit. */
static void test_msr_sev_info(void **state)
{
	(void)state;
	uint64_t v = ghcb_msr_sev_info_resp(2, 1, 51);

	assert_int_equal(v, (2ULL << 48) | (1ULL << 32) | (51ULL << 24) | 1);
	assert_int_equal(ghcb_msr_sev_info_max(v), 2);
	assert_int_equal(ghcb_msr_sev_info_min(v), 1);
	assert_int_equal(ghcb_msr_sev_info_cbit(v), 51);
	assert_int_equal(ghcb_msr_sev_info_req(), 0x002);
}

static void test_msr_reg_gpa(void **state)
{
	(void)state;
	uint64_t v = ghcb_msr_reg_gpa_req(0x1D);

	assert_int_equal(v, 0x1D012);
	assert_int_equal(ghcb_msr_gfn(v), 0x1D);
	assert_true(ghcb_msr_reg_gpa_ok(ghcb_msr_reg_gpa_resp(0x1D), 0x1D));
	assert_false(ghcb_msr_reg_gpa_ok(ghcb_msr_reg_gpa_resp(0x1E), 0x1D));
	assert_false(ghcb_msr_reg_gpa_ok(0x1D012, 0x1D));
}

/* GHCB spec 2.3.1: PSC [51:12] GFN, [55:52] op; response [63:32] error. */
static void test_msr_psc(void **state)
{
	(void)state;
	uint64_t v = ghcb_msr_psc_req(0xABCDE12345ULL, PSC_OP_SHARED);

	assert_int_equal(v, (2ULL << 52) | (0xABCDE12345ULL << 12) | 0x014);
	assert_int_equal(ghcb_msr_psc_gfn(v), 0xABCDE12345ULL);
	assert_int_equal(ghcb_msr_psc_op(v), PSC_OP_SHARED);
	/* A GFN wider than 40 bits must not leak into the op field. */
	v = ghcb_msr_psc_req(1ULL << 40, PSC_OP_PRIVATE);
	assert_int_equal(ghcb_msr_psc_op(v), PSC_OP_PRIVATE);
	assert_int_equal(ghcb_msr_psc_gfn(v), 0);
	v = ghcb_msr_psc_resp(7);
	assert_int_equal(ghcb_msr_info(v), GHCB_MSR_PSC_RESP);
	assert_int_equal(ghcb_msr_resp_error(v), 7);
}

/* GHCB spec 2.3.1: RUN_VMPL [39:32] VMPL; response [63:32] error. */
static void test_msr_run_vmpl(void **state)
{
	(void)state;
	uint64_t v = ghcb_msr_run_vmpl_req(1);

	assert_int_equal(v, (1ULL << 32) | 0x016);
	assert_int_equal(ghcb_msr_run_vmpl_target(v), 1);
	v = ghcb_msr_run_vmpl_resp(0);
	assert_int_equal(v, 0x017);
	assert_int_equal(ghcb_msr_resp_error(ghcb_msr_run_vmpl_resp(1)), 1);
}

static void test_msr_hv_features_and_term(void **state)
{
	(void)state;
	uint64_t feats = SEV_HV_FEAT_SNP | SEV_HV_FEAT_MULTI_VMPL;
	uint64_t v = ghcb_msr_hv_features_resp(feats);

	assert_int_equal(v, (0x21ULL << 12) | 0x081);
	assert_int_equal(ghcb_msr_hv_features(v), feats);
	assert_int_equal(ghcb_msr_hv_features_req(), 0x080);

	/* [15:12] set, [23:16] code */
	v = ghcb_msr_term_req(PAYLOAD_TERM_SET, PAYLOAD_TERM_FAIL);
	assert_int_equal(v, (1ULL << 16) | (3ULL << 12) | 0x100);
	assert_int_equal(ghcb_msr_term_set(v), PAYLOAD_TERM_SET);
	assert_int_equal(ghcb_msr_term_code(v), PAYLOAD_TERM_FAIL);

	/* NAE: exit_info_1 [3:0] set, [11:4] code */
	v = ghcb_nae_term_info1(GHCB_TERM_SET_PARAVISOR, PV_TERM_HV_ERROR);
	assert_int_equal(v, 0x12);
	assert_int_equal(ghcb_nae_term_set(v), GHCB_TERM_SET_PARAVISOR);
	assert_int_equal(ghcb_nae_term_code(v), PV_TERM_HV_ERROR);
}

/* GHCB spec, GHCB layout: bit n covers the qword at offset 8n. */
static void test_valid_bitmap(void **state)
{
	(void)state;
	static struct ghcb g;

	memset(&g, 0, sizeof(g));
	assert_int_equal(GHCB_VALID_BIT(GHCB_OFF(rax)), 0x1F8 / 8);
	ghcb_set_rax(&g, 5);
	assert_int_equal(g.save.valid_bitmap[0], 1ULL << 63);
	ghcb_set_sw_exit_code(&g, SVM_EXIT_CPUID);
	/* 0x390 / 8 = 114 -> word 1, bit 50 */
	assert_int_equal(g.save.valid_bitmap[1], 1ULL << 50);
	assert_true(ghcb_rax_is_valid(&g));
	assert_true(ghcb_sw_exit_code_is_valid(&g));
	assert_false(ghcb_rbx_is_valid(&g));
	ghcb_set_cpl(&g, 3);
	assert_true(ghcb_valid_test(&g, 0xC8));
	assert_false(ghcb_valid_test(&g, 0x400));
	assert_false(ghcb_valid_test(&g, 0x800));
	ghcb_valid_clear_all(&g);
	assert_false(ghcb_rax_is_valid(&g));
	assert_int_equal(ghcb_get_rax(&g), 5);
}

/* GHCB spec, Page State Change: entry [11:0] cur_page, [51:12] GFN, [55:52] op, [56] size. */
static void test_psc_entry(void **state)
{
	(void)state;
	struct psc_entry e = psc_entry_make(0x12345, PSC_OP_PRIVATE, PSC_PAGE_2M, 0x1FF);

	assert_int_equal(e.raw, 0x1FFULL | (0x12345ULL << 12) | (1ULL << 52) | (1ULL << 56));
	assert_int_equal(psc_entry_cur_page(e), 0x1FF);
	assert_int_equal(psc_entry_gfn(e), 0x12345);
	assert_int_equal(psc_entry_op(e), PSC_OP_PRIVATE);
	assert_int_equal(psc_entry_page_size(e), PSC_PAGE_2M);
	assert_int_equal(e.raw & PSC_ENTRY_RSVD_MASK, 0);
	assert_int_equal(PSC_MAX_ENTRIES, 253);
	assert_int_equal(PSC_ERR_INVALID_ENTRY, 0x100000002ULL);
}

/* GHCB spec, SNP AP Creation: [15:0] request, [19:16] VMPL, [63:32] APIC ID. */
static void test_ap_create(void **state)
{
	(void)state;
	uint64_t v = ghcb_ap_create_info1(SVM_VMGEXIT_AP_CREATE, 1, 7);

	assert_int_equal(v, (7ULL << 32) | (1ULL << 16) | 1);
	assert_int_equal(ghcb_ap_create_request(v), SVM_VMGEXIT_AP_CREATE);
	assert_int_equal(ghcb_ap_create_vmpl(v), 1);
	assert_int_equal(ghcb_ap_create_apic_id(v), 7);
}

/* APM vol. 2: 15.20 EVENTINJ, 15.10.2 IOIO. */
static void test_eventinj_ioio(void **state)
{
	(void)state;
	uint64_t e = SVM_EVT_MAKE(13, SVM_EVT_TYPE_EXCEPTION, 1, 0x18);

	assert_int_equal(e, 0x0000001880000B0DULL);
	assert_int_equal(SVM_EVT_VECTOR(e), 13);
	assert_int_equal(SVM_EVT_TYPE(e), SVM_EVT_TYPE_EXCEPTION);
	assert_int_equal(SVM_EVT_ERRCODE(e), 0x18);
	assert_true(SVM_EVT_IS_VALID(e));
	assert_true(SVM_EVT_HAS_ERR(e));

	/* in al, 0x71 with 32-bit addressing */
	uint64_t io = (0x71ULL << 16) | SVM_IOIO_A32 | SVM_IOIO_SZ8 | SVM_IOIO_TYPE_IN;
	assert_int_equal(SVM_IOIO_PORT(io), 0x71);
	assert_int_equal(SVM_IOIO_DATA_SIZE(io), 1);
	assert_int_equal(io & SVM_IOIO_RSVD_MASK, 0);
	assert_int_equal(SVM_IOIO_DATA_SIZE(SVM_IOIO_SZ32), 4);
}

static void test_sev_bits(void **state)
{
	(void)state;
	/* APM vol. 2, 15.34.10: SEV_STATUS bit n+2 = SEV_FEATURES bit n */
	assert_int_equal(SEV_STATUS_FROM_FEAT(SEV_FEAT_REFLECT_VC), SEV_STATUS_REFLECT_VC);
	assert_int_equal(SEV_STATUS_FROM_FEAT(SEV_FEAT_SECURE_AVIC), SEV_STATUS_SECURE_AVIC);
	assert_int_equal(SEV_STATUS_FROM_FEAT(SEV_FEAT_IBPB_ON_ENTRY), SEV_STATUS_IBPB_ON_ENTRY);
	assert_int_equal(SEV_FEAT_RESERVED_MASK & (SEV_FEAT_SECURE_AVIC | SEV_FEAT_IBPB_ON_ENTRY |
						   SEV_FEAT_SNP_ACTIVE),
			 0);
	assert_true(SEV_FEAT_RESERVED_MASK & (1ULL << 17));
	assert_true(SEV_FEAT_RESERVED_MASK & (1ULL << 61));
	assert_false(SEV_FEAT_RESERVED_MASK & (1ULL << 62));
	/* RMPADJUST attributes (APM vol. 3; permission mask, APM vol. 2, 15.36.7) */
	assert_int_equal(RMPADJUST_READ, (uint64_t)RMP_PERM_READ << 8);
	assert_int_equal(RMPADJUST_FULL_PERMS, 0xF00);
	assert_int_equal(RMPADJUST_RSVD_MASK &
				 (RMPADJUST_VMSA | RMPADJUST_FULL_PERMS | RMPADJUST_SSS | 0xFF),
			 0);
	/* CPUID Fn8000_001F EBX (APM vol. 3) */
	assert_int_equal(CPUID_SEV_EBX_CBIT(0x3033), 51);
	assert_int_equal(CPUID_SEV_EBX_VMPL_COUNT(0x4000), 4);
	static const uint8_t vmgexit[] = INSN_VMGEXIT_BYTES;
	assert_int_equal(vmgexit[0], 0xF3);
	assert_int_equal(vmgexit[3], 0xD9);
}

static void test_vintr(void **state)
{
	(void)state;
	uint64_t v = VINTR_IRQ | ((uint64_t)0x31 << VINTR_VECTOR_SHIFT) |
		     (3ULL << VINTR_PRIO_SHIFT);

	assert_int_equal((v & VINTR_VECTOR_MASK) >> VINTR_VECTOR_SHIFT, 0x31);
	assert_int_equal((v & VINTR_PRIO_MASK) >> VINTR_PRIO_SHIFT, 3);
	assert_int_equal(VINTR_BUSY, 0x8000000000000000ULL);
}

/* acpi_pm.h: CONFIG_ADDRESS of bus 0, device, function, register. */
#define CF8(dev, fn, reg) (0x80000000u | ((dev) << 11) | ((fn) << 8) | (reg))

static void test_acpi_pm_base(void **state)
{
	(void)state;
	uint16_t base = 0;

	static const struct {
		uint32_t cf8;
		unsigned int off, size;
		uint32_t val;
		uint16_t before, after;
	} moves[] = {
		/* OVMF on q35: a dword 0x601 to ICH9 D31:F0 PMBASE */
		{ CF8(31, 0, 0x40), 0, 4, 0x601, 0, 0x600 },
		/* bits 6:0 (ICH9) or 5:0 (PIIX4) are not address bits */
		{ CF8(31, 0, 0x40), 0, 2, 0x6C1, 0x600, 0x680 },
		{ CF8(1, 3, 0x40), 0, 4, 0xB0C1, 0x680, 0xB0C0 },
		/* a byte write keeps the other byte */
		{ CF8(31, 0, 0x40), 1, 1, 0x07, 0x600, 0x700 },
		{ CF8(31, 0, 0x40), 0, 1, 0x81, 0x700, 0x780 },
		/* CONFIG_ADDRESS bits 1:0 are not register bits */
		{ CF8(31, 0, 0x43), 1, 1, 0x05, 0x780, 0x580 },
	};
	for (size_t i = 0; i < sizeof(moves) / sizeof(moves[0]); i++) {
		base = moves[i].before;
		assert_true(acpi_pm_base_write(moves[i].cf8, moves[i].off, moves[i].size,
					       moves[i].val, &base));
		assert_int_equal(base, moves[i].after);
	}

	/* nothing else moves it */
	base = 0x600;
	assert_false(acpi_pm_base_write(CF8(31, 0, 0x40) & ~PCI_CFG_ENABLE, 0, 4, 0xB001, &base));
	assert_false(acpi_pm_base_write(CF8(30, 0, 0x40), 0, 4, 0xB001, &base));
	assert_false(acpi_pm_base_write(CF8(31, 1, 0x40), 0, 4, 0xB001, &base));
	assert_false(acpi_pm_base_write(CF8(1, 0, 0x40), 0, 4, 0xB001, &base));
	assert_false(acpi_pm_base_write(CF8(31, 0, 0x44), 0, 4, 0xB001, &base));
	assert_false(acpi_pm_base_write(CF8(31, 0, 0x3C), 0, 4, 0xB001B001, &base));
	assert_false(acpi_pm_base_write(CF8(31, 0, 0x40), 2, 2, 0xB001, &base));
	assert_false(acpi_pm_base_write(CF8(31, 0, 0x40), 2, 4, 0xB001, &base));
	assert_false(acpi_pm_base_write(CF8(31, 0, 0x40) | (1u << 16), 0, 4, 0xB001, &base));
	assert_int_equal(base, 0x600);
}

static void test_acpi_pm_sleep(void **state)
{
	(void)state;
	unsigned int typ = 99;

	/* Linux: a word to PM1a_CNT, SLP_EN | SLP_TYP | SCI_EN */
	assert_true(acpi_pm_sleep_write(0x600, 0x604, 2, 0x3401, &typ));
	assert_int_equal(typ, 5);
	assert_true(acpi_pm_sleep_write(0x600, 0x604, 2, 0x2001, &typ));
	assert_int_equal(typ, 0);
	assert_true(acpi_pm_sleep_write(0x600, 0x605, 1, 0x3C, &typ));
	assert_int_equal(typ, 7);
	assert_true(acpi_pm_sleep_write(0xB000, 0xB004, 4, 0x2000, &typ));
	assert_true(acpi_pm_sleep_write(0x600, 0x602, 4, 0x24000000, &typ));
	assert_int_equal(typ, 1);
	/* SLP_TYP alone (Linux writes it first), other registers, no base */
	typ = 99;
	assert_false(acpi_pm_sleep_write(0x600, 0x604, 2, 0x1401, &typ));
	assert_false(acpi_pm_sleep_write(0x600, 0x604, 1, 0xFF, &typ));
	assert_false(acpi_pm_sleep_write(0x600, 0x600, 4, 0x2000, &typ));
	assert_false(acpi_pm_sleep_write(0x600, 0x606, 2, 0x2000, &typ));
	assert_false(acpi_pm_sleep_write(0x600, 0x504, 2, 0x2000, &typ));
	assert_false(acpi_pm_sleep_write(0, 0x4, 2, 0x2000, &typ));
	assert_int_equal(typ, 99);

	assert_true(acpi_pm_reset_write(0xCF9, 1, 0x06));
	assert_true(acpi_pm_reset_write(0xCF9, 1, 0x04));
	assert_false(acpi_pm_reset_write(0xCF9, 1, 0x02));
	assert_false(acpi_pm_reset_write(0xCF8, 4, 0x80000400));
	assert_false(acpi_pm_reset_write(0xCF9, 2, 0x06));
}

/* The order a guest writes in: firmware programs the base, the OS sleeps. */
static void test_acpi_pm_snoop(void **state)
{
	(void)state;
	struct acpi_pm_snoop s = { 0 };
	unsigned int typ = 99;

	assert_false(acpi_pm_snoop_port(&s, 0x604, 2));
	assert_int_equal(acpi_pm_snoop_out(&s, 0x604, 2, 0x2000, &typ), ACPI_PM_NONE);
	assert_int_equal(acpi_pm_snoop_out(&s, 0xCF8, 4, CF8(31, 0, 0x40), &typ), ACPI_PM_NONE);
	assert_int_equal(s.cf8, CF8(31, 0, 0x40));
	/* a byte or word at 0xCF8 is not CONFIG_ADDRESS */
	assert_int_equal(acpi_pm_snoop_out(&s, 0xCF8, 2, 0, &typ), ACPI_PM_NONE);
	assert_int_equal(s.cf8, CF8(31, 0, 0x40));
	assert_int_equal(acpi_pm_snoop_out(&s, 0xCFC, 4, 0x601, &typ), ACPI_PM_BASE);
	assert_int_equal(s.base, 0x600);
	assert_int_equal(acpi_pm_snoop_out(&s, 0xCF8, 4, CF8(31, 0, 0x44), &typ), ACPI_PM_NONE);
	assert_int_equal(acpi_pm_snoop_out(&s, 0xCFC, 1, 0x80, &typ), ACPI_PM_NONE);
	assert_int_equal(acpi_pm_snoop_out(&s, 0x604, 2, 0x0001, &typ), ACPI_PM_NONE);
	assert_int_equal(typ, 99);
	assert_int_equal(acpi_pm_snoop_out(&s, 0x604, 2, 0x2001, &typ), ACPI_PM_SLEEP);
	assert_int_equal(typ, 0);
	assert_int_equal(acpi_pm_snoop_out(&s, 0xCF9, 1, 0x06, &typ), ACPI_PM_RESET);
	/* a dword CONFIG_ADDRESS covers 0xCF9 but is no reset */
	assert_int_equal(acpi_pm_snoop_out(&s, 0xCF8, 4, 0x80000004, &typ), ACPI_PM_NONE);

	assert_true(acpi_pm_snoop_port(&s, 0xCF8, 4));
	assert_true(acpi_pm_snoop_port(&s, 0xCFE, 2));
	assert_true(acpi_pm_snoop_port(&s, 0xCF9, 1));
	assert_true(acpi_pm_snoop_port(&s, 0x604, 2));
	assert_true(acpi_pm_snoop_port(&s, 0x605, 1));
	assert_true(acpi_pm_snoop_port(&s, 0x602, 4));
	assert_false(acpi_pm_snoop_port(&s, 0x600, 4));
	assert_false(acpi_pm_snoop_port(&s, 0x606, 2));
	assert_false(acpi_pm_snoop_port(&s, 0xCF4, 4));
	assert_false(acpi_pm_snoop_port(&s, 0xD00, 1));
	assert_false(acpi_pm_snoop_port(&s, 0x3F8, 1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_msr_cpuid),
		cmocka_unit_test(test_msr_sev_info),
		cmocka_unit_test(test_msr_reg_gpa),
		cmocka_unit_test(test_msr_psc),
		cmocka_unit_test(test_msr_run_vmpl),
		cmocka_unit_test(test_msr_hv_features_and_term),
		cmocka_unit_test(test_valid_bitmap),
		cmocka_unit_test(test_psc_entry),
		cmocka_unit_test(test_ap_create),
		cmocka_unit_test(test_eventinj_ioio),
		cmocka_unit_test(test_sev_bits),
		cmocka_unit_test(test_vintr),
		cmocka_unit_test(test_acpi_pm_base),
		cmocka_unit_test(test_acpi_pm_sleep),
		cmocka_unit_test(test_acpi_pm_snoop),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
