/* SPDX-License-Identifier: MIT */
/*
 * tcb.c: thread objects: creation, configuration, registers, start and
 * stop, and destruction when the last capability goes.
 */
#include <arch.h>
#include <clock.h>
#include <ipc.h>
#include <klog.h>
#include <kstring.h>
#include <thread.h>
#include <uapi/axl/invocations.h>
#include <uapi/axl/ipc.h>

static uint64_t next_id = 1;

void tcb_init(struct tcb *t)
{
    arch_fpu_init_area(t->fpu);
    arch_init_user_regs(&t->regs);
    t->timeslice = t->remaining = sched_default_timeslice();
    t->id = next_id++;
}

struct axl_ipc_buffer *tcb_ipc_buffer(const struct tcb *t)
{
    if (cte_empty(&t->ipcbuf)) {
        return NULL;
    }
    uint64_t frame_size = t->ipcbuf.cap.type == AXL_OBJ_LARGE_FRAME ? 1ull << 21 : PAGE_SIZE;
    return (struct axl_ipc_buffer *)((char *)t->ipcbuf.cap.obj + (t->ipcbuf_vaddr & (frame_size - 1)));
}

void tcb_suspend(struct tcb *t)
{
    /* A thread stopped inside a system call learns, when resumed, that the call was cut short;
     * one stopped in a fault retries the faulting instruction. */
    bool in_syscall = t->state >= TS_BLOCKED_SEND && !(t->ipc_flags & IPC_FAULT);
    ipc_cancel(t);
    if (in_syscall) {
        syscall_set_result(t, AXL_E_ABORTED);
    }
    sched_remove(t);
    t->state = TS_INACTIVE;
}

void tcb_destroy(struct tcb *t)
{
    tcb_suspend(t); /* also deletes the reply capability to t, if it waits for one */
    sched_forget(t);
    ntfn_bind(t, NULL);
    /* These hold copies only, and never untyped, so deleting them cannot fail;
     * a CNode they were the last capability to is emptied by the outer operation. */
    cap_delete_nodrain(&t->reply);
    cap_delete_nodrain(&t->fault_ep);
    cap_delete_nodrain(&t->ipcbuf);
    cap_delete_nodrain(&t->vspace);
    cap_delete_nodrain(&t->cspace);
}

/* Looks up an optional capability argument of a given type (cptr 0: none). */
static struct cte *arg_cap(uint64_t cptr, unsigned type, bool optional, int *err)
{
    if (cptr == 0 && optional) {
        return NULL;
    }
    return cspace_lookup_cap(current, cptr, type, err);
}

/* Replaces the capability in one of t's own slots with a copy of src (NULL: empty it). */
static void set_slot(struct cte *slot, struct cte *src)
{
    cap_delete_nodrain(slot);
    if (src) {
        cap_copy(src, slot, AXL_RIGHTS_ALL); /* src is non-empty, not untyped: cannot fail */
    }
}

static int configure(struct tcb *t)
{
    int err = AXL_E_OK;
    uint64_t ep_ptr = msg_get(current, 0), cs_ptr = msg_get(current, 1);
    uint64_t vs_ptr = msg_get(current, 2), buf_vaddr = msg_get(current, 3);
    uint64_t buf_ptr = msg_get(current, 4);

    struct cte *ep = arg_cap(ep_ptr, AXL_OBJ_ENDPOINT, true, &err);
    if (err) {
        return err;
    }
    struct cte *cs = arg_cap(cs_ptr, AXL_OBJ_CNODE, false, &err);
    if (err) {
        return err;
    }
    struct cte *vs = arg_cap(vs_ptr, AXL_OBJ_PML4, false, &err);
    if (err) {
        return err;
    }
    struct cte *buf = NULL;
    if (buf_ptr != 0) {
        buf = cspace_lookup(current, buf_ptr, &err);
        if (!buf) {
            return err;
        }
        unsigned ty = buf->cap.type;
        if (ty != AXL_OBJ_FRAME && ty != AXL_OBJ_LARGE_FRAME) {
            return AXL_E_INVALID_CAPABILITY;
        }
        if (buf->cap.flags & CAP_DEVICE) {
            return AXL_E_ILLEGAL_OPERATION; /* device memory is no place for messages */
        }
        if (buf_vaddr >= AXL_USER_TOP) {
            return AXL_E_RANGE;
        }
        if (buf_vaddr % sizeof(struct axl_ipc_buffer)) {
            return AXL_E_ALIGNMENT;
        }
        if ((buf->cap.rights & (AXL_RIGHT_READ | AXL_RIGHT_WRITE)) !=
            (AXL_RIGHT_READ | AXL_RIGHT_WRITE)) {
            return AXL_E_INSUFFICIENT_RIGHTS;
        }
    }
    if (ep && !(ep->cap.rights & AXL_RIGHT_WRITE)) {
        return AXL_E_INSUFFICIENT_RIGHTS; /* the kernel sends faults through it */
    }
    set_slot(&t->fault_ep, ep);
    set_slot(&t->cspace, cs);
    set_slot(&t->vspace, vs);
    set_slot(&t->ipcbuf, buf);
    t->ipcbuf_vaddr = buf ? buf_vaddr : 0;
    cap_drain();
    return AXL_E_OK;
}

