/* SPDX-License-Identifier: MIT */
/*
 * The guest's local APIC: devices/lapic.c (one state, xAPIC MMIO and x2APIC
 * MSR views) wired to the paravisor.  With Alternate Injection every
 * x2APIC MSR access of the guest traps, and the xAPIC page is device space,
 * so every access comes here.  The APIC's timer and EOIs of host-delivered
 * vectors are carried by VMPL0's own x2APIC (the hypervisor's) with the
 * guest's own vector (DESIGN "An interrupt"); time is the TSC, calibrated at
 * boot against the PIT.
 */
#include "ghcb_call.h"
#include "irq.h"
#include "vc.h"

#include "devices/lapic.h"

#define X2APIC_EOI      0x80B
#define X2APIC_LVT_TMR  0x832
#define X2APIC_TMICT    0x838
#define X2APIC_TDCR     0x83E
#define TDCR_DIVIDE_1   0xB
#define BUS_NS          1           /* the guest's APIC bus: 1 GHz */

static u64 tsc_khz;

static u64 rdtsc(void)
{
    u32 lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((u64)hi << 32) | lo;
}

static u8 io_in8(u16 port)
{
    u32 v = 0;
    ghcb_ioio(port, 1, true, &v);
    return (u8)v;
}

static void io_out8(u16 port, u8 val)
{
    u32 v = val;
    ghcb_ioio(port, 1, false, &v);
}

/** TSC kHz from PIT channel 2 counting 10 ms (1.193182 MHz, mode 0). */
static void calibrate_tsc(void)
{
    const u16 count = 11932;
    io_out8(0x61, (io_in8(0x61) & ~0x02) | 0x01);   /* gate on, speaker off */
    io_out8(0x43, 0xB0);                            /* ch 2, lo/hi, mode 0 */
    io_out8(0x42, count & 0xFF);
    io_out8(0x42, count >> 8);
    u64 t0 = rdtsc();
    unsigned int spins = 0;
    while (!(io_in8(0x61) & 0x20))
        if (++spins > 10000000)
            pv_terminate(PV_TERM_HV_ERROR, "PIT channel 2 never counted down");
    tsc_khz = (rdtsc() - t0) / 10;
    if (!tsc_khz)
        pv_terminate(PV_TERM_HV_ERROR, "TSC does not advance");
    pv_info("TSC %lu kHz", (unsigned long)tsc_khz);
}

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
    return rdtsc() * 1000000 / tsc_khz;
}

static u64 op_now_tsc(void *ctx)
{
    (void)ctx;
    return rdtsc();
}

static bool op_timer_arm(void *ctx, const struct lapic_timer_req *req)
{
    struct vcpu *v = ctx;
    u64 now = req->clock == LAPIC_CLOCK_NS ? op_now_ns(ctx) : rdtsc();
    u64 delta = req->deadline > now ? req->deadline - now : 1;
    if (req->clock == LAPIC_CLOCK_TSC)
        delta = delta * 1000000 / tsc_khz;
    u64 ticks = MAX(1, MIN(delta / BUS_NS, 0xFFFFFFFFULL));
    v->timer_vector = req->vector;
    lapic_set_eoi_forward(&v->lapic, req->vector, true);
    return host_msr(X2APIC_TDCR, TDCR_DIVIDE_1) && host_msr(X2APIC_LVT_TMR, req->vector) &&
           host_msr(X2APIC_TMICT, ticks);
}

static bool op_timer_cancel(void *ctx)
{
    struct vcpu *v = ctx;
    v->timer_vector = 0;
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
    if (!tsc_khz)
        calibrate_tsc();
    const struct lapic_config cfg = {
        .apic_id = v->apic_id, .bsp = v->index == 0, .x2apic = true,
        .tsc_deadline = false, .phys_bits = 48, .bus_ns = BUS_NS,
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
 * an interrupt for the guest (EOI goes back to the host). */
void guest_apic_host_vector(struct vcpu *v, u8 vector)
{
    if (v->timer_vector && vector == v->timer_vector) {
        v->timer_vector = 0;
        if (lapic_timer_poll(&v->lapic) == LAPIC_HOST_ERROR)
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
