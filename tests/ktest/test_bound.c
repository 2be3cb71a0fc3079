/* SPDX-License-Identifier: MIT */
/*
 * test_bound.c: bound notifications (KT-BND-*), TCB_INFO (KT-INF-*) and
 * LOG_READ (KT-LOG-*) (docs/abi.md, "Bound notifications", "Thread
 * states", "The calls"; kernel/core/notification.c, tcb.c, syscall.c,
 * lib/klog.c).
 *
 * Threads run a script (struct script): a few system calls in a row, each
 * result stored and counted in done, so after kt_settle the root task
 * knows how far a thread got and where it is blocked. A notification is
 * bound to a thread created but not yet started, so the binding is in
 * place before its first call. The root task itself never blocks: it
 * signals, polls and uses NB_SEND and NB_RECV only. When a case binds the
 * root task's own TCB, it unbinds it again whatever else failed.
 *
 * The LOG cases find what they wrote with DEBUG_PUTS by position: the
 * end of the log (LOG_READ far past it returns the end in MR0), then the
 * text, which the kernel logs with each '\n' as "\r\n". Nothing here
 * touches COM1's registers, which would take the console away from the
 * kernel log and with it the suite's own output.
 */
#include "thread.h"

#define ROOT AXL_SLOT_CNODE
#define NOTIFY AXL_LABEL_NOTIFICATION
#define RING_BYTES 16384u                          /* the kernel log's ring (docs/abi.md) */
#define LOG_MAX_BUF ((AXL_MSG_MAX_WORDS - 2) * 8)  /* 928: LOG_READ with an IPC buffer */
#define LOG_MAX_REGS ((AXL_MSG_REG_WORDS - 2) * 8) /* 16: without one */

/* ------------------------------------------------------------ scripted threads */

#define SCRIPT_MAX 5

/* System calls a thread makes one after the other, and what each returned. */
struct script {
    unsigned n;
    struct {
        unsigned nr; /* AXL_SYS_* */
        uint64_t cap;
        struct axl_msg msg; /* sent (info, MR0..MR3) */
    } step[SCRIPT_MAX];
    struct axl_msg out[SCRIPT_MAX]; /* the registers after each call */
    long err[SCRIPT_MAX];
    volatile unsigned done; /* calls that have returned */
};

/* The words a scripted message with this label carries in MR i. */
static uint64_t word_of(uint64_t label, unsigned i) { return label << 16 | i; }

static void script_reset(struct script *s)
{
    memset((void *)s, 0, sizeof(*s));
    for (unsigned i = 0; i < SCRIPT_MAX; i++) {
        s->err[i] = -1;
    }
}

/* Appends a call; a message with label and len words word_of(label, i). */
static void script_add(struct script *s, unsigned nr, uint64_t cap, uint64_t label, unsigned len)
{
    if (s->n < SCRIPT_MAX) {
        s->step[s->n].nr = nr;
        s->step[s->n].cap = cap;
        s->step[s->n].msg = axl_message(label, len);
        for (unsigned i = 0; i < len && i < AXL_MSG_REG_WORDS; i++) {
            s->step[s->n].msg.mr[i] = word_of(label, i);
        }
        s->n++;
    }
}

static void script_thread(void *arg)
{
    struct script *s = arg;

    for (unsigned i = 0; i < s->n; i++) {
        struct axl_msg m = s->step[i].msg;
        long err = axl_sys(s->step[i].nr, s->step[i].cap, &m);
        s->out[i] = m;
        s->err[i] = err;
        s->done = i + 1;
    }
}

/* A thread that will run s, not started yet (so a notification can be bound first). */
#define script_create(s, prio) kt_thread_create(script_thread, (s), (prio), 0, 0)

/* The message m is the notification's word, as a receive on an endpoint reports it. */
#define EXPECT_NOTIFY(m, word)                                                                     \
    do {                                                                                           \
        KT_EXPECT_EQ(AXL_MSGINFO_LABEL((m).info), NOTIFY);                                         \
        KT_EXPECT_EQ(AXL_MSGINFO_LEN((m).info), 0);                                                \
        KT_EXPECT_EQ(AXL_MSGINFO_CAPS((m).info), 0);                                               \
        KT_EXPECT_EQ((m).badge, (word));                                                           \
    } while (0)

/* The message m came from a script step or root_msg with label and len. */
#define EXPECT_MSG(m, label, len)                                                                  \
    do {                                                                                           \
        KT_EXPECT_EQ(AXL_MSGINFO_LABEL((m).info), (label));                                        \
        KT_EXPECT_EQ(AXL_MSGINFO_LEN((m).info), (len));                                            \
        for (unsigned i_ = 0; i_ < (len) && i_ < AXL_MSG_REG_WORDS; i_++) {                        \
            KT_EXPECT_EQ((m).mr[i_], word_of((label), i_));                                        \
        }                                                                                          \
    } while (0)

static struct axl_msg root_msg(uint64_t label, unsigned len)
{
    struct axl_msg m = axl_message(label, len);
    for (unsigned i = 0; i < len && i < AXL_MSG_REG_WORDS; i++) {
        m.mr[i] = word_of(label, i);
    }
    return m;
}

static uint64_t new_ep(void) { return kt_retype1(AXL_OBJ_ENDPOINT, 0); }
static uint64_t new_ntfn(void) { return kt_retype1(AXL_OBJ_NOTIFICATION, 0); }

/* TCB_INFO's state of tcb; ~0 if the invocation failed (which no state equals). */
static uint64_t state_of(uint64_t tcb)
{
    struct axl_tcb_info info;
    return axl_tcb_info(tcb, &info) == AXL_E_OK ? info.state : ~0ull;
}

/* ------------------------------------------------------------ bound notifications */

KT_THREAD_CASE(BND_001, "a signal ends the RECV of the thread its notification is bound to: OK, "
                        "label AXL_LABEL_NOTIFICATION, no words, the word as badge; the next RECV "
                        "gets a message as usual")
{
    static struct script s;
    uint64_t ep = new_ep(), n = new_ntfn(), word;
    uint64_t nb = kt_mint(n, AXL_RIGHT_WRITE, 0x40), eb = kt_mint(ep, AXL_RIGHT_WRITE, 0x7);
    struct axl_msg m = root_msg(0x11, 2);
    struct kt_thread *t;

    KT_ASSERT_NE(nb, 0);
    KT_ASSERT_NE(eb, 0);
    script_reset(&s);
    script_add(&s, AXL_SYS_RECV, ep, 0, 0);
    script_add(&s, AXL_SYS_RECV, ep, 0, 0);
    t = script_create(&s, KT_PRIO_CHILD);
    KT_ASSERT_NE(t, NULL);
    KT_ASSERT_OK(axl_tcb_bind_notification(t->tcb, n));
    KT_ASSERT_OK(kt_thread_start(t));
    kt_settle();
    KT_ASSERT_EQ(s.done, 0);
    KT_EXPECT_EQ(state_of(t->tcb), AXL_THREAD_BLOCKED_RECV);
    KT_ASSERT_OK(axl_signal(nb));
    kt_settle();
    KT_ASSERT_EQ(s.done, 1);
    KT_EXPECT_OK(s.err[0]);
    EXPECT_NOTIFY(s.out[0], 0x40);
    KT_EXPECT_ERR(axl_poll(n, &word), AXL_E_WOULD_BLOCK); /* the RECV took the word */
    KT_EXPECT_EQ(state_of(t->tcb), AXL_THREAD_BLOCKED_RECV);
    KT_ASSERT_OK(axl_nb_send(eb, &m));
    kt_settle();
    KT_ASSERT_EQ(s.done, 2);
    KT_EXPECT_OK(s.err[1]);
    EXPECT_MSG(s.out[1], 0x11, 2);
    KT_EXPECT_EQ(s.out[1].badge, 0x7);
}

