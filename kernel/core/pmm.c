/* SPDX-License-Identifier: MIT */
/*
 * pmm.c: the physical frame allocator (see pmm.h for the contract).
 *
 * One bit per 4 KiB frame, set = not free. Allocation scans 64-bit words
 * from a hint that never passes the lowest free frame, so it returns the
 * lowest free frame (low memory first keeps the direct map small at boot).
 */
#include <kstring.h>
#include <pmm.h>

static bool bit_get(const struct pmm *p, uint64_t f) { return p->bitmap[f / 64] >> (f % 64) & 1; }
static void bit_set(struct pmm *p, uint64_t f) { p->bitmap[f / 64] |= 1ull << (f % 64); }
static void bit_clear(struct pmm *p, uint64_t f) { p->bitmap[f / 64] &= ~(1ull << (f % 64)); }

uint64_t pmm_bitmap_bytes(paddr_t top)
{
    uint64_t frames = align_up(top, PAGE_SIZE) / PAGE_SIZE;
    return align_up(frames, 64) / 8;
}

void pmm_init(struct pmm *p, uint64_t *bitmap, paddr_t top)
{
    memset(p, 0, sizeof(*p));
    p->bitmap = bitmap;
    p->nframes = align_up(top, PAGE_SIZE) / PAGE_SIZE;
    memset(bitmap, 0xff, pmm_bitmap_bytes(top));
}

static bool is_reserved(const struct pmm *p, uint64_t frame)
{
    paddr_t a = frame * PAGE_SIZE;
    for (unsigned i = 0; i < p->nreserved; i++) {
        if (a < p->reserved[i].end && p->reserved[i].base < a + PAGE_SIZE) {
            return true;
        }
    }
    return false;
}

void pmm_add_free(struct pmm *p, paddr_t base, uint64_t len)
{
    if (base + len < base) {
        len = UINT64_MAX - base;
    }
    /* Only whole frames inside the range: round the start up, the end down. */
    uint64_t first = align_up(base, PAGE_SIZE) / PAGE_SIZE;
    uint64_t end = min_u64(align_down(base + len, PAGE_SIZE) / PAGE_SIZE, p->nframes);

    for (uint64_t f = first; f < end; f++) {
        if (bit_get(p, f) && !is_reserved(p, f)) {
            bit_clear(p, f);
            p->nfree++;
        }
    }
    if (first < end && first / 64 < p->hint) {
        p->hint = first / 64;
    }
}

int pmm_reserve(struct pmm *p, paddr_t base, uint64_t len)
{
    int rc = 0;

    if (len == 0) {
        return 0;
    }
    if (base + len < base) {
        len = UINT64_MAX - base;
    }
    if (p->nreserved < PMM_MAX_RESERVED) {
        p->reserved[p->nreserved].base = base;
        p->reserved[p->nreserved].end = base + len;
        p->nreserved++;
    } else {
        rc = -1;
    }
    uint64_t first = align_down(base, PAGE_SIZE) / PAGE_SIZE;
    uint64_t end = min_u64(align_up(base + len, PAGE_SIZE) / PAGE_SIZE, p->nframes);
    for (uint64_t f = first; f < end; f++) {
        if (!bit_get(p, f)) {
            bit_set(p, f);
            p->nfree--;
        }
    }
    return rc;
}

paddr_t pmm_alloc(struct pmm *p)
{
    uint64_t words = (p->nframes + 63) / 64;

    for (uint64_t w = p->hint; w < words; w++) {
        if (p->bitmap[w] == UINT64_MAX) {
            continue;
        }
        uint64_t f = w * 64 + (uint64_t)__builtin_ctzll(~p->bitmap[w]);
        if (f >= p->nframes) {
            break;
        }
        bit_set(p, f);
        p->nfree--;
        p->hint = w;
        return f * PAGE_SIZE;
    }
    p->hint = words;
    return PMM_NONE;
}

int pmm_free(struct pmm *p, paddr_t frame)
{
    uint64_t f = frame / PAGE_SIZE;

    if (frame % PAGE_SIZE || f >= p->nframes || !bit_get(p, f) || is_reserved(p, f)) {
        return -1;
    }
    bit_clear(p, f);
    p->nfree++;
    if (f / 64 < p->hint) {
        p->hint = f / 64;
    }
    return 0;
}

paddr_t pmm_alloc_contig(struct pmm *p, uint64_t n, uint64_t align)
{
    for (uint64_t f = 0; n && f + n <= p->nframes; f += align) {
        uint64_t i = 0;
        while (i < n && !bit_get(p, f + i)) {
            i++;
        }
        if (i == n) {
            for (i = 0; i < n; i++) {
                bit_set(p, f + i);
            }
            p->nfree -= n;
            return f * PAGE_SIZE;
        }
    }
    return PMM_NONE;
}

uint64_t pmm_next_free_run(struct pmm *p, uint64_t from, uint64_t *len)
{
    uint64_t f = from;

    while (f < p->nframes && bit_get(p, f)) {
        f++;
    }
    uint64_t e = f;
    while (e < p->nframes && !bit_get(p, e)) {
        bit_set(p, e);
        p->nfree--;
        e++;
    }
    *len = e - f;
    return f;
}
