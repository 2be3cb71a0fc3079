/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for kernel/arch/x86_64/vtd_pt.c: VT-d root/context entry
 * encoding and the second-level tables of a domain, checked bit by bit and
 * through vtd_model.c, a model of QEMU 7.2's VT-d that reads the tables
 * the code writes. The model keeps QEMU's caches, so the tests also show
 * what the code's users must invalidate, and in which order.
 *
 * The domain of every test is the reference's: device 00:03.0 (devfn
 * 0x18) on bus 0, domain id 42, a 3-level tree. Frames are addresses the
 * model never dereferences, so they may lie beyond its fake memory.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <arch/vtd_pt.h>

#include "vtd_model.h"

#define MEM (4u << 20)
#define SID 0x0018 /* 00:03.0 */
#define DID 42
#define GIB (1ull << 30)
#define FRAME(n) (0x40000000ull + ((uint64_t)(n) << 12)) /* 1 GiB up: outside fake memory */

/* Independent of vtd_pt.c: the table indices of an iova (VT-d §9.8, AW=1). */
#define I3(iova) (((iova) >> 30) & 511)
#define I2(iova) (((iova) >> 21) & 511)
#define I1(iova) (((iova) >> 12) & 511)

struct fx {
    struct model *m;
    uint64_t root, ctx;  /* the root table, and bus 0's context table */
    struct vtd_space sp; /* domain 42 */
};

static uint64_t *tab(struct fx *f, uint64_t pa) { return model_p2v(f->m, pa); }

static void set_context(struct fx *f, uint8_t devfn, uint64_t slpt_root, uint16_t did)
{
    uint64_t lo = 0, hi = 0;
    assert_int_equal(vtd_context_entry(slpt_root, did, &lo, &hi), VTD_OK);
    vtd_entry128_write(&tab(f, f->ctx)[vtd_context_slot(devfn)], lo, hi);
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof(*f));
    f->m = model_new(MEM);
    f->root = model_alloc_page(f->m);
    f->ctx = model_alloc_page(f->m);
    f->sp = (struct vtd_space){.root_pa = model_alloc_page(f->m), .p2v = model_p2v, .ctx = f->m};
    uint64_t lo = 0, hi = 0;
    if (vtd_root_entry(f->ctx, &lo, &hi) != VTD_OK) {
        return -1;
    }
    vtd_entry128_write(&tab(f, f->root)[vtd_root_slot(0)], lo, hi);
    set_context(f, 0x18, f->sp.root_pa, DID);
    model_set_root(f->m, f->root);
    model_enable(f->m, true);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    model_free(f->m);
    free(f);
    return 0;
}

/* Maps iova, installing fresh tables where vtd_map says one is missing. */
static void map_with_tables(struct fx *f, struct vtd_space *sp, uint64_t iova, uint64_t pa,
                            unsigned perm)
{
    unsigned missing = 0, level = 0;
    int rc;
    while ((rc = vtd_map(sp, iova, pa, perm, &missing)) == VTD_E_NO_TABLE) {
        assert_int_equal(vtd_table_install(sp, iova, model_alloc_page(f->m), &level), VTD_OK);
        assert_int_equal(level, missing);
    }
    assert_int_equal(rc, VTD_OK);
}

static void expect_pa(struct fx *f, uint16_t sid, uint64_t iova, bool write, uint64_t want)
{
    uint64_t pa = 0;
    assert_int_equal(model_translate(f->m, sid, iova, write, &pa), MODEL_OK);
    assert_int_equal(pa, want);
}

/* A DMA that must fault with this reason, recorded with the right fields; then re-arms. */
static void expect_fault(struct fx *f, uint16_t sid, uint64_t iova, bool write, unsigned reason)
{
    uint64_t pa = 0x5a5a;
    assert_int_equal(f->m->frcd_hi & MODEL_FRCD_F, 0);
    assert_int_equal(model_translate(f->m, sid, iova, write, &pa), reason);
    assert_int_equal(pa, 0x5a5a);
    assert_true(f->m->frcd_hi & MODEL_FRCD_F);
    assert_int_equal(model_frcd_reason(f->m->frcd_hi), reason);
    assert_int_equal(model_frcd_sid(f->m->frcd_hi), sid);
    assert_int_equal(!!(f->m->frcd_hi & MODEL_FRCD_T), !write);
    assert_int_equal(f->m->frcd_lo, iova & ~0xfffull);
    model_clear_frcd(f->m);
}

/* --- encodings --- */

static void test_vtd_root_entry_bits(void **state)
{
    (void)state;
    uint64_t lo = 1, hi = 1;
    assert_int_equal(vtd_root_entry(0x7fffffe000ull, &lo, &hi), VTD_OK);
    assert_int_equal(lo & 1, 1);                       /* P */
    assert_int_equal(lo & 0xffe, 0);                   /* bits 11:1 reserved */
    assert_int_equal(lo & ~0xfffull, 0x7fffffe000ull); /* context-table pointer */
    assert_int_equal(lo >> 39, 0);                     /* above the address width */
    assert_int_equal(hi, 0);                           /* legacy mode: reserved */
    assert_int_equal(lo, 0x7fffffe001ull);

    lo = hi = 0x1234;
    assert_int_equal(vtd_root_entry(0x123800, &lo, &hi), VTD_E_BAD_ADDR);   /* unaligned */
    assert_int_equal(vtd_root_entry(1ull << 39, &lo, &hi), VTD_E_BAD_ADDR); /* too high */
    assert_int_equal(lo, 0x1234);                                           /* untouched */
    assert_int_equal(hi, 0x1234);
}

