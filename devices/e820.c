/* SPDX-License-Identifier: MIT */
#include "e820.h"

#include <lib/string.h>

#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

struct clip {
	struct e820_entry *out;
	unsigned int max, n;
	struct e820_clip_report *rep;
};

static void drop(struct clip *c, uint64_t start, uint64_t ram_bytes)
{
	if (!c->rep->dropped || start < c->rep->first_dropped)
		c->rep->first_dropped = start;
	c->rep->dropped++;
	c->rep->dropped_bytes += ram_bytes;
}

static void emit(struct clip *c, uint64_t start, uint64_t end, uint32_t type)
{
	if (c->n == c->max) {
		drop(c, start, type == E820_RAM ? end - start : 0);
		return;
	}
	c->out[c->n++] = (struct e820_entry){ start, end - start, type };
}

/** The end of the host RAM that covers pos (merged over overlapping and
 * adjacent entries), or pos if none does. */
static uint64_t ram_run_end(const struct e820_entry *host, unsigned int n, uint64_t pos)
{
	uint64_t end = pos;
	bool grew = true;
	while (grew) {
		grew = false;
		for (unsigned int i = 0; i < n; i++) {
			uint64_t e = host[i].addr + host[i].len;
			if (host[i].type == E820_RAM && host[i].len && e > host[i].addr &&
			    host[i].addr <= end && e > end) {
				end = e;
				grew = true;
			}
		}
	}
	return end;
}

/** The lowest start of host RAM in (pos, limit), or limit. */
static uint64_t ram_next(const struct e820_entry *host, unsigned int n, uint64_t pos,
			 uint64_t limit)
{
	uint64_t next = limit;
	for (unsigned int i = 0; i < n; i++)
		if (host[i].type == E820_RAM && host[i].len && host[i].addr > pos &&
		    host[i].addr < next)
			next = host[i].addr;
	return next;
}

/** The host's RAM inside [s, e) (a validated range without the hole):
 * merged runs, sorted, none overlapping another. */
static void emit_ram(struct clip *c, const struct e820_entry *host, unsigned int n, uint64_t s,
		     uint64_t e)
{
	uint64_t pos = s;
	while (pos < e) {
		uint64_t end = MIN(ram_run_end(host, n, pos), e);
		if (end > pos) {
			emit(c, pos, end, E820_RAM);
			pos = end;
		} else {
			pos = ram_next(host, n, pos, e);
		}
	}
}

/** The bytes of [s, e) inside the validated ranges (disjoint: they come
 * from one memory map). */
static uint64_t validated(const struct e820_range *ram, unsigned int ram_n, uint64_t s, uint64_t e)
{
	uint64_t bytes = 0;
	for (unsigned int i = 0; i < ram_n; i++) {
		uint64_t a = MAX(s, ram[i].start), b = MIN(e, ram[i].end);
		if (a < b)
			bytes += b - a;
	}
	return bytes;
}

unsigned int e820_clip(const struct e820_entry *host, unsigned int n, const struct e820_range *ram,
		       unsigned int ram_n, uint64_t hole_start, uint64_t hole_end,
		       struct e820_entry *out, unsigned int max, struct e820_clip_report *rep)
{
	struct clip c = { out, max, 0, rep };
	memset(rep, 0, sizeof(*rep));
	/* what is dropped: empty or wrapping entries, RAM outside the
	 * validated ranges (the hole is no loss: it is never the guest's) */
	for (unsigned int i = 0; i < n; i++) {
		const struct e820_entry *e = &host[i];
		uint64_t end = e->addr + e->len;
		if (!e->len || end < e->addr) {
			drop(&c, e->addr, 0);
			continue;
		}
		if (e->type != E820_RAM)
			continue;
		uint64_t parts[2][2] = { { e->addr, MIN(end, hole_start) },
					 { MAX(e->addr, hole_end), end } };
		for (int p = 0; p < 2; p++) {
			uint64_t len = parts[p][0] < parts[p][1] ? parts[p][1] - parts[p][0] : 0;
			uint64_t ok = len ? validated(ram, ram_n, parts[p][0], parts[p][1]) : 0;
			if (ok < len)
				drop(&c, parts[p][0], len - ok);
		}
	}
	/* RAM: per validated range, in order of the ranges */
	for (unsigned int r = 0; r < ram_n; r++) {
		uint64_t parts[2][2] = { { ram[r].start, MIN(ram[r].end, hole_start) },
					 { MAX(ram[r].start, hole_end), ram[r].end } };
		for (int p = 0; p < 2; p++)
			if (parts[p][0] < parts[p][1])
				emit_ram(&c, host, n, parts[p][0], parts[p][1]);
	}
	/* the rest as it is, without the hole */
	for (unsigned int i = 0; i < n; i++) {
		const struct e820_entry *e = &host[i];
		uint64_t end = e->addr + e->len;
		if (e->type == E820_RAM || !e->len || end < e->addr)
			continue;
		uint64_t parts[2][2] = { { e->addr, MIN(end, hole_start) },
					 { MAX(e->addr, hole_end), end } };
		for (int p = 0; p < 2; p++)
			if (parts[p][0] < parts[p][1])
				emit(&c, parts[p][0], parts[p][1], e->type);
	}
	/* in address order, as firmware builds the table (ACPI 6.5, 15.1:
	 * the OS gets it entry by entry; QEMU's is sorted too) */
	for (unsigned int i = 1; i < c.n; i++)
		for (unsigned int j = i; j && out[j - 1].addr > out[j].addr; j--) {
			struct e820_entry t = out[j];
			out[j] = out[j - 1];
			out[j - 1] = t;
		}
	return c.n;
}
