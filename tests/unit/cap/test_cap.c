/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for kernel/core/cap.c, cnode.c and untyped.c: retype, copy,
 * mint, move, mutate, delete, revoke, and the derivation tree's
 * invariants, ending with a seeded random walk checked against ground
 * truth after every step.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <cmocka.h>

#include "cap_fixture.h"

/* The derivation tree alone: the rest of the kernel's object hooks do nothing here. */
void object_cap_removed(const struct cap *cap, struct cte *slot, bool final)
{
    (void)cap, (void)slot, (void)final;
}
void object_cap_moved(struct cte *dst) { (void)dst; }
int object_can_create(unsigned type, uint64_t count)
{
    (void)type, (void)count;
    return 0;
}
void object_init(struct cap *cap) { (void)cap; }

static struct world *w;

static int setup(void **state)
{
    cdt_roots = NULL; /* the previous test's memory is gone */
    (void)state;
    w = world_new();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    world_free(w);
    return 0;
}

static struct cte *slot(unsigned i) { return &w->boot[i]; }

static int retype(unsigned type, unsigned bits, unsigned index, unsigned count)
{
    return untyped_retype(w->ut, type, bits, &w->boot_cnode, index, count);
}

static void assert_tree_ok(void)
{
    for (unsigned i = 0; i < (1u << BOOT_RADIX); i++) {
        const char *err = cdt_check(slot(i));
        if (err) {
            fail_msg("slot %u: %s", i, err);
        }
    }
}

/* --- retype --- */

static void test_retype_creates_objects_in_empty_slots(void **state)
{
    (void)state;
    assert_int_equal(retype(AXL_OBJ_ENDPOINT, 0, 10, 4), AXL_E_OK);
    for (unsigned i = 10; i < 14; i++) {
        assert_int_equal(slot(i)->cap.type, AXL_OBJ_ENDPOINT);
        assert_ptr_equal(slot(i)->parent, w->ut);
        assert_int_equal(slot(i)->cap.rights, AXL_RIGHTS_ALL);
        assert_ptr_equal(slot(i)->cap.obj, (char *)w->ram + (i - 10) * 16);
    }
    assert_int_equal(w->ut->cap.word, 4 * 16);
    assert_tree_ok();
}

static void test_retype_aligns_to_object_size_and_zeroes(void **state)
{
    (void)state;
    assert_int_equal(retype(AXL_OBJ_ENDPOINT, 0, 1, 1), AXL_E_OK);
    assert_int_equal(retype(AXL_OBJ_FRAME, 0, 2, 1), AXL_E_OK);
    assert_ptr_equal(slot(2)->cap.obj, (char *)w->ram + 4096);
    const unsigned char *p = slot(2)->cap.obj;
    for (unsigned i = 0; i < 4096; i++) {
        assert_int_equal(p[i], 0);
    }
    assert_int_equal(((unsigned char *)w->ram)[100], 0xa5); /* the alignment gap is untouched */
}

static void test_retype_rejects_occupied_or_missing_slots(void **state)
{
    (void)state;
    assert_int_equal(retype(AXL_OBJ_ENDPOINT, 0, 5, 1), AXL_E_OK);
    uint64_t used = w->ut->cap.word;
    assert_int_equal(retype(AXL_OBJ_ENDPOINT, 0, 3, 4), AXL_E_DELETE_FIRST); /* 5 is taken */
    assert_int_equal(retype(AXL_OBJ_ENDPOINT, 0, 0, 1),
                     AXL_E_DELETE_FIRST); /* the untyped itself */
    assert_int_equal(retype(AXL_OBJ_ENDPOINT, 0, 255, 2), AXL_E_FAILED_LOOKUP);
    assert_int_equal(retype(AXL_OBJ_ENDPOINT, 0, 256, 1), AXL_E_FAILED_LOOKUP);
    assert_true(cte_empty(slot(3)) && cte_empty(slot(255)));
    assert_int_equal(w->ut->cap.word, used); /* nothing changed */
}

