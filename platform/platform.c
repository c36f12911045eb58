/* SPDX-License-Identifier: MIT */
/*
 * The guest's view of the platform devices the paravisor filters: fw_cfg
 * (etc/e820 without the paravisor's region, no DMA interface),
 * the CMOS memory size, and COM2, the paravisor's log, which the guest
 * finds empty (reads all ones, writes go nowhere: no UART there), an empty
 * TPM range, and the ACPI PM timer, answered from the TSC
 * (devices/pm_timer.h).  Everything else goes to the hypervisor, watched
 * for the ACPI power-off and the platform reset, before which the exit
 * counts are printed (protocol/acpi_pm.h).
 */
#include "platform/platform.h"
#include "core/clock.h"
#include "core/ghcb_call.h"
#include "core/hw.h"
#include "platform/apic.h"
#include "core/mm.h"
#include "core/stats.h"
#include "core/vcpu.h"

#include "devices/acpi_pm.h"
#include "devices/cmos.h"
#include "devices/e820.h"
#include "devices/fwcfg.h"
#include "devices/pm_timer.h"
#include "devices/uart_tx.h"

#include <lib/fmt.h>
#include <lib/string.h>

#define E820_ENTRY ((uint32_t)sizeof(struct e820_entry))
#define MAX_E820   (FWCFG_MAX_E820 / E820_ENTRY)

/* One platform for all vCPUs: the fw_cfg filter's selector and offset,
 * the CONFIG_ADDRESS latch, the I/O APIC's select, under platform_lock. */
static spinlock_t platform_lock;
static struct fwcfg_filter filter;
static uint8_t cmos_index;
static uint64_t guest_low_end, guest_high_bytes; /* RAM below 4 GiB ends; RAM above it */
/* The platform's CONFIG_ADDRESS latch and PM base as the guest's writes
 * set them: one platform, so one copy for all vCPUs, unlocked like the
 * latch itself (guests serialize configuration accesses). */
static struct acpi_pm_snoop pm_snoop;
static struct pm_timer pm_timer;

/* The guest's console, COM1: its transmit side batched (devices/uart_tx.h). */
#define COM1_BASE PV_CONSOLE_PORT
static struct uart_tx com1;
static bool com1_pending; /* com1 holds bytes: read without the lock */

static uint8_t com1_read_lsr(void *ctx)
{
	uint32_t v = 0;
	(void)ctx;
	ghcb_ioio(COM1_BASE + UART_LSR, 1, true, &v, NULL);
	return (uint8_t)v;
}

static void com1_send(void *ctx, const uint8_t *buf, unsigned int len)
{
	(void)ctx;
	ghcb_ioio_string_out(COM1_BASE + UART_THR, buf, len);
}

static const struct uart_tx_ops com1_ops = { .read_lsr = com1_read_lsr, .send = com1_send };

static const char *const com1_stat_names[UART_TX_STATS] = {
	[UART_TX_BYTES_BATCHED] = "COM1 bytes batched",
	[UART_TX_LSR_LOCAL] = "COM1 LSR reads answered here",
	[UART_TX_WRITES] = "COM1 batches written",
	[UART_TX_NO_THRE] = "COM1 batches written without THRE (the device never showed it)",
};

static void com1_stat_name(unsigned int i, char *buf, size_t len)
{
	snprintf(buf, len, "platform: %s", com1_stat_names[i]);
}

static uint64_t com1_stat(unsigned int i, unsigned int vcpu)
{
	(void)vcpu;
	return com1.stats[i];
}

PV_COUNTER_SET(com1_stats, .count = UART_TX_STATS, .per_vcpu = false, .name = com1_stat_name,
	       .read = com1_stat);

