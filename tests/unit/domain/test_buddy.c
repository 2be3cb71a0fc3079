/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for servers/supervisor/buddy.c: the allocator of a resource
 * domain's memory. A model of untyped capabilities stands in for the
 * kernel: each slot is an untyped with an address, a size and a count of
 * children, and the model checks what the kernel would refuse (splitting an
 * untyped that is not empty, joining halves in use, touching a slot that
 * holds nothing).
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "buddy.h"

#define SLOTS 1024
struct ut {
    bool live;
    uint64_t addr;
    unsigned bits;
    unsigned children;
    uint64_t parent;
};
static struct ut ut[SLOTS];
static uint64_t next_slot;
static unsigned splits, joins, fail_split_after = ~0u;

static uint64_t new_slot(uint64_t addr, unsigned bits, uint64_t parent)
{
    assert_true(next_slot < SLOTS);
    uint64_t s = next_slot++;
    ut[s] = (struct ut){.live = true, .addr = addr, .bits = bits, .parent = parent};
    return s;
}

static long split(void *ctx, uint64_t parent, unsigned bits, uint64_t half[2])
{
    (void)ctx;
    assert_true(ut[parent].live);
    assert_int_equal(ut[parent].children, 0); /* only an empty untyped is carved in two */
    assert_int_equal(ut[parent].bits, bits + 1);
    if (splits == fail_split_after) {
        return 9; /* as the kernel's NOT_ENOUGH_MEMORY would be */
    }
    splits++;
    half[0] = new_slot(ut[parent].addr, bits, parent);
    half[1] = new_slot(ut[parent].addr + (1ull << bits), bits, parent);
    ut[parent].children = 2;
    return 0;
}

static void join(void *ctx, uint64_t parent, const uint64_t half[2])
{
    (void)ctx;
    for (int i = 0; i < 2; i++) {
        assert_true(ut[half[i]].live);
        assert_int_equal(ut[half[i]].children, 0);
        assert_int_equal(ut[half[i]].parent, parent);
        ut[half[i]].live = false;
    }
    ut[parent].children = 0;
    joins++;
}

static void forget(void *ctx, const uint64_t half[2])
{
    (void)ctx;
    ut[half[0]].live = ut[half[1]].live = false;
}

static const struct buddy_ops ops = {split, join, forget};
static struct buddy b;

static void setup_domain(unsigned bits, unsigned min_bits)
{
    memset(ut, 0, sizeof(ut));
    next_slot = 1;
    splits = joins = 0;
    fail_split_after = ~0u;
    uint64_t root = new_slot(0, bits, 0);
    buddy_init(&b, &ops, NULL, root, bits, min_bits);
}

static void test_alloc_sizes_and_addresses(void **state)
{
    (void)state;
    setup_domain(21, 16); /* 2 MiB in blocks of 64 KiB and up */
    uint64_t s1, s2, s3;
    unsigned bits;
    assert_int_equal(buddy_alloc(&b, 19, &s1, &bits), 0); /* 512 KiB */
    assert_int_equal(bits, 19);
    assert_int_equal(ut[s1].addr, 0);
    assert_int_equal(ut[s1].bits, 19);
    assert_int_equal(buddy_alloc(&b, 12, &s2, &bits), 0); /* rounded up to the minimum */
    assert_int_equal(bits, 16);
    assert_int_equal(ut[s2].addr, 512 * 1024); /* lowest address first */
    assert_int_equal(buddy_alloc(&b, 20, &s3, &bits), 0);
    assert_int_equal(ut[s3].addr, 1024 * 1024);
    assert_int_equal(b.used, (512 + 64 + 1024) * 1024);
    assert_int_equal(buddy_largest_free(&b), 256 * 1024);
    uint64_t s4;
    assert_int_equal(buddy_alloc(&b, 19, &s4, &bits), BUDDY_NO_MEMORY);
    assert_int_equal(buddy_alloc(&b, 22, &s4, &bits), BUDDY_NO_MEMORY); /* bigger than all */
}

