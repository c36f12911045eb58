/* SPDX-License-Identifier: MIT */
/*
 * PCI configuration space as the guest reaches it, and the virtio proxy
 * (devices/virtio_proxy.c) and the NVMe proxy (devices/nvme_proxy.c) wired to
 * the paravisor.
 *
 * Two ways in: configuration mechanism #1 (CONFIG_ADDRESS at 0xCF8, a
 * 32-bit register; CONFIG_DATA at 0xCFC-0xCFF; PCI 3.0 §3.2.2.3.2) and the
 * Q35 ECAM window, which the guest places with PCIEXBAR (00:00.0 offset 0x60,
 * Intel 3 Series "PCIEXBAR"; OVMF writes it through mechanism #1 early).
 * Every access is offered to the proxy first; the rest is performed here.
 *
 * The proxy makes configuration accesses of its own through mechanism #1,
 * so CONFIG_ADDRESS is the paravisor's: the guest's value is kept here
 * (guest_cf8) and the real register is set to it before each guest data
 * access that needs it, all under cf8_lock.
 *
 * The device's interrupts come to the BSP's real APIC with PV_VECTOR_VIRTIO_*
 * (never guest vectors on the host: Linux puts device vectors below 0xEC).
 */
#include "platform/platform.h"
#include "core/ghcb_call.h"
#include "core/guest_mem.h"
#include "platform/apic.h"
#include "core/mm.h"
#include "core/vcpu.h"
#include "core/stats.h"

#include <lib/fmt.h>

#include "devices/nvme_proxy.h"
#include "devices/virtio_proxy.h"

#include <acpi_pm.h> /* PCI_CONFIG_ADDRESS, PCI_CONFIG_DATA */

#define CF8_ENABLE	   BIT(31)
#define PCIEXBAR	   0x60
#define PCIEXBAR_EN	   BIT(0)
#define PCIEXBAR_LEN_SHIFT 1
#define Q35_MCH_ID	   0x29C08086u /* 00:00.0 vendor/device of Q35 */

#define POOL_BYTES	(4ULL << 20) /* the bounce pool */
/* The NVMe proxy's shared area: its shadow queues and bounce buffers. */
#define NVME_AREA_BYTES (4ULL << 20)

static spinlock_t cf8_lock;
static uint32_t guest_cf8, host_cf8;
static bool host_cf8_known;

static struct {
	bool on;
	uint64_t base, size;
} ecam;

/* The proxy's state; held while it posts to devices (cf8_lock inside it,
 * for the devices' configuration space) and raises the guest's MSIs
 * (apic_lock inside it): the lock order is in core/vcpu.h. */
static spinlock_t proxy_lock;
static struct vproxy proxy;
static bool pool_ready;
static struct nvproxy nvme; /* under proxy_lock too */
static bool nvme_area_ready;

/* --- mechanism #1 ---------------------------------------------------------- */

static void host_cf8_set(uint32_t v)
{
	if (host_cf8_known && host_cf8 == v)
		return;
	ghcb_ioio(PCI_CONFIG_ADDRESS, 4, false, &v, NULL);
	host_cf8 = v;
	host_cf8_known = true;
}

/** How a configuration access reaches the hypervisor. */
enum cfg_path {
	CFG_ANY,   /* ECAM when the chipset decodes it, else mechanism #1 */
	CFG_PORTS, /* mechanism #1 only: for reading PCIEXBAR itself */
};

/**
 * One data access at CONFIG_ADDRESS @cf8 (cf8_lock held).  Through ECAM
 * when the chipset decodes it: one hypervisor call instead of a
 * CONFIG_ADDRESS write and a data access, to the same register (PCI Express
 * Base 4.0 §7.2.2: ECAM offset = bus << 20 | device << 15 | function << 12
 * | register, the fields mechanism #1 names at bits 23:16, 15:11, 10:8,
 * 7:2).  Else through the hypervisor's 0xCF8/0xCFC.
 */
static uint32_t cf8_access(uint32_t cf8, unsigned int data_off, unsigned int size, bool write,
			   uint32_t val, enum cfg_path path)
{
	uint64_t bus = (cf8 >> 16) & 0xFF;
	if (path == CFG_ANY && ecam.on && (bus << 20) < ecam.size) {
		uint64_t v = val;
		uint64_t off = (uint64_t)(cf8 & 0x00FFFF00u) << 4 | (cf8 & 0xFC);
		ghcb_mmio(ecam.base + off + data_off, size, write, &v, NULL);
		return (uint32_t)v;
	}
	host_cf8_set(cf8);
	ghcb_ioio((uint16_t)(PCI_CONFIG_DATA + data_off), size, !write, &val, NULL);
	return val;
}

