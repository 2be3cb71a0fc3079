/* SPDX-License-Identifier: MIT */
/*
 * test_mm.c: the memory manager's bookkeeping and policy (servers/mm/core.c)
 * on a model: frames are arrays, the store an array that can be told to fail,
 * and a client's accesses go through a model MMU that faults as the real one
 * would (not mapped, or a write to a read-only mapping).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core.h"

#define FRAMES 8
#define SLOTS 16
#define PAGE 4096

static struct mm mm;
static uint8_t frame_mem[FRAMES][PAGE];
static uint8_t disk[SLOTS][PAGE];
static struct {
    bool mapped, writable;
    unsigned client, page;
} mapping[FRAMES];
static long writes_left, reads_left; /* < 0: never fail */
static unsigned writes, reads, events[3];
static unsigned last_event_page;

static void f_zero(void *ctx, unsigned f)
{
    (void)ctx;
    memset(frame_mem[f], 0, PAGE);
}

static long f_write(void *ctx, unsigned f, unsigned s)
{
    (void)ctx;
    assert_false(mapping[f].mapped); /* unmapped before it is written out */
    if (writes_left == 0) {
        return 38;
    }
    writes_left -= writes_left > 0;
    writes++;
    memcpy(disk[s], frame_mem[f], PAGE);
    return 0;
}

static long f_read(void *ctx, unsigned f, unsigned s)
{
    (void)ctx;
    if (reads_left == 0) {
        return 38;
    }
    reads_left -= reads_left > 0;
    reads++;
    memcpy(frame_mem[f], disk[s], PAGE);
    return 0;
}

static long f_map(void *ctx, unsigned c, unsigned p, unsigned f, bool w)
{
    (void)ctx;
    /* A frame is mapped in one place at a time (a remap at the same place is allowed). */
    if (mapping[f].mapped) {
        assert_int_equal(mapping[f].client, c);
        assert_int_equal(mapping[f].page, p);
    }
    for (unsigned g = 0; g < FRAMES; g++) {
        if (g != f && mapping[g].mapped && mapping[g].client == c && mapping[g].page == p) {
            fail_msg("page %u of client %u mapped twice", p, c);
        }
    }
    mapping[f].mapped = true;
    mapping[f].writable = w;
    mapping[f].client = c;
    mapping[f].page = p;
    return 0;
}

static void f_unmap(void *ctx, unsigned f)
{
    (void)ctx;
    mapping[f].mapped = false;
}

static void f_event(void *ctx, enum mm_event ev, unsigned c, unsigned p, long err)
{
    (void)ctx;
    (void)c;
    (void)err;
    events[ev]++;
    last_event_page = p;
}

static const struct mm_io io = {NULL, f_zero, f_write, f_read, f_map, f_unmap, f_event};

static int setup(void **state)
{
    (void)state;
    memset(mapping, 0, sizeof(mapping));
    memset(events, 0, sizeof(events));
    writes_left = reads_left = -1;
    writes = reads = 0;
    mm_init(&mm, &io, FRAMES, SLOTS);
    return 0;
}

/* The model MMU: the frame page p of client c is mapped to, faulting as needed. */
static int touch(unsigned c, unsigned p, bool write, enum mm_verdict *v)
{
    for (int tries = 0; tries < 3; tries++) {
        for (unsigned f = 0; f < FRAMES; f++) {
            if (mapping[f].mapped && mapping[f].client == c && mapping[f].page == p &&
                (!write || mapping[f].writable)) {
                return (int)f;
            }
        }
        *v = mm_fault(&mm, c, p, write, false);
        if (*v != MM_RESOLVED) {
            return -1;
        }
    }
    fail_msg("page %u: resolved, yet still faulting", p);
    return -1;
}

static uint64_t pattern(unsigned page, unsigned version) { return (uint64_t)page << 32 | version; }

static void put(unsigned c, unsigned p, unsigned version)
{
    enum mm_verdict v = MM_RESOLVED;
    int f = touch(c, p, true, &v);
    if (f < 0) {
        fail_msg("write of page %u: %s", p, mm_verdict_name(v));
    }
    uint64_t w = pattern(p, version);
    for (unsigned i = 0; i < PAGE; i += 8) {
        memcpy(&frame_mem[f][i], &w, 8);
    }
}

