/* SPDX-License-Identifier: MIT */
/*
 * kernel_log.c: the kernel's log, printed by the console once the kernel
 * has let go of COM1.
 *
 * The kernel keeps every log byte in a ring buffer, read with LOG_READ by
 * position (bytes since boot). It also writes each byte to COM1 itself
 * until the root task issues COM1's ports to a driver; then it logs one
 * last line there (klog_console_release, kernel/lib/klog.c), and from the
 * next byte on the ring is the only copy. So the console skips the log up
 * to the end of that handover line, which COM1 has shown already, and
 * prints what follows as it is: whole lines ending in "\r\n", with their
 * own "[   time] LEVEL subsys:" prefix (or a program's DEBUG_PUTS text).
 * With a UART other than COM1 the handover never comes, and the kernel
 * keeps printing its log itself.
 *
 * Limits: the handover line is found by its text, and must still be in the
 * ring when the console starts. If the ring has wrapped by the first read
 * (a console restarted much later), the console assumes the handover is
 * long past and prints from the oldest byte there is.
 */
#include "console.h"

#include <axl/string.h>
#include <axl/sys.h>

/* What klog_console_release logs (kernel/lib/klog.c): keep the two in step. */
#define HANDOVER_TEXT "the console UART now belongs to user space"
#define CHUNK ((AXL_MSG_MAX_WORDS - 2) * 8) /* the most one LOG_READ returns */
#define ROUNDS 32 /* chunks per drain: a kernel that logs without end cannot starve clients */

static uint64_t pos;        /* the next byte to read */
static bool ours;           /* COM1 was handed over: what the log holds from pos on is ours to print */
static bool started;        /* the first read was done */
static bool broken;         /* LOG_READ failed: do not try again */

/* Whether p[0..n) contains s. */
static bool contains(const char *p, size_t n, const char *s)
{
    size_t k = strlen(s);

    for (size_t i = 0; i + k <= n; i++) {
        if (memcmp(p + i, s, k) == 0) {
            return true;
        }
    }
    return false;
}

/* The length of p[0..n) up to and including its last '\n' (0 if it has none). */
static size_t whole_lines(const char *p, size_t n)
{
    while (n > 0 && p[n - 1] != '\n') {
        n--;
    }
    return n;
}

/* Prints p[0..n), skipping lines up to and including the handover line while not yet ours. */
static void take(const char *p, size_t n)
{
    size_t i = 0;

    while (!ours && i < n) {
        size_t end = i;
        while (end < n && p[end++] != '\n') {
        }
        ours = contains(p + i, end - i, HANDOVER_TEXT);
        i = end;
    }
    if (i < n) {
        output_raw(p + i, n - i);
    }
}

void kernel_log_drain(bool all)
{
    char buf[CHUNK];

    for (unsigned round = 0; round < ROUNDS && !broken; round++) {
        uint64_t first;
        size_t n;
        long err = axl_log_read(pos, &first, buf, sizeof(buf), &n);
        if (err) {
            broken = true;
            output_note("cannot read the kernel log: %s", axl_strerror(err));
            return;
        }
        if (!started && first > 0) {
            ours = true; /* the ring wrapped before we came: the handover line may be gone */
        } else if (first > pos && ours) {
            output_note("%llu bytes of kernel log lost", (unsigned long long)(first - pos));
        }
        started = true;
        pos = first;
        /* Whole lines only, but a line longer than a read, or anything at all on SYNC. */
        size_t k = whole_lines(buf, n);
        if (k == 0 && (n == sizeof(buf) || all)) {
            k = n;
        }
        if (k == 0) {
            return; /* nothing new, or only a line still being written */
        }
        take(buf, k);
        pos += k;
    }
}
