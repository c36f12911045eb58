/* SPDX-License-Identifier: MIT */
/*
 * The guest's local APIC: devices/lapic.c (one state, xAPIC MMIO and x2APIC
 * MSR views) wired to the paravisor.  With Alternate Injection every
 * x2APIC MSR access of the guest traps, and the xAPIC page is device space,
 * so every access comes here.  The APIC's timer and EOIs of host-delivered
 * vectors are carried by VMPL0's own x2APIC (the hypervisor's) with the
 * guest's own vector (docs/architecture.md, "MMIO and the APIC"); time is
 * core/clock.c's.
 */
#include "core/clock.h"
#include "platform/platform.h"
#include "core/ghcb_call.h"
#include "core/hw.h"
#include "platform/apic.h"
#include "core/stats.h"

#include <lib/fmt.h>

#include "devices/lapic.h"

#define X2APIC_EOI     0x80B
#define X2APIC_LVT_TMR 0x832
#define X2APIC_TMICT   0x838
#define X2APIC_TDCR    0x83E
#define TDCR_DIVIDE_1  0xB

/** A write to VMPL0's own x2APIC (the hypervisor's): the paravisor's own
 * call, so any refusal ends the VM in core/ghcb.c; the lapic ops built on
 * it therefore never fail, and LAPIC_HOST_ERROR here is a bug (CHECK). */
static bool host_msr(uint32_t msr, uint64_t val)
{
	ghcb_msr_write(msr, val, NULL);
	return true;
}

/*
 * The guest's APICs are one device for all vCPUs: apic_lock covers every
 * entry into devices/lapic.c, and a vCPU's INIT/SIPI mailbox (vcpu.h).
 * An IPI to another vCPU sets its state and kicks it: a real IPI with
 * KICK_VECTOR to its APIC, which the hypervisor turns into an #HV there;
 * the kicked vCPU leaves the guest (or its halt) and looks.
 */
#define X2APIC_ICR	 0x830
#define ICR_LEVEL_ASSERT BIT(14)
#define KICK_VECTOR	 PV_VECTOR_KICK

static spinlock_t apic_lock;
PV_COUNTER(nmi_ipis, "lapic: NMIs sent to vCPUs");

static void kick(struct vcpu *t)
{
	if (t == vcpu_this())
		return;
	host_msr(X2APIC_ICR, ((uint64_t)t->apic_id << 32) | ICR_LEVEL_ASSERT | KICK_VECTOR);
}

static void deliver(struct vcpu *t, const struct lapic_ipi *ipi)
{
	switch (ipi->mode) {
	case LAPIC_IPI_FIXED:
	case LAPIC_IPI_LOWEST:
		lapic_set_irr(&t->lapic, ipi->vector, false);
		break;
	case LAPIC_IPI_INIT:
		t->init_pending = true;
		t->sipi_pending = false;
		break;
	case LAPIC_IPI_SIPI:
		if (!t->init_pending && !t->wait_for_sipi)
			return; /* a SIPI outside wait-for-SIPI is ignored */
		t->sipi_vector = ipi->vector;
		t->sipi_pending = true;
		break;
	case LAPIC_IPI_NMI:
		t->nmi_pending = true; /* one latched NMI at most, as on the CPU */
		pv_count(&nmi_ipis);
		break;
	}
	kick(t);
}

static bool op_send_ipi(void *ctx, const struct lapic_ipi *ipi)
{
	(void)ctx;

	for (unsigned int i = 0; i < PV_MAX_VCPUS; i++) {
		struct vcpu *t = vcpu_by_index(i);
		if (!t || !lapic_ipi_match(&t->lapic, ipi))
			continue;
		deliver(t, ipi);
		if (ipi->mode == LAPIC_IPI_LOWEST)
			break; /* exactly one of the targets */
	}
	return true;
}

static bool op_eoi(void *ctx, uint8_t vector)
{
	(void)ctx;
	(void)vector;
	return host_msr(X2APIC_EOI, 0);
}

static uint64_t op_now_ns(void *ctx)
{
	(void)ctx;
	return clock_ns();
}

static uint64_t op_now_tsc(void *ctx)
{
	(void)ctx;
	return hw_rdtsc();
}