static bool check(unsigned c, unsigned p, unsigned version)
{
    enum mm_verdict v = MM_RESOLVED;
    int f = touch(c, p, false, &v);
    if (f < 0) {
        fail_msg("read of page %u: %s", p, mm_verdict_name(v));
    }
    uint64_t w = pattern(p, version);
    for (unsigned i = 0; i < PAGE; i += 8) {
        if (memcmp(&frame_mem[f][i], &w, 8) != 0) {
            return false;
        }
    }
    return true;
}

/* Every invariant of core.c. */
static void consistent(void)
{
    unsigned used_frames = 0, used_slots = 0, slot_refs[SLOTS] = {0};
    uint64_t committed = 0;

    for (unsigned f = 0; f < FRAMES; f++) {
        used_frames += mm.frame[f].used;
        if (mm.frame[f].used) {
            const struct mm_page *p = &mm.client[mm.frame[f].client].page[mm.frame[f].page];
            assert_int_equal(p->state, MM_RESIDENT);
            assert_int_equal(p->frame, f);
            assert_true(mapping[f].mapped);
            assert_int_equal(mapping[f].writable, !!(p->flags & MM_WRITABLE));
        } else {
            assert_false(mapping[f].mapped);
        }
    }
    assert_int_equal(mm.free_frames, FRAMES - used_frames);
    for (unsigned c = 0; c < MM_MAX_CLIENTS; c++) {
        for (unsigned i = 0; mm.client[c].used && i < mm.client[c].brk; i++) {
            const struct mm_page *p = &mm.client[c].page[i];
            committed += p->state != MM_NONE;
            if (p->flags & MM_COPY) {
                slot_refs[p->slot]++;
                assert_false(p->flags & MM_DIRTY);
            }
            if (p->state == MM_SWAPPED) {
                assert_true(p->flags & MM_COPY);
            }
        }
    }
    for (unsigned s = 0; s < SLOTS; s++) {
        assert_int_equal(slot_refs[s], mm.slot_used[s]);
        used_slots += mm.slot_used[s];
    }
    assert_int_equal(mm.free_slots, SLOTS - used_slots);
    assert_int_equal(mm.committed, committed);
}

/* More pages than frames: page-outs and page-ins, and every page reads back. */
static void test_paging(void **state)
{
    (void)state;
    uint64_t first;
    int c = mm_attach(&mm, 7);
    assert_int_equal(c, 0);
    assert_int_equal(mm_limit(&mm), FRAMES + SLOTS - 1);
    assert_int_equal(mm_alloc(&mm, 0, FRAMES + SLOTS - 1, &first), MM_OK);
    assert_int_equal(first, 0);
    for (unsigned round = 0; round < 3; round++) {
        for (unsigned p = 0; p < FRAMES + SLOTS - 1; p++) {
            put(0, p, round);
            consistent();
        }
        for (unsigned p = 0; p < FRAMES + SLOTS - 1; p++) {
            assert_true(check(0, p, round));
            consistent();
        }
    }
    assert_true(mm.pageouts > 0);
    assert_true(mm.pageins > 0);
    assert_false(mm.store_failed);
    /* Full: one more page is throttled, not failed. */
    assert_int_equal(mm_alloc(&mm, 0, 1, &first), MM_LIMIT);
    assert_int_equal(mm.throttled, 1);
}

/* A page read but never written is dropped with no I/O, and reads as zeros again. */
static void test_zero_pages(void **state)
{
    (void)state;
    uint64_t first;
    mm_attach(&mm, 1);
    assert_int_equal(mm_alloc(&mm, 0, FRAMES * 2, &first), MM_OK);
    for (unsigned p = 0; p < FRAMES * 2; p++) {
        enum mm_verdict v;
        int f = touch(0, p, false, &v);
        assert_true(f >= 0);
        assert_false(mapping[f].writable);
        for (unsigned i = 0; i < PAGE; i++) {
            assert_int_equal(frame_mem[f][i], 0);
        }
        consistent();
    }
    assert_int_equal(writes, 0);
    assert_int_equal(reads, 0);
    assert_true(mm.reclaimed >= FRAMES);
}

