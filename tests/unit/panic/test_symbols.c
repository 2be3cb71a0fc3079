/* SPDX-License-Identifier: MIT */
/* Unit tests for kernel/panic/symbols.c: address -> symbol+offset. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <cmocka.h>

#include <symbols.h>

static const char names[] = "alpha\0beta\0gamma";
static const struct ksym syms[] = {
    {0x1000, 0x20, 0},  /* alpha: sized, ends at 0x1020 */
    {0x1040, 0, 6},     /* beta: unsized, runs to the next symbol */
    {0x1100, 0x10, 11}, /* gamma */
};
static const struct ksym_table table = {3, syms, names, sizeof(names)};

static void test_symbols_exact_and_inside(void **state)
{
    (void)state;
    uint64_t off = 99;
    assert_string_equal(ksym_find(&table, 0x1000, &off), "alpha");
    assert_int_equal(off, 0);
    assert_string_equal(ksym_find(&table, 0x101f, &off), "alpha");
    assert_int_equal(off, 0x1f);
    assert_string_equal(ksym_find(&table, 0x110f, &off), "gamma");
    assert_int_equal(off, 0xf);
}

static void test_symbols_rejects_before_first_and_gaps(void **state)
{
    (void)state;
    uint64_t off;
    assert_null(ksym_find(&table, 0xfff, &off));
    assert_null(ksym_find(&table, 0x1020, &off)); /* just past alpha's end */
    assert_null(ksym_find(&table, 0x1110, &off)); /* past the last sized symbol */
}

static void test_symbols_unsized_extends_to_next(void **state)
{
    (void)state;
    uint64_t off;
    assert_string_equal(ksym_find(&table, 0x10ff, &off), "beta");
    assert_int_equal(off, 0xbf);
}

static void test_symbols_empty_or_malformed_table(void **state)
{
    (void)state;
    uint64_t off;
    const struct ksym_table empty = {0, syms, names, sizeof(names)};
    const struct ksym bad[] = {{0x1000, 0x10, 4096}};
    const struct ksym_table badnames = {1, bad, names, sizeof(names)};
    assert_null(ksym_find(&empty, 0x1000, &off));
    assert_null(ksym_find(NULL, 0x1000, &off));
    assert_null(ksym_find(&badnames, 0x1000, &off));
}

static void test_symbols_many_entries_binary_search(void **state)
{
    (void)state;
    static struct ksym many[1000];
    static char many_names[1000 * 12];
    for (int i = 0; i < 1000; i++) {
        many[i] = (struct ksym){0x10000 + (uint64_t)i * 0x40, 0x30, (uint32_t)i * 12};
        snprintf(many_names + i * 12, 12, "f%u", (unsigned)i % 1000u);
    }
    const struct ksym_table t = {1000, many, many_names, sizeof(many_names)};
    uint64_t off;
    for (int i = 0; i < 1000; i += 37) {
        const char *n = ksym_find(&t, 0x10000 + (uint64_t)i * 0x40 + 5, &off);
        char want[12];
        snprintf(want, sizeof(want), "f%u", (unsigned)i % 1000u);
        assert_string_equal(n, want);
        assert_int_equal(off, 5);
        assert_null(ksym_find(&t, 0x10000 + (uint64_t)i * 0x40 + 0x30, &off));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_symbols_exact_and_inside),
        cmocka_unit_test(test_symbols_rejects_before_first_and_gaps),
        cmocka_unit_test(test_symbols_unsized_extends_to_next),
        cmocka_unit_test(test_symbols_empty_or_malformed_table),
        cmocka_unit_test(test_symbols_many_entries_binary_search),
    };
    return cmocka_run_group_tests_name("symbols", tests, NULL, NULL);
}
