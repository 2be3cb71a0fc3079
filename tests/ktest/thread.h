/* SPDX-License-Identifier: MIT */
/*
 * thread.h: more threads for the cases that need them (tests/ktest/thread.c).
 *
 * A kt_thread runs in the root task's own address space (AXL_SLOT_VSPACE)
 * and CSpace (AXL_SLOT_CNODE), so it sees every global and every slot the
 * root task has, and the root task sees its results in shared (volatile)
 * variables. thread.c maps, once, a small private region at
 * KT_SPACE_BASE (its own PDPT, page directory and page table, made from
 * untyped memory) and carves it into KT_THREAD_MAX areas of 64 KiB:
 *
 *     page 0        guard: never mapped, so a stack overflow faults there
 *     pages 1..4    the stack (16 KiB), read-write, not executable
 *     page 5        never mapped
 *     page 6        the thread's IPC buffer (a frame of its own)
 *
 * Areas are reused: the frames stay mapped, only the TCB is new for each
 * thread (a fresh kt_retype1), and the IPC buffer page is zeroed first.
 *
 * One IPC buffer per thread. libipc's global axl_ipc_buffer points at the
 * ROOT task's buffer, and everything in libipc that reaches MR4 and up
 * (axl_msg_set/axl_msg_get for i >= 4, axl_invoke with more than four
 * arguments or results: tcb_configure, tcb_write_registers,
 * tcb_read_registers, cnode_mint, untyped_retype; axl_debug_puts past 32
 * bytes, hence axl_printf, and every kt_* allocation helper) would use the
 * root's buffer while the kernel uses the thread's. So code running in a
 * second thread sticks to register-only messages (MR0..MR3, through
 * axl_sys or the inline wrappers of <axl/sys.h>, and invocations of at
 * most four arguments and results), and when it needs its own IPC buffer
 * it writes it directly through kt_thread_ipc(), which finds the buffer
 * from the stack pointer. Threads never call KT_EXPECT/KT_ASSERT either:
 * they store what they saw, and the root task checks it.
 *
 * Waiting. The root task runs at priority 255 and never blocks on a
 * thread's behalf without a bound: the kt_wait* helpers lower its
 * priority to KT_PRIO_WAIT (1), so every thread of the case runs first
 * (threads usually use 20..150), poll a condition until a TSC deadline,
 * then restore 255. When the root task runs again at priority 1, every thread
 * above it is blocked, suspended or finished. (A thread at priority 0 or
 * 1 runs only when a case shares the CPU with it through kt_run_at.)
 * Threads that busy-loop bound their loops with their own TSC deadline,
 * so nothing runs forever.
 *
 * Cleanup. Declare a case that starts threads with KT_THREAD_CASE instead
 * of KTEST: it runs the body and then, whatever the body did (a
 * KT_ASSERT returns from the body only), suspends and deletes every
 * thread still alive, puts the root task back at priority 255 and clears
 * the receive fields of its IPC buffer. The runner's consistency check
 * then sees a system with no thread of the case left.
 */
#ifndef KTEST_THREAD_H
#define KTEST_THREAD_H

#include "ktest.h"

#define KT_PRIO_ROOT (AXL_PRIORITIES - 1) /* the root task's own priority */
#define KT_PRIO_WAIT 1                    /* the root task's while it waits for threads */
#define KT_PRIO_CHILD 100                 /* the usual priority of a thread */

#define KT_THREAD_MAX 8
#define KT_PAGE 4096ull
#define KT_SPACE_BASE 0x5a0000000000ull /* one page table's 2 MiB, all thread.c's */
#define KT_AREA_SIZE 0x10000ull
#define KT_AREA_STACK_PAGE 1
#define KT_STACK_PAGES 4
#define KT_AREA_IPC_PAGE 6
#define KT_SCRATCH_BASE (KT_SPACE_BASE + 0x100000) /* kt_scratch_page mappings */
#define KT_HOLE_BASE (KT_SPACE_BASE + 0x180000)    /* kt_hole addresses: never mapped */
#define KT_HOLE_END (KT_SPACE_BASE + 0x200000)

/* Option bits for kt_thread_create. */
#define KT_NO_IPC_BUFFER 0x1u    /* configure the thread without an IPC buffer */
#define KT_DEFAULT_PRIORITY 0x2u /* no TCB_SET_PRIORITY: a new TCB's priority and MCP (0, 0) */

struct kt_thread {
    uint64_t tcb;       /* slot of its TCB capability in the root CNode */
    unsigned area;      /* which area (index into the pool) */
    void (*fn)(void *); /* what it runs, with arg; returning ends the thread */
    void *arg;
    volatile int finished; /* set when fn returned (the thread then suspends itself) */
    uint64_t exit_cptr;    /* what it suspends at the end (default: tcb; see thread.c) */
    uint64_t guard;        /* the unmapped page just below its stack */
    uint64_t stack_top;    /* one past the highest stack byte; the thread starts at top - 8 */
    uint64_t ipc_addr;     /* its IPC buffer (also without one configured: the page exists) */
    uint64_t ipc_frame;    /* slot of the frame holding the IPC buffer */
};

