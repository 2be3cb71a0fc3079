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
 *
 * Each notification has one timer (NTFN_SET_TIMER): after a delay, counted
 * in clock ticks and rounded up, the kernel signals chosen bits, so a
 * server can wait for "a message, an interrupt or a deadline" in one RECV.
 * Armed notifications sit on one unsorted list the tick walks; there are
 * as many entries as armed timers, and deleting a notification disarms it.
 */
#include <clock.h>
#include <ipc.h>
#include <uapi/axl/invocations.h>

static struct notification *armed; /* the timer list */

static void timer_disarm(struct notification *n)
{
    for (struct notification **pp = &armed; *pp; pp = &(*pp)->timer_next) {
        if (*pp == n) {
            *pp = n->timer_next;
            break;
        }
    }
    n->timer_next = NULL;
    n->timer_bits = 0;
}

void ntfn_timer_tick(uint64_t now)
{
    struct notification **pp = &armed;

    while (*pp) {
        struct notification *n = *pp;
        if (n->timer_at > now) {
            pp = &n->timer_next;
            continue;
        }
        uint64_t bits = n->timer_bits;
        *pp = n->timer_next; /* unlinked before the signal, which may wake anyone */
        n->timer_next = NULL;
        n->timer_bits = 0;
        ntfn_signal(n, bits);
    }
}

int ntfn_invoke(struct cte *cap, uint64_t label)
{
    struct notification *n = cap->cap.obj;

    if (label != AXL_INV_NTFN_SET_TIMER) {
        return AXL_E_ILLEGAL_OPERATION;
    }
    if (!(cap->cap.rights & AXL_RIGHT_WRITE)) {
        return AXL_E_INSUFFICIENT_RIGHTS; /* arming signals it: the right to signal */
    }
    uint64_t bits = msg_get(current, 0), us = msg_get(current, 1);
    unsigned hz = clock_rate_hz();
    if (us > 3600ull * 1000000) {
        return AXL_E_RANGE; /* an hour at most: keeps the tick arithmetic far from overflow */
    }
    timer_disarm(n);
    if (us == 0) {
        return AXL_E_OK;
    }
    if (bits == 0 || hz == 0) {
        return bits == 0 ? AXL_E_INVALID_ARGUMENT : AXL_E_ILLEGAL_OPERATION; /* no clock, no timer */
    }
    /* Rounded up, plus one: the current tick is already partly gone. */
    n->timer_at = clock_ticks() + (us * hz + 999999) / 1000000 + 1;
    n->timer_bits = bits;
    n->timer_next = armed;
    armed = n;
    return AXL_E_OK;
}

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

int ntfn_signaller(uint64_t cptr, struct notification **n, uint64_t *badge)
{
    int err = AXL_E_OK;
    struct cte *c = cspace_lookup_cap(current, cptr, AXL_OBJ_NOTIFICATION, &err);

    if (!c) {
        return err;
    }
    if (!(c->cap.rights & AXL_RIGHT_WRITE)) {
        return AXL_E_INSUFFICIENT_RIGHTS;
    }
    *n = c->cap.obj;
    *badge = c->cap.word;
    return AXL_E_OK;
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
    if (n->timer_bits) {
        timer_disarm(n);
    }
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
