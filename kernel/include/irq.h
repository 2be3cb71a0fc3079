/* SPDX-License-Identifier: MIT */
/*
 * irq.h: device interrupts as notification signals (core/irq.c).
 *
 * IRQControl hands out one IRQHandler capability per IRQ line; a handler
 * is bound to a notification, and each interrupt masks its line and
 * signals that notification with the badge of the capability bound. The
 * line stays masked until the handler acknowledges it (IRQ_ACK).
 */
#ifndef AXL_IRQ_H
#define AXL_IRQ_H

#include <cap.h>

int irq_invoke(struct cte *slot, uint64_t label);
/* The last capability to an IRQ handler went: unbind and mask the line. */
void irq_handler_destroy(const struct cap *cap);
/* A notification is going: unbind any IRQ bound to it. */
void irq_notification_gone(const void *ntfn);
/* Called by the arch interrupt path for IRQ line irq (already masked there). */
void irq_deliver(unsigned irq);
/* The line goes to fn(arg) in ring 0, masked until fn unmasks it (arch_irq_mask): for a driver
 * linked into the kernel (kdriver.c). False if the line is taken or does not exist. */
bool irq_claim_for_kernel(unsigned irq, void (*fn)(void *), void *arg);

/* --- arch: the interrupt controller --- */
/* Programs line irq to its vector, masked; false if the line does not exist. */
bool arch_irq_setup(unsigned irq);
void arch_irq_mask(unsigned irq, bool masked);

#endif /* AXL_IRQ_H */
