/* SPDX-License-Identifier: MIT */
/*
 * arch/vtd_pt.h: Intel VT-d DMA-remapping tables in legacy mode (vtd_pt.c):
 * encoding of root and context entries, and the second-level tree of one
 * domain (39-bit AGAW, 3 levels, 4 KiB leaves only).
 *
 * Pure code: no register access, no allocation, no locking. As in seL4,
 * every table page comes from the caller (user space retypes it from
 * untyped memory and installs it one level at a time); these functions only
 * write entries. Memory is reached through the caller's phys_to_virt, so the
 * same code runs in the kernel (direct map) and in host tests (fake memory).
 *
 * What the hardware caches is the caller's business: after any change to a
 * present root, context or second-level entry, the context cache and/or the
 * IOTLB must be invalidated before the change can be relied on (VT-d §6.5;
 * QEMU keeps translating through stale entries until then). On hardware
 * whose ECAP.C is 0 (QEMU reports 0) the page walk does not snoop CPU
 * caches, so a kernel for real hardware must also flush written entries.
 *
 * Levels are numbered as in the VT-d spec and QEMU: 3 is the root table
 * of the tree (IOVA bits 38:30), 2 the page directory (29:21), 1 the leaf
 * table (20:12).
 */
#ifndef AXL_ARCH_VTD_PT_H
#define AXL_ARCH_VTD_PT_H

#include <types.h>

/* Results. Every function returns VTD_OK or one of these, never anything else. */
enum vtd_status {
    VTD_OK = 0,
    VTD_E_RANGE = -1,      /* iova >= 2^39 or not 4 KiB aligned */
    VTD_E_BAD_ADDR = -2,   /* a physical address not 4 KiB aligned or >= 2^39 */
    VTD_E_EXISTS = -3,     /* already mapped, or every table on the path already installed */
    VTD_E_NO_TABLE = -4,   /* a table on iova's path is missing; *missing_level_out says which */
    VTD_E_NOT_MAPPED = -5, /* nothing there (or, for table_remove, not that table) */
    VTD_E_BAD_PERM = -6,   /* no permission bit, or bits other than VTD_R | VTD_W */
    VTD_E_RESERVED = -7,   /* pa or iova inside the interrupt window 0xFEE00000-0xFEEFFFFF */
    VTD_E_BAD_LEVEL = -8,  /* a table level other than 1 or 2 */
};

/* Geometry: AW=1 in the context entry, the only width QEMU's default (aw-bits=39) accepts. */
#define VTD_AGAW_BITS 39
#define VTD_LEVELS 3
#define VTD_IOVA_LIMIT (1ull << VTD_AGAW_BITS)
/* Entries hold host addresses of up to the same width; QEMU faults higher address bits. */
#define VTD_PA_LIMIT (1ull << 39)
#define VTD_ADDR_MASK (VTD_PA_LIMIT - PAGE_SIZE) /* bits 38:12 */

/* Permissions: bit 0 Read, bit 1 Write, in second-level entries and in vtd_map's perm. */
#define VTD_R 1u
#define VTD_W 2u

/* The interrupt window: a leaf pointing into it faults (reason 0xE); an IOVA in it is an MSI. */
#define VTD_INTR_FIRST 0xfee00000ull
#define VTD_INTR_LAST 0xfeefffffull

/* --- root and context entries (16 bytes each, 256 per 4 KiB table) --- */

/* Index of a root entry's low qword in the root table viewed as uint64_t[512]: by bus. */
static inline unsigned vtd_root_slot(uint8_t bus) { return 2u * bus; }
/* Index of a context entry's low qword in a context table viewed as uint64_t[512]: by devfn. */
static inline unsigned vtd_context_slot(uint8_t devfn) { return 2u * devfn; }
/* devfn = device << 3 | function (device 0-31, function 0-7). */
static inline uint8_t vtd_devfn(unsigned dev, unsigned fn)
{
    return (uint8_t)((dev & 31) << 3 | (fn & 7));
}
/* The source-id a device's requests carry, and that fault records report: bus << 8 | devfn. */
static inline uint16_t vtd_sid(uint8_t bus, uint8_t devfn) { return (uint16_t)(bus << 8 | devfn); }

/*
 * A present root entry for a bus whose context table is at ctx_table_pa:
 * lo = ctx_table_pa | P, hi = 0. Returns VTD_E_BAD_ADDR (and writes
 * nothing) if ctx_table_pa is unaligned or >= 2^39. A not-present root
 * entry is all zero.
 */
int vtd_root_entry(uint64_t ctx_table_pa, uint64_t *lo, uint64_t *hi);

