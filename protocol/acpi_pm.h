/* SPDX-License-Identifier: MIT */
/*
 * ACPI power-off and platform reset as someone on the I/O path sees them:
 * the paravisor (every guest port access passes through it) and snpemu
 * (it performs the paravisor's GHCB IOIO requests).  Neither owns these
 * devices; both only watch the writes go by, to print their counters
 * before the write ends the machine (docs/running.md, "Counters at the end
 * of a boot").
 *
 * The firmware puts the chipset's PM register block where it likes, by
 * writing the PM base register in PCI configuration space; the OS later
 * writes PM1a_CNT with SLP_EN to power off (S5) or sleep.  So the PM base
 * is learned from configuration writes through mechanism #1.
 *
 * Facts:
 *  - PCI Local Bus Specification 3.0 §3.2.2.3.2 "Software Generation of
 *    Configuration Transactions" (configuration mechanism #1):
 *    CONFIG_ADDRESS is the 32-bit register at I/O 0xCF8, bit 31 enable,
 *    23:16 bus, 15:11 device, 10:8 function, 7:2 dword register; only a
 *    32-bit access to 0xCF8 is CONFIG_ADDRESS.  CONFIG_DATA is
 *    0xCFC-0xCFF: byte n of the addressed dword at 0xCFC + n.
 *  - Intel I/O Controller Hub 9 (ICH9) Family Datasheet (316972), LPC
 *    interface D31:F0: "PMBASE - ACPI Base Address" at configuration
 *    offset 0x40 (40h-43h), bits 15:7 the I/O base of the 128-byte PM
 *    block, bit 0 reads 1 (I/O space).  q35 machines.
 *  - Intel 82371AB (PIIX4) datasheet (290562), function 3 (power
 *    management) at 00:01.3 on i440FX machines: "PMBA - Power Management
 *    Base Address" at offset 0x40, bits 15:6 the base of the 64-byte block,
 *    bit 0 reads 1.
 *  - ACPI 6.4 §4.8.4.2.1 "PM1 Control Registers", Table 4.13 "PM1 Control
 *    Registers Fixed Hardware Feature Control Bits" (= ICH9 PM1_CNT and
 *    PIIX4 PMCNTRL at base + 4, 16 bits): bit 13 SLP_EN (write-only: 1
 *    enters the sleep state SLP_TYPx names), bits 12:10 SLP_TYPx (the
 *    value of the DSDT's \_Sx package; what it means is the platform's).
 *  - ICH9 "RST_CNT - Reset Control Register" and PIIX4 "RC - Reset
 *    Control Register", both the byte at I/O 0xCF9: bit 2 (ICH9 RST_CPU,
 *    PIIX4 RCPU) going 0 -> 1 starts the reset that bits 1 (SYS_RST /
 *    SRST) and 3 (ICH9 FULL_RST) select.  The previous value is not
 *    tracked here: any byte write with bit 2 set counts as the reset.
 *
 * Observed on QEMU 7.2 TCG (q35, stock OVMF, Debian 12's kernel, through
 * the paravisor in snpemu): OVMF programs PMBASE 0x600 through 0xCF8/0xCFC,
 * and Linux's power-off writes SLP_EN with SLP_TYP 0 to 0x604.
 *
 * No state lives here: the caller keeps it (the last CONFIG_ADDRESS and
 * the PM base so far) in a struct acpi_pm_snoop.
 */
#ifndef PROTOCOL_ACPI_PM_H
#define PROTOCOL_ACPI_PM_H

#include <stdbool.h>
#include <stdint.h>

#define PCI_CONFIG_ADDRESS 0xCF8 /* 32-bit, PCI 3.0 §3.2.2.3.2 */
#define PCI_CONFIG_DATA	   0xCFC /* 0xCFC-0xCFF */
#define PCI_CFG_ENABLE	   (1u << 31)
#define PCI_CFG_BDF(bus, dev, fn) \
	(((uint32_t)(bus) << 16) | ((uint32_t)(dev) << 11) | ((uint32_t)(fn) << 8))
#define PCI_CFG_BDF_MASK 0x00FFFF00u
#define PCI_CFG_REG_MASK 0xFCu

/** ICH9 LPC bridge, D31:F0, PMBASE bits 15:7. */
#define ICH9_LPC_BDF	 PCI_CFG_BDF(0, 0x1F, 0)
#define ICH9_PMBASE	 0x40
#define ICH9_PMBASE_MASK 0xFF80u
/** PIIX4 power management function, 00:01.3, PMBA bits 15:6. */
#define PIIX4_PM_BDF	 PCI_CFG_BDF(0, 1, 3)
#define PIIX4_PMBA	 0x40
#define PIIX4_PMBA_MASK	 0xFFC0u
_Static_assert(ICH9_PMBASE == PIIX4_PMBA, "ICH9 PMBASE and PIIX4 PMBA share offset 0x40");

/** PM1a_CNT (ICH9 PM1_CNT, PIIX4 PMCNTRL): 16 bits at PM base + 4. */
#define ACPI_PM1_CNT	       4
#define ACPI_PM1_SLP_EN	       (1u << 13)
#define ACPI_PM1_SLP_TYP_SHIFT 10
#define ACPI_PM1_SLP_TYP_MASK  (7u << ACPI_PM1_SLP_TYP_SHIFT)

/** Reset control register (ICH9 RST_CNT, PIIX4 RC): a byte. */
#define PCI_RESET_CONTROL 0xCF9
#define PCI_RESET_CPU	  (1u << 2)

/** Byte @i (0 = lowest) of a @size-byte I/O write of @val at @port, if that
 * write covers I/O address @addr: true and *@byte set. */
