/* SPDX-License-Identifier: MIT */
/*
 * The guest's port and MMIO accesses that reach the hypervisor through the
 * GHCB become real accesses to QEMU's devices, except:
 *  - snpemu's own log and exit ports do not exist for the guest (reads give
 *    all ones, writes are dropped, as for an absent device);
 *  - fw_cfg is filtered: the guest's etc/e820 leaves snpemu's memory out,
 *    and the DMA interface is hidden (it would let a device write anywhere,
 *    snpemu included); the FW_CFG_ID feature bit says so;
 *  - the IOMMU's registers (iommu.c) do not exist for the guest either, nor
 *    does its ACPI table (hide_iommu_acpi_table);
 *  - the CMOS memory-size registers describe the guest's RAM, not QEMU's
 *    (firmware reads them: 0x17/0x18 and 0x30/0x31 extended memory in KiB,
 *    0x34/0x35 memory above 16 MiB in 64 KiB units, 0x5B-0x5D above 4 GiB).
 * Writes are watched for the ACPI power-off (PM1a_CNT with SLP_EN) and the
 * platform reset (0xCF9): QEMU ends inside that OUT, so snpemu prints its
 * counters just before it (protocol/acpi_pm.h).
 */
#include "fwcfg.h"
#include "iommu.h"
#include "snpemu_abi.h"
#include "vm.h"
#include "x86.h"

#include <lib/string.h>

#include "devices/acpi_pm.h"
#include "devices/cmos.h"
#include "devices/fwcfg.h"

#define MAX_GUEST_E820 40

static struct fwcfg_filter gfw;
static uint8_t cmos_index;
static struct acpi_pm_snoop pm_snoop; /* callers hold vm_lock */

static void find_acpi_tables(void);

void guest_fwcfg_init(void)
{
	static uint8_t e820[MAX_GUEST_E820 * 20];
	uint32_t dir_len;
	const void *dir = fwcfg_dir_raw(&dir_len);
	unsigned int n = hostile_e820(e820, memmap_e820(e820, MAX_GUEST_E820), MAX_GUEST_E820);
	if (!fwcfg_filter_init(&gfw, dir, dir_len, e820, n * 20))
		panic("fw_cfg directory unusable for the guest's filter");
	hostile_fwcfg_dir(&gfw);
	find_acpi_tables();
}

/**
 * The IOMMU is the hypervisor's (it enforces the DMA rule), not the
 * guest's: on a real SNP host the guest never sees the host's DMAR or IVRS.
 * QEMU puts a DMAR table in etc/acpi/tables for -device intel-iommu, so the
 * guest's copy has that table's signature changed to one no OS knows (the
 * firmware's table loader computes the checksums after loading).
 *
 * Lazily, on the guest's first select of the file: QEMU builds its ACPI
 * tables on the first access, and they describe the chipset as programmed
 * then (the PM base among others), so reading them at snpemu's start gave
 * the guest a FADT with PM1a and the PM timer at 0.  The guest's select is
 * done first (QEMU builds), then the blob is read and patched, then the
 * select is done again so the device's offset is 0 as the guest expects.
 */
static struct {
	uint16_t select; /* 0: QEMU has no etc/acpi/tables */
	uint32_t size;
	bool done;
} acpi_tables;

static void find_acpi_tables(void)
{
	struct fwcfg_file f;
	if (!fwcfg_find("etc/acpi/tables", &f))
		return;
	if (f.size > (1u << 20))
		panic("etc/acpi/tables is %u bytes", f.size);
	acpi_tables.select = f.select;
	acpi_tables.size = f.size;
}

static void hide_iommu_acpi_table(void)
{
	uint8_t *blob = page_alloc(ALIGN_UP(acpi_tables.size, PAGE_SIZE) / PAGE_SIZE);
	fwcfg_read(acpi_tables.select, 0, blob, acpi_tables.size);
	unsigned int hidden = 0;
	for (uint32_t off = 0; off + 36 <= acpi_tables.size; off++) {
		uint32_t len;
		memcpy(&len, blob + off + 4, 4);
		if (memcmp(blob + off, "DMAR", 4) || len < 36 || len > acpi_tables.size - off)
			continue;
		memcpy(blob + off, "XMAR", 4);
		hidden++;
	}
	if (!fwcfg_filter_replace(&gfw, "etc/acpi/tables", blob, acpi_tables.size))
		panic("cannot filter etc/acpi/tables");
	log_printf("IOMMU: hid %u DMAR table(s) from the guest's ACPI tables", hidden);
}

