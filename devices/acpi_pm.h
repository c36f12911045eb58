/* SPDX-License-Identifier: MIT */
/*
 * Watching the guest's writes go by for the ACPI power-off and the platform
 * reset (protocol/acpi_pm.h has the chipset facts), with the line both the
 * paravisor and snpemu log before their counters.  Used by both.
 */
#ifndef DEVICES_ACPI_PM_H
#define DEVICES_ACPI_PM_H

#include <stddef.h>
#include <stdint.h>

#include <acpi_pm.h>

/**
 * Feed one port write to @s before it is performed.  For a new PM base, a
 * sleep or a reset, @line (of @len bytes) gets what happened, e.g. "guest
 * enters ACPI sleep (SLP_TYP 0)"; ACPI_PM_SLEEP and ACPI_PM_RESET mean the
 * write ends the machine, so the caller prints its counters now.  A PM base
 * written again unchanged is ACPI_PM_NONE.
 */
enum acpi_pm_event acpi_pm_watch(struct acpi_pm_snoop *s, uint16_t port, unsigned int size,
				 uint32_t val, char *line, size_t len);

#endif