/*
 * A present context entry translating through the tree at slpt_root_pa for
 * domain domain_id: lo = slpt_root_pa | TT=0 (translate) | FPD=0 | P,
 * hi = domain_id << 8 | AW=1 (39-bit, 3-level). Returns VTD_E_BAD_ADDR
 * (and writes nothing) if slpt_root_pa is unaligned or >= 2^39. A blocking
 * entry (the device's DMA faults with reason 2) is all zero. Domain id 0 is
 * legal here but reserved when CAP.CM=1, so callers should avoid it.
 */
int vtd_context_entry(uint64_t slpt_root_pa, uint16_t domain_id, uint64_t *lo, uint64_t *hi);

/*
 * Writes a 16-byte root or context entry at e (e[0] low, e[1] high) so
 * that the hardware never reads a present entry with a stale high half:
 * the low qword (with P) is cleared first and written last. A present
 * entry is thus briefly not present (DMA in that window faults). Use
 * lo = hi = 0 to block. The caller invalidates the context cache after.
 */
void vtd_entry128_write(uint64_t *e, uint64_t lo, uint64_t hi);

/* --- the second-level tree of one domain --- */

struct vtd_space {
    uint64_t root_pa;                     /* the level-3 table: the context entry's SLPTPTR */
    void *(*p2v)(void *ctx, uint64_t pa); /* where the caller can read/write a table page */
    void *ctx;                            /* passed to p2v */
};

/*
 * Installs the table page at table_pa at the first level missing on iova's
 * path: as a level-2 table (referenced from the root) if the root's entry
 * is empty, else as a level-1 table. The page must be zeroed and installed
 * nowhere else (the caller's capability bookkeeping ensures both); it is
 * not written here. Its parent entry gets R|W, because the hardware checks
 * permissions at every level. On success *level_out (if not NULL) is the
 * level of the new table.
 * Errors: VTD_E_RANGE (iova), VTD_E_BAD_ADDR (table_pa), VTD_E_EXISTS
 * (both levels present). Needs no invalidation: not-present entries are
 * not cached (CAP.CM=0).
 */
int vtd_table_install(struct vtd_space *s, uint64_t iova, uint64_t table_pa, unsigned *level_out);

/*
 * Maps the 4 KiB frame at pa at iova with perm (VTD_R, VTD_W or both).
 * Never overwrites: an existing mapping is VTD_E_EXISTS (unmap it first).
 * Errors, checked in this order: VTD_E_RANGE (iova), VTD_E_BAD_PERM,
 * VTD_E_BAD_ADDR (pa), VTD_E_RESERVED (pa or iova in the interrupt
 * window), VTD_E_NO_TABLE with *missing_level_out (if not NULL) = 2 or 1,
 * the level of the table to install next, VTD_E_EXISTS.
 * Needs no invalidation (CAP.CM=0: a not-present entry is never cached).
 */
int vtd_map(struct vtd_space *s, uint64_t iova, uint64_t pa, unsigned perm,
            unsigned *missing_level_out);

/*
 * Removes the mapping at iova; *pa_out (if not NULL) gets the frame it
 * pointed to. Errors: VTD_E_RANGE, VTD_E_NOT_MAPPED (no table or no leaf).
 * The CALLER must invalidate the IOTLB for (domain, iova) (page-selective,
 * domain or global) and wait for completion before the frame is reused:
 * until then the device may keep reaching it through a cached translation.
 */
int vtd_unmap(struct vtd_space *s, uint64_t iova, uint64_t *pa_out);

/*
 * Looks iova up: *pa (the frame) and *perm (VTD_R|VTD_W as granted along
 * the whole path), either may be NULL. Errors: VTD_E_RANGE, VTD_E_NOT_MAPPED.
 * Reads the tables only; says nothing about what the IOTLB still holds.
 */
int vtd_lookup(const struct vtd_space *s, uint64_t iova, uint64_t *pa, unsigned *perm);

/*
 * Detaches the table at table_pa that was installed at (iova, level), level
 * 2 or 1, if the entry on iova's path still points to it, and clears the
 * table so that it can be installed again empty; the mappings below it are
 * gone. Errors: VTD_E_RANGE, VTD_E_BAD_LEVEL, VTD_E_BAD_ADDR,
 * VTD_E_NOT_MAPPED (the path is missing or the entry points elsewhere;
 * nothing changed). The CALLER must invalidate the IOTLB for the domain
 * (or globally) before the page is reused.
 */
int vtd_table_remove(struct vtd_space *s, uint64_t iova, unsigned level, uint64_t table_pa);

#endif /* AXL_ARCH_VTD_PT_H */
