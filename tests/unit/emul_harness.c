/* SPDX-License-Identifier: MIT */
/* Memory-backed emul_ops for the decoder/ tests and the fuzzer. */
#include <string.h>

#include "emul_harness.h"

/** The next data access fails if it is number fail_at. */
static bool harness_fails(struct harness *h, uint64_t addr, bool write, enum emul_result *r,
			  struct emul_ctxt *c)
{
	if (++h->accesses != h->fail_at)
		return false;
	*r = h->fail_with;
	if (*r == EMUL_EXCEPTION)
		emul_page_fault(c, addr, write ? HARNESS_PF_WRITE : 0);
	return true;
}

/** data + (gva - data_gva) when [gva, gva + size) lies in the data window. */
static uint8_t *harness_data(struct harness *h, uint64_t gva, unsigned int size)
{
	if (gva < h->data_gva || gva - h->data_gva > h->data_size ||
	    h->data_size - (gva - h->data_gva) < size)
		return NULL;
	return h->data + (gva - h->data_gva);
}

static enum emul_result harness_mem(struct emul_ctxt *c, uint64_t gva, void *buf, unsigned int size,
				    bool write)
{
	struct harness *h = c->opaque;
	uint8_t *p = harness_data(h, gva, size);
	enum emul_result r;

	if (write)
		h->writes++;
	else
		h->reads++;
	if (harness_fails(h, gva, write, &r, c))
		return r;
	if (!p) {
		emul_page_fault(c, gva, write ? HARNESS_PF_WRITE : 0);
		return EMUL_EXCEPTION;
	}
	if (write)
		memcpy(p, buf, size);
	else
		memcpy(buf, p, size);
	return EMUL_OK;
}

static enum emul_result harness_read(struct emul_ctxt *c, uint64_t gva, void *buf,
				     unsigned int size)
{
	return harness_mem(c, gva, buf, size, false);
}

static enum emul_result harness_write(struct emul_ctxt *c, uint64_t gva, const void *buf,
				      unsigned int size)
{
	return harness_mem(c, gva, (void *)buf, size, true);
}

/** cmpxchg_mem on the data window (the host runs one thread: atomic as it is). */
static enum emul_result harness_cmpxchg(struct emul_ctxt *c, uint64_t gva, void *old,
					const void *new, unsigned int size, bool *ok)
{
	struct harness *h = c->opaque;
	uint8_t *p = harness_data(h, gva, size);
	enum emul_result r;

	h->cas_calls++;
	if (harness_fails(h, gva, true, &r, c))
		return r;
	if (!p) {
		emul_page_fault(c, gva, HARNESS_PF_WRITE);
		return EMUL_EXCEPTION;
	}
	if (h->cas_interfere) {
		h->cas_interfere--;
		p[0]++;
	}
	*ok = memcmp(p, old, size) == 0;
	if (*ok)
		memcpy(p, new, size);
	else
		memcpy(old, p, size);
	return EMUL_OK;
}

static enum emul_result harness_fetch(struct emul_ctxt *c, uint64_t gva, void *buf,
				      unsigned int size)
{
	struct harness *h = c->opaque;

	h->fetches++;
	if (gva < h->code_gva || gva - h->code_gva >= h->code_size ||
	    h->code_size - (gva - h->code_gva) < size) {
		/* cr2: the first byte that is not there */
		uint64_t miss = gva >= h->code_gva && gva - h->code_gva < h->code_size
					? h->code_gva + h->code_size
					: gva;

		emul_page_fault(c, miss, HARNESS_PF_FETCH);
		return EMUL_EXCEPTION;
	}
	memcpy(buf, h->code + (gva - h->code_gva), size);
	return EMUL_OK;
}

static enum emul_result harness_io(struct emul_ctxt *c, uint16_t port, unsigned int size, bool in,
				   uint32_t *val)
{
	struct harness *h = c->opaque;
	enum emul_result r;

	if (harness_fails(h, port, false, &r, c))
		return r;
	if (in) {
		*val = h->in_val & (uint32_t)((1ULL << (size * 8)) - 1);
		h->in_val += 0x01010101;
	}
	if (h->io_count < HARNESS_IO_LOG)
		h->io[h->io_count] = (struct harness_io){ port, (uint8_t)size, in, *val };
	h->io_count++;
	return EMUL_OK;
}

static enum emul_result harness_read_io(struct emul_ctxt *c, uint16_t port, unsigned int size,
					uint32_t *val)
{
	return harness_io(c, port, size, true, val);
}

static enum emul_result harness_write_io(struct emul_ctxt *c, uint16_t port, unsigned int size,
					 uint32_t val)
{
	return harness_io(c, port, size, false, &val);
}

const struct emul_ops harness_ops = {
	.read_mem = harness_read,
	.write_mem = harness_write,
	.insn_fetch = harness_fetch,
	.read_io = harness_read_io,
	.write_io = harness_write_io,
	.cmpxchg_mem = harness_cmpxchg,
};

void harness_init(struct harness *h, uint64_t data_gva, void *data, size_t data_size,
		  uint64_t code_gva, const void *code, size_t code_size)
{
	*h = (struct harness){
		.data_gva = data_gva,
		.data = data,
		.data_size = data_size,
		.code_gva = code_gva,
		.code = code,
		.code_size = code_size,
		.in_val = 0x44332211,
	};
}

/** A context at rip: CR0, every segment flat with data_attrib and limit, then CS's attrib. */
static void harness_ctxt(struct emul_ctxt *c, struct harness *h, uint64_t rip, uint64_t cr0,
			 uint16_t data_attrib, uint32_t limit, uint16_t cs_attrib)
{
	memset(c, 0, sizeof(*c));
	c->opaque = h;
	c->in.rip = rip;
	c->in.rflags = 0x2;
	c->in.cr0 = cr0;
	for (unsigned int i = 0; i < INSN_SEG_COUNT; i++)
		c->in.seg[i] = (struct emul_seg){ .attrib = data_attrib, .limit = limit };
	c->in.seg[INSN_SEG_CS].attrib = cs_attrib;
}

void harness_ctxt64(struct emul_ctxt *c, struct harness *h, uint64_t rip)
{
	/* PG ET PE; data P S RW accessed; CS L P S execute/read accessed */
	harness_ctxt(c, h, rip, 0x80000011, 0x093, 0xffffffff, 0x29b);
	c->in.cr4 = 0x20;   /* PAE */
	c->in.efer = 0x500; /* LMA, LME */
}

void harness_ctxt_real(struct emul_ctxt *c, struct harness *h, uint64_t rip)
{
	harness_ctxt(c, h, rip, 0x10, 0x093, 0xffff, 0x09b);
}

void harness_ctxt32(struct emul_ctxt *c, struct harness *h, uint64_t rip)
{
	harness_ctxt(c, h, rip, 0x11, 0xc93, 0xffffffff, 0xc9b); /* D/B and G set */
}

enum emul_result harness_run(struct emul_ctxt *c, unsigned int *retries)
{
	enum emul_result r;

	if (retries)
		*retries = 0;
	for (;;) {
		c->insn_valid = false;
		r = emul_execute(c, &harness_ops);
		if (r != EMUL_RETRY)
			return r;
		for (unsigned int i = 0; i < INSN_GPR_COUNT; i++)
			c->in.gpr[i] = c->out.gpr[i];
		c->in.rflags = c->out.rflags;
		if (retries)
			++*retries;
	}
}
