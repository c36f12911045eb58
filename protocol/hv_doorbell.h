/* SPDX-License-Identifier: MIT */
/*
 * The #HV doorbell page (Restricted Injection), registered with NAE
 * 0x8000_0014 SET; a shared page the hypervisor writes.
 *
 * Layout: GHCB spec, chapter 5 (Restricted Injection, the #HV doorbell page);
 * the Linux Restricted Injection patches (struct hvdb), COCONUT-SVSM and
 * mushroom agree on the first three bytes.  COCONUT-SVSM's per-VMPL
 * extensions are its own and not modelled here.  The hypervisor writes the
 * page at any time: readers copy it before they use it (run/irq.c).
 */
#ifndef PROTOCOL_HV_DOORBELL_H
#define PROTOCOL_HV_DOORBELL_H

#include <stddef.h>
#include <stdint.h>

/** The first 64 bytes of the doorbell page. */
struct hv_doorbell {
	uint8_t vector;		 /**< byte 0: pending vector, 0 = none */
	uint8_t flags;		 /**< byte 1: HVDB_FLAG_* */
	uint8_t no_eoi_required; /**< byte 2 */
	uint8_t per_vmpl_events; /**< byte 3: COCONUT-SVSM only */
	uint8_t reserved[60];
};

#define HVDB_FLAG_NMI		    (1u << 0)
#define HVDB_FLAG_MC		    (1u << 1)
#define HVDB_FLAG_NO_FURTHER_SIGNAL (1u << 7)
/** In the 16-bit view of bytes 0-1: the vector and the flags. */
#define HVDB_WORD_VECTOR_MASK	    0x00FFu
#define HVDB_WORD_NMI		    (1u << 8)
#define HVDB_WORD_MC		    (1u << 9)
#define HVDB_WORD_NO_FURTHER_SIGNAL (1u << 15)

_Static_assert(sizeof(struct hv_doorbell) == 64,
	       "#HV doorbell event area is 64 bytes (GHCB spec, #HV doorbell page)");
_Static_assert(offsetof(struct hv_doorbell, flags) == 1,
	       "#HV doorbell flags at byte 1 (GHCB spec, #HV doorbell page)");
_Static_assert(offsetof(struct hv_doorbell, no_eoi_required) == 2,
	       "#HV doorbell no_eoi_required at byte 2 (GHCB spec, #HV doorbell page)");

#endif /* PROTOCOL_HV_DOORBELL_H */
