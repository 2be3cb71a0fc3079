/* SPDX-License-Identifier: MIT */
/*
 * mem.c: newlib-test's heap checks (NL-MEM-*): newlib's malloc on the
 * porting layer's sbrk (libc/heap.c), which grows the heap from the
 * process's quota, or in the root task from its fixed arena.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <axl/proc.h>

#include "check.h"

#define STRESS_SLOTS 128 /* blocks alive at once: at most about 128 KiB, within the root arena */
#define STRESS_STEPS 6000
#define ROOT_ARENA (256 * 1024) /* libc/heap.c's ROOT_HEAP_BYTES */

struct block {
    unsigned char *p;
    size_t size;
    unsigned char seed;
};

/* The byte at offset i of a block filled from seed: depends on both, so moved data shows. */
static unsigned char pattern(unsigned char seed, size_t i)
{
    return (unsigned char)(seed + i * 31 + (i >> 8));
}

static void fill(struct block *b)
{
    for (size_t i = 0; i < b->size; i++) {
        b->p[i] = pattern(b->seed, i);
    }
}

/* The first offset of b that no longer holds its pattern, or b->size. */
static size_t damaged(const struct block *b)
{
    size_t i = 0;
    while (i < b->size && b->p[i] == pattern(b->seed, i)) {
        i++;
    }
    return i;
}

/* Mostly small blocks, now and then a few KiB. */
static size_t random_size(unsigned long long *rng)
{
    unsigned long long r = nl_random(rng);
    return r % 16 == 0 ? 1 + r % 8192 : 1 + r % 1024;
}

static const char *stress(void)
{
    static struct block blocks[STRESS_SLOTS];
    unsigned long long rng = 0x9e3779b97f4a7c15ull;
    const char *why = NULL;

    for (int step = 0; step < STRESS_STEPS && !why; step++) {
        struct block *b = &blocks[nl_random(&rng) % STRESS_SLOTS];
        if (b->p) {
            size_t bad = damaged(b);
            if (bad < b->size) {
                why =
                    nl_detail("step %d: byte %zu of a %zu-byte block changed", step, bad, b->size);
            } else if (nl_random(&rng) % 4 == 0) { /* resize instead of freeing */
                size_t size = random_size(&rng), keep = size < b->size ? size : b->size;
                unsigned char *p = realloc(b->p, size);
                if (!p) {
                    why = nl_detail("step %d: realloc to %zu bytes returned NULL", step, size);
                    continue;
                }
                struct block kept = {p, keep, b->seed};
                if (damaged(&kept) < keep) {
                    why = nl_detail("step %d: realloc to %zu bytes lost the contents", step, size);
                }
                *b = (struct block){p, size, b->seed};
                fill(b);
            } else {
                free(b->p);
                b->p = NULL;
            }
        } else {
            size_t size = random_size(&rng);
            *b = (struct block){malloc(size), size, (unsigned char)step};
            if (!b->p) {
                why = nl_detail("step %d: malloc(%zu) returned NULL", step, size);
                continue;
            }
            fill(b);
        }
    }
    for (int i = 0; i < STRESS_SLOTS; i++) {
        free(blocks[i].p);
        blocks[i].p = NULL;
    }
    return why;
}

static const char *reallocation(void)
{
    unsigned char *p = realloc(NULL, 16); /* as malloc */

    EXPECT(p, "realloc(NULL, 16) returned NULL");
    struct block b = {p, 16, 7};
    fill(&b);
    b.p = realloc(b.p, 10000);
    EXPECT(b.p && damaged(&b) == 16, "growing to 10000 bytes lost the first 16");
    b.size = 8;
    b.p = realloc(b.p, 8);
    EXPECT(b.p && damaged(&b) == 8, "shrinking to 8 bytes lost them");
    free(b.p);

    unsigned char *z = calloc(100, 10);
    EXPECT(z, "calloc(100, 10) returned NULL");
    for (int i = 0; i < 1000; i++) {
        EXPECT(z[i] == 0, "calloc's byte %d is %u", i, z[i]);
    }
    free(z);

    void *a = aligned_alloc(64, 256);
    EXPECT(a && (uintptr_t)a % 64 == 0, "aligned_alloc(64, 256) returned %p", a);
    free(a);
    return NULL;
}

/* The heap's limit: the process's quota, or the root task's arena. */
static size_t heap_limit(void) { return axl_procinfo ? axl_procinfo->heap_quota : ROOT_ARENA; }

/* Allocates BLOCK-byte blocks until malloc fails, frees them all; the bytes it got, and errno. */
static size_t allocate_all(int *err)
{
    enum { BLOCK = 4000 };
    void *list = NULL; /* the blocks, each holding a pointer to the one before */
    size_t got = 0;

    errno = 0;
    for (void *p; (p = malloc(BLOCK)) != NULL; got += BLOCK) {
        *(void **)p = list;
        list = p;
    }
    *err = errno;
    while (list) {
        void *next = *(void **)list;
        free(list);
        list = next;
    }
    return got;
}

static const char *exhaustion(void)
{
    int err, again_err;
    size_t got = allocate_all(&err);

    printf("newlib-test: heap: malloc got %zu bytes of a %zu-byte %s, then ENOMEM\n", got,
           heap_limit(), axl_procinfo ? "quota" : "arena");
    EXPECT(err == ENOMEM, "malloc failed with errno %d, expected ENOMEM (%d)", err, ENOMEM);
    EXPECT(got >= heap_limit() / 2, "only %zu bytes of %zu before ENOMEM", got, heap_limit());
    void *big = malloc(got / 2); /* the freed blocks coalesce into one large enough */
    EXPECT(big, "after freeing everything, malloc(%zu) returned NULL", got / 2);
    free(big);
    /* A failed sbrk loses nothing: the second time round gets as much as the first. */
    size_t again = allocate_all(&again_err);
    EXPECT(again >= got && again_err == ENOMEM, "the second time malloc got %zu bytes, not %zu",
           again, got);
    return NULL;
}

const struct nl_check nl_mem_checks[] = {
    {"NL-MEM-001", "malloc",
     "6000 random mallocs, reallocs and frees keep every block's contents intact", stress},
    {"NL-MEM-002", "malloc", "realloc keeps contents, calloc zeroes, aligned_alloc aligns",
     reallocation},
    {"NL-MEM-003", "enomem",
     "malloc fails with ENOMEM at the heap's limit, and what is freed can be allocated again",
     exhaustion},
    {NULL, NULL, NULL, NULL},
};