/*
 * A case that starts threads: like KTEST, but the body runs between
 * kt_threads_begin and kt_threads_end, so threads are cleaned up even when
 * a KT_ASSERT returns early.
 */
#define KT_THREAD_CASE(ID, SENTENCE)                                                               \
    static void kt_body_##ID(void);                                                                \
    KTEST(ID, SENTENCE)                                                                            \
    {                                                                                              \
        kt_threads_begin();                                                                        \
        kt_body_##ID();                                                                            \
        kt_threads_end();                                                                          \
    }                                                                                              \
    static void kt_body_##ID(void)

void kt_threads_begin(void);
void kt_threads_end(void);

/*
 * A new thread that will run fn(arg) at priority prio (maximum controlled
 * priority prio too), with fault endpoint fault_ep (a cptr; 0: none), its
 * own stack and IPC buffer. opts: KT_NO_IPC_BUFFER, KT_DEFAULT_PRIORITY.
 * It is configured and its registers set, but not started:
 * kt_thread_start resumes it.
 * NULL, with a failure recorded at the caller's line, if that failed.
 */
#define kt_thread_create(fn, arg, prio, fault_ep, opts)                                            \
    kt_thread_create_at((fn), (arg), (prio), (fault_ep), (opts), __FILE__, __LINE__)
struct kt_thread *kt_thread_create_at(void (*fn)(void *), void *arg, unsigned prio,
                                      uint64_t fault_ep, unsigned opts, const char *file, int line);
/* Resumes t (TCB_RESUME); the kernel's error. */
long kt_thread_start(struct kt_thread *t);
/* kt_thread_create (no fault endpoint, an IPC buffer), then kt_thread_start; NULL on failure. */
#define kt_thread_spawn(fn, arg, prio) kt_thread_spawn_at((fn), (arg), (prio), __FILE__, __LINE__)
struct kt_thread *kt_thread_spawn_at(void (*fn)(void *), void *arg, unsigned prio, const char *file,
                                     int line);
/*
 * Suspends t, revokes and deletes its TCB capability and frees its area
 * (a case that deleted the capability itself leaves an empty slot: fine).
 */
void kt_thread_delete(struct kt_thread *t);

/* --- inside a thread --- */

/* The calling thread's IPC buffer (the root task's: axl_ipc_buffer). */
struct axl_ipc_buffer *kt_thread_ipc(void);
/* The calling thread's kt_thread (NULL in the root task). */
struct kt_thread *kt_thread_self(void);
/* Ends the calling thread as if its function had returned. */
__attribute__((noreturn)) void kt_thread_exit(void);

/* --- time and waiting (root task) --- */

uint64_t kt_now(void);             /* the TSC */
uint64_t kt_ticks_ms(uint64_t ms); /* TSC ticks in ms milliseconds */
/* Polls cond(arg) at priority KT_PRIO_WAIT until it holds or ms pass; returns it. */
bool kt_wait(bool (*cond)(void *), void *arg, uint64_t ms);
/* Waits until *flag is non-zero (at most ms); returns whether it is. */
bool kt_wait_flag(volatile int *flag, uint64_t ms);
/* Waits until t's function returned. */
bool kt_thread_join(struct kt_thread *t, uint64_t ms);
/*
 * Lets every thread above priority KT_PRIO_WAIT run until it blocks,
 * suspends or ends, then returns at priority 255.
 */
void kt_settle(void);
/*
 * Runs the root task at priority prio for ms, yielding to threads of that
 * priority (at least KT_RUN_MIN_YIELDS times, however short ms turns out).
 */
#define KT_RUN_MIN_YIELDS 8
void kt_run_at(unsigned prio, uint64_t ms);
/* NB_RECV on ep, retried at priority KT_PRIO_WAIT for at most ms; its last error. */
long kt_recv_timeout(uint64_t ep, struct axl_msg *m, uint64_t ms);

/* --- memory for the cases (root task) --- */

/*
 * A fresh frame mapped at the next scratch address with rights and attr
 * (AXL_RIGHT_*, AXL_MAP_*); *frame (may be NULL) gets its slot. 0, with a
 * failure recorded, if that failed. Scratch addresses are not reused.
 */
#define kt_scratch_page(rights, attr, frame)                                                       \
    kt_scratch_page_at((rights), (attr), (frame), __FILE__, __LINE__)
uint64_t kt_scratch_page_at(unsigned rights, unsigned attr, uint64_t *frame, const char *file,
                            int line);
/* An address in thread.c's page table that nothing maps (a fresh one each call). */
uint64_t kt_hole(void);

/*
 * CNODE_MINT of slot src of the root CNode into a fresh slot with rights
 * and badge; the new slot, or 0 with a failure recorded at the caller's line.
 */
#define kt_mint(src, rights, badge) kt_mint_at((src), (rights), (badge), __FILE__, __LINE__)
uint64_t kt_mint_at(uint64_t src, unsigned rights, uint64_t badge, const char *file, int line);

/* The usual waits, generous: cases never depend on them being short. */
#define KT_WAIT_MS 3000

#endif /* KTEST_THREAD_H */
