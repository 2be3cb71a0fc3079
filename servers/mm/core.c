/* SPDX-License-Identifier: MIT */
/*
 * core.c: the memory manager's bookkeeping and policy (core.h, docs/swap.md).
 *
 * Invariants: a frame is used iff exactly one resident page names it; a slot
 * is used iff exactly one page has MM_COPY with it; mm->committed is the sum
 * of the clients' committed pages. While the store is healthy, admission
 * keeps committed <= frames + slots - 1, which is what makes a page-out slot
 * always obtainable: when every frame is in use and a swapped page is paged
 * in, the other swapped pages hold at most slots - 2 slots, so with the
 * faulting page's own there is a slot free, or one held as the copy of a
 * clean resident page, whose copy can be given up (the page becomes dirty).
 */
#include "core.h"

#include <string.h>

static struct mm_page *page_of_frame(struct mm *mm, unsigned f)
{
    return &mm->client[mm->frame[f].client].page[mm->frame[f].page];
}

void mm_init(struct mm *mm, const struct mm_io *io, unsigned nframes, unsigned nslots)
{
    memset(mm, 0, sizeof(*mm));
    mm->io = *io;
    mm->nframes = nframes < MM_MAX_FRAMES ? nframes : MM_MAX_FRAMES;
    mm->nslots = nslots < MM_MAX_SLOTS ? nslots : MM_MAX_SLOTS;
    mm->free_frames = mm->nframes;
    mm->free_slots = mm->nslots;
}

int mm_find(const struct mm *mm, uint64_t id)
{
    for (unsigned i = 0; i < MM_MAX_CLIENTS; i++) {
        if (mm->client[i].used && mm->client[i].id == id) {
            return (int)i;
        }
    }
    return -1;
}

static void slot_put(struct mm *mm, struct mm_page *p)
{
    if (p->flags & MM_COPY) {
        mm->slot_used[p->slot] = 0;
        mm->free_slots++;
        p->flags &= (uint8_t)~MM_COPY;
    }
}

static void frame_put(struct mm *mm, unsigned f)
{
    mm->frame[f].used = false;
    mm->frame[f].ref = false;
    mm->free_frames++;
}

/* Drops one committed page of ci (no I/O): its frame and slot are free again. */
static void drop_page(struct mm *mm, struct mm_client *c, struct mm_page *p)
{
    if (p->state == MM_RESIDENT) {
        mm->io.unmap(mm->io.ctx, p->frame);
        frame_put(mm, p->frame);
        mm->reclaimed++;
    }
    slot_put(mm, p);
    if (p->state != MM_NONE) {
        c->committed--;
        mm->committed--;
    }
    *p = (struct mm_page){0};
}

void mm_detach(struct mm *mm, unsigned ci)
{
    struct mm_client *c = &mm->client[ci];

    for (unsigned i = 0; i < c->brk; i++) {
        drop_page(mm, c, &c->page[i]);
    }
    c->used = false;
    c->brk = 0;
}

int mm_attach(struct mm *mm, uint64_t id)
{
    int ci = mm_find(mm, id);

    if (ci >= 0) {
        mm_detach(mm, (unsigned)ci); /* a restarted client: its predecessor's pages go */
    } else {
        for (unsigned i = 0; i < MM_MAX_CLIENTS && ci < 0; i++) {
            if (!mm->client[i].used) {
                ci = (int)i;
            }
        }
        if (ci < 0) {
            return -1;
        }
    }
    struct mm_client *c = &mm->client[ci];
    c->used = true;
    c->id = id;
    c->brk = 0;
    c->committed = 0;
    return ci;
}

uint64_t mm_limit(const struct mm *mm)
{
    if (mm->store_failed || mm->nslots == 0) {
        return mm->nframes;
    }
    return mm->nframes + mm->nslots - 1;
}

enum mm_status mm_alloc(struct mm *mm, unsigned ci, uint64_t n, uint64_t *first)
{
    struct mm_client *c = &mm->client[ci];

    *first = 0;
    if (n == 0 || n > MM_WINDOW_PAGES - c->brk) {
        return MM_RANGE;
    }
    if (mm->committed + n > mm_limit(mm)) {
        mm->throttled++;
        return MM_LIMIT;
    }
    *first = c->brk;
    for (uint64_t i = 0; i < n; i++) {
        c->page[c->brk + i] = (struct mm_page){.state = MM_UNTOUCHED};
    }
    c->brk += (uint32_t)n;
    c->committed += (uint32_t)n;
    mm->committed += n;
    return MM_OK;
}

