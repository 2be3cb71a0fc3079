/* SPDX-License-Identifier: MIT */
/*
 * syscall.c: the system-call layer: message registers, the dispatch of
 * every system call (uapi/axl/syscalls.h), and debug output.
 *
 * The arch entry code has saved the caller's registers in current->regs
 * and calls syscall_dispatch; every path ends in kernel_exit, which may
 * resume a different thread. Nothing a user passes can make the kernel
 * panic: every number is checked, and an unknown system call is a fault
 * like any other, sent to the thread's fault endpoint.
 */
#include <arch.h>
#include <ipc.h>
#include <klog.h>
#include <uapi/axl/faults.h>
#include <uapi/axl/ipc.h>
#include <uapi/axl/syscalls.h>

uint64_t msg_get(const struct tcb *t, unsigned i)
{
    switch (i) {
    case 0:
        return t->regs.rdx;
    case 1:
        return t->regs.r10;
    case 2:
        return t->regs.r8;
    case 3:
        return t->regs.r9;
    default: {
        struct axl_ipc_buffer *b = tcb_ipc_buffer(t);
        return b && i < AXL_MSG_MAX_WORDS ? b->mr[i] : 0;
    }
    }
}

bool msg_set(struct tcb *t, unsigned i, uint64_t v)
{
    switch (i) {
    case 0:
        t->regs.rdx = v;
        return true;
    case 1:
        t->regs.r10 = v;
        return true;
    case 2:
        t->regs.r8 = v;
        return true;
    case 3:
        t->regs.r9 = v;
        return true;
    default: {
        struct axl_ipc_buffer *b = tcb_ipc_buffer(t);
        if (!b || i >= AXL_MSG_MAX_WORDS) {
            return false;
        }
        b->mr[i] = v;
        return true;
    }
    }
}

void syscall_set_result(struct tcb *t, int err)
{
    t->regs.rax = (uint64_t)err;
    if (err) {
        t->regs.rsi = 0; /* an error carries no message */
        t->regs.rdi = 0;
    }
}

void syscall_set_msg(struct tcb *t, uint64_t info, uint64_t badge)
{
    t->regs.rsi = info;
    t->regs.rdi = badge;
}

/* DEBUG_PUTS: rdi bytes, packed little-endian into the message words. */
static int debug_puts(struct tcb *t, uint64_t count)
{
    char line[AXL_MSG_MAX_WORDS * 8 + 1];

    if (count > AXL_MSG_MAX_WORDS * 8) {
        return AXL_E_RANGE;
    }
    if (count > AXL_MSG_REG_WORDS * 8 && !tcb_ipc_buffer(t)) {
        return AXL_E_NO_IPC_BUFFER;
    }
    size_t n = 0;
    for (unsigned i = 0; i * 8 < count; i++) {
        uint64_t w = msg_get(t, i);
        for (unsigned b = 0; b < 8 && i * 8 + b < count; b++) {
            char c = (char)(w >> (8 * b));
            /* Keep the log free of terminal controls. */
            line[n++] = (c == '\n' || (c >= 0x20 && c < 0x7f)) ? c : '?';
        }
    }
    line[n] = 0;
    klog_raw(line);
    return AXL_E_OK;
}

/* LOG_READ: kernel-log bytes from position pos on, packed into MR2.. (MR0 first, MR1 count). */
static int log_read(struct tcb *t, uint64_t pos)
{
    char buf[(AXL_MSG_MAX_WORDS - 2) * 8];
    size_t max = tcb_ipc_buffer(t) ? sizeof(buf) : (AXL_MSG_REG_WORDS - 2) * 8;
    uint64_t first, n = klog_read(pos, buf, max, &first);
    unsigned words = (unsigned)((n + 7) / 8);

    msg_set(t, 0, first);
    msg_set(t, 1, n);
    for (unsigned i = 0; i < words; i++) {
        uint64_t w = 0;
        for (unsigned b = 0; b < 8 && i * 8 + b < n; b++) {
            w |= (uint64_t)(uint8_t)buf[i * 8 + b] << (8 * b);
        }
        msg_set(t, 2 + i, w); /* fits: max was chosen for the room there is */
    }
    syscall_set_msg(t, AXL_MSGINFO(0, 0, 2 + words), 0);
    return AXL_E_OK;
}

/* True for the system calls that send a message the caller labelled. */
static bool sends_label(uint64_t nr)
{
    return nr == AXL_SYS_CALL || nr == AXL_SYS_SEND || nr == AXL_SYS_NB_SEND ||
           nr == AXL_SYS_REPLY || nr == AXL_SYS_REPLY_RECV;
}

static void do_call(struct tcb *self, uint64_t cptr, uint64_t info)
{
    int err = AXL_E_OK;
    struct cte *slot = cspace_lookup_cap(self, cptr, 0, &err);

    if (!slot) {
        syscall_set_result(self, err);
        return;
    }
    if (slot->cap.type == AXL_OBJ_ENDPOINT) {
        ipc_send(slot, info, true, true);
        return;
    }
    self->regs.rsi = 0; /* results set their own message info */
    err = object_invoke(slot, info);
    syscall_set_result(self, err);
}

