/* SPDX-License-Identifier: MIT */
/*
 * cspace.c: resolving a capability pointer in a thread's CSpace.
 *
 * A CSpace is a tree of CNodes; a capability pointer (cptr) is a 64-bit
 * path through it, read from the most significant bit down. Each CNode
 * capability has a guard (guard_bits bits that must match next) and the
 * CNode's radix (bits that index its slots). Lookup stops when all 64
 * bits are used or at a slot that holds anything but a CNode, as in seL4.
 * The root task's CNode has a 52-bit guard of 0 and radix 12, so there a
 * cptr is simply a slot number.
 */
#include <ipc.h>

struct cte *cspace_lookup(const struct tcb *t, uint64_t cptr, int *err)
{
    const struct cap *node = &t->cspace.cap;
    unsigned left = 64;

    if (node->type != AXL_OBJ_CNODE) {
        *err = AXL_E_INVALID_CAPABILITY;
        return NULL;
    }
    for (;;) {
        unsigned g = node->guard_bits, r = node->size_bits;
        /* g <= 48 and 1 <= r <= 16, so every shift below is less than 64. */
        if (g + r > left) {
            *err = AXL_E_FAILED_LOOKUP;
            return NULL;
        }
        uint64_t guard = g ? (cptr >> (left - g)) & ((1ull << g) - 1) : 0;
        if (guard != node->word) {
            *err = AXL_E_FAILED_LOOKUP;
            return NULL;
        }
        left -= g + r;
        struct cte *slot = (struct cte *)node->obj + ((cptr >> left) & ((1ull << r) - 1));
        if (left == 0 || slot->cap.type != AXL_OBJ_CNODE) {
            return slot;
        }
        node = &slot->cap;
    }
}

struct cte *cspace_empty_slot(const struct tcb *t, uint64_t cnode_cptr, uint64_t index, int *err)
{
    struct cte *cn = cspace_lookup_cap(t, cnode_cptr, AXL_OBJ_CNODE, err);
    struct cte *dst = cn ? cnode_slot(&cn->cap, index, err) : NULL;

    if (dst && !cte_empty(dst)) {
        *err = AXL_E_DELETE_FIRST;
        return NULL;
    }
    return dst;
}

struct cte *cspace_lookup_cap(const struct tcb *t, uint64_t cptr, unsigned type, int *err)
{
    struct cte *slot = cspace_lookup(t, cptr, err);

    if (slot && (cte_empty(slot) || (type && slot->cap.type != type))) {
        *err = AXL_E_INVALID_CAPABILITY;
        return NULL;
    }
    return slot;
}
