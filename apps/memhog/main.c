/* SPDX-License-Identifier: MIT */
/*
 * memhog: allocates until its memory quota is gone (the memory-hog
 * scenario, docs/resources.md). malloc must then return NULL with errno
 * ENOMEM, and everything it allocated must still hold what it wrote: the
 * quota ends the growth, not the process and not its data. It then frees
 * half and checks that malloc works again, frees the rest, and exits 0.
 * args: chunk=BYTES (default 16384); hold=MS (default 0): before freeing,
 * stay at the quota this long, asking for more every millisecond (every
 * ask must fail with ENOMEM), so the rest of the system runs beside a
 * process that is out of memory and keeps trying.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <axl/axl.h>
#include <axl/proc.h>
#include <axl/time.h>

#define MAX_CHUNKS 8192

static unsigned char *chunks[MAX_CHUNKS];

static unsigned char pattern(size_t chunk, size_t i) { return (unsigned char)(chunk * 131 + i * 7 + 1); }

int main(void)
{
    size_t chunk = 16384;
    const char *arg = axl_procinfo ? strstr(axl_procinfo->args, "chunk=") : NULL;
    if (arg) {
        char *end;
        unsigned long v = strtoul(arg + 6, &end, 0);
        if (v < 16 || v > (1ul << 24) || (*end && *end != ' ')) {
            printf("memhog: bad chunk '%s' (16..16777216 bytes)\n", arg + 6);
            return 2;
        }
        chunk = v;
    }
    unsigned long hold_ms = 0;
    arg = axl_procinfo ? strstr(axl_procinfo->args, "hold=") : NULL;
    if (arg) {
        char *end;
        hold_ms = strtoul(arg + 5, &end, 10);
        if (end == arg + 5 || hold_ms > 600000 || (*end && *end != ' ')) {
            printf("memhog: bad hold '%s' (0..600000 ms)\n", arg + 5);
            return 2;
        }
    }
    uint64_t quota = axl_procinfo ? axl_procinfo->heap_quota : 0;
    printf("memhog: allocating %zu-byte chunks until the %llu KiB quota is gone\n", chunk,
           (unsigned long long)(quota / 1024));

    size_t n = 0;
    errno = 0;
    while (n < MAX_CHUNKS) {
        unsigned char *p = malloc(chunk);
        if (!p) {
            break;
        }
        for (size_t i = 0; i < chunk; i++) {
            p[i] = pattern(n, i);
        }
        chunks[n++] = p;
    }
    int e = errno;
    if (n == MAX_CHUNKS || e != ENOMEM) {
        printf("memhog: FAILED: malloc %s after %zu chunks (errno %d: %s)\n",
               n == MAX_CHUNKS ? "never failed" : "failed without ENOMEM", n, e, strerror(e));
        return 1;
    }
    printf("memhog: malloc returned NULL with ENOMEM after %zu chunks (%zu KiB)\n", n,
           n * chunk / 1024);

    size_t bad = 0;
    for (size_t c = 0; c < n; c++) {
        for (size_t i = 0; i < chunk; i++) {
            bad += chunks[c][i] != pattern(c, i);
        }
    }
    if (bad) {
        printf("memhog: FAILED: %zu bytes changed\n", bad);
        return 1;
    }
    printf("memhog: all %zu chunks intact\n", n);

    unsigned long asks = 0;
    uint64_t hz = axl_procinfo ? axl_procinfo->tsc_hz : 0, until = axl_rdtsc() + hold_ms * (hz / 1000);
    while (hold_ms && axl_rdtsc() < until) {
        errno = 0;
        void *p = malloc(chunk);
        if (p || errno != ENOMEM) {
            printf("memhog: FAILED: at the quota, malloc %s\n", p ? "succeeded" : "failed without ENOMEM");
            return 1;
        }
        asks++;
        axl_sleep_us(1000);
    }
    if (hold_ms) {
        printf("memhog: held the quota for %lu ms: %lu more mallocs, every one ENOMEM\n", hold_ms,
               asks);
    }

    for (size_t c = n / 2; c < n; c++) {
        free(chunks[c]);
        chunks[c] = NULL;
    }
    size_t again = 0;
    while (again < n - n / 2) {
        unsigned char *p = malloc(chunk);
        if (!p) {
            break;
        }
        chunks[n / 2 + again++] = p;
    }
    if (again == 0) {
        printf("memhog: FAILED: after freeing %zu chunks, malloc still fails\n", n - n / 2);
        return 1;
    }
    printf("memhog: after freeing %zu chunks, malloc gave %zu back\n", n - n / 2, again);
    for (size_t c = 0; c < n; c++) {
        free(chunks[c]);
    }
    printf("memhog: done\n");
    return 0;
}
