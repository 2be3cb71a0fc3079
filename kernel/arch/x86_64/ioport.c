/* SPDX-License-Identifier: MIT */
/*
 * ioport.c: I/O-port capabilities. IOPortControl issues a capability
 * for a range of ports [first, last]; its holder reads and writes ports
 * in that range through the kernel (IOPORT_IN, IOPORT_OUT), so no TSS
 * permission bitmap is needed. The ports of the legacy PICs are never
 * issued: unmasking them could send interrupts on vectors the kernel
 * uses for CPU exceptions.
 *
 * The first write to one of COM1's UART registers (not its scratch
 * register, which holds no state the line depends on) hands the console to
 * user space: the kernel log stops writing to COM1 (lib/klog.c).
 */
#include <arch.h>
#include <arch/x86.h>
#include <ipc.h>
#include <klog.h>
#include <uapi/axl/invocations.h>

static uint64_t range_word(uint64_t first, uint64_t last) { return first | last << 16; }
static unsigned range_first(uint64_t w) { return (unsigned)(w & 0xffff); }
static unsigned range_last(uint64_t w) { return (unsigned)((w >> 16) & 0xffff); }

static bool overlaps(uint64_t a0, uint64_t a1, uint64_t b0, uint64_t b1) { return a0 <= b1 && b0 <= a1; }

#define COM1_BASE 0x3f8
#define COM1_LAST_REG 0x3fe /* 0x3ff is the scratch register */

static int issue(void)
{
    uint64_t first = msg_get(current, 0), last = msg_get(current, 1);
    int err = AXL_E_OK;

    if (first > last || last > 0xffff) {
        return AXL_E_RANGE;
    }
    if (overlaps(first, last, 0x20, 0x21) || overlaps(first, last, 0xa0, 0xa1)) {
        return AXL_E_ILLEGAL_OPERATION; /* the PICs stay the kernel's */
    }
    struct cte *dst = cspace_empty_slot(current, msg_get(current, 2), msg_get(current, 3), &err);
    if (!dst) {
        return err;
    }
    /* obj is not a pointer here: it makes each range its own object for the derivation tree. */
    struct cap cap = {.type = AXL_OBJ_IOPORT,
                      .rights = AXL_RIGHTS_ALL,
                      .word = range_word(first, last),
                      .obj = (void *)(uintptr_t)(range_word(first, last) + 1)};
    cdt_insert(dst, &cap, NULL);
    return AXL_E_OK;
}

static int port_io(const struct cap *cap, bool out)
{
    uint64_t port = msg_get(current, 0), width = msg_get(current, 1);

    if (width != 1 && width != 2 && width != 4) {
        return AXL_E_INVALID_ARGUMENT;
    }
    if (port > 0xffff || port < range_first(cap->word) || port + width - 1 > range_last(cap->word)) {
        return AXL_E_RANGE;
    }
    if (!(cap->rights & (out ? AXL_RIGHT_WRITE : AXL_RIGHT_READ))) {
        return AXL_E_INSUFFICIENT_RIGHTS;
    }
    uint16_t p = (uint16_t)port;
    if (out) {
        uint64_t v = msg_get(current, 2);
        if (port <= COM1_LAST_REG && port + width - 1 >= COM1_BASE) {
            klog_console_release(); /* a user driver programs COM1 now: the kernel keeps off it */
        }
        if (width == 1) {
            outb(p, (uint8_t)v);
        } else if (width == 2) {
            outw(p, (uint16_t)v);
        } else {
            outl(p, (uint32_t)v);
        }
        return AXL_E_OK;
    }
    uint64_t v = width == 1 ? inb(p) : width == 2 ? inw(p) : inl(p);
    msg_set(current, 0, v);
    syscall_set_msg(current, AXL_MSGINFO(0, 0, 1), 0);
    return AXL_E_OK;
}

int arch_ioport_invoke(struct cte *slot, uint64_t label)
{
    if (slot->cap.type == AXL_OBJ_IOPORT_CONTROL) {
        return label == AXL_INV_IOPORT_ISSUE ? issue() : AXL_E_ILLEGAL_OPERATION;
    }
    switch (label) {
    case AXL_INV_IOPORT_IN:
        return port_io(&slot->cap, false);
    case AXL_INV_IOPORT_OUT:
        return port_io(&slot->cap, true);
    default:
        return AXL_E_ILLEGAL_OPERATION;
    }
}