/*
 * The TPM's MMIO range: localities 0-4 at 0xFED40000, 4 KiB each (TCG PC
 * Client Platform TPM Profile Specification for TPM 2.0, "TPM Interface
 * Locality Addresses").  QEMU decodes it only when it has a TPM device;
 * without one its reads return 0, which firmware takes for a TPM that is
 * there but not ready, and it polls each wait out to its timeout: stock
 * OVMF spends about 150,000 of the guest's exits there, two thirds of a
 * boot to userspace.  On hardware an address no device claims reads all
 * ones (the bus is not driven), and all ones is what TPM drivers test for
 * absence (TPM_ACCESS_0 = 0xFF: edk2's Tpm2IsPtpPresence, TisPcPresenceCheck).
 * So with no TPM behind the range the paravisor answers it as the bus
 * would: reads all ones, writes dropped.  A TPM is there if its interface
 * identifier (offset 0x30) or DID_VID (0xF00) reads other than 0 or all
 * ones when the paravisor starts (a TPM 1.2 reads all ones at 0x30, a CRB
 * TPM has no DID_VID: either register is enough).
 */
#define TPM_BASE    0xFED40000ULL
#define TPM_SIZE    0x5000ULL
#define TPM_INTF_ID 0x30
#define TPM_DID_VID 0xF00
static bool tpm_absent; /* [I] */

static bool tpm_register_live(uint32_t off)
{
	uint64_t v = 0;
	ghcb_mmio(TPM_BASE + off, 4, false, &v, NULL);
	v &= 0xFFFFFFFF;
	return v != 0 && v != 0xFFFFFFFF;
}

PV_COUNTER(tpm_absent_reads, "platform: TPM range reads answered as absent");

static bool tpm_range(uint64_t gpa, unsigned int size, bool write, uint64_t *val)
{
	if (!tpm_absent || gpa < TPM_BASE || gpa >= TPM_BASE + TPM_SIZE)
		return false;
	if (!write) {
		*val = size == 8 ? ~0ULL : (1ULL << (8 * size)) - 1;
		pv_count(&tpm_absent_reads);
	}
	return true;
}

static void host_read_item(uint16_t select, void *buf, uint32_t len)
{
	uint32_t sel = select;
	ghcb_ioio(FWCFG_PORT_SEL, 2, false, &sel, NULL);
	uint8_t *p = buf;
	for (uint32_t i = 0; i < len; i++) {
		uint32_t v = 0;
		ghcb_ioio(FWCFG_PORT_DATA, 1, true, &v, NULL);
		p[i] = (uint8_t)v;
	}
}

static uint32_t be32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

/**
 * The host's e820 as the guest's: without the paravisor's region, and RAM
 * only where the paravisor validated it for the guest (the IGVM memory map,
 * mm.ram): the host's fw_cfg is its word alone, and RAM it claims beyond
 * that map would be memory the guest cannot touch (#NPF at best) or, over
 * the paravisor's region, memory the guest must not have.
 */
static unsigned int guest_e820(const uint8_t *dir, uint32_t dir_len, struct e820_entry *out)
{
	static struct e820_entry host[MAX_E820];
	struct e820_range ram[MM_MAX_RANGES];
	unsigned int hn = 0;
	for (uint32_t off = 4; off + FWCFG_FILE_ENTRY <= dir_len; off += FWCFG_FILE_ENTRY) {
		if (strncmp((const char *)dir + off + 8, "etc/e820", 56))
			continue;
		uint32_t size = MIN(be32(dir + off), (uint32_t)sizeof(host));
		host_read_item((uint16_t)((dir[off + 4] << 8) | dir[off + 5]), host, size);
		hn = size / E820_ENTRY;
	}
	for (unsigned int i = 0; i < mm.ram_count; i++)
		ram[i] = (struct e820_range){ mm.ram[i].start, mm.ram[i].end };
	struct e820_clip_report rep;
	unsigned int n = e820_clip(host, hn, ram, mm.ram_count, mm.pv_base, mm.pv_end, out,
				   MAX_E820, &rep);
	if (rep.dropped)
		pv_notice("host e820: %u entries or parts dropped (from %#lx; %lu MiB of RAM "
			  "outside the validated memory map)",
			  rep.dropped, (unsigned long)rep.first_dropped,
			  (unsigned long)(rep.dropped_bytes >> 20));
	guest_low_end = guest_high_bytes = 0;
	for (unsigned int i = 0; i < n; i++) {
		uint64_t end = out[i].addr + out[i].len;
		if (out[i].type != E820_RAM)
			continue;
		if (end <= (4ULL << 30))
			guest_low_end = MAX(guest_low_end, end);
		else
			guest_high_bytes += end - MAX(out[i].addr, 4ULL << 30);
	}
	return n;
}

