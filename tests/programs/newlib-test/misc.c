/* SPDX-License-Identifier: MIT */
/*
 * misc.c: newlib-test's other checks: setjmp, assert, <stdlib.h>, libm,
 * <string.h>, clocks, getpid and the standard streams.
 */
#define _POSIX_C_SOURCE 200809L /* strdup, strtok_r, fileno */

#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <axl/proc.h>

#include "check.h"

static jmp_buf jump;

/* Calls itself depth times, then jumps; a negative depth returns (GCC wants some way back). */
static void jump_from_deep(int depth, int value)
{
    if (depth < 0) {
        return;
    }
    if (depth > 0) {
        jump_from_deep(depth - 1, value);
    }
    longjmp(jump, value);
}

/* setjmp may only be the whole controlling expression of a switch or an if (C11 7.13.1.1). */
static const char *set_long_jump(void)
{
    volatile int passes = 0, arrived = -1;

    switch (setjmp(jump)) {
    case 0:
        passes++;
        jump_from_deep(10, 42);
        break; /* not reached */
    case 42:
        arrived = 42;
        break;
    default:
        break;
    }
    EXPECT(arrived == 42 && passes == 1, "setjmp did not return 42 once after longjmp");
    passes = 0;
    if (setjmp(jump) == 0) {
        EXPECT(passes++ == 0, "longjmp(env, 0) made setjmp return 0");
        longjmp(jump, 0);
    }
    EXPECT(passes == 1, "setjmp returned non-zero without a longjmp");
    return NULL;
}

static const char *passing_assert(void)
{
    int two = 2;
    assert(two + two == 4);
    return NULL; /* a failing assert would have ended the program with "assertion ... failed" */
}

static const char *string_to_number(void)
{
    char *end;
    long v = strtol("  -123xyz", &end, 10);

    EXPECT(v == -123 && *end == 'x', "strtol(\"  -123xyz\") = %ld, stopping at '%c'", v, *end);
    EXPECT(strtol("0x1F", NULL, 16) == 31 && strtol("0x1F", NULL, 0) == 31, "hex with 0x");
    EXPECT(strtol("0777", NULL, 0) == 511, "base 0 reads 0777 as octal");
    errno = 0;
    v = strtol("99999999999999999999", NULL, 10);
    EXPECT(v == LONG_MAX && errno == ERANGE, "overflow gave %ld and errno %d", v, errno);
    EXPECT(strtoul("ff", NULL, 16) == 255 && atoi("42") == 42, "strtoul and atoi");
    double d = strtod("3.5e2", &end);
    EXPECT(d == 350.0 && *end == '\0', "strtod(\"3.5e2\") = %g", d);
    return NULL;
}

