/* SPDX-License-Identifier: MIT */
/*
 * klog.c: the kernel log: "[   0.012345] INFO  boot: message\r\n" on the
 * arch console. Lines longer than the buffer are cut and marked with '~'.
 */
#include <arch.h>
#include <fmt.h>
#include <klog.h>

static unsigned counts[KLOG_DEBUG + 1];

static const char *const level_names[] = {"ERROR", "WARN ", "INFO ", "DEBUG"};

static void console_write(const char *s)
{
    for (; *s; s++) {
        arch_console_putc(*s);
    }
}

void klog(enum klog_level level, const char *subsys, const char *fmt, ...)
{
    char line[256];
    uint64_t ns = arch_time_ns();
    int n = ksnprintf(line, sizeof(line),
                      "[%5llu.%06llu] %s %s: ", (unsigned long long)(ns / 1000000000u),
                      (unsigned long long)(ns / 1000u % 1000000u), level_names[level], subsys);
    va_list ap;

    if (n >= 0 && (size_t)n < sizeof(line)) {
        va_start(ap, fmt);
        int m = kvsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
        va_end(ap);
        if (m >= 0 && (size_t)(n + m) >= sizeof(line)) {
            line[sizeof(line) - 2] = '~';
        }
    }
    counts[level]++;
    console_write(line);
    console_write("\r\n");
}

void klog_raw(const char *s)
{
    for (; *s; s++) {
        if (*s == '\n') {
            arch_console_putc('\r');
        }
        arch_console_putc(*s);
    }
}

unsigned klog_count(enum klog_level level) { return level <= KLOG_DEBUG ? counts[level] : 0; }
