/* SPDX-License-Identifier: MIT */
/*
 * main.c: swapclient, the client of the swap-failure scenario (docs/swap.md).
 *
 * It attaches to mm (granted as endpoints = mm; mm is also its pager), takes
 * more paged memory than mm has frames, writes a pattern that depends on
 * (page, version) into every page and reads all of them back, which makes mm
 * page out and in. Then it works in rounds (rewrite a few pages, verify
 * all) until mm says its backing store failed (the ramdisk is told to fail
 * its writes). After that it checks the policy of docs/swap.md:
 *   - every page still reads back right: nothing was lost;
 *   - a new allocation is throttled (AXL_S_LIMIT), not failed;
 *   - after it frees pages, allocations are admitted again;
 *   - after it frees everything, every frame is free and nothing is committed.
 * Each step prints one line with its figures. Exit 0: all held; 1: any mismatch.
 *
 * Arguments: pages=N (default 96), rewrite=N pages a round (default 8),
 * rounds=N at most before the store must have failed (default 30).
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <axl/axl.h>
#include <axl/mm.h>
#include <axl/proc.h>
#include <axl/protocols.h>
#include <axl/rpc.h>

#define PAGE 4096u
#define WORDS (PAGE / 8)
#define MAX_PAGES 1024

static uint64_t ep, base;
static unsigned npages = 96, rewrite = 8, max_rounds = 30;
static uint16_t version[MAX_PAGES];
static unsigned bad;

static uint64_t word(unsigned page, unsigned v, unsigned i)
{
    return ((uint64_t)page << 40 | (uint64_t)v << 20 | i) * 0x9e3779b97f4a7c15ull;
}

static volatile uint64_t *at(unsigned page) { return (volatile uint64_t *)(base + (uint64_t)page * PAGE); }

static void put(unsigned page, unsigned v)
{
    volatile uint64_t *p = at(page);
    for (unsigned i = 0; i < WORDS; i++) {
        p[i] = word(page, v, i);
    }
    version[page] = (uint16_t)v;
}

/* Reads pages first..first+n-1 back; the number that were wrong (each reported, up to 5). */
static unsigned verify(unsigned first, unsigned n)
{
    unsigned wrong = 0;
    for (unsigned page = first; page < first + n; page++) {
        volatile uint64_t *p = at(page);
        for (unsigned i = 0; i < WORDS; i++) {
            if (p[i] != word(page, version[page], i)) {
                if (bad++ < 5) {
                    axl_printf("swapclient: MISMATCH page %u word %u: %#llx, expected version %u\n",
                               page, i, (unsigned long long)p[i], version[page]);
                }
                wrong++;
                break;
            }
        }
    }
    return wrong;
}

static bool stats(struct axl_mm_stats *s)
{
    long err = axl_mm_stats(ep, s);
    if (err) {
        axl_printf("swapclient: MM_STATS: %s\n", axl_strerror(err));
        bad++;
    }
    return err == AXL_E_OK;
}

static bool parse_args(void)
{
    char args[sizeof(axl_procinfo->args)];
    memcpy(args, axl_procinfo->args, sizeof(args));
    args[sizeof(args) - 1] = 0;
    for (char *w = strtok(args, " "); w; w = strtok(NULL, " ")) {
        char *eq = strchr(w, '='), *end;
        unsigned long v = eq ? strtoul(eq + 1, &end, 10) : 0;
        if (!eq || eq[1] < '0' || eq[1] > '9' || *end) {
            axl_printf("swapclient: bad argument '%s'\n", w);
            return false;
        }
        *eq = 0;
        if (strcmp(w, "pages") == 0 && v >= 2 && v <= MAX_PAGES) {
            npages = (unsigned)v;
        } else if (strcmp(w, "rewrite") == 0 && v >= 1 && v <= MAX_PAGES) {
            rewrite = (unsigned)v;
        } else if (strcmp(w, "rounds") == 0 && v >= 1) {
            max_rounds = (unsigned)v;
        } else {
            axl_printf("swapclient: bad argument '%s=%lu' (pages=2..1024, rewrite=N, rounds=N)\n",
                       w, v);
            return false;
        }
    }
    return true;
}

