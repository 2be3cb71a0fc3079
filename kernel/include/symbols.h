/* SPDX-License-Identifier: MIT */
/*
 * symbols.h: the kernel's own symbol table, for symbolized panic reports.
 *
 * The table is generated at build time from the linked kernel (a two-pass
 * link: see tools/scons/ksyms.py) and placed in the .ksyms section after
 * .bss, so its size cannot move any other symbol. Lookups are read-only
 * and lock-free: safe on the panic path.
 */
#ifndef AXL_SYMBOLS_H
#define AXL_SYMBOLS_H

#include "types.h"

struct ksym {
    uint64_t addr;     /* start address */
    uint32_t size;     /* size in bytes; 0 if unknown */
    uint32_t name_off; /* offset of the NUL-terminated name in names[] */
};

struct ksym_table {
    uint64_t count;
    const struct ksym *syms; /* sorted by addr, ascending */
    const char *names;
    uint64_t names_len;
};

/*
 * Finds the symbol containing addr. Returns its name and sets *offset, or
 * returns NULL when addr is before the first symbol, past a sized symbol's
 * end, or the table is empty or malformed.
 */
const char *ksym_find(const struct ksym_table *t, uint64_t addr, uint64_t *offset);

/* The kernel's own table (empty in the first link pass). */
const struct ksym_table *ksym_kernel_table(void);

#endif /* AXL_SYMBOLS_H */
