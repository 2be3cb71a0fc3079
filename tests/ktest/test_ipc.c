/* SPDX-License-Identifier: MIT */
/*
 * test_ipc.c: endpoints and notifications between threads (KT-IPC-*):
 * send and receive in both orders, call and reply, the non-blocking
 * forms, badges, rights, message length and IPC buffers, capability
 * transfer, reply capabilities, what deleting an endpoint, a notification
 * or a thread does to the threads waiting, queue order and priorities.
 *
 * The threads come from thread.h and share the root task's CSpace, so a
 * cptr means the same everywhere. Most cases let one thread block and
 * then check, after kt_settle, that it is still blocked (its "done" flag
 * is 0), before the root task or another thread completes the IPC. No
 * interrupts are involved.
 *
 * The root task itself never makes a call that a kernel bug could leave
 * blocked for good: it sends to waiting receivers with NB_SEND (only
 * IPC-002 tests its blocking SEND), receives with NB_RECV, and the calls
 * that must fail at once are made by a prober thread (struct probe).
 */
#include "thread.h"

#define ROOT AXL_SLOT_CNODE
#define RW (AXL_RIGHT_READ | AXL_RIGHT_WRITE)

/* One system call a thread makes, and what came back. */
struct op {
    unsigned nr;        /* AXL_SYS_* */
    uint64_t cap;       /* the endpoint or notification */
    struct axl_msg in;  /* sent: info and MR0..MR3 */
    struct axl_msg out; /* the registers afterwards */
    volatile long err;
    volatile int ready; /* about to make the call */
    volatile int mark;  /* the call returned (set first thing) */
    volatile int done;  /* everything recorded */
    volatile int *peer; /* if set: *peer is copied to seen right after the call */
    volatile int seen;
    volatile unsigned order; /* when the call returned, counted by op_seq */
    /* IPC-buffer set-up before the call (the thread's own buffer) */
    uint64_t recv_slot, recv_count; /* offer slots [recv_slot, +count) of the root CNode */
    unsigned ncaps;                 /* caps[0..ncaps) to send */
    uint64_t caps[AXL_MSG_MAX_CAPS];
    /* long messages: fill MR4..len-1 with pattern(i) before, check them after */
    unsigned fill;
    unsigned bad_words; /* after: words MR4.. that did not match */
    unsigned first_bad;
};

static volatile unsigned op_seq; /* cases that check order reset it */

static uint64_t pattern(unsigned i)
{
    return 0x5a5a000000000000ull ^ ((uint64_t)i * 0x9e3779b97f4a7c15ull);
}

static void op_init(struct op *o, unsigned nr, uint64_t cap, uint64_t label, unsigned len)
{
    memset((void *)o, 0, sizeof(*o));
    o->nr = nr;
    o->cap = cap;
    o->in = axl_message(label, len);
    for (unsigned i = 0; i < AXL_MSG_REG_WORDS; i++) {
        o->in.mr[i] = (label << 8) + i;
    }
}

static void op_thread(void *arg)
{
    struct op *o = arg;
    struct axl_ipc_buffer *b = kt_thread_ipc();
    struct axl_msg m = o->in;

    if (b) {
        b->recv_cnode = o->recv_count ? ROOT : 0;
        b->recv_slot = o->recv_slot;
        b->recv_count = o->recv_count;
        for (unsigned i = 0; i < o->ncaps; i++) {
            b->caps[i] = o->caps[i];
        }
        for (unsigned i = AXL_MSG_REG_WORDS; i < o->fill; i++) {
            b->mr[i] = pattern(i);
        }
    }
    o->ready = 1;
    long err = axl_sys(o->nr, o->cap, &m);
    o->mark = 1;
    if (o->peer) {
        o->seen = *o->peer;
    }
    o->order = ++op_seq;
    o->out = m;
    o->err = err;
    if (b && o->nr != AXL_SYS_SEND && o->nr != AXL_SYS_NB_SEND) {
        unsigned len = AXL_MSGINFO_LEN(m.info);
        for (unsigned i = AXL_MSG_REG_WORDS; i < len; i++) {
            if (b->mr[i] != pattern(i) && o->bad_words++ == 0) {
                o->first_bad = i;
            }
        }
    }
    o->done = 1;
}

#define spawn_op(o, prio) KT_ASSERT_NE(kt_thread_spawn(op_thread, (o), (prio)), NULL)

/* A message from the root task: label, length, MR0..MR3 = (label << 8) + i. */
static struct axl_msg root_msg(uint64_t label, unsigned len)
{
    struct axl_msg m = axl_message(label, len);
    for (unsigned i = 0; i < AXL_MSG_REG_WORDS; i++) {
        m.mr[i] = (label << 8) + i;
    }
    return m;
}

/* Checks that m carries label and len words made by root_msg or op_init. */
#define EXPECT_MSG(m, label, len)                                                                  \
    do {                                                                                           \
        KT_EXPECT_EQ(AXL_MSGINFO_LABEL((m).info), (label));                                        \
        KT_EXPECT_EQ(AXL_MSGINFO_LEN((m).info), (len));                                            \
        for (unsigned i_ = 0; i_ < (len) && i_ < AXL_MSG_REG_WORDS; i_++) {                        \
            KT_EXPECT_EQ((m).mr[i_], ((uint64_t)(label) << 8) + i_);                               \
        }                                                                                          \
    } while (0)

static uint64_t new_ep(void) { return kt_retype1(AXL_OBJ_ENDPOINT, 0); }

/*
 * System calls that must fail at once, made by a thread of their own: if
 * the kernel wrongly let one block, the prober is stuck (done stays 0 and
 * the case fails), not the root task and the rest of the suite.
 */
#define PROBE_MAX 4
struct probe {
    unsigned n;
    struct {
        unsigned nr;
        uint64_t cap, info;
    } call[PROBE_MAX];
    volatile long err[PROBE_MAX];
    volatile int done;
};

static void probe_thread(void *arg)
{
    struct probe *p = arg;
    for (unsigned i = 0; i < p->n; i++) {
        struct axl_msg m = {.info = p->call[i].info};
        p->err[i] = axl_sys(p->call[i].nr, p->call[i].cap, &m);
    }
    p->done = 1;
}

static void probe_add(struct probe *p, unsigned nr, uint64_t cap, uint64_t info)
{
    if (p->n < PROBE_MAX) {
        p->call[p->n].nr = nr;
        p->call[p->n].cap = cap;
        p->call[p->n].info = info;
        p->err[p->n] = -1;
        p->n++;
    }
}

/* Runs the probe's calls in a thread until it stops; asserts that it finished. */
#define RUN_PROBE(p)                                                                               \
    do {                                                                                           \
        KT_ASSERT_NE(kt_thread_spawn(probe_thread, (p), KT_PRIO_CHILD), NULL);                     \
        kt_settle();                                                                               \
        KT_ASSERT_EQ((p)->done, 1); /* 0: one of its calls blocked */                              \
    } while (0)

/* ------------------------------------------------------------ send and receive */

KT_THREAD_CASE(IPC_001, "a SEND waits for a receiver; a RECV then takes label, length, MR0..MR3 "
                        "and badge 0, and the sender returns OK")
{
    static struct op s, r;
    uint64_t ep = new_ep();

    KT_ASSERT_NE(ep, 0);
    op_init(&s, AXL_SYS_SEND, ep, 0x123, 4);
    spawn_op(&s, KT_PRIO_CHILD);
    kt_settle();
    KT_ASSERT_EQ(s.ready, 1);
    KT_EXPECT_EQ(s.done, 0); /* no receiver yet */
    op_init(&r, AXL_SYS_RECV, ep, 0, 0);
    r.out.badge = 0xdead;
    spawn_op(&r, KT_PRIO_CHILD);
    kt_settle();
    KT_ASSERT_EQ(r.done, 1);
    KT_EXPECT_OK(r.err);
    EXPECT_MSG(r.out, 0x123, 4);
    KT_EXPECT_EQ(AXL_MSGINFO_CAPS(r.out.info), 0);
    KT_EXPECT_EQ(r.out.badge, 0);
    KT_ASSERT_EQ(s.done, 1);
    KT_EXPECT_OK(s.err);
}

KT_THREAD_CASE(IPC_002, "a thread blocked in RECV gets the root task's SEND, which returns OK at "
                        "once without waiting for the lower-priority receiver to run")
{
    static struct op r;
    uint64_t ep = new_ep();
    struct axl_msg m = root_msg(0x31, 3);

    KT_ASSERT_NE(ep, 0);
    op_init(&r, AXL_SYS_RECV, ep, 0, 0);
    spawn_op(&r, KT_PRIO_CHILD);
    kt_settle();
    KT_ASSERT_EQ(r.ready, 1);
    KT_ASSERT_EQ(r.done, 0);
    KT_ASSERT_OK(axl_send(ep, &m));
    KT_EXPECT_EQ(r.mark, 0); /* the root task kept the CPU */
    kt_settle();
    KT_ASSERT_EQ(r.done, 1);
    KT_EXPECT_OK(r.err);
    EXPECT_MSG(r.out, 0x31, 3);
}

/* A server that receives one call and answers it with label + 1 and each word + 1. */
struct server {
    uint64_t ep;
    unsigned calls; /* how many to answer: the first with RECV, the others with REPLY_RECV */
    struct axl_msg got[2];
    volatile long recv_err[2], reply_err;
    volatile int ready, done;
};

static struct axl_msg answer(const struct axl_msg *q)
{
    struct axl_msg m = axl_message(AXL_MSGINFO_LABEL(q->info) + 1, 2);
    m.mr[0] = q->mr[0] + 1;
    m.mr[1] = q->mr[1] + 1;
    return m;
}

static void server_thread(void *arg)
{
    struct server *s = arg;
    struct axl_msg m;

    s->ready = 1;
    s->recv_err[0] = axl_recv(s->ep, &m);
    s->got[0] = m;
    for (unsigned i = 1; i < s->calls && i < 2; i++) {
        m = answer(&s->got[i - 1]);
        s->recv_err[i] = axl_reply_recv(s->ep, &m);
        s->got[i] = m;
    }
    m = answer(&s->got[s->calls > 1 ? 1 : 0]);
    s->reply_err = axl_reply(&m);
    s->done = 1;
}