static void do_ipc(struct tcb *self, unsigned nr, uint64_t cptr, uint64_t info)
{
    int err = AXL_E_OK;
    unsigned type = (nr == AXL_SYS_SIGNAL || nr == AXL_SYS_WAIT || nr == AXL_SYS_POLL)
                        ? AXL_OBJ_NOTIFICATION
                        : AXL_OBJ_ENDPOINT;
    struct cte *slot = cspace_lookup_cap(self, cptr, 0, &err);

    if (slot && (nr == AXL_SYS_SEND || nr == AXL_SYS_NB_SEND) && slot->cap.type == AXL_OBJ_REPLY) {
        /* A reply capability saved with CNODE_SAVE_CALLER is answered by sending on it. */
        syscall_set_result(self, ipc_reply_through(slot, self->regs.rsi));
        return;
    }
    if (slot && slot->cap.type != type) {
        slot = NULL;
        err = AXL_E_INVALID_CAPABILITY;
    }
    if (!slot) {
        syscall_set_result(self, err);
        return;
    }
    switch (nr) {
    case AXL_SYS_SEND:
    case AXL_SYS_NB_SEND:
        ipc_send(slot, info, nr == AXL_SYS_SEND, false);
        break;
    case AXL_SYS_RECV:
    case AXL_SYS_NB_RECV:
        ipc_recv(slot, nr == AXL_SYS_RECV);
        break;
    case AXL_SYS_SIGNAL:
        if (!(slot->cap.rights & AXL_RIGHT_WRITE)) {
            syscall_set_result(self, AXL_E_INSUFFICIENT_RIGHTS);
            break;
        }
        ntfn_signal(slot->cap.obj, slot->cap.word);
        syscall_set_result(self, AXL_E_OK);
        break;
    default:
        ntfn_wait(slot, nr == AXL_SYS_WAIT);
        break;
    }
}

/* Tries the IPC fast path (core/ipc.c) for a register-only CALL or REPLY_RECV on an endpoint. */
static bool fastpath(struct tcb *self, uint64_t nr, uint64_t cptr, uint64_t info)
{
    int err = AXL_E_OK;

    if ((nr != AXL_SYS_CALL && nr != AXL_SYS_REPLY_RECV) ||
        AXL_MSGINFO_LEN(info) > AXL_MSG_REG_WORDS || AXL_MSGINFO_CAPS(info) != 0) {
        return false;
    }
    struct cte *slot = cspace_lookup_cap(self, cptr, AXL_OBJ_ENDPOINT, &err);
    if (!slot) {
        return false;
    }
    return nr == AXL_SYS_CALL ? ipc_fast_call(slot, info) : ipc_fast_reply_recv(slot, info);
}

NORETURN void syscall_dispatch(void)
{
    struct tcb *self = current;
    uint64_t nr = self->regs.rax, cptr = self->regs.rdi, info = self->regs.rsi;

    if (AXL_MSGINFO_LABEL(info) == AXL_LABEL_NOTIFICATION && sends_label(nr)) {
        syscall_set_result(self, AXL_E_INVALID_ARGUMENT); /* only the kernel says "notification" */
        kernel_exit();
    }
    if (fastpath(self, nr, cptr, info)) {
        kernel_exit();
    }

    switch (nr) {
    case AXL_SYS_CALL:
        do_call(self, cptr, info);
        break;
    case AXL_SYS_SEND:
    case AXL_SYS_NB_SEND:
    case AXL_SYS_RECV:
    case AXL_SYS_NB_RECV:
    case AXL_SYS_SIGNAL:
    case AXL_SYS_WAIT:
    case AXL_SYS_POLL:
        do_ipc(self, (unsigned)nr, cptr, info);
        break;
    case AXL_SYS_REPLY:
        syscall_set_result(self, ipc_reply(info));
        break;
    case AXL_SYS_REPLY_RECV: {
        int err = ipc_reply(info);
        if (err && err != AXL_E_INVALID_CAPABILITY) {
            syscall_set_result(self, err); /* a reply that cannot go is reported, not dropped */
            break;
        }
        do_ipc(self, AXL_SYS_RECV, cptr, 0);
        break;
    }
    case AXL_SYS_YIELD:
        syscall_set_result(self, AXL_E_OK);
        sched_yield();
        break;
    case AXL_SYS_DEBUG_PUTS:
        syscall_set_result(self, debug_puts(self, cptr));
        break;
    case AXL_SYS_DEBUG_CHECK:
        self->regs.rax = kernel_check();
        break;
    case AXL_SYS_LOG_READ:
        syscall_set_result(self, log_read(self, cptr));
        break;
    default:
        ipc_fault(self, AXL_FAULT_INVALID_SYSCALL, 0, nr);
        break;
    }
    kernel_exit();
}
