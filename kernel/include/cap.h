/* SPDX-License-Identifier: MIT */
/*
 * cap.h: capabilities, CNode slots and the derivation tree (core/cap.c,
 * core/cnode.c, core/untyped.c).
 *
 * The model (docs/capabilities.md has the full story):
 * - A capability names one object and carries rights (and a badge, for
 *   endpoints and notifications). It lives in a slot (struct cte) of a
 *   CNode, and is reachable only through its slot.
 * - Retype makes an object's first capability, a child of the untyped it
 *   was carved from. Copies and mints are children of the capability they
 *   came from: the children of anything but an untyped name the same
 *   object. Deleting a capability splices its children into its place, so
 *   in preorder all capabilities to one object stay contiguous (seL4 keeps
 *   the same property in its MDB list). Hence a capability is FINAL, the
 *   last one to its object, when it has no children and neither its
 *   parent nor its neighbouring siblings name the same object: an O(1)
 *   test. Deleting the final capability destroys the object.
 * - Untyped capabilities are never copied, only moved or split by retype,
 *   so the one capability of a region holds its watermark. Memory returns
 *   to an untyped when it has no children left: the next retype starts
 *   again at offset 0. An untyped with children cannot be deleted: revoke.
 * - Destroying a CNode deletes its slots through a worklist, never by
 *   recursion, so nested CNodes cannot exhaust the kernel stack.
 *
 * All functions run with interrupts off on one CPU; none blocks. Those
 * returning int return 0 (AXL_E_OK) or an enum axl_error and change
 * nothing on error.
 */
#ifndef AXL_CAP_H
#define AXL_CAP_H

#include <uapi/axl/errors.h>
#include <uapi/axl/objects.h>
#include "types.h"

#define CAP_DEVICE 0x1u /* device memory: an untyped (retypes into frames and untyped only) or a frame */
#define CAP_IOMAP 0x2u  /* a frame or IO page table whose word records an IO-space mapping */

struct cap {
    uint8_t type;      /* enum axl_object_type; AXL_OBJ_NULL = empty slot */
    uint8_t rights;    /* AXL_RIGHT_* */
    uint8_t size_bits; /* untyped: log2 region size; CNode: radix (log2 slots) */
    uint8_t flags;     /* CAP_DEVICE */
    uint8_t guard_bits; /* CNode: length of the guard in word */
    uint8_t reserved[3];
    /* endpoint, notification: badge (0: unbadged); untyped: bytes used; CNode: guard;
     * PML4: its ASID; frame, page table: where it is mapped (arch), 0 if not */
    uint64_t word;
    void *obj;     /* the object's kernel address; untyped: the region's start */
};

/* A capability table entry: one CNode slot. */
struct cte {
    struct cap cap;
    struct cte *parent;      /* what this capability was derived from; NULL for a root */
    struct cte *child;       /* first capability derived from this one */
    struct cte *next, *prev; /* siblings under the same parent */
    /* Slot 0 of a CNode being destroyed: worklist link | radix. It belongs to the slot, not
     * to the capability in it: the tree operations never change it, since a queued CNode's
     * slots may still be emptied one by one (by a revoke) before the queue is drained. */
    uint64_t aux;
};
_Static_assert(sizeof(struct cte) == 1u << AXL_CNODE_SLOT_BITS,
               "a slot is 2^AXL_CNODE_SLOT_BITS bytes");

static inline bool cte_empty(const struct cte *c) { return c->cap.type == AXL_OBJ_NULL; }

/* --- the derivation tree (core/cap.c): mechanics that cannot fail --- */

/* The first capability without a parent; the rest follow through next. */
extern struct cte *cdt_roots;

/* Puts cap into the empty slot dst as a child of parent (NULL: a root). */
void cdt_insert(struct cte *dst, const struct cap *cap, struct cte *parent);
/* Moves the capability in src, with its place in the tree, to the empty dst. */
void cdt_move(struct cte *src, struct cte *dst);
/* Empties c; its children take its place among its siblings, in order. */
void cdt_remove(struct cte *c);
/* True if deleting this capability would destroy its object. */
bool cap_is_final(const struct cte *c);

/*
 * Checks the tree's invariants around c: links, that c's children are
 * copies (or, under an untyped, objects inside its used region), rights
 * and badges only narrow, and same-object siblings are contiguous.
 * Returns NULL, or a description of the first violation.
 */
const char *cdt_check(const struct cte *c);

/* --- operations on slots (core/cnode.c) --- */

/* The slot at index in the CNode named by cnode; NULL and *err set if none. */
struct cte *cnode_slot(const struct cap *cnode, uint64_t index, int *err);

/* Copies src into the empty dst with rights reduced to src's & rights. */
int cap_copy(struct cte *src, struct cte *dst, unsigned rights);
/* Like cap_copy, and sets a badge on an unbadged endpoint or notification. */
int cap_mint(struct cte *src, struct cte *dst, unsigned rights, uint64_t badge);
/* Moves src into the empty dst, keeping its place in the tree. */
int cap_move(struct cte *src, struct cte *dst);
/* Moves src into the empty dst, reducing its rights. */
int cap_mutate(struct cte *src, struct cte *dst, unsigned rights);
/* Deletes the capability in slot; destroys its object if it was final. */
int cap_delete(struct cte *slot);
/* Deletes every capability derived from the one in slot, keeping it. */
int cap_revoke(struct cte *slot);
/*
 * As cap_delete, for the kernel's own slots (in a TCB) while it may be
 * destroying objects already: queued CNodes are emptied by the outermost
 * operation, or by cap_drain.
 */
int cap_delete_nodrain(struct cte *slot);
void cap_drain(void);

/*
 * Hooks into the rest of the kernel (core/object.c; the host tests of the
 * derivation tree provide their own): a capability was removed from slot
 * (final: it was the last to its object), and one was moved to dst.
 */
void object_cap_removed(const struct cap *cap, struct cte *slot, bool final);
void object_cap_moved(struct cte *dst);
/* Checks before creating count objects of type (e.g. free ASIDs); 0 or an error. */
int object_can_create(unsigned type, uint64_t count);
/* Initialises a new, zeroed object; may set fields of its first capability. */
void object_init(struct cap *cap);

/* --- untyped memory (core/untyped.c) --- */

/* log2 of the bytes an object takes, or -1 for an invalid type/size. */
int object_size_bits(unsigned type, unsigned size_bits);

/*
 * Carves count objects of the given type (size_bits for untyped and
 * CNode, ignored otherwise) from the untyped in ut and puts their
 * original capabilities in slots [index, index + count) of the CNode
 * named by dest.
 */
int untyped_retype(struct cte *ut, unsigned type, unsigned size_bits, const struct cap *dest,
                   uint64_t index, uint64_t count);

/* Makes a root untyped capability for [base, base + 2^size_bits) (boot only). */
void untyped_make_root(struct cte *slot, void *base, unsigned size_bits, bool device);

#endif /* AXL_CAP_H */
