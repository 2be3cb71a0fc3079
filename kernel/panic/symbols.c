/* SPDX-License-Identifier: MIT */
/*
 * symbols.c: address -> "function+offset" for panic reports.
 *
 * The table (struct ksym_table, symbols.h) comes from ksyms.S, generated
 * from the first link pass by tools/scons/ksyms.py. The search trusts
 * nothing about the table beyond its declared bounds, so a damaged table
 * yields "?" rather than a fault on the panic path.
 */
#include <symbols.h>

/* Provided by the generated ksyms.S (an empty table in link pass 1). */
extern const uint64_t ksyms_count;
extern const struct ksym ksyms_syms[];
extern const char ksyms_names[];
extern const uint64_t ksyms_names_len;

const char *ksym_find(const struct ksym_table *t, uint64_t addr, uint64_t *offset)
{
    if (!t || t->count == 0 || !t->syms || !t->names || addr < t->syms[0].addr) {
        return NULL;
    }
    /* Binary search for the last symbol with sym.addr <= addr. */
    uint64_t lo = 0, hi = t->count;
    while (hi - lo > 1) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (t->syms[mid].addr <= addr) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    const struct ksym *s = &t->syms[lo];
    if (s->size != 0 && addr - s->addr >= s->size) {
        return NULL; /* in a gap between functions */
    }
    if (s->name_off >= t->names_len) {
        return NULL;
    }
    *offset = addr - s->addr;
    return t->names + s->name_off;
}

#ifndef AXL_HOST_TEST
const struct ksym_table *ksym_kernel_table(void)
{
    static struct ksym_table table;

    table.count = ksyms_count;
    table.syms = ksyms_syms;
    table.names = ksyms_names;
    table.names_len = ksyms_names_len;
    return &table;
}
#endif