KT_THREAD_CASE(BND_002, "a pending word of the bound notification comes before a waiting sender: "
                        "the first RECV takes the word, the next the sender's message, and the "
                        "sender returns OK")
{
    static struct script snd, rcv;
    uint64_t ep = new_ep(), n = new_ntfn(), nb = kt_mint(n, AXL_RIGHT_WRITE, 0x5);
    struct kt_thread *t;

    KT_ASSERT_NE(nb, 0);
    script_reset(&snd);
    script_add(&snd, AXL_SYS_SEND, ep, 0x22, 3);
    KT_ASSERT_NE(kt_thread_spawn(script_thread, &snd, KT_PRIO_CHILD), NULL);
    kt_settle();
    KT_ASSERT_EQ(snd.done, 0); /* queued on the endpoint */
    script_reset(&rcv);
    script_add(&rcv, AXL_SYS_RECV, ep, 0, 0);
    script_add(&rcv, AXL_SYS_RECV, ep, 0, 0);
    t = script_create(&rcv, KT_PRIO_CHILD);
    KT_ASSERT_NE(t, NULL);
    KT_ASSERT_OK(axl_tcb_bind_notification(t->tcb, n));
    KT_ASSERT_OK(axl_signal(nb)); /* the bound thread has not started: the word waits */
    KT_ASSERT_OK(kt_thread_start(t));
    kt_settle();
    KT_ASSERT_EQ(rcv.done, 2);
    KT_EXPECT_OK(rcv.err[0]);
    EXPECT_NOTIFY(rcv.out[0], 0x5);
    KT_EXPECT_OK(rcv.err[1]);
    EXPECT_MSG(rcv.out[1], 0x22, 3);
    KT_ASSERT_EQ(snd.done, 1);
    KT_EXPECT_OK(snd.err[0]);
}

KT_THREAD_CASE(BND_003, "a signal while the bound thread waits on another notification only sets "
                        "the word: that WAIT returns its own word, and the next NB_RECV the bound "
                        "one")
{
    static struct script s;
    uint64_t ep = new_ep(), n = new_ntfn(), other = new_ntfn();
    uint64_t nb = kt_mint(n, AXL_RIGHT_WRITE, 0x10), ob = kt_mint(other, AXL_RIGHT_WRITE, 0x20);
    struct kt_thread *t;

    KT_ASSERT_NE(ob, 0);
    script_reset(&s);
    script_add(&s, AXL_SYS_WAIT, other, 0, 0);
    script_add(&s, AXL_SYS_NB_RECV, ep, 0, 0);
    script_add(&s, AXL_SYS_NB_RECV, ep, 0, 0);
    t = script_create(&s, KT_PRIO_CHILD);
    KT_ASSERT_NE(t, NULL);
    KT_ASSERT_OK(axl_tcb_bind_notification(t->tcb, n));
    KT_ASSERT_OK(kt_thread_start(t));
    kt_settle();
    KT_ASSERT_EQ(s.done, 0);
    KT_ASSERT_OK(axl_signal(nb));
    kt_settle();
    KT_EXPECT_EQ(s.done, 0); /* still waiting on the other notification */
    KT_EXPECT_EQ(state_of(t->tcb), AXL_THREAD_BLOCKED_NOTIFICATION);
    KT_ASSERT_OK(axl_signal(ob));
    kt_settle();
    KT_ASSERT_EQ(s.done, 3);
    KT_EXPECT_OK(s.err[0]);
    KT_EXPECT_EQ(s.out[0].badge, 0x20);
    KT_EXPECT_OK(s.err[1]);
    EXPECT_NOTIFY(s.out[1], 0x10);
    KT_EXPECT_ERR(s.err[2], AXL_E_WOULD_BLOCK);
}

KTEST(BND_004, "bound to the running root task, a notification's signals only set the word; its "
               "NB_RECV then returns them ORed as a notification, once")
{
    uint64_t ep = new_ep(), n = new_ntfn();
    uint64_t a = kt_mint(n, AXL_RIGHT_WRITE, 0x1), b = kt_mint(n, AXL_RIGHT_WRITE, 0x4);
    struct axl_msg m;

    KT_ASSERT_NE(b, 0);
    KT_ASSERT_NE(ep, 0);
    KT_ASSERT_OK(axl_tcb_bind_notification(AXL_SLOT_TCB, n));
    /* From here on no KT_ASSERT: the root task must be unbound again below. */
    KT_EXPECT_ERR(axl_nb_recv(ep, &m), AXL_E_WOULD_BLOCK); /* bound, nothing pending */
    KT_EXPECT_OK(axl_signal(a));
    KT_EXPECT_OK(axl_signal(b));
    KT_EXPECT_OK(axl_nb_recv(ep, &m));
    EXPECT_NOTIFY(m, 0x5);
    KT_EXPECT_ERR(axl_nb_recv(ep, &m), AXL_E_WOULD_BLOCK);
    KT_EXPECT_OK(axl_tcb_bind_notification(AXL_SLOT_TCB, 0));
}

KTEST(BND_005, "a receive the kernel refuses (no READ right on the endpoint, or a notification "
               "capability) leaves the bound word pending for the next RECV")
{
    uint64_t ep = new_ep(), n = new_ntfn(), wo = kt_mint(ep, AXL_RIGHT_WRITE, 0);
    uint64_t nb = kt_mint(n, AXL_RIGHT_WRITE, 0x30);
    struct axl_msg m;

    KT_ASSERT_NE(wo, 0);
    KT_ASSERT_NE(nb, 0);
    KT_ASSERT_OK(axl_tcb_bind_notification(AXL_SLOT_TCB, n));
    KT_EXPECT_OK(axl_signal(nb));
    KT_EXPECT_ERR(axl_nb_recv(wo, &m), AXL_E_INSUFFICIENT_RIGHTS);
    KT_EXPECT_ERR(axl_nb_recv(n, &m), AXL_E_INVALID_CAPABILITY);
    KT_EXPECT_OK(axl_nb_recv(ep, &m));
    EXPECT_NOTIFY(m, 0x30);
    KT_EXPECT_OK(axl_tcb_bind_notification(AXL_SLOT_TCB, 0));
}

