/* SPDX-License-Identifier: MIT */
/*
 * The software APIC's interprocessor interrupts: ICR and SELF_IPI writes,
 * and the destination test the paravisor's IPI router applies to each
 * vCPU's APIC (SDM "Issuing Interprocessor Interrupts", "Determining IPI
 * Destination").
 */
#include "lapic_priv.h"

/** ICR delivery mode field. */
enum lapic_icr_dm {
	LAPIC_DM_FIXED = 0,
	LAPIC_DM_LOWEST = 1,
	LAPIC_DM_SMI = 2,
	LAPIC_DM_NMI = 4,
	LAPIC_DM_INIT = 5,
	LAPIC_DM_SIPI = 6,
};

/** What an ICR write does. */
enum lapic_icr_verdict {
	LAPIC_ICR_SEND,		  /** to ops->send_ipi */
	LAPIC_ICR_LOCAL,	  /** self shorthand: into this APIC's IRR */
	LAPIC_ICR_ILLEGAL_VECTOR, /** fixed/lowest vector 0-15: ESR bit 5, not sent */
	LAPIC_ICR_INVALID,	  /** invalid combination: not sent */
	LAPIC_ICR_DEASSERT,	  /** INIT level de-assert: no effect */
	LAPIC_ICR_UNSUPPORTED,	  /** SMI: the guest has no SMM */
};

static enum lapic_ipi_mode lapic_ipi_mode_of(unsigned int dm)
{
	switch (dm) {
	case LAPIC_DM_LOWEST:
		return LAPIC_IPI_LOWEST;
	case LAPIC_DM_NMI:
		return LAPIC_IPI_NMI;
	case LAPIC_DM_INIT:
		return LAPIC_IPI_INIT;
	case LAPIC_DM_SIPI:
		return LAPIC_IPI_SIPI;
	default:
		return LAPIC_IPI_FIXED;
	}
}

/** Validity by SDM "Valid Combinations for the Pentium 4 and Intel Xeon
 * Processors' Local xAPIC Interrupt Command Register": the self and
 * all-including-self shorthands carry fixed interrupts only; delivery modes
 * 011 and 111 are reserved.  An INIT with trigger level and level 0 is the
 * legacy "INIT level de-assert" (SDM "Interrupt Command Register (ICR)"),
 * which resets nobody. */
static enum lapic_icr_verdict lapic_icr_decode(const struct lapic *l, uint32_t low, uint32_t dest,
					       struct lapic_ipi *ipi)
{
	unsigned int dm = (low >> LAPIC_ICR_DM_SHIFT) & 7u;
	enum lapic_shorthand sh = (enum lapic_shorthand)((low >> LAPIC_ICR_SH_SHIFT) & 3u);
	uint8_t vector = (uint8_t)low;

	if (dm == 3 || dm == 7)
		return LAPIC_ICR_INVALID;
	if ((sh == LAPIC_SH_SELF || sh == LAPIC_SH_ALL) && dm != LAPIC_DM_FIXED)
		return LAPIC_ICR_INVALID;
	if (dm == LAPIC_DM_SMI)
		return LAPIC_ICR_UNSUPPORTED;
	if (dm == LAPIC_DM_INIT && (low & LAPIC_ICR_TRIGGER_LEVEL) &&
	    !(low & LAPIC_ICR_LEVEL_ASSERT))
		return LAPIC_ICR_DEASSERT;
	if ((dm == LAPIC_DM_FIXED || dm == LAPIC_DM_LOWEST) && vector < 16)
		return LAPIC_ICR_ILLEGAL_VECTOR;
	*ipi = (struct lapic_ipi){
		.src = l,
		.mode = lapic_ipi_mode_of(dm),
		.shorthand = sh,
		.logical = (low & LAPIC_ICR_LOGICAL) != 0,
		.x2apic = lapic_mode(l) == LAPIC_MODE_X2APIC,
		.dest = dest,
		.vector = (dm == LAPIC_DM_NMI || dm == LAPIC_DM_INIT) ? 0 : vector,
	};
	return sh == LAPIC_SH_SELF ? LAPIC_ICR_LOCAL : LAPIC_ICR_SEND;
}