static void test_vtd_context_entry_bits(void **state)
{
    (void)state;
    uint64_t lo = 0, hi = 0;
    assert_int_equal(vtd_context_entry(0x456000, DID, &lo, &hi), VTD_OK);
    assert_int_equal(lo & 1, 1);                /* P */
    assert_int_equal((lo >> 1) & 1, 0);         /* FPD: faults are reported */
    assert_int_equal((lo >> 2) & 3, 0);         /* TT = 0: second-level translation */
    assert_int_equal(lo & 0xff0, 0);            /* bits 11:4 reserved */
    assert_int_equal(lo & ~0xfffull, 0x456000); /* second-level table pointer */
    assert_int_equal(hi & 7, 1);                /* AW = 1: 39 bits, 3 levels */
    assert_int_equal((hi >> 3) & 0x1f, 0);      /* bit 7 reserved, 6:3 unused */
    assert_int_equal((hi >> 8) & 0xffff, DID);  /* DID in bits 23:8 */
    assert_int_equal(hi >> 24, 0);              /* bits 63:24 reserved */
    assert_int_equal(lo, 0x456001);
    assert_int_equal(hi, 0x2a01);

    assert_int_equal(vtd_context_entry(0x7ffffff000ull, 0xffff, &lo, &hi), VTD_OK);
    assert_int_equal(lo, 0x7ffffff001ull);
    assert_int_equal(hi, 0xffff01);

    assert_int_equal(vtd_context_entry(0x456008, DID, &lo, &hi), VTD_E_BAD_ADDR);
    assert_int_equal(vtd_context_entry(1ull << 40, DID, &lo, &hi), VTD_E_BAD_ADDR);
    assert_int_equal(lo, 0x7ffffff001ull); /* untouched */
}

static void test_vtd_index_helpers_and_entry128(void **state)
{
    (void)state;
    assert_int_equal(vtd_devfn(3, 0), 0x18);
    assert_int_equal(vtd_devfn(31, 7), 0xff);
    assert_int_equal(vtd_sid(0, 0x18), 0x0018);
    assert_int_equal(vtd_sid(0xff, 0x07), 0xff07);
    assert_int_equal(vtd_root_slot(0), 0);
    assert_int_equal(vtd_root_slot(255), 510); /* 16-byte entries: the last one */
    assert_int_equal(vtd_context_slot(0x18), 0x30);

    uint64_t e[2] = {0, 0};
    vtd_entry128_write(e, 0x456001, 0x2a01);
    assert_int_equal(e[0], 0x456001);
    assert_int_equal(e[1], 0x2a01);
    vtd_entry128_write(e, 0, 0); /* blocking */
    assert_int_equal(e[0], 0);
    assert_int_equal(e[1], 0);
}

/* --- building a domain --- */

static void test_vtd_install_builds_levels_in_order(void **state)
{
    struct fx *f = *state;
    const uint64_t iova = 0x100000;
    unsigned missing = 9, level = 9;

    assert_int_equal(vtd_map(&f->sp, iova, FRAME(0), VTD_R, &missing), VTD_E_NO_TABLE);
    assert_int_equal(missing, 2);
    uint64_t l2 = model_alloc_page(f->m);
    assert_int_equal(vtd_table_install(&f->sp, iova, l2, &level), VTD_OK);
    assert_int_equal(level, 2);
    assert_int_equal(tab(f, f->sp.root_pa)[I3(iova)], l2 | 3); /* R|W on the way down */

    assert_int_equal(vtd_map(&f->sp, iova, FRAME(0), VTD_R, &missing), VTD_E_NO_TABLE);
    assert_int_equal(missing, 1);
    uint64_t l1 = model_alloc_page(f->m);
    assert_int_equal(vtd_table_install(&f->sp, iova, l1, &level), VTD_OK);
    assert_int_equal(level, 1);
    assert_int_equal(tab(f, l2)[I2(iova)], l1 | 3);

    level = 9;
    assert_int_equal(vtd_table_install(&f->sp, iova, model_alloc_page(f->m), &level), VTD_E_EXISTS);
    assert_int_equal(level, 9);
    /* Another iova under the same leaf table: complete too. */
    assert_int_equal(vtd_table_install(&f->sp, 0x1ff000, model_alloc_page(f->m), NULL),
                     VTD_E_EXISTS);
    /* Errors leave the tree alone. */
    assert_int_equal(vtd_table_install(&f->sp, 0x40000000, 0x123800, NULL), VTD_E_BAD_ADDR);
    assert_int_equal(vtd_table_install(&f->sp, 0x40000000, 1ull << 39, NULL), VTD_E_BAD_ADDR);
    assert_int_equal(vtd_table_install(&f->sp, 0x40000800, l1, NULL), VTD_E_RANGE);
    assert_int_equal(tab(f, f->sp.root_pa)[I3(0x40000000)], 0);

    assert_int_equal(vtd_map(&f->sp, iova, FRAME(0), VTD_R, &missing), VTD_OK);
    assert_int_equal(tab(f, l1)[I1(iova)], FRAME(0) | 1);
}

