/* SPDX-License-Identifier: MIT */
/*
 * images/ (mkigvm) unit tests: payload and paravisor packing, IGVM parse/validate,
 * rejection of corrupted files, and a known-answer launch digest computed
 * here independently (PAGE_INFO bytes laid out by hand, OpenSSL SHA-384).
 */
#include <elf.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/evp.h>

#include "crc32.h"
#include "elf_load.h"
#include "igvm.h"
#include "igvm_parse.h"
#include "igvm_write.h"
#include "measure.h"
#include "paravisor.h"
#include "paravisor_layout.h"
#include "payload.h"
#include "payload_layout.h"
#include "vmsa.h"

#define PAGE	4096u
#define TEXT_VA 0x100000u
#define BSS_VA	0x101000u

/* ------------------------------------------------------------ helpers */

static void sha384(const void *p, size_t n, uint8_t out[48])
{
	unsigned int len = 0;

	assert_true(EVP_Digest(p, n, out, &len, EVP_sha384(), NULL));
	assert_int_equal(len, 48);
}

/** An ELF with two PT_LOADs: @ph[0] gets 16 bytes of hlt at file offset
 * 0x1000, @ph[1] the byte 0x2A at 0x2000 (offsets and filesz set here). */
static uint8_t *build_elf(size_t *len, uint64_t entry, Elf64_Phdr ph[2])
{
	size_t size = 0x2004;
	uint8_t *f = calloc(1, size);
	Elf64_Ehdr eh = {
		.e_ident = { ELFMAG0, ELFMAG1, ELFMAG2, ELFMAG3, ELFCLASS64, ELFDATA2LSB,
			     EV_CURRENT },
		.e_type = ET_EXEC,
		.e_machine = EM_X86_64,
		.e_version = EV_CURRENT,
		.e_entry = entry,
		.e_phoff = sizeof(Elf64_Ehdr),
		.e_ehsize = sizeof(Elf64_Ehdr),
		.e_phentsize = sizeof(Elf64_Phdr),
		.e_phnum = 2,
	};

	assert_non_null(f);
	for (int i = 0; i < 2; i++) {
		ph[i].p_type = PT_LOAD;
		ph[i].p_offset = 0x1000u * (i + 1u);
		ph[i].p_filesz = i ? 4 : 16;
		ph[i].p_align = PAGE;
	}
	memcpy(f, &eh, sizeof(eh));
	memcpy(f + sizeof(eh), ph, 2 * sizeof(*ph));
	memset(f + 0x1000, 0xF4, 16); /* hlt */
	f[0x2000] = 0x2A;
	*len = size;
	return f;
}

/** A tiny payload ELF: 16 bytes of text at @text_va, then 4 bytes of data
 * and 0x3000 - 4 bytes of bss at 0x101000 (so 0x102000/0x103000 are 0). */
static uint8_t *make_elf(size_t *len, uint64_t text_va)
{
	Elf64_Phdr ph[2] = {
		{ .p_flags = PF_R | PF_X, .p_vaddr = text_va, .p_paddr = text_va, .p_memsz = 16 },
		{ .p_flags = PF_R | PF_W, .p_vaddr = BSS_VA, .p_paddr = BSS_VA, .p_memsz = 0x3000 },
	};

	return build_elf(len, text_va, ph);
}

static uint8_t *make_payload(size_t *len)
{
	size_t elf_len;
	uint8_t *elf = make_elf(&elf_len, TEXT_VA), *out = NULL;
	struct mk_err err = { "" };

	if (payload_build(elf, elf_len, PAYLOAD_CBIT, &out, len, &err))
		fail_msg("payload_build: %s", err.msg);
	free(elf);
	return out;
}

static int parse_ok(const uint8_t *d, size_t n, struct igvm_file *f)
{
	struct mk_err err = { "" };
	int rc = igvm_parse(d, n, f, &err);

	if (rc)
		print_message("parse error: %s\n", err.msg);
	return rc;
}

/** Parse must fail; returns the error message (static buffer). */
static const char *parse_err(const uint8_t *d, size_t n)
{
	static struct mk_err err;
	struct igvm_file f;

	memset(&err, 0, sizeof(err));
	assert_int_not_equal(igvm_parse(d, n, &f, &err), 0);
	assert_true(err.msg[0] != '\0');
	return err.msg;
}

/** Recompute the checksum after a deliberate header edit (@n bytes). */
static void fix_crc_n(uint8_t *d, size_t n)
{
	struct igvm_fixed_header fh;

	memcpy(&fh, d, sizeof(fh));
	if ((uint64_t)fh.variable_header_offset + fh.variable_header_size > n)
		return;
	fh.checksum = 0;
	memcpy(d, &fh, sizeof(fh));
	fh.checksum = crc32_update(0, d, fh.variable_header_offset + fh.variable_header_size);
	memcpy(d, &fh, sizeof(fh));
}

/** The same for a well-formed file (reads total_file_size). */
static void fix_crc(uint8_t *d)
{
	struct igvm_fixed_header fh;

	memcpy(&fh, d, sizeof(fh));
	fix_crc_n(d, fh.total_file_size);
}

/** Index of the first header of @type at or after @from, or -1. */
static long find_hdr(const struct igvm_file *f, uint32_t type, size_t from)
{
	for (size_t i = from; i < f->hdr_count; i++)
		if (f->hdrs[i].type == type)
			return (long)i;
	return -1;
}