/** The VM's vCPUs, 1 to PV_MAX_VCPUS. */
static unsigned int vcpu_count(void)
{
	uint8_t n[2];
	host_read_item(FWCFG_KEY_NB_CPUS, n, sizeof(n));
	unsigned int cpus = n[0] | n[1] << 8;
	if (cpus < 1 || cpus > PV_MAX_VCPUS)
		pv_terminate(PV_TERM_BAD_CONFIG, "the VM has %u vCPUs; this paravisor runs 1 to %u",
			     cpus, PV_MAX_VCPUS);
	return cpus;
}

unsigned int devices_init(void)
{
	static uint8_t dir[FWCFG_MAX_DIR];
	unsigned int cpus = vcpu_count();
	static struct e820_entry e820[MAX_E820];
	host_read_item(FWCFG_KEY_FILE_DIR, dir, 4);
	uint32_t count = be32(dir);
	if (4 + (uint64_t)count * FWCFG_FILE_ENTRY > sizeof(dir))
		pv_terminate(PV_TERM_HV_ERROR, "fw_cfg directory with %u files", count);
	uint32_t dir_len = 4 + count * FWCFG_FILE_ENTRY;
	host_read_item(FWCFG_KEY_FILE_DIR, dir, dir_len);
	unsigned int n = guest_e820(dir, dir_len, e820);
	if (!fwcfg_filter_init(&filter, dir, dir_len, e820, n * E820_ENTRY))
		pv_terminate(PV_TERM_HV_ERROR, "fw_cfg directory unusable");
	pv_info("guest e820: %u entries, low RAM ends at %#lx, %lu MiB above 4 GiB", n,
		(unsigned long)guest_low_end, (unsigned long)(guest_high_bytes >> 20));
	pm_snoop = (struct acpi_pm_snoop){ 0 };
	pm_timer_reset(&pm_timer);
	uart_tx_init(&com1, COM1_BASE, &com1_ops, NULL);
	com1_pending = false;
	tpm_absent = !tpm_register_live(TPM_INTF_ID) && !tpm_register_live(TPM_DID_VID);
	pv_info("TPM at %#lx: %s", (unsigned long)TPM_BASE,
		tpm_absent ? "none (the range reads all ones)" : "the host's, passed through");
	pci_init();
	return cpus;
}

/** A guest port write on its way to the hypervisor: the last moment to
 * print the counters before an ACPI power-off or a reset ends the VM. */
static void pm_watch_out(uint16_t port, unsigned int size, uint32_t val)
{
	char line[96];
	enum acpi_pm_event ev = acpi_pm_watch(&pm_snoop, port, size, val, line, sizeof(line));
	if (ev == ACPI_PM_BASE) {
		pv_info("%s", line);
		pm_timer_reset(&pm_timer); /* anchored again at the next read */
	}
	if (ev == ACPI_PM_SLEEP || ev == ACPI_PM_RESET) {
		pv_info("%s: counters follow", line);
		pv_counters_print();
	}
}

/** Ports the guest finds no device at: fw_cfg's DMA interface and the
 * paravisor's log UART. */
static bool port_hidden(uint16_t port, unsigned int size)
{
	return fwcfg_port_hidden(port, size) ||
	       (port + size > PV_LOG_PORT && port < PV_LOG_PORT + PV_LOG_PORTS);
}

PV_COUNTER(pm_timer_reads, "platform: ACPI PM timer reads answered from the TSC");

static bool pm_timer_port(uint16_t port)
{
	return pm_snoop.base && port == pm_snoop.base + PM_TMR_OFFSET;
}

/** A 32-bit read of PM_TMR: from the TSC once the timer is anchored; the
 * first read anchors it with the device's own count (the paravisor's read:
 * an exception the hypervisor asks for there ends the VM).  Other sizes,
 * and reads while the PM block is not decoded, go to the device. */
