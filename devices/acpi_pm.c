/* SPDX-License-Identifier: MIT */
#include "acpi_pm.h"

#include <lib/fmt.h>

enum acpi_pm_event acpi_pm_watch(struct acpi_pm_snoop *s, uint16_t port, unsigned int size,
				 uint32_t val, char *line, size_t len)
{
	uint16_t old_base = s->base;
	unsigned int slp_typ = 0;
	enum acpi_pm_event ev = acpi_pm_snoop_out(s, port, size, val, &slp_typ);
	switch (ev) {
	case ACPI_PM_NONE:
		break;
	case ACPI_PM_BASE:
		if (s->base == old_base)
			return ACPI_PM_NONE;
		snprintf(line, len, "guest ACPI PM base %#x", s->base);
		break;
	case ACPI_PM_SLEEP:
		snprintf(line, len, "guest enters ACPI sleep (SLP_TYP %u)", slp_typ);
		break;
	case ACPI_PM_RESET:
		snprintf(line, len, "guest resets the platform (%#x to port %#x)", val, port);
		break;
	}
	return ev;
}
