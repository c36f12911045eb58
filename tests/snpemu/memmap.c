/* SPDX-License-Identifier: MIT */
/*
 * Guest RAM: QEMU's etc/e820 RAM entries, below and above 4 GiB, minus
 * snpemu's own reserved region at the top of low RAM and, when QEMU has RAM
 * above 4 GiB, snpemu's memory at the top of it: the RMP (as a host's
 * firmware sets RAM aside for the RMP, RMP_BASE..RMP_END, and never gives it
 * to anyone: APM vol. 2, 15.36.4 "Initializing the RMP"), then pages for the
 * nested and DMA tables of that RAM (a host's own memory, which KVM takes
 * them from).  The legacy window [0xA0000, 0x100000) is guest RAM
 * as in QEMU's confidential guests (no ROM or VGA can be private), but on
 * the host side it holds the ISA alias of snpemu's ROM, so, like the
 * firmware window, it is backed by pages of snpemu's own memory.  This one list is what the
 * IGVM MEMORY_MAP parameter, the guest's etc/e820 and the RMP all use.
 */
#include "fwcfg.h"
#include "vm.h"

#include <lib/string.h>

#include "devices/e820.h"

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

/* snpemu's memory above 4 GiB: [high_base, high_base + high_bytes), the
 * RMP's rmp_bytes first, then the table pool; high_bytes 0 when there is
 * none (everything fits snpemu's region). */
static uint64_t high_base, high_bytes, rmp_bytes;

/* The nested tables of 1 GiB of RAM: a 4 KiB table per 2 MiB in each view
 * that maps it (VMPL0's private half, VMPL0 with paging off, VMPL1's vTOM
 * view, one spare), so 4 * 512 pages. */
#define TABLE_BYTES_PER_GIB (4 * 512 * PAGE_SIZE)

/** snpemu's memory at the top of QEMU's highest RAM above 4 GiB.  The RMP
 * has an entry for every 4 KiB below the top of RAM, then the firmware
 * window's (memmap_rmp_index): sized here from QEMU's RAM, before the
 * guest's is known, so it may have a few entries too many. */
static void high_place(uint64_t host_top)
{
	const struct e820_entry *high = NULL;
	for (unsigned int i = 0; i < host_e820_count; i++) {
		const struct e820_entry *e = &host_e820[i];
		if (e->type == E820_RAM && e->addr >= (4ULL << 30) && e->addr + e->len == host_top)
			high = e;
	}
	if (!high)
		return;
	uint64_t rmp = ((host_top >> PAGE_SHIFT) + FW_WINDOW_PAGES) * sizeof(struct rmp_entry);
	uint64_t tables = ALIGN_UP(high->len, 1ULL << 30) / (1ULL << 30) * TABLE_BYTES_PER_GIB;
	uint64_t bytes = ALIGN_UP(rmp, PAGE_2M) + tables;
	uint64_t end = ALIGN_DOWN(high->addr + high->len, PAGE_2M);
	if (end < high->addr + 2 * bytes)
		return; /* a little RAM above 4 GiB: its RMP and tables fit snpemu's region */
	rmp_bytes = ALIGN_UP(rmp, PAGE_2M);
	high_bytes = bytes;
	high_base = end - bytes;
}

void *memmap_rmp_memory(uint64_t bytes)
{
	if (!rmp_bytes)
		return page_alloc(ALIGN_UP(bytes, PAGE_SIZE) / PAGE_SIZE);
	CHECK(bytes <= rmp_bytes);
	return memset(phys_to_virt(high_base), 0, bytes);
}

void memmap_table_pool(uint64_t *pa, uint64_t *bytes)
{
	*pa = high_base + rmp_bytes;
	*bytes = high_bytes - rmp_bytes;
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

/** Adds [start, end) minus snpemu's memory. */
static void ram_add_filtered(uint64_t start, uint64_t end)
{
	const uint64_t cuts[2][2] = {
		{ snpemu_phys_base, snpemu_phys_base + SNPEMU_RESERVE },
		{ high_base, high_base + high_bytes },
	};
	uint64_t s = start;
	while (s < end) {
		uint64_t e = end;
		bool skipped = false;
		for (unsigned int i = 0; i < ARRAY_SIZE(cuts); i++) {
			if (cuts[i][0] == cuts[i][1])
				continue;
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
	}
	vm.phys_top = MAX(4ULL << 30, ALIGN_UP(host_top, 1ULL << 30));
	high_place(host_top);
	for (unsigned int i = 0; i < host_e820_count; i++)
		if (host_e820[i].type == E820_RAM)
			ram_add_filtered(host_e820[i].addr, host_e820[i].addr + host_e820[i].len);
	if (!vm.ram_count)
		panic("no guest RAM");
	for (unsigned int i = 1; i < vm.ram_count; i++)
		if (vm.ram[i].start < vm.ram[i - 1].end)
			panic("etc/e820: RAM ranges out of order at %#lx",
			      (unsigned long)vm.ram[i].start);
	if (gpa_is_ram(LEGACY_HOLE_START))
		legacy_hpa =
			virt_to_phys(page_alloc((LEGACY_HOLE_END - LEGACY_HOLE_START) / PAGE_SIZE));
	for (unsigned int i = 0; i < vm.ram_count; i++)
		log_printf("guest RAM 0x%09lx-0x%09lx", (unsigned long)vm.ram[i].start,
			   (unsigned long)vm.ram[i].end);
	if (high_bytes)
		log_printf("snpemu's memory above 4 GiB: 0x%09lx-0x%09lx (the RMP, %lu MiB of "
			   "tables)",
			   (unsigned long)high_base, (unsigned long)(high_base + high_bytes),
			   (unsigned long)((high_bytes - rmp_bytes) >> 20));
}

uint64_t memmap_high_ram_bytes(void)
{
	uint64_t n = 0;
	for (unsigned int i = 0; i < vm.ram_count; i++)
		if (vm.ram[i].end > (4ULL << 30))
			n += vm.ram[i].end - MAX(vm.ram[i].start, 4ULL << 30);
	return n;
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

/** QEMU has RAM there (the guest's or snpemu's). */
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
