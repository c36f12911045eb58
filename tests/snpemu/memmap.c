/* SPDX-License-Identifier: MIT */
/*
 * Guest RAM: QEMU's etc/e820 RAM entries minus snpemu's own reserved region
 * at the top of low RAM.  The legacy window [0xA0000, 0x100000) is guest RAM
 * as in QEMU's confidential guests (no ROM or VGA can be private), but on
 * the host side it holds the ISA alias of snpemu's ROM, so, like the
 * firmware window, it is backed by pages of snpemu's own memory.  This one list is what the
 * IGVM MEMORY_MAP parameter, the guest's etc/e820 and the RMP all use.
 */
#include "fwcfg.h"
#include "vm.h"

#include <lib/string.h>

struct e820_entry {
	uint64_t addr;
	uint64_t len;
	uint32_t type;
} __attribute__((packed));
_Static_assert(sizeof(struct e820_entry) == 20, "QEMU etc/e820 entry");

#define E820_RAM	  1
#define LEGACY_HOLE_START 0xA0000ULL
#define LEGACY_HOLE_END	  0x100000ULL
#define MAX_E820	  32

struct vm vm;
static uint64_t legacy_hpa; /* backing of [LEGACY_HOLE_START, LEGACY_HOLE_END) */

/*
 * The firmware window [4 GiB - 16 MiB, 4 GiB): where a platform flash sits.
 * An IGVM image may load pages there (OVMF expects its reset vector at the
 * top of 4 GiB).  Those GPAs are not identity-mapped (snpemu's own ROM is
 * there): each loaded page gets a page of snpemu's memory behind it.
 */
#define FW_WINDOW_START ((4ULL << 30) - (16ULL << 20))
#define FW_WINDOW_PAGES ((16ULL << 20) / PAGE_SIZE)

static uint64_t fw_hpa[FW_WINDOW_PAGES];

static bool in_fw_window(uint64_t gpa)
{
	return gpa >= FW_WINDOW_START && gpa < (4ULL << 30);
}

/** Backs a firmware-window page with memory (IGVM load); true if it is. */
bool memmap_back_firmware_page(uint64_t gpa)
{
	if (!in_fw_window(gpa))
		return false;
	uint64_t *slot = &fw_hpa[(gpa - FW_WINDOW_START) / PAGE_SIZE];
	if (!*slot)
		*slot = virt_to_phys(page_alloc(1));
	return true;
}

static bool fw_backed(uint64_t gpa)
{
	return in_fw_window(gpa) && fw_hpa[(gpa - FW_WINDOW_START) / PAGE_SIZE];
}

/** Index of gpa in the RMP: RAM below ram_top, then the firmware window. */
uint64_t memmap_rmp_index(uint64_t gpa)
{
	if (in_fw_window(gpa))
		return (vm.ram_top >> PAGE_SHIFT) + (gpa - FW_WINDOW_START) / PAGE_SIZE;
	return gpa >> PAGE_SHIFT;
}

uint64_t memmap_rmp_entries(void)
{
	return (vm.ram_top >> PAGE_SHIFT) + FW_WINDOW_PAGES;
}
static struct e820_entry host_e820[MAX_E820];
static unsigned int host_e820_count;

void *memmap_rmp_memory(uint64_t bytes)
{
	return page_alloc(ALIGN_UP(bytes, PAGE_SIZE) / PAGE_SIZE);
}

static void ram_add(uint64_t start, uint64_t end)
{
	if (start >= end)
		return;
	if (vm.ram_count == MAX_RAM_RANGES)
		panic("too many guest RAM ranges");
	vm.ram[vm.ram_count++] = (struct mem_range){ start, end };
	vm.ram_top = MAX(vm.ram_top, end);
}

/** Adds [start, end) minus snpemu's region. */
static void ram_add_filtered(uint64_t start, uint64_t end)
{
	uint64_t cuts[1][2] = {
		{ snpemu_phys_base, snpemu_phys_base + SNPEMU_RESERVE },
	};
	uint64_t s = start;
	while (s < end) {
		uint64_t e = end;
		bool skipped = false;
		for (int i = 0; i < 1; i++) {
			if (s >= cuts[i][0] && s < cuts[i][1]) {
				s = cuts[i][1];
				skipped = true;
				break;
			}
			if (cuts[i][0] > s && cuts[i][0] < e)
				e = cuts[i][0];
		}
		if (skipped)
			continue;
		ram_add(s, e);
		s = e;
	}
}

