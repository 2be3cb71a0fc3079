/* SPDX-License-Identifier: MIT */
/*
 * test_thread.c: thread objects (KT-TCB-*): what TCB_CONFIGURE,
 * TCB_SET_PRIORITY, TCB_WRITE_REGISTERS and TCB_RESUME refuse, reading
 * registers back, suspend and resume, yield and timer preemption among
 * equal priorities, preemption by priority, and what deleting a TCB
 * capability does to its thread.
 *
 * Timing: nothing here depends on how fast QEMU runs. Counting threads
 * bound their loops with a TSC deadline of their own; the root task
 * shares the CPU with them for a while (kt_run_at) and only compares
 * counts before and after. The preemption case waits for five turns each
 * (about 100 ms at 10 ms timeslices) and gives up only after 5 s.
 */
#include "thread.h"

#define ROOT AXL_SLOT_CNODE
#define RW (AXL_RIGHT_READ | AXL_RIGHT_WRITE)
#define KERNEL_ADDRESS 0xffffffff80000000ull
#define NON_CANONICAL 0x0000800000000000ull

/* A TCB with nothing configured. */
static uint64_t new_tcb(void) { return kt_retype1(AXL_OBJ_TCB, 0); }

/* ------------------------------------------------------------ configure */

KTEST(TCB_001, "TCB_CONFIGURE refuses a CSpace that is no CNode, a VSpace that is no PML4, a fault "
               "endpoint that is no endpoint and an IPC frame that is no frame: INVALID_CAPABILITY")
{
    uint64_t tcb = new_tcb(), ep = kt_retype1(AXL_OBJ_ENDPOINT, 0);
    uint64_t n = kt_retype1(AXL_OBJ_NOTIFICATION, 0), frame = kt_retype1(AXL_OBJ_FRAME, 0);
    const uint64_t buf = 0x10000;

    KT_ASSERT_NE(tcb, 0);
    KT_ASSERT_NE(frame, 0);
    KT_EXPECT_ERR(axl_tcb_configure(tcb, 0, ep, AXL_SLOT_VSPACE, buf, frame),
                  AXL_E_INVALID_CAPABILITY);
    KT_EXPECT_ERR(axl_tcb_configure(tcb, 0, kt_slot(), AXL_SLOT_VSPACE, buf, frame),
                  AXL_E_INVALID_CAPABILITY);
    KT_EXPECT_ERR(axl_tcb_configure(tcb, 0, ROOT, ROOT, buf, frame), AXL_E_INVALID_CAPABILITY);
    KT_EXPECT_ERR(axl_tcb_configure(tcb, n, ROOT, AXL_SLOT_VSPACE, buf, frame),
                  AXL_E_INVALID_CAPABILITY);
    KT_EXPECT_ERR(axl_tcb_configure(tcb, 0, ROOT, AXL_SLOT_VSPACE, buf, ep),
                  AXL_E_INVALID_CAPABILITY);
    /* None of them configured anything: the thread still cannot start. */
    KT_EXPECT_ERR(axl_tcb_resume(tcb), AXL_E_ILLEGAL_OPERATION);
}

KTEST(TCB_002, "an IPC buffer address that is not 1024-byte aligned fails with ALIGNMENT, one not "
               "below AXL_USER_TOP with RANGE; one at offset 0x400 of its page is accepted")
{
    uint64_t tcb = new_tcb(), frame = kt_retype1(AXL_OBJ_FRAME, 0);
    const uint64_t page = 0x10000;

    KT_ASSERT_NE(tcb, 0);
    KT_ASSERT_NE(frame, 0);
    KT_EXPECT_ERR(axl_tcb_configure(tcb, 0, ROOT, AXL_SLOT_VSPACE, page + 8, frame),
                  AXL_E_ALIGNMENT);
    KT_EXPECT_ERR(axl_tcb_configure(tcb, 0, ROOT, AXL_SLOT_VSPACE, page + 0x200, frame),
                  AXL_E_ALIGNMENT);
    KT_EXPECT_ERR(axl_tcb_configure(tcb, 0, ROOT, AXL_SLOT_VSPACE, AXL_USER_TOP, frame),
                  AXL_E_RANGE);
    KT_EXPECT_ERR(axl_tcb_configure(tcb, 0, ROOT, AXL_SLOT_VSPACE, 0xffff800000000000ull, frame),
                  AXL_E_RANGE);
    KT_EXPECT_ERR(axl_tcb_resume(tcb), AXL_E_ILLEGAL_OPERATION);
    KT_EXPECT_OK(axl_tcb_configure(tcb, 0, ROOT, AXL_SLOT_VSPACE, page + 0x400, frame));
    KT_EXPECT_OK(axl_tcb_configure(tcb, 0, ROOT, AXL_SLOT_VSPACE, page + 0xc00, frame));
}

/* The slot of the boot untyped of device memory with the most room, or 0. */
static uint64_t device_untyped(void)
{
    uint64_t best = 0;
    unsigned bits = 0;

    for (uint64_t i = 0; i < axl_bootinfo->untyped_count && i < AXL_BOOT_MAX_UNTYPED; i++) {
        const struct axl_boot_untyped *u = &axl_bootinfo->untyped[i];
        if (u->device && u->size_bits >= 12 && u->size_bits > bits) {
            bits = u->size_bits;
            best = axl_bootinfo->untyped_first + i;
        }
    }
    return best;
}