static void test_vtd_map_r_w_rw_and_translate(void **state)
{
    struct fx *f = *state;
    map_with_tables(f, &f->sp, 0x100000, FRAME(1), VTD_R | VTD_W);
    map_with_tables(f, &f->sp, 0x101000, FRAME(2), VTD_R);
    map_with_tables(f, &f->sp, 0x102000, FRAME(3), VTD_W);

    /* The leaf entries, bit by bit: address | R | W, never SNP (11), PS (7) or TM (62). */
    uint64_t l2 = tab(f, f->sp.root_pa)[I3(0x100000)] & ~0xfffull;
    uint64_t *l1 = tab(f, tab(f, l2)[I2(0x100000)] & ~0xfffull);
    assert_int_equal(l1[I1(0x100000)], FRAME(1) | 3);
    assert_int_equal(l1[I1(0x101000)], FRAME(2) | 1);
    assert_int_equal(l1[I1(0x102000)], FRAME(3) | 2);

    uint64_t pa = 0;
    unsigned perm = 0;
    assert_int_equal(vtd_lookup(&f->sp, 0x101000, &pa, &perm), VTD_OK);
    assert_int_equal(pa, FRAME(2));
    assert_int_equal(perm, VTD_R);
    assert_int_equal(vtd_lookup(&f->sp, 0x102000, &pa, &perm), VTD_OK);
    assert_int_equal(perm, VTD_W);
    assert_int_equal(vtd_lookup(&f->sp, 0x100000, NULL, NULL), VTD_OK);

    /* The wrong direction first, while nothing is cached: a recorded fault. */
    expect_fault(f, SID, 0x101000, true, 5);
    expect_fault(f, SID, 0x102000, false, 6);
    /* Exactly the reference's record for a write to the read-only page (§5.6). */
    assert_int_equal(model_translate(f->m, SID, 0x101abc, true, NULL), 5);
    assert_int_equal(f->m->frcd_hi, 0x80ffff0500000018ull);
    assert_int_equal(f->m->frcd_lo, 0x101000);
    assert_int_equal(f->m->fsts, MODEL_FSTS_PPF);
    model_clear_frcd(f->m);

    expect_pa(f, SID, 0x100000, false, FRAME(1));
    expect_pa(f, SID, 0x100ff8, true, FRAME(1) + 0xff8);
    expect_pa(f, SID, 0x101123, false, FRAME(2) + 0x123);
    expect_pa(f, SID, 0x102010, true, FRAME(3) + 0x10);
    unsigned walks = f->m->walks, hits = f->m->iotlb_hits;
    expect_pa(f, SID, 0x100800, true, FRAME(1) + 0x800); /* from the IOTLB, no walk */
    assert_int_equal(f->m->walks, walks);
    assert_int_equal(f->m->iotlb_hits, hits + 1);

    /* Now cached with their permissions: QEMU refuses the wrong direction without a record. */
    assert_int_equal(model_translate(f->m, SID, 0x101000, true, NULL), MODEL_DENIED_CACHED);
    assert_int_equal(model_translate(f->m, SID, 0x102000, false, NULL), MODEL_DENIED_CACHED);
    assert_int_equal(f->m->frcd_hi & MODEL_FRCD_F, 0);
    model_inv_iotlb_page(f->m, DID, 0x101000);
    expect_fault(f, SID, 0x101000, true, 5);
}

/* vtd_lookup reports what the whole path grants, as the hardware checks it at every level. */
static void test_vtd_lookup_ands_permissions_along_the_path(void **state)
{
    struct fx *f = *state;
    map_with_tables(f, &f->sp, 0x100000, FRAME(1), VTD_R | VTD_W);
    uint64_t l2 = tab(f, f->sp.root_pa)[I3(0x100000)] & ~0xfffull;
    tab(f, l2)[I2(0x100000)] &= ~2ull; /* by hand: a directory entry without W */
    unsigned perm = 0;
    assert_int_equal(vtd_lookup(&f->sp, 0x100000, NULL, &perm), VTD_OK);
    assert_int_equal(perm, VTD_R);
    expect_fault(f, SID, 0x100000, true, 5);
    tab(f, f->sp.root_pa)[I3(0x100000)] &= ~1ull; /* and a root entry without R */
    assert_int_equal(vtd_lookup(&f->sp, 0x100000, NULL, &perm), VTD_E_NOT_MAPPED);
    expect_fault(f, SID, 0x100000, false, 6);
}

static void test_vtd_unmapped_iova_faults(void **state)
{
    struct fx *f = *state;
    map_with_tables(f, &f->sp, 0x100000, FRAME(1), VTD_R | VTD_W);
    /* Leaf table present, leaf empty. */
    assert_int_equal(vtd_lookup(&f->sp, 0x103000, NULL, NULL), VTD_E_NOT_MAPPED);
    expect_fault(f, SID, 0x103000, false, 6);
    expect_fault(f, SID, 0x103008, true, 5);
    /* No leaf table (level 2 entry empty), no level-2 table (root entry empty). */
    assert_int_equal(vtd_lookup(&f->sp, 0x200000, NULL, NULL), VTD_E_NOT_MAPPED);
    expect_fault(f, SID, 0x200000, false, 6);
    assert_int_equal(vtd_lookup(&f->sp, 5 * GIB, NULL, NULL), VTD_E_NOT_MAPPED);
    expect_fault(f, SID, 5 * GIB + 0x40, true, 5);
    /* Faults are not cached: the same request walks and faults again. */
    unsigned walks = f->m->walks;
    expect_fault(f, SID, 0x103000, false, 6);
    assert_int_equal(f->m->walks, walks + 1);
    assert_int_equal(model_iotlb_count(f->m), 0);
}

