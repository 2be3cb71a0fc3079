/* SPDX-License-Identifier: MIT */
/*
 * kdriver.c: a driver linked into the kernel (only in build/kernel-mono/,
 * the monolithic baseline of docs/benchmarks.md, "Availability").
 *
 * Two jobs. First, it is the kernel's backend of the driver interface
 * (drivers/lib/drv.h): time from the TSC, the log, the configuration space
 * through ports 0xCF8/0xCFC, waits that halt until the next interrupt, and
 * the device's interrupt taken in ring 0. Second, it is the AXL_OBJ_KDRIVER
 * capability: a CALL on it with one of the driver's request labels runs the
 * driver's handler in ring 0, in the caller's system call, on the caller's
 * own message, and the reply goes back as an IPC reply would (MR0 the
 * status). So a client calls the same request of the same driver source in
 * both builds; only the capability differs.
 *
 * What a monolithic kernel gives up is visible here: the driver runs with
 * interrupts masked and the whole kernel stopped while it waits for the
 * device (it halts until an interrupt), and a fault in it is a fault in the
 * kernel: KDRIVER_INJECT arms one, and the request that meets it panics.
 */
#include <arch.h>
#include <arch/pci.h>
#include <fmt.h>
#include <ipc.h>
#include <irq.h>
#include <kdriver.h>
#include <klog.h>
#include <kstring.h>
#include <thread.h>
#include <uapi/axl/invocations.h>

#include <axl/inject.h>
#include <axl/print.h>
#include <axl/rpc.h>

#include "drv.h"

/* libipc's msg.c reads and writes message words from MR4 on here: during a call, the caller's
 * IPC buffer (through the kernel's mapping of its frame), else NULL. */
struct axl_ipc_buffer *axl_ipc_buffer;

static bool ready;

static const char *const kind_names[] = {
#define AXL_X(number, name, text, where, what) [number] = text,
    AXL_INJECT_KINDS(AXL_X)
#undef AXL_X
};

/* KDRIVER_INJECT: the fault to carry out in ring 0, at request number after + 1. */
static struct {
    uint64_t kind, after, seed;
} armed;

/* --- drv.h, the kernel's backend --- */

uint64_t drv_now(void) { return arch_timestamp(); }

uint64_t drv_tsc_hz(void) { return arch_tsc_hz(); }

void drv_log(const char *fmt, ...)
{
    char line[192];
    va_list ap;
    va_start(ap, fmt);
    int n = kvsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    if (n > 0 && (size_t)n < sizeof(line) && line[n - 1] == '\n') {
        line[n - 1] = 0; /* klog ends the line itself */
    }
    kinfo("kdriver", "%s", line);
}

const char *drv_strerror(long err) { return axl_strerror(err); }

uint32_t drv_config_read(const struct drv_dev *d, unsigned off)
{
    return pci_read32(d->bus, d->slot, d->fn, off);
}

void drv_config_write(struct drv_dev *d, unsigned off, uint32_t v)
{
    pci_write32(d->bus, d->slot, d->fn, off, v);
}

void drv_yield(void) { arch_irq_poll(); } /* nothing else can run: let pending interrupts in */

/* Halts until an interrupt: the device's, or the next clock tick (clock_hz) at the latest. */
long drv_wait(struct drv_dev *d, uint64_t us)
{
    (void)d;
    (void)us;
    arch_wait_for_interrupt();
    return AXL_E_OK;
}

void drv_wait_done(struct drv_dev *d) { (void)d; }

void drv_irq_ack(struct drv_dev *d)
{
    if (d->has_irq) {
        arch_irq_mask(d->line, false);
    }
}

/* --- the capability --- */

bool kdriver_init(struct pmm *p, const char *cmdline)
{
    ready = kdriver_linked.init(p, cmdline);
    if (ready) {
        kinfo("kdriver", "driver '%s' linked into the kernel and serving (root task slot %u)",
              kdriver_linked.name, AXL_SLOT_KDRIVER);
    } else {
        kerror("kdriver", "driver '%s' linked into the kernel cannot serve; no capability for it",
               kdriver_linked.name);
    }
    return ready;
}

