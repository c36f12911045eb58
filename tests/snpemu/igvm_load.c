/* SPDX-License-Identifier: MIT */
/*
 * Launch: what QEMU's IGVM loader, KVM and the PSP do together.  The IGVM
 * file (fw_cfg opt/snpemu/igvm) is validated, its directives are applied in
 * file order (pages are loaded as SNP_LAUNCH_UPDATE would: assigned and
 * validated for VMPL0 only), the launch digest is computed exactly as
 * protocol/snp_measure.h describes, and the VMSA of VP 0 is returned.
 */
#include "fwcfg.h"
#include "igvm.h"
#include "snp_measure.h"
#include "snpemu_abi.h"
#include "vm.h"

#include <lib/sha384.h>
#include <lib/string.h>

#define MAX_VMSAS	1
#define MAX_PARAM_AREAS 8

struct param_area {
	bool defined;
	uint64_t size;
	uint8_t *buf;
};

struct igvm_state {
	uint16_t select; /* fw_cfg item of the file */
	uint32_t file_size;
	uint32_t snp_mask; /* compatibility mask of the SEV-SNP platform */
	uint8_t digest[SNP_DIGEST_SIZE];
	struct param_area areas[MAX_PARAM_AREAS];
	struct sev_vmsa *vmsa[MAX_VMSAS];
	uint64_t vmsa_gpa[MAX_VMSAS];
	unsigned int vmsa_count;
	uint64_t pages_loaded;
};

static _Noreturn void igvm_error(const char *what, uint64_t detail)
{
	log_printf("launch failed: bad IGVM image: %s (%#lx)", what, (unsigned long)detail);
	snpemu_exit(SNPEMU_EXIT_INTERNAL_ERROR);
}

/* CRC-32 (IEEE 802.3, reflected 0xEDB88320), the IGVM header checksum. */
static uint32_t crc32_update(uint32_t crc, const uint8_t *p, uint64_t len)
{
	crc = ~crc;
	while (len--) {
		crc ^= *p++;
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1)));
	}
	return ~crc;
}

/** One step of the launch digest: SNP ABI 8.17.2 "PAGE_INFO" (protocol/snp_measure.h). */
static void measure(struct igvm_state *s, uint8_t type, const void *page, uint64_t gpa)
{
	struct snp_page_info pi;
	memset(&pi, 0, sizeof(pi));
	memcpy(pi.digest_cur, s->digest, SNP_DIGEST_SIZE);
	if (type == SNP_PAGE_TYPE_NORMAL || type == SNP_PAGE_TYPE_VMSA)
		sha384(page, PAGE_SIZE, pi.contents);
	pi.length = SNP_PAGE_INFO_LENGTH;
	pi.page_type = type;
	pi.gpa = gpa;
	sha384(&pi, sizeof(pi), s->digest);
}

static void *launch_page(struct igvm_state *s, uint64_t gpa)
{
	if (gpa & ~PAGE_MASK)
		igvm_error("unaligned page GPA", gpa);
	if (!gpa_is_ram(gpa) && !memmap_back_firmware_page(gpa))
		igvm_error("page outside guest memory and the firmware window", gpa);
	if (rmp_get(gpa)->flags & RMP_VALIDATED)
		igvm_error("page loaded twice", gpa);
	rmp_assign_launch_page(gpa);
	s->pages_loaded++;
	return gpa_to_hva(gpa);
}

static void file_read(struct igvm_state *s, uint32_t offset, void *dst, uint64_t len)
{
	if (offset > s->file_size || len > s->file_size - offset)
		igvm_error("file data beyond the end of the file", offset);
	fwcfg_read(s->select, offset, dst, len);
}