KT_THREAD_CASE(IPC_003, "CALL and REPLY between two threads: the server sees the call's label, "
                        "words and badge; the client gets the reply's label and words, badge 0")
{
    static struct server sv;
    static struct op c;
    uint64_t ep = new_ep(), badged = kt_mint(ep, AXL_RIGHT_WRITE, 0x5);

    KT_ASSERT_NE(badged, 0);
    memset(&sv, 0, sizeof(sv));
    sv.ep = ep;
    sv.calls = 1;
    KT_ASSERT_NE(kt_thread_spawn(server_thread, &sv, KT_PRIO_CHILD), NULL);
    kt_settle();
    KT_ASSERT_EQ(sv.ready, 1);
    op_init(&c, AXL_SYS_CALL, badged, 0x42, 2);
    c.out.badge = 0xdead;
    spawn_op(&c, KT_PRIO_CHILD);
    kt_settle();
    KT_ASSERT_EQ(sv.done, 1);
    KT_EXPECT_OK(sv.recv_err[0]);
    EXPECT_MSG(sv.got[0], 0x42, 2);
    KT_EXPECT_EQ(sv.got[0].badge, 0x5);
    KT_EXPECT_OK(sv.reply_err);
    KT_ASSERT_EQ(c.done, 1);
    KT_EXPECT_OK(c.err);
    KT_EXPECT_EQ(AXL_MSGINFO_LABEL(c.out.info), 0x43);
    KT_EXPECT_EQ(AXL_MSGINFO_LEN(c.out.info), 2);
    KT_EXPECT_EQ(c.out.mr[0], (0x42ull << 8) + 1);
    KT_EXPECT_EQ(c.out.mr[1], (0x42ull << 8) + 2);
    KT_EXPECT_EQ(c.out.badge, 0);
}

KT_THREAD_CASE(IPC_004, "REPLY_RECV answers the first caller and takes the second caller's "
                        "message in one system call")
{
    static struct server sv;
    static struct op c1, c2;
    uint64_t ep = new_ep();

    KT_ASSERT_NE(ep, 0);
    memset(&sv, 0, sizeof(sv));
    sv.ep = ep;
    sv.calls = 2;
    KT_ASSERT_NE(kt_thread_spawn(server_thread, &sv, KT_PRIO_CHILD), NULL);
    kt_settle();
    op_init(&c1, AXL_SYS_CALL, ep, 0x10, 2);
    op_init(&c2, AXL_SYS_CALL, ep, 0x20, 2);
    spawn_op(&c1, KT_PRIO_CHILD);
    spawn_op(&c2, KT_PRIO_CHILD);
    kt_settle();
    KT_ASSERT_EQ(sv.done, 1);
    KT_EXPECT_OK(sv.recv_err[0]);
    KT_EXPECT_OK(sv.recv_err[1]);
    EXPECT_MSG(sv.got[0], 0x10, 2);
    EXPECT_MSG(sv.got[1], 0x20, 2);
    KT_EXPECT_OK(sv.reply_err);
    KT_ASSERT_EQ(c1.done, 1);
    KT_ASSERT_EQ(c2.done, 1);
    KT_EXPECT_OK(c1.err);
    KT_EXPECT_OK(c2.err);
    KT_EXPECT_EQ(AXL_MSGINFO_LABEL(c1.out.info), 0x11);
    KT_EXPECT_EQ(c1.out.mr[0], (0x10ull << 8) + 1);
    KT_EXPECT_EQ(AXL_MSGINFO_LABEL(c2.out.info), 0x21);
    KT_EXPECT_EQ(c2.out.mr[1], (0x20ull << 8) + 2);
}

KT_THREAD_CASE(IPC_005, "NB_SEND to an endpoint where a thread waits in RECV delivers the message")
{
    static struct op r;
    uint64_t ep = new_ep();
    struct axl_msg m = root_msg(0x66, 4);

    KT_ASSERT_NE(ep, 0);
    op_init(&r, AXL_SYS_RECV, ep, 0, 0);
    spawn_op(&r, KT_PRIO_CHILD);
    kt_settle();
    KT_ASSERT_EQ(r.ready, 1);
    KT_EXPECT_OK(axl_nb_send(ep, &m));
    kt_settle();
    KT_ASSERT_EQ(r.done, 1);
    KT_EXPECT_OK(r.err);
    EXPECT_MSG(r.out, 0x66, 4);
}

KT_THREAD_CASE(IPC_006,
               "NB_RECV takes the message of a thread blocked in SEND and wakes it with OK")
{
    static struct op s;
    uint64_t ep = new_ep();
    struct axl_msg m;

    KT_ASSERT_NE(ep, 0);
    op_init(&s, AXL_SYS_SEND, ep, 0x67, 2);
    spawn_op(&s, KT_PRIO_CHILD);
    kt_settle();
    KT_ASSERT_EQ(s.ready, 1);
    KT_ASSERT_EQ(s.done, 0);
    KT_ASSERT_OK(axl_nb_recv(ep, &m));
    EXPECT_MSG(m, 0x67, 2);
    kt_settle();
    KT_ASSERT_EQ(s.done, 1);
    KT_EXPECT_OK(s.err);
    KT_EXPECT_ERR(axl_nb_recv(ep, &m), AXL_E_WOULD_BLOCK); /* the one message was taken */
}

KT_THREAD_CASE(IPC_007,
               "NB_SEND fails with WOULD_BLOCK while only senders wait, and queues nothing")
{
    static struct op s;
    uint64_t ep = new_ep();
    struct axl_msg m = root_msg(0x2, 1), got;

    KT_ASSERT_NE(ep, 0);
    op_init(&s, AXL_SYS_SEND, ep, 0x1, 1);
    spawn_op(&s, KT_PRIO_CHILD);
    kt_settle();
    KT_ASSERT_EQ(s.ready, 1);
    KT_EXPECT_ERR(axl_nb_send(ep, &m), AXL_E_WOULD_BLOCK);
    KT_ASSERT_OK(axl_nb_recv(ep, &got));
    KT_EXPECT_EQ(AXL_MSGINFO_LABEL(got.info), 0x1); /* the thread's, not the root task's */
    KT_EXPECT_ERR(axl_nb_recv(ep, &got), AXL_E_WOULD_BLOCK);
}

KT_THREAD_CASE(IPC_008, "NB_RECV fails with WOULD_BLOCK while only receivers wait, which still get "
                        "the next message")
{
    static struct op r;
    uint64_t ep = new_ep();
    struct axl_msg m = root_msg(0x9, 1), got;

    KT_ASSERT_NE(ep, 0);
    op_init(&r, AXL_SYS_RECV, ep, 0, 0);
    spawn_op(&r, KT_PRIO_CHILD);
    kt_settle();
    KT_ASSERT_EQ(r.ready, 1);
    KT_EXPECT_ERR(axl_nb_recv(ep, &got), AXL_E_WOULD_BLOCK);
    KT_EXPECT_EQ(r.done, 0);
    KT_ASSERT_OK(axl_nb_send(ep, &m));
    kt_settle();
    KT_ASSERT_EQ(r.done, 1);
    EXPECT_MSG(r.out, 0x9, 1);
}

/* ------------------------------------------------------------ badges and rights */

KT_THREAD_CASE(IPC_009, "queued senders' messages carry the badges of the capabilities they used "
                        "(0 for an unbadged one)")
{
    static struct op s[3];
    static const uint64_t badges[3] = {0x11, 0x22, 0};
    uint64_t ep = new_ep();
    struct axl_msg m;

    KT_ASSERT_NE(ep, 0);
    for (unsigned i = 0; i < 3; i++) {
        uint64_t cap = kt_mint(ep, AXL_RIGHT_WRITE, badges[i]);
        KT_ASSERT_NE(cap, 0);
        op_init(&s[i], AXL_SYS_SEND, cap, 0x70 + i, 1);
        spawn_op(&s[i], KT_PRIO_CHILD);
        kt_settle();
    }
    for (unsigned i = 0; i < 3; i++) {
        m.badge = 0xdead;
        KT_ASSERT_OK(axl_nb_recv(ep, &m));
        KT_EXPECT_EQ(AXL_MSGINFO_LABEL(m.info), 0x70 + i);
        KT_EXPECT_EQ(m.badge, badges[i]);
    }
}

KT_THREAD_CASE(IPC_010, "a message to a waiting receiver carries the badge of the sender's "
                        "capability, 0 through an unbadged one")
{
    static struct op r1, r2;
    uint64_t ep = new_ep(), badged = kt_mint(ep, AXL_RIGHT_WRITE, 0xb0b);
    struct axl_msg m = root_msg(0x3, 1);

    KT_ASSERT_NE(badged, 0);
    op_init(&r1, AXL_SYS_RECV, ep, 0, 0);
    spawn_op(&r1, KT_PRIO_CHILD);
    kt_settle();
    KT_ASSERT_OK(axl_nb_send(badged, &m));
    kt_settle();
    KT_ASSERT_EQ(r1.done, 1);
    KT_EXPECT_EQ(r1.out.badge, 0xb0b);
    op_init(&r2, AXL_SYS_RECV, ep, 0, 0);
    spawn_op(&r2, KT_PRIO_CHILD);
    kt_settle();
    KT_ASSERT_OK(axl_nb_send(ep, &m));
    kt_settle();
    KT_ASSERT_EQ(r2.done, 1);
    KT_EXPECT_EQ(r2.out.badge, 0);
}

KT_THREAD_CASE(IPC_011, "SEND, NB_SEND and CALL through a capability without WRITE fail with "
                        "INSUFFICIENT_RIGHTS and deliver nothing")
{
    static struct op r;
    static struct probe p;
    uint64_t ep = new_ep(), ro = kt_mint(ep, AXL_RIGHT_READ | AXL_RIGHT_GRANT, 0);
    struct axl_msg ok = root_msg(0x5, 1);

    KT_ASSERT_NE(ro, 0);
    op_init(&r, AXL_SYS_RECV, ep, 0, 0);
    spawn_op(&r, KT_PRIO_CHILD);
    kt_settle();
    memset((void *)&p, 0, sizeof(p));
    probe_add(&p, AXL_SYS_SEND, ro, AXL_MSGINFO(0x4, 0, 1));
    probe_add(&p, AXL_SYS_NB_SEND, ro, AXL_MSGINFO(0x4, 0, 1));
    probe_add(&p, AXL_SYS_CALL, ro, AXL_MSGINFO(0x4, 0, 1));
    RUN_PROBE(&p);
    KT_EXPECT_ERR(p.err[0], AXL_E_INSUFFICIENT_RIGHTS);
    KT_EXPECT_ERR(p.err[1], AXL_E_INSUFFICIENT_RIGHTS);
    KT_EXPECT_ERR(p.err[2], AXL_E_INSUFFICIENT_RIGHTS);
    KT_EXPECT_EQ(r.done, 0); /* still waiting */
    KT_ASSERT_OK(axl_nb_send(ep, &ok));
    kt_settle();
    KT_ASSERT_EQ(r.done, 1);
    KT_EXPECT_EQ(AXL_MSGINFO_LABEL(r.out.info), 0x5);
}

