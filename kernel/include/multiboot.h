/* SPDX-License-Identifier: MIT */
/*
 * multiboot.h: the Multiboot v1 information structure as the boot loader
 * leaves it in memory (Multiboot Specification 0.6.96, section 3.3).
 *
 * Layouts only; parsing and validation live in core/multiboot.c.
 */
#ifndef AXL_MULTIBOOT_H
#define AXL_MULTIBOOT_H

#include "types.h"

#define MB_HEADER_MAGIC 0x1BADB002u /* in the kernel image */
#define MB_BOOT_MAGIC 0x2BADB002u   /* in EAX at entry */

/* mb_info.flags bits: which fields are valid. */
#define MB_INFO_MEM (1u << 0)     /* mem_lower, mem_upper */
#define MB_INFO_CMDLINE (1u << 2) /* cmdline */
#define MB_INFO_MODS (1u << 3)    /* mods_count, mods_addr */
#define MB_INFO_MMAP (1u << 6)    /* mmap_length, mmap_addr */
#define MB_INFO_LOADER (1u << 9)  /* boot_loader_name */

struct mb_info {
    uint32_t flags;
    uint32_t mem_lower; /* KiB below 1 MiB */
    uint32_t mem_upper; /* KiB of contiguous memory from 1 MiB */
    uint32_t boot_device;
    uint32_t cmdline;
    uint32_t mods_count;
    uint32_t mods_addr;
    uint32_t syms[4];
    uint32_t mmap_length;
    uint32_t mmap_addr;
    uint32_t drives_length;
    uint32_t drives_addr;
    uint32_t config_table;
    uint32_t boot_loader_name;
};
_Static_assert(sizeof(struct mb_info) == 68, "multiboot info layout");
_Static_assert(__builtin_offsetof(struct mb_info, mmap_length) == 44, "mmap_length");
_Static_assert(__builtin_offsetof(struct mb_info, boot_loader_name) == 64, "loader");

struct mb_module {
    uint32_t mod_start;
    uint32_t mod_end; /* exclusive */
    uint32_t string;
    uint32_t reserved;
};
_Static_assert(sizeof(struct mb_module) == 16, "multiboot module layout");

/* One memory map entry; 'size' does not count itself (hence packed). */
struct __attribute__((packed)) mb_mmap_entry {
    uint32_t size;
    uint64_t addr;
    uint64_t len;
    uint32_t type; /* 1 = available RAM, others reserved (3 ACPI, 4 NVS, 5 bad) */
};
_Static_assert(sizeof(struct mb_mmap_entry) == 24, "multiboot mmap layout");

#define MB_MMAP_AVAILABLE 1u

#endif /* AXL_MULTIBOOT_H */