static void test_retype_rejects_bad_types_sizes_and_counts(void **state)
{
    (void)state;
    assert_int_equal(retype(AXL_OBJ_NULL, 0, 1, 1), AXL_E_INVALID_ARGUMENT);
    assert_int_equal(retype(99, 0, 1, 1), AXL_E_INVALID_ARGUMENT);
    assert_int_equal(retype(AXL_OBJ_UNTYPED, AXL_UNTYPED_MIN_BITS - 1, 1, 1),
                     AXL_E_INVALID_ARGUMENT);
    assert_int_equal(retype(AXL_OBJ_UNTYPED, AXL_UNTYPED_MAX_BITS + 1, 1, 1),
                     AXL_E_INVALID_ARGUMENT);
    assert_int_equal(retype(AXL_OBJ_CNODE, 0, 1, 1), AXL_E_INVALID_ARGUMENT);
    assert_int_equal(retype(AXL_OBJ_CNODE, AXL_CNODE_MAX_RADIX + 1, 1, 1), AXL_E_INVALID_ARGUMENT);
    assert_int_equal(retype(AXL_OBJ_ENDPOINT, 0, 1, 0), AXL_E_RANGE);
    assert_int_equal(retype(AXL_OBJ_UNTYPED, RAM_BITS + 1, 1, 1), AXL_E_NOT_ENOUGH_MEMORY);
    assert_null(w->ut->child);
}

static void test_retype_rejects_non_untyped_source_or_non_cnode_dest(void **state)
{
    (void)state;
    assert_int_equal(retype(AXL_OBJ_ENDPOINT, 0, 1, 1), AXL_E_OK);
    assert_int_equal(untyped_retype(slot(1), AXL_OBJ_ENDPOINT, 0, &w->boot_cnode, 2, 1),
                     AXL_E_INVALID_CAPABILITY);
    assert_int_equal(untyped_retype(w->ut, AXL_OBJ_ENDPOINT, 0, &slot(1)->cap, 0, 1),
                     AXL_E_INVALID_CAPABILITY);
}

static void test_retype_until_memory_runs_out(void **state)
{
    (void)state;
    /* 1 MiB holds 256 frames; the boot CNode has 255 free slots. */
    assert_int_equal(retype(AXL_OBJ_FRAME, 0, 1, 200), AXL_E_OK);
    assert_int_equal(retype(AXL_OBJ_UNTYPED, 18, 201, 1),
                     AXL_E_NOT_ENOUGH_MEMORY);                                /* 256 KiB at 1 MiB */
    assert_int_equal(retype(AXL_OBJ_FRAME, 0, 201, 56), AXL_E_FAILED_LOOKUP); /* slot 256 */
    assert_int_equal(retype(AXL_OBJ_FRAME, 0, 201, 55), AXL_E_OK);
    assert_int_equal(w->ut->cap.word, 255 * 4096);
    assert_int_equal(cap_delete(slot(255)), AXL_E_OK); /* children remain: no reuse yet */
    assert_int_equal(retype(AXL_OBJ_UNTYPED, 13, 255, 1),
                     AXL_E_NOT_ENOUGH_MEMORY);                    /* aligned to 1 MiB */
    assert_int_equal(retype(AXL_OBJ_FRAME, 0, 255, 1), AXL_E_OK); /* the last frame */
    assert_int_equal(w->ut->cap.word, 256 * 4096);
    assert_int_equal(cap_delete(slot(255)), AXL_E_OK);
    assert_int_equal(retype(AXL_OBJ_ENDPOINT, 0, 255, 1), AXL_E_NOT_ENOUGH_MEMORY);
    assert_tree_ok();
}

