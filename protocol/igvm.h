/* SPDX-License-Identifier: MIT */
/*
 * IGVM file format, version 1: the subset snp-paravisor writes and loads.
 *
 * Source: the format's definition, microsoft/igvm igvm_defs/src/lib.rs.
 * All integers are little-endian.  Layout of a file:
 *   fixed header (24 B) | variable headers (TLVs, 8-byte aligned) | file data
 * Each TLV is {uint32_t type, uint32_t length} + payload padded with zeros to 8 bytes;
 * length counts the payload only.  Sections in order: platform
 * (0x001-0x100), initialization (0x101-0x200), directives (0x301-0x400).
 * Type bit 31 marks an optional header a loader may skip.
 * checksum = CRC-32 (IEEE 802.3, the zlib one) over the fixed and variable
 * headers computed with the checksum field zero.
 */
#ifndef PROTOCOL_IGVM_H
#define PROTOCOL_IGVM_H

#include <stddef.h>
#include <stdint.h>

#define IGVM_MAGIC	      0x4D564749u /* "IGVM" little-endian */
#define IGVM_FORMAT_VERSION_1 1u
#define IGVM_PAGE_SIZE	      4096u
#define IGVM_TLV_ALIGN	      8u

/** Fixed header, version 1. */
struct igvm_fixed_header {
	uint32_t magic;
	uint32_t format_version;
	uint32_t variable_header_offset; /**< >= 24, 8-byte aligned */
	uint32_t variable_header_size;
	uint32_t total_file_size;
	uint32_t checksum;
};

/** Variable header TLV prefix. */
struct igvm_var_header {
	uint32_t type;	 /**< IGVM_VHT_*, bit 31 = optional */
	uint32_t length; /**< payload bytes, before padding to 8 */
};

/* Variable header types */
#define IGVM_VHT_OPTIONAL	       0x80000000u
#define IGVM_VHT_SUPPORTED_PLATFORM    0x001u
#define IGVM_VHT_GUEST_POLICY	       0x101u
#define IGVM_VHT_RELOCATABLE_REGION    0x102u
#define IGVM_VHT_PAGE_TABLE_RELOCATION 0x103u
#define IGVM_VHT_PARAMETER_AREA	       0x301u
#define IGVM_VHT_PAGE_DATA	       0x302u
#define IGVM_VHT_PARAMETER_INSERT      0x303u
#define IGVM_VHT_VP_CONTEXT	       0x304u
#define IGVM_VHT_REQUIRED_MEMORY       0x305u
#define IGVM_VHT_VP_COUNT_PARAMETER    0x307u
#define IGVM_VHT_SRAT		       0x308u
#define IGVM_VHT_MADT		       0x309u
#define IGVM_VHT_MMIO_RANGES	       0x30Au
#define IGVM_VHT_SNP_ID_BLOCK	       0x30Bu
#define IGVM_VHT_MEMORY_MAP	       0x30Cu
#define IGVM_VHT_ERROR_RANGE	       0x30Du
#define IGVM_VHT_COMMAND_LINE	       0x30Eu
#define IGVM_VHT_SLIT		       0x30Fu
#define IGVM_VHT_PPTT		       0x310u
#define IGVM_VHT_VBS_MEASUREMENT       0x311u
#define IGVM_VHT_DEVICE_TREE	       0x312u
#define IGVM_VHT_ENVIRONMENT_INFO      0x313u

/* Section ranges (inclusive) */
#define IGVM_VHT_PLATFORM_FIRST	 0x001u
#define IGVM_VHT_PLATFORM_LAST	 0x100u
#define IGVM_VHT_INIT_FIRST	 0x101u
#define IGVM_VHT_INIT_LAST	 0x200u
#define IGVM_VHT_DIRECTIVE_FIRST 0x301u
#define IGVM_VHT_DIRECTIVE_LAST	 0x400u

/* Platform types (uint8_t) */
#define IGVM_PLATFORM_NATIVE	      0
#define IGVM_PLATFORM_VSM	      1
#define IGVM_PLATFORM_SEV_SNP	      2
#define IGVM_PLATFORM_TDX	      3
#define IGVM_PLATFORM_SEV	      4
#define IGVM_PLATFORM_SEV_ES	      5
#define IGVM_PLATFORM_CCA	      6
#define IGVM_SEV_SNP_PLATFORM_VERSION 1

/** 0x001 SUPPORTED_PLATFORM (16 B). */
struct igvm_supported_platform {
	uint32_t compatibility_mask; /**< exactly one bit */
	uint8_t highest_vtl;
	uint8_t platform_type; /**< IGVM_PLATFORM_* */
	uint16_t platform_version;
	uint64_t shared_gpa_boundary; /**< 0 = enlightened */
};

/** 0x101 GUEST_POLICY (16 B); for SNP the policy is the SNP guest policy. */
struct igvm_guest_policy {
	uint64_t policy;
	uint32_t compatibility_mask;
	uint32_t reserved;
};

/** SNP guest policy bits (SNP ABI, guest policy; microsoft/igvm SnpPolicy); QEMU's
 * default is 0x30000 (target/i386/sev.c). */
