/* SPDX-License-Identifier: MIT */
/*
 * axl/mm.h: the client side of the memory manager (servers/mm, AXL_MM_OPS of
 * <axl/protocols.h>, docs/swap.md). A client attaches once, then allocates
 * pages in its paged window (AXL_PROC_PAGED_BASE) and frees them. Its
 * manifest entry needs `endpoints = mm` and `pager = mm`: the pages are
 * mapped when first touched, by mm, which handles the client's page faults.
 */
#ifndef AXL_LIBIPC_MM_H
#define AXL_LIBIPC_MM_H

#include <stdint.h>

/* MM_STATS's results, in order (MR1..MR11). */
struct axl_mm_stats {
    uint64_t frames, free_frames, resident, swapped, pageouts, pageins, store_failed, committed,
        limit, throttled, reclaimed;
};

/* Sends this process's address space (AXL_PROC_SLOT_VSPACE) to mm at endpoint ep. A second
 * attach drops everything the first had. *base, *pages: the window (either may be NULL). */
long axl_mm_attach(uint64_t ep, uint64_t *base, uint64_t *pages);

/*
 * Commits n pages at the end of the window; *addr their address. When mm throttles
 * (AXL_S_LIMIT: the memory it can back is all committed), waits the retry-after time it
 * gives, doubling up to 100 ms, and asks again until deadline_us microseconds have passed
 * since the call; then returns AXL_S_LIMIT. *throttled (may be NULL): how many times it
 * was told to wait.
 */
long axl_mm_alloc(uint64_t ep, uint64_t n, uint64_t deadline_us, uint64_t *addr,
                  uint64_t *throttled);

/* Drops pages addr..addr + n pages (no I/O; their contents are gone); *dropped how many
 * were committed (may be NULL). */
long axl_mm_free(uint64_t ep, uint64_t addr, uint64_t n, uint64_t *dropped);

long axl_mm_stats(uint64_t ep, struct axl_mm_stats *s);

#endif /* AXL_LIBIPC_MM_H */