static void test_retype_reuses_memory_only_when_all_children_are_gone(void **state)
{
    (void)state;
    assert_int_equal(retype(AXL_OBJ_FRAME, 0, 1, 2), AXL_E_OK);
    assert_int_equal(cap_delete(slot(1)), AXL_E_OK);
    assert_int_equal(retype(AXL_OBJ_FRAME, 0, 3, 1), AXL_E_OK);
    assert_ptr_equal(slot(3)->cap.obj,
                     (char *)w->ram + 2 * 4096); /* slot 2 still lives: no reuse */
    assert_int_equal(cap_delete(slot(2)), AXL_E_OK);
    assert_int_equal(cap_delete(slot(3)), AXL_E_OK);
    assert_null(w->ut->child);
    assert_int_equal(retype(AXL_OBJ_FRAME, 0, 4, 1), AXL_E_OK);
    assert_ptr_equal(slot(4)->cap.obj, w->ram); /* all gone: start again at 0 */
}

static void test_retype_device_untyped_makes_only_frames_and_untyped(void **state)
{
    (void)state;
    static struct cte dev_slot;
    static unsigned char mmio[4096 * 2] __attribute__((aligned(8192)));
    memset(mmio, 0x5a, sizeof(mmio));
    untyped_make_root(&dev_slot, mmio, 13, true);
    assert_int_equal(untyped_retype(&dev_slot, AXL_OBJ_ENDPOINT, 0, &w->boot_cnode, 1, 1),
                     AXL_E_ILLEGAL_OPERATION);
    assert_int_equal(untyped_retype(&dev_slot, AXL_OBJ_CNODE, 2, &w->boot_cnode, 1, 1),
                     AXL_E_ILLEGAL_OPERATION);
    assert_int_equal(untyped_retype(&dev_slot, AXL_OBJ_UNTYPED, 12, &w->boot_cnode, 1, 1),
                     AXL_E_OK);
    assert_true(slot(1)->cap.flags & CAP_DEVICE); /* device-ness is inherited */
    assert_int_equal(untyped_retype(slot(1), AXL_OBJ_FRAME, 0, &w->boot_cnode, 2, 1), AXL_E_OK);
    assert_int_equal(mmio[0], 0x5a); /* device memory is never written by retype */
    assert_int_equal(cap_revoke(&dev_slot), AXL_E_OK);
}

/* --- copy, mint, move, mutate --- */

static void test_copy_makes_a_child_with_narrowed_rights(void **state)
{
    (void)state;
    assert_int_equal(retype(AXL_OBJ_ENDPOINT, 0, 1, 1), AXL_E_OK);
    assert_int_equal(cap_copy(slot(1), slot(2), AXL_RIGHT_WRITE | AXL_RIGHT_GRANT), AXL_E_OK);
    assert_ptr_equal(slot(2)->parent, slot(1));
    assert_ptr_equal(slot(2)->cap.obj, slot(1)->cap.obj);
    assert_int_equal(slot(2)->cap.rights, AXL_RIGHT_WRITE | AXL_RIGHT_GRANT);
    assert_int_equal(cap_copy(slot(2), slot(3), AXL_RIGHTS_ALL), AXL_E_OK);
    assert_int_equal(slot(3)->cap.rights, AXL_RIGHT_WRITE | AXL_RIGHT_GRANT); /* never widened */
    assert_tree_ok();
}

static void test_copy_rejects_empty_source_full_destination_and_untyped(void **state)
{
    (void)state;
    assert_int_equal(retype(AXL_OBJ_ENDPOINT, 0, 1, 2), AXL_E_OK);
    assert_int_equal(cap_copy(slot(9), slot(10), AXL_RIGHTS_ALL), AXL_E_INVALID_CAPABILITY);
    assert_int_equal(cap_copy(slot(1), slot(2), AXL_RIGHTS_ALL), AXL_E_DELETE_FIRST);
    assert_int_equal(cap_copy(w->ut, slot(10), AXL_RIGHTS_ALL), AXL_E_ILLEGAL_OPERATION);
    assert_int_equal(cap_mint(w->ut, slot(10), AXL_RIGHTS_ALL, 0), AXL_E_ILLEGAL_OPERATION);
    assert_true(cte_empty(slot(10)));
}