void memmap_init(void)
{
	struct fwcfg_file f;
	if (!fwcfg_find("etc/e820", &f))
		panic("fw_cfg has no etc/e820");
	if (f.size % sizeof(struct e820_entry) || f.size > sizeof(host_e820))
		panic("etc/e820 has a bad size %u", f.size);
	fwcfg_read(f.select, 0, host_e820, f.size);
	host_e820_count = f.size / sizeof(struct e820_entry);

	uint64_t host_top = 0;
	for (unsigned int i = 0; i < host_e820_count; i++) {
		const struct e820_entry *e = &host_e820[i];
		if (e->type != E820_RAM)
			continue;
		if (e->addr + e->len < e->addr || e->addr + e->len > HIGH_MMIO_END)
			panic("etc/e820: RAM %#lx+%#lx beyond the C-bit", (unsigned long)e->addr,
			      (unsigned long)e->len);
		host_top = MAX(host_top, e->addr + e->len);
		uint64_t end = e->addr + e->len;
		if (end > (4ULL << 30)) {
			log_printf("RAM above 4 GiB (%#lx-%#lx) is not given to the guest",
				   (unsigned long)MAX(e->addr, 4ULL << 30), (unsigned long)end);
			end = 4ULL << 30;
		}
		ram_add_filtered(e->addr, end);
	}
	vm.phys_top = MAX(4ULL << 30, ALIGN_UP(host_top, 1ULL << 30));
	if (!vm.ram_count)
		panic("no guest RAM");
	if (gpa_is_ram(LEGACY_HOLE_START))
		legacy_hpa =
			virt_to_phys(page_alloc((LEGACY_HOLE_END - LEGACY_HOLE_START) / PAGE_SIZE));
	for (unsigned int i = 0; i < vm.ram_count; i++)
		log_printf("guest RAM 0x%09lx-0x%09lx", (unsigned long)vm.ram[i].start,
			   (unsigned long)vm.ram[i].end);
}

bool memmap_ram_overlaps(uint64_t start, uint64_t len)
{
	for (unsigned int i = 0; i < vm.ram_count; i++)
		if (vm.ram[i].start < start + len && start < vm.ram[i].end)
			return true;
	return false;
}

bool memmap_ram_covers(uint64_t start, uint64_t len)
{
	for (unsigned int i = 0; i < vm.ram_count; i++)
		if (start >= vm.ram[i].start && start + len <= vm.ram[i].end)
			return true;
	return false;
}

bool memmap_identity_ram(uint64_t start, uint64_t len)
{
	if (start < LEGACY_HOLE_END && start + len > LEGACY_HOLE_START && legacy_hpa)
		return false;
	if (start < (4ULL << 30) && start + len > FW_WINDOW_START)
		return false;
	return memmap_ram_covers(start, len);
}

/** Guest memory: RAM, or a backed firmware-window page. */
bool gpa_is_ram(uint64_t gpa)
{
	for (unsigned int i = 0; i < vm.ram_count; i++)
		if (gpa >= vm.ram[i].start && gpa < vm.ram[i].end)
			return true;
	return fw_backed(gpa);
}

/** QEMU has RAM there (above 4 GiB: RAM the guest is not given). */
bool memmap_host_ram_in(uint64_t start, uint64_t len)
{
	for (unsigned int i = 0; i < host_e820_count; i++) {
		const struct e820_entry *e = &host_e820[i];
		if (e->type == E820_RAM && e->addr < start + len && start < e->addr + e->len)
			return true;
	}
	return false;
}

/** Device space: below 4 GiB what is neither RAM nor snpemu's; from 4 GiB
 * up to the C-bit (the firmware's 64-bit PCI window) what holds no host
 * RAM, as KVM makes every GPA outside its memory slots MMIO. */
bool gpa_is_mmio(uint64_t gpa)
{
	if (gpa >= HIGH_MMIO_START)
		return gpa < HIGH_MMIO_END && !memmap_host_ram_in(gpa & PAGE_MASK, PAGE_SIZE);
	return !gpa_is_ram(gpa) && !snpemu_owns(gpa);
}

bool high_mmio_gib(uint64_t base)
{
	return base >= HIGH_MMIO_START && base + (1ULL << 30) <= HIGH_MMIO_END &&
	       !memmap_host_ram_in(base, 1ULL << 30);
}

uint64_t gpa_to_hpa(uint64_t gpa)
{
	if (gpa >= LEGACY_HOLE_START && gpa < LEGACY_HOLE_END && legacy_hpa)
		return legacy_hpa + (gpa - LEGACY_HOLE_START);
	if (fw_backed(gpa))
		return fw_hpa[(gpa - FW_WINDOW_START) / PAGE_SIZE] | (gpa & ~PAGE_MASK);
	return gpa;
}

void *gpa_to_hva(uint64_t gpa)
{
	if (!gpa_is_ram(gpa))
		return NULL;
	return phys_to_virt(gpa_to_hpa(gpa));
}

/** The guest's e820: our RAM ranges plus QEMU's non-RAM entries. */
unsigned int memmap_e820(void *buf, unsigned int max_entries)
{
	struct e820_entry *out = buf;
	unsigned int n = 0;
	for (unsigned int i = 0; i < vm.ram_count && n < max_entries; i++)
		out[n++] = (struct e820_entry){ vm.ram[i].start, vm.ram[i].end - vm.ram[i].start,
						E820_RAM };
	for (unsigned int i = 0; i < host_e820_count && n < max_entries; i++)
		if (host_e820[i].type != E820_RAM)
			out[n++] = host_e820[i];
	return n;
}