static void do_page_data(struct igvm_state *s, const struct igvm_page_data *d)
{
	if (!(d->compatibility_mask & s->snp_mask))
		return;
	if (d->flags & IGVM_PAGE_DATA_FLAG_2MB)
		igvm_error("2 MiB PAGE_DATA is not supported", d->gpa);
	if (d->flags & IGVM_PAGE_DATA_FLAG_SHARED)
		igvm_error("shared PAGE_DATA is not supported", d->gpa);
	void *page = launch_page(s, d->gpa);
	uint8_t type;
	switch (d->data_type) {
	case IGVM_PAGE_DATA_TYPE_NORMAL:
		if (d->file_offset)
			file_read(s, d->file_offset, page, PAGE_SIZE);
		if (d->flags & IGVM_PAGE_DATA_FLAG_UNMEASURED)
			type = SNP_PAGE_TYPE_UNMEASURED;
		else
			type = d->file_offset ? SNP_PAGE_TYPE_NORMAL : SNP_PAGE_TYPE_ZERO;
		break;
	case IGVM_PAGE_DATA_TYPE_SECRETS:
		secrets_page_fill(page);
		type = SNP_PAGE_TYPE_SECRETS;
		break;
	case IGVM_PAGE_DATA_TYPE_CPUID_DATA:
		cpuid_page_fill(page);
		type = SNP_PAGE_TYPE_CPUID;
		break;
	default:
		igvm_error("unsupported PAGE_DATA type", d->data_type);
	}
	measure(s, type, page, d->gpa);
}

static struct param_area *area_get(struct igvm_state *s, uint32_t index)
{
	if (index >= MAX_PARAM_AREAS || !s->areas[index].defined)
		igvm_error("undefined parameter area", index);
	return &s->areas[index];
}

static void do_parameter_area(struct igvm_state *s, const struct igvm_parameter_area *a)
{
	if (a->parameter_area_index >= MAX_PARAM_AREAS || s->areas[a->parameter_area_index].defined)
		igvm_error("bad parameter area index", a->parameter_area_index);
	if (!a->number_of_bytes || a->number_of_bytes % PAGE_SIZE || a->number_of_bytes > (1 << 20))
		igvm_error("bad parameter area size", a->number_of_bytes);
	struct param_area *p = &s->areas[a->parameter_area_index];
	p->defined = true;
	p->size = a->number_of_bytes;
	p->buf = page_alloc(p->size / PAGE_SIZE);
	if (a->file_offset)
		file_read(s, a->file_offset, p->buf, p->size);
}

/** The MEMORY_MAP parameter: guest RAM, without snpemu's pages. */
static void do_memory_map(struct igvm_state *s, const struct igvm_parameter *prm)
{
	struct param_area *a = area_get(s, prm->parameter_area_index);
	uint64_t need = (vm.ram_count + 1) * sizeof(struct igvm_memory_map_entry);
	if (prm->byte_offset > a->size || need > a->size - prm->byte_offset)
		igvm_error("memory map does not fit its parameter area", prm->byte_offset);
	struct igvm_memory_map_entry *e = (void *)(a->buf + prm->byte_offset);
	for (unsigned int i = 0; i < vm.ram_count; i++) {
		e[i] = (struct igvm_memory_map_entry){
			.start_gpa_page_number = vm.ram[i].start >> PAGE_SHIFT,
			.page_count = (vm.ram[i].end - vm.ram[i].start) >> PAGE_SHIFT,
			.entry_type = IGVM_MEMMAP_MEMORY,
		};
	}
}

static void do_u32_parameter(struct igvm_state *s, const struct igvm_parameter *prm, uint32_t v)
{
	struct param_area *a = area_get(s, prm->parameter_area_index);
	if (prm->byte_offset > a->size || a->size - prm->byte_offset < 4)
		igvm_error("parameter does not fit its area", prm->byte_offset);
	memcpy(a->buf + prm->byte_offset, &v, 4);
}

static void do_parameter_insert(struct igvm_state *s, const struct igvm_parameter_insert *ins)
{
	if (!(ins->compatibility_mask & s->snp_mask))
		return;
	struct param_area *a = area_get(s, ins->parameter_area_index);
	for (uint64_t off = 0; off < a->size; off += PAGE_SIZE) {
		void *page = launch_page(s, ins->gpa + off);
		memcpy(page, a->buf + off, PAGE_SIZE);
		measure(s, SNP_PAGE_TYPE_UNMEASURED, page, ins->gpa + off);
	}
	a->defined = false; /* an area is inserted once */
}

