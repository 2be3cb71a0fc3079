/* SPDX-License-Identifier: MIT */
/*
 * time.c: clocks (porting layer).
 *
 * Every clock is the timestamp counter divided by its rate, which the
 * kernel calibrated and passed on (axl_procinfo->tsc_hz in a process,
 * axl_bootinfo->tsc_hz in the root task). The TSC counts from the
 * machine's reset, so CLOCK_MONOTONIC is the time since boot. There is no
 * wall clock yet (nothing reads the RTC), so CLOCK_REALTIME, gettimeofday
 * and time() are the time since boot too: the first second after boot is
 * 1 January 1970. times() counts from the process's start (the root task's:
 * boot) and charges all of it as user time: the kernel keeps no per-thread
 * CPU time. Without a calibrated rate every clock fails with EINVAL.
 */
#include "axlc.h"

#include <sys/time.h>
#include <sys/times.h>
#include <time.h>

#include <axl/proc.h>
#include <axl/sys.h>

#define NS_PER_S 1000000000ull


/* TSC ticks per second, 0 if unknown. */
static uint64_t tsc_hz(void)
{
    return axl_procinfo ? axl_procinfo->tsc_hz : axl_bootinfo ? axl_bootinfo->tsc_hz : 0;
}

/* ticks at hz in units of 1/per_s seconds: split so that nothing overflows while hz < 18 GHz. */
static uint64_t ticks_to(uint64_t ticks, uint64_t hz, uint64_t per_s)
{
    return ticks / hz * per_s + ticks % hz * per_s / hz;
}

int clock_gettime(clockid_t id, struct timespec *ts)
{
    uint64_t hz = tsc_hz(), t = axl_rdtsc();

    if ((id != CLOCK_REALTIME && id != CLOCK_MONOTONIC) || hz == 0) {
        return axlc_fail(EINVAL);
    }
    ts->tv_sec = (time_t)(t / hz);
    ts->tv_nsec = (long)ticks_to(t % hz, hz, NS_PER_S);
    return 0;
}

int clock_getres(clockid_t id, struct timespec *res)
{
    uint64_t hz = tsc_hz();

    if ((id != CLOCK_REALTIME && id != CLOCK_MONOTONIC) || hz == 0) {
        return axlc_fail(EINVAL);
    }
    if (res) {
        res->tv_sec = 0;
        res->tv_nsec = (long)((NS_PER_S + hz - 1) / hz); /* one tick, rounded up: at least 1 ns */
    }
    return 0;
}

int clock_settime(clockid_t id, const struct timespec *ts)
{
    (void)id;
    (void)ts;
    return axlc_fail(EPERM);
}

int gettimeofday(struct timeval *restrict tv, void *restrict tz)
{
    uint64_t hz = tsc_hz(), t = axl_rdtsc();

    (void)tz; /* obsolete: there are no time zones */
    if (hz == 0) {
        return axlc_fail(EINVAL);
    }
    if (tv) {
        tv->tv_sec = (time_t)(t / hz);
        tv->tv_usec = (suseconds_t)ticks_to(t % hz, hz, 1000000);
    }
    return 0;
}

clock_t times(struct tms *tms)
{
    uint64_t hz = tsc_hz(), t = axl_rdtsc();
    uint64_t start = axl_procinfo ? axl_procinfo->boot_tsc : 0;

    if (hz == 0) {
        return (clock_t)axlc_fail(EINVAL);
    }
    if (tms) {
        *tms = (struct tms){.tms_utime = (clock_t)ticks_to(t - start, hz, CLOCKS_PER_SEC)};
    }
    return (clock_t)ticks_to(t, hz, CLOCKS_PER_SEC);
}
