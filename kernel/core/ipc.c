/* SPDX-License-Identifier: MIT */
/*
 * ipc.c: synchronous IPC through endpoints, one-shot reply capabilities,
 * and faults delivered as messages.
 *
 * An endpoint holds a FIFO queue of threads that wait to send, or of
 * threads that wait to receive (never both). A message is copied
 * directly from sender to receiver: MR0..MR3 register to register, the
 * rest IPC buffer to IPC buffer, capabilities from the sender's CSpace to
 * the slots the receiver offered. A call leaves a reply capability in the
 * receiver's TCB; it is the only way to answer, works once, and when it
 * is deleted unanswered the caller is woken with ABORTED, so a client
 * never waits forever for a server that is gone.
 */
#include <arch.h>
#include <ipc.h>
#include <klog.h>
#include <uapi/axl/faults.h>
#include <uapi/axl/ipc.h>

static void ep_enqueue(struct endpoint *ep, struct tcb *t)
{
    t->ep_next = NULL;
    t->ep_prev = ep->tail;
    if (ep->tail) {
        ep->tail->ep_next = t;
    } else {
        ep->head = t;
    }
    ep->tail = t;
    t->blocked_on = ep;
}

static void ep_dequeue(struct endpoint *ep, struct tcb *t)
{
    if (t->ep_prev) {
        t->ep_prev->ep_next = t->ep_next;
    } else {
        ep->head = t->ep_next;
    }
    if (t->ep_next) {
        t->ep_next->ep_prev = t->ep_prev;
    } else {
        ep->tail = t->ep_prev;
    }
    t->ep_next = t->ep_prev = NULL;
    t->blocked_on = NULL;
}

/* Message word i as t sends it: a fault message, its registers, or its IPC buffer. */
static uint64_t send_word(const struct tcb *t, unsigned i)
{
    if (t->ipc_flags & IPC_FAULT) {
        return i < AXL_FAULT_WORDS ? t->fault_mr[i] : 0;
    }
    return msg_get(t, i);
}

/* The message info t sends with (a fault message's is kept with it). */
static uint64_t send_info(const struct tcb *t)
{
    return (t->ipc_flags & IPC_FAULT) ? t->fault_info : t->ipc_info;
}

/*
 * Checks a message current is about to send through a capability with
 * the given rights: length, IPC buffer, and that any capabilities to
 * transfer exist and may be transferred.
 */
static int check_message(uint64_t info, unsigned rights)
{
    unsigned len = AXL_MSGINFO_LEN(info), ncaps = AXL_MSGINFO_CAPS(info);
    struct axl_ipc_buffer *buf = tcb_ipc_buffer(current);

    if (len > AXL_MSG_MAX_WORDS || ncaps > AXL_MSG_MAX_CAPS) {
        return AXL_E_INVALID_ARGUMENT;
    }
    if ((len > AXL_MSG_REG_WORDS || ncaps) && !buf) {
        return AXL_E_NO_IPC_BUFFER;
    }
    if (ncaps && !(rights & AXL_RIGHT_GRANT)) {
        return AXL_E_INSUFFICIENT_RIGHTS;
    }
    for (unsigned i = 0; i < ncaps; i++) {
        int err = AXL_E_OK;
        struct cte *c = cspace_lookup(current, buf->caps[i], &err);
        if (!c) {
            return err;
        }
        if (cte_empty(c)) {
            return AXL_E_INVALID_CAPABILITY;
        }
    }
    return AXL_E_OK;
}

/*
 * Copies the sender's capabilities into the slots the receiver offers, as
 * children of the sender's (revoking the sender's revokes the copies).
 * Stops at the first one that cannot go. Returns how many went.
 */
static unsigned transfer_caps(const struct tcb *src, struct tcb *dst, unsigned ncaps)
{
    struct axl_ipc_buffer *sb = tcb_ipc_buffer(src), *db = tcb_ipc_buffer(dst);
    int err = AXL_E_OK;

    if (!ncaps || !sb || !db || db->recv_cnode == 0) {
        return 0;
    }
    struct cte *cn = cspace_lookup_cap(dst, db->recv_cnode, AXL_OBJ_CNODE, &err);
    if (!cn) {
        return 0;
    }
    unsigned done = 0;
    for (; done < ncaps && done < db->recv_count; done++) {
        struct cte *from = cspace_lookup(src, sb->caps[done], &err);
        struct cte *to = cnode_slot(&cn->cap, db->recv_slot + done, &err);
        if (!from || !to || db->recv_slot + done < db->recv_slot ||
            cap_copy(from, to, AXL_RIGHTS_ALL) != AXL_E_OK) {
            break;
        }
    }
    return done;
}