static void do_vp_context(struct igvm_state *s, const struct igvm_vp_context *vp)
{
	if (!(vp->compatibility_mask & s->snp_mask))
		return;
	if (vp->vp_index != 0 || s->vmsa_count == MAX_VMSAS)
		igvm_error("only one VP context (VP 0) is supported", vp->vp_index);
	struct sev_vmsa *vmsa = page_alloc(1); /* not guest-addressable */
	file_read(s, vp->file_offset, vmsa, PAGE_SIZE);
	s->vmsa[s->vmsa_count] = vmsa;
	s->vmsa_gpa[s->vmsa_count++] = vp->gpa;
}

static void do_platform(struct igvm_state *s, const struct igvm_supported_platform *p)
{
	if (p->platform_type == IGVM_PLATFORM_SEV_SNP)
		s->snp_mask = p->compatibility_mask;
}

static void do_required_memory(struct igvm_state *s, const struct igvm_required_memory *r)
{
	if (!(r->compatibility_mask & s->snp_mask))
		return;
	for (uint64_t off = 0; off < r->number_of_bytes; off += PAGE_SIZE)
		if (!gpa_is_ram(r->gpa + off))
			igvm_error("required memory is not guest RAM", r->gpa + off);
}

static void igvm_directive(struct igvm_state *s, uint32_t type, const void *p, uint32_t len)
{
#define NEED(st)                                              \
	do {                                                  \
		if (len < sizeof(st))                         \
			igvm_error("header too short", type); \
	} while (0)
	switch (type & ~IGVM_VHT_OPTIONAL) {
	case IGVM_VHT_SUPPORTED_PLATFORM:
		NEED(struct igvm_supported_platform);
		do_platform(s, p);
		break;
	case IGVM_VHT_GUEST_POLICY:
		NEED(struct igvm_guest_policy);
		log_printf("guest policy %#lx",
			   (unsigned long)((const struct igvm_guest_policy *)p)->policy);
		break;
	case IGVM_VHT_PAGE_DATA:
		NEED(struct igvm_page_data);
		do_page_data(s, p);
		break;
	case IGVM_VHT_PARAMETER_AREA:
		NEED(struct igvm_parameter_area);
		do_parameter_area(s, p);
		break;
	case IGVM_VHT_MEMORY_MAP:
		NEED(struct igvm_parameter);
		do_memory_map(s, p);
		break;
	case IGVM_VHT_VP_COUNT_PARAMETER:
		NEED(struct igvm_parameter);
		do_u32_parameter(s, p, 1);
		break;
	case IGVM_VHT_ENVIRONMENT_INFO:
		NEED(struct igvm_parameter);
		do_u32_parameter(s, p, 0); /* memory is private */
		break;
	case IGVM_VHT_PARAMETER_INSERT:
		NEED(struct igvm_parameter_insert);
		do_parameter_insert(s, p);
		break;
	case IGVM_VHT_VP_CONTEXT:
		NEED(struct igvm_vp_context);
		do_vp_context(s, p);
		break;
	case IGVM_VHT_REQUIRED_MEMORY:
		NEED(struct igvm_required_memory);
		do_required_memory(s, p);
		break;
	default:
		if (!(type & IGVM_VHT_OPTIONAL))
			igvm_error("unsupported header type", type);
	}
#undef NEED
}

/** IGVM sections must come in order: platform, initialization, directives. */
static unsigned int igvm_section(uint32_t type)
{
	uint32_t t = type & ~IGVM_VHT_OPTIONAL;
	if (t >= IGVM_VHT_PLATFORM_FIRST && t <= IGVM_VHT_PLATFORM_LAST)
		return 0;
	if (t >= IGVM_VHT_INIT_FIRST && t <= IGVM_VHT_INIT_LAST)
		return 1;
	if (t >= IGVM_VHT_DIRECTIVE_FIRST && t <= IGVM_VHT_DIRECTIVE_LAST)
		return 2;
	igvm_error("header type outside every section", type);
}

