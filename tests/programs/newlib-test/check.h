/* SPDX-License-Identifier: MIT */
/*
 * check.h: the checks of newlib-test and how they report (see main.c).
 *
 * A check is a function that returns NULL when everything it expects
 * holds, or a sentence saying what did not (the detail of its FAIL line):
 * EXPECT returns at the first expectation that fails. Each check has a
 * stable ID (NL-AREA-NNN, never reused for another meaning), a group that
 * the program's arguments can select, and a sentence that says what must
 * hold.
 */
#ifndef NEWLIB_TEST_CHECK_H
#define NEWLIB_TEST_CHECK_H

#include <stdbool.h>
#include <stddef.h>

struct nl_check {
    const char *id;    /* "NL-FMT-001" */
    const char *group; /* "fmt", ...: what the arguments select */
    const char *what;  /* what must hold */
    const char *(*run)(void);
};

/* The checks of each file, ending with an entry whose id is NULL. */
extern const struct nl_check nl_fmt_checks[], nl_mem_checks[], nl_misc_checks[];

/* Formats a failure's detail into a buffer shared by all checks, and returns it. */
const char *nl_detail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Returns the detail (printf-style arguments) from the check if cond is false. */
#define EXPECT(cond, ...)                                                                          \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            return nl_detail(__VA_ARGS__);                                                         \
        }                                                                                          \
    } while (0)

/* A small deterministic generator (xorshift64), so a failing run can be repeated exactly. */
static inline unsigned long long nl_random(unsigned long long *state)
{
    unsigned long long x = *state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *state = x;
}

#endif /* NEWLIB_TEST_CHECK_H */