static void test_vtd_iova_beyond_agaw(void **state)
{
    struct fx *f = *state;
    const uint64_t top = (1ull << 39) - 4096;
    unsigned missing = 0;
    assert_int_equal(vtd_map(&f->sp, 1ull << 39, FRAME(0), VTD_R, &missing), VTD_E_RANGE);
    assert_int_equal(vtd_map(&f->sp, ~0xfffull, FRAME(0), VTD_R, &missing), VTD_E_RANGE);
    assert_int_equal(vtd_map(&f->sp, 0x100800, FRAME(0), VTD_R, &missing), VTD_E_RANGE);
    assert_int_equal(vtd_table_install(&f->sp, 1ull << 39, model_alloc_page(f->m), NULL),
                     VTD_E_RANGE);
    assert_int_equal(vtd_lookup(&f->sp, 1ull << 39, NULL, NULL), VTD_E_RANGE);
    assert_int_equal(vtd_unmap(&f->sp, 1ull << 39, NULL), VTD_E_RANGE);
    expect_fault(f, SID, 1ull << 39, false, 4);
    expect_fault(f, SID, (1ull << 45) + 0x123, true, 4);

    /* The last page below 2^39 is fine, and lands in the last slot of every level. */
    map_with_tables(f, &f->sp, top, FRAME(7), VTD_R);
    assert_int_equal(I3(top), 511);
    assert_int_equal(I2(top), 511);
    assert_int_equal(I1(top), 511);
    expect_pa(f, SID, top + 0xfff, false, FRAME(7) + 0xfff);
}

static void test_vtd_map_argument_errors(void **state)
{
    struct fx *f = *state;
    map_with_tables(f, &f->sp, 0x100000, FRAME(1), VTD_R);
    const uint64_t iova = 0x101000;
    assert_int_equal(vtd_map(&f->sp, iova, FRAME(2), 0, NULL), VTD_E_BAD_PERM);
    assert_int_equal(vtd_map(&f->sp, iova, FRAME(2), 4, NULL), VTD_E_BAD_PERM);
    assert_int_equal(vtd_map(&f->sp, iova, FRAME(2), VTD_R | 8, NULL), VTD_E_BAD_PERM);
    assert_int_equal(vtd_map(&f->sp, iova, FRAME(2) + 0x10, VTD_R, NULL), VTD_E_BAD_ADDR);
    assert_int_equal(vtd_map(&f->sp, iova, 1ull << 39, VTD_R, NULL), VTD_E_BAD_ADDR);
    assert_int_equal(vtd_lookup(&f->sp, iova, NULL, NULL), VTD_E_NOT_MAPPED);

    /* No silent overwrite: the first mapping stays, entry and all. */
    assert_int_equal(vtd_map(&f->sp, 0x100000, FRAME(9), VTD_R | VTD_W, NULL), VTD_E_EXISTS);
    uint64_t pa = 0;
    unsigned perm = 0;
    assert_int_equal(vtd_lookup(&f->sp, 0x100000, &pa, &perm), VTD_OK);
    assert_int_equal(pa, FRAME(1));
    assert_int_equal(perm, VTD_R);
    expect_pa(f, SID, 0x100000, false, FRAME(1));
    assert_int_equal(model_translate(f->m, SID, 0x100000, true, NULL), MODEL_DENIED_CACHED);
}

static void test_vtd_map_refuses_interrupt_window(void **state)
{
    struct fx *f = *state;
    map_with_tables(f, &f->sp, 0x100000, FRAME(1), VTD_R);
    assert_int_equal(vtd_map(&f->sp, 0x101000, 0xfee00000, VTD_W, NULL), VTD_E_RESERVED);
    assert_int_equal(vtd_map(&f->sp, 0x101000, 0xfeeff000, VTD_W, NULL), VTD_E_RESERVED);
    map_with_tables(f, &f->sp, 0x101000, 0xfedff000, VTD_W); /* just below */
    map_with_tables(f, &f->sp, 0x102000, 0xfef00000, VTD_W); /* just above */
    /* An iova in the window would be an MSI, never translated. */
    assert_int_equal(vtd_map(&f->sp, 0xfee00000, FRAME(2), VTD_W, NULL), VTD_E_RESERVED);
    assert_int_equal(vtd_map(&f->sp, 0xfeeff000, FRAME(2), VTD_W, NULL), VTD_E_RESERVED);
    map_with_tables(f, &f->sp, 0xfef00000, FRAME(2), VTD_W);
    assert_int_equal(model_translate(f->m, SID, 0xfee00000, true, NULL), MODEL_INTERRUPT);
    assert_int_equal(f->m->frcd_hi & MODEL_FRCD_F, 0);

    expect_pa(f, SID, 0x101000, true, 0xfedff000);
    expect_pa(f, SID, 0x102000, true, 0xfef00000);
    expect_pa(f, SID, 0xfef00000, true, FRAME(2));
    /* Why: a leaf written there by hand faults with reason 0xE. */
    uint64_t l2 = tab(f, f->sp.root_pa)[I3(0x100000)] & ~0xfffull;
    uint64_t *l1 = tab(f, tab(f, l2)[I2(0x100000)] & ~0xfffull);
    l1[I1(0x103000)] = 0xfee00000 | 3;
    expect_fault(f, SID, 0x103000, false, 0xE);
}

