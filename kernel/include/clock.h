/* SPDX-License-Identifier: MIT */
/*
 * clock.h: the kernel's tick (core/clock.c), driven by the arch timer.
 * Each tick also counts against the running thread's timeslice.
 */
#ifndef AXL_CLOCK_H
#define AXL_CLOCK_H

#include "types.h"

#define CLOCK_DEFAULT_HZ 100

/* Starts the tick at hz per second. Returns 0, or -1 (logged) on failure. */
int clock_init(unsigned hz);

/* Called by the arch timer interrupt, interrupts off. */
void clock_tick(void);

/* Ticks per second, 0 if the timer did not start. */
unsigned clock_rate_hz(void);

/* Ticks since clock_init. */
uint64_t clock_ticks(void);

/* Checks the tick against the TSC over n ticks; returns true if the measured
 * period is within a factor of two of 1/hz (generous on purpose: a busy
 * host may delay a tick, and this is a behaviour check, not a benchmark). */
bool clock_selftest(unsigned n);

#endif /* AXL_CLOCK_H */
