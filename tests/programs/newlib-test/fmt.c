/* SPDX-License-Identifier: MIT */
/*
 * fmt.c: newlib-test's printf checks (NL-FMT-*). Each case formats with
 * snprintf and compares with the text C11 (7.21.6.1) requires, and with the
 * length snprintf returns.
 */
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "check.h"

/* NULL if fmt formats to expected, else what it made instead. */
__attribute__((format(printf, 2, 3))) static const char *differs(const char *expected,
                                                                 const char *fmt, ...)
{
    char buf[160];
    va_list ap;

    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (strcmp(buf, expected) == 0 && n == (int)strlen(expected)) {
        return NULL;
    }
    return nl_detail("\"%s\" gave \"%s\" (length %d), expected \"%s\"", fmt, buf, n, expected);
}

/* Returns from the check if the case differs. */
#define EXPECT_FMT(expected, ...)                                                                  \
    do {                                                                                           \
        const char *why = differs(expected, __VA_ARGS__);                                          \
        if (why) {                                                                                 \
            return why;                                                                            \
        }                                                                                          \
    } while (0)

static const char *decimal(void)
{
    EXPECT_FMT("42", "%d", 42);
    EXPECT_FMT("-42", "%d", -42);
    EXPECT_FMT("0", "%d", 0);
    EXPECT_FMT("-7", "%i", -7);
    EXPECT_FMT("4294967295", "%u", 4294967295u);
    EXPECT_FMT("-2147483648 2147483647", "%d %d", INT_MIN, INT_MAX);
    return NULL;
}

static const char *conversions(void)
{
    EXPECT_FMT("deadbeef", "%x", 0xdeadbeefu);
    EXPECT_FMT("DEADBEEF", "%X", 0xdeadbeefu);
    EXPECT_FMT("ffffffff", "%x", UINT_MAX);
    EXPECT_FMT("10 777", "%o %o", 8u, 511u);
    EXPECT_FMT("A", "%c", 'A');
    EXPECT_FMT("[str]", "[%s]", "str");
    EXPECT_FMT("0x1234", "%p", (void *)0x1234);
    EXPECT_FMT("100%", "100%%");
    return NULL;
}

static const char *width_precision(void)
{
    EXPECT_FMT("   42|", "%5d|", 42);
    EXPECT_FMT("42   |", "%-5d|", 42);
    EXPECT_FMT("00042", "%.5d", 42);
    EXPECT_FMT("  -00042", "%8.5d", -42);
    EXPECT_FMT("abc", "%.3s", "abcdef");
    EXPECT_FMT("   ab", "%5.2s", "abc");
    EXPECT_FMT("   42", "%*d", 5, 42);
    EXPECT_FMT("7   |", "%-*d|", 4, 7);
    EXPECT_FMT("7   |", "%*d|", -4, 7); /* a negative width is the '-' flag */
    EXPECT_FMT("xy", "%.*s", 2, "xyz");
    EXPECT_FMT("", "%.0d", 0); /* precision 0 and value 0: no digits at all */
    return NULL;
}

static const char *flags(void)
{
    EXPECT_FMT("+5 -5", "%+d %+d", 5, -5);
    EXPECT_FMT(" 5|-5", "% d|% d", 5, -5);
    EXPECT_FMT("-0042", "%05d", -42);
    EXPECT_FMT("+42   |", "%-+6d|", 42);
    EXPECT_FMT("0xff 0XFF", "%#x %#X", 255u, 255u);
    EXPECT_FMT("010 0", "%#o %#o", 8u, 0u);
    EXPECT_FMT("0x00ff", "%#06x", 255u);
    EXPECT_FMT("-003.142", "%08.3f", -3.14159);
    EXPECT_FMT("+1.50", "%+.2f", 1.5);
    return NULL;
}