static void test_mint_sets_a_badge_once(void **state)
{
    (void)state;
    assert_int_equal(retype(AXL_OBJ_ENDPOINT, 0, 1, 1), AXL_E_OK);
    assert_int_equal(retype(AXL_OBJ_FRAME, 0, 2, 1), AXL_E_OK);
    assert_int_equal(cap_mint(slot(1), slot(3), AXL_RIGHTS_ALL, 42), AXL_E_OK);
    assert_int_equal(slot(3)->cap.word, 42);
    assert_int_equal(cap_mint(slot(3), slot(4), AXL_RIGHTS_ALL, 7), AXL_E_ILLEGAL_OPERATION);
    assert_int_equal(cap_mint(slot(3), slot(4), AXL_RIGHT_READ, 42), AXL_E_OK);
    assert_int_equal(cap_mint(slot(3), slot(5), AXL_RIGHTS_ALL, 0), AXL_E_OK); /* badge 0: keep */
    assert_int_equal(slot(5)->cap.word, 42);
    assert_int_equal(cap_mint(slot(2), slot(6), AXL_RIGHTS_ALL, 1), AXL_E_INVALID_ARGUMENT);
    assert_tree_ok();
}

static void test_move_keeps_the_place_in_the_tree(void **state)
{
    (void)state;
    assert_int_equal(retype(AXL_OBJ_ENDPOINT, 0, 1, 3), AXL_E_OK);
    assert_int_equal(cap_copy(slot(2), slot(10), AXL_RIGHTS_ALL), AXL_E_OK);
    assert_int_equal(cap_copy(slot(2), slot(11), AXL_RIGHTS_ALL), AXL_E_OK);
    assert_int_equal(cap_move(slot(2), slot(20)), AXL_E_OK);
    assert_true(cte_empty(slot(2)));
    assert_ptr_equal(slot(20)->parent, w->ut);
    assert_ptr_equal(slot(10)->parent, slot(20));
    assert_ptr_equal(slot(11)->parent, slot(20));
    assert_int_equal(cap_move(slot(20), slot(1)), AXL_E_DELETE_FIRST);
    assert_int_equal(cap_move(slot(2), slot(21)), AXL_E_INVALID_CAPABILITY);
    assert_int_equal(cap_move(w->ut, slot(30)), AXL_E_OK); /* untyped capabilities move */
    w->ut = slot(30);
    assert_ptr_equal(slot(1)->parent, w->ut);
    assert_tree_ok();
}

static void test_mutate_narrows_rights_unless_copies_exist(void **state)
{
    (void)state;
    assert_int_equal(retype(AXL_OBJ_ENDPOINT, 0, 1, 2), AXL_E_OK);
    assert_int_equal(cap_mutate(slot(1), slot(5), AXL_RIGHT_READ), AXL_E_OK);
    assert_int_equal(slot(5)->cap.rights, AXL_RIGHT_READ);
    assert_int_equal(cap_copy(slot(2), slot(6), AXL_RIGHTS_ALL), AXL_E_OK);
    assert_int_equal(cap_mutate(slot(2), slot(7), AXL_RIGHT_READ), AXL_E_REVOKE_FIRST);
    assert_int_equal(cap_mutate(slot(2), slot(7), AXL_RIGHTS_ALL), AXL_E_OK);
    assert_tree_ok();
}

/* --- delete and revoke --- */

static void test_delete_only_the_last_capability_is_final(void **state)
{
    (void)state;
    assert_int_equal(retype(AXL_OBJ_ENDPOINT, 0, 1, 2), AXL_E_OK);
    assert_true(cap_is_final(slot(1)));
    assert_int_equal(cap_copy(slot(1), slot(3), AXL_RIGHTS_ALL), AXL_E_OK);
    assert_false(cap_is_final(slot(1)));
    assert_false(cap_is_final(slot(3)));
    assert_true(cap_is_final(slot(2))); /* a neighbour, but another object */
    assert_int_equal(cap_delete(slot(1)), AXL_E_OK);
    assert_ptr_equal(slot(3)->parent, w->ut); /* spliced into its parent's place */
    assert_true(cap_is_final(slot(3)));
    assert_int_equal(cap_delete(slot(7)), AXL_E_OK); /* empty: nothing to do */
    assert_tree_ok();
}

