/* SPDX-License-Identifier: MIT */
/*
 * vtd_pt.c: VT-d legacy-mode entries and second-level page tables (VT-d
 * spec §9.1-9.3, §9.8). See arch/vtd_pt.h for the contract.
 *
 * Pure: depends on types.h only, touches memory only through the space's
 * p2v, and never allocates. The IOMMU reads these tables while we write
 * them, so every entry is written with one 64-bit store (entry_set), and a
 * table is linked into the tree only once it is complete (zeroed by its
 * creator). Second-level entries carry R (bit 0), W (bit 1) and address
 * bits 38:12 only: never SNP (bit 11, reserved without ECAP.SC), TM (bit
 * 62, reserved without device-TLB support) or PS (bit 7, superpages).
 */
#include <arch/vtd_pt.h>

#define ENTRIES 512
#define PERM_MASK ((uint64_t)(VTD_R | VTD_W))

/* Root and context entries (VT-d §9.1, §9.3). */
#define RE_P 1ull
#define CE_P 1ull
#define CE_AW_39 1ull /* AW=1: 39-bit AGAW, 3-level table */
#define CE_DID_SHIFT 8

/* Compiler barrier: stores before it are emitted before stores after it (x86 keeps the order). */
static inline void barrier(void) { __asm__ volatile("" ::: "memory"); }

static inline uint64_t entry_get(const uint64_t *e) { return *(const volatile uint64_t *)e; }

static inline void entry_set(uint64_t *e, uint64_t v)
{
    barrier(); /* whatever the entry points to is written first */
    *(volatile uint64_t *)e = v;
}

static bool pa_ok(uint64_t pa) { return (pa & (PAGE_SIZE - 1)) == 0 && pa < VTD_PA_LIMIT; }
static bool iova_ok(uint64_t iova)
{
    return (iova & (PAGE_SIZE - 1)) == 0 && iova < VTD_IOVA_LIMIT;
}
static bool in_intr_window(uint64_t a) { return a >= VTD_INTR_FIRST && a <= VTD_INTR_LAST; }

/* Index of iova in a table of the given level: bits 20:12, 29:21 or 38:30. */
static unsigned idx(uint64_t iova, unsigned level)
{
    return (unsigned)(iova >> (PAGE_SHIFT + 9 * (level - 1))) & (ENTRIES - 1);
}

/* Second-level entries have no P bit: an entry at any level is present if it grants R or W. */
static bool present(uint64_t e) { return (e & PERM_MASK) != 0; }

static uint64_t *table(const struct vtd_space *s, uint64_t pa) { return s->p2v(s->ctx, pa); }

int vtd_root_entry(uint64_t ctx_table_pa, uint64_t *lo, uint64_t *hi)
{
    if (!pa_ok(ctx_table_pa)) {
        return VTD_E_BAD_ADDR;
    }
    *lo = ctx_table_pa | RE_P;
    *hi = 0; /* legacy mode: the high qword is reserved */
    return VTD_OK;
}

int vtd_context_entry(uint64_t slpt_root_pa, uint16_t domain_id, uint64_t *lo, uint64_t *hi)
{
    if (!pa_ok(slpt_root_pa)) {
        return VTD_E_BAD_ADDR;
    }
    *lo = slpt_root_pa | CE_P; /* TT (bits 3:2) = 0 translate, FPD (bit 1) = 0 report faults */
    *hi = (uint64_t)domain_id << CE_DID_SHIFT | CE_AW_39;
    return VTD_OK;
}

void vtd_entry128_write(uint64_t *e, uint64_t lo, uint64_t hi)
{
    entry_set(&e[0], 0);
    entry_set(&e[1], hi);
    entry_set(&e[0], lo);
}

/*
 * The entry for iova in the table of the given level (3 = root), or NULL
 * if a table above it is missing; *missing (if not NULL) then gets the
 * level of the first missing table.
 */
static uint64_t *walk(const struct vtd_space *s, uint64_t iova, unsigned level, unsigned *missing)
{
    uint64_t *t = table(s, s->root_pa);
    for (unsigned l = VTD_LEVELS; l > level; l--) {
        uint64_t e = entry_get(&t[idx(iova, l)]);
        if (!present(e)) {
            if (missing) {
                *missing = l - 1;
            }
            return NULL;
        }
        t = table(s, e & VTD_ADDR_MASK);
    }
    return &t[idx(iova, level)];
}