static uint64_t page_u64(const uint8_t *d, const struct igvm_page_data *pd, unsigned idx)
{
	uint64_t v;

	memcpy(&v, d + pd->file_offset + idx * 8u, sizeof(v));
	return v;
}

/** The PAGE_DATA directive for @gpa. */
static struct igvm_page_data page_at(const struct igvm_file *f, uint64_t gpa)
{
	struct igvm_page_data pd;

	for (long i = 0; (i = find_hdr(f, IGVM_VHT_PAGE_DATA, (size_t)i)) >= 0; i++) {
		igvm_hdr_read(f, (size_t)i, &pd, sizeof(pd));
		if (pd.gpa == gpa)
			return pd;
	}
	fail_msg("no PAGE_DATA for 0x%llx", (unsigned long long)gpa);
	return pd;
}

/** A packed payload and its parsed form, shared by the payload tests. */
struct fixture {
	uint8_t *d;
	size_t n;
	struct igvm_file f;
};

/** Build an image with @make and parse it into *state. */
static int fixture_setup(void **state, uint8_t *(*make)(size_t *len))
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	fx->d = make(&fx->n);
	if (parse_ok(fx->d, fx->n, &fx->f)) {
		free(fx->d);
		free(fx);
		return -1;
	}
	*state = fx;
	return 0;
}

static int payload_setup(void **state)
{
	return fixture_setup(state, make_payload);
}

static int fixture_teardown(void **state)
{
	struct fixture *fx = *state;

	igvm_file_free(&fx->f);
	free(fx->d);
	free(fx);
	return 0;
}

/** The image's one VP_CONTEXT: at KVM's VMSA GPA, its page into @v. */
static void fixture_vmsa(const struct fixture *fx, struct sev_vmsa *v)
{
	struct igvm_vp_context vp;
	long i = find_hdr(&fx->f, IGVM_VHT_VP_CONTEXT, 0);

	assert_true(i >= 0);
	assert_int_equal(find_hdr(&fx->f, IGVM_VHT_VP_CONTEXT, (size_t)i + 1), -1);
	igvm_hdr_read(&fx->f, (size_t)i, &vp, sizeof(vp));
	assert_int_equal(vp.gpa, 0xFFFFFFFFF000ull);
	assert_int_equal(vp.vp_index, 0);
	memcpy(v, fx->d + vp.file_offset, sizeof(*v));
}

/** Two builds with @make give the same bytes and the same digest. */
static void check_deterministic(uint8_t *(*make)(size_t *len))
{
	size_t n1, n2;
	uint8_t *a = make(&n1), *b = make(&n2);
	uint8_t da[48], db[48];
	struct igvm_file fa, fb;
	struct mk_err err;

	assert_int_equal(n1, n2);
	assert_memory_equal(a, b, n1);
	assert_int_equal(parse_ok(a, n1, &fa), 0);
	assert_int_equal(parse_ok(b, n2, &fb), 0);
	assert_int_equal(snp_measure_igvm(&fa, da, &err), 0);
	assert_int_equal(snp_measure_igvm(&fb, db, &err), 0);
	assert_memory_equal(da, db, 48);
	igvm_file_free(&fa);
	igvm_file_free(&fb);
	free(a);
	free(b);
}

/* ------------------------------------------------------------ tests */

static void test_crc32_vector(void **state)
{
	(void)state;
	assert_int_equal(crc32_update(0, "123456789", 9), 0xCBF43926);
	/* chaining equals one call */
	assert_int_equal(crc32_update(crc32_update(0, "1234", 4), "56789", 5), 0xCBF43926);
}

static void test_payload_parses(void **state)
{
	(void)state;
	size_t n;
	uint8_t *d = make_payload(&n);
	struct igvm_fixed_header fh;
	struct igvm_file f;

	memcpy(&fh, d, sizeof(fh));
	assert_int_equal(fh.magic, IGVM_MAGIC);
	assert_int_equal(fh.format_version, 1);
	assert_int_equal(fh.total_file_size, n);
	assert_int_equal(fh.variable_header_offset % 8, 0);
	{ /* recomputing the checksum must give the same bytes */
		uint8_t *copy = malloc(n);

		assert_non_null(copy);
		memcpy(copy, d, n);
		fix_crc(copy);
		assert_memory_equal(copy, d, n);
		free(copy);
	}
	assert_int_equal(parse_ok(d, n, &f), 0);
	assert_int_equal(f.snp_mask, 1);
	assert_int_equal(f.snp_policy, 0x30000);
	igvm_file_free(&f);
	free(d);
}

