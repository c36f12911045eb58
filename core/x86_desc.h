/* SPDX-License-Identifier: MIT */
/*
 * Long-mode descriptors shared by the paravisor and snpemu: the 16-byte
 * interrupt gate (APM vol. 2 §4.8.4) and loading an IDT of them.
 */
#ifndef X86_DESC_H
#define X86_DESC_H

#include <stdint.h>

struct idt_gate {
	uint16_t offset_lo;
	uint16_t selector;
	uint8_t ist;
	uint8_t type_attr; /* P, DPL, type (0xE interrupt, 0xF trap) */
	uint16_t offset_mid;
	uint32_t offset_hi;
	uint32_t rsvd;
} __attribute__((packed));
_Static_assert(sizeof(struct idt_gate) == 16, "APM vol. 2 §4.8.4: 64-bit gate");

#define IDT_INTERRUPT_GATE 0x8E /* present, DPL 0, 64-bit interrupt gate */

static inline void idt_load(const struct idt_gate *idt, unsigned int count)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) idtr = { (uint16_t)(count * sizeof(*idt) - 1), (uint64_t)idt };
	__asm__ volatile("lidt %0" ::"m"(idtr));
}

/** Fills idt[0..count) with interrupt gates to handlers[] through code
 * selector sel, and loads it.  Once: other CPUs only idt_load() it. */
static inline void idt_fill_and_load(struct idt_gate *idt, const uint64_t *handlers,
				     unsigned int count, uint16_t sel)
{
	for (unsigned int i = 0; i < count; i++) {
		uint64_t a = handlers[i];
		idt[i] = (struct idt_gate){ .offset_lo = (uint16_t)a,
					    .selector = sel,
					    .type_attr = IDT_INTERRUPT_GATE,
					    .offset_mid = (uint16_t)(a >> 16),
					    .offset_hi = (uint32_t)(a >> 32) };
	}
	idt_load(idt, count);
}

#endif