KTEST(TCB_003, "a frame of device memory is refused as IPC buffer (ILLEGAL_OPERATION), a frame "
               "capability without WRITE too (INSUFFICIENT_RIGHTS)")
{
    uint64_t tcb = new_tcb(), other = new_tcb(), frame = kt_retype1(AXL_OBJ_FRAME, 0);
    uint64_t dev_ut = device_untyped(), dev = kt_slot(), ro = kt_slot();
    const uint64_t buf = 0x10000;

    KT_ASSERT_NE(other, 0);
    KT_ASSERT_NE(frame, 0);
    KT_ASSERT_NE(dev_ut, 0);
    KT_ASSERT_OK(axl_untyped_retype(dev_ut, AXL_OBJ_FRAME, 0, ROOT, dev, 1));
    /* (a TCB of its own: if this wrongly succeeds, the checks below are not disturbed) */
    KT_EXPECT_ERR(axl_tcb_configure(other, 0, ROOT, AXL_SLOT_VSPACE, buf, dev),
                  AXL_E_ILLEGAL_OPERATION);
    KT_ASSERT_OK(axl_cnode_copy(ROOT, ro, ROOT, frame, AXL_RIGHT_READ));
    KT_EXPECT_ERR(axl_tcb_configure(tcb, 0, ROOT, AXL_SLOT_VSPACE, buf, ro),
                  AXL_E_INSUFFICIENT_RIGHTS);
    KT_EXPECT_ERR(axl_tcb_resume(tcb), AXL_E_ILLEGAL_OPERATION);
    KT_EXPECT_OK(axl_tcb_configure(tcb, 0, ROOT, AXL_SLOT_VSPACE, buf, frame));
}

KTEST(TCB_004, "a fault endpoint capability without WRITE is refused with INSUFFICIENT_RIGHTS")
{
    uint64_t tcb = new_tcb(), ep = kt_retype1(AXL_OBJ_ENDPOINT, 0), ro = kt_slot();

    KT_ASSERT_NE(tcb, 0);
    KT_ASSERT_NE(ep, 0);
    KT_ASSERT_OK(axl_cnode_mint(ROOT, ro, ROOT, ep, AXL_RIGHT_READ | AXL_RIGHT_GRANT, 7));
    KT_EXPECT_ERR(axl_tcb_configure(tcb, ro, ROOT, AXL_SLOT_VSPACE, 0, 0),
                  AXL_E_INSUFFICIENT_RIGHTS);
    KT_EXPECT_ERR(axl_tcb_resume(tcb), AXL_E_ILLEGAL_OPERATION);
    KT_EXPECT_OK(axl_tcb_configure(tcb, ep, ROOT, AXL_SLOT_VSPACE, 0, 0));
}

/* ------------------------------------------------------------ priorities */

/* Run by a thread at priority and MCP 50: what it may do to another TCB. */
struct mcp_try {
    uint64_t victim;
    volatile long above_prio, above_mcp, at_limit, below;
};

static void mcp_thread(void *arg)
{
    struct mcp_try *m = arg;
    m->above_prio = axl_tcb_set_priority(m->victim, 51, 0, 0);
    m->above_mcp = axl_tcb_set_priority(m->victim, 10, 51, 0);
    m->at_limit = axl_tcb_set_priority(m->victim, 50, 50, 0);
    m->below = axl_tcb_set_priority(m->victim, 10, 0, 0);
}

KT_THREAD_CASE(TCB_005, "a thread cannot give a priority or MCP above its own MCP: "
                        "INSUFFICIENT_RIGHTS; up to it is fine")
{
    static struct mcp_try m;
    struct kt_thread *t;

    m.victim = new_tcb();
    m.above_prio = m.above_mcp = m.at_limit = m.below = -1;
    KT_ASSERT_NE(m.victim, 0);
    t = kt_thread_spawn(mcp_thread, &m, 50);
    KT_ASSERT_NE(t, NULL);
    KT_ASSERT_TRUE(kt_thread_join(t, KT_WAIT_MS));
    KT_EXPECT_ERR(m.above_prio, AXL_E_INSUFFICIENT_RIGHTS);
    KT_EXPECT_ERR(m.above_mcp, AXL_E_INSUFFICIENT_RIGHTS);
    KT_EXPECT_OK(m.at_limit);
    KT_EXPECT_OK(m.below);
}

KTEST(TCB_006, "a priority or MCP of AXL_PRIORITIES or more, or a timeslice over 10 s, fails with "
               "RANGE")
{
    uint64_t tcb = new_tcb();

    KT_ASSERT_NE(tcb, 0);
    KT_EXPECT_ERR(axl_tcb_set_priority(tcb, AXL_PRIORITIES, 0, 0), AXL_E_RANGE);
    KT_EXPECT_ERR(axl_tcb_set_priority(tcb, 0, AXL_PRIORITIES, 0), AXL_E_RANGE);
    KT_EXPECT_ERR(axl_tcb_set_priority(tcb, 10, 10, 10000001), AXL_E_RANGE);
    KT_EXPECT_OK(axl_tcb_set_priority(tcb, 10, 10, 10000000));
    KT_EXPECT_OK(axl_tcb_set_priority(tcb, AXL_PRIORITIES - 1, AXL_PRIORITIES - 1, 0));
}