bool kdriver_ready(void) { return ready; }

static int inject(void)
{
    uint64_t kind = msg_get(current, 0);

    switch (kind) {
    case AXL_INJECT_NULL_READ:
    case AXL_INJECT_WILD_READ:
    case AXL_INJECT_DIVIDE_BY_ZERO:
    case AXL_INJECT_INVALID_OPCODE:
        break;
    default:
        return AXL_E_INVALID_ARGUMENT; /* the rest have no meaning in ring 0, or never end */
    }
    armed.kind = kind;
    armed.after = msg_get(current, 1);
    armed.seed = msg_get(current, 2);
    kinfo("kdriver", "'%s' armed: %s at request %llu from now", kdriver_linked.name,
          kind_names[kind], (unsigned long long)armed.after + 1);
    return AXL_E_OK;
}

/* The fault, in ring 0: each is a CPU exception in kernel mode, so kpanic_trap. */
static void fire(void)
{
    static volatile uint64_t zero; /* volatile: the compiler may not see the division coming */
    uint64_t kind = armed.kind, state = armed.seed;

    armed.kind = 0;
    kinfo("kdriver", "'%s' faults now in ring 0: %s", kdriver_linked.name, kind_names[kind]);
    switch (kind) {
    case AXL_INJECT_NULL_READ:
        (void)*(volatile uint64_t *)0;
        break;
    case AXL_INJECT_WILD_READ: {
        /* Between the direct map (at most a few TiB above 0xffff800000000000) and the kernel
         * image: never mapped. The seed picks the page. */
        state = (state + 0x9e3779b97f4a7c15ull) * 0xbf58476d1ce4e5b9ull; /* one mixing step */
        uint64_t page = (state ^ (state >> 31)) & 0x3fffffffull;
        (void)*(volatile uint64_t *)(0xffffc00000000000ull + (page << 12));
        break;
    }
    case AXL_INJECT_DIVIDE_BY_ZERO:
        zero = 1 / zero;
        break;
    case AXL_INJECT_INVALID_OPCODE:
        __asm__ volatile("ud2");
        break;
    default:
        break;
    }
}

int kdriver_invoke(struct cte *slot, uint64_t label, unsigned len)
{
    (void)slot;
    if (!ready) {
        return AXL_E_ILLEGAL_OPERATION;
    }
    if (label == AXL_INV_KDRIVER_INJECT) {
        return inject();
    }
    const struct axl_rpc_op *op = NULL;
    for (unsigned i = 0; i < kdriver_linked.ops_count && !op; i++) {
        op = kdriver_linked.ops[i].label == label ? &kdriver_linked.ops[i] : NULL;
    }
    if (!op) {
        return AXL_E_ILLEGAL_OPERATION;
    }
    if (armed.kind && armed.after-- == 0) {
        fire();
    }
    struct tcb *caller = current;
    struct axl_msg req = {.info = AXL_MSGINFO(label, 0, len)};
    for (unsigned i = 0; i < AXL_MSG_REG_WORDS; i++) {
        req.mr[i] = msg_get(caller, i);
    }
    struct axl_msg reply = axl_message(0, 1);
    struct axl_rpc_request r = {.msg = &req, .badge = 0, .reply = &reply};
    axl_ipc_buffer = tcb_ipc_buffer(caller);
    sched_hold(true); /* the driver may halt for its device: the clock must not switch threads */
    long status = len < op->min_words ? AXL_S_BAD_REQUEST : op->handle(kdriver_linked.ctx, &r);
    sched_hold(false);
    axl_ipc_buffer = NULL;
    reply.mr[0] = (uint64_t)status;
    unsigned words = AXL_MSGINFO_LEN(reply.info);
    for (unsigned i = 0; i < AXL_MSG_REG_WORDS && i < words; i++) {
        msg_set(caller, i, reply.mr[i]);
    }
    syscall_set_msg(caller, reply.info, 0);
    return AXL_E_OK;
}
