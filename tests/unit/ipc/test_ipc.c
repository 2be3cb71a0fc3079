/* SPDX-License-Identifier: MIT */
/*
 * test_ipc.c: the IPC layer on the host: endpoint queues, badges, calls
 * and one-shot reply capabilities, the fast path against the general
 * path, notifications, rights and message checks, fault messages, and a
 * seeded random walk checked against a model after every step.
 *
 * The world is real kernel objects: a CNode, threads, endpoints,
 * notifications and frames retyped from a host-memory untyped. Every
 * thread runs with a copy of that CNode as its CSpace (a cptr is a slot
 * index in the top 8 bits) and a copy of one PML4 as its address space.
 * A test acts as a thread would: it makes the thread current, fills its
 * registers and calls the IPC functions (or syscall_dispatch, which
 * returns here through the stubs' longjmp), then settles the scheduler
 * as kernel_exit would and checks the kernel's own consistency check.
 *
 * Tests marked "regression" once caught a kernel bug, described in their
 * comment. AXL_IPC_SEED=<n> reruns the random walk with another seed.
 */
#define _POSIX_C_SOURCE 200809L /* fork, waitpid */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <sys/wait.h>
#include <unistd.h>

#include <ipc.h>
#include <klog.h>
#include <uapi/axl/faults.h>
#include <uapi/axl/invocations.h>
#include <uapi/axl/ipc.h>

#include "stubs.h"


/* --- the world --- */

#define RAM_BITS 22 /* 4 MiB of "RAM" for the untyped */
#define CN_RADIX 8  /* the CNode every thread uses as its CSpace */
#define PRIO 10     /* every thread's priority unless a test says otherwise */

/* Slots of the CNode. */
#define S_PML4 1
#define S_TCB(i) (8 + (i))    /* i < 16 */
#define S_FRAME(i) (24 + (i)) /* i < 16: thread i's IPC buffer */
#define S_EP(e) (40 + (e))    /* e < 8 */
#define S_NTFN(n) (48 + (n))  /* n < 8 */
#define S_FIRST_COPY 64       /* mint() hands out slots from here */
#define S_RECV 224            /* room for transferred capabilities */

/* A cptr naming slot i: the CSpace is a radix-8 CNode without a guard. */
#define CPTR(i) ((uint64_t)(i) << 56)

static struct cte boot[4]; /* boot[0]: the root untyped; boot[1]: the CNode */
static struct cap boot_cap = {.type = AXL_OBJ_CNODE, .size_bits = 2, .obj = boot};

static struct {
    void *ram;
    struct tcb *made[1024]; /* every TCB made, for teardown */
    unsigned nmade;
    unsigned next_copy;
} w;

static struct cte *slot(unsigned i) { return (struct cte *)boot[1].cap.obj + i; }

static void retype(unsigned type, unsigned index)
{
    int err = untyped_retype(&boot[0], type, 0, &boot[1].cap, index, 1);
    if (err) {
        fail_msg("retype of type %u into slot %u: error %d", type, index, err);
    }
}

static int setup(void **state)
{
    cdt_roots = NULL; /* the previous test's memory is gone */
    (void)state;
    memset(boot, 0, sizeof(boot));
    memset(&w, 0, sizeof(w));
    w.ram = aligned_alloc(1u << RAM_BITS, 1u << RAM_BITS);
    memset(w.ram, 0xa5, 1u << RAM_BITS);
    untyped_make_root(&boot[0], w.ram, RAM_BITS, false);
    assert_int_equal(untyped_retype(&boot[0], AXL_OBJ_CNODE, CN_RADIX, &boot_cap, 1, 1), AXL_E_OK);
    retype(AXL_OBJ_PML4, S_PML4);
    w.next_copy = S_FIRST_COPY;
    current = NULL;
    sched_init(5);
    memset(stub_klog_lines, 0, sizeof(stub_klog_lines));
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    /* Nothing the scheduler holds may point into the memory about to go. */
    for (unsigned i = 0; i < w.nmade; i++) {
        sched_forget(w.made[i]);
    }
    current = NULL;
    free(w.ram);
    memset(boot, 0, sizeof(boot));
    return 0;
}

/* A fresh thread in slot S_TCB(i): CSpace, address space, an IPC buffer if asked; runnable. */
static struct tcb *thread_new(unsigned i, bool ipcbuf)
{
    retype(AXL_OBJ_TCB, S_TCB(i));
    struct tcb *t = slot(S_TCB(i))->cap.obj;
    assert_int_equal(cap_copy(&boot[1], &t->cspace, AXL_RIGHTS_ALL), AXL_E_OK);
    assert_int_equal(cap_copy(slot(S_PML4), &t->vspace, AXL_RIGHTS_ALL), AXL_E_OK);
    if (ipcbuf) {
        if (cte_empty(slot(S_FRAME(i)))) {
            retype(AXL_OBJ_FRAME, S_FRAME(i));
        }
        assert_int_equal(cap_copy(slot(S_FRAME(i)), &t->ipcbuf, AXL_RIGHTS_ALL), AXL_E_OK);
        t->ipcbuf_vaddr = 0x10000000 + 0x1000 * i + 1024 * (i % 4); /* any offset in the frame */
    }
    t->prio = t->mcp = PRIO;
    sched_make_runnable(t);
    assert_true(w.nmade < 1024);
    w.made[w.nmade++] = t;
    return t;
}

static struct tcb *tcb(unsigned i) { return slot(S_TCB(i))->cap.obj; }

static unsigned ep_new(unsigned e)
{
    retype(AXL_OBJ_ENDPOINT, S_EP(e));
    return S_EP(e);
}

static unsigned ntfn_new(unsigned n)
{
    retype(AXL_OBJ_NOTIFICATION, S_NTFN(n));
    return S_NTFN(n);
}

/* A copy of slot src with the given rights and badge in the next free copy slot. */
static unsigned mint(unsigned src, unsigned rights, uint64_t badge)
{
    unsigned dst = w.next_copy++;
    assert_true(dst < S_RECV);
    assert_int_equal(cap_mint(slot(src), slot(dst), rights, badge), AXL_E_OK);
    return dst;
}

static struct endpoint *ep_obj(unsigned s) { return slot(s)->cap.obj; }
static struct notification *ntfn_obj(unsigned s) { return slot(s)->cap.obj; }

/*
 * Makes t the running thread, as the scheduler would have: t leaves its
 * ready queue, and a runnable thread that ran before goes back to its own.
 */
static void act(struct tcb *t)
{
    struct tcb *old = current;
    if (old == t) {
        assert_int_equal(t->state, TS_RUNNABLE);
        return;
    }
    assert_int_equal(t->state, TS_RUNNABLE);
    sched_remove(t);
    current = t;
    if (old && old->state == TS_RUNNABLE) {
        sched_make_runnable(old);
    }
}

/* What kernel_exit decides after a system call. */
static void settle(void)
{
    sched_choose();
    const char *why = sched_check();
    if (why) {
        fail_msg("sched_check: %s", why);
    }
}

/* The thread's message: info in rsi, words MR0.. (registers, then its IPC buffer). */
static void set_msg(struct tcb *t, uint64_t info, const uint64_t *words)
{
    t->regs.rsi = info;
    for (unsigned i = 0; i < AXL_MSGINFO_LEN(info); i++) {
        if (!msg_set(t, i, words[i])) {
            fail_msg("thread %llu has no IPC buffer for MR%u", (unsigned long long)t->id, i);
        }
    }
}

/* A message of len words base, base + 1, ... (len <= 4 for a thread without an IPC buffer). */
static void set_msg_seq(struct tcb *t, uint64_t label, unsigned len, uint64_t base)
{
    uint64_t words[AXL_MSG_MAX_WORDS];
    assert_true(len <= AXL_MSG_MAX_WORDS);
    for (unsigned i = 0; i < len; i++) {
        words[i] = base + i;
    }
    set_msg(t, AXL_MSGINFO(label, 0, len), words);
}

static void assert_msg_seq(const struct tcb *t, unsigned len, uint64_t base)
{
    for (unsigned i = 0; i < len; i++) {
        if (msg_get(t, i) != base + i) {
            fail_msg("MR%u is 0x%llx, not 0x%llx", i, (unsigned long long)msg_get(t, i),
                     (unsigned long long)(base + i));
        }
    }
}

/*
 * Runs one system call of t through syscall_dispatch, as the SYSCALL entry
 * would: returns STUB_ENTERED_USER or STUB_IDLED (kernel_exit's choice
 * is then in current).
 */
static int sys(struct tcb *t, uint64_t nr, uint64_t cptr, uint64_t info)
{
    act(t);
    t->regs.rax = nr;
    t->regs.rdi = cptr;
    t->regs.rsi = info;
    int how = setjmp(stub_exit);
    if (how == 0) {
        stub_exit_armed = true;
        syscall_dispatch();
    }
    stub_exit_armed = false;
    return how;
}

/* --- checks --- */

/* Every endpoint and notification in the CNode: queue links, states, blocked_on. */
static const char *queue_problem(void *obj, struct tcb *head, struct tcb *tail, bool ntfn)
{
    unsigned n = 0, back = 0;
    struct tcb *prev = NULL;
    int kind = -1;
    for (struct tcb *t = head; t; prev = t, t = t->ep_next) {
        if (++n > 4096) {
            return "a queue does not end (cycle)";
        }
        if (t->ep_prev != prev) {
            return "a queued thread's ep_prev is not the thread before it";
        }
        if (t->blocked_on != obj) {
            return "a queued thread's blocked_on names another object";
        }
        if (ntfn ? t->state != TS_BLOCKED_WAIT
                 : (t->state != TS_BLOCKED_SEND && t->state != TS_BLOCKED_RECV)) {
            return "a queued thread is in the wrong state for its queue";
        }
        if (kind >= 0 && t->state != kind) {
            return "an endpoint queue holds senders and receivers at once";
        }
        kind = t->state;
        if (t->queued || t == current) {
            return "a blocked thread is also in a ready queue or running";
        }
    }
    if (tail != prev) {
        return "a queue's tail is not its last thread";
    }
    for (struct tcb *t = tail; t; t = t->ep_prev) {
        if (++back > n) {
            return "walking a queue backwards finds more threads than forwards";
        }
    }
    return back == n ? NULL : "walking a queue backwards finds fewer threads than forwards";
}

static void assert_queues_ok(void)
{
    for (unsigned i = 0; i < (1u << CN_RADIX); i++) {
        struct cte *c = slot(i);
        const char *why = NULL;
        if (c->cap.type == AXL_OBJ_ENDPOINT) {
            struct endpoint *ep = c->cap.obj;
            why = queue_problem(ep, ep->head, ep->tail, false);
        } else if (c->cap.type == AXL_OBJ_NOTIFICATION) {
            struct notification *n = c->cap.obj;
            why = queue_problem(n, n->head, n->tail, true);
            if (!why && n->head && n->word) {
                why = "a notification has waiters and pending bits at once";
            }
        } else if (c->cap.type == AXL_OBJ_TCB) {
            struct tcb *t = c->cap.obj;
            bool waits = t->state == TS_BLOCKED_SEND || t->state == TS_BLOCKED_RECV ||
                         t->state == TS_BLOCKED_WAIT;
            if (waits != (t->blocked_on != NULL)) {
                why = "a thread's state and blocked_on disagree";
            }
        }
        if (why) {
            fail_msg("slot %u: %s", i, why);
        }
    }
}

static void assert_consistent(void)
{
    const char *why = sched_check();
    if (why) {
        fail_msg("sched_check: %s", why);
    }
    assert_queues_ok();
    unsigned bad = kernel_check();
    if (bad) {
        fail_msg("kernel_check found %u problem(s)", bad);
    }
}

/* The threads queued on an endpoint, in order; returns how many. */
static unsigned ep_list(unsigned s, struct tcb **out, unsigned max)
{
    unsigned n = 0;
    for (struct tcb *t = ep_obj(s)->head; t && n < max; t = t->ep_next) {
        out[n++] = t;
    }
    return n;
}

static void assert_error(const struct tcb *t, int err)
{
    assert_int_equal(t->regs.rax, err);
    if (err) {
        assert_int_equal(t->regs.rsi, 0);
        assert_int_equal(t->regs.rdi, 0);
    }
}

/* t received a message: error 0, badge, message info. */
static void assert_received(const struct tcb *t, uint64_t badge, uint64_t info)
{
    assert_int_equal(t->regs.rax, AXL_E_OK);
    assert_int_equal(t->regs.rdi, badge);
    assert_int_equal(t->regs.rsi, info);
}

/* t holds the reply capability to caller, and caller knows where. */
static void assert_holds_reply(struct tcb *t, struct tcb *caller)
{
    assert_int_equal(t->reply.cap.type, AXL_OBJ_REPLY);
    assert_ptr_equal(t->reply.cap.obj, caller);
    assert_ptr_equal(caller->caller_reply, &t->reply);
    assert_int_equal(caller->state, TS_BLOCKED_REPLY);
}