/* --- unmapping and the IOTLB --- */

enum inv { INV_PAGE, INV_DOMAIN, INV_GLOBAL };

static void test_vtd_unmap_needs_iotlb_invalidation(void **state)
{
    struct fx *f = *state;
    const uint64_t iova = 0x100000;
    map_with_tables(f, &f->sp, 0x1ff000, FRAME(9), VTD_R); /* a neighbour that stays mapped */
    for (enum inv how = INV_PAGE; how <= INV_GLOBAL; how++) {
        map_with_tables(f, &f->sp, iova, FRAME(how), VTD_R | VTD_W);
        expect_pa(f, SID, iova + 8, false, FRAME(how) + 8); /* now in the IOTLB */
        uint64_t pa = 0;
        assert_int_equal(vtd_unmap(&f->sp, iova, &pa), VTD_OK);
        assert_int_equal(pa, FRAME(how));
        assert_int_equal(vtd_lookup(&f->sp, iova, NULL, NULL), VTD_E_NOT_MAPPED);

        /* The tables say unmapped; the device still reaches the frame. */
        expect_pa(f, SID, iova + 16, true, FRAME(how) + 16);
        model_inv_iotlb_page(f->m, DID + 1, iova);      /* another domain: no effect */
        model_inv_iotlb_page(f->m, DID, iova + 0x1000); /* another page: no effect */
        model_inv_iotlb_domain(f->m, DID + 1);
        expect_pa(f, SID, iova, false, FRAME(how));

        switch (how) {
        case INV_PAGE:
            model_inv_iotlb_page(f->m, DID, iova);
            break;
        case INV_DOMAIN:
            model_inv_iotlb_domain(f->m, DID);
            break;
        case INV_GLOBAL:
            model_inv_iotlb_global(f->m);
            break;
        }
        expect_fault(f, SID, iova, false, 6);
        expect_fault(f, SID, iova, true, 5);
        expect_pa(f, SID, 0x1ff000, false, FRAME(9));
    }
}

static void test_vtd_unmap_errors(void **state)
{
    struct fx *f = *state;
    assert_int_equal(vtd_unmap(&f->sp, 0x100000, NULL), VTD_E_NOT_MAPPED); /* no tables */
    map_with_tables(f, &f->sp, 0x100000, FRAME(1), VTD_W);
    assert_int_equal(vtd_unmap(&f->sp, 0x101000, NULL), VTD_E_NOT_MAPPED); /* no leaf */
    assert_int_equal(vtd_unmap(&f->sp, 0x100800, NULL), VTD_E_RANGE);
    assert_int_equal(vtd_unmap(&f->sp, 0x100000, NULL), VTD_OK);
    uint64_t pa = 0x77;
    assert_int_equal(vtd_unmap(&f->sp, 0x100000, &pa), VTD_E_NOT_MAPPED); /* twice */
    assert_int_equal(pa, 0x77);
    /* Unmapped, the slot takes a new mapping. */
    assert_int_equal(vtd_map(&f->sp, 0x100000, FRAME(2), VTD_R, NULL), VTD_OK);
    expect_pa(f, SID, 0x100000, false, FRAME(2));
}

/* --- context entries and the context cache --- */

static void test_vtd_context_change_needs_cc_then_iotlb_invalidation(void **state)
{
    struct fx *f = *state;
    const uint64_t x = 0x100000, y = 0x200000;
    map_with_tables(f, &f->sp, x, FRAME(1), VTD_R);
    expect_pa(f, SID, x, false, FRAME(1)); /* context cached, X in the IOTLB */

    /* Domain 43 with another tree; the device moves there. */
    struct vtd_space b = {.root_pa = model_alloc_page(f->m), .p2v = model_p2v, .ctx = f->m};
    map_with_tables(f, &b, x, FRAME(2), VTD_R);
    map_with_tables(f, &b, y, FRAME(3), VTD_R);
    set_context(f, 0x18, b.root_pa, DID + 1);

    expect_pa(f, SID, x, false, FRAME(1)); /* stale IOTLB */
    expect_fault(f, SID, y, false, 6);     /* stale context: walks the old tree */

    /* IOTLB first is the wrong order: the stale context refills it from the old tree. */
    model_inv_iotlb_domain(f->m, DID + 1); /* the new domain: not what is cached */
    expect_pa(f, SID, x, false, FRAME(1));
    model_inv_iotlb_domain(f->m, DID);
    expect_pa(f, SID, x, false, FRAME(1));
    model_inv_context_global(f->m);
    expect_pa(f, SID, x, false, FRAME(1)); /* the refilled IOTLB entry */

    /* Context cache, then IOTLB: the new tree. */
    model_inv_iotlb_domain(f->m, DID);
    expect_pa(f, SID, x, false, FRAME(2));
    expect_pa(f, SID, y, false, FRAME(3));
}