/** Header order: platform, policy, page data..., area, memmap, insert, VP. */
static void test_payload_header_order(void **state)
{
	static const uint32_t tail[] = {
		IGVM_VHT_PAGE_DATA,	   IGVM_VHT_PAGE_DATA, /* CPUID, SECRETS */
		IGVM_VHT_PARAMETER_AREA,   IGVM_VHT_MEMORY_MAP,
		IGVM_VHT_PARAMETER_INSERT, IGVM_VHT_VP_CONTEXT,
	};
	const struct igvm_file *f = &((struct fixture *)*state)->f;
	size_t tn = sizeof(tail) / sizeof(tail[0]);

	/* 2 + PML4 + PDPT + 4 PD + GDT + 4 ELF pages + tail */
	assert_int_equal(f->hdr_count, 2 + 7 + 4 + tn);
	assert_int_equal(f->hdrs[0].type, IGVM_VHT_SUPPORTED_PLATFORM);
	assert_int_equal(f->hdrs[1].type, IGVM_VHT_GUEST_POLICY);
	for (size_t i = 2; i < f->hdr_count - tn; i++)
		assert_int_equal(f->hdrs[i].type, IGVM_VHT_PAGE_DATA);
	for (size_t i = 0; i < tn; i++)
		assert_int_equal(f->hdrs[f->hdr_count - tn + i].type, tail[i]);
}

static void test_payload_deterministic(void **state)
{
	(void)state;
	check_deterministic(make_payload);
}

static void test_payload_pages(void **state)
{
	struct fixture *fx = *state;
	const struct igvm_file *f = &fx->f;
	const uint8_t *d = fx->d;
	struct igvm_page_data pd;
	const uint64_t c = PAYLOAD_CBIT_MASK;

	pd = page_at(f, PAYLOAD_PML4_GPA);
	assert_int_equal(page_u64(d, &pd, 0), PAYLOAD_PDPT_GPA | c | 3);
	pd = page_at(f, PAYLOAD_PDPT_GPA);
	assert_int_equal(page_u64(d, &pd, 1), (PAYLOAD_PD_GPA + PAGE) | c | 3);
	pd = page_at(f, PAYLOAD_PD_GPA); /* private [0,1G) */
	assert_int_equal(page_u64(d, &pd, 1), 0x200000 | c | 0x83);
	pd = page_at(f, PAYLOAD_PD_GPA + PAGE); /* shared alias */
	assert_int_equal(page_u64(d, &pd, 511), (511ull << 21) | 0x83);
	pd = page_at(f, PAYLOAD_PD_GPA + 3 * PAGE); /* MMIO [3G,4G) */
	assert_int_equal(page_u64(d, &pd, 0), 0xC0000000ull | 0x9B);
	pd = page_at(f, PAYLOAD_GDT_GPA);
	assert_int_equal(page_u64(d, &pd, 1), 0x00AF9B000000FFFFull);
	pd = page_at(f, TEXT_VA);
	assert_int_not_equal(pd.file_offset, 0);
	assert_int_equal(d[pd.file_offset], 0xF4);
	pd = page_at(f, BSS_VA);
	assert_int_equal(d[pd.file_offset], 0x2A);
	pd = page_at(f, BSS_VA + PAGE); /* bss: zero page */
	assert_int_equal(pd.file_offset, 0);
	assert_int_equal(pd.data_type, IGVM_PAGE_DATA_TYPE_NORMAL);
	pd = page_at(f, PAYLOAD_CPUID_GPA);
	assert_int_equal(pd.data_type, IGVM_PAGE_DATA_TYPE_CPUID_DATA);
	pd = page_at(f, PAYLOAD_SECRETS_GPA);
	assert_int_equal(pd.data_type, IGVM_PAGE_DATA_TYPE_SECRETS);
}

static void test_payload_vmsa(void **state)
{
	struct sev_vmsa v;

	fixture_vmsa(*state, &v);
	assert_int_equal(v.rip, TEXT_VA);
	assert_int_equal(v.cr3, PAYLOAD_PML4_GPA | PAYLOAD_CBIT_MASK);
	assert_int_equal(v.cr0, 0x80010033);
	assert_int_equal(v.cr4, 0x620);
	assert_true(v.efer & VMSA_EFER_SVME);
	assert_int_equal(v.efer & 0x500, 0x500); /* LME | LMA */
	assert_int_equal(v.cs.selector, 0x08);
	assert_int_equal(v.cs.attrib, 0x29B);
	assert_int_equal(v.ss.attrib, 0x093);
	assert_int_equal(v.gdtr.base, PAYLOAD_GDT_GPA);
	assert_int_equal(v.sev_features, SEV_FEAT_SNP_ACTIVE);
	assert_int_equal(v.vmpl, 0);
	assert_int_equal(v.rflags, 2);
	assert_int_equal(v.xcr0, 1);
	assert_int_equal(v.mxcsr, 0x1F80);
	assert_int_equal(v.x87_fcw, 0x37F);
	assert_int_equal(v.g_pat, 0x0007040600070406ull);
}

static void test_reject_checksum(void **state)
{
	(void)state;
	size_t n;
	uint8_t *d = make_payload(&n);

	d[offsetof(struct igvm_fixed_header, checksum)] ^= 1;
	assert_non_null(strstr(parse_err(d, n), "checksum"));
	d[offsetof(struct igvm_fixed_header, checksum)] ^= 1;
	d[40] ^= 0x80; /* a header byte: checksum no longer matches */
	assert_non_null(strstr(parse_err(d, n), "checksum"));
	free(d);
}

