/* SPDX-License-Identifier: MIT */
/*
 * boot.h: what the kernel learned from its boot loader (core/multiboot.c).
 *
 * The Multiboot info is validated once and copied into a struct boot_info,
 * strings included, so nothing after boot reads loader memory again and
 * that memory need not stay reserved. Every problem found becomes a log
 * message. Fatal (enum boot_error): a wrong magic, an unreadable info
 * structure, and no usable RAM; everything else is a warning.
 */
#ifndef AXL_BOOT_H
#define AXL_BOOT_H

#include "types.h"

#define BOOT_MAX_REGIONS 64
#define BOOT_MAX_MODULES 16
#define BOOT_STRPOOL_SIZE 4096
#define BOOT_MAX_STRING 1024 /* longest loader string we copy */

enum boot_region_type { BOOT_MEM_AVAILABLE = 1, BOOT_MEM_RESERVED = 2 };

struct boot_region {
    paddr_t base;
    uint64_t len;
    uint32_t type; /* multiboot type: 1 available, anything else reserved */
};

struct boot_module {
    paddr_t start;
    paddr_t end;      /* exclusive */
    const char *name; /* basename of the first word of the module string */
    const char *args; /* the rest of the string, "" if none */
};

struct boot_info {
    const char *cmdline; /* full command line, "" if none */
    const char *loader;  /* boot loader name, "unknown" if none */
    struct boot_region regions[BOOT_MAX_REGIONS];
    unsigned nregions;
    struct boot_module modules[BOOT_MAX_MODULES];
    unsigned nmodules;
    uint64_t usable_bytes; /* sum of available regions */
    paddr_t mem_top;       /* end of the highest available region */
    paddr_t kernel_start, kernel_end;
    paddr_t reserved_end; /* kernel and accepted modules end below this */
    char strpool[BOOT_STRPOOL_SIZE];
    size_t strpool_used;
};

/*
 * How the parser reads physical memory: returns a pointer through which
 * len bytes at phys can be read, or NULL if they are not readable. The
 * kernel maps through its direct map; unit tests use a fake memory.
 */
struct phys_reader {
    const void *(*map)(void *ctx, paddr_t phys, uint64_t len);
    void *ctx;
};

/* Receives every message the parser produces (one line each, no newline). */
typedef void (*boot_log_fn)(int level, const char *msg);

enum boot_error {
    BOOT_OK = 0,
    BOOT_E_MAGIC = -1,  /* not started by a Multiboot loader */
    BOOT_E_NOINFO = -2, /* the info structure itself is unreadable */
    BOOT_E_NOMEM = -3,  /* neither a memory map nor a memory size */
};

/*
 * Validates the Multiboot info at mbi and fills *bi. kernel_start/end is
 * the kernel's physical extent: modules overlapping it are refused.
 * Returns BOOT_OK (possibly after warnings) or a boot_error, having
 * logged one clear message saying why.
 */
int boot_parse_multiboot(const struct phys_reader *rd, uint32_t magic, paddr_t mbi,
                         paddr_t kernel_start, paddr_t kernel_end, struct boot_info *bi,
                         boot_log_fn log);

/* True if [base, end) is covered by available regions (adjacent ones may share it). */
bool boot_range_is_ram(const struct boot_info *bi, paddr_t base, paddr_t end);

#define PMM_NONE_ADDR UINT64_MAX

/*
 * Finds size bytes (rounded up to pages) of available RAM at or above
 * 1 MiB and below limit that overlap neither the kernel nor a module.
 * Returns the page-aligned base, or PMM_NONE_ADDR if there is none.
 */
paddr_t boot_find_free(const struct boot_info *bi, uint64_t size, paddr_t limit);

/* Whether [pa, pa + len) lies inside one region the boot loader called available RAM. */
bool boot_is_ram(paddr_t pa, uint64_t len);

#endif /* AXL_BOOT_H */
