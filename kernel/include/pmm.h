/* SPDX-License-Identifier: MIT */
/*
 * pmm.h: the physical frame allocator (core/pmm.c).
 *
 * A bitmap over 4 KiB frames from 0 to a fixed top address; a set bit
 * means "not free" (used, reserved, or not RAM). Regions are added free,
 * then reservations are punched out of them; the order of the two kinds of
 * call does not matter because reservations are remembered. Single CPU and
 * no interrupts for now, so no lock. Pure logic: host-testable.
 */
#ifndef AXL_PMM_H
#define AXL_PMM_H

#include "types.h"

#define PMM_NONE UINT64_MAX /* "no frame" */
#define PMM_MAX_RESERVED 96

struct pmm {
    uint64_t *bitmap;
    uint64_t nframes; /* frames covered by the bitmap */
    uint64_t nfree;
    uint64_t hint; /* a word index at or before the first free frame */
    struct {
        paddr_t base, end;
    } reserved[PMM_MAX_RESERVED];
    unsigned nreserved;
};

/* Bytes of bitmap needed to cover memory up to top (exclusive). */
uint64_t pmm_bitmap_bytes(paddr_t top);

/* Starts with every frame below top marked not free. */
void pmm_init(struct pmm *p, uint64_t *bitmap, paddr_t top);

/* Marks the whole frames inside [base, base+len) free, except reservations. */
void pmm_add_free(struct pmm *p, paddr_t base, uint64_t len);

/*
 * Marks every frame touching [base, base+len) as not free, now and for
 * later pmm_add_free calls. Returns 0, or -1 if the reservation table is
 * full (the frames are still marked).
 */
int pmm_reserve(struct pmm *p, paddr_t base, uint64_t len);

/* Takes one free frame (lowest first); PMM_NONE when none is left. */
paddr_t pmm_alloc(struct pmm *p);

/*
 * Returns a frame. Returns 0, or -1 (and changes nothing) if the address
 * is unaligned, beyond the bitmap, reserved, or already free. A frame
 * that was never RAM (a hole in the memory map) cannot be told apart
 * from an allocated one: callers free only what pmm_alloc gave them.
 */
int pmm_free(struct pmm *p, paddr_t frame);

/* Takes n contiguous free frames, the first a multiple of align frames; PMM_NONE if none. */
paddr_t pmm_alloc_contig(struct pmm *p, uint64_t n, uint64_t align);

/*
 * Takes the first run of free frames at or after frame number from:
 * returns its first frame number and sets *len to its length (0: no
 * more). Used once, to hand all free memory to user space as untyped.
 */
uint64_t pmm_next_free_run(struct pmm *p, uint64_t from, uint64_t *len);

static inline uint64_t pmm_free_frames(const struct pmm *p) { return p->nfree; }

#endif /* AXL_PMM_H */