enum mm_status mm_free(struct mm *mm, unsigned ci, uint64_t first, uint64_t n, uint64_t *dropped)
{
    struct mm_client *c = &mm->client[ci];
    uint64_t before = c->committed;

    *dropped = 0;
    if (n == 0 || first >= c->brk || n > c->brk - first) {
        return MM_RANGE;
    }
    for (uint64_t i = first; i < first + n; i++) {
        drop_page(mm, c, &c->page[i]);
    }
    while (c->brk > 0 && c->page[c->brk - 1].state == MM_NONE) {
        c->brk--; /* the top of the window is handed out again */
    }
    *dropped = before - c->committed;
    return MM_OK;
}

/* A free slot, or the copy of a clean resident page other than `keep`, given up. */
static long take_slot(struct mm *mm, const struct mm_page *keep, unsigned *slot)
{
    if (mm->free_slots) {
        for (unsigned s = 0; s < mm->nslots; s++) {
            if (!mm->slot_used[s]) {
                mm->slot_used[s] = 1;
                mm->free_slots--;
                *slot = s;
                return 0;
            }
        }
    }
    for (unsigned f = 0; f < mm->nframes; f++) {
        struct mm_page *p;
        if (!mm->frame[f].used || (p = page_of_frame(mm, f)) == keep || !(p->flags & MM_COPY)) {
            continue;
        }
        *slot = p->slot; /* stays used: it changes hands */
        p->flags = (uint8_t)((p->flags & ~MM_COPY) | MM_DIRTY);
        return 0;
    }
    return -1;
}

/*
 * Frees a frame by the clock (second chance): a referenced frame loses its
 * reference and is passed over once; an unreferenced zero or clean page is
 * dropped without I/O; a dirty one is written out first, unless the store
 * has failed. The first failed write marks the store failed; that page stays
 * resident and dirty. Two sweeps without a victim: every frame is dirty
 * (or referenced dirty) and the store has failed.
 */
static int evict(struct mm *mm)
{
    for (unsigned step = 0; step < 2 * mm->nframes + 1; step++) {
        unsigned f = mm->hand;
        mm->hand = (mm->hand + 1) % mm->nframes;
        if (!mm->frame[f].used) {
            return (int)f; /* not expected (callers look for free frames first) */
        }
        if (mm->frame[f].ref) {
            mm->frame[f].ref = false;
            continue;
        }
        struct mm_page *p = page_of_frame(mm, f);
        if (!(p->flags & MM_DIRTY)) {
            /* Zeros, or a valid copy on swap: nothing to write. */
            mm->io.unmap(mm->io.ctx, f);
            p->state = (p->flags & MM_COPY) ? MM_SWAPPED : MM_UNTOUCHED;
            p->flags &= MM_COPY;
            mm->reclaimed++;
            mm->frame[f].used = false;
            return (int)f;
        }
        if (mm->store_failed) {
            continue; /* its only copy is this frame: it stays */
        }
        unsigned slot;
        if (take_slot(mm, p, &slot) != 0) {
            continue; /* no slot (admission should prevent this): look on */
        }
        /* Unmapped before the write, so the client cannot change it meanwhile. */
        mm->io.unmap(mm->io.ctx, f);
        long err = mm->io.write(mm->io.ctx, f, slot);
        if (err != 0) {
            mm->slot_used[slot] = 0;
            mm->free_slots++;
            mm->store_failed = true;
            mm->io.event(mm->io.ctx, MM_EV_STORE_FAILED, mm->frame[f].client, mm->frame[f].page,
                         err);
            /* Back as it was: resident, dirty, mapped as before. */
            if (mm->io.map(mm->io.ctx, mm->frame[f].client, mm->frame[f].page, f,
                           p->flags & MM_WRITABLE) != 0) {
                p->flags &= (uint8_t)~MM_WRITABLE; /* mapped again at its next fault */
            }
            continue;
        }
        mm->pageouts++;
        p->state = MM_SWAPPED;
        p->flags = MM_COPY;
        p->slot = (uint16_t)slot;
        mm->frame[f].used = false;
        return (int)f;
    }
    return -1;
}

