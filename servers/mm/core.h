/* SPDX-License-Identifier: MIT */
/*
 * core.h: the memory manager's bookkeeping (servers/mm, docs/swap.md):
 * which client page is where (untouched, in a frame, on swap), the clock
 * that picks a frame to reclaim, swap slots, and admission (commit limit).
 *
 * Pure C: no system calls. Everything that touches memory, the block device
 * or an address space goes through struct mm_io, which main.c fills with
 * system calls and the host unit test (tests/unit/mm) with fakes. One
 * struct mm is about 40 KiB: give it static storage.
 *
 * Pages are numbered from the start of a client's window (AXL_PROC_PAGED_BASE).
 */
#ifndef AXL_MM_CORE_H
#define AXL_MM_CORE_H

#include <stdbool.h>
#include <stdint.h>

#define MM_MAX_FRAMES 256   /* frames = ... */
#define MM_MAX_SLOTS 1024   /* swap slots (4 KiB each) used of the block device */
#define MM_MAX_CLIENTS 4    /* attached at once */
#define MM_WINDOW_PAGES 1024 /* a client's window: 4 MiB (AXL_PROC_PAGED_MAX is the ABI's bound) */
#define MM_RETRY_US 5000    /* the retry-after hint of a throttled MM_ALLOC */

/* Where a page of a client's window is. */
enum mm_state {
    MM_NONE = 0,  /* not committed: a fault here is the client's bug */
    MM_UNTOUCHED, /* committed, never touched or dropped as zeros: reads as zeros */
    MM_RESIDENT,  /* in a frame, mapped in the client */
    MM_SWAPPED,   /* only on swap, in its slot */
};

/* Flags of a resident page. A resident page with neither DIRTY nor COPY is all zeros. */
#define MM_DIRTY 1u    /* written since its swap copy was made (or it has none): eviction writes it */
#define MM_COPY 2u     /* its slot holds a valid copy (always set for MM_SWAPPED) */
#define MM_WRITABLE 4u /* mapped read-write (else read-only: a write faults and sets DIRTY) */

struct mm_page {
    uint8_t state; /* enum mm_state */
    uint8_t flags;
    uint16_t frame; /* MM_RESIDENT */
    uint16_t slot;  /* MM_COPY */
};

struct mm_frame {
    bool used;
    bool ref; /* the clock's second chance: set when the page was faulted in or written */
    uint8_t client;
    uint16_t page;
};

struct mm_client {
    bool used;
    uint64_t id;        /* the badge of its requests: its pid */
    uint32_t brk;       /* pages of the window handed out (MM_ALLOC grows it) */
    uint32_t committed; /* pages committed (not MM_NONE) */
    struct mm_page page[MM_WINDOW_PAGES];
};

/* What happened that the server must say (once each: the core only calls, main.c prints). */
enum mm_event {
    MM_EV_STORE_FAILED, /* the first failed page-out: the store is not written any more */
    MM_EV_PAGE_LOST,    /* a page-in failed: the page's data could not be read back */
    MM_EV_NO_FRAME,     /* the first fault that found every frame dirty with the store failed */
};

/* The system underneath: main.c's system calls, or the unit test's fakes. */
struct mm_io {
    void *ctx;
    void (*zero)(void *ctx, unsigned frame);
    long (*write)(void *ctx, unsigned frame, unsigned slot); /* page-out: 0 or an error */
    long (*read)(void *ctx, unsigned frame, unsigned slot);  /* page-in: 0 or an error */
    long (*map)(void *ctx, unsigned client, unsigned page, unsigned frame, bool writable);
    void (*unmap)(void *ctx, unsigned frame); /* from whichever client it is mapped in */
    void (*event)(void *ctx, enum mm_event ev, unsigned client, unsigned page, long err);
};

/* Results of mm_alloc and mm_free. */
enum mm_status { MM_OK = 0, MM_RANGE, MM_LIMIT };

/* What mm_fault did. Anything but MM_RESOLVED: forward the fault to the supervisor. */
enum mm_verdict {
    MM_RESOLVED,      /* mapped: resume the thread */
    MM_NOT_COMMITTED, /* outside the window, never allocated, or freed */
    MM_BAD_ACCESS,    /* an instruction fetch, or a fault on a page mapped as it asked */
    MM_NO_FRAME,      /* every frame dirty and the store failed (the policy's limit) */
    MM_LOST,          /* the page-in failed */
    MM_MAP_FAILED,    /* the client's address space refused the mapping */
};

struct mm {
    struct mm_io io;
    unsigned nframes, nslots;
    unsigned free_frames, free_slots, hand;
    bool store_failed;
    bool no_frame_said;
    struct mm_frame frame[MM_MAX_FRAMES];
    uint8_t slot_used[MM_MAX_SLOTS];
    struct mm_client client[MM_MAX_CLIENTS];
    uint64_t committed;
    uint64_t pageouts, pageins, throttled, reclaimed;
};

struct mm_stats {
    uint64_t frames, free_frames, resident, swapped, pageouts, pageins, store_failed, committed,
        limit, throttled, reclaimed;
};

/* nframes <= MM_MAX_FRAMES, nslots <= MM_MAX_SLOTS (0: no store). */
void mm_init(struct mm *mm, const struct mm_io *io, unsigned nframes, unsigned nslots);
/* The client with this id, or -1. */
int mm_find(const struct mm *mm, uint64_t id);
/* A client with id, with nothing: an earlier one with the same id is dropped first. -1: full. */
int mm_attach(struct mm *mm, uint64_t id);
/* Drops everything client ci has (unmapping its frames) and forgets it. */
void mm_detach(struct mm *mm, unsigned ci);
/* Pages that may be committed in all: frames + swap slots - 1 while the store is healthy,
 * frames alone after it failed. */
uint64_t mm_limit(const struct mm *mm);
/* Commits n more pages at the end of ci's window; *first the first of them. MM_LIMIT: the
 * commit limit would be passed (counted as throttled); MM_RANGE: n is 0 or does not fit. */
enum mm_status mm_alloc(struct mm *mm, unsigned ci, uint64_t n, uint64_t *first);
/* Drops pages first..first+n-1 of ci (no I/O); *dropped how many were committed. MM_RANGE:
 * n is 0 or the range is not inside what was handed out. */
enum mm_status mm_free(struct mm *mm, unsigned ci, uint64_t first, uint64_t n, uint64_t *dropped);
/* A page fault of client ci on page `page` (past the window: any value >= MM_WINDOW_PAGES). */
enum mm_verdict mm_fault(struct mm *mm, unsigned ci, uint64_t page, bool write, bool exec);
void mm_get_stats(const struct mm *mm, struct mm_stats *s);
/* A verdict's name, for the log. */
const char *mm_verdict_name(enum mm_verdict v);

#endif /* AXL_MM_CORE_H */
