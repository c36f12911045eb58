// SPDX-License-Identifier: MIT
/* PVALIDATE / RMPADJUST wrappers and the exception probes. */
#include "rt.h"

/* PVALIDATE and RMPADJUST share the register interface: RAX = VA,
 * RCX = page size, RDX = validate flag or attributes; EAX = return code,
 * CF = "nothing changed" (APM vol. 3, PVALIDATE). */
#define SNP_INSN(bytes, va, size, rdx)                                         \
	({                                                                     \
		uint64_t rax_ = (va);                                          \
		bool cf_;                                                      \
		__asm__ volatile(".byte " bytes                                \
				 : "+a"(rax_), "=@ccc"(cf_)                    \
				 : "c"((uint64_t)(size)), "d"((uint64_t)(rdx)) \
				 : "memory");                                  \
		(struct snp_ret){ .eax = (uint32_t)rax_, .cf = cf_ };          \
	})

struct snp_ret pvalidate(uint64_t va, unsigned size, bool validate)
{
	return SNP_INSN(INSN_PVALIDATE_ASM, va, size, validate);
}

struct snp_ret rmpadjust(uint64_t va, unsigned size, uint64_t attrs)
{
	return SNP_INSN(INSN_RMPADJUST_ASM, va, size, attrs);
}

uint64_t probe_read64(const volatile void *va)
{
	uint64_t v = 0;

	__asm__ volatile(PROBE_SKIP "movq (%[p]), %[v]" PROBE_END
			 : [v] "+r"(v)
			 : [p] "r"(va)
			 : "r11", "memory");
	rt_probe_resume = 0;
	return v;
}

void probe_write64(volatile void *va, uint64_t val)
{
	__asm__ volatile(PROBE_SKIP "movq %[v], (%[p])" PROBE_END
			 :
			 : [v] "r"(val), [p] "r"(va)
			 : "r11", "memory");
	rt_probe_resume = 0;
}