/* ---------------------------------------------------------------------------------------- */
/* Endpoints: delivery, badges, FIFO order                                                   */
/* ---------------------------------------------------------------------------------------- */

static void test_send_blocks_until_a_receiver_takes_the_message(void **state)
{
    (void)state;
    struct tcb *s = thread_new(0, false), *r = thread_new(1, false);
    unsigned ep = ep_new(0), sc = mint(ep, AXL_RIGHTS_ALL, 0x5ead);

    act(s);
    set_msg_seq(s, 0x77, 3, 0x100);
    ipc_send(slot(sc), s->regs.rsi, true, false);
    assert_int_equal(s->state, TS_BLOCKED_SEND);
    assert_ptr_equal(ep_obj(ep)->head, s);
    settle();
    assert_ptr_equal(current, r);
    assert_consistent();

    r->regs.rdx = r->regs.r10 = r->regs.r8 = r->regs.r9 = 0xdead;
    ipc_recv(slot(ep), true);
    assert_received(r, 0x5ead, AXL_MSGINFO(0x77, 0, 3));
    assert_msg_seq(r, 3, 0x100);
    assert_int_equal(r->regs.r9, 0xdead); /* words past the length are not written */
    assert_int_equal(s->state, TS_RUNNABLE);
    assert_int_equal(s->regs.rax, AXL_E_OK);
    assert_null(ep_obj(ep)->head);
    assert_true(cte_empty(&r->reply)); /* a send is not a call */
    settle();
    assert_consistent();
}

static void test_receiver_waits_and_a_send_wakes_it(void **state)
{
    (void)state;
    struct tcb *r = thread_new(0, false), *s = thread_new(1, false);
    unsigned ep = ep_new(0);

    act(r);
    ipc_recv(slot(ep), true);
    assert_int_equal(r->state, TS_BLOCKED_RECV);
    settle();
    assert_consistent();

    act(s);
    set_msg_seq(s, 5, 4, 0x40);
    ipc_send(slot(ep), s->regs.rsi, true, false);
    assert_int_equal(s->state, TS_RUNNABLE);
    assert_int_equal(s->regs.rax, AXL_E_OK);
    assert_int_equal(r->state, TS_RUNNABLE);
    assert_received(r, 0, AXL_MSGINFO(5, 0, 4)); /* unbadged: badge 0 */
    assert_msg_seq(r, 4, 0x40);
    settle();
    assert_ptr_equal(current, s); /* the sender keeps the CPU at equal priority... */
    sched_yield();
    settle();
    assert_ptr_equal(current, r); /* ...and the receiver was handed the front of the queue */
    assert_consistent();
}

static void test_senders_are_served_in_fifo_order(void **state)
{
    (void)state;
    struct tcb *s[4];
    for (unsigned i = 0; i < 4; i++) {
        s[i] = thread_new(i, false);
    }
    struct tcb *r = thread_new(4, false);
    unsigned ep = ep_new(0), cap[4];
    for (unsigned i = 0; i < 4; i++) {
        cap[i] = mint(ep, AXL_RIGHTS_ALL, 0x10 + i);
    }
    /* Senders queue in the order 2, 0, 3, 1. */
    const unsigned order[4] = {2, 0, 3, 1};
    for (unsigned k = 0; k < 4; k++) {
        unsigned i = order[k];
        act(s[i]);
        set_msg_seq(s[i], i, 1, 0x1000 * i);
        ipc_send(slot(cap[i]), s[i]->regs.rsi, true, k % 2 == 1); /* calls and sends mixed */
        settle();
        assert_consistent();
    }
    struct tcb *q[8];
    assert_int_equal(ep_list(ep, q, 8), 4);
    for (unsigned k = 0; k < 4; k++) {
        assert_ptr_equal(q[k], s[order[k]]);
    }
    for (unsigned k = 0; k < 4; k++) {
        unsigned i = order[k];
        act(r);
        ipc_recv(slot(ep), true);
        assert_received(r, 0x10 + i, AXL_MSGINFO(i, 0, 1));
        assert_int_equal(r->regs.rdx, 0x1000 * i);
        if (k % 2 == 1) {
            assert_holds_reply(r, s[i]);
            assert_int_equal(ipc_reply(0), AXL_E_OK);
        }
        assert_int_equal(s[i]->state, TS_RUNNABLE);
        settle();
        assert_consistent();
    }
    assert_null(ep_obj(ep)->head);
}

static void test_receivers_are_served_in_fifo_order(void **state)
{
    (void)state;
    struct tcb *r[3];
    for (unsigned i = 0; i < 3; i++) {
        r[i] = thread_new(i, false);
    }
    struct tcb *s = thread_new(3, false);
    unsigned ep = ep_new(0), sc = mint(ep, AXL_RIGHT_WRITE, 0x99);
    const unsigned order[3] = {1, 2, 0};
    for (unsigned k = 0; k < 3; k++) {
        act(r[order[k]]);
        ipc_recv(slot(ep), true);
        settle();
    }
    assert_consistent();
    struct tcb *q[8];
    assert_int_equal(ep_list(ep, q, 8), 3);
    for (unsigned k = 0; k < 3; k++) {
        assert_ptr_equal(q[k], r[order[k]]);
    }
    for (unsigned k = 0; k < 3; k++) {
        act(s);
        set_msg_seq(s, 1, 1, 0xa0 + k);
        ipc_send(slot(sc), s->regs.rsi, true, false);
        struct tcb *got = r[order[k]];
        assert_int_equal(got->state, TS_RUNNABLE);
        assert_received(got, 0x99, AXL_MSGINFO(1, 0, 1));
        assert_int_equal(got->regs.rdx, 0xa0 + k);
        for (unsigned j = k + 1; j < 3; j++) {
            assert_int_equal(r[order[j]]->state, TS_BLOCKED_RECV);
        }
        settle();
        assert_consistent();
    }
}

static void test_badges_tell_senders_apart(void **state)
{
    (void)state;
    struct tcb *a = thread_new(0, false), *b = thread_new(1, false), *r = thread_new(2, false);
    unsigned ep = ep_new(0);
    unsigned ca = mint(ep, AXL_RIGHT_WRITE, 0xaaaa), cb = mint(ep, AXL_RIGHT_WRITE, 0xbbbb);
    unsigned cb2 = mint(cb, AXL_RIGHT_WRITE, 0); /* a copy keeps its badge */

    act(a);
    set_msg_seq(a, 0, 0, 0);
    ipc_send(slot(ca), a->regs.rsi, true, false);
    act(b);
    set_msg_seq(b, 0, 0, 0);
    ipc_send(slot(cb2), b->regs.rsi, true, false);
    settle();
    act(r);
    ipc_recv(slot(ep), true);
    assert_received(r, 0xaaaa, 0);
    ipc_recv(slot(ep), true);
    assert_received(r, 0xbbbb, 0);
    settle();
    assert_consistent();
}

/* ---------------------------------------------------------------------------------------- */
/* Calls and the reply capability                                                            */
/* ---------------------------------------------------------------------------------------- */

/* Server s waits on ep; client c calls it through cap with a 2-word message. */
static void call_setup(struct tcb *c, struct tcb *s, unsigned ep, unsigned cap)
{
    act(s);
    ipc_recv(slot(ep), true);
    settle();
    act(c);
    set_msg_seq(c, 0x42, 2, 0xc0);
    ipc_send(slot(cap), c->regs.rsi, true, true);
    settle();
}

static void test_call_and_reply_round_trip(void **state)
{
    (void)state;
    struct tcb *c = thread_new(0, false), *s = thread_new(1, false);
    unsigned ep = ep_new(0), cc = mint(ep, AXL_RIGHT_WRITE, 0xc11e);

    call_setup(c, s, ep, cc);
    assert_int_equal(c->state, TS_BLOCKED_REPLY);
    assert_false(c->queued);
    assert_ptr_equal(current, s);
    assert_received(s, 0xc11e, AXL_MSGINFO(0x42, 0, 2));
    assert_msg_seq(s, 2, 0xc0);
    assert_holds_reply(s, c);
    assert_int_equal(s->reply.cap.rights, 0); /* no GRANT_REPLY on the caller's capability */
    assert_consistent();

    set_msg_seq(s, 0x43, 3, 0x5e0);
    s->regs.rdi = 0x1234; /* the reply's badge is 0 whatever the replier had */
    assert_int_equal(ipc_reply(s->regs.rsi), AXL_E_OK);
    assert_int_equal(c->state, TS_RUNNABLE);
    assert_received(c, 0, AXL_MSGINFO(0x43, 0, 3));
    assert_msg_seq(c, 3, 0x5e0);
    assert_true(cte_empty(&s->reply));
    assert_null(c->caller_reply);
    assert_int_equal(c->ipc_flags, 0);
    settle();
    assert_consistent();
}

static void test_grant_reply_gives_the_reply_capability_grant(void **state)
{
    (void)state;
    struct tcb *c = thread_new(0, false), *s = thread_new(1, false);
    unsigned ep = ep_new(0), cc = mint(ep, AXL_RIGHT_WRITE | AXL_RIGHT_GRANT_REPLY, 0);

    call_setup(c, s, ep, cc);
    assert_holds_reply(s, c);
    assert_int_equal(s->reply.cap.rights, AXL_RIGHT_GRANT);
    assert_consistent();
}

static void test_reply_twice_is_invalid_capability(void **state)
{
    (void)state;
    struct tcb *c = thread_new(0, false), *s = thread_new(1, false);
    unsigned ep = ep_new(0);

    call_setup(c, s, ep, ep);
    set_msg_seq(s, 1, 1, 0x77);
    assert_int_equal(ipc_reply(s->regs.rsi), AXL_E_OK);
    assert_int_equal(c->regs.rdx, 0x77);
    set_msg_seq(s, 2, 1, 0x88);
    assert_int_equal(ipc_reply(s->regs.rsi), AXL_E_INVALID_CAPABILITY);
    assert_int_equal(c->regs.rdx, 0x77); /* the second reply went nowhere */
    assert_int_equal(c->regs.rsi, AXL_MSGINFO(1, 0, 1));
    settle();
    assert_consistent();
}

static void test_reply_without_a_call_is_invalid_capability(void **state)
{
    (void)state;
    struct tcb *s = thread_new(0, false), *t = thread_new(1, false);
    unsigned ep = ep_new(0);

    act(s);
    assert_int_equal(ipc_reply(0), AXL_E_INVALID_CAPABILITY);
    /* A plain send leaves no reply capability either. */
    ipc_recv(slot(ep), true);
    settle();
    act(t);
    set_msg_seq(t, 0, 0, 0);
    ipc_send(slot(ep), 0, true, false);
    act(s);
    assert_int_equal(ipc_reply(0), AXL_E_INVALID_CAPABILITY);
    settle();
    assert_consistent();
}

static void test_reply_through_syscall(void **state)
{
    (void)state;
    struct tcb *c = thread_new(0, false), *s = thread_new(1, false);
    unsigned ep = ep_new(0);

    /* Through syscall_dispatch: RECV, CALL, REPLY, REPLY again. */
    assert_int_equal(sys(s, AXL_SYS_RECV, CPTR(ep), 0), STUB_ENTERED_USER);
    assert_ptr_equal(current, c);
    c->regs.rdx = 0x11;
    assert_int_equal(sys(c, AXL_SYS_CALL, CPTR(ep), AXL_MSGINFO(3, 0, 1)), STUB_ENTERED_USER);
    assert_ptr_equal(current, s);
    assert_received(s, 0, AXL_MSGINFO(3, 0, 1));
    assert_int_equal(s->regs.rdx, 0x11);
    assert_holds_reply(s, c);
    s->regs.rdx = 0x22;
    assert_int_equal(sys(s, AXL_SYS_REPLY, 0, AXL_MSGINFO(4, 0, 1)), STUB_ENTERED_USER);
    assert_int_equal(s->regs.rax, AXL_E_OK);
    assert_received(c, 0, AXL_MSGINFO(4, 0, 1));
    assert_int_equal(c->regs.rdx, 0x22);
    assert_int_equal(sys(s, AXL_SYS_REPLY, 0, AXL_MSGINFO(4, 0, 1)), STUB_ENTERED_USER);
    assert_error(s, AXL_E_INVALID_CAPABILITY);
    assert_consistent();
}

static void test_deleting_the_reply_capability_aborts_the_caller(void **state)
{
    (void)state;
    struct tcb *c = thread_new(0, false), *s = thread_new(1, false);
    unsigned ep = ep_new(0);

    call_setup(c, s, ep, ep);
    assert_holds_reply(s, c);
    assert_int_equal(cap_delete(&s->reply), AXL_E_OK);
    assert_int_equal(c->state, TS_RUNNABLE);
    assert_true(c->queued);
    assert_error(c, AXL_E_ABORTED);
    assert_null(c->caller_reply);
    assert_int_equal(ipc_reply(0), AXL_E_INVALID_CAPABILITY);
    settle();
    assert_consistent();
}