static void test_vtd_blocking_context_and_missing_root(void **state)
{
    struct fx *f = *state;
    map_with_tables(f, &f->sp, 0x100000, FRAME(1), VTD_R);
    map_with_tables(f, &f->sp, 0x101000, FRAME(2), VTD_R);
    expect_fault(f, 0x0020, 0x100000, false, 2); /* 00:04.0: no context entry */
    expect_fault(f, 0x0118, 0x100000, true, 1);  /* bus 1: no root entry */

    expect_pa(f, SID, 0x100000, false, FRAME(1));
    vtd_entry128_write(&tab(f, f->ctx)[vtd_context_slot(0x18)], 0, 0); /* block 00:03.0 */
    expect_pa(f, SID, 0x100000, false, FRAME(1)); /* cached context and IOTLB */
    expect_pa(f, SID, 0x101000, false, FRAME(2)); /* cached context, fresh walk */
    model_inv_context_global(f->m);
    expect_fault(f, SID, 0x102000, false, 2);
    expect_pa(f, SID, 0x100000, false, FRAME(1)); /* the IOTLB still holds it */
    model_inv_iotlb_domain(f->m, DID);
    expect_fault(f, SID, 0x100000, false, 2);
    expect_fault(f, SID, 0x101000, true, 2);

    /* Not present to present needs no invalidation (CAP.CM=0: faults are not cached). */
    set_context(f, 0x18, f->sp.root_pa, DID);
    expect_pa(f, SID, 0x101000, false, FRAME(2));
    /* Device-selective context invalidation: only the device named forgets. */
    vtd_entry128_write(&tab(f, f->ctx)[vtd_context_slot(0x18)], 0, 0);
    model_inv_context_device(f->m, 0x0020);
    expect_fault(f, SID, 0x103000, false, 6); /* still the cached context: a walk */
    model_inv_context_device(f->m, SID);
    expect_fault(f, SID, 0x103000, false, 2);
}

static void test_vtd_fault_register_collapse_and_overflow(void **state)
{
    struct fx *f = *state;
    struct model *m = f->m;
    assert_int_equal(model_translate(m, SID, 0x300000, false, NULL), 6);
    assert_int_equal(m->fault_events, 1);
    assert_int_equal(m->fsts, MODEL_FSTS_PPF);
    const uint64_t hi = m->frcd_hi, lo = m->frcd_lo;
    assert_int_equal(lo, 0x300000);

    /* Same requester while F is set: collapsed (lost), no overflow. */
    assert_int_equal(model_translate(m, SID, 0x301000, true, NULL), 5);
    assert_int_equal(m->frcd_hi, hi);
    assert_int_equal(m->frcd_lo, lo);
    assert_int_equal(m->fsts, MODEL_FSTS_PPF);

    /* Another requester: overflow, record unchanged, no new event. */
    assert_int_equal(model_translate(m, 0x0020, 0x302000, false, NULL), 2);
    assert_int_equal(m->frcd_hi, hi);
    assert_int_equal(m->fsts, MODEL_FSTS_PPF | MODEL_FSTS_PFO);
    assert_int_equal(m->fault_events, 1);

    /* Clearing F alone is not enough: nothing is recorded while PFO is set. */
    model_clear_frcd(m);
    assert_int_equal(m->fsts, MODEL_FSTS_PFO);
    assert_int_equal(model_translate(m, 0x0020, 0x302000, false, NULL), 2);
    assert_int_equal(m->frcd_hi & MODEL_FRCD_F, 0);
    assert_int_equal(m->fault_events, 1);

    /* FSTS cleared too (the reference's "write 0x11"): the next fault is recorded and signalled. */
    model_clear_fsts(m, MODEL_FSTS_PFO | MODEL_FSTS_IQE);
    assert_int_equal(model_translate(m, 0x0020, 0x303000, true, NULL), 2);
    assert_int_equal(model_frcd_sid(m->frcd_hi), 0x0020);
    assert_int_equal(model_frcd_reason(m->frcd_hi), 2);
    assert_int_equal(m->frcd_lo, 0x303000);
    assert_int_equal(m->fault_events, 2);
}

/* --- table removal --- */

