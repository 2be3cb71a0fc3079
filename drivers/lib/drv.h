/* SPDX-License-Identifier: MIT */
/*
 * drv.h: the driver interface: what a PCI driver needs of the system it
 * runs in, so that one driver source builds two ways (docs/driver.md,
 * "One source, two backends"):
 *
 *   user space   drv_user.c: the supervisor maps the configuration page and
 *                BAR0, the interrupt is a notification bit, the DMA buffer
 *                is mapped in the device's IO space, requests arrive by IPC
 *                (axl_serve);
 *   the kernel   kernel/core/kdriver.c with the driver's kernel.c: BAR0 is
 *                reached through the kernel's direct map, the configuration
 *                space through ports 0xCF8/0xCFC, the interrupt is handled
 *                in ring 0, the DMA buffer is a kernel frame given to the
 *                device by its physical address, and a request is a CALL
 *                on the driver's capability, run in ring 0 in the caller's
 *                system call.
 *
 * Requests and replies are the same messages in both (libipc's msg.c and
 * <axl/rpc.h> request handlers), so a client cannot tell the two apart
 * except by which capability it calls. What differs is what a fault costs:
 * in user space the supervisor restarts the driver; in the kernel a fault
 * is a kernel panic and a reboot.
 */
#ifndef AXL_DRV_H
#define AXL_DRV_H

#include <stdbool.h>
#include <stdint.h>

struct drv_dev {
    /* Filled by the backend before the driver's init. */
    volatile uint8_t *regs; /* BAR0 */
    uint64_t bar_phys;      /* its physical address, as the device's BAR0 register says */
    char bdf[8];            /* "00:10.0" */
    uint64_t generation;    /* this instance: 1, then +1 at every restart (the kernel's: 1) */
    bool has_irq;           /* false: completions are polled */
    unsigned line;          /* the interrupt line (I/O APIC input), if has_irq */
    /* Set by the driver: called for each interrupt of the device, from drv_wait in user space
     * and from the interrupt itself in the kernel. */
    void (*on_irq)(void *ctx);
    void *ctx;
    /* The kernel backend's own: where the configuration space is (ports 0xCF8/0xCFC). */
    uint8_t bus, slot, fn;
    /* The user-space backend's own (unused in the kernel). */
    volatile uint32_t *config; /* the configuration page */
    uint64_t irq_cap;          /* the IRQ handler capability */
    uint64_t reinject;         /* its notification, badged to hand back an injection signal */
    bool reinject_pending;     /* such a signal arrived during a wait */
};

/* The timestamp counter, and its rate (ticks per second). */
uint64_t drv_now(void);
uint64_t drv_tsc_hz(void);

/* One line of the driver's log ("edu: ..."; no newline needed in the kernel). */
void drv_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The text of an error or status code (AXL_E_*, AXL_S_*). */
const char *drv_strerror(long err);

/* The device's PCI configuration space, 32 bits at a time. */
uint32_t drv_config_read(const struct drv_dev *d, unsigned off);
void drv_config_write(struct drv_dev *d, unsigned off, uint32_t v);

/* Lets other work run for a moment (polling work of microseconds). */
void drv_yield(void);

/*
 * Waits for an interrupt of the device for at most us microseconds (it may
 * return sooner, for other reasons too: callers loop on the condition they
 * wait for). Interrupts are handed to d->on_irq. drv_wait_done ends a
 * series of waits (user space: signals taken meanwhile are handed back).
 */
long drv_wait(struct drv_dev *d, uint64_t us);
void drv_wait_done(struct drv_dev *d);

/* The interrupt was handled: the line may interrupt again. */
void drv_irq_ack(struct drv_dev *d);

#endif /* AXL_DRV_H */