#define SNP_POLICY_ABI_MINOR_MASK  0xFFull
#define SNP_POLICY_ABI_MAJOR_SHIFT 8
#define SNP_POLICY_SMT		   (1ull << 16)
#define SNP_POLICY_RESERVED_ONE	   (1ull << 17)
#define SNP_POLICY_MIGRATE_MA	   (1ull << 18)
#define SNP_POLICY_DEBUG	   (1ull << 19)
#define SNP_POLICY_SINGLE_SOCKET   (1ull << 20)
#define SNP_POLICY_DEFAULT	   0x30000ull

/** 0x301 PARAMETER_AREA (16 B). */
struct igvm_parameter_area {
	uint64_t number_of_bytes;      /**< page multiple */
	uint32_t parameter_area_index; /**< each index used once */
	uint32_t file_offset;	       /**< 0 = zero-filled */
};

/** 0x302 PAGE_DATA (24 B). */
struct igvm_page_data {
	uint64_t gpa; /**< page aligned */
	uint32_t compatibility_mask;
	uint32_t file_offset; /**< from file start; 0 = zero page */
	uint32_t flags;	      /**< IGVM_PAGE_DATA_FLAG_* */
	uint16_t data_type;   /**< IGVM_PAGE_DATA_TYPE_* */
	uint16_t reserved;
};

#define IGVM_PAGE_DATA_FLAG_2MB	       (1u << 0)
#define IGVM_PAGE_DATA_FLAG_UNMEASURED (1u << 1)
#define IGVM_PAGE_DATA_FLAG_SHARED     (1u << 2)

#define IGVM_PAGE_DATA_TYPE_NORMAL     0
#define IGVM_PAGE_DATA_TYPE_SECRETS    1
#define IGVM_PAGE_DATA_TYPE_CPUID_DATA 2
#define IGVM_PAGE_DATA_TYPE_CPUID_XF   3

/** 0x303 PARAMETER_INSERT (16 B): the area becomes unmeasured pages. */
struct igvm_parameter_insert {
	uint64_t gpa;
	uint32_t compatibility_mask;
	uint32_t parameter_area_index;
};

/** 0x304 VP_CONTEXT (20 B, NOT 8-byte aligned in size: packed). For SNP the
 * file data at file_offset is a full 4 KiB VMSA page placed at gpa. */
struct __attribute__((packed)) igvm_vp_context {
	uint64_t gpa;
	uint32_t compatibility_mask;
	uint32_t file_offset;
	uint16_t vp_index;
	uint16_t reserved;
};

/** 0x305 REQUIRED_MEMORY (24 B). */
struct igvm_required_memory {
	uint64_t gpa;
	uint32_t compatibility_mask;
	uint32_t number_of_bytes;
	uint32_t flags; /**< bit 0 vtl2_protectable */
	uint32_t reserved;
};

/** Parameter directive payload (VP_COUNT, MEMORY_MAP, MADT, ... 8 B). */
struct igvm_parameter {
	uint32_t parameter_area_index;
	uint32_t byte_offset;
};

/** Entry the loader writes for a MEMORY_MAP parameter (24 B); the list ends
 * with an entry whose page_count is 0. */
struct igvm_memory_map_entry {
	uint64_t start_gpa_page_number;
	uint64_t page_count;
	uint16_t entry_type; /**< IGVM_MEMMAP_* */
	uint16_t flags;
	uint32_t reserved;
};

#define IGVM_MEMMAP_MEMORY	      0
#define IGVM_MEMMAP_PLATFORM_RESERVED 1
#define IGVM_MEMMAP_PERSISTENT	      2
#define IGVM_MEMMAP_VTL2_PROTECTABLE  3

#define IGVM_ASSERT_SIZE(s, n) \
	_Static_assert(sizeof(struct s) == (n), #s " size (microsoft/igvm igvm_defs)")
IGVM_ASSERT_SIZE(igvm_fixed_header, 24);
IGVM_ASSERT_SIZE(igvm_var_header, 8);
IGVM_ASSERT_SIZE(igvm_supported_platform, 16);
IGVM_ASSERT_SIZE(igvm_guest_policy, 16);
IGVM_ASSERT_SIZE(igvm_parameter_area, 16);
IGVM_ASSERT_SIZE(igvm_page_data, 24);
IGVM_ASSERT_SIZE(igvm_parameter_insert, 16);
IGVM_ASSERT_SIZE(igvm_vp_context, 20);
IGVM_ASSERT_SIZE(igvm_required_memory, 24);
IGVM_ASSERT_SIZE(igvm_parameter, 8);
IGVM_ASSERT_SIZE(igvm_memory_map_entry, 24);
#undef IGVM_ASSERT_SIZE
_Static_assert(offsetof(struct igvm_fixed_header, checksum) == 20,
	       "IGVM checksum at 20 (microsoft/igvm igvm_defs)");
_Static_assert(offsetof(struct igvm_supported_platform, platform_type) == 5,
	       "IGVM platform_type at 5 (microsoft/igvm igvm_defs)");
_Static_assert(offsetof(struct igvm_page_data, data_type) == 20,
	       "IGVM PAGE_DATA data_type at 20 (microsoft/igvm igvm_defs)");
_Static_assert(offsetof(struct igvm_vp_context, vp_index) == 16,
	       "IGVM VP_CONTEXT vp_index at 16 (microsoft/igvm igvm_defs)");
_Static_assert(offsetof(struct igvm_memory_map_entry, entry_type) == 16,
	       "IGVM memory map entry_type at 16 (microsoft/igvm igvm_defs)");

#endif /* PROTOCOL_IGVM_H */