static void test_reject_truncated(void **state)
{
	(void)state;
	size_t n;
	uint8_t *d = make_payload(&n);

	static const size_t cuts[] = { 0, 1, 23, 24, 100 };
	for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++)
		parse_err(d, cuts[i]);
	parse_err(d, n - 1);
	/* truncated but with total_file_size patched to match */
	{
		struct igvm_fixed_header fh;

		memcpy(&fh, d, sizeof(fh));
		fh.total_file_size = (uint32_t)(n - 1);
		memcpy(d, &fh, sizeof(fh));
		fix_crc(d);
		/* the VMSA data now runs past the end */
		assert_non_null(strstr(parse_err(d, n - 1), "outside"));
	}
	free(d);
}

/** Offset of the @k-th TLV in @d. */
static size_t tlv_off(const uint8_t *d, unsigned k)
{
	size_t off = 24;

	for (unsigned i = 0; i < k; i++) {
		uint32_t len;

		memcpy(&len, d + off + 4, 4);
		off += 8 + ((len + 7u) & ~7u);
	}
	return off;
}

static void patch_u32(uint8_t *d, size_t off, uint32_t v)
{
	memcpy(d + off, &v, 4);
	fix_crc(d);
}

static void test_reject_bad_tlv(void **state)
{
	(void)state;
	size_t n;
	uint8_t *d = make_payload(&n), *c = malloc(n);
	size_t t2 = tlv_off(d, 2); /* first PAGE_DATA */

	assert_non_null(c);
	memcpy(c, d, n);
	patch_u32(c, t2 + 4, 0xFFFFFFF0u); /* length past the end */
	assert_non_null(strstr(parse_err(c, n), "TLV length"));
	memcpy(c, d, n);
	patch_u32(c, t2 + 4, 23); /* wrong size for PAGE_DATA */
	assert_non_null(strstr(parse_err(c, n), "length 23"));
	memcpy(c, d, n);
	patch_u32(c, tlv_off(d, 0) + 4, 12); /* platform: padding != 0 */
	assert_non_null(strstr(parse_err(c, n), "length"));
	memcpy(c, d, n);
	patch_u32(c, t2, IGVM_VHT_SUPPORTED_PLATFORM); /* out of order */
	assert_non_null(strstr(parse_err(c, n), "order"));
	memcpy(c, d, n);
	patch_u32(c, t2, 0x399); /* unknown, not optional */
	assert_non_null(strstr(parse_err(c, n), "unsupported"));
	memcpy(c, d, n); /* 2 MiB page */
	patch_u32(c, t2 + 8 + offsetof(struct igvm_page_data, flags), 1);
	assert_non_null(strstr(parse_err(c, n), "2 MiB"));
	memcpy(c, d, n); /* data outside the file */
	patch_u32(c, t2 + 8 + offsetof(struct igvm_page_data, file_offset), (uint32_t)n - 100);
	assert_non_null(strstr(parse_err(c, n), "outside"));
	memcpy(c, d, n); /* data inside the headers */
	patch_u32(c, t2 + 8 + offsetof(struct igvm_page_data, file_offset), 24);
	assert_non_null(strstr(parse_err(c, n), "outside"));
	memcpy(c, d, n); /* VP_CONTEXT padding != 0 */
	c[tlv_off(d, 18) + 8 + sizeof(struct igvm_vp_context)] = 1;
	fix_crc(c);
	assert_non_null(strstr(parse_err(c, n), "padding"));
	memcpy(c, d, n);
	patch_u32(c, 4, 2); /* format version 2 */
	assert_non_null(strstr(parse_err(c, n), "version"));
	memcpy(c, d, n);
	patch_u32(c, 8, 28); /* unaligned var header */
	parse_err(c, n);
	free(c);
	free(d);
}

/** A builder with the SNP platform (mask 1) and the default policy. */
static void builder_start(struct igvm_builder *b)
{
	igvm_builder_init(b);
	assert_int_equal(igvm_add_platform_snp(b, 1), 0);
	assert_int_equal(igvm_add_guest_policy(b, 1, 0x30000), 0);
}

/** Finish @b, parse the file into @f and measure it into @digest. */
static uint8_t *builder_measure(struct igvm_builder *b, struct igvm_file *f, uint8_t digest[48])
{
	struct mk_err err = { "" };
	uint8_t *d;
	size_t n;

	assert_int_equal(igvm_builder_finish(b, &d, &n, &err), 0);
	igvm_builder_free(b);
	assert_int_equal(parse_ok(d, n, f), 0);
	assert_int_equal(snp_measure_igvm(f, digest, &err), 0);
	return d;
}

/** An optional unknown header is skipped. */
static void test_optional_skipped(void **state)
{
	(void)state;
	struct igvm_builder b;
	uint8_t pad[12] = { 0 }, *d, dg[48];
	struct igvm_file f;

	builder_start(&b);
	assert_int_equal(igvm_add_header(&b, IGVM_VHT_OPTIONAL | 0x3FF, pad, sizeof(pad)), 0);
	d = builder_measure(&b, &f, dg);
	assert_int_equal(f.hdr_count, 2);
	for (int i = 0; i < 48; i++)
		assert_int_equal(dg[i], 0); /* nothing measured */
	igvm_file_free(&f);
	free(d);
}

/* --- known answer: file and expected digest built by hand ------------ */

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}
static void put64v(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, 8);
}