static void test_a_second_call_aborts_the_unanswered_first_caller(void **state)
{
    (void)state;
    struct tcb *c1 = thread_new(0, false), *c2 = thread_new(1, false), *s = thread_new(2, false);
    unsigned ep = ep_new(0);

    call_setup(c1, s, ep, ep);
    act(s);
    ipc_recv(slot(ep), true); /* takes another call without answering */
    settle();
    act(c2);
    set_msg_seq(c2, 9, 1, 0x2);
    ipc_send(slot(ep), c2->regs.rsi, true, true);
    assert_error(c1, AXL_E_ABORTED);
    assert_int_equal(c1->state, TS_RUNNABLE);
    assert_holds_reply(s, c2);
    settle();
    assert_consistent();
}

static void test_deleting_the_server_aborts_its_caller(void **state)
{
    (void)state;
    struct tcb *c = thread_new(0, false), *s = thread_new(1, false);
    unsigned ep = ep_new(0);

    call_setup(c, s, ep, ep);
    assert_int_equal(cap_delete(slot(S_TCB(1))), AXL_E_OK);
    assert_int_equal(c->state, TS_RUNNABLE);
    assert_error(c, AXL_E_ABORTED);
    assert_null(c->caller_reply);
    settle();
    assert_ptr_equal(current, c);
    assert_consistent();
}

static void test_deleting_the_caller_takes_its_reply_capability(void **state)
{
    (void)state;
    struct tcb *c = thread_new(0, false), *s = thread_new(1, false);
    unsigned ep = ep_new(0);

    call_setup(c, s, ep, ep);
    assert_int_equal(cap_delete(slot(S_TCB(0))), AXL_E_OK);
    assert_true(cte_empty(&s->reply));
    act(s);
    assert_int_equal(ipc_reply(0), AXL_E_INVALID_CAPABILITY);
    settle();
    assert_consistent();
}

/* ---------------------------------------------------------------------------------------- */
/* Deleting endpoints and queued threads                                                     */
/* ---------------------------------------------------------------------------------------- */

static void test_deleting_the_endpoint_aborts_every_queued_sender(void **state)
{
    (void)state;
    struct tcb *s[4];
    for (unsigned i = 0; i < 4; i++) {
        s[i] = thread_new(i, false);
    }
    struct tcb *other = thread_new(4, false);
    unsigned ep = ep_new(0), copy = mint(ep, AXL_RIGHT_WRITE, 7);
    for (unsigned i = 0; i < 4; i++) {
        act(s[i]);
        set_msg_seq(s[i], 1, 1, i);
        ipc_send(slot(i % 2 ? copy : ep), s[i]->regs.rsi, true, i >= 2);
        settle();
    }
    assert_ptr_equal(current, other);
    assert_int_equal(cap_delete(slot(copy)), AXL_E_OK); /* not the last: nothing happens */
    for (unsigned i = 0; i < 4; i++) {
        assert_int_equal(s[i]->state, TS_BLOCKED_SEND);
    }
    assert_consistent();
    assert_int_equal(cap_delete(slot(ep)), AXL_E_OK);
    for (unsigned i = 0; i < 4; i++) {
        assert_int_equal(s[i]->state, TS_RUNNABLE);
        assert_error(s[i], AXL_E_ABORTED);
        assert_null(s[i]->blocked_on);
        assert_null(s[i]->caller_reply);
        assert_int_equal(s[i]->ipc_flags, 0);
    }
    assert_consistent();
    /* They run in the order they were queued. */
    other->state = TS_INACTIVE;
    for (unsigned i = 0; i < 4; i++) {
        settle();
        assert_ptr_equal(current, s[i]);
        current->state = TS_INACTIVE;
    }
    settle();
    assert_null(current);
}

static void test_deleting_the_endpoint_aborts_every_queued_receiver(void **state)
{
    (void)state;
    unsigned ep = ep_new(0);
    struct tcb *r[3];
    for (unsigned i = 0; i < 3; i++) {
        r[i] = thread_new(i, i == 1);
        act(r[i]);
        r[i]->regs.rdi = CPTR(ep);
        ipc_recv(slot(ep), true);
        settle();
    }
    assert_null(current);
    assert_consistent();
    assert_int_equal(cap_delete(slot(ep)), AXL_E_OK);
    for (unsigned i = 0; i < 3; i++) {
        assert_int_equal(r[i]->state, TS_RUNNABLE);
        assert_error(r[i], AXL_E_ABORTED);
        assert_null(r[i]->blocked_on);
    }
    assert_consistent();
    for (unsigned i = 0; i < 3; i++) {
        settle();
        assert_ptr_equal(current, r[i]);
        current->state = TS_INACTIVE;
    }
}

static void test_deleting_a_queued_thread_removes_it_from_the_queue(void **state)
{
    (void)state;
    struct tcb *s[5];
    for (unsigned i = 0; i < 5; i++) {
        s[i] = thread_new(i, false);
    }
    struct tcb *r = thread_new(5, false);
    unsigned ep = ep_new(0);
    for (unsigned i = 0; i < 5; i++) {
        act(s[i]);
        set_msg_seq(s[i], i, 1, 0x100 + i);
        ipc_send(slot(ep), s[i]->regs.rsi, true, i == 2);
        settle();
    }
    /* Delete the middle one, the head and the tail. */
    assert_int_equal(cap_delete(slot(S_TCB(2))), AXL_E_OK);
    assert_consistent();
    assert_int_equal(cap_delete(slot(S_TCB(0))), AXL_E_OK);
    assert_consistent();
    assert_int_equal(cap_delete(slot(S_TCB(4))), AXL_E_OK);
    assert_consistent();
    struct tcb *q[8];
    assert_int_equal(ep_list(ep, q, 8), 2);
    assert_ptr_equal(q[0], s[1]);
    assert_ptr_equal(q[1], s[3]);
    const unsigned left[2] = {1, 3};
    for (unsigned k = 0; k < 2; k++) {
        act(r);
        ipc_recv(slot(ep), false);
        assert_received(r, 0, AXL_MSGINFO(left[k], 0, 1));
        assert_int_equal(r->regs.rdx, 0x100 + left[k]);
        settle();
        assert_consistent();
    }
    act(r);
    ipc_recv(slot(ep), false);
    assert_error(r, AXL_E_WOULD_BLOCK);
    assert_consistent();
}

static void test_deleting_a_queued_receiver_leaves_the_others(void **state)
{
    (void)state;
    struct tcb *r[3];
    for (unsigned i = 0; i < 3; i++) {
        r[i] = thread_new(i, false);
    }
    struct tcb *s = thread_new(3, false);
    unsigned ep = ep_new(0);
    for (unsigned i = 0; i < 3; i++) {
        act(r[i]);
        ipc_recv(slot(ep), true);
        settle();
    }
    assert_int_equal(cap_delete(slot(S_TCB(0))), AXL_E_OK);
    assert_consistent();
    act(s);
    set_msg_seq(s, 0, 1, 0x31);
    ipc_send(slot(ep), s->regs.rsi, false, false);
    assert_int_equal(s->regs.rax, AXL_E_OK);
    assert_int_equal(r[1]->state, TS_RUNNABLE);
    assert_int_equal(r[1]->regs.rdx, 0x31);
    assert_int_equal(r[2]->state, TS_BLOCKED_RECV);
    settle();
    assert_consistent();
}

static void test_suspending_a_waiting_thread_takes_it_out_of_its_ipc(void **state)
{
    (void)state;
    struct tcb *snd = thread_new(0, false), *rcv = thread_new(1, false);
    struct tcb *clt = thread_new(2, false), *srv = thread_new(3, false);
    struct tcb *wtr = thread_new(4, false), *other = thread_new(5, false);
    unsigned ep = ep_new(0), ep2 = ep_new(1), n = ntfn_new(0);

    act(snd);
    ipc_send(slot(ep), 0, true, false);
    call_setup(clt, srv, ep2, ep2); /* srv holds clt's reply capability */
    act(wtr);
    ntfn_wait(slot(n), true);
    settle();
    act(rcv);
    ipc_recv(slot(ep2), true);
    settle();
    assert_consistent();

    struct tcb *all[4] = {snd, rcv, clt, wtr};
    for (unsigned i = 0; i < 4; i++) {
        assert_int_equal(tcb_invoke(all[i], NULL, AXL_INV_TCB_SUSPEND, 0), AXL_E_OK);
        assert_int_equal(all[i]->state, TS_INACTIVE);
        assert_null(all[i]->blocked_on);
        assert_consistent();
    }
    assert_null(ep_obj(ep)->head);
    assert_null(ep_obj(ep2)->head);
    assert_null(ntfn_obj(n)->head);
    assert_true(cte_empty(&srv->reply)); /* the suspended caller took its reply capability */
    for (unsigned i = 0; i < 4; i++) {
        assert_int_equal(tcb_invoke(all[i], NULL, AXL_INV_TCB_RESUME, 0), AXL_E_OK);
        assert_int_equal(all[i]->state, TS_RUNNABLE);
        assert_error(all[i], AXL_E_ABORTED); /* the cut-short system call */
    }
    /* Nobody is served by what they no longer wait for. */
    ntfn_signal(ntfn_obj(n), 1);
    assert_int_equal(ntfn_obj(n)->word, 1);
    act(other);
    ipc_send(slot(ep), 0, false, false);
    assert_error(other, AXL_E_WOULD_BLOCK);
    settle();
    assert_consistent();
}

static void test_call_to_a_higher_priority_server_preempts(void **state)
{
    (void)state;
    struct tcb *c = thread_new(0, false), *s = thread_new(1, false), *b = thread_new(2, false);
    unsigned ep = ep_new(0);

    s->prio = PRIO + 5;
    act(s);
    ipc_recv(slot(ep), true);
    settle();
    act(c);
    c->regs.rsi = AXL_MSGINFO(1, 0, 0);
    assert_false(ipc_fast_call(slot(ep), c->regs.rsi)); /* other priority: the long way */
    ipc_send(slot(ep), c->regs.rsi, true, true);
    settle();
    assert_ptr_equal(current, s);
    assert_holds_reply(s, c);
    /* The reply goes to the front of the client's priority: before b, which waited. */
    s->regs.rsi = 0;
    assert_int_equal(ipc_reply(0), AXL_E_OK);
    ipc_recv(slot(ep), true);
    settle();
    assert_ptr_equal(current, c);
    assert_int_equal(b->state, TS_RUNNABLE);
    assert_consistent();
}

/* ---------------------------------------------------------------------------------------- */
/* The fast path against the general path                                                    */
/* ---------------------------------------------------------------------------------------- */

struct round_trip {
    struct trap_frame server_after_call, client_after_reply, server_after_reply;
    uint8_t client_state_after_call, server_state_after_reply;
    bool server_runs_after_call, client_runs_after_reply, server_queued_on_ep;
    bool reply_ok;
};

/*
 * One register-only CALL and REPLY_RECV between client c and server s on
 * endpoint slot ep (badged capability cap), by the fast path or the
 * general one, with the same registers each time. len is the length of
 * both messages. Both threads start with distinct values in every message
 * register, so a word written past the length shows.
 */
static void round_trip(struct tcb *c, struct tcb *s, unsigned ep, unsigned cap, unsigned len,
                       bool fast, struct round_trip *out)
{
    memset(out, 0, sizeof(*out));
    c->regs = (struct trap_frame){.rflags = 0x202, .rip = 0x401000, .rsp = 0x7ff000};
    s->regs = (struct trap_frame){.rflags = 0x202, .rip = 0x402000, .rsp = 0x7fe000};

    act(s);
    s->regs.rax = AXL_SYS_RECV;
    s->regs.rdx = 0x5e5e0000, s->regs.r10 = 0x5e5e0001, s->regs.r8 = 0x5e5e0002;
    s->regs.r9 = 0x5e5e0003;
    ipc_recv(slot(ep), true);
    settle();

    act(c);
    c->regs.rax = AXL_SYS_CALL;
    c->regs.rdi = 0; /* the cptr differs between runs: do not let it show */
    c->regs.rdx = 0xc1000000, c->regs.r10 = 0xc1000001, c->regs.r8 = 0xc1000002;
    c->regs.r9 = 0xc1000003; /* past len: the client's own business */
    uint64_t info = AXL_MSGINFO(0x321, 0, len);
    c->regs.rsi = info;
    if (fast) {
        assert_true(ipc_fast_call(slot(cap), info));
    } else {
        ipc_send(slot(cap), info, true, true);
        settle();
    }
    assert_consistent();
    out->server_after_call = s->regs;
    out->client_state_after_call = c->state;
    out->server_runs_after_call = current == s;
    assert_holds_reply(s, c);

    /* The server answers and waits for the next call. */
    s->regs.rax = AXL_SYS_REPLY_RECV;
    s->regs.rdi = 0;
    s->regs.rdx = 0x5e000000, s->regs.r10 = 0x5e000001, s->regs.r8 = 0x5e000002;
    s->regs.r9 = 0x5e000003;
    info = AXL_MSGINFO(0x654, 0, len);
    s->regs.rsi = info;
    if (fast) {
        assert_true(ipc_fast_reply_recv(slot(ep), info));
        out->reply_ok = true;
    } else {
        /* What syscall_dispatch does for REPLY_RECV off the fast path. */
        out->reply_ok = ipc_reply(info) == AXL_E_OK;
        ipc_recv(slot(ep), true);
        settle();
    }
    assert_consistent();
    out->client_after_reply = c->regs;
    out->server_after_reply = s->regs;
    out->server_state_after_reply = s->state;
    out->client_runs_after_reply = current == c;
    out->server_queued_on_ep = ep_obj(ep)->tail == s && s->blocked_on == ep_obj(ep);
}