static int take_frame(struct mm *mm)
{
    if (mm->free_frames) {
        for (unsigned f = 0; f < mm->nframes; f++) {
            if (!mm->frame[f].used) {
                mm->free_frames--;
                return (int)f;
            }
        }
    }
    return evict(mm); /* a frame it frees is handed over: free_frames unchanged */
}

enum mm_verdict mm_fault(struct mm *mm, unsigned ci, uint64_t page, bool write, bool exec)
{
    struct mm_client *c = &mm->client[ci];

    if (page >= c->brk || c->page[page].state == MM_NONE) {
        return MM_NOT_COMMITTED;
    }
    struct mm_page *p = &c->page[page];
    if (exec) {
        return MM_BAD_ACCESS; /* paged memory is never executable */
    }
    if (p->state == MM_RESIDENT) {
        if (!write || (p->flags & MM_WRITABLE)) {
            return MM_BAD_ACCESS; /* it is mapped as this access needs: not ours to fix */
        }
        /* The first write to a clean or zero page: its copy is stale from now on. */
        if (mm->io.map(mm->io.ctx, ci, (unsigned)page, p->frame, true) != 0) {
            return MM_MAP_FAILED;
        }
        slot_put(mm, p);
        p->flags = MM_DIRTY | MM_WRITABLE;
        mm->frame[p->frame].ref = true;
        return MM_RESOLVED;
    }
    int f = take_frame(mm);
    if (f < 0) {
        if (!mm->no_frame_said) {
            mm->no_frame_said = true;
            mm->io.event(mm->io.ctx, MM_EV_NO_FRAME, ci, (unsigned)page, 0);
        }
        return MM_NO_FRAME;
    }
    uint8_t flags;
    if (p->state == MM_SWAPPED) {
        long err = mm->io.read(mm->io.ctx, (unsigned)f, p->slot);
        if (err != 0) {
            mm->io.event(mm->io.ctx, MM_EV_PAGE_LOST, ci, (unsigned)page, err);
            frame_put(mm, (unsigned)f);
            return MM_LOST;
        }
        mm->pageins++;
        flags = MM_COPY; /* clean: its copy on swap is still valid */
    } else {
        mm->io.zero(mm->io.ctx, (unsigned)f);
        flags = 0; /* zeros */
    }
    if (write) {
        flags = MM_DIRTY | MM_WRITABLE;
    }
    mm->frame[f] = (struct mm_frame){.used = true, .ref = true, .client = (uint8_t)ci,
                                     .page = (uint16_t)page};
    if (mm->io.map(mm->io.ctx, ci, (unsigned)page, (unsigned)f, write) != 0) {
        frame_put(mm, (unsigned)f); /* the page stays where it was (swap or zeros) */
        return MM_MAP_FAILED;
    }
    if (write) {
        slot_put(mm, p);
    }
    p->flags = flags;
    p->state = MM_RESIDENT;
    p->frame = (uint16_t)f;
    return MM_RESOLVED;
}

void mm_get_stats(const struct mm *mm, struct mm_stats *s)
{
    *s = (struct mm_stats){.frames = mm->nframes,
                           .free_frames = mm->free_frames,
                           .pageouts = mm->pageouts,
                           .pageins = mm->pageins,
                           .store_failed = mm->store_failed,
                           .committed = mm->committed,
                           .limit = mm_limit(mm),
                           .throttled = mm->throttled,
                           .reclaimed = mm->reclaimed};
    for (unsigned i = 0; i < MM_MAX_CLIENTS; i++) {
        const struct mm_client *c = &mm->client[i];
        for (unsigned j = 0; c->used && j < c->brk; j++) {
            s->resident += c->page[j].state == MM_RESIDENT;
            s->swapped += c->page[j].state == MM_SWAPPED;
        }
    }
}

const char *mm_verdict_name(enum mm_verdict v)
{
    switch (v) {
    case MM_RESOLVED:
        return "resolved";
    case MM_NOT_COMMITTED:
        return "not a committed page of the window";
    case MM_BAD_ACCESS:
        return "an access paged memory does not allow (execute, or already mapped)";
    case MM_NO_FRAME:
        return "no frame: every frame is dirty and the store has failed";
    case MM_LOST:
        return "the page could not be read back from the store";
    case MM_MAP_FAILED:
        return "the client's address space refused the mapping";
    }
    return "?";
}