KT_THREAD_CASE(IPC_012, "RECV and NB_RECV through a capability without READ fail with "
                        "INSUFFICIENT_RIGHTS and leave a waiting sender queued")
{
    static struct op s;
    static struct probe p;
    uint64_t ep = new_ep(), wo = kt_mint(ep, AXL_RIGHT_WRITE | AXL_RIGHT_GRANT, 0);
    struct axl_msg m;

    KT_ASSERT_NE(wo, 0);
    op_init(&s, AXL_SYS_SEND, ep, 0x6, 1);
    spawn_op(&s, KT_PRIO_CHILD);
    kt_settle();
    KT_ASSERT_EQ(s.ready, 1);
    memset((void *)&p, 0, sizeof(p));
    probe_add(&p, AXL_SYS_NB_RECV, wo, 0);
    probe_add(&p, AXL_SYS_RECV, wo, 0);
    RUN_PROBE(&p);
    KT_EXPECT_ERR(p.err[0], AXL_E_INSUFFICIENT_RIGHTS);
    KT_EXPECT_ERR(p.err[1], AXL_E_INSUFFICIENT_RIGHTS);
    KT_EXPECT_EQ(s.done, 0);
    KT_ASSERT_OK(axl_nb_recv(ep, &m));
    KT_EXPECT_EQ(AXL_MSGINFO_LABEL(m.info), 0x6);
}

/* ------------------------------------------------------------ length and IPC buffers */

KT_THREAD_CASE(IPC_013, "a message longer than AXL_MSG_MAX_WORDS fails with INVALID_ARGUMENT and "
                        "is not delivered; one of exactly AXL_MSG_MAX_WORDS is")
{
    static struct op r;
    static struct probe p;
    uint64_t ep = new_ep();
    struct axl_msg m;

    KT_ASSERT_NE(ep, 0);
    op_init(&r, AXL_SYS_RECV, ep, 0, 0);
    spawn_op(&r, KT_PRIO_CHILD);
    kt_settle();
    memset((void *)&p, 0, sizeof(p));
    probe_add(&p, AXL_SYS_SEND, ep, AXL_MSGINFO(0x7, 0, AXL_MSG_MAX_WORDS + 1));
    probe_add(&p, AXL_SYS_NB_SEND, ep, AXL_MSGINFO(0x7, 0, (1u << AXL_MSGINFO_LEN_BITS) - 1));
    probe_add(&p, AXL_SYS_CALL, ep, AXL_MSGINFO(0x7, 0, AXL_MSG_MAX_WORDS + 2));
    RUN_PROBE(&p);
    KT_EXPECT_ERR(p.err[0], AXL_E_INVALID_ARGUMENT);
    KT_EXPECT_ERR(p.err[1], AXL_E_INVALID_ARGUMENT);
    KT_EXPECT_ERR(p.err[2], AXL_E_INVALID_ARGUMENT);
    KT_EXPECT_EQ(r.done, 0);
    m = root_msg(0x8, AXL_MSG_MAX_WORDS);
    KT_ASSERT_OK(axl_nb_send(ep, &m));
    kt_settle();
    KT_ASSERT_EQ(r.done, 1);
    KT_EXPECT_EQ(AXL_MSGINFO_LABEL(r.out.info), 0x8);
    KT_EXPECT_EQ(AXL_MSGINFO_LEN(r.out.info), AXL_MSG_MAX_WORDS);
}

KT_THREAD_CASE(IPC_014,
               "a message of AXL_MSG_MAX_WORDS words from a thread arrives whole: MR0..MR3 "
               "in registers, MR4 on in the receiver's IPC buffer")
{
    static struct op s;
    uint64_t ep = new_ep();
    struct axl_msg m;
    unsigned bad = 0, first = 0;

    KT_ASSERT_NE(ep, 0);
    op_init(&s, AXL_SYS_SEND, ep, 0x14, AXL_MSG_MAX_WORDS);
    s.fill = AXL_MSG_MAX_WORDS;
    spawn_op(&s, KT_PRIO_CHILD);
    kt_settle();
    for (unsigned i = AXL_MSG_REG_WORDS; i < AXL_MSG_MAX_WORDS; i++) {
        axl_ipc_buffer->mr[i] = 0; /* so stale words cannot pass */
    }
    KT_ASSERT_OK(axl_nb_recv(ep, &m));
    EXPECT_MSG(m, 0x14, AXL_MSG_MAX_WORDS);
    for (unsigned i = AXL_MSG_REG_WORDS; i < AXL_MSG_MAX_WORDS; i++) {
        if (axl_msg_get(&m, i) != pattern(i) && bad++ == 0) {
            first = i;
        }
    }
    if (bad) {
        kt_fail(__FILE__, __LINE__, "%u of the words MR4..MR117 differ, the first MR%u", bad,
                first);
    }
}

KT_THREAD_CASE(IPC_015, "a message of AXL_MSG_MAX_WORDS words from the root task arrives whole in "
                        "the receiving thread's own IPC buffer")
{
    static struct op r;
    uint64_t ep = new_ep();
    struct axl_msg m = root_msg(0x15, AXL_MSG_MAX_WORDS);

    KT_ASSERT_NE(ep, 0);
    op_init(&r, AXL_SYS_RECV, ep, 0, 0);
    spawn_op(&r, KT_PRIO_CHILD);
    kt_settle();
    for (unsigned i = AXL_MSG_REG_WORDS; i < AXL_MSG_MAX_WORDS; i++) {
        KT_ASSERT_OK(axl_msg_set(&m, i, pattern(i)));
    }
    KT_ASSERT_OK(axl_nb_send(ep, &m));
    kt_settle();
    KT_ASSERT_EQ(r.done, 1);
    EXPECT_MSG(r.out, 0x15, AXL_MSG_MAX_WORDS);
    KT_EXPECT_EQ(r.bad_words, 0);
    KT_EXPECT_EQ(r.first_bad, 0);
}

KT_THREAD_CASE(IPC_016,
               "a receiver without an IPC buffer gets a long message cut to MR0..MR3, with "
               "length 4")
{
    static struct op r;
    uint64_t ep = new_ep();
    struct axl_msg m = root_msg(0x16, 10);
    struct kt_thread *t;

    KT_ASSERT_NE(ep, 0);
    op_init(&r, AXL_SYS_RECV, ep, 0, 0);
    t = kt_thread_create(op_thread, &r, KT_PRIO_CHILD, 0, KT_NO_IPC_BUFFER);
    KT_ASSERT_NE(t, NULL);
    KT_ASSERT_OK(kt_thread_start(t));
    kt_settle();
    KT_ASSERT_EQ(r.ready, 1);
    for (unsigned i = AXL_MSG_REG_WORDS; i < 10; i++) {
        KT_ASSERT_OK(axl_msg_set(&m, i, pattern(i)));
    }
    KT_ASSERT_OK(axl_nb_send(ep, &m));
    kt_settle();
    KT_ASSERT_EQ(r.done, 1);
    KT_EXPECT_OK(r.err);
    EXPECT_MSG(r.out, 0x16, AXL_MSG_REG_WORDS);
    /* The page that would have been its buffer was not written either. */
    KT_EXPECT_EQ(((struct axl_ipc_buffer *)t->ipc_addr)->mr[4], 0);
}

/* Sends without an IPC buffer: a long message, a capability, and a short one (no receiver). */
struct nobuf_send {
    uint64_t ep, cap;
    volatile long err_long, err_cap, err_short;
};

static void nobuf_send_thread(void *arg)
{
    struct nobuf_send *n = arg;
    struct axl_msg m = axl_message(1, AXL_MSG_REG_WORDS + 1);
    n->err_long = axl_nb_send(n->ep, &m);
    m.info = AXL_MSGINFO(1, 1, 0);
    n->err_cap = axl_nb_send(n->ep, &m);
    m.info = AXL_MSGINFO(1, 0, AXL_MSG_REG_WORDS);
    n->err_short = axl_nb_send(n->ep, &m);
}

KT_THREAD_CASE(IPC_017, "a thread without an IPC buffer cannot send more than 4 words or a "
                        "capability: NO_IPC_BUFFER (4 words get as far as WOULD_BLOCK)")
{
    static struct nobuf_send n;
    struct kt_thread *t;

    n.ep = new_ep();
    n.err_long = n.err_cap = n.err_short = -1;
    KT_ASSERT_NE(n.ep, 0);
    t = kt_thread_create(nobuf_send_thread, &n, KT_PRIO_CHILD, 0, KT_NO_IPC_BUFFER);
    KT_ASSERT_NE(t, NULL);
    KT_ASSERT_OK(kt_thread_start(t));
    KT_ASSERT_TRUE(kt_thread_join(t, KT_WAIT_MS));
    KT_EXPECT_ERR(n.err_long, AXL_E_NO_IPC_BUFFER);
    KT_EXPECT_ERR(n.err_cap, AXL_E_NO_IPC_BUFFER);
    KT_EXPECT_ERR(n.err_short, AXL_E_WOULD_BLOCK);
}

/* ------------------------------------------------------------ capability transfer */

KT_THREAD_CASE(IPC_018,
               "with GRANT a capability reaches the receiver's offered slot as a copy of "
               "the sender's (same object, badge, rights); revoking the sender's removes it")
{
    static struct op r;
    uint64_t ep = new_ep(), n = kt_retype1(AXL_OBJ_NOTIFICATION, 0);
    uint64_t sent = kt_mint(n, RW, 0x40), dst = kt_slot();
    struct axl_msg m = root_msg(0x18, 1);
    struct axl_cap_info info;

    KT_ASSERT_NE(sent, 0);
    op_init(&r, AXL_SYS_RECV, ep, 0, 0);
    r.recv_slot = dst;
    r.recv_count = 1;
    spawn_op(&r, KT_PRIO_CHILD);
    kt_settle();
    axl_ipc_buffer->caps[0] = sent;
    m.info = AXL_MSGINFO(0x18, 1, 1);
    KT_ASSERT_OK(axl_nb_send(ep, &m));
    kt_settle();
    KT_ASSERT_EQ(r.done, 1);
    KT_EXPECT_OK(r.err);
    KT_EXPECT_EQ(AXL_MSGINFO_CAPS(r.out.info), 1);
    KT_EXPECT_EQ(AXL_MSGINFO_LABEL(r.out.info), 0x18);
    KT_ASSERT_TRUE(kt_inspect(dst, &info));
    KT_EXPECT_EQ(info.type, AXL_OBJ_NOTIFICATION);
    KT_EXPECT_EQ(info.badge, 0x40);
    KT_EXPECT_EQ(info.rights, RW);
    KT_ASSERT_OK(axl_cnode_revoke(ROOT, sent));
    KT_ASSERT_TRUE(kt_inspect(dst, &info));
    KT_EXPECT_EQ(info.type, AXL_OBJ_NULL);
    KT_ASSERT_TRUE(kt_inspect(sent, &info));
    KT_EXPECT_EQ(info.type, AXL_OBJ_NOTIFICATION); /* revoke keeps the capability itself */
}