static const char *lengths(void)
{
    EXPECT_FMT("-9223372036854775808", "%ld", LONG_MIN);
    EXPECT_FMT("9223372036854775807", "%lld", LLONG_MAX);
    EXPECT_FMT("-9223372036854775808", "%lld", LLONG_MIN);
    EXPECT_FMT("18446744073709551615", "%lu", ULONG_MAX);
    EXPECT_FMT("18446744073709551615", "%zu", SIZE_MAX);
    EXPECT_FMT("123456789abcdef", "%llx", 0x123456789abcdefull);
    EXPECT_FMT("-56", "%hhd", 200); /* converted to signed char */
    EXPECT_FMT("200", "%hhu", 200);
    EXPECT_FMT("4464", "%hd", 70000); /* converted to short */
    EXPECT_FMT("-9223372036854775808", "%jd", INTMAX_MIN);
    EXPECT_FMT("-3", "%td", (ptrdiff_t)-3);
    return NULL;
}

static const char *floating(void)
{
    EXPECT_FMT("3.141590", "%f", 3.14159);
    EXPECT_FMT("-2.50", "%.2f", -2.5);
    EXPECT_FMT("3", "%.0f", 2.6);
    EXPECT_FMT("   3.142", "%8.3f", 3.14159);
    EXPECT_FMT("10000000000.000000", "%f", 1e10);
    EXPECT_FMT("1.234568e+04", "%e", 12345.678);
    EXPECT_FMT("1.235e+04", "%.3e", 12345.678);
    EXPECT_FMT(" 1.235e+04|", "%10.3e|", 12345.678);
    EXPECT_FMT("1.230000E-04", "%E", 0.000123);
    EXPECT_FMT("0.0001 1e-05", "%g %g", 0.0001, 0.00001);
    EXPECT_FMT("100000 1e+06", "%g %g", 100000.0, 1000000.0);
    EXPECT_FMT("1.23457e+08", "%g", 123456789.0);
    EXPECT_FMT("3.14", "%.3g", 3.14159);
    EXPECT_FMT("-1.5", "%g", -1.5);
    return NULL;
}

static const char *truncation(void)
{
    char buf[5];
    volatile size_t size = sizeof(buf); /* unknown to the compiler, which would warn of the cut */
    int n = snprintf(buf, size, "hello %s", "world");

    EXPECT(n == 11 && strcmp(buf, "hell") == 0,
           "snprintf into 5 bytes gave \"%s\" and %d, expected \"hell\" and 11", buf, n);
    n = snprintf(NULL, 0, "%d", 12345);
    EXPECT(n == 5, "snprintf(NULL, 0, \"%%d\", 12345) returned %d, expected 5", n);
    return NULL;
}

static const char *printf_stdout(void)
{
    static const char line[] = "newlib-test: printf 42 str 3.14 0x2a\n";
    int n = printf("newlib-test: printf %d %s %.2f %#x\n", 42, "str", 3.14159, 42u);

    EXPECT(n == (int)strlen(line), "printf returned %d, expected %zu", n, strlen(line));
    return NULL;
}

static const char *scan(void)
{
    int d = 0;
    unsigned x = 0;
    char word[8] = "";
    double f = 0;
    int n = sscanf("42 ff word 2.5", "%d %x %7s %lf", &d, &x, word, &f);

    EXPECT(n == 4 && d == 42 && x == 0xff && strcmp(word, "word") == 0 && f == 2.5,
           "sscanf read %d items: %d, %#x, \"%s\", %g", n, d, x, word, f);
    return NULL;
}

const struct nl_check nl_fmt_checks[] = {
    {"NL-FMT-001", "fmt", "%d, %i and %u print decimal, negative numbers and INT_MIN too", decimal},
    {"NL-FMT-002", "fmt", "%x %X %o %c %s %p and %% print as C11 says", conversions},
    {"NL-FMT-003", "fmt", "widths and precisions, also given as *, pad and cut", width_precision},
    {"NL-FMT-004", "fmt", "the flags - + space # and 0 change signs, prefixes and padding", flags},
    {"NL-FMT-005", "fmt", "hh h l ll j z t size the argument, up to LLONG_MAX and SIZE_MAX",
     lengths},
    {"NL-FMT-006", "fmt", "%e %f %g print doubles with the precision asked for", floating},
    {"NL-FMT-007", "fmt", "snprintf cuts to its buffer and returns the whole length", truncation},
    {"NL-FMT-008", "fmt", "printf writes a line to stdout and returns its length", printf_stdout},
    {"NL-FMT-009", "fmt", "sscanf reads back %d %x %s and %lf", scan},
    {NULL, NULL, NULL, NULL},
};