/* Reports every register that differs; returns how many. */
static unsigned diff_regs(const struct trap_frame *a, const struct trap_frame *b, const char *what)
{
    static const char *names[] = {"r15",   "r14", "r13", "r12",    "r11", "r10", "r9",  "r8",
                                  "rbp",   "rdi", "rsi", "rdx",    "rcx", "rbx", "rax", "vector",
                                  "error", "rip", "cs",  "rflags", "rsp", "ss"};
    const uint64_t *x = (const uint64_t *)a, *y = (const uint64_t *)b;
    unsigned n = 0;
    for (unsigned i = 0; i < sizeof(*a) / 8; i++) {
        if (x[i] != y[i]) {
            print_error("%s: %s is 0x%llx by the fast path, 0x%llx by the general path\n", what,
                        names[i], (unsigned long long)x[i], (unsigned long long)y[i]);
            n++;
        }
    }
    return n;
}

static void compare_paths(unsigned len)
{
    struct tcb *c1 = thread_new(0, false), *s1 = thread_new(1, false);
    struct tcb *c2 = thread_new(2, false), *s2 = thread_new(3, false);
    unsigned ep1 = ep_new(0), ep2 = ep_new(1);
    unsigned cap1 = mint(ep1, AXL_RIGHT_WRITE | AXL_RIGHT_GRANT_REPLY, 0xbad6e);
    unsigned cap2 = mint(ep2, AXL_RIGHT_WRITE | AXL_RIGHT_GRANT_REPLY, 0xbad6e);
    struct round_trip fast, general;

    round_trip(c1, s1, ep1, cap1, len, true, &fast);
    round_trip(c2, s2, ep2, cap2, len, false, &general);

    unsigned diffs = diff_regs(&fast.server_after_call, &general.server_after_call,
                               "the server's registers after the call");
    assert_int_equal(fast.client_state_after_call, general.client_state_after_call);
    assert_int_equal(fast.server_runs_after_call, general.server_runs_after_call);
    assert_true(fast.server_runs_after_call);
    diffs += diff_regs(&fast.client_after_reply, &general.client_after_reply,
                       "the client's registers after the reply");
    diffs += diff_regs(&fast.server_after_reply, &general.server_after_reply,
                       "the server's registers after REPLY_RECV");
    if (diffs) {
        fail_msg("%u register(s) differ between the fast and the general path", diffs);
    }
    assert_int_equal(fast.server_state_after_reply, general.server_state_after_reply);
    assert_int_equal(fast.client_runs_after_reply, general.client_runs_after_reply);
    assert_true(fast.client_runs_after_reply);
    assert_true(fast.server_queued_on_ep && general.server_queued_on_ep);
    assert_true(fast.reply_ok && general.reply_ok);
}

static void test_fast_and_general_path_agree_on_a_full_register_message(void **state)
{
    (void)state;
    compare_paths(AXL_MSG_REG_WORDS);
}

/*
 * Regression: ipc_fast_call and ipc_fast_reply_recv copied all four
 * message registers (rdx, r10, r8, r9) whatever the message's length,
 * where the general path (deliver) writes MR0..MR(len - 1) only and
 * docs/abi.md says "Message words past the received length are not
 * written". So the two paths give different register files for the same
 * call, and the fast path leaks the sender's registers past its message
 * (whatever they held: pointers, secrets) into another protection domain.
 */
static void test_fast_and_general_path_agree_on_a_short_message(void **state)
{
    (void)state;
    compare_paths(1);
}

static void test_fast_path_declines_what_it_cannot_do(void **state)
{
    (void)state;
    struct tcb *c = thread_new(0, false), *s = thread_new(1, false), *x = thread_new(2, false);
    unsigned ep = ep_new(0), ro = mint(ep, AXL_RIGHT_READ, 0), wo = mint(ep, AXL_RIGHT_WRITE, 0);
    uint64_t info = AXL_MSGINFO(1, 0, 1);

    /* No receiver waiting. */
    act(c);
    assert_false(ipc_fast_call(slot(ep), info));
    /* A receiver, but no WRITE right. */
    act(s);
    ipc_recv(slot(ep), true);
    settle();
    act(c);
    assert_false(ipc_fast_call(slot(ro), info));
    /* A receiver of another priority. */
    c->prio = PRIO + 1;
    assert_false(ipc_fast_call(slot(wo), info));
    c->prio = PRIO;
    assert_int_equal(s->state, TS_BLOCKED_RECV);
    assert_consistent();

    /* A receiver that still holds a reply capability: the general path must abort its caller. */
    act(x);
    x->regs.rsi = c->regs.rsi = info;
    assert_true(ipc_fast_call(slot(wo), info)); /* x calls s: s now holds x's reply */
    assert_ptr_equal(current, s);
    assert_holds_reply(s, x);
    ipc_recv(slot(ep), true); /* s waits again without answering */
    settle();
    act(c);
    assert_false(ipc_fast_call(slot(wo), info));
    assert_int_equal(x->state, TS_BLOCKED_REPLY); /* declined: nothing changed */
    assert_holds_reply(s, x);

    /* REPLY_RECV: no READ right; a sender waiting. */
    ipc_send(slot(wo), info, true, true); /* general path: x is aborted */
    assert_error(x, AXL_E_ABORTED);
    assert_holds_reply(s, c);
    settle();
    assert_ptr_equal(current, s);
    assert_false(ipc_fast_reply_recv(slot(wo), info));
    act(x);
    x->regs.rsi = 0;
    ipc_send(slot(ep), 0, true, false); /* x waits to send */
    settle();
    act(s);
    assert_false(ipc_fast_reply_recv(slot(ep), info));
    assert_holds_reply(s, c);
    assert_consistent();
}

static void test_syscall_dispatch_takes_the_fast_path(void **state)
{
    (void)state;
    struct tcb *c = thread_new(0, false), *s = thread_new(1, false);
    unsigned ep = ep_new(0);

    assert_int_equal(sys(s, AXL_SYS_RECV, CPTR(ep), 0), STUB_ENTERED_USER);
    c->regs.rdx = 1, c->regs.r10 = 2, c->regs.r8 = 3, c->regs.r9 = 4;
    assert_int_equal(sys(c, AXL_SYS_CALL, CPTR(ep), AXL_MSGINFO(7, 0, 4)), STUB_ENTERED_USER);
    assert_ptr_equal(current, s);
    assert_received(s, 0, AXL_MSGINFO(7, 0, 4));
    assert_int_equal(s->regs.r9, 4);
    assert_holds_reply(s, c);
    s->regs.rdx = 9;
    assert_int_equal(sys(s, AXL_SYS_REPLY_RECV, CPTR(ep), AXL_MSGINFO(8, 0, 1)), STUB_ENTERED_USER);
    assert_ptr_equal(current, c);
    assert_received(c, 0, AXL_MSGINFO(8, 0, 1));
    assert_int_equal(c->regs.rdx, 9);
    assert_int_equal(s->state, TS_BLOCKED_RECV);
    assert_consistent();
    /* REPLY_RECV with nothing to reply to just receives. */
    c->regs.rdx = 5;
    assert_int_equal(sys(c, AXL_SYS_NB_SEND, CPTR(ep), AXL_MSGINFO(0, 0, 1)), STUB_ENTERED_USER);
    assert_int_equal(c->regs.rax, AXL_E_OK);
    assert_received(s, 0, AXL_MSGINFO(0, 0, 1));
    assert_int_equal(s->regs.rdx, 5);
    assert_true(cte_empty(&s->reply));
    assert_int_equal(sys(s, AXL_SYS_REPLY_RECV, CPTR(ep), 0), STUB_ENTERED_USER);
    assert_int_equal(s->state, TS_BLOCKED_RECV);
    assert_ptr_equal(current, c);
    /* With everybody waiting, kernel_exit idles. */
    unsigned ep2 = ep_new(1);
    assert_int_equal(sys(c, AXL_SYS_RECV, CPTR(ep2), 0), STUB_IDLED);
    assert_null(current);
    assert_consistent();
}

/* ---------------------------------------------------------------------------------------- */
/* Rights and message checks                                                                 */
/* ---------------------------------------------------------------------------------------- */

static void test_rights_are_checked(void **state)
{
    (void)state;
    struct tcb *t = thread_new(0, false), *u = thread_new(1, false);
    unsigned ep = ep_new(0);
    unsigned wo = mint(ep, AXL_RIGHT_WRITE | AXL_RIGHT_GRANT, 0);
    unsigned ro = mint(ep, AXL_RIGHT_READ | AXL_RIGHT_GRANT, 0);

    act(u);
    ipc_recv(slot(ep), true); /* a receiver waits: a wrong right must still fail */
    settle();
    act(t);
    t->regs.rdi = 5;
    t->regs.rsi = AXL_MSGINFO(1, 0, 0);
    ipc_recv(slot(wo), true);
    assert_error(t, AXL_E_INSUFFICIENT_RIGHTS);
    assert_int_equal(t->state, TS_RUNNABLE);
    t->regs.rsi = AXL_MSGINFO(1, 0, 0);
    ipc_send(slot(ro), t->regs.rsi, true, false);
    assert_error(t, AXL_E_INSUFFICIENT_RIGHTS);
    ipc_send(slot(ro), t->regs.rsi, true, true);
    assert_error(t, AXL_E_INSUFFICIENT_RIGHTS);
    assert_int_equal(t->state, TS_RUNNABLE);
    assert_int_equal(u->state, TS_BLOCKED_RECV);
    /* Through the system calls, with the fast path in front. */
    assert_int_equal(sys(t, AXL_SYS_CALL, CPTR(ro), AXL_MSGINFO(1, 0, 0)), STUB_ENTERED_USER);
    assert_error(t, AXL_E_INSUFFICIENT_RIGHTS);
    assert_int_equal(sys(t, AXL_SYS_NB_RECV, CPTR(wo), 0), STUB_ENTERED_USER);
    assert_error(t, AXL_E_INSUFFICIENT_RIGHTS);
    /* The wrong kind of object. */
    unsigned n = ntfn_new(0);
    assert_int_equal(sys(t, AXL_SYS_SEND, CPTR(n), 0), STUB_ENTERED_USER);
    assert_error(t, AXL_E_INVALID_CAPABILITY);
    assert_int_equal(sys(t, AXL_SYS_RECV, CPTR(200), 0), STUB_ENTERED_USER); /* empty slot */
    assert_error(t, AXL_E_INVALID_CAPABILITY);
    assert_int_equal(u->state, TS_BLOCKED_RECV);
    assert_consistent();
}

static void test_non_blocking_without_a_partner_would_block(void **state)
{
    (void)state;
    struct tcb *t = thread_new(0, false), *u = thread_new(1, false);
    unsigned ep = ep_new(0);

    act(t);
    set_msg_seq(t, 1, 1, 1);
    ipc_send(slot(ep), t->regs.rsi, false, false);
    assert_error(t, AXL_E_WOULD_BLOCK);
    assert_int_equal(t->state, TS_RUNNABLE);
    assert_null(ep_obj(ep)->head);
    ipc_recv(slot(ep), false);
    assert_error(t, AXL_E_WOULD_BLOCK);
    assert_int_equal(t->state, TS_RUNNABLE);
    assert_null(ep_obj(ep)->head);
    /* With senders queued, NB_SEND still finds no receiver. */
    act(u);
    ipc_send(slot(ep), 0, true, false);
    settle();
    act(t);
    ipc_send(slot(ep), 0, false, false);
    assert_error(t, AXL_E_WOULD_BLOCK);
    struct tcb *q[4];
    assert_int_equal(ep_list(ep, q, 4), 1);
    assert_int_equal(sys(t, AXL_SYS_NB_SEND, CPTR(ep), 0), STUB_ENTERED_USER);
    assert_error(t, AXL_E_WOULD_BLOCK);
    assert_ptr_equal(current, t);
    assert_consistent();
}

