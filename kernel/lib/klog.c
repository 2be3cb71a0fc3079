/* SPDX-License-Identifier: MIT */
/*
 * klog.c: the kernel log: "[   0.012345] INFO  boot: message\r\n" on the
 * arch console. Lines longer than the buffer are cut and marked with '~'.
 *
 * Every byte also goes into a ring buffer. Once user space owns the
 * console UART (klog_console_release), the ring is the only place the log
 * goes: the console server reads it with LOG_READ and prints it, so the
 * kernel and the UART driver never write to one line at once. kpanic has
 * its own output path and writes to COM1 regardless.
 */
#include <arch.h>
#include <fmt.h>
#include <klog.h>

static unsigned counts[KLOG_DEBUG + 1];

#define RING_SIZE 16384u /* a power of two: positions wrap with a mask */
static char ring[RING_SIZE];
static uint64_t written;      /* bytes logged since boot: the next byte's position */
static bool console_released; /* user space drives the console UART now */
static uint64_t handover;     /* the position where it did: readers start there */

static const char *const level_names[] = {"ERROR", "WARN ", "INFO ", "DEBUG"};

static void put(char c)
{
    ring[written++ & (RING_SIZE - 1)] = c;
    if (!console_released) {
        arch_console_putc(c);
    }
}

static void console_write(const char *s)
{
    for (; *s; s++) {
        put(*s);
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
            put('\r');
        }
        put(*s);
    }
}

unsigned klog_count(enum klog_level level) { return level <= KLOG_DEBUG ? counts[level] : 0; }

void klog_console_release(void)
{
    if (!console_released) {
        kinfo("klog", "the console UART now belongs to user space; "
                      "the kernel log goes to its ring buffer (LOG_READ)");
        console_released = true;
        handover = written; /* what came before is on COM1 already */
    }
}

void klog_console_reclaim(void)
{
    console_released = false; /* the machine is about to go: nobody else will print this */
}

uint64_t klog_read(uint64_t pos, char *out, size_t max, uint64_t *first)
{
    uint64_t oldest = written > RING_SIZE ? written - RING_SIZE : 0;

    if (oldest < handover) {
        oldest = handover;
    }
    if (pos < oldest) {
        pos = oldest; /* overwritten: the reader learns how much it lost from *first */
    }
    if (pos > written) {
        pos = written;
    }
    uint64_t n = written - pos < max ? written - pos : max;
    for (uint64_t i = 0; i < n; i++) {
        out[i] = ring[(pos + i) & (RING_SIZE - 1)];
    }
    *first = pos;
    return n;
}

size_t klog_tail(char *out, size_t max)
{
    uint64_t have = written < RING_SIZE ? written : RING_SIZE;
    uint64_t n = have < max ? have : max;

    for (uint64_t i = 0; i < n; i++) {
        out[i] = ring[(written - n + i) & (RING_SIZE - 1)];
    }
    return (size_t)n;
}