/** Expected step, PAGE_INFO laid out by byte offset (SNP ABI Table 67). */
static void kat_step(uint8_t dg[48], const uint8_t contents[48], uint8_t type, uint64_t gpa)
{
	uint8_t pi[0x70] = { 0 };

	memcpy(pi, dg, 48);
	memcpy(pi + 0x30, contents, 48);
	pi[0x60] = 0x70;
	pi[0x62] = type;
	put64v(pi + 0x68, gpa);
	sha384(pi, sizeof(pi), dg);
}

/*
 * Layout: fixed(24) | PLATFORM(8+16) | POLICY(8+16) | VP_CONTEXT(8+24) |
 * PAGE_DATA normal(8+24) | PAGE_DATA zero(8+24) | PAGE_DATA secrets(8+24)
 * | data: page (4096), vmsa (4096).  The VP_CONTEXT comes first in the file
 * but must be measured last.
 */
static void test_known_answer(void **state)
{
	(void)state;
	const size_t var = 24 + 24 + 32 + 32 * 3, data = 24 + var;
	const size_t n = data + 2 * PAGE;
	uint8_t *d = calloc(1, n), dg[48] = { 0 }, h[48], got[48];
	uint8_t *p;
	struct igvm_file f;
	struct mk_err err;

	assert_non_null(d);
	put32(d, IGVM_MAGIC);
	put32(d + 4, 1);
	put32(d + 8, 24);
	put32(d + 12, (uint32_t)var);
	put32(d + 16, (uint32_t)n);
	p = d + 24;
	put32(p, 0x001);
	put32(p + 4, 16); /* SUPPORTED_PLATFORM */
	put32(p + 8, 1);
	p[13] = 2;
	p[14] = 1;
	p += 24;
	put32(p, 0x101);
	put32(p + 4, 16); /* GUEST_POLICY */
	put64v(p + 8, 0x30000);
	put32(p + 16, 1);
	p += 24;
	put32(p, 0x304);
	put32(p + 4, 20); /* VP_CONTEXT */
	put64v(p + 8, 0xFFFFFFFFF000ull);
	put32(p + 16, 1);
	put32(p + 20, (uint32_t)(data + PAGE));
	p += 32;
	put32(p, 0x302);
	put32(p + 4, 24); /* PAGE_DATA normal */
	put64v(p + 8, 0x100000);
	put32(p + 16, 1);
	put32(p + 20, (uint32_t)data);
	p += 32;
	put32(p, 0x302);
	put32(p + 4, 24); /* PAGE_DATA zero */
	put64v(p + 8, 0x101000);
	put32(p + 16, 1);
	p += 32;
	put32(p, 0x302);
	put32(p + 4, 24); /* PAGE_DATA secrets */
	put64v(p + 8, 0x1B000);
	put32(p + 16, 1);
	d[p + 28 - d] = 1;
	for (size_t i = 0; i < PAGE; i++) {
		d[data + i] = (uint8_t)(i * 7 + 1);
		d[data + PAGE + i] = (uint8_t)(i ^ 0x5A);
	}
	put32(d + 20, crc32_update(0, d, 24 + var));

	sha384(d + data, PAGE, h);
	kat_step(dg, h, 1, 0x100000); /* NORMAL */
	memset(h, 0, sizeof(h));
	kat_step(dg, h, 3, 0x101000); /* ZERO */
	kat_step(dg, h, 5, 0x1B000);  /* SECRETS */
	sha384(d + data + PAGE, PAGE, h);
	kat_step(dg, h, 2, 0xFFFFFFFFF000ull); /* VMSA, last */

	assert_int_equal(parse_ok(d, n, &f), 0);
	assert_int_equal(snp_measure_igvm(&f, got, &err), 0);
	assert_memory_equal(got, dg, 48);
	igvm_file_free(&f);
	free(d);
}

/** PARAMETER_INSERT pages are UNMEASURED at the insert GPA. */
static void test_param_insert_measure(void **state)
{
	(void)state;
	struct igvm_builder b;
	uint8_t *d, dg[48] = { 0 }, zero[48] = { 0 }, got[48];
	struct igvm_file f;

	builder_start(&b);
	assert_int_equal(igvm_add_parameter_area(&b, 7, 2 * PAGE), 0);
	assert_int_equal(igvm_add_parameter(&b, IGVM_VHT_MEMORY_MAP, 7, 0), 0);
	assert_int_equal(igvm_add_parameter_insert(&b, 1, 0x1C000, 7), 0);
	d = builder_measure(&b, &f, got);
	kat_step(dg, zero, 4, 0x1C000);
	kat_step(dg, zero, 4, 0x1D000);
	assert_memory_equal(got, dg, 48);
	igvm_file_free(&f);
	free(d);
}

static void test_elf_rejects(void **state)
{
	(void)state;
	size_t n;
	uint8_t *elf = make_elf(&n, 0x400000), *out;
	struct mk_err err = { "" };
	size_t on;

	assert_int_not_equal(payload_build(elf, n, 39, &out, &on, &err), 0);
	assert_non_null(strstr(err.msg, "outside"));
	free(elf);
	elf = make_elf(&n, TEXT_VA);
	assert_int_not_equal(payload_build(elf, n, 60, &out, &on, &err), 0);
	assert_int_not_equal(payload_build(elf, 100, 39, &out, &on, &err), 0);
	elf[0] = 0;
	assert_int_not_equal(payload_build(elf, n, 39, &out, &on, &err), 0);
	assert_non_null(strstr(err.msg, "magic"));
	free(elf);
}