static void test_long_message_needs_an_ipc_buffer(void **state)
{
    (void)state;
    struct tcb *t = thread_new(0, false), *r = thread_new(1, true);
    unsigned ep = ep_new(0);

    act(r);
    ipc_recv(slot(ep), true);
    settle();
    act(t);
    uint64_t info = AXL_MSGINFO(1, 0, AXL_MSG_REG_WORDS + 1);
    t->regs.rsi = info;
    ipc_send(slot(ep), info, true, false);
    assert_error(t, AXL_E_NO_IPC_BUFFER);
    ipc_send(slot(ep), info, true, true);
    assert_error(t, AXL_E_NO_IPC_BUFFER);
    /* Capabilities need one too. */
    t->regs.rsi = info = AXL_MSGINFO(1, 1, 0);
    ipc_send(slot(ep), info, true, false);
    assert_error(t, AXL_E_NO_IPC_BUFFER);
    assert_int_equal(t->state, TS_RUNNABLE);
    assert_int_equal(r->state, TS_BLOCKED_RECV);
    assert_consistent();
}

static void test_oversized_length_is_invalid_argument(void **state)
{
    (void)state;
    struct tcb *t = thread_new(0, true), *r = thread_new(1, true);
    unsigned ep = ep_new(0);

    act(r);
    ipc_recv(slot(ep), true);
    settle();
    act(t);
    for (unsigned len = AXL_MSG_MAX_WORDS + 1; len < (1u << AXL_MSGINFO_LEN_BITS); len++) {
        t->regs.rsi = AXL_MSGINFO(1, 0, len);
        ipc_send(slot(ep), t->regs.rsi, true, true);
        assert_error(t, AXL_E_INVALID_ARGUMENT);
    }
    assert_int_equal(r->state, TS_BLOCKED_RECV);
    assert_int_equal(sys(t, AXL_SYS_CALL, CPTR(ep), AXL_MSGINFO(1, 0, 127)), STUB_ENTERED_USER);
    assert_error(t, AXL_E_INVALID_ARGUMENT);
    assert_consistent();
}

static void test_long_messages_between_ipc_buffers(void **state)
{
    (void)state;
    struct tcb *s = thread_new(0, true), *r = thread_new(1, true), *small = thread_new(2, false);
    unsigned ep = ep_new(0);

    act(s);
    set_msg_seq(s, 0x9, AXL_MSG_MAX_WORDS, 0x1000);
    ipc_send(slot(ep), s->regs.rsi, true, false);
    settle();
    act(r);
    ipc_recv(slot(ep), true);
    assert_received(r, 0, AXL_MSGINFO(0x9, 0, AXL_MSG_MAX_WORDS));
    assert_msg_seq(r, AXL_MSG_MAX_WORDS, 0x1000);
    /* A receiver without an IPC buffer gets MR0..MR3, and is told so. */
    act(s);
    set_msg_seq(s, 0xa, 10, 0x2000);
    ipc_send(slot(ep), s->regs.rsi, true, false);
    settle();
    act(small);
    ipc_recv(slot(ep), true);
    assert_received(small, 0, AXL_MSGINFO(0xa, 0, AXL_MSG_REG_WORDS));
    assert_msg_seq(small, AXL_MSG_REG_WORDS, 0x2000);
    settle();
    assert_consistent();
}

static void test_capability_transfer_needs_grant(void **state)
{
    (void)state;
    struct tcb *s = thread_new(0, true), *r = thread_new(1, true);
    unsigned ep = ep_new(0), n = ntfn_new(0);
    unsigned nogrant = mint(ep, AXL_RIGHT_WRITE, 0);
    unsigned gift = mint(n, AXL_RIGHT_WRITE, 0x44);

    struct axl_ipc_buffer *rb = tcb_ipc_buffer(r), *sb = tcb_ipc_buffer(s);
    /* A CNode is named only by a path whose bits run out at its slot: a copy of the CNode
     * with a 48-bit guard in slot 2 makes CPTR(2) | j name slot j, here slot 2 itself. */
    assert_int_equal(cap_mint(&boot[1], slot(2), AXL_RIGHTS_ALL, 48), AXL_E_OK);
    rb->recv_cnode = CPTR(2) | 2;
    rb->recv_slot = S_RECV;
    rb->recv_count = 2;
    sb->caps[0] = CPTR(gift);

    act(r);
    ipc_recv(slot(ep), true);
    settle();
    act(s);
    s->regs.rsi = AXL_MSGINFO(1, 1, 0);
    ipc_send(slot(nogrant), s->regs.rsi, true, false);
    assert_error(s, AXL_E_INSUFFICIENT_RIGHTS);
    s->regs.rsi = AXL_MSGINFO(1, 1, 0); /* the error cleared it */
    ipc_send(slot(ep), s->regs.rsi, true, false);
    assert_int_equal(s->regs.rax, AXL_E_OK);
    assert_received(r, 0, AXL_MSGINFO(1, 1, 0));
    assert_int_equal(slot(S_RECV)->cap.type, AXL_OBJ_NOTIFICATION);
    assert_int_equal(slot(S_RECV)->cap.word, 0x44);
    assert_ptr_equal(slot(S_RECV)->parent, slot(gift));
    settle();
    assert_consistent();
}

/* ---------------------------------------------------------------------------------------- */
/* Notifications                                                                             */
/* ---------------------------------------------------------------------------------------- */

static void test_signal_without_waiter_accumulates_bits(void **state)
{
    (void)state;
    struct tcb *t = thread_new(0, false);
    unsigned n = ntfn_new(0);
    unsigned b4 = mint(n, AXL_RIGHT_WRITE, 0x4), b30 = mint(n, AXL_RIGHT_WRITE, 0x30);

    assert_int_equal(sys(t, AXL_SYS_SIGNAL, CPTR(n), 0), STUB_ENTERED_USER); /* unbadged: bit 0 */
    assert_int_equal(t->regs.rax, AXL_E_OK);
    assert_int_equal(ntfn_obj(n)->word, 1);
    assert_int_equal(sys(t, AXL_SYS_SIGNAL, CPTR(b4), 0), STUB_ENTERED_USER);
    assert_int_equal(sys(t, AXL_SYS_SIGNAL, CPTR(b30), 0), STUB_ENTERED_USER);
    assert_int_equal(sys(t, AXL_SYS_SIGNAL, CPTR(b4), 0), STUB_ENTERED_USER);
    assert_int_equal(ntfn_obj(n)->word, 0x35);
    ntfn_signal(ntfn_obj(n), 0x100);
    assert_int_equal(ntfn_obj(n)->word, 0x135);
    assert_consistent();
}

static void test_wait_takes_and_clears_the_word(void **state)
{
    (void)state;
    struct tcb *t = thread_new(0, false);
    unsigned n = ntfn_new(0);

    ntfn_signal(ntfn_obj(n), 0x6);
    ntfn_signal(ntfn_obj(n), 0x9);
    act(t);
    t->regs.rsi = 0x55;
    ntfn_wait(slot(n), true);
    assert_int_equal(t->state, TS_RUNNABLE);
    assert_received(t, 0xf, 0);
    assert_int_equal(ntfn_obj(n)->word, 0);
    /* Poll takes it the same way. */
    ntfn_signal(ntfn_obj(n), 0);
    assert_int_equal(sys(t, AXL_SYS_POLL, CPTR(n), 0), STUB_ENTERED_USER);
    assert_received(t, 1, 0);
    assert_int_equal(ntfn_obj(n)->word, 0);
    assert_consistent();
}

/* NTFN_SET_TIMER as current (t) invokes it on slot n: MR0 bits, MR1 microseconds. */
static int set_timer(struct tcb *t, unsigned n, uint64_t bits, uint64_t us)
{
    act(t);
    msg_set(t, 0, bits);
    msg_set(t, 1, us);
    return object_invoke(slot(n), AXL_MSGINFO(AXL_INV_NTFN_SET_TIMER, 0, 2));
}

static void test_timer_fires_on_its_tick_and_wakes_the_waiter(void **state)
{
    (void)state;
    struct tcb *t = thread_new(0, false), *w = thread_new(1, false);
    unsigned n = ntfn_new(0);

    stub_ticks = 1000;
    /* 25 ms at 100 Hz: 2.5 ticks, rounded up to 3, plus the tick already under way. */
    assert_int_equal(set_timer(t, n, 0x30, 25000), AXL_E_OK);
    act(w);
    ntfn_wait(slot(n), true);
    assert_int_equal(w->state, TS_BLOCKED_WAIT);
    ntfn_timer_tick(1003);
    assert_int_equal(w->state, TS_BLOCKED_WAIT);
    ntfn_timer_tick(1004);
    assert_int_equal(w->state, TS_RUNNABLE);
    assert_received(w, 0x30, 0);
    ntfn_timer_tick(2000); /* one-shot */
    assert_int_equal(ntfn_obj(n)->word, 0);
    assert_consistent();
}

static void test_timer_rearm_disarm_and_destroy(void **state)
{
    (void)state;
    struct tcb *t = thread_new(0, false);
    unsigned a = ntfn_new(0), b = ntfn_new(1), c = ntfn_new(2);

    stub_ticks = 0;
    assert_int_equal(set_timer(t, a, 0x1, 10000), AXL_E_OK);
    assert_int_equal(set_timer(t, a, 0x2, 50000), AXL_E_OK); /* replaces: 6 ticks */
    assert_int_equal(set_timer(t, b, 0x4, 10000), AXL_E_OK);
    assert_int_equal(set_timer(t, c, 0x8, 10000), AXL_E_OK);
    assert_int_equal(set_timer(t, c, 0, 0), AXL_E_OK); /* disarmed */
    ntfn_destroy(ntfn_obj(b)); /* unlinked from the middle of the list */
    ntfn_timer_tick(2);
    assert_int_equal(ntfn_obj(a)->word, 0);
    ntfn_timer_tick(6);
    assert_int_equal(ntfn_obj(a)->word, 0x2);
    assert_int_equal(ntfn_obj(c)->word, 0);
    assert_int_equal(set_timer(t, a, 0, 1000), AXL_E_INVALID_ARGUMENT);
    assert_int_equal(set_timer(t, a, 1, 3600ull * 1000000 + 1), AXL_E_RANGE);
}

static void test_poll_on_zero_would_block(void **state)
{
    (void)state;
    struct tcb *t = thread_new(0, false);
    unsigned n = ntfn_new(0);

    act(t);
    t->regs.rdi = 0x77;
    ntfn_wait(slot(n), false);
    assert_error(t, AXL_E_WOULD_BLOCK);
    assert_int_equal(t->state, TS_RUNNABLE);
    assert_null(ntfn_obj(n)->head);
    assert_int_equal(sys(t, AXL_SYS_POLL, CPTR(n), 0), STUB_ENTERED_USER);
    assert_error(t, AXL_E_WOULD_BLOCK);
    assert_consistent();
}

static void test_wait_blocks_and_signal_wakes_the_first_waiter(void **state)
{
    (void)state;
    struct tcb *a = thread_new(0, false), *b = thread_new(1, false), *s = thread_new(2, false);
    unsigned n = ntfn_new(0), b8 = mint(n, AXL_RIGHT_WRITE, 0x8);

    act(a);
    ntfn_wait(slot(n), true);
    assert_int_equal(a->state, TS_BLOCKED_WAIT);
    settle();
    assert_int_equal(sys(b, AXL_SYS_WAIT, CPTR(n), 0), STUB_ENTERED_USER);
    assert_int_equal(b->state, TS_BLOCKED_WAIT);
    assert_ptr_equal(ntfn_obj(n)->head, a);
    assert_ptr_equal(ntfn_obj(n)->tail, b);
    assert_consistent();

    assert_int_equal(sys(s, AXL_SYS_SIGNAL, CPTR(b8), 0), STUB_ENTERED_USER);
    assert_int_equal(a->state, TS_RUNNABLE);
    assert_received(a, 0x8, 0);
    assert_int_equal(b->state, TS_BLOCKED_WAIT);
    assert_int_equal(ntfn_obj(n)->word, 0); /* taken by the waiter */
    assert_consistent();
    assert_int_equal(sys(s, AXL_SYS_SIGNAL, CPTR(n), 0), STUB_ENTERED_USER);
    assert_int_equal(b->state, TS_RUNNABLE);
    assert_received(b, 1, 0);
    assert_null(ntfn_obj(n)->head);
    assert_int_equal(ntfn_obj(n)->word, 0);
    assert_consistent();
}

static void test_notification_rights(void **state)
{
    (void)state;
    struct tcb *t = thread_new(0, false);
    unsigned n = ntfn_new(0);
    unsigned ro = mint(n, AXL_RIGHT_READ, 0), wo = mint(n, AXL_RIGHT_WRITE, 0);

    assert_int_equal(sys(t, AXL_SYS_SIGNAL, CPTR(ro), 0), STUB_ENTERED_USER);
    assert_error(t, AXL_E_INSUFFICIENT_RIGHTS);
    assert_int_equal(ntfn_obj(n)->word, 0);
    ntfn_signal(ntfn_obj(n), 2);
    assert_int_equal(sys(t, AXL_SYS_WAIT, CPTR(wo), 0), STUB_ENTERED_USER);
    assert_error(t, AXL_E_INSUFFICIENT_RIGHTS);
    assert_int_equal(sys(t, AXL_SYS_POLL, CPTR(wo), 0), STUB_ENTERED_USER);
    assert_error(t, AXL_E_INSUFFICIENT_RIGHTS);
    assert_int_equal(ntfn_obj(n)->word, 2); /* nothing taken */
    unsigned ep = ep_new(0);
    assert_int_equal(sys(t, AXL_SYS_SIGNAL, CPTR(ep), 0), STUB_ENTERED_USER);
    assert_error(t, AXL_E_INVALID_CAPABILITY);
    assert_consistent();
}