static enum lapic_result lapic_icr_act(struct lapic *l, enum lapic_icr_verdict verdict,
				       const struct lapic_ipi *ipi)
{
	switch (verdict) {
	case LAPIC_ICR_SEND:
		LAPIC_STAT(l, IPI_SENT);
		return l->ops->send_ipi(l->ctx, ipi) ? LAPIC_OK : LAPIC_HOST_ERROR;
	case LAPIC_ICR_LOCAL:
		LAPIC_STAT(l, IPI_SELF);
		lapic_set_irr(l, ipi->vector, false);
		return LAPIC_OK;
	case LAPIC_ICR_ILLEGAL_VECTOR:
		lapic_error(l, LAPIC_ESR_SEND_ILLEGAL);
		return LAPIC_OK;
	case LAPIC_ICR_INVALID:
		LAPIC_STAT(l, IPI_INVALID);
		return LAPIC_OK;
	case LAPIC_ICR_DEASSERT:
		LAPIC_STAT(l, IPI_DEASSERT);
		return LAPIC_OK;
	case LAPIC_ICR_UNSUPPORTED:
		break;
	}
	LAPIC_STAT(l, IPI_UNSUPPORTED);
	return LAPIC_UNSUPPORTED;
}

/** A write of the ICR (the low half in xAPIC mode, where the destination
 * is ICR2[31:24]; all 64 bits in x2APIC mode) sends the IPI; delivery is
 * immediate, so the delivery status bit always reads idle.  An SMI is
 * refused before anything is stored. */
enum lapic_result lapic_icr_write(struct lapic *l, uint32_t offset, uint64_t val)
{
	bool x2 = lapic_mode(l) == LAPIC_MODE_X2APIC;
	uint32_t dest = x2 ? (uint32_t)(val >> 32) : lapic_reg_get(l, LAPIC_REG_ICR2) >> 24;
	struct lapic_ipi ipi = { 0 };
	enum lapic_icr_verdict verdict = lapic_icr_decode(l, (uint32_t)val, dest, &ipi);

	if (verdict == LAPIC_ICR_UNSUPPORTED)
		return lapic_icr_act(l, verdict, &ipi);
	*lapic_reg(l, offset) = (uint32_t)val;
	if (x2)
		*lapic_reg(l, LAPIC_REG_ICR2) = (uint32_t)(val >> 32);
	return lapic_icr_act(l, verdict, &ipi);
}

/** x2APIC SELF_IPI: a fixed, edge interrupt to this APIC; an illegal
 * vector is a receive error (SDM "Error Handling"). */
enum lapic_result lapic_self_ipi_write(struct lapic *l, uint32_t offset, uint64_t val)
{
	(void)offset;
	LAPIC_STAT(l, IPI_SELF);
	lapic_set_irr(l, (uint8_t)val, false);
	return LAPIC_OK;
}

/* ---- destinations ------------------------------------------------------ */

static bool lapic_match_physical(const struct lapic *t, const struct lapic_ipi *ipi)
{
	uint32_t broadcast = ipi->x2apic ? 0xFFFFFFFFu : 0xFFu;
	return ipi->dest == broadcast || ipi->dest == lapic_id(t);
}

/** x2APIC logical: cluster in 31:16 equal, a common bit in 15:0 (SDM
 * "Logical Destination Mode in x2APIC Mode"). */
static bool lapic_match_x2apic_logical(const struct lapic *t, uint32_t dest)
{
	uint32_t ldr = lapic_reg_get(t, LAPIC_REG_LDR);
	return dest == 0xFFFFFFFFu || ((dest >> 16) == (ldr >> 16) && (dest & ldr & 0xFFFFu));
}

/** xAPIC logical, by the target's DFR: flat, a common bit of 8; cluster,
 * equal cluster nibble and a common bit of 4 (SDM "Logical Destination
 * Mode"). */
static bool lapic_match_xapic_logical(const struct lapic *t, uint32_t dest)
{
	uint32_t ldr = lapic_reg_get(t, LAPIC_REG_LDR) >> 24;
	bool flat = (lapic_reg_get(t, LAPIC_REG_DFR) >> 28) == 0xFu;

	if (dest == 0xFFu)
		return true;
	if (flat)
		return (dest & ldr) != 0;
	return (dest >> 4) == (ldr >> 4) && (dest & ldr & 0xFu);
}

bool lapic_ipi_match(const struct lapic *target, const struct lapic_ipi *ipi)
{
	if (lapic_mode(target) == LAPIC_MODE_DISABLED)
		return false;
	switch (ipi->shorthand) {
	case LAPIC_SH_SELF:
		return target == ipi->src;
	case LAPIC_SH_ALL:
		return true;
	case LAPIC_SH_OTHERS:
		return target != ipi->src;
	case LAPIC_SH_NONE:
		break;
	}
	if (!ipi->logical)
		return lapic_match_physical(target, ipi);
	return ipi->x2apic ? lapic_match_x2apic_logical(target, ipi->dest)
			   : lapic_match_xapic_logical(target, ipi->dest);
}