/* The store fails in the middle: nothing is lost, admission shrinks to the frames, and
 * freeing brings it back. */
static void test_store_failure(void **state)
{
    (void)state;
    uint64_t first, dropped;
    /* No more pages than slots: every resident page can keep a copy on swap, so few are dirty
     * when the store fails (at the commit limit, page-outs take the copies: test_no_frame). */
    const unsigned n = SLOTS;
    mm_attach(&mm, 3);
    assert_int_equal(mm_alloc(&mm, 0, n, &first), MM_OK);
    for (unsigned p = 0; p < n; p++) {
        put(0, p, 1);
    }
    for (unsigned p = 0; p < n; p++) {
        assert_true(check(0, p, 1)); /* the resident pages are clean copies now */
    }
    writes_left = 2; /* two more page-outs work */
    for (unsigned p = 0; p < 3; p++) {
        put(0, p, 2); /* a few rewritten: dirty */
    }
    for (unsigned p = 0; p < n; p++) {
        assert_true(check(0, p, p < 3 ? 2 : 1));
        consistent();
    }
    assert_true(mm.store_failed);
    assert_int_equal(events[MM_EV_STORE_FAILED], 1);
    unsigned writes_then = writes;
    for (unsigned p = 0; p < n; p++) { /* again: every page back, no write tried */
        assert_true(check(0, p, p < 3 ? 2 : 1));
    }
    assert_int_equal(writes, writes_then);
    assert_int_equal(mm_limit(&mm), FRAMES);
    assert_int_equal(mm_alloc(&mm, 0, 1, &first), MM_LIMIT);
    /* Free all but FRAMES - 2: room for two more. */
    assert_int_equal(mm_free(&mm, 0, FRAMES - 2, n - (FRAMES - 2), &dropped), MM_OK);
    assert_int_equal(dropped, n - (FRAMES - 2));
    consistent();
    assert_int_equal(mm_alloc(&mm, 0, 3, &first), MM_LIMIT);
    assert_int_equal(mm_alloc(&mm, 0, 2, &first), MM_OK);
    assert_int_equal(first, FRAMES - 2); /* the top of the window was handed out again */
    put(0, FRAMES - 2, 5);
    put(0, FRAMES - 1, 5);
    for (unsigned p = 0; p < FRAMES - 2; p++) { /* all fits in the frames: rewriting is safe */
        put(0, p, 6);
    }
    for (unsigned p = 0; p < FRAMES - 2; p++) {
        assert_true(check(0, p, 6));
    }
    assert_int_equal(mm_free(&mm, 0, 0, FRAMES, &dropped), MM_OK);
    assert_int_equal(dropped, FRAMES);
    consistent();
    assert_int_equal(mm.free_frames, FRAMES);
    assert_int_equal(mm.committed, 0);
    assert_int_equal(mm.free_slots, SLOTS);
    assert_int_equal(mm.throttled, 2);
}

/* The policy's limit: every frame dirty and the store failed. The fault is refused (forwarded),
 * said once, and nothing hangs. */
static void test_no_frame(void **state)
{
    (void)state;
    uint64_t first;
    mm_attach(&mm, 3);
    assert_int_equal(mm_alloc(&mm, 0, FRAMES + 2, &first), MM_OK);
    writes_left = 0;
    for (unsigned p = 0; p < FRAMES; p++) {
        put(0, p, 1);
    }
    enum mm_verdict v;
    assert_int_equal(touch(0, FRAMES, true, &v), -1);
    assert_int_equal(v, MM_NO_FRAME);
    assert_int_equal(touch(0, FRAMES + 1, false, &v), -1);
    assert_int_equal(events[MM_EV_NO_FRAME], 1);
    assert_int_equal(events[MM_EV_STORE_FAILED], 1);
    for (unsigned p = 0; p < FRAMES; p++) {
        assert_true(check(0, p, 1));
    }
    consistent();
}