/* ------------------------------------------------------------ registers, resume */

KTEST(TCB_007, "TCB_RESUME of a TCB never configured fails with ILLEGAL_OPERATION; TCB_SUSPEND of "
               "it succeeds")
{
    uint64_t tcb = new_tcb();
    struct axl_tcb_regs regs;

    KT_ASSERT_NE(tcb, 0);
    KT_EXPECT_ERR(axl_tcb_resume(tcb), AXL_E_ILLEGAL_OPERATION);
    KT_EXPECT_OK(axl_tcb_suspend(tcb));
    KT_EXPECT_ERR(axl_tcb_resume(tcb), AXL_E_ILLEGAL_OPERATION);
    KT_ASSERT_OK(axl_tcb_read_registers(tcb, &regs));
    KT_EXPECT_EQ(regs.rip, 0);
}

KTEST(TCB_008, "TCB_WRITE_REGISTERS with a RIP or RSP not below AXL_USER_TOP (kernel, "
               "non-canonical, top page) fails with INVALID_ARGUMENT and changes no register")
{
    uint64_t tcb = new_tcb();
    struct axl_tcb_regs regs;

    KT_ASSERT_NE(tcb, 0);
    KT_ASSERT_OK(axl_tcb_write_registers(tcb, 0x401000, 0x7ff0, 0x11, 0x22, 0));
    KT_EXPECT_ERR(axl_tcb_write_registers(tcb, KERNEL_ADDRESS, 0x7ff0, 1, 2, 0),
                  AXL_E_INVALID_ARGUMENT);
    KT_EXPECT_ERR(axl_tcb_write_registers(tcb, 0x401000, KERNEL_ADDRESS, 1, 2, 0),
                  AXL_E_INVALID_ARGUMENT);
    KT_EXPECT_ERR(axl_tcb_write_registers(tcb, NON_CANONICAL, 0x7ff0, 1, 2, 0),
                  AXL_E_INVALID_ARGUMENT);
    KT_EXPECT_ERR(axl_tcb_write_registers(tcb, 0x401000, NON_CANONICAL, 1, 2, 0),
                  AXL_E_INVALID_ARGUMENT);
    /* the top user page is never mapped: not a place to run or keep a stack */
    KT_EXPECT_ERR(axl_tcb_write_registers(tcb, AXL_USER_TOP, 0x7ff0, 1, 2, 0),
                  AXL_E_INVALID_ARGUMENT);
    KT_EXPECT_ERR(axl_tcb_write_registers(tcb, 0x401000, AXL_USER_TOP + 8, 1, 2, 0),
                  AXL_E_INVALID_ARGUMENT);
    KT_ASSERT_OK(axl_tcb_read_registers(tcb, &regs));
    KT_EXPECT_EQ(regs.rip, 0x401000);
    KT_EXPECT_EQ(regs.rsp, 0x7ff0);
    KT_EXPECT_EQ(regs.rdi, 0x11);
    KT_EXPECT_EQ(regs.rsi, 0x22);
}

KTEST(TCB_009, "TCB_READ_REGISTERS returns what TCB_WRITE_REGISTERS set; of RFLAGS only the user "
               "bits stay, with IF and bit 1 always set")
{
    uint64_t tcb = new_tcb();
    struct axl_tcb_regs regs;
    /* CF, TF, AC (user bits); IOPL 3, NT, and IF clear (not the user's to choose) */
    const uint64_t asked = 0x1 | 0x100 | 0x40000 | 0x3000 | 0x4000;

    KT_ASSERT_NE(tcb, 0);
    KT_ASSERT_OK(axl_tcb_write_registers(tcb, 0x402345, 0x7fffe8, 0xaaaa5555aaaa5555ull,
                                         0x123456789abcdefull, asked));
    KT_ASSERT_OK(axl_tcb_read_registers(tcb, &regs));
    KT_EXPECT_EQ(regs.rip, 0x402345);
    KT_EXPECT_EQ(regs.rsp, 0x7fffe8);
    KT_EXPECT_EQ(regs.rdi, 0xaaaa5555aaaa5555ull);
    KT_EXPECT_EQ(regs.rsi, 0x123456789abcdefull);
    KT_EXPECT_EQ(regs.rflags, 0x1 | 0x100 | 0x40000 | 0x200 | 0x2);
    KT_EXPECT_EQ(regs.rax, 0);
}

/* ------------------------------------------------------------ running threads */

/* Counts while it runs, yielding each time, until told to stop or its deadline. */
struct counter {
    volatile uint64_t count;
    volatile int stop;
    uint64_t deadline;
};

static void counter_thread(void *arg)
{
    struct counter *c = arg;
    while (!c->stop && kt_now() < c->deadline) {
        c->count++;
        axl_yield();
    }
}

static void counter_init(struct counter *c)
{
    memset((void *)c, 0, sizeof(*c));
    c->deadline = kt_now() + kt_ticks_ms(10000);
}

#define SHARE_MS 30 /* time the root task shares the CPU with a counter */