/* Gives dst, which received src's call, the reply capability to src (dst->reply is empty). */
static void make_reply_cap(struct tcb *src, struct tcb *dst, uint32_t flags)
{
    struct cap reply = {.type = AXL_OBJ_REPLY,
                        .rights = (flags & IPC_GRANT_REPLY) ? AXL_RIGHT_GRANT : 0,
                        .obj = src};
    cdt_insert(&dst->reply, &reply, NULL);
    src->caller_reply = &dst->reply;
    src->state = TS_BLOCKED_REPLY;
}

/*
 * Delivers src's message to dst: words, capabilities (if flags allow),
 * badge; a call also leaves dst the reply capability and blocks src.
 */
static void deliver(struct tcb *src, struct tcb *dst, uint64_t badge, uint32_t flags)
{
    uint64_t info = send_info(src);
    unsigned len = AXL_MSGINFO_LEN(info);
    struct axl_ipc_buffer *db = tcb_ipc_buffer(dst);

    if (len > AXL_MSG_REG_WORDS && !db) {
        len = AXL_MSG_REG_WORDS; /* the receiver has room for the register words only */
    }
    for (unsigned i = 0; i < len; i++) {
        msg_set(dst, i, send_word(src, i));
    }
    unsigned ncaps = (flags & IPC_GRANT) ? transfer_caps(src, dst, AXL_MSGINFO_CAPS(info)) : 0;
    dst->regs.rax = AXL_E_OK;
    syscall_set_msg(dst, AXL_MSGINFO(AXL_MSGINFO_LABEL(info), ncaps, len), badge);

    if (flags & (IPC_CALL | IPC_FAULT)) {
        cap_delete_nodrain(&dst->reply); /* an unanswered earlier caller is told ABORTED */
        make_reply_cap(src, dst, flags);
        sched_remove(src);
    }
}

/* Flags for a send through the endpoint capability ep. */
static uint32_t send_flags(const struct cte *ep, bool call)
{
    uint32_t f = call ? IPC_CALL : 0;
    if (ep->cap.rights & AXL_RIGHT_GRANT) {
        f |= IPC_GRANT;
    }
    if (ep->cap.rights & AXL_RIGHT_GRANT_REPLY) {
        f |= IPC_GRANT_REPLY;
    }
    return f;
}

/*
 * Sends for t (current, or a faulting thread) with the given flags. The
 * message info is kept as it was checked: a blocked sender's registers
 * can be rewritten (TCB_WRITE_REGISTERS) before a receiver comes.
 */
static void do_send(struct tcb *t, struct cte *epc, uint32_t flags, bool blocking)
{
    struct endpoint *ep = epc->cap.obj;
    struct tcb *r = ep->head;

    t->ipc_flags = flags;
    t->ipc_info = t->regs.rsi;
    if (r && r->state == TS_BLOCKED_RECV) {
        ep_dequeue(ep, r);
        if (!(flags & IPC_FAULT)) {
            t->regs.rax = AXL_E_OK; /* a faulting thread's registers stay as they were */
        }
        deliver(t, r, epc->cap.word, flags);
        sched_handoff(r);
        return;
    }
    if (!blocking) {
        syscall_set_result(t, AXL_E_WOULD_BLOCK);
        return;
    }
    t->state = TS_BLOCKED_SEND;
    t->ipc_badge = epc->cap.word;
    sched_remove(t);
    ep_enqueue(ep, t);
}

void ipc_send(struct cte *epc, uint64_t info, bool blocking, bool call)
{
    if (!(epc->cap.rights & AXL_RIGHT_WRITE)) {
        syscall_set_result(current, AXL_E_INSUFFICIENT_RIGHTS);
        return;
    }
    int err = check_message(info, epc->cap.rights);
    if (err) {
        syscall_set_result(current, err);
        return;
    }
    do_send(current, epc, send_flags(epc, call), blocking);
}

void ipc_recv(struct cte *epc, bool blocking)
{
    struct tcb *self = current;

    if (!(epc->cap.rights & AXL_RIGHT_READ)) {
        syscall_set_result(self, AXL_E_INSUFFICIENT_RIGHTS);
        return;
    }
    if (ntfn_take_bound(self)) {
        return; /* a pending signal comes before messages, so interrupts are not starved */
    }
    struct endpoint *ep = epc->cap.obj;
    struct tcb *s = ep->head;
    if (s && s->state == TS_BLOCKED_SEND) {
        ep_dequeue(ep, s);
        uint32_t flags = s->ipc_flags;
        deliver(s, self, s->ipc_badge, flags);
        if (!(flags & (IPC_CALL | IPC_FAULT))) {
            s->regs.rax = AXL_E_OK;
            sched_make_runnable(s);
        }
        return;
    }
    if (!blocking) {
        syscall_set_result(self, AXL_E_WOULD_BLOCK);
        return;
    }
    self->state = TS_BLOCKED_RECV;
    sched_remove(self);
    ep_enqueue(ep, self);
}