/* A failed page-in is said, with its page, and the fault is forwarded. */
static void test_page_lost(void **state)
{
    (void)state;
    uint64_t first;
    mm_attach(&mm, 3);
    assert_int_equal(mm_alloc(&mm, 0, FRAMES + 1, &first), MM_OK);
    for (unsigned p = 0; p <= FRAMES; p++) {
        put(0, p, 1);
    }
    reads_left = 0; /* page 0 went out to make room for page FRAMES */
    enum mm_verdict v;
    assert_int_equal(touch(0, 0, false, &v), -1);
    assert_int_equal(v, MM_LOST);
    assert_int_equal(events[MM_EV_PAGE_LOST], 1);
    assert_int_equal(last_event_page, 0);
    consistent();
}

/* Bad requests: refused, nothing changes. */
static void test_bad_requests(void **state)
{
    (void)state;
    uint64_t first, dropped;
    mm_attach(&mm, 3);
    assert_int_equal(mm_alloc(&mm, 0, 0, &first), MM_RANGE);
    assert_int_equal(mm_alloc(&mm, 0, MM_WINDOW_PAGES + 1, &first), MM_RANGE);
    assert_int_equal(mm_alloc(&mm, 0, 4, &first), MM_OK);
    assert_int_equal(mm_free(&mm, 0, 0, 0, &dropped), MM_RANGE);
    assert_int_equal(mm_free(&mm, 0, 4, 1, &dropped), MM_RANGE);
    assert_int_equal(mm_free(&mm, 0, 2, 3, &dropped), MM_RANGE);
    assert_int_equal(mm_free(&mm, 0, 1, UINT64_MAX, &dropped), MM_RANGE);
    assert_int_equal(mm_fault(&mm, 0, 4, false, false), MM_NOT_COMMITTED);
    assert_int_equal(mm_fault(&mm, 0, UINT64_MAX, true, false), MM_NOT_COMMITTED);
    assert_int_equal(mm_fault(&mm, 0, 0, false, true), MM_BAD_ACCESS);
    assert_int_equal(mm_free(&mm, 0, 1, 1, &dropped), MM_OK);
    assert_int_equal(mm_fault(&mm, 0, 1, true, false), MM_NOT_COMMITTED); /* freed */
    assert_int_equal(mm_free(&mm, 0, 1, 1, &dropped), MM_OK);           /* again: nothing */
    assert_int_equal(dropped, 0);
    assert_int_equal(mm.committed, 3);
    consistent();
}

/* A second ATTACH from the same id (a restarted client) drops the first's pages; clients are
 * limited; another client's pages are its own. */
static void test_attach(void **state)
{
    (void)state;
    uint64_t first;
    assert_int_equal(mm_attach(&mm, 10), 0);
    assert_int_equal(mm_attach(&mm, 11), 1);
    assert_int_equal(mm_alloc(&mm, 0, FRAMES, &first), MM_OK);
    assert_int_equal(mm_alloc(&mm, 1, FRAMES, &first), MM_OK);
    for (unsigned p = 0; p < FRAMES; p++) {
        put(0, p, 1);
        put(1, p, 2);
    }
    assert_int_equal(mm_attach(&mm, 10), 0);
    consistent();
    assert_int_equal(mm.committed, FRAMES);
    for (unsigned p = 0; p < FRAMES; p++) {
        assert_true(check(1, p, 2));
    }
    assert_int_equal(mm_attach(&mm, 12), 2);
    assert_int_equal(mm_attach(&mm, 13), 3);
    assert_int_equal(mm_attach(&mm, 14), -1);
    assert_int_equal(mm_find(&mm, 13), 3);
    mm_detach(&mm, 1);
    assert_int_equal(mm.committed, 0);
    assert_int_equal(mm.free_frames, FRAMES);
    consistent();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_paging, setup),
        cmocka_unit_test_setup(test_zero_pages, setup),
        cmocka_unit_test_setup(test_store_failure, setup),
        cmocka_unit_test_setup(test_no_frame, setup),
        cmocka_unit_test_setup(test_page_lost, setup),
        cmocka_unit_test_setup(test_bad_requests, setup),
        cmocka_unit_test_setup(test_attach, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
