/* SPDX-License-Identifier: MIT */
/*
 * The KVM paravirtual clock ABI ("kvmclock", pvclock), which the paravisor
 * serves itself to a guest that has no SNP support: it is how an
 * unmodified Linux learns the TSC frequency without timing the PIT through
 * a #VC round trip per port read.  Nothing here is shared with the host.
 *
 * Facts: Linux Documentation/virt/kvm/x86/cpuid.rst (KVM_CPUID_SIGNATURE,
 * KVM_CPUID_FEATURES and its bits, KVM_CPUID_TIMING_INFO) and
 * Documentation/virt/kvm/x86/msr.rst (MSR_KVM_WALL_CLOCK_NEW,
 * MSR_KVM_SYSTEM_TIME_NEW and the two structures); the same numbers are in
 * arch/x86/include/uapi/asm/kvm_para.h and asm/pvclock-abi.h.  [C1]
 */
#ifndef PROTOCOL_PVCLOCK_ABI_H
#define PROTOCOL_PVCLOCK_ABI_H

#include <stddef.h>
#include <stdint.h>

/* cpuid.rst: the hypervisor leaves. */
#define KVM_CPUID_SIGNATURE   0x40000000u /* EAX max leaf, "KVMKVMKVM\0\0\0" */
#define KVM_CPUID_FEATURES    0x40000001u /* EAX features, EDX hints */
#define KVM_CPUID_TIMING_INFO 0x40000010u /* EAX TSC kHz, EBX APIC bus kHz */
#define KVM_SIGNATURE_EBX     0x4B4D564Bu /* "KVMK" */
#define KVM_SIGNATURE_ECX     0x564B4D56u /* "VMKV" */
#define KVM_SIGNATURE_EDX     0x0000004Du /* "M\0\0\0" */

#define KVM_FEATURE_NOP_IO_DELAY	   1  /* port 0x80 delays are not needed */
#define KVM_FEATURE_CLOCKSOURCE2	   3  /* MSRs 0x4b564d00/01 */
#define KVM_FEATURE_CLOCKSOURCE_STABLE_BIT 24 /* PVCLOCK_TSC_STABLE_BIT is meaningful */

/* msr.rst: the kvmclock MSRs (the deprecated 0x11/0x12 pair is not offered). */
#define MSR_KVM_WALL_CLOCK_NEW	0x4B564D00u
#define MSR_KVM_SYSTEM_TIME_NEW 0x4B564D01u
#define KVM_MSR_FIRST		0x4B564D00u /* "custom MSRs": 00-FF */
#define KVM_MSR_LAST		0x4B564DFFu
#define KVM_SYSTEM_TIME_ENABLE	1ull /* bit 0 of MSR_KVM_SYSTEM_TIME_NEW */

/** msr.rst MSR_KVM_WALL_CLOCK_NEW: the wall clock at system time 0.  The
 * version is odd while the host writes. */
struct pvclock_wall_clock {
	uint32_t version;
	uint32_t sec;
	uint32_t nsec;
};

/** msr.rst MSR_KVM_SYSTEM_TIME_NEW: per vCPU.  Guest time in ns is
 * system_time + scale(tsc - tsc_timestamp), where scale(d) shifts d left
 * by tsc_shift (right if negative), multiplies by tsc_to_system_mul and
 * keeps bits 95:32 of the product. */
struct pvclock_vcpu_time_info {
	uint32_t version;
	uint32_t pad0;
	uint64_t tsc_timestamp;
	uint64_t system_time;
	uint32_t tsc_to_system_mul;
	int8_t tsc_shift;
	uint8_t flags;
	uint8_t pad[2];
};

#define PVCLOCK_TSC_STABLE_BIT (1u << 0)
#define PVCLOCK_GUEST_STOPPED  (1u << 1)

_Static_assert(sizeof(struct pvclock_wall_clock) == 12,
	       "pvclock_wall_clock is 12 bytes (msr.rst MSR_KVM_WALL_CLOCK)");
_Static_assert(offsetof(struct pvclock_wall_clock, nsec) == 8,
	       "wall clock nsec at byte 8 (msr.rst MSR_KVM_WALL_CLOCK)");
_Static_assert(sizeof(struct pvclock_vcpu_time_info) == 32,
	       "pvclock_vcpu_time_info is 32 bytes (msr.rst MSR_KVM_SYSTEM_TIME)");
_Static_assert(offsetof(struct pvclock_vcpu_time_info, tsc_timestamp) == 8,
	       "tsc_timestamp at byte 8 (msr.rst MSR_KVM_SYSTEM_TIME)");
_Static_assert(offsetof(struct pvclock_vcpu_time_info, system_time) == 16,
	       "system_time at byte 16 (msr.rst MSR_KVM_SYSTEM_TIME)");
_Static_assert(offsetof(struct pvclock_vcpu_time_info, tsc_to_system_mul) == 24,
	       "tsc_to_system_mul at byte 24 (msr.rst MSR_KVM_SYSTEM_TIME)");
_Static_assert(offsetof(struct pvclock_vcpu_time_info, tsc_shift) == 28,
	       "tsc_shift at byte 28 (msr.rst MSR_KVM_SYSTEM_TIME)");
_Static_assert(offsetof(struct pvclock_vcpu_time_info, flags) == 29,
	       "flags at byte 29 (msr.rst MSR_KVM_SYSTEM_TIME)");

#endif /* PROTOCOL_PVCLOCK_ABI_H */