KT_THREAD_CASE(BND_006, "REPLY_RECV with the bound word pending answers the caller and returns the "
                        "word at once, though the round trip could take the fast path")
{
    static struct script srv, cli;
    uint64_t ep = new_ep(), n = new_ntfn(), go = new_ntfn();
    uint64_t nb = kt_mint(n, AXL_RIGHT_WRITE, 0x8);
    struct kt_thread *t;

    KT_ASSERT_NE(nb, 0);
    KT_ASSERT_NE(go, 0);
    script_reset(&srv);
    script_add(&srv, AXL_SYS_RECV, ep, 0, 0);
    script_add(&srv, AXL_SYS_WAIT, go, 0, 0);
    script_add(&srv, AXL_SYS_REPLY_RECV, ep, 0x31, 2); /* register-only, same priority */
    t = script_create(&srv, KT_PRIO_CHILD);
    KT_ASSERT_NE(t, NULL);
    KT_ASSERT_OK(axl_tcb_bind_notification(t->tcb, n));
    KT_ASSERT_OK(kt_thread_start(t));
    kt_settle();
    script_reset(&cli);
    script_add(&cli, AXL_SYS_CALL, ep, 0x30, 1);
    KT_ASSERT_NE(kt_thread_spawn(script_thread, &cli, KT_PRIO_CHILD), NULL);
    kt_settle();
    KT_ASSERT_EQ(srv.done, 1); /* has the call, waits on go */
    EXPECT_MSG(srv.out[0], 0x30, 1);
    KT_ASSERT_EQ(cli.done, 0);
    KT_ASSERT_OK(axl_signal(nb)); /* the server is in WAIT, not RECV: the word waits */
    kt_settle();
    KT_ASSERT_EQ(srv.done, 1);
    KT_ASSERT_OK(axl_signal(go));
    kt_settle();
    KT_ASSERT_EQ(srv.done, 3);
    KT_EXPECT_OK(srv.err[2]);
    EXPECT_NOTIFY(srv.out[2], 0x8);
    KT_ASSERT_EQ(cli.done, 1);
    KT_EXPECT_OK(cli.err[0]);
    EXPECT_MSG(cli.out[0], 0x31, 2);
}

KT_THREAD_CASE(BND_007, "a signal ends the receive of REPLY_RECV (blocked after a fast-path "
                        "reply) with the notification; the thread's next RECV gets messages")
{
    static struct script srv, cli;
    uint64_t ep = new_ep(), n = new_ntfn(), nb = kt_mint(n, AXL_RIGHT_WRITE, 0x9);
    struct axl_msg m = root_msg(0x42, 1);
    struct kt_thread *t;

    KT_ASSERT_NE(nb, 0);
    script_reset(&srv);
    script_add(&srv, AXL_SYS_RECV, ep, 0, 0);
    script_add(&srv, AXL_SYS_REPLY_RECV, ep, 0x41, 1);
    script_add(&srv, AXL_SYS_RECV, ep, 0, 0);
    t = script_create(&srv, KT_PRIO_CHILD);
    KT_ASSERT_NE(t, NULL);
    KT_ASSERT_OK(axl_tcb_bind_notification(t->tcb, n));
    KT_ASSERT_OK(kt_thread_start(t));
    kt_settle();
    script_reset(&cli);
    script_add(&cli, AXL_SYS_CALL, ep, 0x40, 1);
    KT_ASSERT_NE(kt_thread_spawn(script_thread, &cli, KT_PRIO_CHILD), NULL);
    kt_settle();
    KT_ASSERT_EQ(cli.done, 1);
    KT_EXPECT_OK(cli.err[0]);
    EXPECT_MSG(cli.out[0], 0x41, 1);
    KT_ASSERT_EQ(srv.done, 1); /* in the receive of REPLY_RECV */
    KT_EXPECT_EQ(state_of(t->tcb), AXL_THREAD_BLOCKED_RECV);
    KT_ASSERT_OK(axl_signal(nb));
    kt_settle();
    KT_ASSERT_EQ(srv.done, 2);
    KT_EXPECT_OK(srv.err[1]);
    EXPECT_NOTIFY(srv.out[1], 0x9);
    KT_ASSERT_OK(axl_nb_send(ep, &m));
    kt_settle();
    KT_ASSERT_EQ(srv.done, 3);
    KT_EXPECT_OK(srv.err[2]);
    EXPECT_MSG(srv.out[2], 0x42, 1);
    KT_EXPECT_EQ(srv.out[2].badge, 0);
}

KT_THREAD_CASE(BND_008, "WAIT on a bound notification works as on any other: a waiting thread gets "
                        "the signal before the bound thread's RECV, and the bound thread's own "
                        "WAIT on it gets a plain word")
{
    static struct script bound, waiter;
    uint64_t ep = new_ep(), n = new_ntfn(), word;
    uint64_t a = kt_mint(n, AXL_RIGHT_WRITE, 0x11), b = kt_mint(n, AXL_RIGHT_WRITE, 0x12);
    uint64_t c = kt_mint(n, AXL_RIGHT_WRITE, 0x14);
    struct kt_thread *t;

    KT_ASSERT_NE(c, 0);
    script_reset(&bound);
    script_add(&bound, AXL_SYS_RECV, ep, 0, 0);
    script_add(&bound, AXL_SYS_WAIT, n, 0, 0);
    t = script_create(&bound, KT_PRIO_CHILD);
    KT_ASSERT_NE(t, NULL);
    KT_ASSERT_OK(axl_tcb_bind_notification(t->tcb, n));
    KT_ASSERT_OK(kt_thread_start(t));
    script_reset(&waiter);
    script_add(&waiter, AXL_SYS_WAIT, n, 0, 0);
    KT_ASSERT_NE(kt_thread_spawn(script_thread, &waiter, KT_PRIO_CHILD), NULL);
    kt_settle();
    KT_ASSERT_EQ(bound.done + waiter.done, 0);
    KT_ASSERT_OK(axl_signal(a)); /* someone WAITs: it goes to the waiter */
    kt_settle();
    KT_ASSERT_EQ(waiter.done, 1);
    KT_EXPECT_OK(waiter.err[0]);
    KT_EXPECT_EQ(waiter.out[0].badge, 0x11);
    KT_EXPECT_EQ(bound.done, 0);
    KT_ASSERT_OK(axl_signal(b)); /* nobody WAITs now: it ends the RECV */
    kt_settle();
    KT_ASSERT_EQ(bound.done, 1);
    EXPECT_NOTIFY(bound.out[0], 0x12);
    KT_ASSERT_OK(axl_signal(c)); /* the bound thread WAITs on it now */
    kt_settle();
    KT_ASSERT_EQ(bound.done, 2);
    KT_EXPECT_OK(bound.err[1]);
    KT_EXPECT_EQ(bound.out[1].badge, 0x14);
    KT_EXPECT_NE(AXL_MSGINFO_LABEL(bound.out[1].info), NOTIFY);
    KT_EXPECT_OK(axl_signal(a)); /* and POLL works on it too */
    KT_EXPECT_OK(axl_poll(n, &word));
    KT_EXPECT_EQ(word, 0x11);
}

KT_THREAD_CASE(BND_009, "TCB_BIND_NOTIFICATION with 0 unbinds: a signal then leaves the thread's "
                        "RECV blocked and stays pending for POLL, and another thread can be bound")
{
    static struct script s;
    uint64_t ep = new_ep(), n = new_ntfn(), nb = kt_mint(n, AXL_RIGHT_WRITE, 0x21), word;
    uint64_t other = kt_retype1(AXL_OBJ_TCB, 0);
    struct axl_msg m = root_msg(0x23, 1);
    struct kt_thread *t;

    KT_ASSERT_NE(nb, 0);
    KT_ASSERT_NE(other, 0);
    script_reset(&s);
    script_add(&s, AXL_SYS_RECV, ep, 0, 0);
    t = script_create(&s, KT_PRIO_CHILD);
    KT_ASSERT_NE(t, NULL);
    KT_ASSERT_OK(axl_tcb_bind_notification(t->tcb, n));
    KT_ASSERT_OK(axl_tcb_bind_notification(t->tcb, 0));
    KT_EXPECT_OK(axl_tcb_bind_notification(t->tcb, 0)); /* unbinding an unbound thread: fine */
    KT_ASSERT_OK(kt_thread_start(t));
    kt_settle();
    KT_ASSERT_OK(axl_signal(nb));
    kt_settle();
    KT_EXPECT_EQ(s.done, 0);
    KT_EXPECT_OK(axl_poll(n, &word));
    KT_EXPECT_EQ(word, 0x21);
    KT_ASSERT_OK(axl_nb_send(ep, &m));
    kt_settle();
    KT_ASSERT_EQ(s.done, 1);
    EXPECT_MSG(s.out[0], 0x23, 1);
    KT_EXPECT_OK(axl_tcb_bind_notification(other, n));
}

