/* SPDX-License-Identifier: MIT */
/*
 * The few UEFI interfaces the conformance guest uses, from the UEFI
 * Specification 2.10: only the members it calls are named, the others are
 * padding of the same size, and every offset it relies on is checked.
 * Built for x86_64-unknown-windows, whose default calling convention is the
 * UEFI one (UEFI 2.10 §2.3.4, "x64 Platforms").
 */
#ifndef CONF_EFI_H
#define CONF_EFI_H

#include <stdint.h>
#include <stddef.h>

typedef uint64_t efi_status;
typedef void *efi_handle;
typedef void *efi_event;

#define EFI_SUCCESS	     0
#define EFI_ERROR(s)	     ((int64_t)(s) < 0)
#define EFI_ALLOCATE_MAX     1 /* EFI_ALLOCATE_TYPE AllocateMaxAddress (§7.2.1) */
#define EFI_LOADER_DATA	     2 /* EFI_MEMORY_TYPE EfiLoaderData (§7.2.1) */
#define EFI_RUNTIME_SVC_DATA 6 /* EfiRuntimeServicesData: kept after ExitBootServices */

typedef struct {
	uint32_t a;
	uint16_t b, c;
	uint8_t d[8];
} efi_guid;

/* EFI_TABLE_HEADER (§4.2.1). */
struct efi_table_header {
	uint64_t signature;
	uint32_t revision, header_size, crc32, reserved;
};
_Static_assert(sizeof(struct efi_table_header) == 24, "UEFI 2.10 §4.2.1");

/* EFI_BOOT_SERVICES (§4.4.1): a table of 8-byte pointers after the header. */
struct efi_boot_services {
	struct efi_table_header hdr;
	void *raise_tpl, *restore_tpl;
	efi_status (*allocate_pages)(uint32_t type, uint32_t mem_type, uint64_t pages,
				     uint64_t *addr);
	void *free_pages;
	efi_status (*get_memory_map)(uint64_t *size, void *map, uint64_t *key, uint64_t *desc_size,
				     uint32_t *desc_version);
	efi_status (*allocate_pool)(uint32_t mem_type, uint64_t size, void **buf);
	void *free_pool;
	void *pad0[19]; /* CreateEvent ... UnloadImage */
	efi_status (*exit_boot_services)(efi_handle image, uint64_t map_key);
	void *get_next_monotonic_count, *stall;
	efi_status (*set_watchdog_timer)(uint64_t timeout, uint64_t code, uint64_t size,
					 void *data);
	void *pad1[7]; /* ConnectController ... LocateHandleBuffer */
	efi_status (*locate_protocol)(const efi_guid *protocol, void *registration, void **iface);
};
_Static_assert(offsetof(struct efi_boot_services, allocate_pages) == 40, "UEFI 2.10 §4.4.1");
_Static_assert(offsetof(struct efi_boot_services, get_memory_map) == 56, "UEFI 2.10 §4.4.1");
_Static_assert(offsetof(struct efi_boot_services, allocate_pool) == 64, "UEFI 2.10 §4.4.1");
_Static_assert(offsetof(struct efi_boot_services, exit_boot_services) == 232, "UEFI 2.10 §4.4.1");
_Static_assert(offsetof(struct efi_boot_services, set_watchdog_timer) == 256, "UEFI 2.10 §4.4.1");
_Static_assert(offsetof(struct efi_boot_services, locate_protocol) == 320, "UEFI 2.10 §4.4.1");

/* EFI_SYSTEM_TABLE (§4.3.1). */
struct efi_system_table {
	struct efi_table_header hdr;
	void *pad0[8]; /* FirmwareVendor ... StdErr */
	void *runtime_services;
	struct efi_boot_services *boot_services;
};
_Static_assert(offsetof(struct efi_system_table, boot_services) == 96, "UEFI 2.10 §4.3.1");

/* EFI_MP_SERVICES_PROTOCOL (UEFI PI 1.7 vol. 2 §13.4). */
#define EFI_MP_SERVICES_PROTOCOL_GUID                                  \
	{                                                              \
		0x3fdda605, 0xa76e, 0x4f46,                            \
		{                                                      \
			0xad, 0x29, 0x12, 0xf4, 0x53, 0x1b, 0x3d, 0x08 \
		}                                                      \
	}
typedef void (*efi_ap_procedure)(void *arg);
struct efi_mp_services {
	efi_status (*get_number_of_processors)(struct efi_mp_services *self, uint64_t *count,
					       uint64_t *enabled);
	void *get_processor_info, *startup_all_aps;
	efi_status (*startup_this_ap)(struct efi_mp_services *self, efi_ap_procedure proc,
				      uint64_t cpu, efi_event wait, uint64_t timeout_us, void *arg,
				      uint8_t *finished);
	void *switch_bsp, *enable_disable_ap, *who_am_i;
};
_Static_assert(offsetof(struct efi_mp_services, startup_this_ap) == 24, "UEFI PI 1.7 vol. 2 §13.4");

#endif
