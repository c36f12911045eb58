/* SPDX-License-Identifier: MIT */
/*
 * The guest's own page tables, walked as the CPU walks them (APM vol. 2
 * §5.3, long mode 4-level paging).  Table addresses carry the C-bit like
 * any GPA; snpemu reads the page behind them.  Used where the hardware would
 * translate a guest address itself: PVALIDATE/RMPADJUST operands, the
 * instruction bytes at RIP, and #VC delivery (IDT, TSS, stack).
 */
#include "vm.h"

#define PTE_P	      BIT(0)
#define PTE_RW	      BIT(1)
#define PTE_US	      BIT(2)
#define PTE_PS	      BIT(7)
#define PTE_ADDR_MASK 0x000FFFFFFFFFF000ULL

#define PF_P BIT(0)
#define PF_W BIT(1)
#define PF_U BIT(2)

static bool read_pte(uint64_t table_gpa, unsigned int index, uint64_t *pte)
{
	const uint64_t *t = gpa_to_hva(table_gpa & ~CBIT_MASK & PTE_ADDR_MASK);
	if (!t)
		return false;
	*pte = t[index];
	return true;
}

enum walk_result guest_virt_to_phys(struct vcpu *v, uint64_t gva, bool write, uint64_t *gpa,
				    uint32_t *pf_error)
{
	const struct vmcb_save *s = &v->vmcb->save;
	bool user = s->cpl == 3;
	uint32_t err = (write ? PF_W : 0) | (user ? PF_U : 0);

	if (!(s->cr0 & CR0_PG)) {
		*gpa = gva;
		return WALK_OK;
	}
	if (!(s->efer & EFER_LMA))
		guest_kill("unsupported: guest paging outside long mode");

	uint64_t table = s->cr3 & PTE_ADDR_MASK;
	bool writable = true, usr = true;
	for (int level = 3; level >= 0; level--) {
		unsigned int idx = (gva >> (12 + 9 * level)) & 511;
		uint64_t pte;
		if (!read_pte(table, idx, &pte))
			return WALK_BAD_GPA;
		if (!(pte & PTE_P)) {
			*pf_error = err;
			return WALK_PF;
		}
		writable &= !!(pte & PTE_RW);
		usr &= !!(pte & PTE_US);
		bool leaf = level == 0 || ((level == 1 || level == 2) && (pte & PTE_PS));
		if (leaf) {
			if ((write && !writable && (user || (s->cr0 & BIT(16)))) ||
			    (user && !usr)) {
				*pf_error = err | PF_P;
				return WALK_PF;
			}
			uint64_t page_mask = (1ULL << (12 + 9 * level)) - 1;
			*gpa = ((pte & PTE_ADDR_MASK) & ~page_mask) | (gva & page_mask);
			return WALK_OK;
		}
		table = pte & PTE_ADDR_MASK;
	}
	return WALK_PF; /* not reached */
}

static bool guest_copy(struct vcpu *v, uint64_t gva, void *buf, uint64_t len, bool write)
{
	uint8_t *p = buf;
	while (len) {
		uint64_t gpa;
		uint32_t err;
		if (guest_virt_to_phys(v, gva, write, &gpa, &err) != WALK_OK)
			return false;
		uint8_t *h = gpa_to_hva(gpa & ~CBIT_MASK);
		if (!h)
			return false;
		uint64_t n = MIN(len, PAGE_SIZE - (gva & (PAGE_SIZE - 1)));
		if (write)
			__builtin_memcpy(h, p, n);
		else
			__builtin_memcpy(p, h, n);
		p += n;
		gva += n;
		len -= n;
	}
	return true;
}

bool guest_read_virt(struct vcpu *v, uint64_t gva, void *dst, uint64_t len)
{
	return guest_copy(v, gva, dst, len, false);
}

bool guest_write_virt(struct vcpu *v, uint64_t gva, const void *src, uint64_t len)
{
	return guest_copy(v, gva, (void *)src, len, true);
}