static int set_priority(struct tcb *t)
{
    uint64_t prio = msg_get(current, 0), mcp = msg_get(current, 1), us = msg_get(current, 2);

    if (prio >= AXL_PRIORITIES || mcp >= AXL_PRIORITIES) {
        return AXL_E_RANGE;
    }
    if (prio > current->mcp || mcp > current->mcp) {
        return AXL_E_INSUFFICIENT_RIGHTS; /* no thread raises anyone above its own limit */
    }
    if (us > 10000000) {
        return AXL_E_RANGE; /* at most 10 s */
    }
    uint32_t ticks = sched_default_timeslice();
    if (us != 0) {
        uint64_t hz = clock_rate_hz() ? clock_rate_hz() : 1;
        ticks = (uint32_t)max_u64(1, (us * hz + 999999) / 1000000);
    }
    bool queued = t->queued;
    sched_remove(t);
    t->prio = (uint8_t)prio;
    t->mcp = (uint8_t)mcp;
    t->timeslice = t->remaining = ticks;
    if (queued) {
        sched_make_runnable(t);
    }
    return AXL_E_OK;
}

static bool user_address(uint64_t a) { return a < AXL_USER_TOP; }

static int write_registers(struct tcb *t, unsigned len)
{
    uint64_t rip = msg_get(current, 0), rsp = msg_get(current, 1);

    if (!user_address(rip) || !user_address(rsp)) {
        return AXL_E_INVALID_ARGUMENT; /* a kernel or non-canonical address would fault in iretq */
    }
    t->regs.rip = rip;
    t->regs.rsp = rsp;
    t->regs.rdi = msg_get(current, 2);
    t->regs.rsi = msg_get(current, 3);
    if (len >= 5) {
        t->regs.rflags = arch_user_rflags(msg_get(current, 4));
    }
    return AXL_E_OK;
}

static int read_registers(const struct tcb *t)
{
    const uint64_t v[] = {t->regs.rip, t->regs.rsp, t->regs.rdi,
                          t->regs.rsi, t->regs.rflags, t->regs.rax};
    for (unsigned i = 0; i < ARRAY_SIZE(v); i++) {
        if (!msg_set(current, i, v[i])) {
            return AXL_E_NO_IPC_BUFFER;
        }
    }
    syscall_set_msg(current, AXL_MSGINFO(0, 0, ARRAY_SIZE(v)), 0);
    return AXL_E_OK;
}

static int bind_notification(struct tcb *t)
{
    int err = AXL_E_OK;
    struct cte *n = arg_cap(msg_get(current, 0), AXL_OBJ_NOTIFICATION, true, &err);

    if (err) {
        return err;
    }
    if (n && !(n->cap.rights & AXL_RIGHT_READ)) {
        return AXL_E_INSUFFICIENT_RIGHTS; /* binding receives its signals */
    }
    return ntfn_bind(t, n ? n->cap.obj : NULL);
}

/* What TCB_INFO reports: the thread's state as the ABI names it. */
static uint64_t abi_state(const struct tcb *t)
{
    if (t->ipc_flags & IPC_FAULT) {
        return AXL_THREAD_FAULTED;
    }
    switch (t->state) {
    case TS_RUNNABLE:
        return AXL_THREAD_RUNNING;
    case TS_BLOCKED_SEND:
        return AXL_THREAD_BLOCKED_SEND;
    case TS_BLOCKED_RECV:
        return AXL_THREAD_BLOCKED_RECV;
    case TS_BLOCKED_REPLY:
        return AXL_THREAD_BLOCKED_REPLY;
    case TS_BLOCKED_WAIT:
        return AXL_THREAD_BLOCKED_NOTIFICATION;
    default:
        return AXL_THREAD_INACTIVE;
    }
}

static int report_info(const struct tcb *t)
{
    uint64_t fault = (t->ipc_flags & IPC_FAULT) ? AXL_MSGINFO_LABEL(t->fault_info) : 0;

    msg_set(current, 0, abi_state(t)); /* four register words: cannot fail */
    msg_set(current, 1, t->prio);
    msg_set(current, 2, fault);
    msg_set(current, 3, t->id);
    syscall_set_msg(current, AXL_MSGINFO(0, 0, 4), 0);
    return AXL_E_OK;
}

int tcb_invoke(struct tcb *t, struct cte *slot, uint64_t label, unsigned len)
{
    (void)slot;
    switch (label) {
    case AXL_INV_TCB_CONFIGURE:
        return configure(t);
    case AXL_INV_TCB_SET_PRIORITY:
        return set_priority(t);
    case AXL_INV_TCB_WRITE_REGISTERS:
        return write_registers(t, len);
    case AXL_INV_TCB_READ_REGISTERS:
        return read_registers(t);
    case AXL_INV_TCB_RESUME:
        if (cte_empty(&t->cspace) || cte_empty(&t->vspace)) {
            return AXL_E_ILLEGAL_OPERATION; /* configure it first */
        }
        if (t->state == TS_INACTIVE) {
            sched_make_runnable(t);
        }
        return AXL_E_OK;
    case AXL_INV_TCB_SUSPEND:
        tcb_suspend(t);
        return AXL_E_OK;
    case AXL_INV_TCB_BIND_NOTIFICATION:
        return bind_notification(t);
    case AXL_INV_TCB_INFO:
        return report_info(t);
    default:
        return AXL_E_ILLEGAL_OPERATION;
    }
}