static bool op_timer_arm(void *ctx, const struct lapic_timer_req *req)
{
	struct vcpu *v = ctx;
	uint64_t tsc = hw_rdtsc();
	uint64_t now = req->clock == LAPIC_CLOCK_NS ? clock_ns_at(tsc) : tsc;
	uint64_t delta = req->deadline > now ? req->deadline - now : 1;
	if (req->clock == LAPIC_CLOCK_TSC)
		delta = pvclock_scale_ticks(delta, pv_clock.scale);
	uint64_t ticks = MAX(1, MIN(delta / GUEST_APIC_BUS_NS, 0xFFFFFFFFULL));
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

static void lapic_stat_name(unsigned int i, char *buf, size_t len)
{
	snprintf(buf, len, "lapic: %s", lapic_stat_names[i]);
}

/* Read without apic_lock: a counter printed at power-off may be one behind. */
static uint64_t lapic_stat_read(unsigned int i, unsigned int vcpu)
{
	const struct vcpu *v = vcpu_by_index(vcpu);
	return v ? *(const volatile uint64_t *)&v->lapic.stat[i] : 0;
}

PV_COUNTER_SET(lapic_counters, .count = LAPIC_STAT_COUNT, .per_vcpu = true, .name = lapic_stat_name,
	       .read = lapic_stat_read);

void guest_apic_init(struct vcpu *v)
{
	CHECK(pv_clock.tsc_hz);
	const struct lapic_config cfg = {
		.apic_id = v->apic_id,
		.bsp = v->index == 0,
		.x2apic = true,
		.tsc_deadline = false,
		.phys_bits = 48,
		.bus_ns = GUEST_APIC_BUS_NS,
	};
	CHECK(lapic_init(&v->lapic, &cfg, &apic_ops, v));
}

enum lapic_result guest_apic_msr(struct vcpu *v, uint32_t msr, bool write, uint64_t *val)
{
	if (!lapic_msr_owned(msr))
		return LAPIC_GP;
	spin_lock(&apic_lock);
	enum lapic_result r = write ? lapic_msr_write(&v->lapic, msr, *val)
				    : lapic_msr_read(&v->lapic, msr, val);
	spin_unlock(&apic_lock);
	return r;
}

bool guest_apic_mmio(uint32_t offset, unsigned int size, bool write, uint64_t *val)
{
	struct lapic *l = &vcpu_this()->lapic;
	uint32_t v32 = (uint32_t)*val;
	spin_lock(&apic_lock);
	enum lapic_result r = write ? lapic_mmio_write(l, offset, size, v32)
				    : lapic_mmio_read(l, offset, size, &v32);
	spin_unlock(&apic_lock);
	CHECK(r != LAPIC_HOST_ERROR);
	if (!write)
		*val = r == LAPIC_OK ? v32 : 0;
	return true; /* a #GP-worthy MMIO access is dropped, as on a bus */
}

/** A vector the host posted in the doorbell: the APIC's timer firing, or
 * an interrupt for the guest (EOI goes back to the host).  The real timer
 * is the paravisor's: its host EOI is done here, at once.  Left to the
 * guest's EOI, an expiry that delivers nothing (the real timer fired a
 * little early, or after a cancel) would keep the vector in service and
 * every lower host vector behind it. */
/** A fixed I/O APIC interrupt to a logical set reached v alone (the host's
 * I/O APIC names one CPU): every other vCPU the set names gets it too (SDM
 * vol. 3, "Logical Destination Mode"), with its own EOI, which goes to no
 * host (v's forwards the host's).  apic_lock held. */
static void fan_out(struct vcpu *v, uint8_t vector, const struct ioapic_route *rt)
{
	const struct lapic_ipi ipi = {
		.mode = LAPIC_IPI_FIXED, .logical = true, .dest = rt->dest, .vector = vector
	};
	for (unsigned int i = 0; i < PV_MAX_VCPUS; i++) {
		struct vcpu *t = vcpu_by_index(i);
		if (!t || t == v || !lapic_ipi_match(&t->lapic, &ipi))
			continue;
		lapic_set_irr(&t->lapic, vector, rt->level);
		kick(t);
	}
}

void guest_apic_host_vector(struct vcpu *v, uint8_t vector)
{
	if (vector == KICK_VECTOR || vector == PV_VECTOR_VIRTIO_QUEUE ||
	    vector == PV_VECTOR_VIRTIO_CONFIG || vector == PV_VECTOR_NVME) {
		/* the paravisor's own: a wake-up (the state is set), or the
         * virtio proxy's devices (edge MSIs: EOI first, then look) */
		host_msr(X2APIC_EOI, 0);
		if (vector != KICK_VECTOR)
			pci_vector(vector);
		return;
	}
	struct ioapic_route rt;
	ioapic_route_of(vector, &rt); /* platform_lock, not nested */
	spin_lock(&apic_lock);
	if (v->timer_vector && vector == v->timer_vector) {
		host_msr(X2APIC_EOI, 0);
		CHECK(lapic_timer_fired(&v->lapic) != LAPIC_HOST_ERROR);
	} else if (rt.found && !rt.level && !lapic_host_holds_from(&v->lapic, vector)) {
		/* An edge I/O APIC pin: the host's EOI now, as for an MSI.  A second
		 * edge that comes before the guest accepts the first then finds the
		 * guest's IRR bit set and is one request with it, as on the CPU (the
		 * IRR holds one request per vector, SDM vol. 3 §11.8.4); kept in the
		 * host's ISR until the guest's EOI, it would come as a second
		 * interrupt.  Not while a vector at or above it waits for its EOI
		 * there: the host's EOI retires the highest in service. */
		host_msr(X2APIC_EOI, 0);
		lapic_set_eoi_forward(&v->lapic, vector, false);
		lapic_set_irr(&v->lapic, vector, false);
		if (rt.logical_set)
			fan_out(v, vector, &rt);
	} else {
		lapic_set_eoi_forward(&v->lapic, vector, true);
		lapic_set_irr(&v->lapic, vector, rt.level);
		if (rt.logical_set)
			fan_out(v, vector, &rt);
	}
	spin_unlock(&apic_lock);
}

/** An MSI from a device the paravisor carries (core/pci.c): the address
 * names the destination (bits 19:12, logical if bit 2), the data the
 * delivery mode (10:8) and vector (SDM vol. 3 "Message Signalled
 * Interrupts").  Fixed and lowest priority are what devices send; the
 * others are refused with a log line. */
void guest_apic_msi(uint64_t addr, uint32_t data)
{
	unsigned int mode = (data >> 8) & 7;
	if (mode > 1) {
		pv_notice("MSI with delivery mode %u not delivered (data %#x)", mode, data);
		return;
	}
	const struct lapic_ipi ipi = {
		.mode = mode ? LAPIC_IPI_LOWEST : LAPIC_IPI_FIXED,
		.logical = addr & BIT(2),
		.dest = (uint32_t)(addr >> 12) & 0xFF,
		.vector = (uint8_t)data,
	};
	spin_lock(&apic_lock);
	op_send_ipi(NULL, &ipi);
	spin_unlock(&apic_lock);
}

/** A device interrupt in logical destination mode (core/platform.c): the
 * first vCPU whose logical ID matches takes it.  A fixed interrupt to a
 * set would reach them all; Linux names one CPU per interrupt. */
int guest_apic_logical_target(uint8_t dest)
{
	const struct lapic_ipi ipi = { .mode = LAPIC_IPI_FIXED, .logical = true, .dest = dest };
	int id = -1;
	spin_lock(&apic_lock);
	for (unsigned int i = 0; i < PV_MAX_VCPUS && id < 0; i++) {
		struct vcpu *t = vcpu_by_index(i);
		if (t && lapic_ipi_match(&t->lapic, &ipi))
			id = (int)t->apic_id;
	}
	spin_unlock(&apic_lock);
	return id;
}

/** The guest's INIT and SIPI to v (run.c): -1 = run the guest as it is,
 * -2 = nothing to run (wait-for-SIPI), else the SIPI vector to start at. */
int guest_apic_startup(struct vcpu *v)
{
	int r = -1;
	spin_lock(&apic_lock);
	if (v->init_pending) {
		v->init_pending = false;
		v->wait_for_sipi = true;
		CHECK(lapic_init_reset(&v->lapic) != LAPIC_HOST_ERROR);
	}
	if (v->wait_for_sipi) {
		r = -2;
		if (v->sipi_pending) {
			v->sipi_pending = false;
			v->wait_for_sipi = false;
			r = v->sipi_vector;
		}
	}
	spin_unlock(&apic_lock);
	return r;
}

int guest_apic_pending(struct vcpu *v)
{
	spin_lock(&apic_lock);
	lapic_timer_poll(&v->lapic);
	int r = lapic_pending(&v->lapic);
	spin_unlock(&apic_lock);
	return r;
}

void guest_apic_accept(struct vcpu *v, uint8_t vector)
{
	spin_lock(&apic_lock);
	lapic_ack(&v->lapic, vector);
	spin_unlock(&apic_lock);
}
