/* SPDX-License-Identifier: MIT */
/*
 * notification.c: notifications, the kernel's asynchronous signal.
 *
 * A notification is a word of pending bits and a queue of waiting
 * threads. Signalling ORs the badge of the capability used into the word
 * (an unbadged capability signals bit 0) and wakes the first waiter,
 * which receives the word as its badge; waiting takes and clears the
 * word, or blocks while it is 0. IRQs arrive this way (core/irq.c).
 *
 * A notification may also be bound to one thread (TCB_BIND_NOTIFICATION),
 * so that a server waiting for requests on an endpoint learns of signals
 * too: a signal that finds no waiter but the bound thread blocked in RECV
 * ends that receive with the label AXL_LABEL_NOTIFICATION and the word as
 * its badge, and a RECV finds a pending word before any message.
 */
#include <ipc.h>

static void nq_remove(struct notification *n, struct tcb *t)
{
    if (t->ep_prev) {
        t->ep_prev->ep_next = t->ep_next;
    } else {
        n->head = t->ep_next;
    }
    if (t->ep_next) {
        t->ep_next->ep_prev = t->ep_prev;
    } else {
        n->tail = t->ep_prev;
    }
    t->ep_next = t->ep_prev = NULL;
    t->blocked_on = NULL;
}

void ntfn_signal(struct notification *n, uint64_t badge)
{
    uint64_t bits = badge ? badge : 1;
    struct tcb *t = n->head;

    if (t) {
        nq_remove(n, t);
        t->regs.rax = AXL_E_OK;
        syscall_set_msg(t, 0, n->word | bits);
        n->word = 0;
        sched_make_runnable(t);
        return;
    }
    n->word |= bits;
    if (n->bound && n->bound->state == TS_BLOCKED_RECV) {
        ipc_cancel(n->bound); /* off the endpoint's queue */
        ntfn_take_bound(n->bound);
        sched_make_runnable(n->bound);
    }
}

bool ntfn_take_bound(struct tcb *t)
{
    struct notification *n = t->bound_ntfn;

    if (!n || !n->word) {
        return false;
    }
    t->regs.rax = AXL_E_OK;
    syscall_set_msg(t, AXL_MSGINFO(AXL_LABEL_NOTIFICATION, 0, 0), n->word);
    n->word = 0;
    return true;
}

int ntfn_bind(struct tcb *t, struct notification *n)
{
    if (n && n->bound && n->bound != t) {
        return AXL_E_ILLEGAL_OPERATION; /* one thread per notification */
    }
    if (t->bound_ntfn) {
        t->bound_ntfn->bound = NULL;
    }
    t->bound_ntfn = n;
    if (n) {
        n->bound = t;
    }
    if (n && n->word && t->state == TS_BLOCKED_RECV) {
        ipc_cancel(t); /* a word already pending ends the receive the thread is in, as a signal would */
        ntfn_take_bound(t);
        sched_make_runnable(t);
    }
    return AXL_E_OK;
}

void ntfn_wait(struct cte *cap, bool blocking)
{
    struct notification *n = cap->cap.obj;
    struct tcb *self = current;

    if (!(cap->cap.rights & AXL_RIGHT_READ)) {
        syscall_set_result(self, AXL_E_INSUFFICIENT_RIGHTS);
        return;
    }
    if (n->word) {
        syscall_set_result(self, AXL_E_OK);
        syscall_set_msg(self, 0, n->word);
        n->word = 0;
        return;
    }
    if (!blocking) {
        syscall_set_result(self, AXL_E_WOULD_BLOCK);
        return;
    }
    self->state = TS_BLOCKED_WAIT;
    sched_remove(self);
    self->ep_next = NULL;
    self->ep_prev = n->tail;
    if (n->tail) {
        n->tail->ep_next = self;
    } else {
        n->head = self;
    }
    n->tail = self;
    self->blocked_on = n;
}

void ntfn_cancel(struct tcb *t) { nq_remove(t->blocked_on, t); }

void ntfn_destroy(struct notification *n)
{
    if (n->bound) {
        n->bound->bound_ntfn = NULL;
        n->bound = NULL;
    }
    while (n->head) {
        struct tcb *t = n->head;
        nq_remove(n, t);
        syscall_set_result(t, AXL_E_ABORTED);
        sched_make_runnable(t);
    }
}
