/* SPDX-License-Identifier: MIT */
/* Unit tests for kernel/core/cmdline.c. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <cmdline.h>

static void test_cmdline_finds_value_after_kernel_path(void **state)
{
    (void)state;
    char buf[32];
    assert_int_equal(cmdline_get("build/kernel/kernel.elf32 selftest=kernel-pf x=1", "selftest",
                                 buf, sizeof(buf)),
                     9);
    assert_string_equal(buf, "kernel-pf");
}

static void test_cmdline_missing_and_prefix_keys(void **state)
{
    (void)state;
    char buf[8] = "keep";
    assert_int_equal(cmdline_get("selftests=1 self=2", "selftest", buf, sizeof(buf)), -1);
    assert_string_equal(buf, "keep");
    assert_int_equal(cmdline_get("", "a", buf, sizeof(buf)), -1);
    assert_int_equal(cmdline_get("a=1", "", buf, sizeof(buf)), -1);
}

static void test_cmdline_bare_flag_and_last_wins(void **state)
{
    (void)state;
    char buf[8];
    assert_int_equal(cmdline_get("  quiet  ", "quiet", buf, sizeof(buf)), 0);
    assert_string_equal(buf, "");
    assert_int_equal(cmdline_get("a=1 a=22", "a", buf, sizeof(buf)), 2);
    assert_string_equal(buf, "22");
}

static void test_cmdline_truncates_long_values(void **state)
{
    (void)state;
    char buf[4];
    assert_int_equal(cmdline_get("k=abcdefgh", "k", buf, sizeof(buf)), 8);
    assert_string_equal(buf, "abc");
    assert_int_equal(cmdline_get("k=abcdefgh", "k", NULL, 0), 8);
}

static void test_cmdline_uint_decimal_and_hex(void **state)
{
    (void)state;
    uint64_t v = 7;
    assert_int_equal(cmdline_get_uint("k x=250", "x", 10000, &v), 0);
    assert_int_equal(v, 250);
    assert_int_equal(cmdline_get_uint("x=0x1F", "x", 100, &v), 0);
    assert_int_equal(v, 31);
    assert_int_equal(cmdline_get_uint("x=18446744073709551615", "x", UINT64_MAX, &v), 0);
    assert_true(v == UINT64_MAX);
}

static void test_cmdline_uint_rejects_bad_values(void **state)
{
    (void)state;
    uint64_t v = 7;
    assert_int_equal(cmdline_get_uint("y=1", "x", 100, &v), -1);
    assert_int_equal(cmdline_get_uint("x", "x", 100, &v), -2);
    assert_int_equal(cmdline_get_uint("x=", "x", 100, &v), -2);
    assert_int_equal(cmdline_get_uint("x=0x", "x", 100, &v), -2);
    assert_int_equal(cmdline_get_uint("x=12a", "x", 100, &v), -2);
    assert_int_equal(cmdline_get_uint("x=-1", "x", 100, &v), -2);
    assert_int_equal(cmdline_get_uint("x=101", "x", 100, &v), -2);
    assert_int_equal(cmdline_get_uint("x=18446744073709551616", "x", UINT64_MAX, &v), -2); /* 2^64 */
    assert_int_equal(cmdline_get_uint("x=123456789012345678901234", "x", UINT64_MAX, &v), -2);
    assert_int_equal(v, 7); /* untouched on every error */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cmdline_finds_value_after_kernel_path),
        cmocka_unit_test(test_cmdline_missing_and_prefix_keys),
        cmocka_unit_test(test_cmdline_bare_flag_and_last_wins),
        cmocka_unit_test(test_cmdline_truncates_long_values),
        cmocka_unit_test(test_cmdline_uint_decimal_and_hex),
        cmocka_unit_test(test_cmdline_uint_rejects_bad_values),
    };
    return cmocka_run_group_tests_name("cmdline", tests, NULL, NULL);
}
