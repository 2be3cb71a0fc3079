/* SPDX-License-Identifier: MIT */
/*
 * ipc.h: endpoints, notifications, reply capabilities and fault messages
 * (core/ipc.c, core/notification.c), and the system-call layer
 * (core/syscall.c, core/cspace.c).
 */
#ifndef AXL_IPC_H
#define AXL_IPC_H

#include "thread.h"
#include <uapi/axl/syscalls.h>

/* AXL_OBJ_ENDPOINT, 16 bytes: a queue of senders or of receivers, never both. */
struct endpoint {
    struct tcb *head, *tail;
};
_Static_assert(sizeof(struct endpoint) <= 16, "an endpoint fits its object");

/* AXL_OBJ_NOTIFICATION, 32 bytes: a word of pending signals and a queue of waiters. */
struct notification {
    uint64_t word;
    struct tcb *head, *tail;
    uint64_t irq_mask; /* IRQs whose handlers signal it (bit per IRQ), for unbinding */
    struct tcb *bound; /* the thread whose RECV its signals end (TCB_BIND_NOTIFICATION), or NULL */
    /* NTFN_SET_TIMER: at tick timer_at, timer_bits are signalled (armed: in the timer list). */
    uint64_t timer_at, timer_bits;
    struct notification *timer_next;
};
_Static_assert(sizeof(struct notification) <= 64, "a notification fits its object");

/* --- ipc.c: all take the current thread as the one acting --- */
void ipc_send(struct cte *ep, uint64_t info, bool blocking, bool call);
void ipc_recv(struct cte *ep, bool blocking);
/* The fast path of CALL and REPLY_RECV; false (nothing done) when it does not apply. */
bool ipc_fast_call(struct cte *ep, uint64_t info);
bool ipc_fast_reply_recv(struct cte *ep, uint64_t info);
int ipc_reply(uint64_t info);
/* Replies through the reply capability in rc (the TCB's own slot, or one saved in a CNode). */
int ipc_reply_through(struct cte *rc, uint64_t info);
/* Sends the fault message for t (already saved) to its fault endpoint, or suspends it. */
void ipc_fault(struct tcb *t, unsigned kind, uint64_t addr, uint64_t detail);
/* Removes t from whatever it is blocked on (the caller sets its new state). */
void ipc_cancel(struct tcb *t);
void endpoint_destroy(struct endpoint *ep);
/* A reply capability to caller was deleted unanswered: the caller learns of it. */
void reply_cap_removed(struct tcb *caller);
/* t is a caller going away: deletes the reply capability to it, if any. */
void reply_cap_forget(struct tcb *t);

/* --- notification.c --- */
void ntfn_signal(struct notification *n, uint64_t badge);
void ntfn_wait(struct cte *cap, bool blocking);
void ntfn_destroy(struct notification *n);
void ntfn_cancel(struct tcb *t); /* t stops waiting */
/* The notification the current thread names at cptr for the kernel to signal on its behalf
 * (an IRQ line, a DMA fault): it must be one, with WRITE. Fills *n and *badge, or returns an
 * error code. */
int ntfn_signaller(uint64_t cptr, struct notification **n, uint64_t *badge);
/* Binds n to t (NULL: unbinds t's); see TCB_BIND_NOTIFICATION. Returns an error code. */
int ntfn_bind(struct tcb *t, struct notification *n);
/* t, about to receive, takes its bound notification's pending word if any: true if it did. */
bool ntfn_take_bound(struct tcb *t);
/* NTFN_SET_TIMER on the notification cap points to (invoked by current). */
int ntfn_invoke(struct cte *cap, uint64_t label);
/* The clock's tick: signals every armed notification whose time has come. */
void ntfn_timer_tick(uint64_t now);

/* --- cspace.c: capability pointers --- */
/* Resolves cptr in t's CSpace; NULL with *err set if it names no slot. */
struct cte *cspace_lookup(const struct tcb *t, uint64_t cptr, int *err);
/* As cspace_lookup, and the slot must hold a capability of the given type (0: any). */
struct cte *cspace_lookup_cap(const struct tcb *t, uint64_t cptr, unsigned type, int *err);

/* The empty slot index of the CNode named by cnode_cptr in t's CSpace; NULL with *err if none. */
struct cte *cspace_empty_slot(const struct tcb *t, uint64_t cnode_cptr, uint64_t index, int *err);

/* --- syscall.c --- */
/* Handles the system call whose registers are in current->regs; ends in kernel_exit. */
NORETURN void syscall_dispatch(void);
/* Message register i of t as it sends (i < AXL_MSG_MAX_WORDS); 0 past its IPC buffer. */
uint64_t msg_get(const struct tcb *t, unsigned i);
/* Sets MR i of t; returns false if it does not fit (no IPC buffer). */
bool msg_set(struct tcb *t, unsigned i, uint64_t v);
/* Sets t's syscall results: error, message info, badge. */
void syscall_set_result(struct tcb *t, int err);
void syscall_set_msg(struct tcb *t, uint64_t info, uint64_t badge);
/* Object invocation through a CALL on a non-IPC capability. */
int object_invoke(struct cte *slot, uint64_t info);
/* Counts inconsistencies in every CSpace reachable from the threads and logs them. */
unsigned kernel_check(void);

#endif /* AXL_IPC_H */