static void test_deleting_a_notification_or_a_waiter(void **state)
{
    (void)state;
    struct tcb *w[3];
    for (unsigned i = 0; i < 3; i++) {
        w[i] = thread_new(i, false);
    }
    struct tcb *x = thread_new(3, false);
    unsigned n = ntfn_new(0);
    for (unsigned i = 0; i < 3; i++) {
        act(w[i]);
        ntfn_wait(slot(n), true);
        settle();
    }
    assert_int_equal(cap_delete(slot(S_TCB(1))), AXL_E_OK); /* the middle waiter goes */
    assert_ptr_equal(ntfn_obj(n)->head, w[0]);
    assert_ptr_equal(ntfn_obj(n)->tail, w[2]);
    assert_consistent();
    assert_int_equal(cap_delete(slot(n)), AXL_E_OK);
    assert_int_equal(w[0]->state, TS_RUNNABLE);
    assert_error(w[0], AXL_E_ABORTED);
    assert_int_equal(w[2]->state, TS_RUNNABLE);
    assert_error(w[2], AXL_E_ABORTED);
    assert_null(w[0]->blocked_on);
    settle();
    assert_ptr_equal(current, x);
    assert_consistent();
}

/* ---------------------------------------------------------------------------------------- */
/* Reply capabilities saved in a CNode (CNODE_SAVE_CALLER)                                   */
/* ---------------------------------------------------------------------------------------- */

/*
 * Moving a reply capability registers its new slot as a derivation-tree
 * root in object.c's static roots[], which nothing can take out again: a
 * test that does it would leave later tests a root in freed memory. So
 * these run in a child process; the child reports by exit status (0: all
 * well, else the number of the check that failed) and never returns into
 * cmocka.
 */
#define CHILD_CHECK(n, cond)                                                                       \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "child check %d failed: %s\n", (n), #cond);                            \
            fflush(stderr);                                                                        \
            _exit(n);                                                                              \
        }                                                                                          \
    } while (0)

static int run_in_child(void (*body)(void))
{
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        /* A crash ends the child; cmocka's handlers would go on running tests in it. */
        const int sigs[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT};
        for (unsigned i = 0; i < ARRAY_SIZE(sigs); i++) {
            signal(sigs[i], SIG_DFL);
        }
        body();
        _exit(0);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (WIFSIGNALED(status)) {
        fprintf(stderr, "child killed by signal %d\n", WTERMSIG(status));
        return 1000 + WTERMSIG(status);
    }
    return WEXITSTATUS(status);
}

/* Invokes CNODE_SAVE_CALLER on the CNode capability in slot cn, destination index dst. */
static int save_caller(struct tcb *t, struct cte *cnode_slot, unsigned dst)
{
    current = t;
    t->regs.rdx = dst;
    return object_invoke(cnode_slot, AXL_MSGINFO(AXL_INV_CNODE_SAVE_CALLER, 0, 1));
}

static struct tcb *sv_c1, *sv_c2, *sv_s;
static unsigned sv_ep;

static void saved_reply_body(void)
{
    struct tcb *c1 = sv_c1, *c2 = sv_c2, *s = sv_s;

    /* s holds c1's reply capability and saves it in slot 100 of the CNode. */
    CHILD_CHECK(1, save_caller(s, &boot[1], 100) == AXL_E_OK);
    CHILD_CHECK(2, cte_empty(&s->reply) && slot(100)->cap.type == AXL_OBJ_REPLY);
    CHILD_CHECK(3, c1->caller_reply == slot(100) && c1->state == TS_BLOCKED_REPLY);
    CHILD_CHECK(4, kernel_check() == 0);
    CHILD_CHECK(5, save_caller(s, &boot[1], 101) == AXL_E_INVALID_CAPABILITY); /* none left */

    /* s takes c2's call too: saving left the TCB's slot empty, so c1 is not aborted. */
    ipc_recv(slot(sv_ep), true);
    CHILD_CHECK(6, s->state == TS_RUNNABLE && c1->state == TS_BLOCKED_REPLY);
    CHILD_CHECK(7, s->reply.cap.obj == c2 && c2->caller_reply == &s->reply);

    /* SEND on the saved capability answers c1; a second SEND finds nothing. */
    s->regs.rdx = 0x5a;
    if (sys(s, AXL_SYS_SEND, CPTR(100), AXL_MSGINFO(2, 0, 1)) != STUB_ENTERED_USER) {
        _exit(8);
    }
    CHILD_CHECK(9, s->regs.rax == AXL_E_OK);
    CHILD_CHECK(10, c1->state == TS_RUNNABLE && c1->regs.rax == AXL_E_OK && c1->regs.rdx == 0x5a);
    CHILD_CHECK(11, c1->regs.rsi == AXL_MSGINFO(2, 0, 1) && c1->regs.rdi == 0);
    CHILD_CHECK(12, cte_empty(slot(100)) && c1->caller_reply == NULL);
    if (sys(s, AXL_SYS_SEND, CPTR(100), AXL_MSGINFO(2, 0, 1)) != STUB_ENTERED_USER) {
        _exit(13);
    }
    CHILD_CHECK(14, s->regs.rax == AXL_E_INVALID_CAPABILITY); /* the slot is empty now */
    CHILD_CHECK(15, kernel_check() == 0);

    /* c2's capability saved and then deleted unanswered: c2 is aborted. */
    CHILD_CHECK(16, save_caller(s, &boot[1], 101) == AXL_E_OK);
    CHILD_CHECK(17, cap_delete(slot(101)) == AXL_E_OK);
    CHILD_CHECK(18, c2->state == TS_RUNNABLE && c2->regs.rax == AXL_E_ABORTED);
    CHILD_CHECK(19, c2->caller_reply == NULL);
    sched_choose();
    CHILD_CHECK(20, sched_check() == NULL);
    CHILD_CHECK(21, kernel_check() == 0);
}

static void test_saved_reply_capability(void **state)
{
    (void)state;
    sv_c1 = thread_new(0, false);
    sv_c2 = thread_new(1, false);
    sv_s = thread_new(2, false);
    sv_ep = ep_new(0);
    call_setup(sv_c1, sv_s, sv_ep, sv_ep);
    assert_holds_reply(sv_s, sv_c1);
    act(sv_c2);
    sv_c2->regs.rsi = 0;
    ipc_send(slot(sv_ep), 0, true, true); /* c2 queues its call */
    settle();
    int r = run_in_child(saved_reply_body);
    if (r) {
        fail_msg("child failed at check %d", r);
    }
}

#define S_SUB 60   /* a 64 KiB untyped, so that its memory can be reused */
#define S_SMALL 61 /* a radix-4 CNode carved from it */
#define S_REUSE 62 /* the frame that takes the CNode's place */

static void stale_root_body(void)
{
    struct tcb *s = sv_s;
    struct cte *small = slot(S_SMALL);

    /* Save c1's reply capability in slot 3 of the small CNode, then answer it through there. */
    CHILD_CHECK(1, save_caller(s, small, 3) == AXL_E_OK);
    struct cte *saved = (struct cte *)small->cap.obj + 3;
    CHILD_CHECK(2, saved->cap.type == AXL_OBJ_REPLY);
    current = s;
    s->regs.rsi = 0;
    CHILD_CHECK(3, ipc_reply_through(saved, 0) == AXL_E_OK);
    CHILD_CHECK(4, sv_c1->state == TS_RUNNABLE);
    CHILD_CHECK(5, kernel_check() == 0);

    /* The CNode goes; its memory returns to the untyped and becomes a frame a user can write. */
    CHILD_CHECK(6, cap_delete(small) == AXL_E_OK);
    CHILD_CHECK(7, untyped_retype(slot(S_SUB), AXL_OBJ_FRAME, 0, &boot[1].cap, S_REUSE, 1) ==
                       AXL_E_OK);
    CHILD_CHECK(8, (char *)slot(S_REUSE)->cap.obj + 3 * sizeof(struct cte) ==
                       (char *)saved);   /* the same memory */
    CHILD_CHECK(9, kernel_check() == 0); /* all zero: looks like an empty slot */

    /* The user writes its page. Here a harmless lie; a hostile one (child = any address) makes
     * kernel_check dereference a pointer the user chose. */
    struct cte fake = {.cap = {.type = AXL_OBJ_ENDPOINT}, .prev = slot(S_PML4)};
    memcpy(saved, &fake, sizeof(fake));
    unsigned bad = kernel_check();
    if (bad) {
        fprintf(stderr,
                "kernel_check reports %u problem(s) in a consistent kernel: it walks a "
                "user frame as a capability slot\n",
                bad);
    }
    CHILD_CHECK(10, bad == 0);
}

/*
 * Regression: object_cap_moved (object.c) registered the slot a reply
 * capability was saved into (CNODE_SAVE_CALLER) as a root of the
 * derivation tree in a fixed table, and nothing ever unregistered a root
 * (roots are now a list that deletion maintains: cdt_roots in cap.c).
 * Once the reply was answered, the CNode destroyed and its memory retyped,
 * say into a frame the user maps and writes, kernel_check (DEBUG_CHECK,
 * which any thread may call) walked user-controlled bytes as a struct cte.
 */
static void test_a_saved_reply_slot_stays_a_root_after_its_cnode_is_gone(void **state)
{
    (void)state;
    sv_c1 = thread_new(0, false);
    sv_s = thread_new(2, false);
    sv_ep = ep_new(0);
    assert_int_equal(untyped_retype(&boot[0], AXL_OBJ_UNTYPED, 16, &boot[1].cap, S_SUB, 1),
                     AXL_E_OK);
    assert_int_equal(untyped_retype(slot(S_SUB), AXL_OBJ_CNODE, 4, &boot[1].cap, S_SMALL, 1),
                     AXL_E_OK);
    call_setup(sv_c1, sv_s, sv_ep, sv_ep);
    assert_holds_reply(sv_s, sv_c1);
    assert_consistent();
    int r = run_in_child(stale_root_body);
    if (r) {
        fail_msg("child failed at check %d", r);
    }
}

/* ---------------------------------------------------------------------------------------- */
/* Faults                                                                                    */
/* ---------------------------------------------------------------------------------------- */

/* Thread f with a fault endpoint (badged copy of ep) and handler h. */
static void fault_world(struct tcb **f, struct tcb **h, unsigned *ep)
{
    *f = thread_new(0, false);
    *h = thread_new(1, true); /* six words need the handler's IPC buffer */
    *ep = ep_new(0);
    unsigned fc = mint(*ep, AXL_RIGHT_WRITE, 0xfa17);
    assert_int_equal(cap_copy(slot(fc), &(*f)->fault_ep, AXL_RIGHTS_ALL), AXL_E_OK);
    (*f)->regs.rip = 0x401234;
    (*f)->regs.rsp = 0x7ffe00;
    (*f)->regs.error = 0x6;
    (*f)->regs.rflags = 0x246;
    (*f)->regs.rax = 0xaaaa; /* a faulting thread's registers stay as they were */
    (*f)->regs.rdx = 0xdddd;
}

static void assert_fault_message(const struct tcb *h, unsigned kind, uint64_t addr, uint64_t detail)
{
    assert_received(h, 0xfa17, AXL_MSGINFO(kind, 0, AXL_FAULT_WORDS));
    assert_int_equal(msg_get(h, AXL_FAULT_MR_RIP), 0x401234);
    assert_int_equal(msg_get(h, AXL_FAULT_MR_RSP), 0x7ffe00);
    assert_int_equal(msg_get(h, AXL_FAULT_MR_ADDR), addr);
    assert_int_equal(msg_get(h, AXL_FAULT_MR_ERROR), 0x6);
    assert_int_equal(msg_get(h, AXL_FAULT_MR_FLAGS), 0x246);
    assert_int_equal(msg_get(h, AXL_FAULT_MR_DETAIL), detail);
}

static void test_fault_message_to_a_waiting_handler(void **state)
{
    (void)state;
    struct tcb *f, *h;
    unsigned ep;
    fault_world(&f, &h, &ep);

    act(h);
    ipc_recv(slot(ep), true);
    settle();
    act(f);
    ipc_fault(f, AXL_FAULT_PAGE_FAULT, 0xdead000, 14);
    assert_int_equal(f->state, TS_BLOCKED_REPLY);
    assert_fault_message(h, AXL_FAULT_PAGE_FAULT, 0xdead000, 14);
    assert_holds_reply(h, f);
    assert_int_equal(f->regs.rax, 0xaaaa);
    assert_int_equal(f->regs.rdx, 0xdddd);
    settle();
    assert_ptr_equal(current, h);
    assert_consistent();
}