static void test_delete_splices_children_in_order(void **state)
{
    (void)state;
    assert_int_equal(retype(AXL_OBJ_ENDPOINT, 0, 1, 1), AXL_E_OK);
    assert_int_equal(cap_copy(slot(1), slot(2), AXL_RIGHTS_ALL), AXL_E_OK);
    assert_int_equal(cap_mint(slot(2), slot(3), AXL_RIGHTS_ALL, 5), AXL_E_OK);
    assert_int_equal(cap_mint(slot(2), slot(4), AXL_RIGHTS_ALL, 6), AXL_E_OK);
    assert_int_equal(cap_copy(slot(3), slot(5), AXL_RIGHTS_ALL), AXL_E_OK);
    assert_int_equal(cap_delete(slot(2)), AXL_E_OK);
    assert_ptr_equal(slot(3)->parent, slot(1));
    assert_ptr_equal(slot(4)->parent, slot(1));
    assert_ptr_equal(slot(5)->parent, slot(3));
    assert_tree_ok();
}

static void test_delete_untyped_with_children_needs_revoke(void **state)
{
    (void)state;
    assert_int_equal(retype(AXL_OBJ_UNTYPED, 16, 1, 1), AXL_E_OK);
    assert_int_equal(untyped_retype(slot(1), AXL_OBJ_FRAME, 0, &w->boot_cnode, 2, 3), AXL_E_OK);
    assert_int_equal(cap_delete(slot(1)), AXL_E_REVOKE_FIRST);
    assert_int_equal(cap_revoke(slot(1)), AXL_E_OK);
    assert_true(cte_empty(slot(2)) && cte_empty(slot(3)) && cte_empty(slot(4)));
    assert_int_equal(cap_delete(slot(1)), AXL_E_OK);
    assert_null(w->ut->child);
}

static void test_delete_final_cnode_empties_it_but_spares_copies_elsewhere(void **state)
{
    (void)state;
    assert_int_equal(retype(AXL_OBJ_CNODE, 4, 1, 1), AXL_E_OK);
    assert_int_equal(retype(AXL_OBJ_ENDPOINT, 0, 2, 2), AXL_E_OK);
    int err;
    struct cte *in0 = cnode_slot(&slot(1)->cap, 0, &err), *in1 = cnode_slot(&slot(1)->cap, 1, &err);
    assert_int_equal(cap_move(slot(2), in0), AXL_E_OK); /* endpoint A lives only in the CNode */
    assert_int_equal(cap_copy(slot(3), in1, AXL_RIGHTS_ALL),
                     AXL_E_OK); /* endpoint B: a copy inside */
    assert_int_equal(cap_copy(in0, slot(4), AXL_RIGHT_READ), AXL_E_OK); /* A: a copy outside */
    assert_int_equal(cap_delete(slot(1)), AXL_E_OK);
    assert_true(cte_empty(in0) && cte_empty(in1));
    assert_int_equal(slot(4)->cap.type, AXL_OBJ_ENDPOINT); /* outside copies survive */
    assert_ptr_equal(slot(4)->parent, w->ut);
    assert_true(cap_is_final(slot(4)));
    assert_true(cap_is_final(slot(3)));
    assert_tree_ok();
}