KT_THREAD_CASE(IPC_019, "a thread's capability sent with GRANT arrives in the slot the root task "
                        "offers, and goes when the sender's is revoked")
{
    static struct op s;
    uint64_t ep = new_ep(), cap = new_ep(), dst = kt_slot();
    struct axl_msg m;
    struct axl_cap_info info;

    KT_ASSERT_NE(cap, 0);
    op_init(&s, AXL_SYS_SEND, ep, 0x19, 0);
    s.in.info = AXL_MSGINFO(0x19, 1, 0);
    s.ncaps = 1;
    s.caps[0] = cap;
    spawn_op(&s, KT_PRIO_CHILD);
    kt_settle();
    axl_ipc_buffer->recv_cnode = ROOT;
    axl_ipc_buffer->recv_slot = dst;
    axl_ipc_buffer->recv_count = 1;
    KT_ASSERT_OK(axl_nb_recv(ep, &m));
    KT_EXPECT_EQ(AXL_MSGINFO_CAPS(m.info), 1);
    KT_ASSERT_TRUE(kt_inspect(dst, &info));
    KT_EXPECT_EQ(info.type, AXL_OBJ_ENDPOINT);
    KT_EXPECT_EQ(info.rights, AXL_RIGHTS_ALL);
    KT_ASSERT_OK(axl_cnode_revoke(ROOT, cap));
    KT_ASSERT_TRUE(kt_inspect(dst, &info));
    KT_EXPECT_EQ(info.type, AXL_OBJ_NULL);
}

KT_THREAD_CASE(IPC_020, "sending a capability through an endpoint capability without GRANT fails "
                        "with INSUFFICIENT_RIGHTS: nothing is delivered or transferred")
{
    static struct op r;
    uint64_t ep = new_ep(), nogrant = kt_mint(ep, AXL_RIGHT_WRITE, 0);
    uint64_t n = kt_retype1(AXL_OBJ_NOTIFICATION, 0), dst = kt_slot();
    struct axl_msg m = root_msg(0x20, 1);
    struct axl_cap_info info;

    KT_ASSERT_NE(nogrant, 0);
    KT_ASSERT_NE(n, 0);
    op_init(&r, AXL_SYS_RECV, ep, 0, 0);
    r.recv_slot = dst;
    r.recv_count = 1;
    spawn_op(&r, KT_PRIO_CHILD);
    kt_settle();
    axl_ipc_buffer->caps[0] = n;
    m.info = AXL_MSGINFO(0x20, 1, 1);
    KT_EXPECT_ERR(axl_send(nogrant, &m), AXL_E_INSUFFICIENT_RIGHTS);
    kt_settle();
    KT_EXPECT_EQ(r.done, 0);
    KT_ASSERT_TRUE(kt_inspect(dst, &info));
    KT_EXPECT_EQ(info.type, AXL_OBJ_NULL);
    m = root_msg(0x21, 1);
    KT_ASSERT_OK(axl_nb_send(nogrant, &m)); /* without capabilities it may send */
    kt_settle();
    KT_ASSERT_EQ(r.done, 1);
    KT_EXPECT_EQ(AXL_MSGINFO_LABEL(r.out.info), 0x21);
    KT_EXPECT_EQ(AXL_MSGINFO_CAPS(r.out.info), 0);
}

KT_THREAD_CASE(IPC_021, "a capability sent to a receiver that offers no slot is dropped: the "
                        "message arrives with a capability count of 0")
{
    static struct op r;
    uint64_t ep = new_ep(), n = kt_retype1(AXL_OBJ_NOTIFICATION, 0);
    struct axl_msg m = root_msg(0x22, 2);

    KT_ASSERT_NE(n, 0);
    op_init(&r, AXL_SYS_RECV, ep, 0, 0); /* recv_count 0: no slot offered */
    spawn_op(&r, KT_PRIO_CHILD);
    kt_settle();
    axl_ipc_buffer->caps[0] = n;
    m.info = AXL_MSGINFO(0x22, 1, 2);
    KT_ASSERT_OK(axl_nb_send(ep, &m));
    kt_settle();
    KT_ASSERT_EQ(r.done, 1);
    KT_EXPECT_OK(r.err);
    KT_EXPECT_EQ(AXL_MSGINFO_CAPS(r.out.info), 0);
    EXPECT_MSG(r.out, 0x22, 2);
}

KT_THREAD_CASE(IPC_022, "a receiver offering one slot gets only the first of two capabilities sent")
{
    static struct op r;
    uint64_t ep = new_ep(), a = kt_retype1(AXL_OBJ_NOTIFICATION, 0), b = new_ep();
    uint64_t dst = kt_slots(2);
    struct axl_msg m = root_msg(0x23, 0);
    struct axl_cap_info info;

    KT_ASSERT_NE(b, 0);
    KT_ASSERT_NE(dst, 0);
    op_init(&r, AXL_SYS_RECV, ep, 0, 0);
    r.recv_slot = dst;
    r.recv_count = 1;
    spawn_op(&r, KT_PRIO_CHILD);
    kt_settle();
    axl_ipc_buffer->caps[0] = a;
    axl_ipc_buffer->caps[1] = b;
    m.info = AXL_MSGINFO(0x23, 2, 0);
    KT_ASSERT_OK(axl_nb_send(ep, &m));
    kt_settle();
    KT_ASSERT_EQ(r.done, 1);
    KT_EXPECT_EQ(AXL_MSGINFO_CAPS(r.out.info), 1);
    KT_ASSERT_TRUE(kt_inspect(dst, &info));
    KT_EXPECT_EQ(info.type, AXL_OBJ_NOTIFICATION);
    KT_ASSERT_TRUE(kt_inspect(dst + 1, &info));
    KT_EXPECT_EQ(info.type, AXL_OBJ_NULL);
}

KT_THREAD_CASE(IPC_023,
               "a capability sent into an occupied offered slot does not arrive (count 0), "
               "the slot keeps its capability, and the message is delivered")
{
    static struct op r;
    uint64_t ep = new_ep(), n = kt_retype1(AXL_OBJ_NOTIFICATION, 0), occupant = new_ep();
    struct axl_msg m = root_msg(0x24, 1);
    struct axl_cap_info info;

    KT_ASSERT_NE(n, 0);
    KT_ASSERT_NE(occupant, 0);
    op_init(&r, AXL_SYS_RECV, ep, 0, 0);
    r.recv_slot = occupant;
    r.recv_count = 1;
    spawn_op(&r, KT_PRIO_CHILD);
    kt_settle();
    axl_ipc_buffer->caps[0] = n;
    m.info = AXL_MSGINFO(0x24, 1, 1);
    KT_ASSERT_OK(axl_nb_send(ep, &m));
    kt_settle();
    KT_ASSERT_EQ(r.done, 1);
    KT_EXPECT_OK(r.err);
    KT_EXPECT_EQ(AXL_MSGINFO_LABEL(r.out.info), 0x24);
    KT_EXPECT_EQ(AXL_MSGINFO_CAPS(r.out.info), 0);
    KT_ASSERT_TRUE(kt_inspect(occupant, &info));
    KT_EXPECT_EQ(info.type, AXL_OBJ_ENDPOINT);
}

KT_THREAD_CASE(IPC_024,
               "sending an empty slot as a capability fails with INVALID_CAPABILITY, a cptr "
               "outside the CSpace with FAILED_LOOKUP; nothing is delivered")
{
    static struct op r;
    uint64_t ep = new_ep(), empty = kt_slot();
    struct axl_msg m = root_msg(0x25, 1);

    KT_ASSERT_NE(ep, 0);
    op_init(&r, AXL_SYS_RECV, ep, 0, 0);
    spawn_op(&r, KT_PRIO_CHILD);
    kt_settle();
    axl_ipc_buffer->caps[0] = empty;
    m.info = AXL_MSGINFO(0x25, 1, 1);
    KT_EXPECT_ERR(axl_nb_send(ep, &m), AXL_E_INVALID_CAPABILITY);
    axl_ipc_buffer->caps[0] = 1ull << AXL_ROOT_CNODE_RADIX;
    m.info = AXL_MSGINFO(0x25, 1, 1);
    KT_EXPECT_ERR(axl_nb_send(ep, &m), AXL_E_FAILED_LOOKUP);
    kt_settle();
    KT_EXPECT_EQ(r.done, 0);
}

/* ------------------------------------------------------------ reply capabilities */

/* A server that tries REPLY before any call, then answers one call twice. */
struct twice {
    uint64_t ep;
    volatile long before, first, second;
    volatile int done;
};

static void twice_thread(void *arg)
{
    struct twice *w = arg;
    struct axl_msg m = axl_message(1, 0);

    w->before = axl_reply(&m);
    if (axl_recv(w->ep, &m) == AXL_E_OK) {
        m = axl_message(0x51, 0);
        w->first = axl_reply(&m);
        m = axl_message(0x52, 0);
        w->second = axl_reply(&m);
    }
    w->done = 1;
}

KT_THREAD_CASE(IPC_025, "REPLY with no call received, or a second REPLY to one call, fails with "
                        "INVALID_CAPABILITY; the caller gets the first reply")
{
    static struct twice w;
    static struct op c;

    memset((void *)&w, 0, sizeof(w));
    w.ep = new_ep();
    w.before = w.first = w.second = -1;
    KT_ASSERT_NE(w.ep, 0);
    KT_ASSERT_NE(kt_thread_spawn(twice_thread, &w, KT_PRIO_CHILD), NULL);
    kt_settle();
    op_init(&c, AXL_SYS_CALL, w.ep, 0x50, 0);
    spawn_op(&c, KT_PRIO_CHILD);
    kt_settle();
    KT_ASSERT_EQ(w.done, 1);
    KT_EXPECT_ERR(w.before, AXL_E_INVALID_CAPABILITY);
    KT_EXPECT_OK(w.first);
    KT_EXPECT_ERR(w.second, AXL_E_INVALID_CAPABILITY);
    KT_ASSERT_EQ(c.done, 1);
    KT_EXPECT_OK(c.err);
    KT_EXPECT_EQ(AXL_MSGINFO_LABEL(c.out.info), 0x51);
}

