/* SPDX-License-Identifier: MIT */
/*
 * cnode.c: the operations on capability slots: copy, mint, move, mutate,
 * delete and revoke (see cap.h for the model and contracts).
 *
 * Each operation checks everything first and then commits with the
 * infallible mechanics of cap.c. Destroying an object happens when its
 * final capability is deleted; a CNode's slots are then emptied through
 * a worklist (destroy_queue), drained before the outermost operation
 * returns, so nesting depth never reaches the kernel stack.
 */
#include <cap.h>
#include <kstring.h>

/*
 * CNodes whose final capability was deleted and whose slots still need
 * emptying. The link lives in slot 0's aux field: slots are 64-byte
 * aligned, so the low 6 bits carry the radix.
 */
static struct cte *destroy_queue;
static bool draining;

static void queue_cnode(struct cte *slots, unsigned radix)
{
    slots[0].aux = (uint64_t)(uintptr_t)destroy_queue | radix;
    destroy_queue = slots;
}

/*
 * Removes the capability in a non-empty slot, destroying the object if it
 * was final. A CNode's slots are queued; every other kind of object is
 * torn down by object_cap_removed (threads stopped, waiters woken,
 * mappings removed). The memory itself returns to its untyped once that
 * has no children left.
 */
static void remove_cap(struct cte *slot)
{
    struct cap cap = slot->cap;
    bool final = cap_is_final(slot);
    cdt_remove(slot);
    if (final && cap.type == AXL_OBJ_CNODE) {
        queue_cnode(cap.obj, cap.size_bits);
    }
    object_cap_removed(&cap, slot, final);
}

static int delete_one(struct cte *slot)
{
    if (cte_empty(slot)) {
        return AXL_E_OK;
    }
    if (slot->cap.type == AXL_OBJ_UNTYPED && slot->child) {
        return AXL_E_REVOKE_FIRST; /* its objects would outlive their region's capability */
    }
    remove_cap(slot);
    return AXL_E_OK;
}

/* Deletes every descendant of slot, deepest first (leaves never splice). */
static void revoke_all(struct cte *slot)
{
    while (slot->child) {
        struct cte *leaf = slot->child;
        while (leaf->child) {
            leaf = leaf->child;
        }
        delete_one(leaf); /* a leaf untyped has no children: cannot fail */
    }
}

/*
 * Empties queued CNodes. Only the capabilities in them go: copies held
 * elsewhere survive (children splice upward). An untyped with children is
 * removed too, its objects spliced under its parent, whose used region
 * covers them, so nothing that is still reachable is destroyed.
 */
static void drain(void)
{
    if (draining) {
        return; /* the outermost caller drains */
    }
    draining = true;
    while (destroy_queue) {
        struct cte *slots = destroy_queue;
        unsigned radix = (unsigned)(slots[0].aux & 63);
        destroy_queue = (struct cte *)(uintptr_t)(slots[0].aux & ~63ull);
        slots[0].aux = 0;
        for (uint64_t i = 0; i < (1ull << radix); i++) {
            if (!cte_empty(&slots[i])) {
                remove_cap(&slots[i]);
            }
        }
    }
    draining = false;
}

struct cte *cnode_slot(const struct cap *cnode, uint64_t index, int *err)
{
    if (cnode->type != AXL_OBJ_CNODE) {
        *err = AXL_E_INVALID_CAPABILITY;
        return NULL;
    }
    if (index >= (1ull << cnode->size_bits)) {
        *err = AXL_E_FAILED_LOOKUP;
        return NULL;
    }
    return (struct cte *)cnode->obj + index;
}

/* Checks shared by copy and mint. */
static int check_derive(const struct cte *src, const struct cte *dst)
{
    if (cte_empty(src)) {
        return AXL_E_INVALID_CAPABILITY;
    }
    if (!cte_empty(dst)) {
        return AXL_E_DELETE_FIRST;
    }
    switch (src->cap.type) {
    case AXL_OBJ_UNTYPED: /* a region has one capability: move or retype it */
    case AXL_OBJ_REPLY:   /* one-shot: it may move, never multiply */
    case AXL_OBJ_PDPT:    /* a table is linked in one place only: a second capability */
    case AXL_OBJ_PAGE_DIRECTORY: /* could map it twice, and a stale link could outlive */
    case AXL_OBJ_PAGE_TABLE:     /* what it maps (seL4 refuses these copies too) */
        return AXL_E_ILLEGAL_OPERATION;
    default:
        return AXL_E_OK;
    }
}

