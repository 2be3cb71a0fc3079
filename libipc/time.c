/* SPDX-License-Identifier: MIT */
/* time.c: sleeping on the process's own notification timer (<axl/time.h>). */
#include <axl/time.h>

#include <stdbool.h>

#include <axl/invoke.h>
#include <axl/ipc.h>
#include <axl/proc.h>
#include <axl/sys.h>

#define TIMER_MAX_US (3600ull * 1000000) /* the most NTFN_SET_TIMER accepts */

/* TSC ticks per second, from the info page; 0 if unknown. */
static uint64_t tsc_hz(void)
{
    if (axl_procinfo && axl_procinfo->tsc_hz) {
        return axl_procinfo->tsc_hz;
    }
    return axl_bootinfo ? axl_bootinfo->tsc_hz : 0;
}

/* One wait on the timer, us from now: false if there is no timer to wait on. */
static bool timed_wait(uint64_t us, bool *fired)
{
    uint64_t word = 0;
    if (!axl_procinfo ||
        axl_ntfn_set_timer(AXL_PROC_SLOT_NOTIFICATION, AXL_NOTIFY_SLEEP, us) != AXL_E_OK) {
        return false;
    }
    if (axl_wait(AXL_PROC_SLOT_NOTIFICATION, &word) != AXL_E_OK) {
        axl_ntfn_set_timer(AXL_PROC_SLOT_NOTIFICATION, AXL_NOTIFY_SLEEP, 0);
        return false;
    }
    *fired = (word & AXL_NOTIFY_SLEEP) != 0; /* other bits: consumed (see time.h) */
    return true;
}

void axl_sleep_until(uint64_t tsc)
{
    uint64_t per_us = tsc_hz() / 1000000;
    bool armed = false; /* a timer is still running, woken by another signal */

    if (per_us == 0) {
        per_us = 1; /* a slower or unknown clock: each wait is longer than needed, never shorter */
    }
    for (uint64_t now = axl_rdtsc(); now < tsc; now = axl_rdtsc()) {
        uint64_t us = (tsc - now) / per_us + ((tsc - now) % per_us != 0); /* rounded up */
        bool fired = false;
        if (timed_wait(us < TIMER_MAX_US ? us : TIMER_MAX_US, &fired)) {
            armed = !fired;
        } else {
            armed = false;
            axl_yield();
        }
    }
    if (armed) { /* a signal, not the timer, ended the last wait: no stray bit later */
        axl_ntfn_set_timer(AXL_PROC_SLOT_NOTIFICATION, AXL_NOTIFY_SLEEP, 0);
    }
}

void axl_sleep_us(uint64_t us)
{
    uint64_t hz = tsc_hz(), now = axl_rdtsc();
    if (hz == 0 || us == 0) {
        return;
    }
    uint64_t secs = us / 1000000, ticks = (us % 1000000) * hz / 1000000;
    if (secs > (UINT64_MAX - ticks) / hz) {
        axl_sleep_until(UINT64_MAX);
        return;
    }
    ticks += secs * hz;
    axl_sleep_until(now + ticks < now ? UINT64_MAX : now + ticks);
}