KT_THREAD_CASE(BND_010, "binding a bound thread again replaces its binding: the first "
                        "notification's signals no longer end its RECV, the second's do, and the "
                        "first can be bound to another thread")
{
    static struct script s;
    uint64_t ep = new_ep(), n1 = new_ntfn(), n2 = new_ntfn(), word;
    uint64_t b1 = kt_mint(n1, AXL_RIGHT_WRITE, 0x31), b2 = kt_mint(n2, AXL_RIGHT_WRITE, 0x32);
    uint64_t other = kt_retype1(AXL_OBJ_TCB, 0);
    struct kt_thread *t;

    KT_ASSERT_NE(b2, 0);
    KT_ASSERT_NE(other, 0);
    script_reset(&s);
    script_add(&s, AXL_SYS_RECV, ep, 0, 0);
    t = script_create(&s, KT_PRIO_CHILD);
    KT_ASSERT_NE(t, NULL);
    KT_ASSERT_OK(axl_tcb_bind_notification(t->tcb, n1));
    KT_ASSERT_OK(axl_tcb_bind_notification(t->tcb, n2));
    KT_EXPECT_OK(axl_tcb_bind_notification(t->tcb, n2)); /* the same pair again: fine */
    KT_ASSERT_OK(kt_thread_start(t));
    kt_settle();
    KT_ASSERT_OK(axl_signal(b1));
    kt_settle();
    KT_EXPECT_EQ(s.done, 0);
    KT_EXPECT_OK(axl_poll(n1, &word));
    KT_EXPECT_EQ(word, 0x31);
    KT_ASSERT_OK(axl_signal(b2));
    kt_settle();
    KT_ASSERT_EQ(s.done, 1);
    EXPECT_NOTIFY(s.out[0], 0x32);
    KT_EXPECT_OK(axl_tcb_bind_notification(other, n1));
    KT_EXPECT_ERR(axl_tcb_bind_notification(other, n2), AXL_E_ILLEGAL_OPERATION);
}

KT_THREAD_CASE(BND_011, "deleting the bound notification's last capability unbinds it, even with "
                        "a word pending (deleting a copy does not): the thread's NB_RECV then "
                        "fails with WOULD_BLOCK and its RECV waits for a message")
{
    static struct script s;
    uint64_t ep = new_ep(), n = new_ntfn(), go = new_ntfn(), n2 = new_ntfn();
    uint64_t copy = kt_mint(n, AXL_RIGHTS_ALL, 0);
    struct axl_msg m = root_msg(0x51, 2);
    struct kt_thread *t;

    KT_ASSERT_NE(n2, 0);
    KT_ASSERT_NE(copy, 0);
    script_reset(&s);
    script_add(&s, AXL_SYS_NB_RECV, ep, 0, 0);
    script_add(&s, AXL_SYS_WAIT, go, 0, 0);
    script_add(&s, AXL_SYS_NB_RECV, ep, 0, 0);
    script_add(&s, AXL_SYS_RECV, ep, 0, 0);
    t = script_create(&s, KT_PRIO_CHILD);
    KT_ASSERT_NE(t, NULL);
    KT_ASSERT_OK(axl_tcb_bind_notification(t->tcb, n));
    KT_ASSERT_OK(axl_cnode_delete(ROOT, copy)); /* n remains: still bound */
    KT_ASSERT_OK(axl_signal(n));
    KT_ASSERT_OK(kt_thread_start(t));
    kt_settle();
    KT_ASSERT_EQ(s.done, 1); /* and waits on go */
    KT_EXPECT_OK(s.err[0]);
    EXPECT_NOTIFY(s.out[0], 1);
    KT_ASSERT_OK(axl_signal(n));             /* pending while the thread waits on go */
    KT_ASSERT_OK(axl_cnode_delete(ROOT, n)); /* the last capability */
    KT_ASSERT_OK(axl_signal(go));
    kt_settle();
    KT_ASSERT_EQ(s.done, 3); /* and blocked in RECV */
    KT_EXPECT_ERR(s.err[2], AXL_E_WOULD_BLOCK);
    KT_EXPECT_EQ(state_of(t->tcb), AXL_THREAD_BLOCKED_RECV);
    KT_ASSERT_OK(axl_nb_send(ep, &m));
    kt_settle();
    KT_ASSERT_EQ(s.done, 4);
    KT_EXPECT_OK(s.err[3]);
    EXPECT_MSG(s.out[3], 0x51, 2);
    KT_EXPECT_OK(axl_tcb_bind_notification(t->tcb, n2)); /* the thread is free to bind again */
}

KT_THREAD_CASE(BND_012, "deleting a bound thread unbinds it: the notification still takes signals "
                        "and POLL, and another thread bound to it has its RECV ended by them")
{
    static struct script s1, s2;
    uint64_t ep = new_ep(), n = new_ntfn(), word;
    uint64_t a = kt_mint(n, AXL_RIGHT_WRITE, 0x41), b = kt_mint(n, AXL_RIGHT_WRITE, 0x42);
    struct kt_thread *t1, *t2;

    KT_ASSERT_NE(b, 0);
    script_reset(&s1);
    script_add(&s1, AXL_SYS_RECV, ep, 0, 0);
    t1 = script_create(&s1, KT_PRIO_CHILD);
    KT_ASSERT_NE(t1, NULL);
    KT_ASSERT_OK(axl_tcb_bind_notification(t1->tcb, n));
    KT_ASSERT_OK(kt_thread_start(t1));
    kt_settle();
    KT_ASSERT_EQ(s1.done, 0);
    kt_thread_delete(t1);
    KT_ASSERT_OK(axl_signal(a));
    KT_EXPECT_OK(axl_poll(n, &word));
    KT_EXPECT_EQ(word, 0x41);
    script_reset(&s2);
    script_add(&s2, AXL_SYS_RECV, ep, 0, 0);
    t2 = script_create(&s2, KT_PRIO_CHILD);
    KT_ASSERT_NE(t2, NULL);
    KT_ASSERT_OK(axl_tcb_bind_notification(t2->tcb, n));
    KT_ASSERT_OK(kt_thread_start(t2));
    kt_settle();
    KT_ASSERT_OK(axl_signal(b));
    kt_settle();
    KT_ASSERT_EQ(s2.done, 1);
    KT_EXPECT_OK(s2.err[0]);
    EXPECT_NOTIFY(s2.out[0], 0x42);
}

