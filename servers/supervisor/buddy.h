/* SPDX-License-Identifier: MIT */
/*
 * buddy.h: a binary buddy allocator over one untyped capability: how a
 * resource domain's memory is cut into the regions its processes are built
 * from (docs/resources.md).
 *
 * The kernel reuses an untyped's memory only when every object carved from
 * it is gone (its watermark goes back to 0), so a domain cannot hand out and
 * take back pieces of one untyped directly. Instead a block is split by
 * retyping it into two untyped halves, and joined again by deleting both
 * halves once both are free, which empties the parent. Every block handed
 * out is thus an untyped capability of its own that its user can revoke and
 * reuse, and the domain's memory is exactly the root's: nothing is allocated
 * outside it.
 *
 * Pure logic: the capability operations are the caller's (struct
 * buddy_ops), so the allocator is also built into a host unit test.
 */
#ifndef AXL_ROOT_BUDDY_H
#define AXL_ROOT_BUDDY_H

#include <stdint.h>

#define BUDDY_LEVELS 8 /* the root, and halves down to 1/128 of it */
#define BUDDY_NODES ((1u << BUDDY_LEVELS) - 1)
#define BUDDY_NO_MEMORY (-1) /* buddy_alloc: no free block is big enough */

struct buddy_ops {
    /* Retypes the untyped parent (2^(bits+1) bytes, empty) into two untyped halves of 2^bits
     * bytes; their capabilities (root slots) in half[0] (the lower) and half[1]. 0 or an error. */
    long (*split)(void *ctx, uint64_t parent, unsigned bits, uint64_t half[2]);
    /* Deletes the two halves (both empty): the parent is whole again. */
    void (*join)(void *ctx, uint64_t parent, const uint64_t half[2]);
    /* Forgets the slots of two halves whose capabilities are already gone (buddy_reset). */
    void (*forget)(void *ctx, const uint64_t half[2]);
};

enum buddy_state { BUDDY_ABSENT, BUDDY_FREE, BUDDY_SPLIT, BUDDY_USED };

struct buddy {
    const struct buddy_ops *ops;
    void *ctx;
    unsigned bits;     /* the root block: 2^bits bytes */
    unsigned min_bits; /* the smallest block */
    uint64_t used;     /* bytes in blocks handed out */
    uint8_t state[BUDDY_NODES]; /* node i's halves are 2i+1 and 2i+2 */
    uint64_t slot[BUDDY_NODES]; /* each present node's untyped capability */
};

/* A domain of 2^bits bytes held in root_slot; no block smaller than 2^min_bits. */
void buddy_init(struct buddy *b, const struct buddy_ops *ops, void *ctx, uint64_t root_slot,
                unsigned bits, unsigned min_bits);
/* The smallest block of at least 2^want_bits bytes: its untyped in *slot, its size in *bits.
 * 0, BUDDY_NO_MEMORY, or the error of a split (nothing changed then). */
long buddy_alloc(struct buddy *b, unsigned want_bits, uint64_t *slot, unsigned *bits);
/* Gives the block held in slot back (its untyped must be empty: revoked); joins free halves.
 * Returns its size in bytes, 0 if slot is not a block handed out. */
uint64_t buddy_free(struct buddy *b, uint64_t slot);
/* After the root untyped was revoked (every half and block gone with it): all free again. */
void buddy_reset(struct buddy *b);
/* Bytes of the largest block that could be handed out now. */
uint64_t buddy_largest_free(const struct buddy *b);

#endif /* AXL_ROOT_BUDDY_H */
