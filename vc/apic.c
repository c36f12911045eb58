/* SPDX-License-Identifier: MIT */
/*
 * The guest's local APIC MSRs (APIC base, x2APIC 0x800-0x8FF): with
 * Alternate Injection every x2APIC access traps, so they all come here.
 * Until the software LAPIC (devices/lapic.c) is wired, only the APIC base
 * reads, in xAPIC mode; any other access is #GP.
 */
#include "irq.h"
#include "vc.h"

/* Until devices/lapic.c is wired: host-delivered vectors wait in an IRR and
 * go to the guest highest first; no TPR, no ISR ordering. */
static u32 irr[8];

void guest_apic_host_vector(struct vcpu *v, u8 vector)
{
    (void)v;
    irr[vector / 32] |= 1u << (vector % 32);
}

int guest_apic_pending(struct vcpu *v)
{
    (void)v;
    for (int w = 7; w >= 0; w--)
        if (irr[w])
            return w * 32 + 31 - __builtin_clz(irr[w]);
    return -1;
}

void guest_apic_accept(struct vcpu *v, u8 vector)
{
    (void)v;
    irr[vector / 32] &= ~(1u << (vector % 32));
}

#define MSR_APIC_BASE   0x1B

enum vc_result lapic_msr(struct vc_exit *e, u32 msr, bool write, u64 val)
{
    (void)val;
    if (msr == MSR_APIC_BASE && !write) {
        u64 base = 0xFEE00000ULL | BIT(11) | (e->vcpu->index == 0 ? BIT(8) : 0);
        e->vmsa->rax = (u32)base;
        e->vmsa->rdx = base >> 32;
        return VC_OK;
    }
    e->fault = (struct vc_fault){ .vector = 13, .has_error = true, .error = 0 };
    return VC_EXCEPTION;
}
