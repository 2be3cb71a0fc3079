/* SPDX-License-Identifier: MIT */
/*
 * test_sched.c: the scheduler's ready queues on the host: priority order,
 * round robin within a priority, preemption, handoff, timeslices, removal,
 * and sched_check's view of all of it. kernel_exit (which enters user
 * mode) is not exercised; sched_choose is the decision it makes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <klog.h>
#include <thread.h>

/* What sched.c needs from the rest of the kernel. */
void klog(enum klog_level level, const char *subsys, const char *fmt, ...)
{
    (void)level, (void)subsys, (void)fmt;
}
void arch_fpu_save(uint8_t *area) { (void)area; }
void arch_fpu_restore(const uint8_t *area) { (void)area; }
void arch_switch_space(const struct tcb *t) { (void)t; }
NORETURN void arch_enter_user(struct trap_frame *regs)
{
    (void)regs;
    abort();
}
void arch_wait_for_interrupt(void) {}

#define N 8
static struct tcb threads[N];

static int setup(void **state)
{
    (void)state;
    memset(threads, 0, sizeof(threads));
    for (unsigned i = 0; i < N; i++) {
        threads[i].id = i;
        threads[i].vspace.cap.type = AXL_OBJ_PML4; /* runnable threads need an address space */
        threads[i].timeslice = threads[i].remaining = 2;
    }
    current = NULL;
    sched_init(2);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    /* Leave no thread queued for the next test. */
    for (unsigned i = 0; i < N; i++) {
        sched_remove(&threads[i]);
    }
    current = NULL;
    return 0;
}

static void ready(unsigned i, unsigned prio)
{
    threads[i].prio = (uint8_t)prio;
    sched_make_runnable(&threads[i]);
}

static struct tcb *next(void)
{
    sched_choose();
    assert_null(sched_check());
    return current;
}

static void test_empty_picks_nobody(void **state)
{
    (void)state;
    assert_null(next());
}

static void test_highest_priority_first(void **state)
{
    (void)state;
    ready(0, 10);
    ready(1, 200);
    ready(2, 255);
    ready(3, 0);
    assert_ptr_equal(next(), &threads[2]);
}

static void test_round_robin_within_a_priority(void **state)
{
    (void)state;
    ready(0, 5);
    ready(1, 5);
    ready(2, 5);
    for (unsigned round = 0; round < 3; round++) {
        for (unsigned i = 0; i < 3; i++) {
            assert_ptr_equal(next(), &threads[i]);
            sched_yield(); /* back to the tail */
        }
    }
}

static void test_current_keeps_cpu_against_equal_priority(void **state)
{
    (void)state;
    ready(0, 7);
    assert_ptr_equal(next(), &threads[0]);
    ready(1, 7);
    assert_ptr_equal(next(), &threads[0]);
}

static void test_higher_priority_preempts_and_preempted_runs_first_after(void **state)
{
    (void)state;
    ready(0, 7);
    ready(1, 7);
    assert_ptr_equal(next(), &threads[0]);
    ready(2, 9);
    assert_ptr_equal(next(), &threads[2]);
    threads[2].state = TS_BLOCKED_RECV;
    /* Thread 0 was preempted, not done: it goes before thread 1. */
    assert_ptr_equal(next(), &threads[0]);
}

static void test_handoff_goes_to_front(void **state)
{
    (void)state;
    ready(0, 3);
    ready(1, 3);
    threads[2].prio = 3;
    sched_handoff(&threads[2]);
    assert_ptr_equal(next(), &threads[2]);
}

static void test_timeslice_expiry_rotates(void **state)
{
    (void)state;
    ready(0, 4);
    ready(1, 4);
    assert_ptr_equal(next(), &threads[0]);
    sched_tick();
    assert_ptr_equal(next(), &threads[0]); /* one tick left */
    sched_tick();
    assert_ptr_equal(next(), &threads[1]);
    assert_int_equal(threads[0].remaining, threads[0].timeslice); /* refilled */
}

static void test_blocked_current_gives_way(void **state)
{
    (void)state;
    ready(0, 100);
    ready(1, 1);
    assert_ptr_equal(next(), &threads[0]);
    threads[0].state = TS_BLOCKED_SEND;
    assert_ptr_equal(next(), &threads[1]);
}

static void test_remove_from_middle(void **state)
{
    (void)state;
    ready(0, 9);
    ready(1, 9);
    ready(2, 9);
    sched_remove(&threads[1]);
    assert_null(sched_check());
    assert_ptr_equal(next(), &threads[0]);
    sched_yield();
    assert_ptr_equal(next(), &threads[2]);
}

static void test_thread_without_address_space_is_suspended(void **state)
{
    (void)state;
    ready(0, 9);
    ready(1, 8);
    threads[0].vspace.cap.type = AXL_OBJ_NULL;
    assert_ptr_equal(next(), &threads[1]);
    assert_int_equal(threads[0].state, TS_INACTIVE);
}

static void test_forget_drops_current(void **state)
{
    (void)state;
    ready(0, 9);
    assert_ptr_equal(next(), &threads[0]);
    sched_forget(&threads[0]);
    assert_null(current);
    assert_null(next());
}

static void test_check_catches_corruption(void **state)
{
    (void)state;
    ready(0, 9);
    ready(1, 9);
    threads[1].state = TS_BLOCKED_RECV; /* queued but not runnable */
    assert_non_null(sched_check());
    threads[1].state = TS_RUNNABLE;
    assert_null(sched_check());
}

static void test_all_priorities_in_order(void **state)
{
    (void)state;
    static struct tcb many[AXL_PRIORITIES];
    memset(many, 0, sizeof(many));
    for (unsigned p = 0; p < AXL_PRIORITIES; p++) {
        /* Insert in a scrambled order; 97 is coprime with 256. */
        unsigned q = (p * 97) % AXL_PRIORITIES;
        many[q].prio = (uint8_t)q;
        many[q].vspace.cap.type = AXL_OBJ_PML4;
        sched_make_runnable(&many[q]);
    }
    for (int p = AXL_PRIORITIES - 1; p >= 0; p--) {
        assert_ptr_equal(next(), &many[p]);
        many[p].state = TS_INACTIVE; /* it ran and stopped */
    }
    assert_null(next());
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_empty_picks_nobody, setup, teardown),
        cmocka_unit_test_setup_teardown(test_highest_priority_first, setup, teardown),
        cmocka_unit_test_setup_teardown(test_round_robin_within_a_priority, setup, teardown),
        cmocka_unit_test_setup_teardown(test_current_keeps_cpu_against_equal_priority, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_higher_priority_preempts_and_preempted_runs_first_after,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_handoff_goes_to_front, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timeslice_expiry_rotates, setup, teardown),
        cmocka_unit_test_setup_teardown(test_blocked_current_gives_way, setup, teardown),
        cmocka_unit_test_setup_teardown(test_remove_from_middle, setup, teardown),
        cmocka_unit_test_setup_teardown(test_thread_without_address_space_is_suspended, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_forget_drops_current, setup, teardown),
        cmocka_unit_test_setup_teardown(test_check_catches_corruption, setup, teardown),
        cmocka_unit_test_setup_teardown(test_all_priorities_in_order, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