static bool pm_timer_in(unsigned int size, uint32_t *val)
{
	if (size != 4)
		return false;
	if (!pm_timer_anchored(&pm_timer)) {
		uint32_t v = 0;
		ghcb_ioio(pm_snoop.base + PM_TMR_OFFSET, 4, true, &v, NULL);
		if (!pm_timer_anchor(&pm_timer, hw_rdtsc(), v, pv_clock.tsc_hz))
			return false;
		*val = v;
		return true;
	}
	*val = pm_timer_read(&pm_timer, hw_rdtsc());
	pv_count(&pm_timer_reads);
	return true;
}

static bool port_io_locked(uint16_t port, unsigned int size, bool in, uint32_t *val)
{
	if (port_hidden(port, size)) {
		if (in)
			*val = 0xFFFFFFFF;
		return true;
	}
	if (uart_tx_port(&com1, port)) {
		bool done = uart_tx_access(&com1, port, size, in, val);
		com1_pending = com1.len;
		return done;
	}
	if (in) {
		if (fwcfg_filter_in(&filter, port, size, val))
			return true;
		if (pm_timer_port(port) && pm_timer_in(size, val))
			return true;
		int cmos = port == CMOS_PORT_DATA && size == 1
				   ? cmos_memory_register(cmos_index, guest_low_end,
							  guest_high_bytes)
				   : -1;
		if (cmos >= 0) {
			*val = (uint32_t)cmos;
			return true;
		}
		return pci_port_io(port, size, in, val);
	}
	fwcfg_filter_out(&filter, port, size, *val);
	if (port == CMOS_PORT_INDEX && size == 1)
		cmos_index = *val & 0x7F;
	pm_watch_out(port, size, *val);
	return pci_port_io(port, size, in, val);
}

/*
 * The I/O APIC routes device interrupts to the hypervisor's local APICs,
 * which know nothing of the guest's logical APIC IDs (those live in our
 * software APIC).  A redirection entry in logical destination mode is
 * written to the real I/O APIC in physical mode, to the APIC ID of the
 * first vCPU whose guest APIC the logical destination names (any vCPU, not
 * only the writer: Linux moves interrupts between CPUs); the guest reads back
 * what it wrote (82093AA datasheet §3.2.4).
 */
#define IOAPIC_BASE   0xFEC00000ULL
#define IOAPIC_REGSEL 0x00
#define IOAPIC_WIN    0x10
#define IOAPIC_PINS   24
#define RTE_LOGICAL   BIT(11)
#define RTE_MASKED    BIT(16)
#define RTE_LEVEL     BIT(15)
#define RTE_RO_BITS   (BIT(12) | BIT(14)) /* delivery status, remote IRR */

static struct {
	uint32_t regsel;
	uint64_t rte[IOAPIC_PINS]; /* the guest's view */
} ioapic;

static void host_ioapic_write(uint32_t reg, uint32_t val)
{
	uint64_t r = reg, v = val;
	ghcb_mmio(IOAPIC_BASE + IOAPIC_REGSEL, 4, true, &r, NULL);
	ghcb_mmio(IOAPIC_BASE + IOAPIC_WIN, 4, true, &v, NULL);
}

#define RTE_MODE(rte) (((rte) >> 8) & 7) /* 0 fixed, 1 lowest priority */

bool ioapic_route_of(uint8_t vector, struct ioapic_route *rt)
{
	*rt = (struct ioapic_route){ 0 };
	spin_lock(&platform_lock);
	for (unsigned int pin = 0; pin < IOAPIC_PINS && !rt->found; pin++) {
		uint64_t rte = ioapic.rte[pin];
		if ((rte & RTE_MASKED) || (uint8_t)rte != vector || RTE_MODE(rte) > 1)
			continue;
		rt->found = true;
		rt->level = rte & RTE_LEVEL;
		rt->logical_set = (rte & RTE_LOGICAL) && RTE_MODE(rte) == 0;
		rt->dest = (uint8_t)(rte >> 56);
	}
	spin_unlock(&platform_lock);
	return rt->found;
}

static uint64_t rte_for_host(uint64_t rte)
{
	if (!(rte & RTE_LOGICAL))
		return rte;
	int id = guest_apic_logical_target((uint8_t)(rte >> 56));
	if (id < 0)
		return rte | RTE_MASKED; /* names no vCPU: nobody gets it */
	return (rte & ~(RTE_LOGICAL | (0xFFULL << 56))) | ((uint64_t)id << 56);
}

