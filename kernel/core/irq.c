/* SPDX-License-Identifier: MIT */
/*
 * irq.c: IRQ lines as capabilities. IRQ_CONTROL_GET hands out the one
 * handler capability of a line; binding it to a notification unmasks
 * the line; each interrupt masks the line again and signals the
 * notification with the badge of the capability bound, and the line
 * stays masked until the handler acknowledges it (IRQ_ACK). So a driver
 * that dies with its line masked cannot flood the CPU, and the kernel
 * keeps no interrupt state beyond one record per line.
 */
#include <ipc.h>
#include <irq.h>
#include <uapi/axl/invocations.h>

static struct irq_line {
    bool issued;
    struct notification *ntfn;
    uint64_t badge;
    void (*kernel_fn)(void *); /* a driver linked into the kernel (kdriver.c) handles it */
    void *kernel_arg;
} lines[AXL_IRQ_COUNT];

bool irq_claim_for_kernel(unsigned irq, void (*fn)(void *), void *arg)
{
    if (irq >= AXL_IRQ_COUNT || lines[irq].issued || !arch_irq_setup(irq)) {
        return false;
    }
    lines[irq].issued = true; /* no handler capability can be had for it */
    lines[irq].kernel_fn = fn;
    lines[irq].kernel_arg = arg;
    arch_irq_mask(irq, false);
    return true;
}


static int control_get(void)
{
    uint64_t irq = msg_get(current, 0);
    int err = AXL_E_OK;

    if (irq >= AXL_IRQ_COUNT) {
        return AXL_E_RANGE;
    }
    struct cte *dst = cspace_empty_slot(current, msg_get(current, 1), msg_get(current, 2), &err);
    if (!dst) {
        return err;
    }
    if (lines[irq].issued) {
        return AXL_E_REVOKE_FIRST; /* one handler per line: delete the other first */
    }
    if (!arch_irq_setup((unsigned)irq)) {
        return AXL_E_INVALID_ARGUMENT;
    }
    struct cap cap = {.type = AXL_OBJ_IRQ_HANDLER,
                      .rights = AXL_RIGHTS_ALL,
                      .word = irq,
                      .obj = &lines[irq]};
    cdt_insert(dst, &cap, NULL);
    lines[irq].issued = true;
    return AXL_E_OK;
}

static int set_notification(unsigned irq)
{
    uint64_t cptr = msg_get(current, 0);

    if (cptr == 0) {
        lines[irq].ntfn = NULL;
        arch_irq_mask(irq, true);
        return AXL_E_OK;
    }
    int err = ntfn_signaller(cptr, &lines[irq].ntfn, &lines[irq].badge);
    if (err == AXL_E_OK) {
        arch_irq_mask(irq, false);
    }
    return err;
}

int irq_invoke(struct cte *slot, uint64_t label)
{
    if (slot->cap.type == AXL_OBJ_IRQ_CONTROL) {
        return label == AXL_INV_IRQ_CONTROL_GET ? control_get() : AXL_E_ILLEGAL_OPERATION;
    }
    unsigned irq = (unsigned)slot->cap.word;
    switch (label) {
    case AXL_INV_IRQ_SET_NOTIFICATION:
        return set_notification(irq);
    case AXL_INV_IRQ_ACK:
        if (lines[irq].ntfn) {
            arch_irq_mask(irq, false);
        }
        return AXL_E_OK;
    default:
        return AXL_E_ILLEGAL_OPERATION;
    }
}

void irq_handler_destroy(const struct cap *cap)
{
    unsigned irq = (unsigned)cap->word;
    arch_irq_mask(irq, true);
    lines[irq].ntfn = NULL;
    lines[irq].issued = false;
}

void irq_notification_gone(const void *ntfn)
{
    for (unsigned i = 0; i < AXL_IRQ_COUNT; i++) {
        if (lines[i].ntfn == ntfn) {
            lines[i].ntfn = NULL;
            arch_irq_mask(i, true);
        }
    }
}

void irq_deliver(unsigned irq)
{
    if (irq < AXL_IRQ_COUNT && lines[irq].kernel_fn) {
        lines[irq].kernel_fn(lines[irq].kernel_arg); /* it unmasks the line when done */
    } else if (irq < AXL_IRQ_COUNT && lines[irq].ntfn) {
        ntfn_signal(lines[irq].ntfn, lines[irq].badge);
    }
}