/** Called with the guest's port write, before it is performed. */
static void acpi_tables_watch(uint16_t port, unsigned int size, uint32_t val)
{
	if (port != FW_CFG_PORT_SEL || size != 2 || acpi_tables.done || !acpi_tables.select ||
	    ((uint16_t)val & ~0x4000u) != acpi_tables.select) /* the write-channel bit is ignored */
		return;
	acpi_tables.done = true;
	outw(FW_CFG_PORT_SEL, (uint16_t)val);
	hide_iommu_acpi_table();
}

static uint64_t guest_low_ram_end(void)
{
	uint64_t end = 0;
	for (unsigned int i = 0; i < vm.ram_count; i++)
		if (vm.ram[i].end <= (4ULL << 30))
			end = MAX(end, vm.ram[i].end);
	return end;
}

static bool port_hidden(uint16_t port, unsigned int size)
{
	uint32_t last = (uint32_t)port + size - 1;
	return (port <= SNPEMU_LOG_PORT && last >= SNPEMU_LOG_PORT) ||
	       (port <= SNPEMU_EXIT_PORT + 3 && last >= SNPEMU_EXIT_PORT) ||
	       fwcfg_port_hidden(port, size);
}

bool io_port_in(uint16_t port, unsigned int size, uint32_t *val)
{
	if (port_hidden(port, size)) {
		*val = 0xFFFFFFFF;
		return true;
	}
	if (hostile_port_in(port, size, val, gfw.select, gfw.offset, cmos_index)) {
		if (port == FW_CFG_PORT_DATA)
			gfw.offset += size;
		return true;
	}
	if (fwcfg_filter_in(&gfw, port, size, val))
		return true;
	int cmos = port == CMOS_PORT_DATA && size == 1
			   ? cmos_memory_register(cmos_index, guest_low_ram_end(),
						  memmap_high_ram_bytes())
			   : -1;
	if (cmos >= 0) {
		*val = (uint32_t)cmos;
		return true;
	}
	switch (size) {
	case 1:
		*val = inb(port);
		break;
	case 2:
		*val = inw(port);
		break;
	case 4:
		*val = inl(port);
		break;
	default:
		return false;
	}
	return true;
}

/** The guest's port write is about to reach QEMU's devices: when it powers
 * the machine off or resets it, QEMU ends inside the OUT, so the counters
 * are printed now. */
static void pm_watch_out(uint16_t port, unsigned int size, uint32_t val)
{
	char line[96];
	enum acpi_pm_event ev = acpi_pm_watch(&pm_snoop, port, size, val, line, sizeof(line));
	if (ev == ACPI_PM_BASE)
		log_printf("%s", line);
	if (ev == ACPI_PM_SLEEP || ev == ACPI_PM_RESET) {
		log_printf("%s: counters follow", line);
		stats_print();
	}
}

bool io_port_out(uint16_t port, unsigned int size, uint32_t val)
{
	if (port_hidden(port, size))
		return true;
	acpi_tables_watch(port, size, val);
	fwcfg_filter_out(&gfw, port, size, val);
	if (port == CMOS_PORT_INDEX && size == 1)
		cmos_index = val & 0x7F; /* bit 7: NMI disable */
	pm_watch_out(port, size, val);
	switch (size) {
	case 1:
		outb(port, (uint8_t)val);
		break;
	case 2:
		outw(port, (uint16_t)val);
		break;
	case 4:
		outl(port, val);
		break;
	default:
		return false;
	}
	return true;
}

bool mmio_read(uint64_t gpa, unsigned int size, uint64_t *val)
{
	if (iommu_mmio_hidden(gpa)) {
		*val = ~0ULL; /* as an absent device */
		return true;
	}
	volatile void *p = phys_to_virt(gpa);
	switch (size) {
	case 1:
		*val = *(volatile uint8_t *)p;
		return true;
	case 2:
		*val = *(volatile uint16_t *)p;
		return true;
	case 4:
		*val = *(volatile uint32_t *)p;
		return true;
	case 8:
		*val = *(volatile uint64_t *)p;
		return true;
	default:
		return false;
	}
}

bool mmio_write(uint64_t gpa, unsigned int size, uint64_t val)
{
	if (iommu_mmio_hidden(gpa))
		return true;
	volatile void *p = phys_to_virt(gpa);
	switch (size) {
	case 1:
		*(volatile uint8_t *)p = (uint8_t)val;
		return true;
	case 2:
		*(volatile uint16_t *)p = (uint16_t)val;
		return true;
	case 4:
		*(volatile uint32_t *)p = (uint32_t)val;
		return true;
	case 8:
		*(volatile uint64_t *)p = val;
		return true;
	default:
		return false;
	}
}