static void test_fault_message_queued_until_the_handler_receives(void **state)
{
    (void)state;
    struct tcb *f, *h;
    unsigned ep;
    fault_world(&f, &h, &ep);

    act(f);
    ipc_fault(f, AXL_FAULT_DIVIDE_ERROR, 0, 0);
    assert_int_equal(f->state, TS_BLOCKED_SEND);
    settle();
    assert_consistent();
    /* Whatever f's registers hold now, the message is the one the fault made. */
    f->regs.rsi = AXL_MSGINFO(0x999, 0, 1);
    act(h);
    ipc_recv(slot(ep), true);
    assert_fault_message(h, AXL_FAULT_DIVIDE_ERROR, 0, 0);
    assert_holds_reply(h, f);
    assert_int_equal(f->regs.rax, 0xaaaa);
    settle();
    assert_consistent();
}

static void test_fault_reply_resume_sets_rip_and_rsp(void **state)
{
    (void)state;
    struct tcb *f, *h;
    unsigned ep;
    fault_world(&f, &h, &ep);

    act(h);
    ipc_recv(slot(ep), true);
    settle();
    act(f);
    ipc_fault(f, AXL_FAULT_BREAKPOINT, 0, 3);
    settle();
    assert_ptr_equal(current, h);
    uint64_t words[2] = {0x405000, 0x7f0000};
    set_msg(h, AXL_MSGINFO(AXL_FAULT_RESUME, 0, 2), words);
    assert_false(ipc_fast_reply_recv(slot(ep), h->regs.rsi)); /* faults take the long way */
    assert_int_equal(ipc_reply(h->regs.rsi), AXL_E_OK);
    assert_int_equal(f->state, TS_RUNNABLE);
    assert_int_equal(f->regs.rip, 0x405000);
    assert_int_equal(f->regs.rsp, 0x7f0000);
    assert_int_equal(f->regs.rax, 0xaaaa); /* nothing else changes */
    assert_int_equal(f->regs.rdx, 0xdddd);
    assert_int_equal(f->ipc_flags, 0);
    assert_null(f->caller_reply);
    assert_true(cte_empty(&h->reply));
    settle();
    assert_consistent();
}

static void test_fault_reply_resume_without_words_keeps_rip(void **state)
{
    (void)state;
    struct tcb *f, *h;
    unsigned ep;
    fault_world(&f, &h, &ep);

    act(f);
    ipc_fault(f, AXL_FAULT_INVALID_OPCODE, 0, 6);
    settle();
    act(h);
    ipc_recv(slot(ep), true);
    h->regs.rsi = AXL_MSGINFO(AXL_FAULT_RESUME, 0, 0);
    assert_int_equal(ipc_reply(h->regs.rsi), AXL_E_OK);
    assert_int_equal(f->state, TS_RUNNABLE);
    assert_int_equal(f->regs.rip, 0x401234);
    assert_int_equal(f->regs.rsp, 0x7ffe00);
    settle();
    assert_consistent();
}

static void test_fault_reply_with_another_label_leaves_the_thread_suspended(void **state)
{
    (void)state;
    struct tcb *f, *h;
    unsigned ep;
    fault_world(&f, &h, &ep);

    act(h);
    ipc_recv(slot(ep), true);
    settle();
    act(f);
    ipc_fault(f, AXL_FAULT_GENERAL_PROTECTION, 0, 13);
    settle();
    uint64_t words[2] = {0x405000, 0x7f0000};
    set_msg(h, AXL_MSGINFO(1, 0, 2), words);
    assert_int_equal(ipc_reply(h->regs.rsi), AXL_E_OK);
    assert_int_equal(f->state, TS_INACTIVE);
    assert_false(f->queued);
    assert_int_equal(f->regs.rip, 0x401234);
    assert_int_equal(f->regs.rax, 0xaaaa);
    assert_null(f->caller_reply);
    assert_int_equal(f->ipc_flags, 0);
    settle();
    assert_ptr_equal(current, h);
    assert_consistent();
}

static void test_fault_resume_at_a_kernel_address_is_refused(void **state)
{
    (void)state;
    struct tcb *f, *h;
    unsigned ep;
    fault_world(&f, &h, &ep);

    act(h);
    ipc_recv(slot(ep), true);
    settle();
    act(f);
    ipc_fault(f, AXL_FAULT_PAGE_FAULT, 0, 14);
    settle();
    uint64_t words[2] = {0xffffffff80100000ull, 0x7f0000};
    set_msg(h, AXL_MSGINFO(AXL_FAULT_RESUME, 0, 2), words);
    assert_int_equal(ipc_reply(h->regs.rsi), AXL_E_OK);
    assert_int_equal(f->state, TS_INACTIVE);
    assert_int_equal(f->regs.rip, 0x401234);
    settle();
    assert_consistent();
}

static void test_deleting_a_fault_reply_capability_leaves_the_thread_suspended(void **state)
{
    (void)state;
    struct tcb *f, *h;
    unsigned ep;
    fault_world(&f, &h, &ep);

    act(h);
    ipc_recv(slot(ep), true);
    settle();
    act(f);
    ipc_fault(f, AXL_FAULT_PAGE_FAULT, 0x10, 14);
    settle();
    assert_int_equal(cap_delete(&h->reply), AXL_E_OK);
    assert_int_equal(f->state, TS_INACTIVE);
    assert_int_equal(f->regs.rax, 0xaaaa); /* not ABORTED: it was no system call */
    assert_null(f->caller_reply);
    settle();
    assert_consistent();
}

static void test_deleting_the_fault_endpoint_with_a_fault_queued(void **state)
{
    (void)state;
    struct tcb *f, *h;
    unsigned ep;
    fault_world(&f, &h, &ep);

    act(f);
    ipc_fault(f, AXL_FAULT_PAGE_FAULT, 0x10, 14);
    settle();
    /* The endpoint dies with f's copy: revoke all, as a fault endpoint's owner would. */
    assert_int_equal(cap_revoke(slot(ep)), AXL_E_OK);
    assert_int_equal(f->state, TS_BLOCKED_SEND); /* f's own copy went, the endpoint lives on */
    assert_consistent();
    assert_int_equal(cap_delete(slot(ep)), AXL_E_OK);
    assert_int_equal(f->state, TS_INACTIVE);
    assert_int_equal(f->regs.rax, 0xaaaa);
    assert_int_equal(f->ipc_flags, 0);
    settle();
    assert_consistent();
}

static void test_fault_without_a_fault_endpoint_suspends(void **state)
{
    (void)state;
    struct tcb *f = thread_new(0, false);
    act(f);
    f->regs.rax = 0x1;
    unsigned warned = stub_klog_lines[KLOG_WARN];
    ipc_fault(f, AXL_FAULT_PAGE_FAULT, 0x10, 14);
    assert_int_equal(f->state, TS_INACTIVE);
    assert_int_equal(f->regs.rax, 0x1);
    assert_true(stub_klog_lines[KLOG_WARN] > warned);
    settle();
    assert_null(current);
    assert_consistent();
}

static void test_an_invalid_system_call_is_a_fault(void **state)
{
    (void)state;
    struct tcb *f, *h;
    unsigned ep;
    fault_world(&f, &h, &ep);

    assert_int_equal(sys(h, AXL_SYS_RECV, CPTR(ep), 0), STUB_ENTERED_USER);
    f->regs.rip = 0x401234;
    assert_int_equal(sys(f, 99, 0, 0), STUB_ENTERED_USER);
    assert_ptr_equal(current, h);
    assert_received(h, 0xfa17, AXL_MSGINFO(AXL_FAULT_INVALID_SYSCALL, 0, AXL_FAULT_WORDS));
    assert_int_equal(msg_get(h, AXL_FAULT_MR_DETAIL), 99);
    assert_int_equal(msg_get(h, AXL_FAULT_MR_RIP), 0x401234);
    assert_int_equal(f->regs.rax, 99);
    assert_int_equal(f->state, TS_BLOCKED_REPLY);
    assert_consistent();
}

/* ---------------------------------------------------------------------------------------- */
/* A random walk against a model                                                            */
/* ---------------------------------------------------------------------------------------- */

#define WT 6 /* threads */
#define WE 3 /* endpoints */
#define WALK_STEPS 4000

struct mthread {
    int state;      /* enum thread_state the model expects */
    int ep;         /* queued on this endpoint (BLOCKED_SEND/RECV) */
    bool call;      /* its queued send is a call */
    int reply_to;   /* whose reply capability it holds, or -1 */
    bool buf;       /* has an IPC buffer */
    uint64_t label; /* its message (queued, or just sent) */
    unsigned len;
    uint64_t mr[8];
};

struct mep {
    int q[WT];
    unsigned n;
    int kind; /* TS_BLOCKED_SEND or TS_BLOCKED_RECV while n > 0 */
};

/* A register state a thread must show after the step. */
struct expect {
    int thread;
    uint64_t rax, rdi, rsi;
    unsigned len;
    const uint64_t *mr;
};

static struct mthread mt[WT];
static struct mep me[WE];
static unsigned badge_slot[WE][WT];
static struct expect expects[WT * 2];
static unsigned nexpect;
static uint64_t rng_state;

static uint64_t rnd(void)
{
    uint64_t x = rng_state; /* xorshift64 */
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return rng_state = x;
}

static unsigned rnd_below(unsigned n) { return (unsigned)(rnd() % n); }

static uint64_t walk_badge(unsigned e, unsigned i) { return ((uint64_t)(e + 1) << 8) | (i + 1); }

static void walk_endpoint_new(unsigned e)
{
    ep_new(e);
    for (unsigned i = 0; i < WT; i++) {
        assert_int_equal(
            cap_mint(slot(S_EP(e)), slot(badge_slot[e][i]), AXL_RIGHTS_ALL, walk_badge(e, i)),
            AXL_E_OK);
    }
    me[e].n = 0;
}

static void walk_thread_new(unsigned i)
{
    thread_new(i, mt[i].buf);
    mt[i].state = TS_RUNNABLE;
    mt[i].reply_to = -1;
    mt[i].ep = -1;
}

static void expect_regs(int thread, uint64_t rax, uint64_t rdi, uint64_t rsi, unsigned len,
                        const uint64_t *mr)
{
    expects[nexpect++] = (struct expect){thread, rax, rdi, rsi, len, mr};
}

static void expect_error(int thread, int err) { expect_regs(thread, (uint64_t)err, 0, 0, 0, NULL); }

/* The model: a thread is woken with ABORTED. */
static void m_abort(int i)
{
    mt[i].state = TS_RUNNABLE;
    mt[i].ep = -1;
    expect_error(i, AXL_E_ABORTED);
}

/* The model: receiver r takes sender s's message through endpoint e (badge) or a reply (0). */
static void m_deliver(int s, int r, uint64_t badge)
{
    unsigned len = mt[s].len > 4 && !mt[r].buf ? 4 : mt[s].len;
    expect_regs(r, AXL_E_OK, badge, AXL_MSGINFO(mt[s].label, 0, len), len, mt[s].mr);
}

static int m_pop(unsigned e)
{
    int t = me[e].q[0];
    memmove(me[e].q, me[e].q + 1, (me[e].n - 1) * sizeof(int));
    me[e].n--;
    return t;
}

static void m_push(unsigned e, int t, int kind)
{
    me[e].q[me[e].n++] = t;
    me[e].kind = kind;
    mt[t].state = kind;
    mt[t].ep = (int)e;
}

static void m_unqueue(int t)
{
    struct mep *q = &me[mt[t].ep];
    for (unsigned k = 0; k < q->n; k++) {
        if (q->q[k] == t) {
            memmove(q->q + k, q->q + k + 1, (q->n - k - 1) * sizeof(int));
            q->n--;
            break;
        }
    }
    mt[t].ep = -1;
}

/* r (not running a call) now holds the reply capability to c; any older one is deleted. */
static void m_give_reply(int r, int c)
{
    if (mt[r].reply_to >= 0) {
        m_abort(mt[r].reply_to);
    }
    mt[r].reply_to = c;
    mt[c].state = TS_BLOCKED_REPLY;
}

static void m_send(int i, unsigned e, bool blocking, bool call)
{
    if (mt[i].len > 4 && !mt[i].buf) {
        expect_error(i, AXL_E_NO_IPC_BUFFER);
        return;
    }
    if (me[e].n && me[e].kind == TS_BLOCKED_RECV) {
        int r = m_pop(e);
        mt[r].state = TS_RUNNABLE;
        mt[r].ep = -1;
        m_deliver(i, r, walk_badge(e, (unsigned)i));
        if (call) {
            m_give_reply(r, i);
        } else {
            expect_regs(i, AXL_E_OK, CPTR(badge_slot[e][i]), AXL_MSGINFO(mt[i].label, 0, mt[i].len),
                        0, NULL);
        }
        return;
    }
    if (!blocking) {
        expect_error(i, AXL_E_WOULD_BLOCK);
        return;
    }
    mt[i].call = call;
    m_push(e, i, TS_BLOCKED_SEND);
}