/* A server that receives one call and parks its reply capability in slot. */
struct saver {
    uint64_t ep, slot;
    volatile long save_err, reply_err;
    volatile int done;
};

static void saver_thread(void *arg)
{
    struct saver *s = arg;
    struct axl_msg m;

    if (axl_recv(s->ep, &m) == AXL_E_OK) {
        s->save_err = axl_cnode_save_caller(ROOT, s->slot);
        m = axl_message(0x61, 0);
        s->reply_err = axl_reply(&m); /* the TCB no longer holds it */
    }
    s->done = 1;
}

KT_THREAD_CASE(IPC_026, "a reply capability moved out with CNODE_SAVE_CALLER and deleted "
                        "unanswered ends the caller's CALL with ABORTED")
{
    static struct saver sv;
    static struct op c;
    struct axl_cap_info info;

    memset((void *)&sv, 0, sizeof(sv));
    sv.ep = new_ep();
    sv.slot = kt_slot();
    sv.save_err = sv.reply_err = -1;
    KT_ASSERT_NE(sv.ep, 0);
    KT_ASSERT_NE(kt_thread_spawn(saver_thread, &sv, KT_PRIO_CHILD), NULL);
    kt_settle();
    op_init(&c, AXL_SYS_CALL, sv.ep, 0x60, 1);
    spawn_op(&c, KT_PRIO_CHILD);
    kt_settle();
    KT_ASSERT_EQ(sv.done, 1);
    KT_EXPECT_OK(sv.save_err);
    KT_EXPECT_ERR(sv.reply_err, AXL_E_INVALID_CAPABILITY);
    KT_ASSERT_TRUE(kt_inspect(sv.slot, &info));
    KT_EXPECT_EQ(info.type, AXL_OBJ_REPLY);
    KT_EXPECT_EQ(c.done, 0); /* still waiting for the answer */
    KT_ASSERT_OK(axl_cnode_delete(ROOT, sv.slot));
    kt_settle();
    KT_ASSERT_EQ(c.done, 1);
    KT_EXPECT_ERR(c.err, AXL_E_ABORTED);
}

/* A server that receives two calls without answering the first, then answers the second. */
struct forgetful {
    uint64_t ep;
    volatile long err1, err2, reply_err;
    volatile int got1, done;
};

static void forgetful_thread(void *arg)
{
    struct forgetful *f = arg;
    struct axl_msg m;

    f->err1 = axl_recv(f->ep, &m);
    f->got1 = 1;
    f->err2 = axl_recv(f->ep, &m);
    m = axl_message(0x71, 0);
    f->reply_err = axl_reply(&m);
    f->done = 1;
}

KT_THREAD_CASE(IPC_027, "a server that takes a second call before answering the first ends the "
                        "first caller's CALL with ABORTED; the second gets the reply")
{
    static struct forgetful f;
    static struct op c1, c2;

    memset((void *)&f, 0, sizeof(f));
    f.ep = new_ep();
    KT_ASSERT_NE(f.ep, 0);
    KT_ASSERT_NE(kt_thread_spawn(forgetful_thread, &f, KT_PRIO_CHILD), NULL);
    kt_settle();
    op_init(&c1, AXL_SYS_CALL, f.ep, 0x70, 0);
    spawn_op(&c1, KT_PRIO_CHILD);
    kt_settle();
    KT_ASSERT_EQ(f.got1, 1);
    KT_EXPECT_EQ(c1.done, 0);
    op_init(&c2, AXL_SYS_CALL, f.ep, 0x72, 0);
    spawn_op(&c2, KT_PRIO_CHILD);
    kt_settle();
    KT_ASSERT_EQ(f.done, 1);
    KT_EXPECT_OK(f.err1);
    KT_EXPECT_OK(f.err2);
    KT_EXPECT_OK(f.reply_err);
    KT_ASSERT_EQ(c1.done, 1);
    KT_EXPECT_ERR(c1.err, AXL_E_ABORTED);
    KT_ASSERT_EQ(c2.done, 1);
    KT_EXPECT_OK(c2.err);
    KT_EXPECT_EQ(AXL_MSGINFO_LABEL(c2.out.info), 0x71);
}

/* A server that receives one call, says so, then waits on a notification before replying. */
struct slow {
    uint64_t ep, go;
    volatile long reply_err;
    volatile int got, done;
};

static void slow_thread(void *arg)
{
    struct slow *s = arg;
    struct axl_msg m;

    if (axl_recv(s->ep, &m) == AXL_E_OK) {
        s->got = 1;
        axl_wait(s->go, NULL);
        m = axl_message(0x81, 0);
        s->reply_err = axl_reply(&m);
    }
    s->done = 1;
}

KT_THREAD_CASE(IPC_028, "deleting a client that waits for its reply takes the reply capability "
                        "from the server: its REPLY then fails with INVALID_CAPABILITY")
{
    static struct slow s;
    static struct op c;
    struct kt_thread *client;

    memset((void *)&s, 0, sizeof(s));
    s.ep = new_ep();
    s.go = kt_retype1(AXL_OBJ_NOTIFICATION, 0);
    s.reply_err = -1;
    KT_ASSERT_NE(s.go, 0);
    KT_ASSERT_NE(kt_thread_spawn(slow_thread, &s, KT_PRIO_CHILD), NULL);
    kt_settle();
    op_init(&c, AXL_SYS_CALL, s.ep, 0x80, 0);
    client = kt_thread_spawn(op_thread, &c, KT_PRIO_CHILD);
    KT_ASSERT_NE(client, NULL);
    kt_settle();
    KT_ASSERT_EQ(s.got, 1);
    KT_ASSERT_EQ(c.done, 0);
    kt_thread_delete(client);
    KT_ASSERT_OK(axl_signal(s.go));
    kt_settle();
    KT_ASSERT_EQ(s.done, 1);
    KT_EXPECT_ERR(s.reply_err, AXL_E_INVALID_CAPABILITY);
    KT_EXPECT_EQ(c.done, 0); /* the deleted client never ran again */
}

KT_THREAD_CASE(IPC_029, "deleting a server that holds an unanswered reply capability ends the "
                        "client's CALL with ABORTED")
{
    static struct slow s;
    static struct op c;
    struct kt_thread *server;

    memset((void *)&s, 0, sizeof(s));
    s.ep = new_ep();
    s.go = kt_retype1(AXL_OBJ_NOTIFICATION, 0);
    KT_ASSERT_NE(s.go, 0);
    server = kt_thread_spawn(slow_thread, &s, KT_PRIO_CHILD);
    KT_ASSERT_NE(server, NULL);
    kt_settle();
    op_init(&c, AXL_SYS_CALL, s.ep, 0x82, 0);
    spawn_op(&c, KT_PRIO_CHILD);
    kt_settle();
    KT_ASSERT_EQ(s.got, 1);
    KT_ASSERT_EQ(c.done, 0);
    kt_thread_delete(server);
    kt_settle();
    KT_ASSERT_EQ(c.done, 1);
    KT_EXPECT_ERR(c.err, AXL_E_ABORTED);
}

/* Replies to one call with a capability (cap), first through the reply as it is. */
struct granter {
    uint64_t ep, cap;
    volatile long with_cap, plain;
    volatile int done;
};

static void granter_thread(void *arg)
{
    struct granter *g = arg;
    struct axl_msg m;

    if (axl_recv(g->ep, &m) == AXL_E_OK) {
        kt_thread_ipc()->caps[0] = g->cap;
        m.info = AXL_MSGINFO(0x91, 1, 0);
        g->with_cap = axl_reply(&m);
        if (g->with_cap != AXL_E_OK) {
            m.info = AXL_MSGINFO(0x92, 0, 0);
            g->plain = axl_reply(&m);
        }
    }
    g->done = 1;
}

KT_THREAD_CASE(IPC_030,
               "a reply may carry a capability only if the call came through a capability "
               "with GRANT_REPLY: else INSUFFICIENT_RIGHTS, and the reply capability stays")
{
    static struct granter g;
    static struct op c;
    uint64_t ep = new_ep(), call_cap = kt_mint(ep, AXL_RIGHT_WRITE | AXL_RIGHT_GRANT, 0);
    uint64_t dst = kt_slot();
    struct axl_cap_info info;

    KT_ASSERT_NE(call_cap, 0);
    memset((void *)&g, 0, sizeof(g));
    g.ep = ep;
    g.cap = kt_retype1(AXL_OBJ_NOTIFICATION, 0);
    g.with_cap = g.plain = -1;
    KT_ASSERT_NE(kt_thread_spawn(granter_thread, &g, KT_PRIO_CHILD), NULL);
    kt_settle();
    op_init(&c, AXL_SYS_CALL, call_cap, 0x90, 0);
    c.recv_slot = dst;
    c.recv_count = 1;
    spawn_op(&c, KT_PRIO_CHILD);
    kt_settle();
    KT_ASSERT_EQ(g.done, 1);
    KT_EXPECT_ERR(g.with_cap, AXL_E_INSUFFICIENT_RIGHTS);
    KT_EXPECT_OK(g.plain);
    KT_ASSERT_EQ(c.done, 1);
    KT_EXPECT_OK(c.err);
    KT_EXPECT_EQ(AXL_MSGINFO_LABEL(c.out.info), 0x92);
    KT_ASSERT_TRUE(kt_inspect(dst, &info));
    KT_EXPECT_EQ(info.type, AXL_OBJ_NULL);
}

KT_THREAD_CASE(IPC_031, "a call through a capability with GRANT_REPLY lets the reply carry a "
                        "capability into the caller's offered slot")
{
    static struct granter g;
    static struct op c;
    uint64_t ep = new_ep(), call_cap = kt_mint(ep, AXL_RIGHT_WRITE | AXL_RIGHT_GRANT_REPLY, 0);
    uint64_t dst = kt_slot();
    struct axl_cap_info info;

    KT_ASSERT_NE(call_cap, 0);
    memset((void *)&g, 0, sizeof(g));
    g.ep = ep;
    g.cap = kt_retype1(AXL_OBJ_NOTIFICATION, 0);
    g.with_cap = g.plain = -1;
    KT_ASSERT_NE(kt_thread_spawn(granter_thread, &g, KT_PRIO_CHILD), NULL);
    kt_settle();
    op_init(&c, AXL_SYS_CALL, call_cap, 0x90, 0);
    c.recv_slot = dst;
    c.recv_count = 1;
    spawn_op(&c, KT_PRIO_CHILD);
    kt_settle();
    KT_ASSERT_EQ(g.done, 1);
    KT_EXPECT_OK(g.with_cap);
    KT_ASSERT_EQ(c.done, 1);
    KT_EXPECT_OK(c.err);
    KT_EXPECT_EQ(AXL_MSGINFO_LABEL(c.out.info), 0x91);
    KT_EXPECT_EQ(AXL_MSGINFO_CAPS(c.out.info), 1);
    KT_ASSERT_TRUE(kt_inspect(dst, &info));
    KT_EXPECT_EQ(info.type, AXL_OBJ_NOTIFICATION);
}

