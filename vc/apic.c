/* SPDX-License-Identifier: MIT */
/*
 * The guest's local APIC: devices/lapic.c (one state, xAPIC MMIO and x2APIC
 * MSR views) wired to the paravisor.  With Alternate Injection every
 * x2APIC MSR access of the guest traps, and the xAPIC page is device space,
 * so every access comes here.  The APIC's timer and EOIs of host-delivered
 * vectors are carried by VMPL0's own x2APIC (the hypervisor's) with the
 * guest's own vector (DESIGN "An interrupt"); time is core/clock.c's.
 */
#include "clock.h"
#include "ghcb_call.h"
#include "hw.h"
#include "irq.h"
#include "vc.h"

#include "devices/lapic.h"

#define X2APIC_EOI      0x80B
#define X2APIC_LVT_TMR  0x832
#define X2APIC_TMICT    0x838
#define X2APIC_TDCR     0x83E
#define TDCR_DIVIDE_1   0xB

static bool host_msr(u32 msr, u64 val)
{
    return ghcb_msr_write(msr, val) == GHCB_STATUS_OK;
}

static bool op_send_ipi(void *ctx, const struct lapic_ipi *ipi)
{
    struct vcpu *v = ctx;
    if (ipi->mode == LAPIC_IPI_FIXED || ipi->mode == LAPIC_IPI_LOWEST) {
        if (lapic_ipi_match(&v->lapic, ipi))
            lapic_set_irr(&v->lapic, ipi->vector, false);
        return true;
    }
    pv_notice("IPI mode %u to %#x: no other vCPU yet", ipi->mode, ipi->dest);
    return true;
}

static bool op_eoi(void *ctx, u8 vector)
{
    (void)ctx;
    (void)vector;
    return host_msr(X2APIC_EOI, 0);
}

static u64 op_now_ns(void *ctx)
{
    (void)ctx;
    return clock_ns();
}

static u64 op_now_tsc(void *ctx)
{
    (void)ctx;
    return hw_rdtsc();
}

static bool op_timer_arm(void *ctx, const struct lapic_timer_req *req)
{
    struct vcpu *v = ctx;
    u64 tsc = hw_rdtsc();
    u64 now = req->clock == LAPIC_CLOCK_NS ? clock_ns_at(tsc) : tsc;
    u64 delta = req->deadline > now ? req->deadline - now : 1;
    if (req->clock == LAPIC_CLOCK_TSC)
        delta = pvclock_scale_ticks(delta, pv_clock.scale);
    u64 ticks = MAX(1, MIN(delta / GUEST_APIC_BUS_NS, 0xFFFFFFFFULL));
    v->timer_vector = req->vector;
    return host_msr(X2APIC_TDCR, TDCR_DIVIDE_1) && host_msr(X2APIC_LVT_TMR, req->vector) &&
           host_msr(X2APIC_TMICT, ticks);
}

static bool op_timer_cancel(void *ctx)
{
    (void)ctx;
    return host_msr(X2APIC_TMICT, 0);
}

static const struct lapic_ops apic_ops = {
    .send_ipi = op_send_ipi,
    .eoi = op_eoi,
    .now_ns = op_now_ns,
    .now_tsc = op_now_tsc,
    .timer_arm = op_timer_arm,
    .timer_cancel = op_timer_cancel,
};

void guest_apic_init(struct vcpu *v)
{
    CHECK(pv_clock.tsc_hz);
    const struct lapic_config cfg = {
        .apic_id = v->apic_id, .bsp = v->index == 0, .x2apic = true,
        .tsc_deadline = false, .phys_bits = 48, .bus_ns = GUEST_APIC_BUS_NS,
    };
    CHECK(lapic_init(&v->lapic, &cfg, &apic_ops, v));
}

static enum vc_result apic_result(struct vc_exit *e, enum lapic_result r)
{
    switch (r) {
    case LAPIC_OK:
        return VC_OK;
    case LAPIC_GP:
        e->fault = (struct vc_fault){ .vector = 13, .has_error = true, .error = 0 };
        return VC_EXCEPTION;
    case LAPIC_UNSUPPORTED:
        return VC_UNSUPPORTED;
    case LAPIC_HOST_ERROR:
        return VC_HV_ERROR;
    }
    return VC_UNSUPPORTED;
}

/** RDMSR/WRMSR of an MSR no other rule claims: the APIC's, or #GP. */
enum vc_result vc_apic_msr(struct vc_exit *e, u32 msr, bool write, u64 val)
{
    struct lapic *l = &e->vcpu->lapic;
    if (!lapic_msr_owned(msr)) {
        e->fault = (struct vc_fault){ .vector = 13, .has_error = true, .error = 0 };
        return VC_EXCEPTION;
    }
    if (write)
        return apic_result(e, lapic_msr_write(l, msr, val));
    enum lapic_result r = lapic_msr_read(l, msr, &val);
    if (r == LAPIC_OK) {
        e->vmsa->rax = (u32)val;
        e->vmsa->rdx = val >> 32;
    }
    return apic_result(e, r);
}

bool guest_apic_mmio(u32 offset, unsigned int size, bool write, u64 *val)
{
    struct lapic *l = &vcpu_this()->lapic;
    u32 v32 = (u32)*val;
    enum lapic_result r = write ? lapic_mmio_write(l, offset, size, v32)
                                : lapic_mmio_read(l, offset, size, &v32);
    if (r == LAPIC_HOST_ERROR)
        pv_terminate(PV_TERM_HV_ERROR, "APIC: host error on the xAPIC page");
    if (!write)
        *val = r == LAPIC_OK ? v32 : 0;
    return true;        /* a #GP-worthy MMIO access is dropped, as on a bus */
}

/** A vector the host posted in the doorbell: the APIC's timer firing, or
 * an interrupt for the guest (EOI goes back to the host).  The real timer
 * is the paravisor's: its host EOI is done here, at once.  Left to the
 * guest's EOI, an expiry that delivers nothing (the real timer fired a
 * little early, or after a cancel) would keep the vector in service and
 * every lower host vector behind it. */
void guest_apic_host_vector(struct vcpu *v, u8 vector)
{
    if (v->timer_vector && vector == v->timer_vector) {
        if (!host_msr(X2APIC_EOI, 0) || lapic_timer_fired(&v->lapic) == LAPIC_HOST_ERROR)
            pv_terminate(PV_TERM_HV_ERROR, "APIC: cannot re-arm the timer");
        return;
    }
    lapic_set_eoi_forward(&v->lapic, vector, true);
    lapic_set_irr(&v->lapic, vector, false);
}

int guest_apic_pending(struct vcpu *v)
{
    lapic_timer_poll(&v->lapic);
    return lapic_pending(&v->lapic);
}

void guest_apic_accept(struct vcpu *v, u8 vector)
{
    lapic_ack(&v->lapic, vector);
}