static void m_recv(int i, unsigned e, bool blocking)
{
    if (me[e].n && me[e].kind == TS_BLOCKED_SEND) {
        int s = m_pop(e);
        mt[s].ep = -1;
        m_deliver(s, i, walk_badge(e, (unsigned)s));
        if (mt[s].call) {
            m_give_reply(i, s);
        } else {
            mt[s].state = TS_RUNNABLE;
            expect_regs(s, AXL_E_OK, CPTR(badge_slot[e][s]), AXL_MSGINFO(mt[s].label, 0, mt[s].len),
                        0, NULL);
        }
        return;
    }
    if (!blocking) {
        expect_error(i, AXL_E_WOULD_BLOCK);
        return;
    }
    m_push(e, i, TS_BLOCKED_RECV);
}

/* Returns the error of the reply part. */
static int m_reply(int i)
{
    if (mt[i].reply_to < 0) {
        return AXL_E_INVALID_CAPABILITY;
    }
    if (mt[i].len > 4 && !mt[i].buf) {
        return AXL_E_NO_IPC_BUFFER;
    }
    int c = mt[i].reply_to;
    mt[i].reply_to = -1;
    mt[c].state = TS_RUNNABLE;
    m_deliver(i, c, 0);
    return AXL_E_OK;
}

/* A fresh message for thread i, in its registers and IPC buffer. */
static void walk_message(int i)
{
    struct tcb *t = tcb((unsigned)i);
    mt[i].label = rnd() & 0xfff;
    mt[i].len = rnd_below(8);
    for (unsigned k = 0; k < 8; k++) {
        mt[i].mr[k] = rnd();
    }
    for (unsigned k = 0; k < mt[i].len; k++) {
        if (k < 4 || mt[i].buf) {
            msg_set(t, k, mt[i].mr[k]);
        }
    }
}

static void walk_check(unsigned step)
{
    for (unsigned x = 0; x < nexpect; x++) {
        const struct expect *e = &expects[x];
        const struct tcb *t = tcb((unsigned)e->thread);
        if (t->regs.rax != e->rax || t->regs.rdi != e->rdi || t->regs.rsi != e->rsi) {
            fail_msg("step %u: thread %d: rax/rdi/rsi 0x%llx/0x%llx/0x%llx, expected 0x%llx/0x%llx/"
                     "0x%llx",
                     step, e->thread, (unsigned long long)t->regs.rax,
                     (unsigned long long)t->regs.rdi, (unsigned long long)t->regs.rsi,
                     (unsigned long long)e->rax, (unsigned long long)e->rdi,
                     (unsigned long long)e->rsi);
        }
        for (unsigned k = 0; k < e->len; k++) {
            if (msg_get(t, k) != e->mr[k]) {
                fail_msg("step %u: thread %d: MR%u wrong", step, e->thread, k);
            }
        }
    }
    for (unsigned i = 0; i < WT; i++) {
        struct tcb *t = tcb(i);
        if (t->state != mt[i].state) {
            fail_msg("step %u: thread %u is in state %d, the model says %d", step, i, t->state,
                     mt[i].state);
        }
        if (mt[i].state == TS_RUNNABLE && !t->queued && t != current) {
            fail_msg("step %u: thread %u is runnable but in no queue", step, i);
        }
        if (mt[i].reply_to >= 0) {
            struct tcb *c = tcb((unsigned)mt[i].reply_to);
            if (t->reply.cap.type != AXL_OBJ_REPLY || t->reply.cap.obj != c ||
                c->caller_reply != &t->reply) {
                fail_msg("step %u: thread %u should hold the reply capability to %d", step, i,
                         mt[i].reply_to);
            }
        } else if (!cte_empty(&t->reply)) {
            fail_msg("step %u: thread %u holds a reply capability the model does not know", step,
                     i);
        }
    }
    for (unsigned e = 0; e < WE; e++) {
        struct tcb *q[WT + 1];
        unsigned n = ep_list(S_EP(e), q, WT + 1);
        if (n != me[e].n) {
            fail_msg("step %u: endpoint %u queues %u threads, the model %u", step, e, n, me[e].n);
        }
        for (unsigned k = 0; k < n; k++) {
            if (q[k] != tcb((unsigned)me[e].q[k])) {
                fail_msg("step %u: endpoint %u: queue position %u is not thread %d", step, e, k,
                         me[e].q[k]);
            }
        }
    }
    assert_queues_ok();
    const char *why = sched_check();
    if (why) {
        fail_msg("step %u: sched_check: %s", step, why);
    }
    unsigned bad = kernel_check();
    if (bad) {
        fail_msg("step %u: kernel_check found %u problem(s)", step, bad);
    }
}

static void test_random_walk(void **state)
{
    (void)state;
    const char *seed_env = getenv("AXL_IPC_SEED");
    uint64_t seed = seed_env ? strtoull(seed_env, NULL, 0) : 0x1badb002c0ffee11ull;
    rng_state = seed ? seed : 1;
    printf("# random walk: seed 0x%llx, %u steps\n", (unsigned long long)seed, WALK_STEPS);

    memset(mt, 0, sizeof(mt));
    memset(me, 0, sizeof(me));
    for (unsigned e = 0; e < WE; e++) {
        for (unsigned i = 0; i < WT; i++) {
            badge_slot[e][i] = S_FIRST_COPY + e * WT + i;
        }
        walk_endpoint_new(e);
    }
    for (unsigned i = 0; i < WT; i++) {
        mt[i].buf = i < WT / 2;
        walk_thread_new(i);
    }
    unsigned counts[16] = {0};

    for (unsigned step = 0; step < WALK_STEPS; step++) {
        nexpect = 0;
        int runnable[WT], nr = 0;
        for (int i = 0; i < WT; i++) {
            if (mt[i].state == TS_RUNNABLE) {
                runnable[nr++] = i;
            }
        }
        unsigned op = rnd_below(100);
        if (nr == 0 && op < 88) {
            op = 88 + rnd_below(12); /* everybody waits: only deletions move things */
        }
        unsigned e = rnd_below(WE);
        if (op < 88) {
            int i = runnable[rnd_below((unsigned)nr)];
            struct tcb *t = tcb((unsigned)i);
            walk_message(i);
            uint64_t info = AXL_MSGINFO(mt[i].label, 0, mt[i].len);
            uint64_t cptr = CPTR(badge_slot[e][i]);
            if (op < 18) {
                counts[0]++;
                m_send(i, e, true, false);
                sys(t, AXL_SYS_SEND, cptr, info);
            } else if (op < 26) {
                counts[1]++;
                m_send(i, e, false, false);
                sys(t, AXL_SYS_NB_SEND, cptr, info);
            } else if (op < 44) {
                counts[2]++;
                m_send(i, e, true, true);
                sys(t, AXL_SYS_CALL, cptr, info);
            } else if (op < 60) {
                counts[3]++;
                m_recv(i, e, true);
                sys(t, AXL_SYS_RECV, cptr, info);
            } else if (op < 66) {
                counts[4]++;
                m_recv(i, e, false);
                sys(t, AXL_SYS_NB_RECV, cptr, info);
            } else if (op < 74) {
                counts[5]++;
                int err = m_reply(i);
                expect_regs(i, (uint64_t)err, err ? 0 : cptr, err ? 0 : info, 0, NULL);
                sys(t, AXL_SYS_REPLY, cptr, info);
            } else if (op < 84) {
                counts[6]++;
                int err = m_reply(i);
                if (err && err != AXL_E_INVALID_CAPABILITY) {
                    expect_error(i, err);
                } else {
                    m_recv(i, e, true);
                }
                sys(t, AXL_SYS_REPLY_RECV, cptr, info);
            } else {
                counts[7]++;
                /* The thread deletes the reply capability it holds (CNODE_DELETE of a saved one).
                 */
                if (mt[i].reply_to >= 0) {
                    m_abort(mt[i].reply_to);
                    mt[i].reply_to = -1;
                }
                act(t);
                assert_int_equal(cap_delete(&t->reply), AXL_E_OK);
                settle();
            }
        } else if (op < 95) {
            counts[8]++;
            unsigned j = rnd_below(WT);
            if (mt[j].state == TS_BLOCKED_SEND || mt[j].state == TS_BLOCKED_RECV) {
                m_unqueue((int)j);
            }
            if (mt[j].state == TS_BLOCKED_REPLY) {
                for (unsigned k = 0; k < WT; k++) {
                    if (mt[k].reply_to == (int)j) {
                        mt[k].reply_to = -1;
                    }
                }
            }
            if (mt[j].reply_to >= 0) {
                m_abort(mt[j].reply_to);
            }
            /* Expectations name threads by slot: the deleted one's own are void. */
            for (unsigned x = 0; x < nexpect; x++) {
                if (expects[x].thread == (int)j) {
                    expects[x] = expects[--nexpect];
                    x--;
                }
            }
            assert_int_equal(cap_delete(slot(S_TCB(j))), AXL_E_OK);
            walk_thread_new(j);
            settle();
        } else {
            counts[9]++;
            for (unsigned k = 0; k < me[e].n; k++) {
                m_abort(me[e].q[k]);
            }
            me[e].n = 0;
            assert_int_equal(cap_revoke(slot(S_EP(e))), AXL_E_OK); /* the badged copies */
            assert_int_equal(cap_delete(slot(S_EP(e))), AXL_E_OK);
            walk_endpoint_new(e);
            settle();
        }
        walk_check(step);
    }
    printf("# send %u, nb_send %u, call %u, recv %u, nb_recv %u, reply %u, reply_recv %u, "
           "drop reply %u, delete thread %u, delete endpoint %u\n",
           counts[0], counts[1], counts[2], counts[3], counts[4], counts[5], counts[6], counts[7],
           counts[8], counts[9]);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_send_blocks_until_a_receiver_takes_the_message),
        T(test_timer_fires_on_its_tick_and_wakes_the_waiter),
        T(test_timer_rearm_disarm_and_destroy),
        T(test_receiver_waits_and_a_send_wakes_it),
        T(test_senders_are_served_in_fifo_order),
        T(test_receivers_are_served_in_fifo_order),
        T(test_badges_tell_senders_apart),
        T(test_call_and_reply_round_trip),
        T(test_grant_reply_gives_the_reply_capability_grant),
        T(test_reply_twice_is_invalid_capability),
        T(test_reply_without_a_call_is_invalid_capability),
        T(test_reply_through_syscall),
        T(test_deleting_the_reply_capability_aborts_the_caller),
        T(test_a_second_call_aborts_the_unanswered_first_caller),
        T(test_deleting_the_server_aborts_its_caller),
        T(test_deleting_the_caller_takes_its_reply_capability),
        T(test_deleting_the_endpoint_aborts_every_queued_sender),
        T(test_deleting_the_endpoint_aborts_every_queued_receiver),
        T(test_deleting_a_queued_thread_removes_it_from_the_queue),
        T(test_deleting_a_queued_receiver_leaves_the_others),
        T(test_suspending_a_waiting_thread_takes_it_out_of_its_ipc),
        T(test_call_to_a_higher_priority_server_preempts),
        T(test_fast_and_general_path_agree_on_a_full_register_message),
        T(test_fast_and_general_path_agree_on_a_short_message),
        T(test_fast_path_declines_what_it_cannot_do),
        T(test_syscall_dispatch_takes_the_fast_path),
        T(test_rights_are_checked),
        T(test_non_blocking_without_a_partner_would_block),
        T(test_long_message_needs_an_ipc_buffer),
        T(test_oversized_length_is_invalid_argument),
        T(test_long_messages_between_ipc_buffers),
        T(test_capability_transfer_needs_grant),
        T(test_signal_without_waiter_accumulates_bits),
        T(test_wait_takes_and_clears_the_word),
        T(test_poll_on_zero_would_block),
        T(test_wait_blocks_and_signal_wakes_the_first_waiter),
        T(test_notification_rights),
        T(test_deleting_a_notification_or_a_waiter),
        T(test_saved_reply_capability),
        T(test_a_saved_reply_slot_stays_a_root_after_its_cnode_is_gone),
        T(test_fault_message_to_a_waiting_handler),
        T(test_fault_message_queued_until_the_handler_receives),
        T(test_fault_reply_resume_sets_rip_and_rsp),
        T(test_fault_reply_resume_without_words_keeps_rip),
        T(test_fault_reply_with_another_label_leaves_the_thread_suspended),
        T(test_fault_resume_at_a_kernel_address_is_refused),
        T(test_deleting_a_fault_reply_capability_leaves_the_thread_suspended),
        T(test_deleting_the_fault_endpoint_with_a_fault_queued),
        T(test_fault_without_a_fault_endpoint_suspends),
        T(test_an_invalid_system_call_is_a_fault),
        T(test_random_walk),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
