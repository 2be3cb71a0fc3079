/* SPDX-License-Identifier: MIT */
/*
 * object.c: what happens to each kind of object when it is created, when
 * one of its capabilities goes, and when its last one goes (the hooks of
 * cap.h); and kernel_check, the consistency check the syscall fuzzer
 * runs (DEBUG_CHECK): every derivation tree, from cdt_roots down.
 */
#include <arch.h>
#include <ipc.h>
#include <irq.h>
#include <klog.h>
#include <uapi/axl/ipc.h>

void object_init(struct cap *cap)
{
    switch (cap->type) {
    case AXL_OBJ_TCB:
        tcb_init(cap->obj);
        break;
    case AXL_OBJ_PML4:
        arch_vspace_init(cap);
        break;
    default:
        break;
    }
}

int object_can_create(unsigned type, uint64_t count)
{
    if (type == AXL_OBJ_PML4 && arch_asids_free() < count) {
        return AXL_E_NOT_ENOUGH_MEMORY; /* every address space needs an ASID */
    }
    return AXL_E_OK;
}

void object_cap_removed(const struct cap *cap, struct cte *slot, bool final)
{
    (void)slot;
    switch (cap->type) {
    case AXL_OBJ_REPLY:
        reply_cap_removed(cap->obj);
        break;
    case AXL_OBJ_FRAME:
    case AXL_OBJ_LARGE_FRAME:
    case AXL_OBJ_PDPT:
    case AXL_OBJ_PAGE_DIRECTORY:
    case AXL_OBJ_PAGE_TABLE:
    case AXL_OBJ_IO_PAGE_TABLE:
        arch_cap_unmap(cap); /* every capability removes its own mapping */
        break;
    case AXL_OBJ_TCB:
        if (final) {
            tcb_destroy(cap->obj);
        }
        break;
    case AXL_OBJ_ENDPOINT:
        if (final) {
            endpoint_destroy(cap->obj);
        }
        break;
    case AXL_OBJ_NOTIFICATION:
        if (final) {
            irq_notification_gone(cap->obj);
            arch_iospace_notification_gone(cap->obj);
            ntfn_destroy(cap->obj);
        }
        break;
    case AXL_OBJ_PML4:
        if (final) {
            arch_vspace_destroy(cap);
        }
        break;
    case AXL_OBJ_IRQ_HANDLER:
        if (final) {
            irq_handler_destroy(cap);
        }
        break;
    default:
        break;
    }
}

void object_cap_moved(struct cte *dst)
{
    if (dst->cap.type == AXL_OBJ_REPLY) {
        ((struct tcb *)dst->cap.obj)->caller_reply = dst;
    }
}

static unsigned check_tcb(const struct tcb *t)
{
    unsigned bad = 0;
    if (t->caller_reply && (t->caller_reply->cap.type != AXL_OBJ_REPLY ||
                            t->caller_reply->cap.obj != t)) {
        kerror("check", "thread %llu: its reply capability is lost", (unsigned long long)t->id);
        bad++;
    }
    if ((t->state == TS_BLOCKED_REPLY) != (t->caller_reply != NULL)) {
        kerror("check", "thread %llu: waits for a reply without a reply capability (or the reverse)",
               (unsigned long long)t->id);
        bad++;
    }
    if (t->state == TS_RUNNABLE && !t->queued && t != current) {
        kerror("check", "thread %llu: runnable but in no queue", (unsigned long long)t->id);
        bad++;
    }
    return bad;
}

/* Checks one capability and what it names. */
static unsigned check_cte(const struct cte *c)
{
    unsigned bad = 0;
    const char *why = cdt_check(c);

    if (why) {
        kerror("check", "slot %p (type %u, parent %p, prev %p, next %p, child %p): %s",
               (const void *)c, c->cap.type, (const void *)c->parent, (const void *)c->prev,
               (const void *)c->next, (const void *)c->child, why);
        bad++;
    }
    if (c->cap.type == AXL_OBJ_TCB) {
        bad += check_tcb(c->cap.obj);
    }
    if (c->cap.type == AXL_OBJ_PML4) {
        bad += arch_vspace_check(&c->cap);
    }
    return bad;
}

/*
 * Walks the derivation tree under root in preorder, without recursion.
 * A capability whose links are wrong is reported and its subtree is not
 * entered, and the walk gives up on a link it cannot follow: a check of
 * a broken tree must report it, not fault on it.
 */
static unsigned check_tree(const struct cte *root)
{
    unsigned bad = 0;
    const struct cte *c = root;

    while (c) {
        unsigned b = check_cte(c);
        bad += b;
        if (c->child && !b) {
            c = c->child;
            continue;
        }
        while (c != root && !c->next) {
            c = c->parent;
            if (!c) {
                kerror("check", "a derivation tree's parent links end before its root");
                return bad + 1;
            }
        }
        c = (c == root) ? NULL : c->next;
    }
    return bad;
}

unsigned kernel_check(void)
{
    unsigned bad = 0;
    const char *why = sched_check();

    if (why) {
        kerror("check", "scheduler: %s", why);
        bad++;
    }
    for (const struct cte *root = cdt_roots; root; root = root->next) {
        if (root->parent) {
            kerror("check", "slot %p: in the root list but has a parent", (const void *)root);
            return bad + 1; /* the list itself is broken: walking on is not safe */
        }
        bad += check_tree(root);
    }
    if (current) {
        bad += check_tcb(current);
    }
    kinfo("check", "kernel consistency check: %u problem%s", bad, bad == 1 ? "" : "s");
    return bad;
}