/* A copy starts unmapped: each frame or table capability describes its own mapping. */
static struct cap derived(const struct cap *src, unsigned rights)
{
    struct cap cap = *src;

    cap.rights &= (uint8_t)rights;
    switch (cap.type) {
    case AXL_OBJ_FRAME:
    case AXL_OBJ_LARGE_FRAME:
    case AXL_OBJ_PDPT:
    case AXL_OBJ_PAGE_DIRECTORY:
    case AXL_OBJ_PAGE_TABLE:
    case AXL_OBJ_IO_PAGE_TABLE:
        cap.word = 0;
        cap.flags &= (uint8_t)~CAP_IOMAP;
        break;
    default:
        break;
    }
    return cap;
}

int cap_copy(struct cte *src, struct cte *dst, unsigned rights)
{
    int err = check_derive(src, dst);
    if (err) {
        return err;
    }
    struct cap cap = derived(&src->cap, rights);
    cdt_insert(dst, &cap, src);
    return AXL_E_OK;
}

static bool badgeable(unsigned type)
{
    return type == AXL_OBJ_ENDPOINT || type == AXL_OBJ_NOTIFICATION;
}

int cap_mint(struct cte *src, struct cte *dst, unsigned rights, uint64_t badge)
{
    int err = check_derive(src, dst);
    if (err) {
        return err;
    }
    struct cap cap = derived(&src->cap, rights);
    if (src->cap.type == AXL_OBJ_CNODE) {
        /* For a CNode the "badge" is its guard: the length in the low 6 bits, the value above. */
        unsigned bits = badge & 63;
        uint64_t guard = badge >> 6;
        /* A guard and radix longer than a cptr could never be resolved. */
        if (bits > AXL_GUARD_MAX_BITS || bits + src->cap.size_bits > 64 || (guard >> bits) != 0) {
            return AXL_E_INVALID_ARGUMENT;
        }
        cap.guard_bits = (uint8_t)bits;
        cap.word = guard;
        cdt_insert(dst, &cap, src);
        return AXL_E_OK;
    }
    if (badge != 0 && !badgeable(src->cap.type)) {
        return AXL_E_INVALID_ARGUMENT; /* only endpoints and notifications carry badges */
    }
    if (badge != 0 && src->cap.word != 0 && src->cap.word != badge) {
        return AXL_E_ILLEGAL_OPERATION; /* a badge, once set, is fixed */
    }
    if (badge != 0) {
        cap.word = badge;
    }
    cdt_insert(dst, &cap, src);
    return AXL_E_OK;
}

int cap_move(struct cte *src, struct cte *dst) { return cap_mutate(src, dst, AXL_RIGHTS_ALL); }

int cap_mutate(struct cte *src, struct cte *dst, unsigned rights)
{
    if (cte_empty(src)) {
        return AXL_E_INVALID_CAPABILITY;
    }
    if (!cte_empty(dst)) {
        return AXL_E_DELETE_FIRST;
    }
    /* Children may not keep rights their new parent lacks: narrowing a
     * capability that has copies would break that, so it is refused. */
    if ((src->cap.rights & ~rights) && src->child && src->cap.type != AXL_OBJ_UNTYPED) {
        return AXL_E_REVOKE_FIRST;
    }
    cdt_move(src, dst);
    dst->cap.rights &= (uint8_t)rights;
    return AXL_E_OK;
}

int cap_delete_nodrain(struct cte *slot) { return delete_one(slot); }

void cap_drain(void) { drain(); }

int cap_delete(struct cte *slot)
{
    int err = delete_one(slot);
    drain();
    return err;
}

int cap_revoke(struct cte *slot)
{
    if (cte_empty(slot)) {
        return AXL_E_INVALID_CAPABILITY;
    }
    revoke_all(slot);
    drain();
    return AXL_E_OK;
}