int main(void)
{
    const struct axl_proc_cap *mm = axl_proc_cap("endpoint:mm");
    struct axl_mm_stats s;
    uint64_t pages, addr, n;

    if (!axl_procinfo || !mm) {
        axl_printf("swapclient: no endpoint to mm (manifest: endpoints = mm, pager = mm)\n");
        return 1;
    }
    if (!parse_args()) {
        return 1;
    }
    ep = mm->cptr;
    long err = axl_mm_attach(ep, &base, &pages);
    if (err) {
        axl_printf("swapclient: MM_ATTACH: %s\n", axl_strerror(err));
        return 1;
    }
    err = axl_mm_alloc(ep, npages, 1000000, &addr, NULL);
    if (err || addr != base || !stats(&s)) {
        axl_printf("swapclient: MM_ALLOC of %u pages: %s at %#llx\n", npages, axl_strerror(err),
                   (unsigned long long)addr);
        return 1;
    }
    axl_printf("swapclient: attached: window %#llx (%llu pages); %u pages allocated, mm has %llu "
               "frames, commit limit %llu\n", (unsigned long long)base, (unsigned long long)pages,
               npages, (unsigned long long)s.frames, (unsigned long long)s.limit);
    if (npages <= s.frames) {
        axl_printf("swapclient: %u pages fit in %llu frames: nothing would be paged\n", npages,
                   (unsigned long long)s.frames);
        return 1;
    }

    for (unsigned p = 0; p < npages; p++) {
        put(p, 1);
    }
    unsigned wrong = verify(0, npages);
    stats(&s);
    axl_printf("swapclient: filled and verified %u pages: %u wrong; page-outs %llu, page-ins %llu\n",
               npages, wrong, (unsigned long long)s.pageouts, (unsigned long long)s.pageins);

    unsigned round = 0, next = 0;
    while (!s.store_failed && round < max_rounds) {
        round++;
        for (unsigned k = 0; k < rewrite; k++, next = (next + 1) % npages) {
            put(next, version[next] + 1);
        }
        wrong += verify(0, npages);
        stats(&s);
    }
    if (!s.store_failed) {
        axl_printf("swapclient: the store never failed in %u rounds (page-outs %llu)\n", round,
                   (unsigned long long)s.pageouts);
        return 1;
    }
    axl_printf("swapclient: round %u: mm says the store failed; page-outs %llu, page-ins %llu, "
               "%llu on swap, %llu resident\n", round, (unsigned long long)s.pageouts,
               (unsigned long long)s.pageins, (unsigned long long)s.swapped,
               (unsigned long long)s.resident);

    /* Nothing lost: every page, twice (the second pass pages in again what the first evicted). */
    uint64_t pageins = s.pageins;
    unsigned lost1 = verify(0, npages), lost2 = verify(0, npages);
    unsigned lost = lost1 > lost2 ? lost1 : lost2;
    stats(&s);
    axl_printf("swapclient: after the failure: %u of %u pages intact (%llu page-ins since, "
               "page-outs still %llu)\n", npages - lost, npages,
               (unsigned long long)(s.pageins - pageins), (unsigned long long)s.pageouts);
    wrong += lost;

    /* Demand beyond supply is throttled, not failed. */
    uint64_t throttled = 0;
    err = axl_mm_alloc(ep, 8, 50000, &addr, &throttled);
    stats(&s);
    axl_printf("swapclient: MM_ALLOC of 8 more pages: %s after %llu throttled tries in 50 ms "
               "(committed %llu, limit %llu, throttled %llu in all)\n", axl_errname(err),
               (unsigned long long)throttled, (unsigned long long)s.committed,
               (unsigned long long)s.limit, (unsigned long long)s.throttled);
    bool throttle_ok = err == AXL_S_LIMIT && throttled > 0 && s.limit == s.frames;

    /* Freed memory is admitted again: keep a quarter, then allocate within the frames. */
    unsigned keep = (unsigned)s.frames / 4;
    err = axl_mm_free(ep, base + (uint64_t)keep * PAGE, npages - keep, &n);
    bool free_ok = err == AXL_E_OK && n == npages - keep;
    unsigned more = (unsigned)s.frames - keep;
    err = free_ok ? axl_mm_alloc(ep, more, 1000000, &addr, &throttled) : err;
    bool admit_ok = err == AXL_E_OK && addr == base + (uint64_t)keep * PAGE;
    for (unsigned p = 0; admit_ok && p < keep + more; p++) {
        put(p, version[p] + 1); /* everything fits in the frames now: writing is safe again */
    }
    unsigned wrong_after = admit_ok ? verify(0, keep + more) : 0;
    wrong += wrong_after;
    stats(&s);
    axl_printf("swapclient: freed %llu pages; MM_ALLOC of %u pages: %s at %#llx; %u pages "
               "rewritten and verified, %u wrong\n", (unsigned long long)n, more,
               axl_errname(err), (unsigned long long)addr, keep + more, wrong_after);

    /* Everything back. */
    err = axl_mm_free(ep, base, keep + more, &n);
    stats(&s);
    bool reclaim_ok = err == AXL_E_OK && s.free_frames == s.frames && s.committed == 0 &&
                      s.resident == 0 && s.swapped == 0;
    axl_printf("swapclient: reclaimed: frames free %llu of %llu, committed %llu, resident %llu, "
               "on swap %llu, reclaimed without I/O %llu\n", (unsigned long long)s.free_frames,
               (unsigned long long)s.frames, (unsigned long long)s.committed,
               (unsigned long long)s.resident, (unsigned long long)s.swapped,
               (unsigned long long)s.reclaimed);

    bool ok = wrong == 0 && bad == 0 && throttle_ok && free_ok && admit_ok && reclaim_ok;
    axl_printf("swapclient: result: %u pages, page-outs %llu, page-ins %llu, throttled %llu, "
               "wrong %u: %s\n", npages, (unsigned long long)s.pageouts,
               (unsigned long long)s.pageins, (unsigned long long)s.throttled, wrong,
               ok ? "ok" : "FAILED");
    return ok ? 0 : 1;
}