static uint32_t cf8_of(uint32_t bdf, unsigned int reg)
{
	return (uint32_t)CF8_ENABLE | bdf << 8 | (reg & 0xFC);
}

/** The paravisor's own configuration access (the proxy's).  A register at
 * 100h and above (PCI Express extended configuration space) is reachable
 * through ECAM only (PCI Express Base 4.0 §7.2.2; mechanism #1 names 256
 * bytes): without it a read finds nothing (all ones).  Through CONFIG_ADDRESS
 * it would wrap to the header, and OVMF's walk of a PCI Express function's
 * extended capabilities (an NVMe controller's) would read its IDs at 100h
 * and loop. */
static uint32_t host_cfg_by(enum cfg_path path, uint32_t bdf, unsigned int reg, unsigned int size,
			    bool write, uint32_t val)
{
	if (reg >= 0x100) {
		uint64_t v = write ? val : (size == 4 ? 0xFFFFFFFFu : (1u << (8 * size)) - 1);
		if (ecam.on && (uint64_t)(bdf >> 8) << 20 < ecam.size)
			ghcb_mmio(ecam.base + ((uint64_t)bdf << 12) + reg, size, write, &v, NULL);
		return (uint32_t)v;
	}
	spin_lock(&cf8_lock);
	uint32_t r = cf8_access(cf8_of(bdf, reg), reg & 3, size, write, val, path);
	spin_unlock(&cf8_lock);
	return r;
}

static uint32_t host_cfg(uint32_t bdf, unsigned int reg, unsigned int size, bool write,
			 uint32_t val)
{
	return host_cfg_by(CFG_ANY, bdf, reg, size, write, val);
}

/** PCIEXBAR moved: where the ECAM window is now. */
static void ecam_update(void)
{
	if (host_cfg_by(CFG_PORTS, 0, 0, 4, false, 0) != Q35_MCH_ID)
		return;
	uint64_t bar = host_cfg_by(CFG_PORTS, 0, PCIEXBAR, 4, false, 0) |
		       (uint64_t)host_cfg_by(CFG_PORTS, 0, PCIEXBAR + 4, 4, false, 0) << 32;
	unsigned int len = (bar >> PCIEXBAR_LEN_SHIFT) & 3;
	if (len == 3) { /* reserved encoding: the chipset decodes nothing */
		ecam.on = false;
		return;
	}
	ecam.size = (256ULL << 20) >> len;
	ecam.base = bar & (0xFFFFFFFFFULL & ~(ecam.size - 1));
	ecam.on = bar & PCIEXBAR_EN;
	pv_info("PCI: ECAM %s at %#lx, %lu MiB", ecam.on ? "on" : "off", (unsigned long)ecam.base,
		(unsigned long)(ecam.size >> 20));
}

/* --- the proxy's platform -------------------------------------------------- */

static uint32_t op_cfg_read(void *ctx, uint32_t bdf, unsigned int reg, unsigned int size)
{
	(void)ctx;
	return host_cfg(bdf, reg, size, false, 0);
}

static void op_cfg_write(void *ctx, uint32_t bdf, unsigned int reg, unsigned int size, uint32_t val)
{
	(void)ctx;
	host_cfg(bdf, reg, size, true, val);
}

static uint64_t op_mmio_read(void *ctx, uint64_t gpa, unsigned int size)
{
	(void)ctx;
	uint64_t v = 0;
	ghcb_mmio(gpa, size, false, &v, NULL);
	return v;
}

static void op_mmio_write(void *ctx, uint64_t gpa, unsigned int size, uint64_t val)
{
	(void)ctx;
	ghcb_mmio(gpa, size, true, &val, NULL);
}

static void *op_guest_ptr(void *ctx, uint64_t gpa, uint64_t len)
{
	(void)ctx;
	if (gpa + len < gpa || gpa + len > mm.guest_vtom || !guest_gpa_ok(gpa, len))
		return NULL;
	return mm_private_va(gpa);
}

static void op_guest_msi(void *ctx, uint64_t addr, uint32_t data)
{
	(void)ctx;
	guest_apic_msi(addr, data);
}

static void *op_alloc(void *ctx, size_t bytes)
{
	(void)ctx;
	return mm_alloc_pages(ALIGN_UP(bytes, PAGE_SIZE) / PAGE_SIZE);
}

static void op_log(void *ctx, bool hv_error, const char *line)
{
	(void)ctx;
	if (hv_error)
		pv_terminate(PV_TERM_HV_ERROR, "%s", line);
	pv_info("%s", line);
}