KT_THREAD_CASE(BND_013, "TCB_BIND_NOTIFICATION refuses an endpoint or an empty slot "
                        "(INVALID_CAPABILITY), a notification without READ "
                        "(INSUFFICIENT_RIGHTS) and one bound to another thread "
                        "(ILLEGAL_OPERATION), and a refusal keeps the earlier binding")
{
    static struct script s;
    uint64_t ep = new_ep(), n = new_ntfn(), n2 = new_ntfn(), other = kt_retype1(AXL_OBJ_TCB, 0);
    uint64_t wo2 = kt_mint(n2, AXL_RIGHT_WRITE, 0), ro = kt_mint(n, AXL_RIGHT_READ, 0);
    uint64_t ro2 = kt_mint(n2, AXL_RIGHT_READ, 0);
    struct kt_thread *t;

    KT_ASSERT_NE(ro2, 0);
    KT_ASSERT_NE(other, 0);
    script_reset(&s);
    script_add(&s, AXL_SYS_RECV, ep, 0, 0);
    t = script_create(&s, KT_PRIO_CHILD);
    KT_ASSERT_NE(t, NULL);
    KT_ASSERT_OK(axl_tcb_bind_notification(t->tcb, n));
    KT_EXPECT_ERR(axl_tcb_bind_notification(t->tcb, ep), AXL_E_INVALID_CAPABILITY);
    KT_EXPECT_ERR(axl_tcb_bind_notification(t->tcb, kt_slot()), AXL_E_INVALID_CAPABILITY);
    KT_EXPECT_ERR(axl_tcb_bind_notification(t->tcb, wo2), AXL_E_INSUFFICIENT_RIGHTS);
    KT_EXPECT_ERR(axl_tcb_bind_notification(other, n), AXL_E_ILLEGAL_OPERATION);
    KT_EXPECT_ERR(axl_tcb_bind_notification(other, ro), AXL_E_ILLEGAL_OPERATION);
    KT_EXPECT_OK(axl_tcb_bind_notification(other, ro2)); /* READ alone is enough */
    KT_ASSERT_OK(kt_thread_start(t));
    kt_settle();
    KT_ASSERT_OK(axl_signal(n)); /* unbadged: bit 0 */
    kt_settle();
    KT_ASSERT_EQ(s.done, 1); /* still bound to n */
    EXPECT_NOTIFY(s.out[0], 1);
}

KT_THREAD_CASE(BND_014, "CALL, SEND and NB_SEND of a message labelled AXL_LABEL_NOTIFICATION fail "
                        "with INVALID_ARGUMENT at once, and the receiver waiting (at the "
                        "caller's priority) gets nothing")
{
    static struct script rcv, p;
    uint64_t ep = new_ep();
    struct axl_msg m = root_msg(0x61, 1);

    KT_ASSERT_NE(ep, 0);
    script_reset(&rcv);
    script_add(&rcv, AXL_SYS_RECV, ep, 0, 0);
    KT_ASSERT_NE(kt_thread_spawn(script_thread, &rcv, KT_PRIO_CHILD), NULL);
    kt_settle();
    script_reset(&p);
    script_add(&p, AXL_SYS_NB_SEND, ep, NOTIFY, 1);
    script_add(&p, AXL_SYS_CALL, ep, NOTIFY, 1); /* would be a fast-path call */
    script_add(&p, AXL_SYS_SEND, ep, NOTIFY, 0);
    KT_ASSERT_NE(kt_thread_spawn(script_thread, &p, KT_PRIO_CHILD), NULL);
    kt_settle();
    KT_ASSERT_EQ(p.done, 3); /* none of them blocked */
    for (unsigned i = 0; i < 3; i++) {
        KT_EXPECT_ERR(p.err[i], AXL_E_INVALID_ARGUMENT);
    }
    KT_ASSERT_EQ(rcv.done, 0);
    KT_ASSERT_OK(axl_nb_send(ep, &m)); /* the receiver was waiting all along */
    kt_settle();
    KT_ASSERT_EQ(rcv.done, 1);
    EXPECT_MSG(rcv.out[0], 0x61, 1);
}

KT_THREAD_CASE(BND_015, "REPLY and REPLY_RECV of a message labelled AXL_LABEL_NOTIFICATION fail "
                        "with INVALID_ARGUMENT without answering or receiving; the caller gets "
                        "the proper reply after")
{
    static struct script srv, cli;
    uint64_t ep = new_ep();

    KT_ASSERT_NE(ep, 0);
    script_reset(&srv);
    script_add(&srv, AXL_SYS_RECV, ep, 0, 0);
    script_add(&srv, AXL_SYS_REPLY, 0, NOTIFY, 1);
    script_add(&srv, AXL_SYS_REPLY_RECV, ep, NOTIFY, 0);
    script_add(&srv, AXL_SYS_REPLY, 0, 0x71, 2);
    KT_ASSERT_NE(kt_thread_spawn(script_thread, &srv, KT_PRIO_CHILD), NULL);
    kt_settle();
    script_reset(&cli);
    script_add(&cli, AXL_SYS_CALL, ep, 0x70, 1);
    KT_ASSERT_NE(kt_thread_spawn(script_thread, &cli, KT_PRIO_CHILD), NULL);
    kt_settle();
    KT_ASSERT_EQ(srv.done, 4); /* REPLY_RECV did not wait for a message */
    KT_EXPECT_OK(srv.err[0]);
    KT_EXPECT_ERR(srv.err[1], AXL_E_INVALID_ARGUMENT);
    KT_EXPECT_ERR(srv.err[2], AXL_E_INVALID_ARGUMENT);
    KT_EXPECT_OK(srv.err[3]); /* the reply capability was still there */
    KT_ASSERT_EQ(cli.done, 1);
    KT_EXPECT_OK(cli.err[0]);
    EXPECT_MSG(cli.out[0], 0x71, 2);
}

/* ------------------------------------------------------------ TCB_INFO */

KTEST(INF_001, "TCB_INFO of a new TCB reports INACTIVE, priority 0, no fault, and a thread number "
               "no other thread has")
{
    uint64_t t1 = kt_retype1(AXL_OBJ_TCB, 0), t2 = kt_retype1(AXL_OBJ_TCB, 0);
    struct axl_tcb_info i1, i2, root;

    KT_ASSERT_NE(t2, 0);
    KT_ASSERT_OK(axl_tcb_info(t1, &i1));
    KT_ASSERT_OK(axl_tcb_info(t2, &i2));
    KT_ASSERT_OK(axl_tcb_info(AXL_SLOT_TCB, &root));
    KT_EXPECT_EQ(i1.state, AXL_THREAD_INACTIVE);
    KT_EXPECT_EQ(i1.priority, 0);
    KT_EXPECT_EQ(i1.fault, 0);
    KT_EXPECT_EQ(i2.state, AXL_THREAD_INACTIVE);
    KT_EXPECT_NE(i1.id, i2.id);
    KT_EXPECT_NE(i1.id, root.id);
    KT_EXPECT_NE(i2.id, root.id);
}

KT_THREAD_CASE(INF_002, "TCB_INFO reports RUNNING with priority 255 for the root task itself, and "
                        "RUNNING with its priority for a started thread that has not run yet")
{
    static struct script s; /* no calls: the thread just ends */
    struct axl_tcb_info info;
    struct kt_thread *t;

    KT_ASSERT_OK(axl_tcb_info(AXL_SLOT_TCB, &info));
    KT_EXPECT_EQ(info.state, AXL_THREAD_RUNNING);
    KT_EXPECT_EQ(info.priority, KT_PRIO_ROOT);
    KT_EXPECT_EQ(info.fault, 0);
    script_reset(&s);
    t = kt_thread_spawn(script_thread, &s, 50);
    KT_ASSERT_NE(t, NULL);
    KT_ASSERT_OK(axl_tcb_info(t->tcb, &info));
    KT_EXPECT_EQ(info.state, AXL_THREAD_RUNNING);
    KT_EXPECT_EQ(info.priority, 50);
    KT_ASSERT_OK(axl_tcb_set_priority(t->tcb, 60, 60, 0));
    KT_ASSERT_OK(axl_tcb_info(t->tcb, &info));
    KT_EXPECT_EQ(info.priority, 60);
    KT_ASSERT_TRUE(kt_thread_join(t, KT_WAIT_MS));
    KT_EXPECT_EQ(state_of(t->tcb), AXL_THREAD_INACTIVE); /* it suspended itself */
}