static bool ioapic_mmio(uint32_t off, unsigned int size, bool write, uint64_t *val)
{
	if (size != 4 || (off != IOAPIC_REGSEL && off != IOAPIC_WIN))
		return false;
	if (off == IOAPIC_REGSEL) {
		if (write)
			ioapic.regsel = (uint32_t)*val & 0xFF;
		else
			*val = ioapic.regsel;
		return true;
	}
	uint32_t reg = ioapic.regsel;
	if (reg < 0x10 || reg >= 0x10 + 2 * IOAPIC_PINS) {
		/* ID, version, arbitration: the device's, with the guest's select
         * (our own redirection writes moved the device's). */
		uint64_t r = reg;
		ghcb_mmio(IOAPIC_BASE + IOAPIC_REGSEL, 4, true, &r, NULL);
		ghcb_mmio(IOAPIC_BASE + IOAPIC_WIN, 4, write, val, NULL);
		return true;
	}
	unsigned int pin = (reg - 0x10) / 2, shift = (reg & 1) ? 32 : 0;
	if (!write) {
		*val = (uint32_t)(ioapic.rte[pin] >> shift);
		if (!shift) {
			/* Delivery status and remote IRR are the device's, read-only
			 * (82093AA §3.2.4): a level interrupt's remote IRR stays set
			 * from its delivery to the EOI, which Linux's I/O APIC code
			 * checks (arch/x86/kernel/apic/io_apic.c). */
			uint64_t r = reg, host = 0;
			ghcb_mmio(IOAPIC_BASE + IOAPIC_REGSEL, 4, true, &r, NULL);
			ghcb_mmio(IOAPIC_BASE + IOAPIC_WIN, 4, false, &host, NULL);
			*val = (*val & ~RTE_RO_BITS) | (host & RTE_RO_BITS);
		}
		return true;
	}
	ioapic.rte[pin] = (ioapic.rte[pin] & ~(0xFFFFFFFFULL << shift)) |
			  ((uint64_t)(uint32_t)*val << shift);
	uint64_t host = rte_for_host(ioapic.rte[pin]);
	uint32_t base = 0x10 + 2 * pin;
	host_ioapic_write(base, (uint32_t)host | RTE_MASKED);
	host_ioapic_write(base + 1, (uint32_t)(host >> 32));
	host_ioapic_write(base, (uint32_t)host);
	return true;
}

/** Device space the paravisor owns: the guest's local APIC page (vc/apic.c),
 * the I/O APIC's redirection entries, an empty TPM range, PCI configuration
 * through ECAM and the proxied virtio structures (platform/pci.c). */
bool devices_mmio(uint64_t gpa, unsigned int size, bool write, uint64_t *val)
{
	if ((gpa & PAGE_MASK) == 0xFEE00000ULL)
		return guest_apic_mmio((uint32_t)(gpa & ~PAGE_MASK), size, write, val);
	if (tpm_range(gpa, size, write, val))
		return true;
	if ((gpa & PAGE_MASK) != IOAPIC_BASE)
		return pci_mmio(gpa, size, write, val);
	spin_lock(&platform_lock);
	bool done = ioapic_mmio((uint32_t)(gpa & ~PAGE_MASK), size, write, val);
	spin_unlock(&platform_lock);
	return done;
}

/** A string IN/OUT the hypervisor may serve as one call (ioio.c's fast
 * path): nothing the paravisor answers or hides is involved. */
static bool port_bulk_locked(uint16_t port, unsigned int size, bool in, uint64_t count)
{
	uint32_t bytes = (uint32_t)(count * size);
	if (uart_tx_port(&com1, port) || uart_tx_port(&com1, (uint16_t)(port + size - 1)))
		return false; /* element by element through the batching */
	if (port_hidden(port, size) || port == CMOS_PORT_DATA || port == CMOS_PORT_INDEX)
		return false;
	if (port == FWCFG_PORT_SEL || (!in && acpi_pm_snoop_port(&pm_snoop, port, size)))
		return false;
	uint32_t pm_tmr = pm_snoop.base + PM_TMR_OFFSET, first = port, end = first + size;
	if (in && pm_snoop.base && first < pm_tmr + 4 && end > pm_tmr)
		return false;
	if (port + size > PCI_CONFIG_ADDRESS && port < PCI_CONFIG_DATA + 4)
		return false; /* core/pci.c: one access at a time */
	return !in || fwcfg_filter_bulk(&filter, port, bytes);
}

