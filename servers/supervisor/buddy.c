/* SPDX-License-Identifier: MIT */
/*
 * buddy.c: the buddy allocator of a resource domain's memory (buddy.h).
 *
 * Nodes live in an implicit binary tree (node i has halves 2i+1 and 2i+2)
 * of at most BUDDY_LEVELS levels. A node is ABSENT until its parent is
 * split; FREE, SPLIT or USED after. Allocation takes the smallest free block
 * that is big enough, lowest address first, and splits it down to the size
 * wanted; freeing joins a block with its buddy while both are free.
 */
#include "buddy.h"

static unsigned depth_of(unsigned i)
{
    unsigned d = 0;
    while (i) {
        i = (i - 1) / 2;
        d++;
    }
    return d;
}

void buddy_init(struct buddy *b, const struct buddy_ops *ops, void *ctx, uint64_t root_slot,
                unsigned bits, unsigned min_bits)
{
    *b = (struct buddy){.ops = ops, .ctx = ctx, .bits = bits};
    b->min_bits = min_bits > bits ? bits : min_bits;
    if (b->bits - b->min_bits > BUDDY_LEVELS - 1) {
        b->min_bits = b->bits - (BUDDY_LEVELS - 1);
    }
    b->state[0] = BUDDY_FREE;
    b->slot[0] = root_slot;
}

/* The free node of depth d with the lowest address, or -1. */
static int find_free(const struct buddy *b, unsigned d)
{
    unsigned first = (1u << d) - 1, last = (2u << d) - 2;
    for (unsigned i = first; i <= last && i < BUDDY_NODES; i++) {
        if (b->state[i] == BUDDY_FREE) {
            return (int)i;
        }
    }
    return -1;
}

long buddy_alloc(struct buddy *b, unsigned want_bits, uint64_t *slot, unsigned *bits)
{
    unsigned want = want_bits < b->min_bits ? b->min_bits : want_bits;

    if (want > b->bits) {
        return BUDDY_NO_MEMORY;
    }
    unsigned target = b->bits - want; /* the depth of a block of the size wanted */
    /* The deepest level with a free block at or above the target: split it down. */
    int node = -1;
    unsigned d = target + 1;
    while (node < 0 && d-- > 0) {
        node = find_free(b, d);
    }
    if (node < 0) {
        return BUDDY_NO_MEMORY;
    }
    for (; d < target; d++) {
        uint64_t half[2];
        long err = b->ops->split(b->ctx, b->slot[node], b->bits - d - 1, half);
        if (err) {
            return err; /* the halves made so far stay: free blocks for later */
        }
        unsigned lo = 2 * (unsigned)node + 1;
        b->state[node] = BUDDY_SPLIT;
        b->state[lo] = b->state[lo + 1] = BUDDY_FREE;
        b->slot[lo] = half[0];
        b->slot[lo + 1] = half[1];
        node = (int)lo;
    }
    b->state[node] = BUDDY_USED;
    b->used += 1ull << want;
    *slot = b->slot[node];
    *bits = want;
    return 0;
}

uint64_t buddy_free(struct buddy *b, uint64_t slot)
{
    unsigned i = 0;

    while (i < BUDDY_NODES && !(b->state[i] == BUDDY_USED && b->slot[i] == slot)) {
        i++;
    }
    if (i == BUDDY_NODES) {
        return 0;
    }
    uint64_t bytes = 1ull << (b->bits - depth_of(i));
    b->state[i] = BUDDY_FREE;
    b->used -= bytes;
    while (i > 0) {
        unsigned parent = (i - 1) / 2, lo = 2 * parent + 1;
        if (b->state[lo] != BUDDY_FREE || b->state[lo + 1] != BUDDY_FREE) {
            break;
        }
        uint64_t half[2] = {b->slot[lo], b->slot[lo + 1]};
        b->ops->join(b->ctx, b->slot[parent], half);
        b->state[lo] = b->state[lo + 1] = BUDDY_ABSENT;
        b->slot[lo] = b->slot[lo + 1] = 0;
        b->state[parent] = BUDDY_FREE;
        i = parent;
    }
    return bytes;
}

void buddy_reset(struct buddy *b)
{
    /* Children first is not needed: every slot below the root is simply forgotten. */
    for (unsigned lo = 1; lo + 1 < BUDDY_NODES + 1 && lo < BUDDY_NODES; lo += 2) {
        if (b->state[lo] != BUDDY_ABSENT) {
            uint64_t half[2] = {b->slot[lo], b->slot[lo + 1]};
            b->ops->forget(b->ctx, half);
        }
        b->state[lo] = b->state[lo + 1] = BUDDY_ABSENT;
        b->slot[lo] = b->slot[lo + 1] = 0;
    }
    b->state[0] = BUDDY_FREE;
    b->used = 0;
}

uint64_t buddy_largest_free(const struct buddy *b)
{
    for (unsigned d = 0; d < BUDDY_LEVELS && b->bits - d >= b->min_bits; d++) {
        if (find_free(b, d) >= 0) {
            return 1ull << (b->bits - d);
        }
    }
    return 0;
}
