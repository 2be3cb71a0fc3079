/* SPDX-License-Identifier: MIT */
/*
 * kernel_log.c: the kernel's log, printed by the console once the kernel
 * has let go of COM1.
 *
 * The kernel keeps every log byte in a ring buffer, read with LOG_READ by
 * position (bytes since boot). It also writes each byte to COM1 itself
 * until a user driver programs COM1's registers; then it logs one last line
 * there (klog_console_release, kernel/lib/klog.c), and from the next byte
 * on the ring is the only copy. LOG_READ starts readers at that handover
 * (what came before is on COM1 already), so the console reads from 0 and
 * prints what it gets as it is: whole lines ending in "\r\n", with their
 * own "[   time] LEVEL subsys:" prefix (or a program's DEBUG_PUTS text).
 * The console drains only once its UART driver is found, which programs
 * the UART before it registers, so the handover has happened by then.
 * A later gap between the position asked for and the one returned is log
 * the ring overwrote before the console read it, and is reported.
 */
#include "console.h"

#include <axl/string.h>
#include <axl/sys.h>

#define CHUNK ((AXL_MSG_MAX_WORDS - 2) * 8) /* the most one LOG_READ returns */
#define ROUNDS 32 /* chunks per drain: a kernel that logs without end cannot starve clients */

static uint64_t pos;        /* the next byte to read */
static bool started;        /* the first read was done */
static bool broken;         /* LOG_READ failed: do not try again */

/* The length of p[0..n) up to and including its last '\n' (0 if it has none). */
static size_t whole_lines(const char *p, size_t n)
{
    while (n > 0 && p[n - 1] != '\n') {
        n--;
    }
    return n;
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
        /* The first read starts at the handover (the kernel says where); later, a gap is loss. */
        if (started && first > pos) {
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
        output_raw(buf, k);
        pos += k;
    }
}
