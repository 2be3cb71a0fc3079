/* SPDX-License-Identifier: MIT */
/*
 * sched.c: fixed-priority, round-robin scheduling.
 *
 * 256 priorities (AXL_PRIORITIES), one FIFO ready queue each, and a
 * bitmap of non-empty queues, so picking the next thread is a few word
 * scans whatever the number of threads. The current thread is not in a
 * queue while it runs. A thread runs until it blocks, yields, is
 * preempted by a higher-priority thread becoming runnable, or uses up
 * its timeslice (counted in timer ticks), when it goes to the tail of its
 * queue. Nothing is donated through IPC: docs/scheduling.md says what
 * that means for priority inversion.
 */
#include <arch.h>
#include <ipc.h>
#include <klog.h>
#include <thread.h>

struct tcb *current;
static struct tcb *rq_head[AXL_PRIORITIES], *rq_tail[AXL_PRIORITIES];
static uint64_t rq_bitmap[AXL_PRIORITIES / 64];
static unsigned default_slice = 1;
static struct tcb *fpu_owner; /* whose registers the FPU holds */

void sched_init(unsigned timeslice_ticks) { default_slice = timeslice_ticks ? timeslice_ticks : 1; }

unsigned sched_default_timeslice(void) { return default_slice; }

static void rq_push(struct tcb *t, bool front)
{
    unsigned p = t->prio;

    t->sched_prev = t->sched_next = NULL;
    if (!rq_head[p]) {
        rq_head[p] = rq_tail[p] = t;
    } else if (front) {
        t->sched_next = rq_head[p];
        rq_head[p]->sched_prev = t;
        rq_head[p] = t;
    } else {
        t->sched_prev = rq_tail[p];
        rq_tail[p]->sched_next = t;
        rq_tail[p] = t;
    }
    rq_bitmap[p / 64] |= 1ull << (p % 64);
    t->queued = true;
}

void sched_remove(struct tcb *t)
{
    if (!t->queued) {
        return;
    }
    unsigned p = t->prio;
    if (t->sched_prev) {
        t->sched_prev->sched_next = t->sched_next;
    } else {
        rq_head[p] = t->sched_next;
    }
    if (t->sched_next) {
        t->sched_next->sched_prev = t->sched_prev;
    } else {
        rq_tail[p] = t->sched_prev;
    }
    if (!rq_head[p]) {
        rq_bitmap[p / 64] &= ~(1ull << (p % 64));
    }
    t->sched_next = t->sched_prev = NULL;
    t->queued = false;
}

/* The highest-priority queued thread, or NULL. */
static struct tcb *rq_highest(void)
{
    for (int w = (int)ARRAY_SIZE(rq_bitmap) - 1; w >= 0; w--) {
        if (rq_bitmap[w]) {
            return rq_head[w * 64 + 63 - __builtin_clzll(rq_bitmap[w])];
        }
    }
    return NULL;
}

void sched_make_runnable(struct tcb *t)
{
    t->state = TS_RUNNABLE;
    if (t != current && !t->queued) {
        rq_push(t, false);
    }
}

/* Like sched_make_runnable, but t runs before others of its priority (an IPC handoff). */
void sched_handoff(struct tcb *t)
{
    t->state = TS_RUNNABLE;
    if (t != current && !t->queued) {
        rq_push(t, true);
    }
}

void sched_yield(void)
{
    struct tcb *t = current;

    if (t && t->state == TS_RUNNABLE) {
        t->remaining = t->timeslice;
        current = NULL;
        rq_push(t, false);
    }
}

/* Set while a system call waits in ring 0 (kdriver.c): its thread stays current. */
static bool held;

void sched_hold(bool hold) { held = hold; }

void sched_tick(void)
{
    struct tcb *t = current;

    if (t && !held && t->state == TS_RUNNABLE && --t->remaining == 0) {
        sched_yield();
    }
}

/*
 * A thread whose address space was taken away under it (its PML4 or the
 * TCB's copy of the capability deleted) cannot run: it is suspended.
 */
static bool can_run(struct tcb *t)
{
    if (cte_empty(&t->vspace)) {
        sched_remove(t);
        t->state = TS_INACTIVE;
        klog(KLOG_WARN, "sched", "thread %llu lost its address space: suspended",
             (unsigned long long)t->id);
        return false;
    }
    return true;
}

/* Decides who runs next: current keeps the CPU unless it stopped or someone outranks it. */
void sched_choose(void)
{
    for (;;) {
        struct tcb *best = rq_highest();
        if (current && current->state == TS_RUNNABLE && can_run(current)) {
            if (!best || best->prio <= current->prio) {
                return;
            }
            rq_push(current, true); /* preempted: first in line at its priority */
        }
        current = best;
        if (!best) {
            return;
        }
        sched_remove(best);
        if (can_run(best)) {
            return;
        }
        current = NULL;
    }
}

static NORETURN void idle(void)
{
    arch_switch_space(NULL);
    for (;;) {
        arch_wait_for_interrupt(); /* interrupt handlers may make threads runnable */
        if (rq_highest()) {
            kernel_exit();
        }
    }
}

NORETURN void kernel_exit(void)
{
    sched_choose();
    if (!current) {
        idle();
    }
    if (fpu_owner != current) {
        if (fpu_owner) {
            arch_fpu_save(fpu_owner->fpu);
        }
        arch_fpu_restore(current->fpu);
        fpu_owner = current;
    }
    arch_switch_space(current);
    arch_enter_user(&current->regs);
}

void sched_forget(struct tcb *t)
{
    sched_remove(t);
    if (fpu_owner == t) {
        fpu_owner = NULL; /* never save into an object that is gone */
    }
    if (current == t) {
        current = NULL;
    }
}

const char *sched_check(void)
{
    for (unsigned p = 0; p < AXL_PRIORITIES; p++) {
        bool bit = rq_bitmap[p / 64] & (1ull << (p % 64));
        if (bit != (rq_head[p] != NULL)) {
            return "a ready-queue bitmap bit disagrees with its queue";
        }
        struct tcb *prev = NULL;
        for (struct tcb *t = rq_head[p]; t; prev = t, t = t->sched_next) {
            if (t->prio != p || !t->queued || t->state != TS_RUNNABLE || t->sched_prev != prev) {
                return "a ready queue holds a thread that is not runnable at that priority";
            }
            if (t == current) {
                return "the current thread is also queued";
            }
        }
        if (rq_tail[p] != prev) {
            return "a ready queue's tail is not its last thread";
        }
    }
    return NULL;
}