KT_THREAD_CASE(INF_003, "TCB_INFO reports BLOCKED_SEND, BLOCKED_RECV and BLOCKED_NOTIFICATION for "
                        "threads blocked in SEND, RECV and WAIT, with their priorities; INACTIVE "
                        "once suspended")
{
    static struct script snd, rcv, wt;
    uint64_t ep1 = new_ep(), ep2 = new_ep(), n = new_ntfn();
    struct kt_thread *ts, *tr, *tw;
    struct axl_tcb_info info;

    KT_ASSERT_NE(n, 0);
    script_reset(&snd);
    script_add(&snd, AXL_SYS_SEND, ep1, 0x81, 1);
    script_reset(&rcv);
    script_add(&rcv, AXL_SYS_RECV, ep2, 0, 0);
    script_reset(&wt);
    script_add(&wt, AXL_SYS_WAIT, n, 0, 0);
    ts = kt_thread_spawn(script_thread, &snd, 30);
    tr = kt_thread_spawn(script_thread, &rcv, 40);
    tw = kt_thread_spawn(script_thread, &wt, 50);
    KT_ASSERT_TRUE(ts && tr && tw);
    kt_settle();
    KT_ASSERT_EQ(snd.done + rcv.done + wt.done, 0);
    KT_ASSERT_OK(axl_tcb_info(ts->tcb, &info));
    KT_EXPECT_EQ(info.state, AXL_THREAD_BLOCKED_SEND);
    KT_EXPECT_EQ(info.priority, 30);
    KT_EXPECT_EQ(info.fault, 0);
    KT_ASSERT_OK(axl_tcb_info(tr->tcb, &info));
    KT_EXPECT_EQ(info.state, AXL_THREAD_BLOCKED_RECV);
    KT_EXPECT_EQ(info.priority, 40);
    KT_ASSERT_OK(axl_tcb_info(tw->tcb, &info));
    KT_EXPECT_EQ(info.state, AXL_THREAD_BLOCKED_NOTIFICATION);
    KT_EXPECT_EQ(info.priority, 50);
    KT_ASSERT_OK(axl_tcb_suspend(tr->tcb));
    KT_EXPECT_EQ(state_of(tr->tcb), AXL_THREAD_INACTIVE);
}

KT_THREAD_CASE(INF_004, "TCB_INFO reports BLOCKED_REPLY for a caller whose call was received and "
                        "not yet answered (the server waiting on a notification meanwhile)")
{
    static struct script srv, cli;
    uint64_t ep = new_ep(), go = new_ntfn();
    struct kt_thread *ts, *tc;

    KT_ASSERT_NE(go, 0);
    script_reset(&srv);
    script_add(&srv, AXL_SYS_RECV, ep, 0, 0);
    script_add(&srv, AXL_SYS_WAIT, go, 0, 0);
    script_add(&srv, AXL_SYS_REPLY, 0, 0x91, 1);
    ts = kt_thread_spawn(script_thread, &srv, KT_PRIO_CHILD);
    KT_ASSERT_NE(ts, NULL);
    kt_settle();
    script_reset(&cli);
    script_add(&cli, AXL_SYS_CALL, ep, 0x90, 1);
    tc = kt_thread_spawn(script_thread, &cli, KT_PRIO_CHILD);
    KT_ASSERT_NE(tc, NULL);
    kt_settle();
    KT_ASSERT_EQ(srv.done, 1);
    KT_EXPECT_EQ(state_of(tc->tcb), AXL_THREAD_BLOCKED_REPLY);
    KT_EXPECT_EQ(state_of(ts->tcb), AXL_THREAD_BLOCKED_NOTIFICATION);
    KT_ASSERT_OK(axl_signal(go));
    kt_settle();
    KT_ASSERT_EQ(cli.done, 1);
    EXPECT_MSG(cli.out[0], 0x91, 1);
}

/* A thread that executes ud2 (#UD). */
static volatile int ud_before, ud_after;
static void ud_thread(void *arg)
{
    (void)arg;
    ud_before = 1;
    __asm__ volatile("ud2");
    ud_after = 1;
}

KT_THREAD_CASE(INF_005, "a thread stopped by ud2 reports FAULTED with fault INVALID_OPCODE before "
                        "and after its handler takes the fault message; answered with a label that "
                        "does not resume it, INACTIVE with fault 0")
{
    uint64_t ep = new_ep(), fep = kt_mint(ep, AXL_RIGHT_WRITE, 0x77);
    struct axl_tcb_info info;
    struct axl_msg m, no = axl_message(AXL_FAULT_RESUME + 1, 0);
    struct kt_thread *t;

    KT_ASSERT_NE(fep, 0);
    ud_before = ud_after = 0;
    t = kt_thread_create(ud_thread, NULL, KT_PRIO_CHILD, fep, 0);
    KT_ASSERT_NE(t, NULL);
    KT_ASSERT_OK(kt_thread_start(t));
    kt_settle();
    KT_ASSERT_EQ(ud_before, 1);
    KT_ASSERT_OK(axl_tcb_info(t->tcb, &info)); /* the fault message waits on the endpoint */
    KT_EXPECT_EQ(info.state, AXL_THREAD_FAULTED);
    KT_EXPECT_EQ(info.fault, AXL_FAULT_INVALID_OPCODE);
    KT_EXPECT_EQ(info.priority, KT_PRIO_CHILD);
    KT_ASSERT_OK(axl_nb_recv(ep, &m));
    KT_EXPECT_EQ(AXL_MSGINFO_LABEL(m.info), AXL_FAULT_INVALID_OPCODE);
    KT_EXPECT_EQ(m.badge, 0x77);
    KT_ASSERT_OK(axl_tcb_info(t->tcb, &info)); /* now it waits for the answer */
    KT_EXPECT_EQ(info.state, AXL_THREAD_FAULTED);
    KT_EXPECT_EQ(info.fault, AXL_FAULT_INVALID_OPCODE);
    KT_ASSERT_OK(axl_reply(&no));
    KT_ASSERT_OK(axl_tcb_info(t->tcb, &info));
    KT_EXPECT_EQ(info.state, AXL_THREAD_INACTIVE);
    KT_EXPECT_EQ(info.fault, 0);
    KT_EXPECT_EQ(ud_after, 0);
}

/* ------------------------------------------------------------ the kernel log */

/* The end of the kernel log: the position of the next byte it will log. */
static uint64_t log_end(void)
{
    struct axl_msg m = axl_message(0, 0);
    return axl_sys(AXL_SYS_LOG_READ, ~0ull, &m) == AXL_E_OK ? m.mr[0] : 0;
}

/* Byte i of a LOG_READ result m (MR2 on, little-endian). */
static uint8_t log_byte(const struct axl_msg *m, unsigned i)
{
    return (uint8_t)(axl_msg_get(m, 2 + i / 8) >> (8 * (i % 8)));
}

/*
 * Whether text occurs in the log between position from and the end (at
 * most sizeof(log_text) bytes are looked at).
 */