/** Random corruption never crashes the parser (ASan builds catch OOB). */
static void test_parse_mutations(void **state)
{
	(void)state;
	size_t n;
	uint8_t *d = make_payload(&n), *c = malloc(n), dg[48];
	uint32_t seed = 12345;
	struct mk_err err;

	assert_non_null(c);
	for (int iter = 0; iter < 2000; iter++) {
		struct igvm_file f;
		size_t len = n;

		memcpy(c, d, n);
		for (int k = 0; k < 4; k++) {
			seed = seed * 1103515245u + 12345u;
			c[(seed >> 8) % 700] ^= (uint8_t)(seed >> 24);
		}
		if (iter & 1)
			fix_crc_n(c, n);
		if (iter % 7 == 0)
			len = (seed >> 4) % n;
		if (igvm_parse(c, len, &f, &err) == 0) {
			assert_int_equal(snp_measure_igvm(&f, dg, &err), 0);
			igvm_file_free(&f);
		}
	}
	free(c);
	free(d);
}

/* --- paravisor.igvm --------------------------------------------------- */

#define FW_SIZE (64u << 10) /* the synthetic "OVMF.fd" */
#define MIB16	(16u << 20)

/** A paravisor ELF: a 16-byte 32-bit boot part (identity mapped) and a
 * two-page 64-bit part linked at @high_vaddr, loaded at @high_paddr. */
struct pv_elf {
	uint64_t entry, boot_paddr, high_vaddr, high_paddr;
};

static const struct pv_elf pv_good = {
	PV_BOOT32_GPA,
	PV_BOOT32_GPA,
	PV_KERNEL_VMA,
	PV_KERNEL_LMA,
};

static uint8_t *make_pv_elf(size_t *len, const struct pv_elf *c)
{
	Elf64_Phdr ph[2] = {
		{ .p_flags = PF_R | PF_X,
		  .p_vaddr = c->boot_paddr,
		  .p_paddr = c->boot_paddr,
		  .p_memsz = 16 },
		{ .p_flags = PF_R | PF_W | PF_X,
		  .p_vaddr = c->high_vaddr,
		  .p_paddr = c->high_paddr,
		  .p_memsz = 0x2000 },
	};

	return build_elf(len, c->entry, ph);
}

/** Firmware bytes: a pattern with no all-zero page. */
static uint8_t *make_fw(size_t size)
{
	uint8_t *fw = malloc(size ? size : 1);

	assert_non_null(fw);
	for (size_t i = 0; i < size; i++)
		fw[i] = (uint8_t)(i * 31u + (i >> 12) + 1u);
	return fw;
}

/** paravisor_build() from @c and a @fw_size firmware. */
static int pv_pack(const struct pv_elf *c, size_t fw_size, uint8_t **out, size_t *n,
		   struct mk_err *err)
{
	size_t elf_len;
	uint8_t *elf = make_pv_elf(&elf_len, c), *fw = make_fw(fw_size);
	int rc = paravisor_build(elf, elf_len, fw, fw_size, out, n, err);

	free(elf);
	free(fw);
	return rc;
}

static uint8_t *make_pv(size_t *len)
{
	struct mk_err err = { "" };
	uint8_t *out = NULL;

	if (pv_pack(&pv_good, FW_SIZE, &out, len, &err))
		fail_msg("paravisor_build: %s", err.msg);
	return out;
}

static int pv_setup(void **state)
{
	return fixture_setup(state, make_pv);
}

/** Header @i is PAGE_DATA at @gpa with @type and @flags 0. */
static void check_page_hdr(const struct igvm_file *f, size_t i, uint64_t gpa, uint16_t type)
{
	struct igvm_page_data pd;

	assert_int_equal(f->hdrs[i].type, IGVM_VHT_PAGE_DATA);
	igvm_hdr_read(f, i, &pd, sizeof(pd));
	assert_int_equal(pd.gpa, gpa);
	assert_int_equal(pd.data_type, type);
	assert_int_equal(pd.flags, 0);
	assert_int_equal(pd.compatibility_mask, 1);
}