/* The kernel's answer to a fault reply: resume with the registers sent, or leave suspended. */
static void fault_replied(struct tcb *replier, struct tcb *t, uint64_t info)
{
    unsigned len = AXL_MSGINFO_LEN(info);

    t->ipc_flags = 0;
    if (AXL_MSGINFO_LABEL(info) != AXL_FAULT_RESUME) {
        t->state = TS_INACTIVE;
        return;
    }
    uint64_t rip = len >= 1 ? msg_get(replier, 0) : t->regs.rip;
    uint64_t rsp = len >= 2 ? msg_get(replier, 1) : t->regs.rsp;
    if (rip >= AXL_USER_TOP || rsp >= AXL_USER_TOP) {
        klog(KLOG_WARN, "fault", "thread %llu: resume at a kernel address refused; suspended",
             (unsigned long long)t->id);
        t->state = TS_INACTIVE;
        return;
    }
    t->regs.rip = rip;
    t->regs.rsp = rsp;
    sched_handoff(t);
}

int ipc_reply(uint64_t info) { return ipc_reply_through(&current->reply, info); }

int ipc_reply_through(struct cte *rc, uint64_t info)
{
    struct tcb *self = current;

    if (cte_empty(rc) || rc->cap.type != AXL_OBJ_REPLY) {
        return AXL_E_INVALID_CAPABILITY; /* nothing to answer, or answered already */
    }
    int err = check_message(info, rc->cap.rights);
    if (err) {
        return err;
    }
    struct tcb *caller = rc->cap.obj;
    bool grant = rc->cap.rights & AXL_RIGHT_GRANT;
    caller->caller_reply = NULL; /* answered: deleting the capability must not abort it */
    cdt_remove(rc);
    if (caller->ipc_flags & IPC_FAULT) {
        fault_replied(self, caller, info);
        return AXL_E_OK;
    }
    caller->ipc_flags = 0;
    self->ipc_flags = grant ? IPC_GRANT : 0;
    self->ipc_info = info;
    deliver(self, caller, 0, self->ipc_flags);
    self->ipc_flags = 0;
    sched_handoff(caller);
    return AXL_E_OK;
}

void ipc_fault(struct tcb *t, unsigned kind, uint64_t addr, uint64_t detail)
{
    t->fault_mr[AXL_FAULT_MR_RIP] = t->regs.rip;
    t->fault_mr[AXL_FAULT_MR_RSP] = t->regs.rsp;
    t->fault_mr[AXL_FAULT_MR_ADDR] = addr;
    t->fault_mr[AXL_FAULT_MR_ERROR] = t->regs.error;
    t->fault_mr[AXL_FAULT_MR_FLAGS] = t->regs.rflags;
    t->fault_mr[AXL_FAULT_MR_DETAIL] = detail;
    t->fault_mr[AXL_FAULT_MR_TSC] = arch_timestamp();
    t->fault_info = AXL_MSGINFO(kind, 0, AXL_FAULT_WORDS);
    if (cte_empty(&t->fault_ep) && t->critical) {
        /* The supervisor itself: nothing would restart anything any more. A reboot is the
         * clean answer; a hang that looks alive is the one thing it must never be. */
        klog_console_reclaim();
        kerror("fault", "the root task (supervisor, thread %llu) took fault %u at rip 0x%llx "
                        "addr 0x%llx: nothing supervises it; rebooting the system",
               (unsigned long long)t->id, kind, (unsigned long long)t->regs.rip,
               (unsigned long long)addr);
        arch_reboot();
    }
    if (cte_empty(&t->fault_ep)) {
        kwarn("fault", "thread %llu: fault %u at rip 0x%llx addr 0x%llx, no fault endpoint: suspended",
              (unsigned long long)t->id, kind, (unsigned long long)t->regs.rip,
              (unsigned long long)addr);
        tcb_suspend(t);
        return;
    }
    do_send(t, &t->fault_ep, IPC_FAULT, true);
}

void ipc_cancel(struct tcb *t)
{
    switch (t->state) {
    case TS_BLOCKED_SEND:
    case TS_BLOCKED_RECV:
        ep_dequeue(t->blocked_on, t);
        break;
    case TS_BLOCKED_WAIT:
        ntfn_cancel(t);
        break;
    case TS_BLOCKED_REPLY:
        reply_cap_forget(t);
        break;
    default:
        break;
    }
    t->ipc_flags = 0;
}