static char log_text[8192];
static bool log_contains(uint64_t from, const char *text)
{
    size_t have = 0, len = strlen(text);

    while (have < sizeof(log_text)) {
        uint64_t first;
        size_t n;
        if (axl_log_read(from + have, &first, log_text + have, sizeof(log_text) - have, &n) ||
            n == 0 || first != from + have) {
            break;
        }
        have += n;
    }
    for (size_t i = 0; i + len <= have; i++) {
        if (memcmp(log_text + i, text, len) == 0) {
            return true;
        }
    }
    return false;
}

KT_THREAD_CASE(INF_006, "a thread stopped by ud2 with no fault endpoint reports INACTIVE, and the "
                        "kernel's log line about the fault names it by TCB_INFO's thread number")
{
    struct axl_tcb_info info;
    struct kt_thread *t;
    char needle[48];
    uint64_t from = log_end();

    ud_before = ud_after = 0;
    t = kt_thread_spawn(ud_thread, NULL, KT_PRIO_CHILD);
    KT_ASSERT_NE(t, NULL);
    kt_settle();
    KT_ASSERT_EQ(ud_before, 1);
    KT_ASSERT_OK(axl_tcb_info(t->tcb, &info));
    KT_EXPECT_EQ(info.state, AXL_THREAD_INACTIVE);
    KT_EXPECT_EQ(info.fault, 0);
    KT_EXPECT_EQ(ud_after, 0);
    axl_snprintf(needle, sizeof(needle), "thread %llu: ", (unsigned long long)info.id);
    KT_EXPECT_TRUE(log_contains(from, needle));
}

KTEST(LOG_001, "a marker written with DEBUG_PUTS is in the log where it ended before, '\\n' as "
               "\"\\r\\n\", and LOG_READ there returns MR0 = that position and the bytes")
{
    char marker[64], logged[66];
    uint64_t end = log_end(), first;
    size_t len, n;

    len = (size_t)axl_snprintf(marker, sizeof(marker), "ktest LOG-001 marker %llx\n",
                               (unsigned long long)kt_now());
    KT_ASSERT_OK(axl_debug_puts(marker, len));
    KT_ASSERT_OK(axl_log_read(end, &first, logged, sizeof(logged), &n));
    KT_EXPECT_EQ(first, end);
    KT_ASSERT_EQ(n, len + 1);
    KT_EXPECT_EQ(memcmp(logged, marker, len - 1), 0);
    KT_EXPECT_EQ(logged[len - 1], '\r');
    KT_EXPECT_EQ(logged[len], '\n');
    KT_EXPECT_EQ(log_end(), end + len + 1);
    KT_ASSERT_OK(axl_log_read(end + 6, &first, logged, sizeof(logged), &n)); /* mid-marker */
    KT_EXPECT_EQ(first, end + 6);
    KT_EXPECT_EQ(n, len + 1 - 6);
    KT_EXPECT_EQ(memcmp(logged, marker + 6, len - 7), 0);
}

KTEST(LOG_002, "LOG_READ at or past the end of the log returns OK, count 0, no bytes, and MR0 = "
               "the end, however far past")
{
    static const uint64_t past[] = {0, 1, 4096, 1ull << 40, ~0ull};
    uint64_t end;

    KT_ASSERT_OK(axl_debug_puts("ktest LOG-002\n", 14));
    end = log_end();
    KT_ASSERT_NE(end, 0);
    for (unsigned i = 0; i < sizeof(past) / sizeof(past[0]); i++) {
        struct axl_msg m = axl_message(0, 0);
        uint64_t pos = end + past[i] < end ? ~0ull : end + past[i];
        KT_EXPECT_OK(axl_sys(AXL_SYS_LOG_READ, pos, &m));
        KT_EXPECT_EQ(m.mr[0], end);
        KT_EXPECT_EQ(m.mr[1], 0);
        KT_EXPECT_EQ(AXL_MSGINFO_LEN(m.info), 2);
        KT_EXPECT_EQ(AXL_MSGINFO_LABEL(m.info), 0);
    }
}

KTEST(LOG_003, "LOG_READ with an IPC buffer returns at most 928 bytes, packed little-endian from "
               "MR2 on, and the next read goes on where it stopped")
{
    static char text[1000];
    uint64_t end = log_end();
    struct axl_msg m = axl_message(0, 0);
    unsigned bad = 0;

    for (unsigned i = 0; i < sizeof(text) - 1; i++) {
        text[i] = (char)('A' + i % 26);
    }
    text[sizeof(text) - 1] = '\n'; /* logged as 999 letters and "\r\n": 1001 bytes */
    KT_ASSERT_OK(axl_debug_puts(text, sizeof(text)));
    KT_ASSERT_OK(axl_sys(AXL_SYS_LOG_READ, end, &m));
    KT_EXPECT_EQ(m.mr[0], end);
    KT_ASSERT_EQ(m.mr[1], LOG_MAX_BUF);
    KT_EXPECT_EQ(AXL_MSGINFO_LEN(m.info), AXL_MSG_MAX_WORDS);
    for (unsigned i = 0; i < LOG_MAX_BUF; i++) {
        bad += log_byte(&m, i) != (uint8_t)text[i];
    }
    KT_EXPECT_EQ(bad, 0);
    m = axl_message(0, 0);
    KT_ASSERT_OK(axl_sys(AXL_SYS_LOG_READ, end + LOG_MAX_BUF, &m));
    KT_EXPECT_EQ(m.mr[0], end + LOG_MAX_BUF);
    KT_ASSERT_EQ(m.mr[1], 1001 - LOG_MAX_BUF);
    KT_EXPECT_EQ(AXL_MSGINFO_LEN(m.info), 2 + (1001 - LOG_MAX_BUF + 7) / 8);
    KT_EXPECT_EQ(log_byte(&m, 0), (uint8_t)text[LOG_MAX_BUF]);
    KT_EXPECT_EQ(log_byte(&m, 1001 - LOG_MAX_BUF - 3), (uint8_t)text[sizeof(text) - 2]);
    KT_EXPECT_EQ(log_byte(&m, 1001 - LOG_MAX_BUF - 2), '\r');
    KT_EXPECT_EQ(log_byte(&m, 1001 - LOG_MAX_BUF - 1), '\n');
}

/* LOG_READ by a thread without an IPC buffer, registers only. */
struct bare_read {
    uint64_t pos;
    struct axl_msg out;
    long err;
    volatile int done;
};

static void bare_read_thread(void *arg)
{
    struct bare_read *r = arg;
    struct axl_msg m = axl_message(0, 0);

    r->err = axl_sys(AXL_SYS_LOG_READ, r->pos, &m);
    r->out = m;
    r->done = 1;
}

