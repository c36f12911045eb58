/* SPDX-License-Identifier: MIT */
/*
 * vm_lock: the one lock of snpemu.  It protects the RMP, the NPT views and
 * the VMSA registrations of AP creation.  It is recursive (one owner CPU,
 * a depth) so that an exit handler can hold it across helpers that take it.
 */
#include "vm.h"

static volatile uint32_t lock_owner = ~0u; /* APIC ID + 1 convention: ~0 = free */
static uint32_t lock_depth;

void vm_lock(void)
{
	uint32_t me = lapic_id();
	if (__atomic_load_n(&lock_owner, __ATOMIC_ACQUIRE) == me) {
		lock_depth++;
		return;
	}
	uint32_t free = ~0u;
	while (!__atomic_compare_exchange_n(&lock_owner, &free, me, false, __ATOMIC_ACQUIRE,
					    __ATOMIC_RELAXED)) {
		free = ~0u;
		__asm__ volatile("pause");
	}
	lock_depth = 1;
}

void vm_unlock(void)
{
	CHECK(lock_owner == lapic_id() && lock_depth);
	if (--lock_depth == 0)
		__atomic_store_n(&lock_owner, ~0u, __ATOMIC_RELEASE);
}