/** Order: platform, policy, ELF, launch pages, memory map, OVMF, VMSA. */
static void test_pv_header_order(void **state)
{
	static const struct {
		uint64_t gpa;
		uint16_t type;
	} pages[] = {
		{ PV_BOOT32_GPA, IGVM_PAGE_DATA_TYPE_NORMAL },
		{ PV_KERNEL_LMA, IGVM_PAGE_DATA_TYPE_NORMAL },
		{ PV_KERNEL_LMA + PAGE, IGVM_PAGE_DATA_TYPE_NORMAL },
		{ PV_CPUID_GPA, IGVM_PAGE_DATA_TYPE_CPUID_DATA },
		{ PV_SECRETS_GPA, IGVM_PAGE_DATA_TYPE_SECRETS },
		{ PV_GDT_GPA, IGVM_PAGE_DATA_TYPE_NORMAL },
		{ PV_FW_INFO_GPA, IGVM_PAGE_DATA_TYPE_NORMAL },
	};
	const size_t np = sizeof(pages) / sizeof(pages[0]);
	const size_t fw_pages = FW_SIZE / PAGE, fw0 = 2 + np + 3;
	const struct igvm_file *f = &((struct fixture *)*state)->f;
	struct igvm_parameter_insert pi;

	assert_int_equal(f->hdr_count, fw0 + fw_pages + 1);
	assert_int_equal(f->hdrs[0].type, IGVM_VHT_SUPPORTED_PLATFORM);
	assert_int_equal(f->hdrs[1].type, IGVM_VHT_GUEST_POLICY);
	assert_int_equal(f->snp_mask, 1);
	assert_int_equal(f->snp_policy, 0x30000);
	for (size_t i = 0; i < np; i++)
		check_page_hdr(f, 2 + i, pages[i].gpa, pages[i].type);
	assert_int_equal(f->hdrs[2 + np].type, IGVM_VHT_PARAMETER_AREA);
	assert_int_equal(f->hdrs[3 + np].type, IGVM_VHT_MEMORY_MAP);
	assert_int_equal(f->hdrs[4 + np].type, IGVM_VHT_PARAMETER_INSERT);
	igvm_hdr_read(f, 4 + np, &pi, sizeof(pi));
	assert_int_equal(pi.gpa, PV_MEMMAP_GPA);
	for (size_t i = 0; i < fw_pages; i++)
		check_page_hdr(f, fw0 + i, (4ull << 30) - FW_SIZE + i * PAGE,
			       IGVM_PAGE_DATA_TYPE_NORMAL);
	assert_int_equal(f->hdrs[f->hdr_count - 1].type, IGVM_VHT_VP_CONTEXT);
}

static void test_pv_pages(void **state)
{
	struct fixture *fx = *state;
	const uint8_t *d = fx->d;
	struct igvm_page_data pd;

	pd = page_at(&fx->f, PV_BOOT32_GPA);
	assert_int_equal(d[pd.file_offset], 0xF4);
	pd = page_at(&fx->f, PV_KERNEL_LMA); /* high VMA, low LMA */
	assert_int_equal(d[pd.file_offset], 0x2A);
	pd = page_at(&fx->f, PV_KERNEL_LMA + PAGE); /* bss: zero page */
	assert_int_equal(pd.file_offset, 0);
	pd = page_at(&fx->f, PV_GDT_GPA);
	assert_int_equal(page_u64(d, &pd, 0), 0);
	assert_int_equal(page_u64(d, &pd, 1), 0x00CF9B000000FFFFull);
	assert_int_equal(page_u64(d, &pd, 2), 0x00CF93000000FFFFull);
	assert_int_equal(page_u64(d, &pd, 3), 0x00AF9B000000FFFFull);
	assert_int_equal(page_u64(d, &pd, 4), 0);
	pd = page_at(&fx->f, PV_FW_INFO_GPA);
	assert_int_equal(page_u64(d, &pd, 0), PV_FW_INFO_MAGIC);
	assert_int_equal(page_u64(d, &pd, 1), (4ull << 30) - FW_SIZE);
	assert_int_equal(page_u64(d, &pd, 2), FW_SIZE);
}

/** OVMF's bytes, unmodified, end at 4 GiB. */
static void test_pv_firmware(void **state)
{
	struct fixture *fx = *state;
	uint8_t *fw = make_fw(FW_SIZE);
	struct igvm_page_data pd;

	for (size_t off = 0; off < FW_SIZE; off += PAGE) {
		pd = page_at(&fx->f, (4ull << 30) - FW_SIZE + off);
		assert_int_not_equal(pd.file_offset, 0);
		assert_memory_equal(fx->d + pd.file_offset, fw + off, PAGE);
	}
	pd = page_at(&fx->f, 0xFFFFF000ull);
	assert_memory_equal(fx->d + pd.file_offset, fw + FW_SIZE - PAGE, PAGE);
	free(fw);
}

static void test_pv_vmsa(void **state)
{
	struct sev_vmsa v;
	const struct vmsa_seg *data[] = { &v.ds, &v.es, &v.ss, &v.fs, &v.gs };

	fixture_vmsa(*state, &v);
	assert_int_equal(v.cs.selector, 0x08);
	assert_int_equal(v.cs.attrib, 0xC9B);
	assert_int_equal(v.cs.limit, 0xFFFFFFFF);
	assert_int_equal(v.cs.base, 0);
	for (size_t i = 0; i < 5; i++) {
		assert_int_equal(data[i]->selector, 0x10);
		assert_int_equal(data[i]->attrib, 0xC93);
		assert_int_equal(data[i]->limit, 0xFFFFFFFF);
		assert_int_equal(data[i]->base, 0);
	}
	assert_int_equal(v.gdtr.base, PV_GDT_GPA);
	assert_int_equal(v.gdtr.limit, 31);
	assert_int_equal(v.idtr.limit, 0);
	assert_int_equal(v.ldtr.attrib, 0x82);
	assert_int_equal(v.tr.attrib, 0x8B);
	assert_int_equal(v.tr.limit, 0xFFFF);
	assert_int_equal(v.cr0, 0x11);
	assert_int_equal(v.cr3, 0);
	assert_int_equal(v.cr4, 0);
	assert_int_equal(v.efer, VMSA_EFER_SVME);
	assert_int_equal(v.rflags, 2);
	assert_int_equal(v.rip, PV_BOOT32_GPA);
	assert_int_equal(v.rsp, 0);
	assert_int_equal(v.dr6, 0xFFFF0FF0);
	assert_int_equal(v.dr7, 0x400);
	assert_int_equal(v.g_pat, 0x0007040600070406ull);
	assert_int_equal(v.xcr0, 1);
	assert_int_equal(v.mxcsr, 0x1F80);
	assert_int_equal(v.x87_fcw, 0x37F);
	assert_int_equal(v.vmpl, 0);
	assert_int_equal(v.sev_features, 0x9); /* SNPActive | RestrictedInj */
}

