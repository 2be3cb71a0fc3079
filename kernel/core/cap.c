/* SPDX-License-Identifier: MIT */
/*
 * cap.c: the capability derivation tree, the mechanics under cnode.c and
 * untyped.c (see cap.h for the model). Nothing here can fail; callers
 * check first. cdt_check is the invariant checker the tests and the
 * kernel's consistency check use.
 */
#include <cap.h>
#include <kstring.h>

static bool same_object(const struct cap *a, const struct cap *b)
{
    return a->type == b->type && a->obj == b->obj && a->size_bits == b->size_bits;
}

/*
 * Capabilities without a parent (made at boot, reply, IRQ-handler and
 * port capabilities) are siblings of each other in one list, as if under
 * a parent that is the kernel, so every capability in the system can be
 * reached from cdt_roots (the consistency check walks it) and deletion
 * splices the children of a root into the list like any other.
 */
struct cte *cdt_roots;

void cdt_insert(struct cte *dst, const struct cap *cap, struct cte *parent)
{
    struct cte **head = parent ? &parent->child : &cdt_roots;

    *dst = (struct cte){.cap = *cap, .parent = parent, .next = *head, .aux = dst->aux};
    if (dst->next) {
        dst->next->prev = dst;
    }
    *head = dst;
}

bool cap_is_final(const struct cte *c)
{
    if (c->cap.type == AXL_OBJ_UNTYPED) {
        return true; /* never copied: the one capability to its region */
    }
    return !c->child && !(c->parent && same_object(&c->parent->cap, &c->cap)) &&
           !(c->prev && same_object(&c->prev->cap, &c->cap)) &&
           !(c->next && same_object(&c->next->cap, &c->cap));
}

/* Points whatever referred to old (neighbours, parent, children) at new. */
static void relink(struct cte *old, struct cte *new)
{
    if (new->prev) {
        new->prev->next = new;
    } else if (new->parent && new->parent->child == old) {
        new->parent->child = new;
    } else if (!new->parent && cdt_roots == old) {
        cdt_roots = new;
    }
    if (new->next) {
        new->next->prev = new;
    }
    for (struct cte *k = new->child; k; k = k->next) {
        k->parent = new;
    }
}

void cdt_move(struct cte *src, struct cte *dst)
{
    uint64_t aux = dst->aux; /* aux belongs to the slot, not to the capability */
    *dst = *src;
    dst->aux = aux;
    relink(src, dst);
    *src = (struct cte){.aux = src->aux};
    object_cap_moved(dst);
}

/*
 * Takes c out of the tree and empties it. Its children, if any, take its
 * place among its siblings, in order, so preorder is preserved.
 */
void cdt_remove(struct cte *c)
{
    struct cte *first = c->child, *last = NULL;

    for (struct cte *k = first; k; k = k->next) {
        k->parent = c->parent;
        last = k;
    }
    if (first) {
        first->prev = c->prev;
        last->next = c->next;
    }
    struct cte *before = c->prev, *after = c->next;
    struct cte *head = first ? first : after; /* what follows before, now */
    struct cte *tail = last ? last : before;  /* what precedes after, now */
    if (before) {
        before->next = head;
    } else if (c->parent) {
        c->parent->child = head;
    } else {
        cdt_roots = head;
    }
    if (after) {
        after->prev = tail;
    }
    *c = (struct cte){.aux = c->aux};
}

static bool in_child_list(const struct cte *parent, const struct cte *c)
{
    for (const struct cte *k = parent->child; k; k = k->next) {
        if (k == c) {
            return true;
        }
    }
    return false;
}

/* Is the object of child c inside the used part of untyped u? */
static bool inside_used(const struct cap *u, const struct cap *c)
{
    uintptr_t base = (uintptr_t)u->obj, o = (uintptr_t)c->obj;
    return o >= base && o - base < u->word;
}

static const char *check_child(const struct cte *c, const struct cte *k)
{
    if (k->parent != c) {
        return "a child's parent link does not point back";
    }
    if (k->next && k->next->prev != k) {
        return "sibling links disagree";
    }
    if (c->cap.type == AXL_OBJ_UNTYPED) {
        return inside_used(&c->cap, &k->cap) ? NULL
                                             : "an untyped's child lies outside its used memory";
    }
    if (!same_object(&c->cap, &k->cap)) {
        return "a copy names a different object than its parent";
    }
    if (k->cap.rights & ~c->cap.rights) {
        return "a copy has rights its parent lacks";
    }
    bool badged = c->cap.type == AXL_OBJ_ENDPOINT || c->cap.type == AXL_OBJ_NOTIFICATION;
    if (badged && c->cap.word && k->cap.word != c->cap.word) {
        return "a copy of a badged capability has another badge";
    }
    return NULL;
}

/* Same-object siblings must be adjacent: the contiguity cap_is_final relies on. */
static const char *check_contiguous(const struct cte *c)
{
    for (const struct cte *a = c->child; a; a = a->next) {
        for (const struct cte *b = a->next; b; b = b->next) {
            if (same_object(&a->cap, &b->cap) && !same_object(&b->prev->cap, &b->cap)) {
                return "capabilities to one object are not contiguous among their siblings";
            }
        }
    }
    return NULL;
}

const char *cdt_check(const struct cte *c)
{
    if (cte_empty(c)) {
        return (c->parent || c->child || c->next || c->prev) ? "an empty slot has tree links"
                                                             : NULL;
    }
    if (c->parent && !in_child_list(c->parent, c)) {
        return "a capability is missing from its parent's child list";
    }
    if (c->prev && (c->prev->next != c || c->prev->parent != c->parent)) {
        return "sibling links disagree";
    }
    for (const struct cte *k = c->child; k; k = k->next) {
        const char *err = check_child(c, k);
        if (err) {
            return err;
        }
    }
    return check_contiguous(c);
}