static void test_vtd_table_remove(void **state)
{
    struct fx *f = *state;
    map_with_tables(f, &f->sp, 0x100000, FRAME(1), VTD_R);
    map_with_tables(f, &f->sp, 0x105000, FRAME(2), VTD_W);
    map_with_tables(f, &f->sp, 0x200000, FRAME(3), VTD_R); /* another leaf table, same l2 */
    uint64_t l2 = tab(f, f->sp.root_pa)[I3(0x100000)] & ~0xfffull;
    uint64_t l1 = tab(f, l2)[I2(0x100000)] & ~0xfffull;
    expect_pa(f, SID, 0x100000, false, FRAME(1));

    assert_int_equal(vtd_table_remove(&f->sp, 0x100000, 1, l2), VTD_E_NOT_MAPPED); /* not it */
    assert_int_equal(vtd_table_remove(&f->sp, 0x100000, 0, l1), VTD_E_BAD_LEVEL);
    assert_int_equal(vtd_table_remove(&f->sp, 0x100000, 3, l1), VTD_E_BAD_LEVEL);
    assert_int_equal(vtd_table_remove(&f->sp, 0x100000, 1, l1 + 8), VTD_E_BAD_ADDR);
    assert_int_equal(vtd_table_remove(&f->sp, 1ull << 39, 1, l1), VTD_E_RANGE);
    assert_int_equal(vtd_lookup(&f->sp, 0x105000, NULL, NULL), VTD_OK);

    /* Any iova under the table names it. */
    assert_int_equal(vtd_table_remove(&f->sp, 0x1ff000, 1, l1), VTD_OK);
    assert_int_equal(tab(f, l2)[I2(0x100000)], 0);
    for (unsigned i = 0; i < 512; i++) {
        assert_int_equal(tab(f, l1)[i], 0); /* cleared, ready to be installed again */
    }
    assert_int_equal(vtd_lookup(&f->sp, 0x100000, NULL, NULL), VTD_E_NOT_MAPPED);
    assert_int_equal(vtd_lookup(&f->sp, 0x200000, NULL, NULL), VTD_OK);
    assert_int_equal(vtd_table_remove(&f->sp, 0x100000, 1, l1), VTD_E_NOT_MAPPED); /* twice */

    expect_pa(f, SID, 0x100000, false, FRAME(1)); /* stale until invalidated */
    model_inv_iotlb_domain(f->m, DID);
    expect_fault(f, SID, 0x100000, false, 6);
    expect_fault(f, SID, 0x105000, true, 5);

    unsigned missing = 0, level = 0;
    assert_int_equal(vtd_map(&f->sp, 0x105000, FRAME(2), VTD_W, &missing), VTD_E_NO_TABLE);
    assert_int_equal(missing, 1);
    assert_int_equal(vtd_table_install(&f->sp, 0x105000, l1, &level), VTD_OK);
    assert_int_equal(level, 1);
    assert_int_equal(vtd_map(&f->sp, 0x105000, FRAME(2), VTD_W, NULL), VTD_OK);
    expect_pa(f, SID, 0x105000, true, FRAME(2));

    /* The level-2 table takes both leaf tables with it. */
    assert_int_equal(vtd_table_remove(&f->sp, 0x100000, 2, l2), VTD_OK);
    assert_int_equal(tab(f, f->sp.root_pa)[I3(0x100000)], 0);
    assert_int_equal(vtd_lookup(&f->sp, 0x200000, NULL, NULL), VTD_E_NOT_MAPPED);
    assert_int_equal(vtd_table_remove(&f->sp, 0x100000, 1, l1), VTD_E_NOT_MAPPED);
    model_inv_iotlb_global(f->m);
    expect_fault(f, SID, 0x105000, true, 5);
    expect_fault(f, SID, 0x200000, false, 6);
}

/* --- the model itself: it must reject what the reference says QEMU rejects --- */

static void test_vtd_model_checks_reserved_bits(void **state)
{
    struct fx *f = *state;
    map_with_tables(f, &f->sp, 0x100000, FRAME(1), VTD_R);
    uint64_t *ctx = tab(f, f->ctx);
    const uint64_t lo = f->sp.root_pa | 1, hi = (uint64_t)DID << 8 | 1;

    vtd_entry128_write(&ctx[vtd_context_slot(0x20)], lo, (uint64_t)DID << 8 | 2); /* AW=2 */
    expect_fault(f, 0x0020, 0x100000, false, 3);
    vtd_entry128_write(&ctx[vtd_context_slot(0x28)], lo | 1 << 2, hi); /* TT=1: no dev-TLB */
    expect_fault(f, 0x0028, 0x100000, false, 3);
    vtd_entry128_write(&ctx[vtd_context_slot(0x30)], lo | 1 << 4, hi); /* reserved bit 4 */
    expect_fault(f, 0x0030, 0x100000, false, 0xB);
    vtd_entry128_write(&ctx[vtd_context_slot(0x38)], lo, hi | 1 << 7); /* reserved bit 7 */
    expect_fault(f, 0x0038, 0x100000, false, 0xB);
    vtd_entry128_write(&tab(f, f->root)[vtd_root_slot(2)], f->ctx | 1, 1); /* hi not 0 */
    expect_fault(f, 0x0218, 0x100000, false, 0xA);
    vtd_entry128_write(&tab(f, f->root)[vtd_root_slot(3)], f->ctx | 1 << 5 | 1, 0);
    expect_fault(f, 0x0318, 0x100000, false, 0xA);

    /* Reserved bits in a second-level entry: SNP, an address bit above 38. */
    uint64_t l2 = tab(f, f->sp.root_pa)[I3(0x100000)] & ~0xfffull;
    uint64_t *l1 = tab(f, tab(f, l2)[I2(0x100000)] & ~0xfffull);
    l1[I1(0x101000)] = FRAME(2) | 1 << 11 | 1;
    expect_fault(f, SID, 0x101000, false, 0xC);
    l1[I1(0x102000)] = FRAME(2) | 1ull << 39 | 1;
    expect_fault(f, SID, 0x102000, false, 0xC);
    /* PS in a level-2 entry makes it a 2 MiB leaf: a table pointer there is garbage. */
    tab(f, l2)[I2(0x100000)] |= 1 << 7;
    expect_fault(f, SID, 0x100000, false, 0xC);

    /* FPD=1: the fault still blocks the access but is not recorded. */
    vtd_entry128_write(&ctx[vtd_context_slot(0x40)], lo | 2, hi);
    assert_int_equal(model_translate(f->m, 0x0040, 0x500000, false, NULL), 6);
    assert_int_equal(f->m->frcd_hi & MODEL_FRCD_F, 0);
    /* TT=2 pass-through; translation off: physical addresses. */
    vtd_entry128_write(&ctx[vtd_context_slot(0x48)], lo | 2 << 2, hi);
    expect_pa(f, 0x0048, 0x123456, true, 0x123456);
    model_enable(f->m, false);
    expect_pa(f, 0x0020, 0x123456, false, 0x123456);
}