KT_THREAD_CASE(LOG_004, "a thread without an IPC buffer gets at most 16 bytes from LOG_READ, in "
                        "MR2 and MR3, and nothing is written to its IPC-buffer page")
{
    static struct bare_read r;
    static const char text[] = "ktest LOG-004: a line longer than sixteen bytes\n";
    struct kt_thread *t;
    const struct axl_ipc_buffer *page;
    unsigned bad = 0, written = 0;

    memset((void *)&r, 0, sizeof(r));
    r.err = -1;
    r.pos = log_end();
    KT_ASSERT_OK(axl_debug_puts(text, sizeof(text) - 1));
    t = kt_thread_create(bare_read_thread, &r, KT_PRIO_CHILD, 0, KT_NO_IPC_BUFFER);
    KT_ASSERT_NE(t, NULL);
    KT_ASSERT_OK(kt_thread_start(t));
    kt_settle();
    KT_ASSERT_EQ(r.done, 1);
    KT_EXPECT_OK(r.err);
    KT_EXPECT_EQ(r.out.mr[0], r.pos);
    KT_ASSERT_EQ(r.out.mr[1], LOG_MAX_REGS);
    KT_EXPECT_EQ(AXL_MSGINFO_LEN(r.out.info), AXL_MSG_REG_WORDS);
    for (unsigned i = 0; i < LOG_MAX_REGS; i++) {
        bad += (uint8_t)(r.out.mr[2 + i / 8] >> (8 * (i % 8))) != (uint8_t)text[i];
    }
    KT_EXPECT_EQ(bad, 0);
    page = (const struct axl_ipc_buffer *)t->ipc_addr; /* zeroed when the thread was made */
    for (unsigned i = 0; i < AXL_MSG_MAX_WORDS; i++) {
        written += page->mr[i] != 0;
    }
    KT_EXPECT_EQ(written, 0);
}

KTEST(LOG_005, "once more than 16 KiB has been logged, LOG_READ from 0 returns MR0 > 0, the oldest "
               "byte the ring holds, and reads on from there to the end")
{
    static const char filler[] = "ktest LOG-005 filler: logging past the 16 KiB ring so it wraps\n";
    static char a[LOG_MAX_BUF], b[LOG_MAX_BUF];
    uint64_t end, first, again, pos;
    size_t na, nb;

    /* The suite has usually logged that much already; if not, this makes sure. */
    unsigned lines = 2 * RING_BYTES / (sizeof(filler) - 1); /* a bound, should log_end be wrong */
    for (unsigned i = 0; i < lines && log_end() <= RING_BYTES + 1024; i++) {
        KT_ASSERT_OK(axl_debug_puts(filler, sizeof(filler) - 1));
    }
    KT_ASSERT_OK(axl_debug_puts("ktest LOG-005 last\n", 19));
    end = log_end();
    KT_ASSERT_TRUE(end > RING_BYTES + 1024);
    KT_ASSERT_OK(axl_log_read(0, &first, a, sizeof(a), &na));
    KT_EXPECT_TRUE(first > 0);
    KT_EXPECT_TRUE(first <= end && end - first <= RING_BYTES);
    KT_EXPECT_EQ(na, sizeof(a));
    KT_ASSERT_OK(axl_log_read(first, &again, b, sizeof(b), &nb)); /* the same bytes again */
    KT_EXPECT_EQ(again, first);
    KT_ASSERT_EQ(nb, na);
    KT_EXPECT_EQ(memcmp(a, b, na), 0);
    pos = first;
    for (unsigned i = 0; i < RING_BYTES / LOG_MAX_BUF + 2 && nb != 0; i++) {
        KT_ASSERT_OK(axl_log_read(pos, &again, b, sizeof(b), &nb));
        KT_ASSERT_EQ(again, pos); /* nothing read this way is lost */
        pos += nb;
    }
    KT_EXPECT_EQ(pos, end);
    KT_EXPECT_TRUE(log_contains(end - 20, "ktest LOG-005 last\r\n")); /* the end is the last line */
}

/* ------------------------------------------------------------ NTFN_SET_TIMER (KT-TMR-*) */

/* Polls n until its word is non-zero or `seconds` of TSC time have passed: the word, or 0. */
static uint64_t poll_for(uint64_t n, unsigned seconds)
{
    uint64_t end = kt_now() + kt_ticks_ms(seconds * 1000ull);
    uint64_t word;

    while (kt_now() < end) {
        if (axl_poll(n, &word) == AXL_E_OK) {
            return word;
        }
    }
    return 0;
}

KTEST(TMR_001, "NTFN_SET_TIMER signals its bits once the delay has passed, not before, and once")
{
    uint64_t n = new_ntfn(), word;

    KT_ASSERT_NE(n, 0);
    KT_ASSERT_OK(axl_ntfn_set_timer(n, 0x6, 30000));
    KT_EXPECT_ERR(axl_poll(n, &word), AXL_E_WOULD_BLOCK); /* 30 ms cannot have passed */
    KT_EXPECT_EQ(poll_for(n, 10), 0x6);
    KT_EXPECT_EQ(poll_for(n, 1), 0); /* one-shot: a second passes without another signal */
}

KTEST(TMR_002, "arming again replaces the earlier timer; a delay of 0 disarms it")
{
    uint64_t n = new_ntfn(), d = new_ntfn();

    KT_ASSERT_NE(d, 0);
    KT_ASSERT_OK(axl_ntfn_set_timer(n, 0x1, 20000));
    KT_ASSERT_OK(axl_ntfn_set_timer(n, 0x2, 20000)); /* replaces 0x1 */
    KT_EXPECT_EQ(poll_for(n, 10), 0x2);
    KT_ASSERT_OK(axl_ntfn_set_timer(d, 0x8, 20000));
    KT_ASSERT_OK(axl_ntfn_set_timer(d, 0, 0));
    KT_ASSERT_OK(axl_ntfn_set_timer(n, 0x4, 60000)); /* outlives d's 20 ms: d must stay quiet */
    KT_EXPECT_EQ(poll_for(n, 10), 0x4);
    uint64_t word;
    KT_EXPECT_ERR(axl_poll(d, &word), AXL_E_WOULD_BLOCK);
}

KTEST(TMR_003, "NTFN_SET_TIMER refuses bad arguments: no WRITE right, bits 0, over an hour, "
               "another object's capability")
{
    uint64_t n = new_ntfn(), ro = kt_mint(n, AXL_RIGHT_READ, 0), other = kt_retype1(AXL_OBJ_TCB, 0);

    KT_ASSERT_NE(ro, 0);
    KT_EXPECT_ERR(axl_ntfn_set_timer(ro, 1, 1000), AXL_E_INSUFFICIENT_RIGHTS);
    KT_EXPECT_ERR(axl_ntfn_set_timer(n, 0, 1000), AXL_E_INVALID_ARGUMENT);
    KT_EXPECT_ERR(axl_ntfn_set_timer(n, 1, 3600ull * 1000000 + 1), AXL_E_RANGE);
    KT_EXPECT_ERR(axl_ntfn_set_timer(other, 1, 1000), AXL_E_ILLEGAL_OPERATION); /* (a CALL on an
                                                         endpoint would be a message, not this) */
    KT_EXPECT_OK(axl_ntfn_set_timer(n, 0, 0)); /* disarming an unarmed timer is fine */
}

KTEST(TMR_004, "deleting an armed notification disarms it: the tick never touches freed memory, "
               "and other timers still fire")
{
    uint64_t a = new_ntfn(), b = new_ntfn(), c = new_ntfn();

    KT_ASSERT_NE(c, 0);
    KT_ASSERT_OK(axl_ntfn_set_timer(a, 1, 10000));
    KT_ASSERT_OK(axl_ntfn_set_timer(b, 1, 10000));
    KT_ASSERT_OK(axl_ntfn_set_timer(c, 1, 40000));
    KT_ASSERT_OK(axl_cnode_delete(ROOT, b)); /* from the middle of the list */
    KT_ASSERT_OK(axl_cnode_delete(ROOT, a));
    KT_EXPECT_EQ(poll_for(c, 10), 1);
    KT_EXPECT_EQ(axl_debug_check(), 0);
}