static int compare_ints(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

static int sorted[1000];

static const char *sorting(void)
{
    unsigned long long rng = 12345;

    for (int i = 0; i < 1000; i++) {
        sorted[i] = (int)(nl_random(&rng) % 100000) * 2; /* even: odd keys are surely absent */
    }
    qsort(sorted, 1000, sizeof(sorted[0]), compare_ints);
    for (int i = 1; i < 1000; i++) {
        EXPECT(sorted[i - 1] <= sorted[i], "element %d (%d) > element %d (%d)", i - 1,
               sorted[i - 1], i, sorted[i]);
    }
    return NULL;
}

static const char *binary_search(void)
{
    for (int i = 0; i < 1000; i++) {
        int *hit = bsearch(&sorted[i], sorted, 1000, sizeof(sorted[0]), compare_ints);
        EXPECT(hit && *hit == sorted[i], "bsearch missed %d, which is element %d", sorted[i], i);
        int odd = sorted[i] + 1;
        EXPECT(!bsearch(&odd, sorted, 1000, sizeof(sorted[0]), compare_ints),
               "bsearch found %d, which is not there", odd);
    }
    return NULL;
}

static const char *maths(void)
{
    EXPECT(fabs(sqrt(2.0) * sqrt(2.0) - 2.0) < 1e-12, "sqrt(2)^2 = %.17g", sqrt(2.0) * sqrt(2.0));
    EXPECT(pow(2.0, 10.0) == 1024.0 && floor(-2.5) == -3.0 && ceil(2.1) == 3.0, "pow, floor, ceil");
    const double pi = 3.14159265358979323846;
    EXPECT(fabs(sin(pi / 6) - 0.5) < 1e-12 && fabs(exp(log(10.0)) - 10.0) < 1e-12, "sin, exp, log");
    return NULL;
}

static const char *strings(void)
{
    char buf[32] = "";

    EXPECT(strlen("axolotl") == 7 && strcmp("abc", "abd") < 0 && strncmp("abcx", "abcy", 3) == 0,
           "strlen, strcmp, strncmp");
    strcpy(buf, "axo");
    strcat(buf, "lotl");
    EXPECT(strcmp(buf, "axolotl") == 0, "strcpy and strcat made \"%s\"", buf);
    EXPECT(strchr(buf, 'o') == buf + 2 && strrchr(buf, 'o') == buf + 4, "strchr, strrchr");
    EXPECT(strstr(buf, "lot") == buf + 3 && !strstr(buf, "xyz"), "strstr");
    EXPECT(memchr(buf, 'l', 7) == buf + 3 && memcmp("ab", "ac", 2) < 0, "memchr, memcmp");
    EXPECT(strspn("aab c", "ab") == 3 && strcspn("xyz,", ",") == 3, "strspn, strcspn");

    char text[] = "one two  three", *save, *words[4];
    int n = 0;
    for (char *w = strtok_r(text, " ", &save); w && n < 4; w = strtok_r(NULL, " ", &save)) {
        words[n++] = w;
    }
    EXPECT(n == 3 && strcmp(words[2], "three") == 0, "strtok_r found %d words", n);
    char *copy = strdup("copied");
    EXPECT(copy && strcmp(copy, "copied") == 0, "strdup");
    free(copy);
    return NULL;
}

/* memcpy, memmove and memset against byte loops, at every small alignment and length. */
static const char *memory_moves(void)
{
    static unsigned char a[128], b[128], want[128];

    for (size_t off = 0; off < 8; off++) {
        for (size_t len = 0; len < 80; len += 7) {
            for (size_t i = 0; i < sizeof(a); i++) {
                a[i] = (unsigned char)(i * 7 + 1);
                b[i] = 0;
            }
            memcpy(b + off, a + 3, len);
            for (size_t i = 0; i < len; i++) {
                EXPECT(b[off + i] == a[3 + i], "memcpy(+%zu, +3, %zu): byte %zu", off, len, i);
            }
            memcpy(want, a, sizeof(a));
            for (size_t i = len; i-- > 0;) { /* forward overlap: copy from the end */
                want[off + 5 + i] = want[off + i];
            }
            memmove(a + off + 5, a + off, len);
            EXPECT(memcmp(a, want, sizeof(a)) == 0, "memmove up by 5 (+%zu, %zu)", off, len);
            memmove(a + off, a + off + 5, len);
            for (size_t i = 0; i < len; i++) {
                want[off + i] = want[off + 5 + i];
            }
            EXPECT(memcmp(a, want, sizeof(a)) == 0, "memmove down by 5 (+%zu, %zu)", off, len);
            memset(b + off, 0xa5, len);
            for (size_t i = 0; i < len; i++) {
                EXPECT(b[off + i] == 0xa5, "memset(+%zu, %zu): byte %zu", off, len, i);
            }
            EXPECT(b[off + len] == 0, "memset(+%zu, %zu) wrote past its end", off, len);
        }
    }
    return NULL;
}

static long long ns(const struct timespec *t) { return t->tv_sec * 1000000000ll + t->tv_nsec; }

static const char *monotonic(void)
{
    struct timespec first, prev, now;

    EXPECT(clock_gettime(CLOCK_MONOTONIC, &first) == 0, "clock_gettime failed: errno %d", errno);
    prev = first;
    for (int i = 0; i < 10000; i++) {
        clock_gettime(CLOCK_MONOTONIC, &now);
        EXPECT(ns(&now) >= ns(&prev), "went back from %lld ns to %lld ns", ns(&prev), ns(&now));
        EXPECT(now.tv_nsec >= 0 && now.tv_nsec < 1000000000, "tv_nsec %ld", now.tv_nsec);
        prev = now;
    }
    EXPECT(ns(&now) > ns(&first), "10000 reads took no time at all");
    return NULL;
}

static const char *clocks_agree(void)
{
    struct timespec rt, res;
    struct timeval tv;

    EXPECT(clock_gettime(CLOCK_REALTIME, &rt) == 0 && gettimeofday(&tv, NULL) == 0,
           "CLOCK_REALTIME or gettimeofday failed: errno %d", errno);
    time_t t = time(NULL);
    EXPECT(t - rt.tv_sec <= 1 && tv.tv_sec - rt.tv_sec <= 1 && t >= rt.tv_sec,
           "time() %lld, gettimeofday %lld and CLOCK_REALTIME %lld s disagree", (long long)t,
           (long long)tv.tv_sec, (long long)rt.tv_sec);
    EXPECT(clock_getres(CLOCK_MONOTONIC, &res) == 0 && res.tv_sec == 0 && res.tv_nsec >= 1 &&
               res.tv_nsec <= 1000,
           "clock_getres gave %ld ns, expected 1 to 1000", res.tv_nsec);
    clock_t c0 = clock(), c1 = clock();
    EXPECT(c0 != (clock_t)-1 && c1 >= c0, "clock() gave %ld then %ld", (long)c0, (long)c1);
    EXPECT(clock_gettime((clockid_t)12345, &rt) == -1 && errno == EINVAL,
           "a clock there is not was not refused with EINVAL");
    return NULL;
}

static const char *process_id(void)
{
    pid_t want = axl_procinfo ? (pid_t)axl_procinfo->pid : 1;

    EXPECT(getpid() > 0 && getpid() == want, "getpid() = %d, expected %d", (int)getpid(),
           (int)want);
    return NULL;
}

static const char *terminals(void)
{
    struct stat st;

    for (int fd = 0; fd <= 2; fd++) {
        EXPECT(isatty(fd) == 1, "isatty(%d) = 0", fd);
        EXPECT(fstat(fd, &st) == 0 && S_ISCHR(st.st_mode), "fstat(%d) is not a character device",
               fd);
    }
    errno = 0;
    EXPECT(isatty(3) == 0 && errno == EBADF, "isatty(3): errno %d, expected EBADF", errno);
    EXPECT(fileno(stdout) == 1 && (stdout->_flags & __SLBF), "stdout is not line-buffered");
    return NULL;
}

static const char *no_files(void)
{
    errno = 0;
    EXPECT(!fopen("/etc/motd", "r") && errno == ENOENT, "fopen: errno %d, expected ENOENT", errno);
    EXPECT(write(5, "x", 1) == -1 && errno == EBADF, "write(5): errno %d, expected EBADF", errno);
    EXPECT(lseek(1, 0, SEEK_SET) == -1 && errno == ESPIPE, "lseek(1): errno %d", errno);
    EXPECT(close(7) == -1 && errno == EBADF, "close(7): errno %d, expected EBADF", errno);
    static const char line[] = "newlib-test: write(1) goes to the same place as printf\n";
    EXPECT(write(1, line, sizeof(line) - 1) == (int)sizeof(line) - 1, "write(1) failed");
    return NULL;
}

const struct nl_check nl_misc_checks[] = {
    {"NL-JMP-001", "setjmp", "longjmp returns to setjmp through nested calls, 0 arriving as 1",
     set_long_jump},
    {"NL-AST-001", "assert", "an assert that holds does nothing", passing_assert},
    {"NL-STD-001", "stdlib", "strtol, strtoul, atoi and strtod parse, and report overflow",
     string_to_number},
    {"NL-STD-002", "stdlib", "qsort sorts 1000 integers", sorting},
    {"NL-STD-003", "stdlib", "bsearch finds every element of the sorted array, and no other",
     binary_search},
    {"NL-MTH-001", "math", "libm's sqrt, pow, floor, ceil, sin, exp and log", maths},
    {"NL-STR-001", "string", "the <string.h> functions find, compare, copy and split", strings},
    {"NL-STR-002", "string", "memcpy, memmove and memset at every alignment and length",
     memory_moves},
    {"NL-TIM-001", "time", "CLOCK_MONOTONIC never goes back, and moves", monotonic},
    {"NL-TIM-002", "time", "CLOCK_REALTIME, gettimeofday, time and clock agree", clocks_agree},
    {"NL-PID-001", "pid", "getpid is the process's id (1 in the root task)", process_id},
    {"NL-IO-001", "io", "0, 1 and 2 are terminals, so stdout is line-buffered", terminals},
    {"NL-IO-002", "io", "there are no files: open fails with ENOENT, other descriptors EBADF",
     no_files},
    {NULL, NULL, NULL, NULL},
};