KT_THREAD_CASE(IPC_032, "REPLY_RECV with no call to answer simply receives")
{
    static struct op r;
    uint64_t ep = new_ep();
    struct axl_msg m = root_msg(0x33, 2);

    KT_ASSERT_NE(ep, 0);
    op_init(&r, AXL_SYS_REPLY_RECV, ep, 0x1, 0);
    spawn_op(&r, KT_PRIO_CHILD);
    kt_settle();
    KT_ASSERT_EQ(r.ready, 1);
    KT_ASSERT_EQ(r.done, 0);
    KT_ASSERT_OK(axl_nb_send(ep, &m));
    kt_settle();
    KT_ASSERT_EQ(r.done, 1);
    KT_EXPECT_OK(r.err);
    EXPECT_MSG(r.out, 0x33, 2);
}

/* ------------------------------------------------------------ deletion while blocked */

KT_THREAD_CASE(IPC_033, "deleting an endpoint ends the RECV and the SEND of the threads blocked on "
                        "it with ABORTED")
{
    static struct op r, s;
    uint64_t e1 = new_ep(), e2 = new_ep();

    KT_ASSERT_NE(e2, 0);
    op_init(&r, AXL_SYS_RECV, e1, 0, 0);
    op_init(&s, AXL_SYS_SEND, e2, 0x34, 1);
    spawn_op(&r, KT_PRIO_CHILD);
    spawn_op(&s, KT_PRIO_CHILD);
    kt_settle();
    KT_ASSERT_EQ(r.ready + s.ready, 2);
    KT_ASSERT_EQ(r.done + s.done, 0);
    KT_ASSERT_OK(axl_cnode_delete(ROOT, e1));
    KT_ASSERT_OK(axl_cnode_delete(ROOT, e2));
    kt_settle();
    KT_ASSERT_EQ(r.done, 1);
    KT_EXPECT_ERR(r.err, AXL_E_ABORTED);
    KT_ASSERT_EQ(s.done, 1);
    KT_EXPECT_ERR(s.err, AXL_E_ABORTED);
}

KT_THREAD_CASE(IPC_034, "revoking the copies of an endpoint, including the one a thread waits "
                        "through, leaves it waiting on the endpoint, which still works")
{
    static struct op r;
    uint64_t ep = new_ep(), copy = kt_mint(ep, AXL_RIGHTS_ALL, 0);
    struct axl_msg m = root_msg(0x35, 1);
    struct axl_cap_info info;

    KT_ASSERT_NE(copy, 0);
    op_init(&r, AXL_SYS_RECV, copy, 0, 0);
    spawn_op(&r, KT_PRIO_CHILD);
    kt_settle();
    KT_ASSERT_EQ(r.ready, 1);
    KT_ASSERT_OK(axl_cnode_revoke(ROOT, ep));
    KT_ASSERT_TRUE(kt_inspect(copy, &info));
    KT_EXPECT_EQ(info.type, AXL_OBJ_NULL);
    kt_settle();
    KT_EXPECT_EQ(r.done, 0);
    KT_ASSERT_OK(axl_nb_send(ep, &m));
    kt_settle();
    KT_ASSERT_EQ(r.done, 1);
    KT_EXPECT_OK(r.err);
    EXPECT_MSG(r.out, 0x35, 1);
}

KT_THREAD_CASE(IPC_035, "revoking the untyped an endpoint was made from destroys it: the thread "
                        "waiting in RECV gets ABORTED")
{
    static struct op r;
    uint64_t ut, ep = kt_slot();
    struct axl_cap_info info;

    KT_ASSERT_OK(kt_retype(AXL_OBJ_UNTYPED, 12, 1, &ut));
    KT_ASSERT_OK(axl_untyped_retype(ut, AXL_OBJ_ENDPOINT, 0, ROOT, ep, 1));
    op_init(&r, AXL_SYS_RECV, ep, 0, 0);
    spawn_op(&r, KT_PRIO_CHILD);
    kt_settle();
    KT_ASSERT_EQ(r.ready, 1);
    KT_ASSERT_EQ(r.done, 0);
    KT_ASSERT_OK(axl_cnode_revoke(ROOT, ut));
    KT_ASSERT_TRUE(kt_inspect(ep, &info));
    KT_EXPECT_EQ(info.type, AXL_OBJ_NULL);
    kt_settle();
    KT_ASSERT_EQ(r.done, 1);
    KT_EXPECT_ERR(r.err, AXL_E_ABORTED);
}

KT_THREAD_CASE(IPC_036,
               "deleting a thread blocked in SEND takes it off the queue: the next sender's "
               "message is received, then nothing")
{
    static struct op s1, s2;
    uint64_t ep = new_ep();
    struct kt_thread *t1;
    struct axl_msg m;

    KT_ASSERT_NE(ep, 0);
    op_init(&s1, AXL_SYS_SEND, ep, 0x1, 1);
    op_init(&s2, AXL_SYS_SEND, ep, 0x2, 1);
    t1 = kt_thread_spawn(op_thread, &s1, KT_PRIO_CHILD);
    KT_ASSERT_NE(t1, NULL);
    kt_settle();
    spawn_op(&s2, KT_PRIO_CHILD);
    kt_settle();
    KT_ASSERT_EQ(s1.ready + s2.ready, 2);
    kt_thread_delete(t1);
    KT_ASSERT_OK(axl_nb_recv(ep, &m));
    KT_EXPECT_EQ(AXL_MSGINFO_LABEL(m.info), 0x2);
    KT_EXPECT_ERR(axl_nb_recv(ep, &m), AXL_E_WOULD_BLOCK);
    KT_EXPECT_EQ(s1.done, 0);
}

KT_THREAD_CASE(IPC_037,
               "deleting a thread blocked in RECV takes it off the queue: NB_SEND finds no "
               "receiver, and a new receiver gets the next message")
{
    static struct op r1, r2;
    uint64_t ep = new_ep();
    struct kt_thread *t1;
    struct axl_msg m = root_msg(0x38, 1);

    KT_ASSERT_NE(ep, 0);
    op_init(&r1, AXL_SYS_RECV, ep, 0, 0);
    t1 = kt_thread_spawn(op_thread, &r1, KT_PRIO_CHILD);
    KT_ASSERT_NE(t1, NULL);
    kt_settle();
    KT_ASSERT_EQ(r1.ready, 1);
    kt_thread_delete(t1);
    KT_EXPECT_ERR(axl_nb_send(ep, &m), AXL_E_WOULD_BLOCK);
    op_init(&r2, AXL_SYS_RECV, ep, 0, 0);
    spawn_op(&r2, KT_PRIO_CHILD);
    kt_settle();
    KT_ASSERT_OK(axl_nb_send(ep, &m));
    kt_settle();
    KT_ASSERT_EQ(r2.done, 1);
    EXPECT_MSG(r2.out, 0x38, 1);
    KT_EXPECT_EQ(r1.done, 0);
}

/* ------------------------------------------------------------ order and priority */

KT_THREAD_CASE(IPC_038, "three blocked senders are received in the order they blocked")
{
    static struct op s[3];
    uint64_t ep = new_ep();
    struct axl_msg m;

    KT_ASSERT_NE(ep, 0);
    for (unsigned i = 0; i < 3; i++) {
        op_init(&s[i], AXL_SYS_SEND, ep, 0xa0 + i, 1);
        /* decreasing priorities: FIFO order must not follow priority */
        spawn_op(&s[i], KT_PRIO_CHILD + 10 * i);
        kt_settle();
    }
    for (unsigned i = 0; i < 3; i++) {
        KT_ASSERT_OK(axl_nb_recv(ep, &m));
        KT_EXPECT_EQ(AXL_MSGINFO_LABEL(m.info), 0xa0 + i);
    }
}

KT_THREAD_CASE(IPC_039, "two threads waiting in RECV are served in the order they blocked")
{
    static struct op r[2];
    uint64_t ep = new_ep();

    KT_ASSERT_NE(ep, 0);
    for (unsigned i = 0; i < 2; i++) {
        op_init(&r[i], AXL_SYS_RECV, ep, 0, 0);
        spawn_op(&r[i], KT_PRIO_CHILD + 10 * i);
        kt_settle();
    }
    for (unsigned i = 0; i < 2; i++) {
        struct axl_msg m = root_msg(0xb0 + i, 1);
        KT_ASSERT_OK(axl_nb_send(ep, &m));
    }
    kt_settle();
    KT_ASSERT_EQ(r[0].done + r[1].done, 2);
    KT_EXPECT_EQ(AXL_MSGINFO_LABEL(r[0].out.info), 0xb0);
    KT_EXPECT_EQ(AXL_MSGINFO_LABEL(r[1].out.info), 0xb1);
}

KT_THREAD_CASE(IPC_040, "a receiver of higher priority than the sender runs as soon as the message "
                        "is delivered, before the sender's SEND returns")
{
    static struct op r, s;
    uint64_t ep = new_ep();

    KT_ASSERT_NE(ep, 0);
    op_init(&r, AXL_SYS_RECV, ep, 0, 0);
    spawn_op(&r, KT_PRIO_CHILD + 50);
    kt_settle();
    op_init(&s, AXL_SYS_SEND, ep, 0xc0, 1);
    s.peer = &r.mark;
    s.seen = -1;
    spawn_op(&s, KT_PRIO_CHILD);
    kt_settle();
    KT_ASSERT_EQ(s.done + r.done, 2);
    KT_EXPECT_EQ(s.seen, 1);
}

KT_THREAD_CASE(IPC_041, "a receiver of lower priority than the sender runs only after the sender "
                        "stops: the sender's SEND returns first")
{
    static struct op r, s;
    uint64_t ep = new_ep();

    KT_ASSERT_NE(ep, 0);
    op_init(&r, AXL_SYS_RECV, ep, 0, 0);
    spawn_op(&r, KT_PRIO_CHILD);
    kt_settle();
    op_init(&s, AXL_SYS_SEND, ep, 0xc1, 1);
    s.peer = &r.mark;
    s.seen = -1;
    spawn_op(&s, KT_PRIO_CHILD + 50);
    kt_settle();
    KT_ASSERT_EQ(s.done + r.done, 2);
    KT_EXPECT_EQ(s.seen, 0);
}