/* --- randomized: the code, the model and a plain reference map agree --- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

#define NIOVA (3 * 3 * 8)

static uint64_t iova_of(unsigned i)
{
    static const uint64_t l3[] = {0, 1, 511}, l2[] = {0, 7, 511};
    static const uint64_t l1[] = {0, 1, 2, 100, 255, 256, 510, 511};
    return l3[i / 24] << 30 | l2[i / 8 % 3] << 21 | l1[i % 8] << 12;
}

/* vtd_lookup and the model against the reference for iova i; cached[i]: the IOTLB holds it. */
static void check_one(struct fx *f, unsigned i, const uint64_t *ref_pa, const unsigned *ref_perm,
                      bool *cached)
{
    uint64_t iova = iova_of(i), pa = 0, off = rng() & 0xfff;
    unsigned perm = 0;
    if (ref_perm[i] == 0) {
        assert_int_equal(vtd_lookup(&f->sp, iova, &pa, &perm), VTD_E_NOT_MAPPED);
    } else {
        assert_int_equal(vtd_lookup(&f->sp, iova, &pa, &perm), VTD_OK);
        assert_int_equal(pa, ref_pa[i]);
        assert_int_equal(perm, ref_perm[i]);
    }
    for (int w = 0; w <= 1; w++) {
        unsigned need = w ? VTD_W : VTD_R;
        if (ref_perm[i] & need) {
            expect_pa(f, SID, iova + off, w, ref_pa[i] + off);
            cached[i] = true;
        } else if (cached[i]) {
            assert_int_equal(model_translate(f->m, SID, iova + off, w, NULL), MODEL_DENIED_CACHED);
        } else {
            expect_fault(f, SID, iova + off, w, w ? 5 : 6);
        }
    }
}

static void test_vtd_randomized_against_reference(void **state)
{
    struct fx *f = *state;
    uint64_t ref_pa[NIOVA] = {0};
    unsigned ref_perm[NIOVA] = {0};
    bool cached[NIOVA] = {false}; /* translated successfully since the last invalidation */
    unsigned maps = 0, unmaps = 0, tables = 0;
    rng_state = 0x9e3779b97f4a7c15ull;

    for (unsigned op = 0; op < 20000; op++) {
        unsigned i = (unsigned)(rng() % NIOVA);
        uint64_t iova = iova_of(i);
        uint64_t pa = ((rng() % ((1ull << 27) - 1)) + 1) << 12;
        unsigned perm = (unsigned)(rng() % 3) + 1, missing = 0, level = 0;
        if (pa >= VTD_INTR_FIRST && pa <= VTD_INTR_LAST) {
            pa += 0x100000;
        }
        if (ref_perm[i] == 0) {
            int rc;
            while ((rc = vtd_map(&f->sp, iova, pa, perm, &missing)) == VTD_E_NO_TABLE) {
                assert_int_equal(vtd_table_install(&f->sp, iova, model_alloc_page(f->m), &level),
                                 VTD_OK);
                assert_int_equal(level, missing);
                tables++;
            }
            assert_int_equal(rc, VTD_OK);
            ref_pa[i] = pa;
            ref_perm[i] = perm;
            maps++;
        } else if (rng() % 2) {
            uint64_t old = 0;
            assert_int_equal(vtd_unmap(&f->sp, iova, &old), VTD_OK);
            assert_int_equal(old, ref_pa[i]);
            model_inv_iotlb_page(f->m, DID, iova);
            ref_perm[i] = 0;
            cached[i] = false;
            unmaps++;
        } else {
            assert_int_equal(vtd_map(&f->sp, iova, pa, perm, NULL), VTD_E_EXISTS);
        }
        if (rng() % 100 == 0) {
            model_inv_iotlb_global(f->m);
            memset(cached, 0, sizeof(cached));
        }
        check_one(f, i, ref_pa, ref_perm, cached);
        if (op % 1000 == 999) {
            for (unsigned j = 0; j < NIOVA; j++) {
                check_one(f, j, ref_pa, ref_perm, cached);
            }
        }
    }
    /* Every table was installed exactly once: 3 level-2 and 9 leaf tables. */
    assert_int_equal(tables, 3 + 9);
    assert_true(maps > 5000 && unmaps > 3000);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_vtd_root_entry_bits),
        T(test_vtd_context_entry_bits),
        T(test_vtd_index_helpers_and_entry128),
        T(test_vtd_install_builds_levels_in_order),
        T(test_vtd_map_r_w_rw_and_translate),
        T(test_vtd_lookup_ands_permissions_along_the_path),
        T(test_vtd_unmapped_iova_faults),
        T(test_vtd_iova_beyond_agaw),
        T(test_vtd_map_argument_errors),
        T(test_vtd_map_refuses_interrupt_window),
        T(test_vtd_unmap_needs_iotlb_invalidation),
        T(test_vtd_unmap_errors),
        T(test_vtd_context_change_needs_cc_then_iotlb_invalidation),
        T(test_vtd_blocking_context_and_missing_root),
        T(test_vtd_fault_register_collapse_and_overflow),
        T(test_vtd_table_remove),
        T(test_vtd_model_checks_reserved_bits),
        T(test_vtd_randomized_against_reference),
    };
#undef T
    return cmocka_run_group_tests_name("vtd", tests, NULL, NULL);
}