bool devices_port_io(uint16_t port, unsigned int size, bool in, uint32_t *val)
{
	spin_lock(&platform_lock);
	bool done = port_io_locked(port, size, in, val);
	spin_unlock(&platform_lock);
	return done;
}

void devices_flush_output(void)
{
	if (!__atomic_load_n(&com1_pending, __ATOMIC_RELAXED))
		return;
	spin_lock(&platform_lock);
	uart_tx_flush(&com1);
	com1_pending = false;
	spin_unlock(&platform_lock);
}

bool devices_port_bulk(uint16_t port, unsigned int size, bool in, uint64_t count)
{
	spin_lock(&platform_lock);
	bool bulk = port_bulk_locked(port, size, in, count);
	spin_unlock(&platform_lock);
	return bulk;
}

/* --- names for the exit histograms ----------------------------------------- */

static const struct {
	uint16_t first, last;
	const char *name;
} port_names[] = {
	{ 0x20, 0x21, "PIC" },
	{ 0x40, 0x43, "PIT" },
	{ 0x60, 0x60, "i8042 data" },
	{ 0x61, 0x61, "NMI status/speaker" },
	{ 0x64, 0x64, "i8042 status" },
	{ 0x70, 0x71, "CMOS/RTC" },
	{ 0x80, 0x80, "POST" },
	{ 0xA0, 0xA1, "PIC" },
	{ 0x2F8, 0x2FF, "COM2, the paravisor's log" },
	{ 0x3F8, 0x3F8, "COM1 data" },
	{ 0x3F9, 0x3FC, "COM1 control" },
	{ 0x3FD, 0x3FD, "COM1 line status" },
	{ 0x3FE, 0x3FF, "COM1 modem" },
	{ 0x402, 0x402, "firmware debug port" },
	{ FWCFG_PORT_SEL, FWCFG_PORT_DATA, "fw_cfg" },
	{ FWCFG_PORT_DMA_HI, FWCFG_PORT_DMA_LO + 3, "fw_cfg DMA" },
	{ PCI_CONFIG_ADDRESS, PCI_CONFIG_ADDRESS + 3, "PCI CONFIG_ADDRESS" },
	{ PCI_RESET_CONTROL, PCI_RESET_CONTROL, "reset control" },
	{ PCI_CONFIG_DATA, PCI_CONFIG_DATA + 3, "PCI CONFIG_DATA" },
};

void devices_port_label(uint64_t port, char *buf, size_t len)
{
	buf[0] = 0;
	uint16_t base = pm_snoop.base;
	if (base && port >= base && port < base + 0x80ULL) {
		snprintf(buf, len,
			 port == (uint64_t)base + PM_TMR_OFFSET ? "ACPI PM timer"
								: "ACPI PM block");
		return;
	}
	for (size_t i = 0; i < ARRAY_SIZE(port_names); i++)
		if (port >= port_names[i].first && port <= port_names[i].last)
			snprintf(buf, len, "%s", port_names[i].name);
}

void devices_mmio_label(uint64_t gpa, char *buf, size_t len)
{
	buf[0] = 0;
	if ((gpa & PAGE_MASK) == 0xFEE00000ULL)
		snprintf(buf, len, "local APIC");
	else if ((gpa & PAGE_MASK) == IOAPIC_BASE)
		snprintf(buf, len, "I/O APIC");
	else if ((gpa & PAGE_MASK) == 0xFED00000ULL)
		snprintf(buf, len, "HPET");
	else if (gpa >= TPM_BASE && gpa < TPM_BASE + TPM_SIZE)
		snprintf(buf, len, tpm_absent ? "TPM, none" : "TPM");
	else
		pci_ecam_label(gpa, buf, len);
}