static inline bool acpi_pm_io_byte(uint16_t port, unsigned int size, uint32_t val, uint32_t addr,
				   uint8_t *byte)
{
	if (addr < port || addr >= (uint32_t)port + size)
		return false;
	*byte = (uint8_t)(val >> (8 * (addr - port)));
	return true;
}

/**
 * A write of @size bytes of @val to CONFIG_DATA + @data_off (0-3) while
 * CONFIG_ADDRESS holds @cf8.  If it writes a byte of bits 15:0 of the ICH9
 * PMBASE or the PIIX4 PMBA register, *@base becomes the PM base it programs
 * (a byte not written keeps its value from *@base) and the result is true.
 * A disabled CONFIG_ADDRESS, another function or register, or a write that
 * runs past 0xCFF changes nothing.
 */
static inline bool acpi_pm_base_write(uint32_t cf8, unsigned int data_off, unsigned int size,
				      uint32_t val, uint16_t *base)
{
	uint32_t bdf = cf8 & PCI_CFG_BDF_MASK;
	uint32_t reg = (cf8 & PCI_CFG_REG_MASK) + data_off;
	uint16_t mask;
	uint8_t lo, hi;
	bool has_lo, has_hi;

	if (!(cf8 & PCI_CFG_ENABLE) || data_off + size > 4 || !size)
		return false;
	if (bdf == ICH9_LPC_BDF)
		mask = ICH9_PMBASE_MASK;
	else if (bdf == PIIX4_PM_BDF)
		mask = PIIX4_PMBA_MASK;
	else
		return false;
	has_lo = acpi_pm_io_byte((uint16_t)reg, size, val, ICH9_PMBASE, &lo);
	has_hi = acpi_pm_io_byte((uint16_t)reg, size, val, ICH9_PMBASE + 1, &hi);
	if (!has_lo && !has_hi)
		return false;
	if (!has_lo)
		lo = (uint8_t)*base;
	if (!has_hi)
		hi = (uint8_t)(*base >> 8);
	*base = (uint16_t)(((uint16_t)hi << 8 | lo) & mask);
	return true;
}

/**
 * A write of @size bytes of @val to @port with the PM block at @base: true
 * if it sets SLP_EN in PM1a_CNT, with *@slp_typ the sleep type it asks for.
 * A @base of 0 (never programmed) matches nothing.
 */
static inline bool acpi_pm_sleep_write(uint16_t base, uint16_t port, unsigned int size,
				       uint32_t val, unsigned int *slp_typ)
{
	uint8_t hi;

	if (!base || !acpi_pm_io_byte(port, size, val, (uint32_t)base + ACPI_PM1_CNT + 1, &hi))
		return false;
	if (!(((uint32_t)hi << 8) & ACPI_PM1_SLP_EN))
		return false;
	*slp_typ = (((uint32_t)hi << 8) & ACPI_PM1_SLP_TYP_MASK) >> ACPI_PM1_SLP_TYP_SHIFT;
	return true;
}

/** A write that resets the platform through the reset control register. */
static inline bool acpi_pm_reset_write(uint16_t port, unsigned int size, uint32_t val)
{
	return port == PCI_RESET_CONTROL && size == 1 && (val & PCI_RESET_CPU);
}

/** What an observed port write did. */
enum acpi_pm_event {
	ACPI_PM_NONE,  /** nothing of interest (or only CONFIG_ADDRESS) */
	ACPI_PM_BASE,  /** the PM base was (re)programmed */
	ACPI_PM_SLEEP, /** PM1a_CNT with SLP_EN: the platform sleeps or powers off */
	ACPI_PM_RESET, /** reset control register: the platform resets */
};

/** The observer's state: CONFIG_ADDRESS as last written and the PM base. */
struct acpi_pm_snoop {
	uint32_t cf8;
	uint16_t base; /* 0 until the firmware programs it */
};

/**
 * Feed one port write (@size 1, 2 or 4 bytes of @val at @port) to @s,
 * before it is performed.  ACPI_PM_SLEEP sets *@slp_typ.
 */
static inline enum acpi_pm_event acpi_pm_snoop_out(struct acpi_pm_snoop *s, uint16_t port,
						   unsigned int size, uint32_t val,
						   unsigned int *slp_typ)
{
	if (port == PCI_CONFIG_ADDRESS && size == 4) {
		s->cf8 = val;
		return ACPI_PM_NONE;
	}
	if (port >= PCI_CONFIG_DATA && port <= PCI_CONFIG_DATA + 3)
		return acpi_pm_base_write(s->cf8, port - PCI_CONFIG_DATA, size, val, &s->base)
			       ? ACPI_PM_BASE
			       : ACPI_PM_NONE;
	if (acpi_pm_reset_write(port, size, val))
		return ACPI_PM_RESET;
	if (acpi_pm_sleep_write(s->base, port, size, val, slp_typ))
		return ACPI_PM_SLEEP;
	return ACPI_PM_NONE;
}

/** Whether a write to @port of @size bytes can be one acpi_pm_snoop_out()
 * must see: a caller that moves a string of them in one piece asks. */
static inline bool acpi_pm_snoop_port(const struct acpi_pm_snoop *s, uint16_t port,
				      unsigned int size)
{
	uint32_t first = port, last = (uint32_t)port + size - 1;
	uint32_t cnt = (uint32_t)s->base + ACPI_PM1_CNT;

	return (first <= PCI_CONFIG_DATA + 3 && last >= PCI_CONFIG_ADDRESS) ||
	       (s->base && first <= cnt + 1 && last >= cnt);
}

#endif