KT_THREAD_CASE(TCB_010, "a suspended thread does not run; resumed, it goes on from where it was")
{
    static struct counter c;
    struct kt_thread *t;
    uint64_t before;

    counter_init(&c);
    t = kt_thread_spawn(counter_thread, &c, KT_PRIO_CHILD);
    KT_ASSERT_NE(t, NULL);
    kt_run_at(KT_PRIO_CHILD, SHARE_MS);
    KT_ASSERT_NE(c.count, 0);
    KT_ASSERT_OK(axl_tcb_suspend(t->tcb));
    before = c.count;
    kt_run_at(KT_PRIO_CHILD, SHARE_MS);
    KT_EXPECT_EQ(c.count, before);
    KT_ASSERT_OK(axl_tcb_resume(t->tcb));
    kt_run_at(KT_PRIO_CHILD, SHARE_MS);
    KT_EXPECT_TRUE(c.count > before);
    c.stop = 1;
    KT_EXPECT_TRUE(kt_thread_join(t, KT_WAIT_MS));
}

KT_THREAD_CASE(TCB_011,
               "resuming a running thread and suspending a thread twice change nothing but "
               "its state: both succeed and it counts on once resumed")
{
    static struct counter c;
    struct kt_thread *t;
    uint64_t before;

    counter_init(&c);
    t = kt_thread_spawn(counter_thread, &c, KT_PRIO_CHILD);
    KT_ASSERT_NE(t, NULL);
    KT_EXPECT_OK(axl_tcb_resume(t->tcb)); /* already runnable */
    kt_run_at(KT_PRIO_CHILD, SHARE_MS);
    KT_ASSERT_NE(c.count, 0);
    KT_EXPECT_OK(axl_tcb_suspend(t->tcb));
    KT_EXPECT_OK(axl_tcb_suspend(t->tcb));
    before = c.count;
    kt_run_at(KT_PRIO_CHILD, SHARE_MS);
    KT_EXPECT_EQ(c.count, before);
    KT_EXPECT_OK(axl_tcb_resume(t->tcb));
    KT_EXPECT_OK(axl_tcb_resume(t->tcb));
    kt_run_at(KT_PRIO_CHILD, SHARE_MS);
    KT_EXPECT_TRUE(c.count > before);
    c.stop = 1;
    KT_EXPECT_TRUE(kt_thread_join(t, KT_WAIT_MS));
}

/* Two threads that take turns through YIELD, writing their letter into a shared log. */
#define TURNS 20
static char turn_log[2 * TURNS + 1];
static volatile unsigned turn_pos;

static void turn_thread(void *arg)
{
    char letter = (char)(uintptr_t)arg;
    for (unsigned i = 0; i < TURNS; i++) {
        if (turn_pos < 2 * TURNS) {
            turn_log[turn_pos++] = letter;
        }
        axl_yield();
    }
}

KT_THREAD_CASE(TCB_012, "YIELD hands the CPU to the next thread of the same priority: two yielding "
                        "threads strictly alternate")
{
    struct kt_thread *a, *b;
    char want[2 * TURNS + 1];

    memset(turn_log, 0, sizeof(turn_log));
    turn_pos = 0;
    a = kt_thread_create(turn_thread, (void *)(uintptr_t)'A', KT_PRIO_CHILD, 0, 0);
    b = kt_thread_create(turn_thread, (void *)(uintptr_t)'B', KT_PRIO_CHILD, 0, 0);
    KT_ASSERT_NE(a, NULL);
    KT_ASSERT_NE(b, NULL);
    /* Timeslices of 10 s: no timer preemption can come between a write and its YIELD. */
    KT_ASSERT_OK(axl_tcb_set_priority(a->tcb, KT_PRIO_CHILD, KT_PRIO_CHILD, 10000000));
    KT_ASSERT_OK(axl_tcb_set_priority(b->tcb, KT_PRIO_CHILD, KT_PRIO_CHILD, 10000000));
    KT_ASSERT_OK(kt_thread_start(a));
    KT_ASSERT_OK(kt_thread_start(b));
    KT_ASSERT_TRUE(kt_thread_join(a, KT_WAIT_MS));
    KT_ASSERT_TRUE(kt_thread_join(b, KT_WAIT_MS));
    for (unsigned i = 0; i < 2 * TURNS; i++) {
        want[i] = (i % 2) ? 'B' : 'A';
    }
    want[2 * TURNS] = 0;
    turn_log[2 * TURNS] = 0;
    if (strcmp(turn_log, want) != 0) {
        kt_fail(__FILE__, __LINE__, "the turns were %s, expected %s", turn_log, want);
    }
}

/*
 * Spins without yielding, noting each time the other one moved on, until
 * both have seen SWITCHES such turns or a deadline passes.
 */
#define SWITCHES 5
struct spinner {
    volatile uint64_t count;
    volatile uint64_t *other;
    volatile unsigned switches; /* times the other's count changed between two of our steps */
    volatile unsigned *other_switches;
    uint64_t deadline;
};

static void spinner_thread(void *arg)
{
    struct spinner *s = arg;
    uint64_t last = *s->other;
    while ((s->switches < SWITCHES || *s->other_switches < SWITCHES) && kt_now() < s->deadline) {
        s->count++;
        uint64_t now = *s->other;
        if (now != last) {
            s->switches++;
            last = now;
        }
    }
}

