/* SPDX-License-Identifier: MIT */
/*
 * kvmclock, served by the paravisor (protocol/pvclock_abi.h).  A guest with
 * no SNP support would otherwise time the PIT to learn the TSC rate, and
 * with every port read a round trip through VMPL0 and the hypervisor that
 * fails or drifts.  The paravisor offers the smallest KVM interface that
 * carries the rate: the hypervisor leaves with CLOCKSOURCE2, the stable
 * bit and NOP_IO_DELAY, the two kvmclock MSRs, and the timing leaf.  The
 * records are written into the guest's own private memory from
 * core/clock.c's calibration; nothing is shared with the host, and the
 * host's own kvmclock and other paravirtual features stay hidden
 * (cpuid.c).
 *
 * As with KVM (msr.rst), a registration at an address that is not guest
 * RAM is accepted and leaves the clock unwritten: the MSR reads back what
 * was written, the guest sees version 0 and falls back to other clocks.
 */
#include "core/clock.h"
#include "core/hw.h"
#include "core/mm.h"
#include "vc/vc.h"

#include "devices/pvclock.h"
#include "platform/apic.h"

static uint64_t wall_clock_msr;
static uint64_t refused; /* registrations outside guest RAM */

/** A record of len bytes at gpa the paravisor may write for the guest:
 * inside one page of the guest's own RAM (never ours, never MMIO). */
static void *guest_record(uint64_t gpa, uint64_t len)
{
	if ((gpa & PAGE_MASK) != ((gpa + len - 1) & PAGE_MASK) ||
	    !mm_is_guest_ram(gpa & PAGE_MASK)) {
		if (!refused++)
			pv_notice("kvmclock: %#lx is not guest RAM; the record is not written",
				  (unsigned long)gpa);
		return NULL;
	}
	return mm_private_va(gpa);
}

static void write_wall_clock(uint64_t gpa)
{
	struct pvclock_wall_clock *w = guest_record(gpa, sizeof(*w));
	if (w)
		pvclock_publish_wall(w, pv_clock.boot_unix_ns);
}

static void write_system_time(uint64_t msr)
{
	if (!(msr & KVM_SYSTEM_TIME_ENABLE))
		return;
	struct pvclock_vcpu_time_info *t = guest_record(msr & ~KVM_SYSTEM_TIME_ENABLE, sizeof(*t));
	if (!t)
		return;
	struct pvclock_vcpu_time_info rec;
	uint64_t tsc = hw_rdtsc();
	pvclock_vcpu_record(&rec, tsc, clock_ns_at(tsc), pv_clock.scale, true);
	pvclock_publish(t, &rec);
}

bool kvmclock_msr(struct vcpu *v, uint32_t msr, bool write, uint64_t *val)
{
	uint64_t *reg = msr == MSR_KVM_WALL_CLOCK_NEW	 ? &wall_clock_msr
			: msr == MSR_KVM_SYSTEM_TIME_NEW ? &v->kvmclock_msr
							 : NULL;
	if (!reg)
		return false; /* no other KVM MSR is offered: #GP */
	if (!write) {
		*val = *reg;
		return true;
	}
	*reg = *val;
	if (msr == MSR_KVM_WALL_CLOCK_NEW)
		write_wall_clock(*val);
	else
		write_system_time(*val);
	return true;
}

/** The hypervisor leaves 0x40000000-0x400000FF. */
bool kvmclock_cpuid(uint32_t leaf, uint32_t r[4])
{
	switch (leaf) {
	case KVM_CPUID_SIGNATURE:
		r[0] = KVM_CPUID_TIMING_INFO;
		r[1] = KVM_SIGNATURE_EBX;
		r[2] = KVM_SIGNATURE_ECX;
		r[3] = KVM_SIGNATURE_EDX;
		return true;
	case KVM_CPUID_FEATURES:
		r[0] = (uint32_t)(BIT(KVM_FEATURE_CLOCKSOURCE2) | BIT(KVM_FEATURE_NOP_IO_DELAY) |
				  BIT(KVM_FEATURE_CLOCKSOURCE_STABLE_BIT));
		r[1] = r[2] = r[3] = 0;
		return true;
	case KVM_CPUID_TIMING_INFO:
		r[0] = (uint32_t)clock_tsc_khz();
		r[1] = 1000000 / GUEST_APIC_BUS_NS;
		r[2] = r[3] = 0;
		return true;
	default:
		return false;
	}
}