int vtd_table_install(struct vtd_space *s, uint64_t iova, uint64_t table_pa, unsigned *level_out)
{
    if (!iova_ok(iova)) {
        return VTD_E_RANGE;
    }
    if (!pa_ok(table_pa)) {
        return VTD_E_BAD_ADDR;
    }
    unsigned missing = 0;
    if (walk(s, iova, 1, &missing)) {
        return VTD_E_EXISTS;
    }
    /* The parent of the missing table exists: it is the table one level up. */
    uint64_t *parent = walk(s, iova, missing + 1, NULL);
    entry_set(parent, table_pa | PERM_MASK);
    if (level_out) {
        *level_out = missing;
    }
    return VTD_OK;
}

int vtd_map(struct vtd_space *s, uint64_t iova, uint64_t pa, unsigned perm,
            unsigned *missing_level_out)
{
    if (!iova_ok(iova)) {
        return VTD_E_RANGE;
    }
    if (perm == 0 || (perm & ~PERM_MASK) != 0) {
        return VTD_E_BAD_PERM;
    }
    if (!pa_ok(pa)) {
        return VTD_E_BAD_ADDR;
    }
    /* A leaf into the window faults (reason 0xE); a device's access to an iova in it is an MSI. */
    if (in_intr_window(pa) || in_intr_window(iova)) {
        return VTD_E_RESERVED;
    }
    uint64_t *e = walk(s, iova, 1, missing_level_out);
    if (!e) {
        return VTD_E_NO_TABLE;
    }
    if (present(entry_get(e))) {
        return VTD_E_EXISTS;
    }
    entry_set(e, pa | perm);
    return VTD_OK;
}

int vtd_unmap(struct vtd_space *s, uint64_t iova, uint64_t *pa_out)
{
    if (!iova_ok(iova)) {
        return VTD_E_RANGE;
    }
    uint64_t *e = walk(s, iova, 1, NULL);
    uint64_t old = e ? entry_get(e) : 0;
    if (!present(old)) {
        return VTD_E_NOT_MAPPED;
    }
    entry_set(e, 0);
    if (pa_out) {
        *pa_out = old & VTD_ADDR_MASK;
    }
    return VTD_OK;
}

int vtd_lookup(const struct vtd_space *s, uint64_t iova, uint64_t *pa, unsigned *perm)
{
    if (!iova_ok(iova)) {
        return VTD_E_RANGE;
    }
    /* Walked by hand rather than with walk(): the granted permission is the AND of all levels. */
    uint64_t granted = PERM_MASK, e;
    const uint64_t *t = table(s, s->root_pa);
    for (unsigned l = VTD_LEVELS;; l--) {
        e = entry_get(&t[idx(iova, l)]);
        granted &= e;
        if (!present(e)) {
            return VTD_E_NOT_MAPPED;
        }
        if (l == 1) {
            break; /* e is the leaf: its address is the frame, not a table */
        }
        t = table(s, e & VTD_ADDR_MASK);
    }
    if ((granted & PERM_MASK) == 0) {
        return VTD_E_NOT_MAPPED; /* present entries that together grant nothing */
    }
    if (pa) {
        *pa = e & VTD_ADDR_MASK;
    }
    if (perm) {
        *perm = (unsigned)(granted & PERM_MASK);
    }
    return VTD_OK;
}

int vtd_table_remove(struct vtd_space *s, uint64_t iova, unsigned level, uint64_t table_pa)
{
    if (!iova_ok(iova)) {
        return VTD_E_RANGE;
    }
    if (level < 1 || level >= VTD_LEVELS) {
        return VTD_E_BAD_LEVEL;
    }
    if (!pa_ok(table_pa)) {
        return VTD_E_BAD_ADDR;
    }
    /* The table of that level hangs from an entry of the table one level up. */
    uint64_t *e = walk(s, iova, level + 1, NULL);
    uint64_t old = e ? entry_get(e) : 0;
    if (!present(old) || (old & VTD_ADDR_MASK) != table_pa) {
        return VTD_E_NOT_MAPPED;
    }
    entry_set(e, 0);
    /* Detached first, so that the walk never sees a half-cleared table that is still linked. */
    uint64_t *t = table(s, table_pa);
    for (unsigned i = 0; i < ENTRIES; i++) {
        entry_set(&t[i], 0);
    }
    return VTD_OK;
}