KT_THREAD_CASE(TCB_013, "the timer preempts a busy thread at the end of its timeslice: two busy "
                        "threads of equal priority that never yield take turns")
{
    static struct spinner a, b;
    struct kt_thread *ta, *tb;

    memset((void *)&a, 0, sizeof(a));
    memset((void *)&b, 0, sizeof(b));
    a.other = &b.count;
    b.other = &a.count;
    a.other_switches = &b.switches;
    b.other_switches = &a.switches;
    KT_ASSERT_NE(axl_bootinfo->clock_hz, 0); /* no tick, no preemption to test */
    ta = kt_thread_create(spinner_thread, &a, KT_PRIO_CHILD, 0, 0);
    tb = kt_thread_create(spinner_thread, &b, KT_PRIO_CHILD, 0, 0);
    KT_ASSERT_NE(ta, NULL);
    KT_ASSERT_NE(tb, NULL);
    /* At 10 ms timeslices the turns take about 100 ms; without preemption, a spins alone
     * until the deadline and has seen no turn of b's. */
    a.deadline = b.deadline = kt_now() + kt_ticks_ms(5000);
    KT_ASSERT_OK(kt_thread_start(ta));
    KT_ASSERT_OK(kt_thread_start(tb));
    KT_ASSERT_TRUE(kt_thread_join(ta, 15000));
    KT_ASSERT_TRUE(kt_thread_join(tb, 15000));
    KT_EXPECT_TRUE(a.switches >= SWITCHES);
    KT_EXPECT_TRUE(b.switches >= SWITCHES);
}

/* Resumes hi (higher priority than itself) and lo (lower), noting whether each ran meanwhile. */
struct resumer {
    uint64_t hi, lo;
    volatile int hi_ran, lo_ran;
    volatile int seen_hi, seen_lo;
    volatile long err_hi, err_lo;
};
static struct resumer res;

static void mark_hi(void *arg)
{
    (void)arg;
    res.hi_ran = 1;
}
static void mark_lo(void *arg)
{
    (void)arg;
    res.lo_ran = 1;
}

static void resumer_thread(void *arg)
{
    (void)arg;
    res.err_hi = axl_tcb_resume(res.hi);
    res.seen_hi = res.hi_ran;
    res.err_lo = axl_tcb_resume(res.lo);
    res.seen_lo = res.lo_ran;
}

KT_THREAD_CASE(TCB_014, "a thread resumed by a lower-priority thread runs before TCB_RESUME "
                        "returns; one of lower priority does not")
{
    struct kt_thread *hi, *lo, *r;

    memset((void *)&res, 0, sizeof(res));
    res.seen_hi = res.seen_lo = -1;
    hi = kt_thread_create(mark_hi, NULL, 80, 0, 0);
    lo = kt_thread_create(mark_lo, NULL, 20, 0, 0);
    KT_ASSERT_NE(hi, NULL);
    KT_ASSERT_NE(lo, NULL);
    res.hi = hi->tcb;
    res.lo = lo->tcb;
    r = kt_thread_spawn(resumer_thread, NULL, 50);
    KT_ASSERT_NE(r, NULL);
    kt_settle();
    KT_ASSERT_TRUE(r->finished);
    KT_EXPECT_OK(res.err_hi);
    KT_EXPECT_OK(res.err_lo);
    KT_EXPECT_EQ(res.seen_hi, 1);
    KT_EXPECT_EQ(res.seen_lo, 0);
    KT_EXPECT_EQ(res.lo_ran, 1); /* later, once the resumer was done */
}

/* Lowers its own priority below a waiting thread's, noting whether that one ran meanwhile. */
struct lowerer {
    uint64_t self;
    volatile int other_ran, seen;
    volatile long err;
};
static struct lowerer low;

static void other_thread(void *arg)
{
    (void)arg;
    low.other_ran = 1;
}

static void lowerer_thread(void *arg)
{
    (void)arg;
    low.err = axl_tcb_set_priority(low.self, 40, 40, 0);
    low.seen = low.other_ran;
}

KT_THREAD_CASE(TCB_015,
               "a thread that lowers its priority below a ready thread's lets that one run "
               "before TCB_SET_PRIORITY returns")
{
    struct kt_thread *l, *o;

    memset((void *)&low, 0, sizeof(low));
    low.seen = -1;
    o = kt_thread_spawn(other_thread, NULL, 50);
    l = kt_thread_create(lowerer_thread, NULL, 60, 0, 0);
    KT_ASSERT_NE(o, NULL);
    KT_ASSERT_NE(l, NULL);
    low.self = l->tcb;
    KT_ASSERT_OK(kt_thread_start(l));
    kt_settle();
    KT_ASSERT_TRUE(l->finished);
    KT_EXPECT_OK(low.err);
    KT_EXPECT_EQ(low.seen, 1);
}

/* Notes the order in which threads first ran. */
static volatile unsigned run_seq;
static volatile unsigned run_order[2];

static void order_thread(void *arg) { run_order[(uintptr_t)arg] = ++run_seq; }