static void igvm_walk(struct igvm_state *s, const uint8_t *vh, uint32_t size)
{
	uint32_t off = 0;
	unsigned int last_section = 0;
	while (off < size) {
		struct igvm_var_header h;
		if (size - off < sizeof(h))
			igvm_error("truncated variable header", off);
		memcpy(&h, vh + off, sizeof(h));
		off += sizeof(h);
		uint32_t padded = (uint32_t)ALIGN_UP((uint64_t)h.length, IGVM_TLV_ALIGN);
		if (h.length > size - off || padded > size - off)
			igvm_error("variable header length beyond the table", h.length);
		unsigned int sec = igvm_section(h.type);
		if (sec < last_section)
			igvm_error("headers out of section order", h.type);
		if (sec == 2 && !s->snp_mask)
			igvm_error("no SEV-SNP platform header before the directives", h.type);
		last_section = sec;
		static uint8_t tmp[PAGE_SIZE];
		if (h.length > sizeof(tmp))
			igvm_error("variable header too large", h.length);
		memcpy(tmp, vh + off, h.length); /* aligned copy */
		igvm_directive(s, h.type, tmp, h.length);
		off += padded;
	}
}

struct sev_vmsa *igvm_launch(void)
{
	static struct igvm_state s;
	struct fwcfg_file f;
	if (!fwcfg_find(SNPEMU_FWCFG_IGVM, &f)) {
		log_printf(
			"launch failed: no fw_cfg file %s (QEMU -fw_cfg name=%s,file=IMAGE.igvm)",
			SNPEMU_FWCFG_IGVM, SNPEMU_FWCFG_IGVM);
		snpemu_exit(SNPEMU_EXIT_INTERNAL_ERROR);
	}
	s.select = f.select;
	s.file_size = f.size;

	struct igvm_fixed_header fh;
	if (f.size < sizeof(fh))
		igvm_error("file too small", f.size);
	fwcfg_read(f.select, 0, &fh, sizeof(fh));
	if (fh.magic != IGVM_MAGIC)
		igvm_error("bad magic", fh.magic);
	if (fh.format_version != IGVM_FORMAT_VERSION_1)
		igvm_error("unsupported format version", fh.format_version);
	if (fh.total_file_size != f.size)
		igvm_error("total_file_size differs from the file", fh.total_file_size);
	if (fh.variable_header_offset < sizeof(fh) || fh.variable_header_offset % 8 ||
	    fh.variable_header_offset > f.size ||
	    fh.variable_header_size > f.size - fh.variable_header_offset)
		igvm_error("bad variable header range", fh.variable_header_offset);
	if (fh.variable_header_size > (16u << 20))
		igvm_error("variable headers too large", fh.variable_header_size);

	uint8_t *vh = page_alloc(ALIGN_UP(fh.variable_header_size, PAGE_SIZE) / PAGE_SIZE + 1);
	fwcfg_read(f.select, fh.variable_header_offset, vh, fh.variable_header_size);
	uint32_t want = fh.checksum;
	fh.checksum = 0;
	uint32_t crc = crc32_update(0, (const uint8_t *)&fh, sizeof(fh));
	crc = crc32_update(crc, vh, fh.variable_header_size);
	if (crc != want)
		igvm_error("header checksum mismatch", crc);

	igvm_walk(&s, vh, fh.variable_header_size);
	if (!s.vmsa_count)
		igvm_error("no VP context for the SEV-SNP platform", 0);
	for (unsigned int i = 0; i < s.vmsa_count; i++)
		measure(&s, SNP_PAGE_TYPE_VMSA, s.vmsa[i], s.vmsa_gpa[i]);

	memcpy(vm.launch_digest, s.digest, SNP_DIGEST_SIZE);
	char hex[2 * SNP_DIGEST_SIZE + 1];
	for (int i = 0; i < SNP_DIGEST_SIZE; i++) {
		hex[2 * i] = "0123456789abcdef"[s.digest[i] >> 4];
		hex[2 * i + 1] = "0123456789abcdef"[s.digest[i] & 15];
	}
	hex[2 * SNP_DIGEST_SIZE] = 0;
	log_printf("loaded %lu pages", (unsigned long)s.pages_loaded);
	log_printf("launch digest %s", hex);
	return s.vmsa[0];
}