static const struct vproxy_ops proxy_ops = {
	.cfg_read = op_cfg_read,
	.cfg_write = op_cfg_write,
	.mmio_read = op_mmio_read,
	.mmio_write = op_mmio_write,
	.guest_ptr = op_guest_ptr,
	.guest_msi = op_guest_msi,
	.alloc = op_alloc,
	.log = op_log,
};

void pci_init(void)
{
	const struct vproxy_config cfg = {
		.ops = &proxy_ops,
		.host_apic_id = vcpu_this()->apic_id,
		.queue_vector = PV_VECTOR_VIRTIO_QUEUE,
		.config_vector = PV_VECTOR_VIRTIO_CONFIG,
	};
	vproxy_init(&proxy, &cfg);
	const struct nvproxy_config ncfg = {
		.ops = &proxy_ops,
		.host_apic_id = vcpu_this()->apic_id,
		.vector = PV_VECTOR_NVME,
	};
	nvproxy_init(&nvme, &ncfg);
}

/** @bytes of shared memory for devices to reach: its guest-physical address. */
static uint64_t shared_make(uint64_t bytes)
{
	uint64_t gpa = mm_virt_to_phys(mm_alloc_pages(bytes / PAGE_SIZE));
	for (uint64_t off = 0; off < bytes; off += PAGE_SIZE)
		mm_make_shared(gpa + off);
	return gpa;
}

/** The NVMe proxy's area, made when it claims its first controller. */
static void nvme_area_make(void)
{
	if (nvme_area_ready || !nvproxy_ctrls(&nvme))
		return;
	uint64_t gpa = shared_make(NVME_AREA_BYTES);
	if (!nvproxy_set_area(&nvme, mm_shared_va(gpa), gpa, NVME_AREA_BYTES))
		pv_terminate(PV_TERM_NO_MEMORY, "NVMe proxy: no memory for the area map");
	nvme_area_ready = true;
	pv_info("NVMe proxy: %lu KiB shared area at %#lx", (unsigned long)(NVME_AREA_BYTES >> 10),
		(unsigned long)gpa);
}

/** The bounce pool is made when the first device is found (a VM without
 * virtio devices spends neither memory nor page state changes on it). */
static void pool_make(void)
{
	if (pool_ready || !vproxy_devices(&proxy))
		return;
	uint64_t gpa = shared_make(POOL_BYTES);
	if (!vproxy_set_pool(&proxy, mm_shared_va(gpa), gpa, POOL_BYTES))
		pv_terminate(PV_TERM_NO_MEMORY, "virtio proxy: no memory for the pool map");
	pool_ready = true;
	pv_info("virtio proxy: %lu KiB bounce pool at %#lx (shared)",
		(unsigned long)(POOL_BYTES >> 10), (unsigned long)gpa);
}

/* --- the guest's accesses -------------------------------------------------- */

/** A guest configuration access; @ecam_gpa is the ECAM address, or 0 for
 * mechanism #1 (through guest_cf8).  Always done: the guest sees the device
 * or all ones. */
static void config_access(uint32_t bdf, unsigned int reg, unsigned int size, bool write,
			  uint32_t *val, uint64_t ecam_gpa)
{
	spin_lock(&proxy_lock);
	bool done = nvproxy_cfg_access(&nvme, bdf, reg, size, write, val) ||
		    vproxy_cfg_access(&proxy, bdf, reg, size, write, val);
	pool_make();
	nvme_area_make();
	spin_unlock(&proxy_lock);
	if (done)
		return;
	if (ecam_gpa) {
		uint64_t v = *val;
		ghcb_mmio(ecam_gpa, size, write, &v, NULL);
		if (!write)
			*val = (uint32_t)v;
	} else {
		spin_lock(&cf8_lock);
		uint32_t r = cf8_access(guest_cf8, reg & 3, size, write, *val, CFG_ANY);
		spin_unlock(&cf8_lock);
		if (!write)
			*val = r;
	}
	if (write && bdf == 0 && reg < PCIEXBAR + 8 && reg + size > PCIEXBAR)
		ecam_update();
}

bool pci_port_io(uint16_t port, unsigned int size, bool in, uint32_t *val)
{
	if (port == PCI_CONFIG_ADDRESS && size == 4) {
		spin_lock(&cf8_lock);
		if (in)
			*val = guest_cf8;
		else
			guest_cf8 = *val;
		spin_unlock(&cf8_lock);
		return true;
	}
	if (port < PCI_CONFIG_DATA || port + size > PCI_CONFIG_DATA + 4)
		return false;
	uint32_t cf8 = __atomic_load_n(&guest_cf8, __ATOMIC_RELAXED);
	if (!(cf8 & CF8_ENABLE)) {
		if (in)
			*val = 0xFFFFFFFFu; /* no cycle: nothing answers */
		return true;
	}
	config_access((cf8 >> 8) & 0xFFFF, (cf8 & 0xFC) + (port - PCI_CONFIG_DATA), size, !in, val,
		      0);
	return true;
}