KT_THREAD_CASE(TCB_016, "raising the priority of a thread waiting in the ready queue lets it run "
                        "before a thread it used to follow")
{
    struct kt_thread *a, *b;

    run_seq = 0;
    run_order[0] = run_order[1] = 0;
    a = kt_thread_spawn(order_thread, (void *)0, 50);
    b = kt_thread_spawn(order_thread, (void *)1, 60);
    KT_ASSERT_NE(a, NULL);
    KT_ASSERT_NE(b, NULL);
    KT_ASSERT_OK(axl_tcb_set_priority(a->tcb, 70, 70, 0)); /* a is queued: it must move */
    kt_settle();
    KT_EXPECT_EQ(run_order[0], 1);
    KT_EXPECT_EQ(run_order[1], 2);
}

/* ------------------------------------------------------------ deleting threads */

KT_THREAD_CASE(TCB_017, "deleting the last capability to a running thread's TCB stops it for good")
{
    static struct counter c;
    struct kt_thread *t;
    struct axl_cap_info info;
    uint64_t before;

    counter_init(&c);
    t = kt_thread_spawn(counter_thread, &c, KT_PRIO_CHILD);
    KT_ASSERT_NE(t, NULL);
    kt_run_at(KT_PRIO_CHILD, SHARE_MS);
    KT_ASSERT_NE(c.count, 0);
    KT_ASSERT_OK(axl_cnode_delete(ROOT, t->tcb));
    KT_ASSERT_TRUE(kt_inspect(t->tcb, &info));
    KT_EXPECT_EQ(info.type, AXL_OBJ_NULL);
    before = c.count;
    kt_run_at(KT_PRIO_CHILD, SHARE_MS);
    kt_settle();
    KT_EXPECT_EQ(c.count, before);
    KT_EXPECT_EQ(t->finished, 0);
    c.stop = 1;
}

KT_THREAD_CASE(TCB_018, "deleting a copy of a TCB capability leaves the thread running")
{
    static struct counter c;
    struct kt_thread *t;
    uint64_t copy = kt_slot(), before;

    counter_init(&c);
    t = kt_thread_spawn(counter_thread, &c, KT_PRIO_CHILD);
    KT_ASSERT_NE(t, NULL);
    KT_ASSERT_OK(axl_cnode_copy(ROOT, copy, ROOT, t->tcb, AXL_RIGHTS_ALL));
    kt_run_at(KT_PRIO_CHILD, SHARE_MS);
    KT_ASSERT_OK(axl_cnode_delete(ROOT, copy));
    before = c.count;
    kt_run_at(KT_PRIO_CHILD, SHARE_MS);
    KT_EXPECT_TRUE(c.count > before);
    c.stop = 1;
    KT_EXPECT_TRUE(kt_thread_join(t, KT_WAIT_MS));
}

/* Deletes its own last TCB capability; nothing after that may run. */
struct selfdel {
    uint64_t tcb;
    volatile int before, after;
    volatile long err;
};

static void selfdel_thread(void *arg)
{
    struct selfdel *s = arg;
    s->before = 1;
    s->err = axl_cnode_delete(ROOT, s->tcb);
    s->after = 1;
}

KT_THREAD_CASE(TCB_019, "a thread that deletes its own last TCB capability stops inside that call, "
                        "and the kernel goes on")
{
    static struct selfdel s;
    struct kt_thread *t;
    struct axl_cap_info info;

    memset((void *)&s, 0, sizeof(s));
    s.err = -1;
    t = kt_thread_create(selfdel_thread, &s, KT_PRIO_CHILD, 0, 0);
    KT_ASSERT_NE(t, NULL);
    s.tcb = t->tcb;
    KT_ASSERT_OK(kt_thread_start(t));
    kt_settle();
    KT_EXPECT_EQ(s.before, 1);
    KT_EXPECT_EQ(s.after, 0);
    KT_EXPECT_EQ(s.err, -1); /* the call never returned */
    KT_ASSERT_TRUE(kt_inspect(t->tcb, &info));
    KT_EXPECT_EQ(info.type, AXL_OBJ_NULL);
    KT_EXPECT_OK(axl_yield());
}

/* Receives once on ep, noting the error and message. */
struct receiver {
    uint64_t ep;
    volatile long err;
    volatile int ready, done;
    struct axl_msg m;
};

static void receiver_thread(void *arg)
{
    struct receiver *r = arg;
    struct axl_msg m;
    r->ready = 1;
    r->err = axl_recv(r->ep, &m);
    r->m = m;
    r->done = 1;
}

KT_THREAD_CASE(TCB_020,
               "a thread suspended while blocked in RECV is taken off the endpoint; resumed, "
               "its RECV ends with ABORTED or waits again (never a bogus error)")
{
    static struct receiver r;
    struct kt_thread *t;
    struct axl_msg m = axl_message(0x20, 1);

    memset((void *)&r, 0, sizeof(r));
    r.ep = kt_retype1(AXL_OBJ_ENDPOINT, 0);
    r.err = -1;
    KT_ASSERT_NE(r.ep, 0);
    t = kt_thread_spawn(receiver_thread, &r, KT_PRIO_CHILD);
    KT_ASSERT_NE(t, NULL);
    kt_settle();
    KT_ASSERT_EQ(r.ready, 1);
    KT_ASSERT_OK(axl_tcb_suspend(t->tcb));
    KT_EXPECT_ERR(axl_nb_send(r.ep, &m), AXL_E_WOULD_BLOCK); /* no longer a receiver */
    KT_ASSERT_OK(axl_tcb_resume(t->tcb));
    kt_settle();
    if (r.done) {
        KT_EXPECT_ERR(r.err, AXL_E_ABORTED);
    } else {
        /* The call was restarted: the thread is a receiver again. */
        KT_EXPECT_OK(axl_nb_send(r.ep, &m));
        kt_settle();
        KT_ASSERT_EQ(r.done, 1);
        KT_EXPECT_OK(r.err);
        KT_EXPECT_EQ(AXL_MSGINFO_LABEL(r.m.info), 0x20);
    }
}