/* ------------------------------------------------------------ notifications */

KT_THREAD_CASE(IPC_042, "a thread blocked in WAIT is woken by another thread's SIGNAL and gets the "
                        "signalling capability's badge as the word")
{
    static struct op w, s;
    uint64_t n = kt_retype1(AXL_OBJ_NOTIFICATION, 0), badged = kt_mint(n, AXL_RIGHT_WRITE, 0x30);
    uint64_t word;

    KT_ASSERT_NE(badged, 0);
    op_init(&w, AXL_SYS_WAIT, n, 0, 0);
    spawn_op(&w, KT_PRIO_CHILD);
    kt_settle();
    KT_ASSERT_EQ(w.ready, 1);
    KT_ASSERT_EQ(w.done, 0);
    op_init(&s, AXL_SYS_SIGNAL, badged, 0, 0);
    spawn_op(&s, KT_PRIO_CHILD);
    kt_settle();
    KT_ASSERT_EQ(s.done, 1);
    KT_EXPECT_OK(s.err);
    KT_ASSERT_EQ(w.done, 1);
    KT_EXPECT_OK(w.err);
    KT_EXPECT_EQ(w.out.badge, 0x30);
    KT_EXPECT_ERR(axl_poll(n, &word), AXL_E_WOULD_BLOCK); /* the word went to the waiter */
}

KT_THREAD_CASE(IPC_043,
               "one SIGNAL wakes only the first of two waiting threads; the next wakes the "
               "second")
{
    static struct op w[2];
    uint64_t n = kt_retype1(AXL_OBJ_NOTIFICATION, 0);
    uint64_t a = kt_mint(n, AXL_RIGHT_WRITE, 0x1), b = kt_mint(n, AXL_RIGHT_WRITE, 0x2);

    KT_ASSERT_NE(b, 0);
    for (unsigned i = 0; i < 2; i++) {
        op_init(&w[i], AXL_SYS_WAIT, n, 0, 0);
        spawn_op(&w[i], KT_PRIO_CHILD);
        kt_settle();
    }
    KT_ASSERT_OK(axl_signal(a));
    kt_settle();
    KT_ASSERT_EQ(w[0].done, 1);
    KT_EXPECT_EQ(w[0].out.badge, 0x1);
    KT_EXPECT_EQ(w[1].done, 0);
    KT_ASSERT_OK(axl_signal(b));
    kt_settle();
    KT_ASSERT_EQ(w[1].done, 1);
    KT_EXPECT_EQ(w[1].out.badge, 0x2);
}

KT_THREAD_CASE(IPC_044,
               "deleting a notification ends the WAIT of a thread blocked on it with ABORTED")
{
    static struct op w;
    uint64_t n = kt_retype1(AXL_OBJ_NOTIFICATION, 0);

    KT_ASSERT_NE(n, 0);
    op_init(&w, AXL_SYS_WAIT, n, 0, 0);
    spawn_op(&w, KT_PRIO_CHILD);
    kt_settle();
    KT_ASSERT_EQ(w.ready, 1);
    KT_ASSERT_EQ(w.done, 0);
    KT_ASSERT_OK(axl_cnode_delete(ROOT, n));
    kt_settle();
    KT_ASSERT_EQ(w.done, 1);
    KT_EXPECT_ERR(w.err, AXL_E_ABORTED);
}

KT_THREAD_CASE(IPC_045, "endpoint calls on a notification and notification calls on an endpoint "
                        "fail with INVALID_CAPABILITY; WAIT and POLL without READ with "
                        "INSUFFICIENT_RIGHTS")
{
    static struct probe p;
    uint64_t ep = kt_retype1(AXL_OBJ_ENDPOINT, 0), n = kt_retype1(AXL_OBJ_NOTIFICATION, 0);
    uint64_t wo = kt_slot(), word;
    struct axl_msg m = axl_message(1, 1);

    KT_ASSERT_NE(ep, 0);
    KT_ASSERT_NE(n, 0);
    KT_ASSERT_OK(axl_cnode_mint(ROOT, wo, ROOT, n, AXL_RIGHT_WRITE, 0));
    KT_EXPECT_ERR(axl_nb_send(n, &m), AXL_E_INVALID_CAPABILITY);
    KT_EXPECT_ERR(axl_nb_recv(n, &m), AXL_E_INVALID_CAPABILITY);
    KT_EXPECT_ERR(axl_signal(ep), AXL_E_INVALID_CAPABILITY);
    KT_EXPECT_ERR(axl_poll(ep, &word), AXL_E_INVALID_CAPABILITY);
    KT_EXPECT_ERR(axl_poll(wo, &word), AXL_E_INSUFFICIENT_RIGHTS);
    memset((void *)&p, 0, sizeof(p));
    probe_add(&p, AXL_SYS_RECV, n, 0);
    probe_add(&p, AXL_SYS_WAIT, ep, 0);
    probe_add(&p, AXL_SYS_WAIT, wo, 0); /* the word is 0: it would block if allowed */
    RUN_PROBE(&p);
    KT_EXPECT_ERR(p.err[0], AXL_E_INVALID_CAPABILITY);
    KT_EXPECT_ERR(p.err[1], AXL_E_INVALID_CAPABILITY);
    KT_EXPECT_ERR(p.err[2], AXL_E_INSUFFICIENT_RIGHTS);
}

/* ------------------------------------------------------------ details of the ABI */

/* A server that saves its caller and answers through SEND on the saved reply capability. */
struct send_reply {
    uint64_t ep, slot, cap;
    volatile long save_err, with_cap, first, second;
    volatile int done;
};

static void send_reply_thread(void *arg)
{
    struct send_reply *s = arg;
    struct axl_msg m;

    if (axl_recv(s->ep, &m) == AXL_E_OK) {
        s->save_err = axl_cnode_save_caller(ROOT, s->slot);
        kt_thread_ipc()->caps[0] = s->cap;
        m = axl_message(0x97, 1);
        m.info = AXL_MSGINFO(0x97, 1, 1);
        s->with_cap = axl_nb_send(s->slot, &m); /* the reply capability has no GRANT */
        m = axl_message(0x96, 1);
        m.mr[0] = 0x9696;
        s->first = axl_send(s->slot, &m);
        s->second = axl_send(s->slot, &m); /* used up: the slot is empty now */
    }
    s->done = 1;
}

KT_THREAD_CASE(IPC_046,
               "SEND on a reply capability saved with CNODE_SAVE_CALLER answers the caller "
               "once, with REPLY's rules (no capabilities without GRANT)")
{
    static struct send_reply s;
    static struct op c;
    struct axl_cap_info info;

    memset((void *)&s, 0, sizeof(s));
    s.ep = new_ep();
    s.slot = kt_slot();
    s.cap = kt_retype1(AXL_OBJ_NOTIFICATION, 0);
    s.save_err = s.with_cap = s.first = s.second = -1;
    KT_ASSERT_NE(s.cap, 0);
    KT_ASSERT_NE(kt_thread_spawn(send_reply_thread, &s, KT_PRIO_CHILD), NULL);
    kt_settle();
    op_init(&c, AXL_SYS_CALL, kt_mint(s.ep, AXL_RIGHT_WRITE, 0), 0x95, 0); /* no GRANT_REPLY */
    KT_ASSERT_NE(c.cap, 0);
    spawn_op(&c, KT_PRIO_CHILD);
    kt_settle();
    KT_ASSERT_EQ(s.done, 1);
    KT_EXPECT_OK(s.save_err);
    KT_EXPECT_ERR(s.with_cap, AXL_E_INSUFFICIENT_RIGHTS);
    KT_EXPECT_OK(s.first);
    KT_EXPECT_ERR(s.second, AXL_E_INVALID_CAPABILITY);
    KT_ASSERT_EQ(c.done, 1);
    KT_EXPECT_OK(c.err);
    KT_EXPECT_EQ(AXL_MSGINFO_LABEL(c.out.info), 0x96);
    KT_EXPECT_EQ(AXL_MSGINFO_CAPS(c.out.info), 0);
    KT_EXPECT_EQ(c.out.mr[0], 0x9696);
    KT_EXPECT_EQ(c.out.badge, 0);
    KT_ASSERT_TRUE(kt_inspect(s.slot, &info));
    KT_EXPECT_EQ(info.type, AXL_OBJ_NULL);
}

KT_THREAD_CASE(IPC_047, "message words past the length received are not written, in registers or "
                        "in the IPC buffer")
{
    static struct op r;
    uint64_t ep = new_ep();
    struct axl_msg m = root_msg(0x47, 2);
    struct kt_thread *t;
    const struct axl_ipc_buffer *b;

    KT_ASSERT_NE(ep, 0);
    op_init(&r, AXL_SYS_RECV, ep, 0, 0);
    r.in.mr[2] = 0x2222;
    r.in.mr[3] = 0x3333;
    r.fill = 8; /* MR4..MR7 of its buffer hold pattern(i) */
    t = kt_thread_spawn(op_thread, &r, KT_PRIO_CHILD);
    KT_ASSERT_NE(t, NULL);
    kt_settle();
    KT_ASSERT_OK(axl_nb_send(ep, &m));
    kt_settle();
    KT_ASSERT_EQ(r.done, 1);
    EXPECT_MSG(r.out, 0x47, 2);
    KT_EXPECT_EQ(r.out.mr[2], 0x2222);
    KT_EXPECT_EQ(r.out.mr[3], 0x3333);
    b = (const struct axl_ipc_buffer *)t->ipc_addr;
    for (unsigned i = AXL_MSG_REG_WORDS; i < 8; i++) {
        KT_EXPECT_EQ(b->mr[i], pattern(i));
    }
}