static void test_free_joins_back_to_whole(void **state)
{
    (void)state;
    setup_domain(20, 16);
    uint64_t s[16];
    unsigned bits;
    for (int i = 0; i < 16; i++) {
        assert_int_equal(buddy_alloc(&b, 16, &s[i], &bits), 0);
    }
    assert_int_equal(buddy_alloc(&b, 16, &s[0] + 0, &bits) == BUDDY_NO_MEMORY, 1);
    assert_int_equal(buddy_largest_free(&b), 0);
    for (int i = 15; i >= 0; i -= 2) {
        assert_int_equal(buddy_free(&b, s[i]), 64 * 1024);
    }
    assert_int_equal(joins, 0); /* every freed block's buddy is still in use */
    for (int i = 0; i < 16; i += 2) {
        assert_int_equal(buddy_free(&b, s[i]), 64 * 1024);
    }
    assert_int_equal(joins, splits);
    assert_int_equal(b.used, 0);
    assert_int_equal(b.state[0], BUDDY_FREE);
    assert_int_equal(ut[b.slot[0]].children, 0); /* the kernel would reuse all of it */
    for (uint64_t i = 2; i < next_slot; i++) {
        assert_false(ut[i].live);
    }
    assert_int_equal(buddy_free(&b, s[3]), 0); /* freed twice: not a block handed out */
    assert_int_equal(buddy_free(&b, 999), 0);
}

static void test_failed_split_keeps_state(void **state)
{
    (void)state;
    setup_domain(20, 16);
    fail_split_after = 2;
    uint64_t s;
    unsigned bits;
    assert_int_equal(buddy_alloc(&b, 16, &s, &bits), 9);
    assert_int_equal(b.used, 0);
    fail_split_after = ~0u;
    assert_int_equal(buddy_alloc(&b, 16, &s, &bits), 0); /* the halves made are used */
    assert_int_equal(ut[s].addr, 0);
    assert_int_equal(buddy_free(&b, s), 64 * 1024);
    assert_int_equal(b.state[0], BUDDY_FREE);
}

static void test_reset_after_revoke(void **state)
{
    (void)state;
    setup_domain(21, 16);
    uint64_t s;
    unsigned bits;
    for (int i = 0; i < 5; i++) {
        assert_int_equal(buddy_alloc(&b, 18, &s, &bits), 0);
    }
    buddy_reset(&b); /* the supervisor revoked the root: every half is gone */
    for (uint64_t i = 2; i < next_slot; i++) {
        assert_false(ut[i].live);
    }
    ut[b.slot[0]].children = 0; /* what the revoke did to the root */
    assert_int_equal(b.used, 0);
    assert_int_equal(buddy_largest_free(&b), 2u << 20);
    assert_int_equal(buddy_alloc(&b, 21, &s, &bits), 0);
    assert_int_equal(s, b.slot[0]);
}

/* Random allocations and frees: no overlap, used adds up, all free at the end. */
static void test_random(void **state)
{
    (void)state;
    setup_domain(22, 14); /* deeper than BUDDY_LEVELS allows: min_bits is raised to 15 */
    assert_int_equal(b.min_bits, 15);
    uint64_t held[64];
    unsigned n = 0;
    srand(7);
    for (int round = 0; round < 4000; round++) {
        if (n < 64 && (rand() % 3 != 0 || n == 0)) {
            unsigned want = 14 + (unsigned)(rand() % 8), bits;
            uint64_t s;
            long r = buddy_alloc(&b, want, &s, &bits);
            if (r == 0) {
                for (unsigned i = 0; i < n; i++) {
                    const struct ut *o = &ut[held[i]];
                    bool apart = ut[s].addr + (1ull << bits) <= o->addr ||
                                 o->addr + (1ull << o->bits) <= ut[s].addr;
                    assert_true(apart);
                }
                held[n++] = s;
            } else {
                assert_int_equal(r, BUDDY_NO_MEMORY);
            }
        } else {
            unsigned i = (unsigned)rand() % n;
            assert_true(buddy_free(&b, held[i]) > 0);
            held[i] = held[--n];
        }
        uint64_t sum = 0;
        for (unsigned i = 0; i < n; i++) {
            sum += 1ull << ut[held[i]].bits;
        }
        assert_int_equal(sum, b.used);
    }
    while (n) {
        buddy_free(&b, held[--n]);
    }
    assert_int_equal(b.state[0], BUDDY_FREE);
    assert_int_equal(ut[b.slot[0]].children, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alloc_sizes_and_addresses),
        cmocka_unit_test(test_free_joins_back_to_whole),
        cmocka_unit_test(test_failed_split_keeps_state),
        cmocka_unit_test(test_reset_after_revoke),
        cmocka_unit_test(test_random),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
