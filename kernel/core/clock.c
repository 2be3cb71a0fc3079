/* SPDX-License-Identifier: MIT */
/*
 * clock.c: counts timer ticks and charges them to the running thread's
 * timeslice (sched_tick).
 */
#include <arch.h>
#include <clock.h>
#include <ipc.h>
#include <klog.h>
#include <thread.h>

static volatile uint64_t ticks;
static unsigned tick_hz;

int clock_init(unsigned hz)
{
    if (arch_timer_init(hz) != 0) {
        return -1;
    }
    tick_hz = hz;
    return 0;
}

void clock_tick(void)
{
    ticks++;
    ntfn_timer_tick(ticks);
    sched_tick();
}

unsigned clock_rate_hz(void) { return tick_hz; }

uint64_t clock_ticks(void) { return ticks; }

bool clock_selftest(unsigned n)
{
    if (tick_hz == 0) {
        return false;
    }
    uint64_t expect = (uint64_t)n * 1000000000u / tick_hz;
    uint64_t deadline = arch_time_ns() + 4 * expect + 1000000000u;
    uint64_t start = ticks;
    while (ticks == start && arch_time_ns() < deadline) {
        arch_irq_poll(); /* polling, not hlt: a dead timer must not hang the test */
    }
    uint64_t t0 = arch_time_ns(), first = ticks;
    while (ticks - first < n && arch_time_ns() < deadline) {
        arch_irq_poll();
    }
    if (ticks - first < n) {
        kerror("clock", "only %llu of %u ticks arrived", (unsigned long long)(ticks - first), n);
        return false;
    }
    uint64_t ns = arch_time_ns() - t0;
    kinfo("clock", "%u ticks took %llu us (expected %llu us at %u Hz)", n,
          (unsigned long long)(ns / 1000), (unsigned long long)(expect / 1000), tick_hz);
    return ns >= expect / 2 && ns <= expect * 2;
}
