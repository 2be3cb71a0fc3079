/* SPDX-License-Identifier: MIT */
/*
 * drv_user.c: the driver interface (drv.h) for a driver in user space, on
 * libipc: its own notification for interrupts, timers, the supervisor's
 * heartbeat and fault-injection signals.
 */
#include <stdarg.h>

#include <axl/axl.h>
#include <axl/proc.h>

#include "drv.h"

#define TIMER_BIT (1ull << 32) /* the driver's own timer on its notification (IRQs: 0..23) */

uint64_t drv_now(void) { return axl_rdtsc(); }

uint64_t drv_tsc_hz(void) { return axl_procinfo ? axl_procinfo->tsc_hz : 1000000000ull; }

void drv_log(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    axl_vprintf(fmt, ap);
    va_end(ap);
}

const char *drv_strerror(long err) { return axl_strerror(err); }

uint32_t drv_config_read(const struct drv_dev *d, unsigned off) { return d->config[off / 4]; }

void drv_config_write(struct drv_dev *d, unsigned off, uint32_t v) { d->config[off / 4] = v; }

void drv_yield(void) { axl_yield(); }

/*
 * Sleeps on the notification, with a timer of us microseconds. The bits
 * other than the driver's own are dealt with as axl_serve would: the
 * heartbeat is answered; a fault injection request is remembered, to be
 * signalled again by drv_wait_done for axl_serve to take when it next
 * receives (signalled at once, it would end every later wait at once).
 */
long drv_wait(struct drv_dev *d, uint64_t us)
{
    uint64_t word = 0;
    long err = axl_ntfn_set_timer(AXL_PROC_SLOT_NOTIFICATION, TIMER_BIT, us);

    if (err == AXL_E_OK) {
        err = axl_wait(AXL_PROC_SLOT_NOTIFICATION, &word);
    }
    if (err != AXL_E_OK) {
        return err;
    }
    if (d->has_irq && (word & (1ull << d->line)) && d->on_irq) {
        d->on_irq(d->ctx);
    }
    if (word & AXL_NOTIFY_HEARTBEAT) {
        axl_signal(AXL_PROC_SLOT_HEARTBEAT);
    }
    d->reinject_pending |= (word & AXL_NOTIFY_INJECT) != 0;
    return AXL_E_OK;
}

void drv_wait_done(struct drv_dev *d)
{
    axl_ntfn_set_timer(AXL_PROC_SLOT_NOTIFICATION, TIMER_BIT, 0);
    if (d->reinject_pending && d->reinject) {
        axl_signal(d->reinject);
    }
    d->reinject_pending = false;
}

void drv_irq_ack(struct drv_dev *d)
{
    if (d->has_irq) {
        axl_irq_ack(d->irq_cap); /* level-triggered: if the device still asserts it, it comes again */
    }
}
