/* SPDX-License-Identifier: MIT */
/* Unit tests for kernel/core/pmm.c: the physical frame allocator. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <cmocka.h>

#include <pmm.h>

#define MIB (1ull << 20)

static struct pmm p;
static uint64_t *bitmap;

static int setup_16mib(void **state)
{
    (void)state;
    bitmap = malloc(pmm_bitmap_bytes(16 * MIB));
    pmm_init(&p, bitmap, 16 * MIB);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    free(bitmap);
    return 0;
}

static void test_pmm_starts_with_nothing_free(void **state)
{
    (void)state;
    assert_int_equal(pmm_free_frames(&p), 0);
    assert_int_equal(pmm_alloc(&p), PMM_NONE);
}

static void test_pmm_bitmap_size_rounds_up(void **state)
{
    (void)state;
    assert_int_equal(pmm_bitmap_bytes(0), 0);
    assert_int_equal(pmm_bitmap_bytes(1), 8); /* one frame: one 64-bit word */
    assert_int_equal(pmm_bitmap_bytes(64 * 4096), 8);
    assert_int_equal(pmm_bitmap_bytes(64 * 4096 + 1), 16);
}

static void test_pmm_alloc_lowest_first_until_exhausted(void **state)
{
    (void)state;
    pmm_add_free(&p, 1 * MIB, 3 * 4096);
    assert_int_equal(pmm_free_frames(&p), 3);
    assert_int_equal(pmm_alloc(&p), 1 * MIB);
    assert_int_equal(pmm_alloc(&p), 1 * MIB + 4096);
    assert_int_equal(pmm_alloc(&p), 1 * MIB + 8192);
    assert_int_equal(pmm_alloc(&p), PMM_NONE);
    assert_int_equal(pmm_free_frames(&p), 0);
}

static void test_pmm_add_free_uses_whole_frames_only(void **state)
{
    (void)state;
    pmm_add_free(&p, 1 * MIB + 1, 2 * 4096); /* covers one whole frame: 1 MiB + 4 KiB */
    assert_int_equal(pmm_free_frames(&p), 1);
    assert_int_equal(pmm_alloc(&p), 1 * MIB + 4096);
}

static void test_pmm_reserve_wins_in_either_order(void **state)
{
    (void)state;
    pmm_reserve(&p, 2 * MIB, 4096); /* before the region is added */
    pmm_add_free(&p, 2 * MIB, 4 * 4096);
    pmm_reserve(&p, 2 * MIB + 8192, 1); /* after; one byte reserves its frame */
    assert_int_equal(pmm_free_frames(&p), 2);
    assert_int_equal(pmm_alloc(&p), 2 * MIB + 4096);
    assert_int_equal(pmm_alloc(&p), 2 * MIB + 12288);
    assert_int_equal(pmm_alloc(&p), PMM_NONE);
}

static void test_pmm_free_rejects_bad_frames(void **state)
{
    (void)state;
    pmm_add_free(&p, 1 * MIB, 2 * 4096);
    pmm_reserve(&p, 4 * MIB, 4096);
    paddr_t f = pmm_alloc(&p);
    assert_int_equal(pmm_free(&p, f + 1), -1);    /* unaligned */
    assert_int_equal(pmm_free(&p, 64 * MIB), -1); /* beyond the bitmap */
    assert_int_equal(pmm_free(&p, 4 * MIB), -1);  /* reserved */
    assert_int_equal(pmm_free(&p, f + 4096), -1); /* already free */
    assert_int_equal(pmm_free(&p, f), 0);
    assert_int_equal(pmm_free(&p, f), -1); /* double free */
    assert_int_equal(pmm_free_frames(&p), 2);
}

static void test_pmm_freed_frame_is_reused_first(void **state)
{
    (void)state;
    pmm_add_free(&p, 1 * MIB, 200 * 4096);
    paddr_t frames[150];
    for (int i = 0; i < 150; i++) {
        frames[i] = pmm_alloc(&p);
    }
    assert_int_equal(pmm_free(&p, frames[3]), 0);
    assert_int_equal(pmm_alloc(&p), frames[3]);
    assert_int_equal(pmm_alloc(&p), 1 * MIB + 150 * 4096);
}

static void test_pmm_ignores_memory_above_top(void **state)
{
    (void)state;
    pmm_add_free(&p, 15 * MIB, 4 * MIB); /* half of it lies above the 16 MiB top */
    assert_int_equal(pmm_free_frames(&p), 256);
    pmm_add_free(&p, UINT64_MAX - 4095, 8192); /* wraps: clipped, and above top anyway */
    assert_int_equal(pmm_free_frames(&p), 256);
}

static void test_pmm_reservation_table_overflow_is_reported(void **state)
{
    (void)state;
    int rc = 0;
    for (int i = 0; i <= PMM_MAX_RESERVED; i++) {
        rc = pmm_reserve(&p, (paddr_t)i * 8192, 4096);
    }
    assert_int_equal(rc, -1);
    pmm_add_free(&p, 0, 16 * MIB);
    /* The frames of the last, unremembered reservation were still marked
     * at the time; add_free after it cannot know, which is why the kernel
     * reserves after adding. Remembered ones stay reserved. */
    assert_int_equal(pmm_free(&p, 0), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_pmm_starts_with_nothing_free, setup_16mib, teardown),
        cmocka_unit_test_setup_teardown(test_pmm_bitmap_size_rounds_up, setup_16mib, teardown),
        cmocka_unit_test_setup_teardown(test_pmm_alloc_lowest_first_until_exhausted, setup_16mib,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_pmm_add_free_uses_whole_frames_only, setup_16mib,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_pmm_reserve_wins_in_either_order, setup_16mib,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_pmm_free_rejects_bad_frames, setup_16mib, teardown),
        cmocka_unit_test_setup_teardown(test_pmm_freed_frame_is_reused_first, setup_16mib,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_pmm_ignores_memory_above_top, setup_16mib, teardown),
        cmocka_unit_test_setup_teardown(test_pmm_reservation_table_overflow_is_reported,
                                        setup_16mib, teardown),
    };
    return cmocka_run_group_tests_name("pmm", tests, NULL, NULL);
}