static void test_delete_deeply_nested_cnodes_iteratively(void **state)
{
    (void)state;
    /* A chain of 4000 two-slot CNodes, each holding the only capability to
     * the next: deleting the head must empty them all without recursing. */
    enum { N = 4000 };
    assert_int_equal(retype(AXL_OBJ_CNODE, 1, 1, 1), AXL_E_OK);
    struct cte *holder = slot(1);
    int err;
    for (int i = 0; i < N; i++) {
        assert_int_equal(retype(AXL_OBJ_CNODE, 1, 2, 1), AXL_E_OK);
        struct cte *inside = cnode_slot(&holder->cap, 0, &err);
        assert_int_equal(cap_move(slot(2), inside), AXL_E_OK);
        holder = inside;
    }
    assert_int_equal(cap_delete(slot(1)), AXL_E_OK);
    assert_null(w->ut->child); /* every CNode's capability is gone */
}

static void test_delete_cnode_that_holds_its_own_capability(void **state)
{
    (void)state;
    assert_int_equal(retype(AXL_OBJ_CNODE, 2, 1, 1), AXL_E_OK);
    int err;
    struct cte *self = cnode_slot(&slot(1)->cap, 3, &err);
    assert_int_equal(cap_move(slot(1), self), AXL_E_OK); /* now unreachable from outside */
    assert_int_equal(cap_revoke(w->ut), AXL_E_OK);       /* the owner of the memory cleans up */
    assert_true(cte_empty(self));
    assert_null(w->ut->child);
}

static void test_revoke_deletes_descendants_and_keeps_the_capability(void **state)
{
    (void)state;
    assert_int_equal(retype(AXL_OBJ_ENDPOINT, 0, 1, 1), AXL_E_OK);
    assert_int_equal(cap_copy(slot(1), slot(2), AXL_RIGHTS_ALL), AXL_E_OK);
    assert_int_equal(cap_copy(slot(2), slot(3), AXL_RIGHTS_ALL), AXL_E_OK);
    assert_int_equal(cap_copy(slot(1), slot(4), AXL_RIGHTS_ALL), AXL_E_OK);
    assert_int_equal(cap_revoke(slot(1)), AXL_E_OK);
    assert_false(cte_empty(slot(1)));
    assert_true(cte_empty(slot(2)) && cte_empty(slot(3)) && cte_empty(slot(4)));
    assert_null(slot(1)->child);
    assert_int_equal(cap_revoke(slot(9)), AXL_E_INVALID_CAPABILITY);
}

static void test_revoke_a_badge_spares_other_badges(void **state)
{
    (void)state;
    assert_int_equal(retype(AXL_OBJ_ENDPOINT, 0, 1, 1), AXL_E_OK);
    assert_int_equal(cap_mint(slot(1), slot(2), AXL_RIGHTS_ALL, 1), AXL_E_OK);
    assert_int_equal(cap_copy(slot(2), slot(3), AXL_RIGHTS_ALL), AXL_E_OK);
    assert_int_equal(cap_mint(slot(1), slot(4), AXL_RIGHTS_ALL, 2), AXL_E_OK);
    assert_int_equal(cap_delete(slot(1)), AXL_E_OK); /* both badges now hang off the untyped */
    assert_int_equal(cap_revoke(slot(2)), AXL_E_OK);
    assert_true(cte_empty(slot(3)));
    assert_int_equal(slot(4)->cap.word, 2);
    assert_false(cap_is_final(slot(2))); /* badge 2's capability names the same endpoint */
    assert_false(cap_is_final(slot(4))); /* first of the run: only its next sibling tells */
    assert_tree_ok();
}

static void test_revoke_untyped_frees_its_memory_for_reuse(void **state)
{
    (void)state;
    assert_int_equal(retype(AXL_OBJ_CNODE, 3, 1, 1), AXL_E_OK);
    assert_int_equal(retype(AXL_OBJ_FRAME, 0, 2, 10), AXL_E_OK);
    assert_int_equal(cap_revoke(w->ut), AXL_E_OK);
    for (unsigned i = 1; i < 12; i++) {
        assert_true(cte_empty(slot(i)));
    }
    assert_int_equal(retype(AXL_OBJ_UNTYPED, RAM_BITS, 1, 1),
                     AXL_E_OK); /* the whole region again */
}