/* A thread woken because its IPC cannot complete: an error for a system call, suspension for a fault. */
static void abort_ipc(struct tcb *t)
{
    if (t->ipc_flags & IPC_FAULT) {
        t->ipc_flags = 0;
        t->state = TS_INACTIVE;
        return;
    }
    syscall_set_result(t, AXL_E_ABORTED);
    t->ipc_flags = 0;
    sched_make_runnable(t);
}

void endpoint_destroy(struct endpoint *ep)
{
    while (ep->head) {
        struct tcb *t = ep->head;
        ep_dequeue(ep, t);
        abort_ipc(t);
    }
}


void reply_cap_removed(struct tcb *caller)
{
    caller->caller_reply = NULL;
    if (caller->state == TS_BLOCKED_REPLY) {
        abort_ipc(caller);
    }
}

void reply_cap_forget(struct tcb *t)
{
    struct cte *rc = t->caller_reply;

    if (rc) {
        t->caller_reply = NULL;
        cdt_remove(rc); /* no abort: t itself is stopping */
    }
}

/*
 * The fast path, for the round trip of a client and a server at the same
 * priority (seL4 has the same idea): a CALL to an endpoint where the
 * receiver already waits, and a REPLY_RECV that answers a caller while no
 * sender waits on the endpoint, each with a message in registers only and
 * no capabilities. The words move register to register and the partner
 * becomes the current thread directly, without the ready queues. These
 * return false, having changed nothing, whenever a condition fails; the
 * general path then does the same work the long way.
 */
/* MR0..MR(len-1) from register to register; words past the length are not written. */
static void copy_reg_words(const struct tcb *src, struct tcb *dst, unsigned len)
{
    switch (len) {
    default:
        dst->regs.r9 = src->regs.r9;
        /* fall through */
    case 3:
        dst->regs.r8 = src->regs.r8;
        /* fall through */
    case 2:
        dst->regs.r10 = src->regs.r10;
        /* fall through */
    case 1:
        dst->regs.rdx = src->regs.rdx;
        /* fall through */
    case 0:
        break;
    }
}

bool ipc_fast_call(struct cte *epc, uint64_t info)
{
    struct tcb *self = current;
    struct endpoint *ep = epc->cap.obj;
    struct tcb *r = ep->head;

    if (!(epc->cap.rights & AXL_RIGHT_WRITE) || !r || r->state != TS_BLOCKED_RECV ||
        r->prio != self->prio || !cte_empty(&r->reply) || cte_empty(&r->vspace)) {
        return false;
    }
    ep_dequeue(ep, r);
    copy_reg_words(self, r, AXL_MSGINFO_LEN(info));
    r->regs.rax = AXL_E_OK;
    self->regs.rax = AXL_E_OK; /* as the general path leaves it while the caller waits */
    syscall_set_msg(r, AXL_MSGINFO(AXL_MSGINFO_LABEL(info), 0, AXL_MSGINFO_LEN(info)),
                    epc->cap.word);
    uint32_t flags = send_flags(epc, true);
    make_reply_cap(self, r, flags);
    self->ipc_flags = flags;
    r->state = TS_RUNNABLE;
    current = r;
    return true;
}

bool ipc_fast_reply_recv(struct cte *epc, uint64_t info)
{
    struct tcb *self = current;
    struct cte *rc = &self->reply;
    struct endpoint *ep = epc->cap.obj;

    if (cte_empty(rc) || !(epc->cap.rights & AXL_RIGHT_READ) ||
        (ep->head && ep->head->state != TS_BLOCKED_RECV) ||
        (self->bound_ntfn && self->bound_ntfn->word)) {
        return false;
    }
    struct tcb *caller = rc->cap.obj;
    if ((caller->ipc_flags & IPC_FAULT) || caller->prio != self->prio || cte_empty(&caller->vspace)) {
        return false;
    }
    copy_reg_words(self, caller, AXL_MSGINFO_LEN(info));
    caller->regs.rax = AXL_E_OK;
    syscall_set_msg(caller, AXL_MSGINFO(AXL_MSGINFO_LABEL(info), 0, AXL_MSGINFO_LEN(info)), 0);
    caller->caller_reply = NULL;
    caller->ipc_flags = 0;
    cdt_remove(rc);
    self->state = TS_BLOCKED_RECV;
    ep_enqueue(ep, self);
    caller->state = TS_RUNNABLE;
    current = caller;
    return true;
}