/*
 * The thread's CSpace below: a CNode of radix 4 with a 48-bit guard of 0, so
 * a cptr's bits 12..15 pick the slot (docs/abi.md, CSpace addressing).
 */
#define OTHER_CPTR(slot) ((uint64_t)(slot) << 12)

/* Sends through slot 1 of its own CSpace, and tries a root CNode slot number. */
struct other_space {
    uint64_t foreign; /* a slot of the root CNode: names slot 0 (empty) of the thread's CSpace */
    volatile long err_foreign, err_send;
};

static void other_space_thread(void *arg)
{
    struct other_space *o = arg;
    struct axl_msg m = axl_message(0x21, 1);
    m.mr[0] = 0x2121;
    o->err_foreign = axl_nb_send(o->foreign, &m);
    o->err_send = axl_send(OTHER_CPTR(1), &m);
}

KT_THREAD_CASE(TCB_021, "a thread configured with another CNode as its CSpace resolves its cptrs "
                        "there, not in the root task's CNode")
{
    static struct other_space o;
    struct kt_thread *t;
    uint64_t cn = kt_retype1(AXL_OBJ_CNODE, 4), guarded = kt_slot();
    uint64_t ep = kt_retype1(AXL_OBJ_ENDPOINT, 0);
    struct axl_msg m;

    KT_ASSERT_NE(cn, 0);
    KT_ASSERT_NE(ep, 0);
    KT_ASSERT_TRUE(ep < (1u << 12)); /* a root slot number: below bit 12, it means slot 0 there */
    KT_ASSERT_OK(axl_cnode_mint(ROOT, guarded, ROOT, cn, AXL_RIGHTS_ALL, 48));
    KT_ASSERT_OK(axl_cnode_mint(cn, 1, ROOT, ep, AXL_RIGHT_WRITE, 0x77));
    o.foreign = ep;
    o.err_foreign = o.err_send = -1;
    t = kt_thread_create(other_space_thread, &o, KT_PRIO_CHILD, 0, 0);
    KT_ASSERT_NE(t, NULL);
    KT_ASSERT_OK(axl_cnode_copy(cn, 2, ROOT, t->tcb, AXL_RIGHTS_ALL));
    t->exit_cptr = OTHER_CPTR(2); /* how it suspends itself at the end, in its own CSpace */
    KT_ASSERT_OK(axl_tcb_configure(t->tcb, 0, guarded, AXL_SLOT_VSPACE, t->ipc_addr, t->ipc_frame));
    KT_ASSERT_OK(kt_thread_start(t));
    KT_ASSERT_OK(kt_recv_timeout(ep, &m, KT_WAIT_MS));
    KT_EXPECT_EQ(AXL_MSGINFO_LABEL(m.info), 0x21);
    KT_EXPECT_EQ(m.mr[0], 0x2121);
    KT_EXPECT_EQ(m.badge, 0x77);
    KT_ASSERT_TRUE(kt_thread_join(t, KT_WAIT_MS));
    KT_EXPECT_ERR(o.err_foreign, AXL_E_INVALID_CAPABILITY);
    KT_EXPECT_OK(o.err_send);
}

KT_THREAD_CASE(TCB_022, "an IPC buffer at offset 0x400 of its frame is where the kernel puts the "
                        "words MR4 and up of a message the thread receives")
{
    static struct receiver r;
    struct kt_thread *t;
    struct axl_msg m = axl_message(0x22, 6);
    volatile uint64_t *page;

    memset((void *)&r, 0, sizeof(r));
    r.ep = kt_retype1(AXL_OBJ_ENDPOINT, 0);
    KT_ASSERT_NE(r.ep, 0);
    t = kt_thread_create(receiver_thread, &r, KT_PRIO_CHILD, 0, 0);
    KT_ASSERT_NE(t, NULL);
    KT_ASSERT_OK(
        axl_tcb_configure(t->tcb, 0, ROOT, AXL_SLOT_VSPACE, t->ipc_addr + 0x400, t->ipc_frame));
    KT_ASSERT_OK(kt_thread_start(t));
    kt_settle();
    KT_ASSERT_EQ(r.ready, 1);
    KT_ASSERT_OK(axl_msg_set(&m, 4, 0x4444));
    KT_ASSERT_OK(axl_msg_set(&m, 5, 0x5555));
    KT_ASSERT_OK(axl_nb_send(r.ep, &m));
    kt_settle();
    KT_ASSERT_EQ(r.done, 1);
    KT_EXPECT_EQ(AXL_MSGINFO_LEN(r.m.info), 6);
    page = (volatile uint64_t *)t->ipc_addr;
    KT_EXPECT_EQ(page[0x400 / 8 + 4], 0x4444);
    KT_EXPECT_EQ(page[0x400 / 8 + 5], 0x5555);
    KT_EXPECT_EQ(page[4], 0); /* not at offset 0 */
}