/*
 * Regression (found by the syscall fuzzer): revoking an untyped queues a
 * CNode made from it, then deletes the capability in that CNode's slot 0
 * (also made from the untyped). The queue link lived in slot 0 and was
 * wiped with it, so the CNode's other slots were never emptied, and a
 * copy of an outside capability stayed linked into freed memory.
 */
static void test_revoke_empties_a_cnode_whose_slot0_it_also_deletes(void **state)
{
    (void)state;
    int err = 0;
    assert_int_equal(retype(AXL_OBJ_UNTYPED, 16, 1, 1), AXL_E_OK);       /* U */
    assert_int_equal(retype(AXL_OBJ_NOTIFICATION, 0, 2, 1), AXL_E_OK);  /* N, outside U */
    struct cte *u = slot(1);
    assert_int_equal(untyped_retype(u, AXL_OBJ_ENDPOINT, 0, &w->boot_cnode, 3, 1), AXL_E_OK);
    assert_int_equal(untyped_retype(u, AXL_OBJ_CNODE, 2, &w->boot_cnode, 4, 1), AXL_E_OK);
    struct cte *x0 = cnode_slot(&slot(4)->cap, 0, &err), *x1 = cnode_slot(&slot(4)->cap, 1, &err);
    assert_int_equal(cap_move(slot(3), x0), AXL_E_OK);
    assert_int_equal(cap_copy(slot(2), x1, AXL_RIGHTS_ALL), AXL_E_OK);
    assert_int_equal(cap_revoke(u), AXL_E_OK);
    assert_true(cte_empty(x0));
    assert_true(cte_empty(x1)); /* the copy of N went with its CNode */
    assert_null(slot(2)->child);
    assert_tree_ok();
    /* U's memory is reused: nothing may still point into it. */
    assert_int_equal(untyped_retype(u, AXL_OBJ_FRAME, 0, &w->boot_cnode, 5, 16), AXL_E_OK);
    assert_tree_ok();
}

/* --- a seeded random walk, checked against ground truth after every step --- */

static uint64_t rng_state;

static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* How many capabilities in the boot CNode name the same object as c. */
static unsigned count_same(const struct cte *c)
{
    unsigned n = 0;
    for (unsigned i = 0; i < (1u << BOOT_RADIX); i++) {
        const struct cap *o = &slot(i)->cap;
        n += o->type == c->cap.type && o->obj == c->cap.obj && o->size_bits == c->cap.size_bits;
    }
    return n;
}

static void check_world(unsigned step)
{
    for (unsigned i = 0; i < (1u << BOOT_RADIX); i++) {
        struct cte *c = slot(i);
        const char *err = cdt_check(c);
        if (err) {
            fail_msg("step %u, slot %u: %s", step, i, err);
        }
        if (!cte_empty(c) && c->cap.type != AXL_OBJ_UNTYPED &&
            cap_is_final(c) != (count_same(c) == 1)) {
            fail_msg("step %u, slot %u: cap_is_final says %d but %u capabilities name the object",
                     step, i, cap_is_final(c), count_same(c));
        }
    }
    if (w->ut->cap.word > (1u << RAM_BITS)) {
        fail_msg("step %u: watermark past the region", step);
    }
}