static void test_pv_deterministic(void **state)
{
	(void)state;
	check_deterministic(make_pv);
}

/** paravisor_build() with @c and @fw_size fails with @msg in the error. */
static void pv_rejects(const struct pv_elf *c, size_t fw_size, const char *msg)
{
	struct mk_err err = { "" };
	uint8_t *out = NULL;
	size_t n;

	assert_int_not_equal(pv_pack(c, fw_size, &out, &n, &err), 0);
	assert_null(out);
	if (!strstr(err.msg, msg))
		fail_msg("error '%s' lacks '%s'", err.msg, msg);
}

static void test_pv_rejects_firmware(void **state)
{
	(void)state;
	struct mk_err err = { "" };
	struct igvm_file f;
	uint8_t *d;
	size_t n;

	pv_rejects(&pv_good, FW_SIZE + 1, "multiple of 4 KiB");
	pv_rejects(&pv_good, FW_SIZE - 100, "multiple of 4 KiB");
	pv_rejects(&pv_good, MIB16 + PAGE, "16 MiB");
	pv_rejects(&pv_good, 0, "empty");
	/* exactly 16 MiB fits: it starts at 4 GiB - 16 MiB */
	assert_int_equal(pv_pack(&pv_good, MIB16, &d, &n, &err), 0);
	assert_int_equal(parse_ok(d, n, &f), 0);
	page_at(&f, 0xFF000000ull);
	page_at(&f, 0xFFFFF000ull);
	igvm_file_free(&f);
	free(d);
}

static void test_pv_rejects_elf(void **state)
{
	(void)state;
	const uint64_t skew = PV_KERNEL_VMA - PV_KERNEL_LMA;
	const struct pv_elf low = { 0x200000, 0x200000, PV_KERNEL_VMA, PV_KERNEL_LMA };
	const struct pv_elf high = { PV_BOOT32_GPA, PV_BOOT32_GPA, PV_LAUNCH_END - PAGE + skew,
				     PV_LAUNCH_END - PAGE };
	const struct pv_elf above = { PV_BOOT32_GPA, PV_BOOT32_GPA, PV_LAUNCH_END + skew,
				      PV_LAUNCH_END };
	const struct pv_elf by_vaddr = { PV_BOOT32_GPA, PV_BOOT32_GPA, PV_KERNEL_VMA,
					 PV_KERNEL_VMA };
	const struct pv_elf skewed = { PV_BOOT32_GPA, PV_BOOT32_GPA, PV_KERNEL_VMA + PAGE,
				       PV_KERNEL_LMA };

	pv_rejects(&low, FW_SIZE, "outside");  /* over the launch pages */
	pv_rejects(&high, FW_SIZE, "outside"); /* crosses PV_LAUNCH_END */
	pv_rejects(&above, FW_SIZE, "outside");
	pv_rejects(&by_vaddr, FW_SIZE, "outside");
	pv_rejects(&skewed, FW_SIZE, "p_vaddr");
}

static void test_pv_rejects_entry(void **state)
{
	(void)state;
	static const uint64_t bad[] = {
		PV_KERNEL_VMA,	    /* 64-bit, not a 32-bit address */
		PV_KERNEL_LMA,	    /* the 64-bit part's LMA */
		PV_BOOT32_GPA + 16, /* just past the boot part */
		PV_BOOT32_GPA - 1,  0,
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct pv_elf c = pv_good;

		c.entry = bad[i];
		pv_rejects(&c, FW_SIZE, "entry point");
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crc32_vector),
		cmocka_unit_test(test_payload_parses),
		cmocka_unit_test_setup_teardown(test_payload_header_order, payload_setup,
						fixture_teardown),
		cmocka_unit_test(test_payload_deterministic),
		cmocka_unit_test_setup_teardown(test_payload_pages, payload_setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(test_payload_vmsa, payload_setup, fixture_teardown),
		cmocka_unit_test(test_reject_checksum),
		cmocka_unit_test(test_reject_truncated),
		cmocka_unit_test(test_reject_bad_tlv),
		cmocka_unit_test(test_optional_skipped),
		cmocka_unit_test(test_known_answer),
		cmocka_unit_test(test_param_insert_measure),
		cmocka_unit_test(test_elf_rejects),
		cmocka_unit_test(test_parse_mutations),
		cmocka_unit_test_setup_teardown(test_pv_header_order, pv_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_pv_pages, pv_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_pv_firmware, pv_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_pv_vmsa, pv_setup, fixture_teardown),
		cmocka_unit_test(test_pv_deterministic),
		cmocka_unit_test(test_pv_rejects_firmware),
		cmocka_unit_test(test_pv_rejects_elf),
		cmocka_unit_test(test_pv_rejects_entry),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
