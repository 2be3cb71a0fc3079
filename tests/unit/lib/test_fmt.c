/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for kernel/lib/fmt.c: kvsnprintf must agree with the host C
 * library's snprintf on every format the kernel uses, including truncation
 * and the return value.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <fmt.h>

/* These tests truncate and use invalid conversions on purpose. */
#pragma GCC diagnostic ignored "-Wformat-truncation"
#pragma GCC diagnostic ignored "-Wformat"
#pragma GCC diagnostic ignored "-Wformat-extra-args"
#pragma GCC diagnostic ignored "-Wformat-overflow"

/* Formats with both implementations and compares output and return value. */
#define SAME(size, ...)                                                                            \
    do {                                                                                           \
        char a[128], b[128];                                                                       \
        memset(a, 'Z', sizeof(a));                                                                 \
        memset(b, 'Z', sizeof(b));                                                                 \
        int ra = ksnprintf(a, size, __VA_ARGS__);                                                  \
        int rb = snprintf(b, size, __VA_ARGS__);                                                   \
        assert_int_equal(ra, rb);                                                                  \
        assert_memory_equal(a, b, sizeof(a));                                                      \
    } while (0)

static void test_fmt_integers_match_libc(void **state)
{
    (void)state;
    SAME(128, "%d %i %u", 0, -42, 42u);
    SAME(128, "%d %d", INT32_MIN, INT32_MAX);
    SAME(128, "%lld %llu", (long long)INT64_MIN, (unsigned long long)UINT64_MAX);
    SAME(128, "%ld %lu %zu %td %jd", -7L, 7UL, (size_t)123, (ptrdiff_t)-5, (intmax_t)99);
    SAME(128, "%hhd %hhu %hd %hu", -1, 255, -2, 65535);
    SAME(128, "%x %X %o %#x %#X %#o", 0xbeefu, 0xbeefu, 8u, 0x1fu, 0x1fu, 8u);
    SAME(128, "%016llx|%-6d|%6d|%06d|%+d|% d", 0xdeadbeefull, 42, 42, -42, 5, 5);
    SAME(128, "%.3d|%.0d|%8.3x|%-8.3x|", 7, 0, 0xau, 0xau);
    SAME(128, "%*d|%-*d|%.*d", 5, 1, 5, 2, 3, 3);
    SAME(128, "%*d", -4, 9);
}

static void test_fmt_strings_chars_pointers(void **state)
{
    (void)state;
    SAME(128, "[%s] [%10s] [%-10s] [%.2s] [%*.*s]", "abc", "abc", "abc", "abc", 6, 1, "xyz");
    SAME(128, "%c%c%c %%", 'a', 'b', 'c');
    SAME(128, "%5c|%-5c|", 'x', 'y');
    SAME(128, "%p", (void *)0xffffffff80100000ull);
}

static void test_fmt_truncation_and_return_value(void **state)
{
    (void)state;
    SAME(1, "hello");
    SAME(5, "hello %d", 12345);
    SAME(6, "%s", "hello world");
    char one[1] = {'x'};
    assert_int_equal(ksnprintf(one, 0, "abc"), 3);
    assert_int_equal(one[0], 'x'); /* size 0: nothing written */
}

static void test_fmt_null_string_and_unknown_conversion(void **state)
{
    (void)state;
    char buf[32];
    ksnprintf(buf, sizeof(buf), "%s", (const char *)NULL);
    assert_string_equal(buf, "(null)");
    ksnprintf(buf, sizeof(buf), "a%qb"); /* unknown: printed verbatim, no argument consumed */
    assert_string_equal(buf, "a%qb");
    ksnprintf(buf, sizeof(buf), "end%");
    assert_string_equal(buf, "end%");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fmt_integers_match_libc),
        cmocka_unit_test(test_fmt_strings_chars_pointers),
        cmocka_unit_test(test_fmt_truncation_and_return_value),
        cmocka_unit_test(test_fmt_null_string_and_unknown_conversion),
    };
    return cmocka_run_group_tests_name("fmt", tests, NULL, NULL);
}