static void test_cap_random_operations_keep_invariants(void **state)
{
    (void)state;
    static const unsigned types[] = {AXL_OBJ_ENDPOINT, AXL_OBJ_NOTIFICATION, AXL_OBJ_FRAME,
                                     AXL_OBJ_UNTYPED};
    unsigned counts[AXL_E_INSUFFICIENT_RIGHTS + 1] = {0};
    rng_state = 0x5eed0001;
    for (unsigned step = 0; step < 20000; step++) {
        /* Slots 1..63 only: the boot CNode stays the only CNode, so ground truth is one scan. */
        struct cte *a = slot(1 + rng() % 63), *b = slot(1 + rng() % 63);
        unsigned rights = (unsigned)(rng() % 16);
        int err;
        switch (rng() % 8) {
        case 0: {
            unsigned t = types[rng() % 4];
            err =
                untyped_retype(rng() % 4 ? w->ut : a, t, t == AXL_OBJ_UNTYPED ? 12 + rng() % 4 : 0,
                               &w->boot_cnode, 1 + rng() % 63, 1 + rng() % 3);
            if (err == AXL_E_FAILED_LOOKUP) {
                err = AXL_E_OK; /* ranges past slot 63 are fine to reject */
            }
            break;
        }
        case 1:
            err = cap_copy(a, b, rights);
            break;
        case 2:
            err = cap_mint(a, b, rights, rng() % 3);
            break;
        case 3:
            err = cap_move(a, b);
            break;
        case 4:
            err = cap_mutate(a, b, rights);
            break;
        case 5:
            err = cap_delete(a);
            break;
        case 6:
            err = cap_revoke(a);
            break;
        default:
            err = cap_delete(b);
            break;
        }
        assert_true(err >= 0 && err <= AXL_E_INSUFFICIENT_RIGHTS);
        counts[err]++;
        if (w->ut != slot(0) && cte_empty(w->ut)) {
            fail_msg("step %u: the root untyped vanished", step);
        }
        check_world(step);
    }
    /* The walk must exercise success and the interesting refusals alike. */
    assert_true(counts[AXL_E_OK] > 1000);
    assert_true(counts[AXL_E_DELETE_FIRST] > 100);
    assert_true(counts[AXL_E_INVALID_CAPABILITY] > 100);
    assert_true(counts[AXL_E_REVOKE_FIRST] > 0);
}

static void test_cnode_slot_checks_type_and_bounds(void **state)
{
    (void)state;
    int err = AXL_E_OK;
    assert_ptr_equal(cnode_slot(&w->boot_cnode, 255, &err), slot(255));
    assert_null(cnode_slot(&w->boot_cnode, 256, &err));
    assert_int_equal(err, AXL_E_FAILED_LOOKUP);
    assert_null(cnode_slot(&w->boot_cnode, UINT64_MAX, &err));
    assert_null(cnode_slot(&w->ut->cap, 0, &err));
    assert_int_equal(err, AXL_E_INVALID_CAPABILITY);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_retype_creates_objects_in_empty_slots),
        T(test_retype_aligns_to_object_size_and_zeroes),
        T(test_retype_rejects_occupied_or_missing_slots),
        T(test_retype_rejects_bad_types_sizes_and_counts),
        T(test_retype_rejects_non_untyped_source_or_non_cnode_dest),
        T(test_retype_until_memory_runs_out),
        T(test_retype_reuses_memory_only_when_all_children_are_gone),
        T(test_retype_device_untyped_makes_only_frames_and_untyped),
        T(test_copy_makes_a_child_with_narrowed_rights),
        T(test_copy_rejects_empty_source_full_destination_and_untyped),
        T(test_mint_sets_a_badge_once),
        T(test_move_keeps_the_place_in_the_tree),
        T(test_mutate_narrows_rights_unless_copies_exist),
        T(test_delete_only_the_last_capability_is_final),
        T(test_delete_splices_children_in_order),
        T(test_delete_untyped_with_children_needs_revoke),
        T(test_delete_final_cnode_empties_it_but_spares_copies_elsewhere),
        T(test_delete_deeply_nested_cnodes_iteratively),
        T(test_delete_cnode_that_holds_its_own_capability),
        T(test_revoke_deletes_descendants_and_keeps_the_capability),
        T(test_revoke_a_badge_spares_other_badges),
        T(test_revoke_untyped_frees_its_memory_for_reuse),
        T(test_revoke_empties_a_cnode_whose_slot0_it_also_deletes),
        T(test_cnode_slot_checks_type_and_bounds),
        T(test_cap_random_operations_keep_invariants),
    };
#undef T
    return cmocka_run_group_tests_name("cap", tests, NULL, NULL);
}
