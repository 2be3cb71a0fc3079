/* SPDX-License-Identifier: MIT */
/*
 * axl/time.h: sleeping (libipc), for a process the root task started.
 *
 * A process sleeps on its own notification (AXL_PROC_SLOT_NOTIFICATION,
 * bound to its thread) with that notification's one-shot kernel timer
 * (NTFN_SET_TIMER), which signals the bit AXL_NOTIFY_SLEEP (<axl/proc.h>).
 * Times are TSC ticks; their rate is axl_procinfo->tsc_hz.
 *
 * - A sleep never ends early: it returns once axl_rdtsc() >= the deadline.
 *   It may end late: the kernel's timer counts clock ticks (clock_hz=,
 *   default 100 Hz) and rounds up, plus one tick, so up to about two tick
 *   periods late (and later when higher priorities keep the CPU).
 * - Any other signal that arrives on the notification while the process
 *   sleeps wakes it; those bits are consumed and lost to the program (an
 *   interrupt, AXL_NOTIFY_HEARTBEAT, AXL_NOTIFY_INJECT), and the sleep goes
 *   on to its deadline. So a server or driver, which needs those bits in
 *   axl_serve, must not sleep with these functions.
 * - The notification has one timer: sleeping re-arms it (a timer armed
 *   before with another bit is lost) and leaves it disarmed on return. The
 *   driver library (drivers/lib/drv_user.c) uses the same timer.
 * - Without a timer (no axl_procinfo, as in the root task, or a kernel
 *   without a clock), the process yields until the deadline instead.
 *   axl_sleep_us returns at once when the TSC rate is unknown (0).
 */
#ifndef AXL_LIBIPC_TIME_H
#define AXL_LIBIPC_TIME_H

#include <stdint.h>

/* Sleeps until the time stamp counter reaches tsc (axl_rdtsc()). */
void axl_sleep_until(uint64_t tsc);

/* Sleeps us microseconds (converted to TSC ticks with tsc_hz). */
void axl_sleep_us(uint64_t us);

#endif /* AXL_LIBIPC_TIME_H */