KT_THREAD_CASE(IPC_048,
               "SEND, NB_SEND, SIGNAL and YIELD set only rax: every other message register "
               "comes back as it went; a failed call returns rsi = rdi = 0")
{
    static struct op r, s;
    uint64_t ep = new_ep(), n = kt_retype1(AXL_OBJ_NOTIFICATION, 0), word;
    struct axl_msg m, sent;

    KT_ASSERT_NE(n, 0);
    op_init(&r, AXL_SYS_RECV, ep, 0, 0);
    spawn_op(&r, KT_PRIO_CHILD);
    kt_settle();
    sent = m = root_msg(0x48, 3);
    KT_ASSERT_OK(axl_sys(AXL_SYS_NB_SEND, ep, &m)); /* a receiver waits: delivered */
    KT_EXPECT_EQ(m.info, sent.info);
    KT_EXPECT_EQ(m.badge, ep);
    for (unsigned i = 0; i < AXL_MSG_REG_WORDS; i++) {
        KT_EXPECT_EQ(m.mr[i], sent.mr[i]);
    }
    m = sent;
    KT_ASSERT_OK(axl_sys(AXL_SYS_SIGNAL, n, &m));
    KT_EXPECT_EQ(m.info, sent.info);
    KT_EXPECT_EQ(m.badge, n);
    KT_EXPECT_EQ(m.mr[3], sent.mr[3]);
    KT_ASSERT_OK(axl_poll(n, &word));
    m = sent;
    KT_ASSERT_OK(axl_sys(AXL_SYS_YIELD, 0x1234, &m));
    KT_EXPECT_EQ(m.info, sent.info);
    KT_EXPECT_EQ(m.badge, 0x1234);
    KT_EXPECT_EQ(m.mr[1], sent.mr[1]);
    m = sent;
    KT_EXPECT_ERR(axl_sys(AXL_SYS_NB_SEND, ep, &m), AXL_E_WOULD_BLOCK); /* nobody waits now */
    KT_EXPECT_EQ(m.info, 0);
    KT_EXPECT_EQ(m.badge, 0);
    /* A sender that waited and was released by a receiver: also only rax. */
    op_init(&s, AXL_SYS_SEND, ep, 0x49, 4);
    spawn_op(&s, KT_PRIO_CHILD);
    kt_settle();
    KT_ASSERT_OK(axl_nb_recv(ep, &m));
    kt_settle();
    KT_ASSERT_EQ(s.done, 1);
    KT_EXPECT_OK(s.err);
    KT_EXPECT_EQ(s.out.info, s.in.info);
    KT_EXPECT_EQ(s.out.badge, ep);
    for (unsigned i = 0; i < AXL_MSG_REG_WORDS; i++) {
        KT_EXPECT_EQ(s.out.mr[i], s.in.mr[i]);
    }
}

KT_THREAD_CASE(IPC_049, "a waiting sender's message is read when a receiver takes it: IPC-buffer "
                        "words changed meanwhile arrive as changed")
{
    static struct op s;
    uint64_t ep = new_ep();
    struct kt_thread *t;
    struct axl_msg m;

    KT_ASSERT_NE(ep, 0);
    op_init(&s, AXL_SYS_SEND, ep, 0x50, 6);
    s.fill = 6;
    t = kt_thread_spawn(op_thread, &s, KT_PRIO_CHILD);
    KT_ASSERT_NE(t, NULL);
    kt_settle();
    KT_ASSERT_EQ(s.ready, 1);
    ((struct axl_ipc_buffer *)t->ipc_addr)->mr[5] = 0x5555;
    KT_ASSERT_OK(axl_nb_recv(ep, &m));
    KT_EXPECT_EQ(AXL_MSGINFO_LEN(m.info), 6);
    KT_EXPECT_EQ(axl_msg_get(&m, 4), pattern(4));
    KT_EXPECT_EQ(axl_msg_get(&m, 5), 0x5555);
}

KT_THREAD_CASE(IPC_050, "a capability deleted while its sender waits does not arrive: the message "
                        "does, with a capability count of 0")
{
    static struct op s;
    uint64_t ep = new_ep(), cap = kt_retype1(AXL_OBJ_NOTIFICATION, 0), dst = kt_slot();
    struct axl_msg m;
    struct axl_cap_info info;

    KT_ASSERT_NE(cap, 0);
    op_init(&s, AXL_SYS_SEND, ep, 0x51, 1);
    s.in.info = AXL_MSGINFO(0x51, 1, 1);
    s.ncaps = 1;
    s.caps[0] = cap;
    spawn_op(&s, KT_PRIO_CHILD);
    kt_settle();
    KT_ASSERT_EQ(s.ready, 1);
    KT_ASSERT_EQ(s.done, 0);
    KT_ASSERT_OK(axl_cnode_delete(ROOT, cap));
    axl_ipc_buffer->recv_cnode = ROOT;
    axl_ipc_buffer->recv_slot = dst;
    axl_ipc_buffer->recv_count = 1;
    KT_ASSERT_OK(axl_nb_recv(ep, &m));
    KT_EXPECT_EQ(AXL_MSGINFO_LABEL(m.info), 0x51);
    KT_EXPECT_EQ(AXL_MSGINFO_CAPS(m.info), 0);
    KT_ASSERT_TRUE(kt_inspect(dst, &info));
    KT_EXPECT_EQ(info.type, AXL_OBJ_NULL);
}

KT_THREAD_CASE(IPC_051, "a mapped frame capability sent in a message arrives unmapped")
{
    static struct op r;
    uint64_t ep = new_ep(), frame, dst = kt_slot();
    struct axl_msg m = root_msg(0x52, 0);
    struct axl_cap_info info;

    KT_ASSERT_NE(ep, 0);
    KT_ASSERT_NE(kt_scratch_page(AXL_RIGHT_READ | AXL_RIGHT_WRITE, 0, &frame), 0);
    KT_ASSERT_TRUE(kt_inspect(frame, &info));
    KT_ASSERT_NE(info.badge, 0); /* the mapped frame's word records where */
    op_init(&r, AXL_SYS_RECV, ep, 0, 0);
    r.recv_slot = dst;
    r.recv_count = 1;
    spawn_op(&r, KT_PRIO_CHILD);
    kt_settle();
    axl_ipc_buffer->caps[0] = frame;
    m.info = AXL_MSGINFO(0x52, 1, 0);
    KT_ASSERT_OK(axl_nb_send(ep, &m));
    kt_settle();
    KT_ASSERT_EQ(r.done, 1);
    KT_EXPECT_EQ(AXL_MSGINFO_CAPS(r.out.info), 1);
    KT_ASSERT_TRUE(kt_inspect(dst, &info));
    KT_EXPECT_EQ(info.type, AXL_OBJ_FRAME);
    KT_EXPECT_EQ(info.badge, 0);
}

/* Notes when it first ran, in op_seq's count. */
static volatile unsigned bystander_order;
static void bystander_thread(void *arg)
{
    (void)arg;
    bystander_order = ++op_seq;
}

KT_THREAD_CASE(IPC_052, "a receiver woken by SEND goes to the front of its queue: with the sender "
                        "still running, it runs next, before a thread queued earlier")
{
    static struct op r, s;
    uint64_t ep = new_ep();

    KT_ASSERT_NE(ep, 0);
    op_init(&r, AXL_SYS_RECV, ep, 0, 0);
    spawn_op(&r, KT_PRIO_CHILD);
    kt_settle();
    op_seq = 0;
    bystander_order = 0;
    op_init(&s, AXL_SYS_SEND, ep, 0x53, 1);
    s.peer = &r.mark;
    s.seen = -1;
    spawn_op(&s, KT_PRIO_CHILD);                                                /* queue: s */
    KT_ASSERT_NE(kt_thread_spawn(bystander_thread, NULL, KT_PRIO_CHILD), NULL); /* s, x */
    kt_settle();
    KT_ASSERT_EQ(s.done + r.done, 2);
    KT_EXPECT_EQ(s.seen, 0); /* the sender kept the CPU */
    KT_EXPECT_EQ(s.order, 1);
    KT_EXPECT_EQ(r.order, 2);         /* then the receiver, at the front */
    KT_EXPECT_EQ(bystander_order, 3); /* then the thread that was queued first */
}

/* A server that takes one call and answers it with REPLY_RECV; MR1..MR3 hold sentinels. */
struct fast_server {
    uint64_t ep;
    struct axl_msg got;
    volatile long err;
    volatile int got_it;
};

static void fast_server_thread(void *arg)
{
    struct fast_server *s = arg;
    struct axl_msg m = axl_message(0, 0);

    m.mr[1] = 0xa1;
    m.mr[2] = 0xa2;
    m.mr[3] = 0xa3;
    s->err = axl_sys(AXL_SYS_RECV, s->ep, &m); /* (axl_recv would clear the registers first) */
    s->got = m;
    s->got_it = 1;
    m = axl_message(0xf1, 1);
    m.mr[0] = 0xf0f0;
    m.mr[1] = 0xb1;            /* past the length: must not reach the caller */
    axl_reply_recv(s->ep, &m); /* answers, then waits again until the cleanup */
}

KT_THREAD_CASE(IPC_053, "a register-only CALL and REPLY_RECV between threads of one priority (the "
                        "fast path) carry label, length, badge and only the words sent")
{
    static struct fast_server s;
    static struct op c;
    uint64_t ep = new_ep(), badged = kt_mint(ep, AXL_RIGHT_WRITE, 0x77);

    KT_ASSERT_NE(badged, 0);
    memset((void *)&s, 0, sizeof(s));
    s.ep = ep;
    s.err = -1;
    KT_ASSERT_NE(kt_thread_spawn(fast_server_thread, &s, KT_PRIO_CHILD), NULL);
    kt_settle();
    op_init(&c, AXL_SYS_CALL, badged, 0xf0, 1);
    c.in.mr[1] = 0xc1;
    c.in.mr[2] = 0xc2;
    c.in.mr[3] = 0xc3;
    spawn_op(&c, KT_PRIO_CHILD);
    kt_settle();
    KT_ASSERT_EQ(s.got_it, 1);
    KT_EXPECT_OK(s.err);
    KT_EXPECT_EQ(AXL_MSGINFO_LABEL(s.got.info), 0xf0);
    KT_EXPECT_EQ(AXL_MSGINFO_LEN(s.got.info), 1);
    KT_EXPECT_EQ(s.got.badge, 0x77);
    KT_EXPECT_EQ(s.got.mr[0], 0xf0ull << 8);
    KT_EXPECT_EQ(s.got.mr[1], 0xa1);
    KT_EXPECT_EQ(s.got.mr[2], 0xa2);
    KT_EXPECT_EQ(s.got.mr[3], 0xa3);
    KT_ASSERT_EQ(c.done, 1);
    KT_EXPECT_OK(c.err);
    KT_EXPECT_EQ(AXL_MSGINFO_LABEL(c.out.info), 0xf1);
    KT_EXPECT_EQ(AXL_MSGINFO_LEN(c.out.info), 1);
    KT_EXPECT_EQ(c.out.badge, 0);
    KT_EXPECT_EQ(c.out.mr[0], 0xf0f0);
    KT_EXPECT_EQ(c.out.mr[1], 0xc1);
    KT_EXPECT_EQ(c.out.mr[2], 0xc2);
    KT_EXPECT_EQ(c.out.mr[3], 0xc3);
}
