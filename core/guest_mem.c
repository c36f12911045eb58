/* SPDX-License-Identifier: MIT */
/*
 * The guest's addresses.  Its linear addresses go through its own paging
 * (APM vol. 2 §5: off, 32-bit PAE, or 4-level long mode); every GPA below
 * vTOM is private, so the paravisor reaches it through its own 1:1 private
 * mapping.  Only guest RAM and the firmware pages are reachable: anything
 * else is a fault for the guest, never an access to paravisor memory.
 */
#include "core/guest_mem.h"
#include "core/mm.h"

#include <lib/string.h>

#define PTE_P	 BIT(0)
#define PTE_RW	 BIT(1)
#define PTE_US	 BIT(2)
#define PTE_PS	 BIT(7)
#define PTE_ADDR 0x000FFFFFFFFFF000ULL
#define CR0_PG	 BIT(31)
#define CR0_WP	 BIT(16)
#define CR4_PAE	 BIT(5)
#define EFER_LMA BIT(10)

bool guest_gpa_ok(uint64_t gpa, uint64_t len)
{
	uint64_t end = gpa + len;
	if (end < gpa)
		return false;
	for (uint64_t p = gpa & PAGE_MASK; p < end; p += PAGE_SIZE)
		if (!mm_is_guest_ram(p) && !(p >= mm.fw_base && p < mm.fw_end))
			return false;
	return true;
}

static bool read_entry(uint64_t gpa, uint64_t *e)
{
	if (!guest_gpa_ok(gpa, 8))
		return false;
	memcpy(e, mm_private_va(gpa), 8);
	return true;
}

enum guest_walk guest_linear_to_gpa(const struct sev_vmsa *a, uint64_t la, bool write,
				    uint64_t *gpa, uint32_t *pf_error)
{
	bool user = a->cpl == 3;
	*pf_error = (write ? 2 : 0) | (user ? 4 : 0);
	if (!(a->cr0 & CR0_PG)) {
		*gpa = la & 0xFFFFFFFF;
		return GUEST_WALK_OK;
	}
	bool lm = a->efer & EFER_LMA;
	if (!(a->cr4 & CR4_PAE))
		return GUEST_WALK_UNSUPPORTED; /* 32-bit non-PAE paging */
	int levels = lm ? 4 : 3;
	uint64_t table = lm ? a->cr3 : (a->cr3 & 0xFFFFFFE0);
	bool writable = true, usr = true;
	for (int lvl = levels - 1; lvl >= 0; lvl--) {
		bool pae_pdpt = !lm && lvl == 2; /* 4 entries, 32-byte aligned */
		unsigned int idx = (la >> (12 + 9 * lvl)) & (pae_pdpt ? 3 : 511);
		uint64_t e;
		if (!read_entry((pae_pdpt ? table : (table & PTE_ADDR)) + idx * 8, &e))
			return GUEST_WALK_BAD_GPA;
		if (!(e & PTE_P))
			return GUEST_WALK_PF;
		if (lvl != 2 || lm) {
			writable &= !!(e & PTE_RW);
			usr &= !!(e & PTE_US);
		}
		bool leaf = lvl == 0 || ((lvl == 1 || (lvl == 2 && lm)) && (e & PTE_PS));
		if (leaf) {
			if ((write && !writable && (user || (a->cr0 & CR0_WP))) || (user && !usr)) {
				*pf_error |= 1;
				return GUEST_WALK_PF;
			}
			uint64_t mask = (1ULL << (12 + 9 * lvl)) - 1;
			*gpa = ((e & PTE_ADDR) & ~mask) | (la & mask);
			return GUEST_WALK_OK;
		}
		table = e & PTE_ADDR;
	}
	return GUEST_WALK_PF;
}

/** Copies between the guest's linear space and buf; a fault fills *f. */
bool guest_copy(const struct sev_vmsa *a, uint64_t la, void *buf, uint64_t len, bool write,
		struct x86_fault *f)
{
	uint8_t *p = buf;
	while (len) {
		uint64_t gpa;
		uint32_t err;
		switch (guest_linear_to_gpa(a, la, write, &gpa, &err)) {
		case GUEST_WALK_OK:
			break;
		case GUEST_WALK_PF:
			*f = (struct x86_fault){
				.vector = X86_VEC_PF, .has_error = true, .error = err, .cr2 = la
			};
			return false;
		default:
			*f = x86_fault_gp(0);
			return false;
		}
		uint64_t n = MIN(len, PAGE_SIZE - (la & (PAGE_SIZE - 1)));
		if (!guest_gpa_ok(gpa, n)) {
			*f = x86_fault_gp(0);
			return false;
		}
		if (write)
			memcpy(mm_private_va(gpa), p, n);
		else
			memcpy(p, mm_private_va(gpa), n);
		p += n;
		la += n;
		len -= n;
	}
	return true;
}

/** How many bytes from la the guest can access (up to len); when fewer,
 * *f says why the first refused byte faults.  Checks before any side effect:
 * a string instruction does the part before the fault first. */
uint64_t guest_accessible(const struct sev_vmsa *a, uint64_t la, uint64_t len, bool write,
			  struct x86_fault *f)
{
	uint64_t done = 0;
	while (done < len) {
		uint64_t gpa;
		uint32_t err;
		enum guest_walk w = guest_linear_to_gpa(a, la + done, write, &gpa, &err);
		uint64_t n = MIN(len - done, PAGE_SIZE - ((la + done) & (PAGE_SIZE - 1)));
		if (w == GUEST_WALK_PF) {
			*f = (struct x86_fault){ .vector = X86_VEC_PF,
						 .has_error = true,
						 .error = err,
						 .cr2 = la + done };
			return done;
		}
		if (w != GUEST_WALK_OK || !guest_gpa_ok(gpa, n)) {
			*f = x86_fault_gp(0);
			return done;
		}
		done += n;
	}
	return done;
}