/* Reads another thread's registers with a raw CALL (libipc would read MR4 from the root's buffer).
 */
struct reader {
    uint64_t tcb;
    volatile long err;
};

static void reader_thread(void *arg)
{
    struct reader *r = arg;
    struct axl_msg m = axl_message(AXL_INV_TCB_READ_REGISTERS, 0);
    r->err = axl_call(r->tcb, &m);
}

KT_THREAD_CASE(TCB_023, "TCB_READ_REGISTERS from a thread without an IPC buffer fails with "
                        "NO_IPC_BUFFER (its results need MR4 and MR5)")
{
    static struct reader r;
    struct kt_thread *t;

    r.tcb = new_tcb();
    r.err = -1;
    KT_ASSERT_NE(r.tcb, 0);
    t = kt_thread_create(reader_thread, &r, KT_PRIO_CHILD, 0, KT_NO_IPC_BUFFER);
    KT_ASSERT_NE(t, NULL);
    KT_ASSERT_OK(kt_thread_start(t));
    KT_ASSERT_TRUE(kt_thread_join(t, KT_WAIT_MS));
    KT_EXPECT_ERR(r.err, AXL_E_NO_IPC_BUFFER);
}

/* A thread left at a new TCB's priority and MCP (0, 0): notes that it ran, tries its MCP. */
struct newborn {
    uint64_t victim;
    volatile int ran;
    volatile long raise_prio, raise_mcp, zero;
};

static void newborn_thread(void *arg)
{
    struct newborn *n = arg;
    n->ran = 1;
    n->raise_prio = axl_tcb_set_priority(n->victim, 1, 0, 0);
    n->raise_mcp = axl_tcb_set_priority(n->victim, 0, 1, 0);
    n->zero = axl_tcb_set_priority(n->victim, 0, 0, 0);
}

KT_THREAD_CASE(TCB_024,
               "a new TCB has priority 0 and MCP 0: it runs only when nothing of priority 1 "
               "can, and cannot give anyone a priority or MCP above 0")
{
    static struct newborn n;
    struct kt_thread *t;

    memset((void *)&n, 0, sizeof(n));
    n.victim = new_tcb();
    n.raise_prio = n.raise_mcp = n.zero = -1;
    KT_ASSERT_NE(n.victim, 0);
    t = kt_thread_create(newborn_thread, &n, 0, 0, KT_DEFAULT_PRIORITY);
    KT_ASSERT_NE(t, NULL);
    KT_ASSERT_OK(kt_thread_start(t));
    kt_run_at(1, SHARE_MS); /* the root task stays runnable at priority 1 all along */
    KT_EXPECT_EQ(n.ran, 0);
    kt_run_at(0, SHARE_MS); /* now it takes turns with the root task */
    KT_ASSERT_EQ(n.ran, 1);
    KT_ASSERT_TRUE(kt_thread_join(t, KT_WAIT_MS));
    KT_EXPECT_ERR(n.raise_prio, AXL_E_INSUFFICIENT_RIGHTS);
    KT_EXPECT_ERR(n.raise_mcp, AXL_E_INSUFFICIENT_RIGHTS);
    KT_EXPECT_OK(n.zero);
}

KT_THREAD_CASE(TCB_025,
               "TCB_RESUME of a thread waiting in RECV leaves it waiting: it still gets the "
               "next message")
{
    static struct receiver r;
    struct kt_thread *t;
    struct axl_msg m = axl_message(0x25, 1);

    memset((void *)&r, 0, sizeof(r));
    r.ep = kt_retype1(AXL_OBJ_ENDPOINT, 0);
    r.err = -1;
    KT_ASSERT_NE(r.ep, 0);
    t = kt_thread_spawn(receiver_thread, &r, KT_PRIO_CHILD);
    KT_ASSERT_NE(t, NULL);
    kt_settle();
    KT_ASSERT_EQ(r.ready, 1);
    KT_EXPECT_OK(axl_tcb_resume(t->tcb));
    kt_settle();
    KT_EXPECT_EQ(r.done, 0);
    m.mr[0] = 0x2525;
    KT_ASSERT_OK(axl_nb_send(r.ep, &m)); /* it is still a receiver */
    kt_settle();
    KT_ASSERT_EQ(r.done, 1);
    KT_EXPECT_OK(r.err);
    KT_EXPECT_EQ(r.m.mr[0], 0x2525);
}

KT_THREAD_CASE(TCB_026,
               "TCB_SET_PRIORITY moves a queued thread to the back of its new queue: it runs "
               "after a thread already waiting at that priority")
{
    struct kt_thread *a, *b;

    run_seq = 0;
    run_order[0] = run_order[1] = 0;
    a = kt_thread_spawn(order_thread, (void *)0, 50);
    b = kt_thread_spawn(order_thread, (void *)1, 60);
    KT_ASSERT_NE(a, NULL);
    KT_ASSERT_NE(b, NULL);
    KT_ASSERT_OK(axl_tcb_set_priority(a->tcb, 60, 60, 0)); /* behind b */
    kt_settle();
    KT_EXPECT_EQ(run_order[1], 1);
    KT_EXPECT_EQ(run_order[0], 2);
}
