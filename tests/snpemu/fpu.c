/* SPDX-License-Identifier: MIT */
/*
 * FPU state transfer between the CPU and VMSAs (x87, SSE, AVX: VMSA
 * 0x400-0x66F, APM vol. 2 Table B-4).  snpemu itself never touches FPU registers
 * (-mgeneral-regs-only), so the guest state stays live in the CPU between
 * exits and moves only when another VMSA runs on this vCPU.  XSAVE's legacy
 * area has the FXSAVE layout (APM vol. 2 §11.4.4); the AVX upper halves are
 * at offset 576 of the standard format.
 */
#include "vm.h"
#include "x86.h"

#include <lib/string.h>

#define XFEATURE_X87  BIT(0)
#define XFEATURE_SSE  BIT(1)
#define XFEATURE_YMM  BIT(2)
#define XSAVE_YMM_OFF 576
#define CR4_OSXSAVE   BIT(18)

struct fxsave {
	uint16_t fcw, fsw;
	uint8_t ftw, rsvd1;
	uint16_t fop;
	uint64_t fip, fdp;
	uint32_t mxcsr, mxcsr_mask;
	uint8_t st[8][16];
	uint8_t xmm[16][16];
	uint8_t rsvd2[96];
} __attribute__((packed));
_Static_assert(sizeof(struct fxsave) == 512, "APM vol. 2 Table 11-9: FXSAVE area");

static uint64_t xfeatures; /* what the CPU offers of x87|SSE|YMM */

static inline uint64_t xgetbv0(void)
{
	uint32_t lo, hi;
	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return ((uint64_t)hi << 32) | lo;
}

static inline void xsetbv0(uint64_t v)
{
	__asm__ volatile("xsetbv" ::"a"((uint32_t)v), "d"((uint32_t)(v >> 32)), "c"(0));
}

void fpu_init(void)
{
	uint32_t r[4];
	cpuid_count(1, 0, r);
	if (!(r[2] & BIT(26)))
		panic("the CPU has no XSAVE");
	write_cr4(read_cr4() | CR4_OSXSAVE);
	cpuid_count(0xD, 0, r);
	xfeatures = r[0] & (XFEATURE_X87 | XFEATURE_SSE | XFEATURE_YMM);
}

void fpu_save(struct vcpu *v, struct sev_vmsa *a)
{
	struct fxsave *fx = (struct fxsave *)v->xsave;
	uint64_t xcr0 = xgetbv0();
	memset(v->xsave, 0, PAGE_SIZE);
	/* Every component the VMSA holds, whatever the context's XCR0: XMM
	 * registers are live with CR4.OSFXSR alone, and XSAVE saves only what
	 * XCR0 enables (SDM vol. 1 §13.7: RFBM = XCR0 AND EDX:EAX). */
	xsetbv0(xfeatures);
	__asm__ volatile("xsave64 (%0)" ::"r"(v->xsave), "a"((uint32_t)xfeatures),
			 "d"((uint32_t)(xfeatures >> 32))
			 : "memory");
	xsetbv0(xcr0);
	a->xcr0 = xcr0;
	a->x87_fcw = fx->fcw;
	a->x87_fsw = fx->fsw;
	a->x87_ftw = fx->ftw; /* abridged tag, as KVM stores it */
	a->x87_fop = fx->fop;
	a->x87_rip = fx->fip;
	a->x87_dp = fx->fdp;
	a->mxcsr = fx->mxcsr;
	for (int i = 0; i < 8; i++)
		memcpy(a->fpreg_x87 + 10 * i, fx->st[i], 10);
	memcpy(a->fpreg_xmm, fx->xmm, sizeof(fx->xmm));
	if (xfeatures & XFEATURE_YMM)
		memcpy(a->fpreg_ymm, v->xsave + XSAVE_YMM_OFF, 256);
}

void fpu_load(struct vcpu *v, const struct sev_vmsa *a)
{
	struct fxsave *fx = (struct fxsave *)v->xsave;
	uint64_t xcr0 = (a->xcr0 & xfeatures) | XFEATURE_X87;
	memset(v->xsave, 0, PAGE_SIZE);
	fx->fcw = a->x87_fcw;
	fx->fsw = a->x87_fsw;
	fx->ftw = (uint8_t)a->x87_ftw;
	fx->fop = a->x87_fop;
	fx->fip = a->x87_rip;
	fx->fdp = a->x87_dp;
	fx->mxcsr = a->mxcsr & 0xFFFF;
	for (int i = 0; i < 8; i++)
		memcpy(fx->st[i], a->fpreg_x87 + 10 * i, 10);
	memcpy(fx->xmm, a->fpreg_xmm, sizeof(fx->xmm));
	memcpy(v->xsave + XSAVE_YMM_OFF, a->fpreg_ymm, 256);
	/* All of it restored (as fpu_save saved all of it), then the context's XCR0. */
	*(uint64_t *)(v->xsave + 512) = xfeatures;
	xsetbv0(xfeatures);
	__asm__ volatile("xrstor64 (%0)" ::"r"(v->xsave), "a"((uint32_t)xfeatures),
			 "d"((uint32_t)(xfeatures >> 32))
			 : "memory");
	xsetbv0(xcr0);
}