bool pci_ecam_label(uint64_t gpa, char *buf, size_t len)
{
	if (!ecam.on || gpa < ecam.base || gpa - ecam.base >= ecam.size)
		return false;
	uint32_t bdf = (uint32_t)((gpa - ecam.base) >> 12);
	snprintf(buf, len, "PCI config %02x:%02x.%x", bdf >> 8, (bdf >> 3) & 0x1F, bdf & 7);
	return true;
}

bool pci_mmio(uint64_t gpa, unsigned int size, bool write, uint64_t *val)
{
	if (ecam.on && gpa >= ecam.base && gpa - ecam.base < ecam.size) {
		uint64_t off = gpa - ecam.base;
		if (size > 4 || ((off & 0xFFF) + size) > 0x1000)
			return false;
		uint32_t v = (uint32_t)*val;
		config_access((uint32_t)(off >> 12), off & 0xFFF, size, write, &v, gpa);
		if (!write)
			*val = v;
		return true;
	}
	spin_lock(&proxy_lock);
	bool done = (nvproxy_ctrls(&nvme) && nvproxy_mmio(&nvme, gpa, size, write, val)) ||
		    (vproxy_devices(&proxy) && vproxy_mmio(&proxy, gpa, size, write, val));
	spin_unlock(&proxy_lock);
	return done;
}

void pci_vector(uint8_t vector)
{
	spin_lock(&proxy_lock);
	if (vector == PV_VECTOR_NVME)
		nvproxy_interrupt(&nvme);
	else if (vector == PV_VECTOR_VIRTIO_QUEUE)
		vproxy_queue_interrupt(&proxy);
	else
		vproxy_config_interrupt(&proxy);
	spin_unlock(&proxy_lock);
}

#define PROXY_STAT(field, label)                            \
	{                                                   \
		offsetof(struct vproxy_stats, field), label \
	}
static const struct {
	size_t offset;
	const char *name;
} proxy_stats[] = {
	PROXY_STAT(notifies, "guest queue notifications"),
	PROXY_STAT(requests, "requests posted to devices"),
	PROXY_STAT(completions, "completions returned to the guest"),
	PROXY_STAT(bytes_to_device, "bytes copied to devices"),
	PROXY_STAT(bytes_to_guest, "bytes copied to the guest"),
	PROXY_STAT(deferred, "requests deferred for bounce space"),
	PROXY_STAT(recv_held, "receive buffers held back at their share"),
	PROXY_STAT(split_pieces, "pieces of large requests"),
	PROXY_STAT(guest_msis, "MSIs raised for the guest"),
	PROXY_STAT(device_errors, "device errors"),
	PROXY_STAT(used_len_clamped, "used lengths clamped"),
};

static void proxy_stat_name(unsigned int i, char *buf, size_t len)
{
	snprintf(buf, len, "virtio proxy: %s", proxy_stats[i].name);
}

/* Read without proxy_lock: a counter printed at power-off may be one behind. */
static uint64_t proxy_stat_read(unsigned int i, unsigned int vcpu)
{
	(void)vcpu;
	return *(const volatile uint64_t *)((const char *)&proxy.stats + proxy_stats[i].offset);
}

PV_COUNTER_SET(proxy_counters, .count = ARRAY_SIZE(proxy_stats), .per_vcpu = false,
	       .name = proxy_stat_name, .read = proxy_stat_read);

/* The NVMe proxy's counters (struct nvproxy_stats, in its order). */
static const char *const nvme_stats[] = {
	"guest doorbell writes",
	"commands given to controllers",
	"completions written to the guest",
	"commands refused",
	"commands deferred for bounce space",
	"bytes copied to controllers",
	"bytes copied to the guest",
	"MSIs raised for the guest",
};
_Static_assert(sizeof(struct nvproxy_stats) == sizeof(nvme_stats) / sizeof(nvme_stats[0]) * 8,
	       "one name per counter");

static void nvme_stat_name(unsigned int i, char *buf, size_t len)
{
	snprintf(buf, len, "NVMe proxy: %s", nvme_stats[i]);
}

/* Read without proxy_lock: a counter printed at power-off may be one behind. */
static uint64_t nvme_stat_read(unsigned int i, unsigned int vcpu)
{
	(void)vcpu;
	return ((const volatile uint64_t *)&nvme.stats)[i];
}

PV_COUNTER_SET(nvme_counters, .count = ARRAY_SIZE(nvme_stats), .per_vcpu = false,
	       .name = nvme_stat_name, .read = nvme_stat_read);
