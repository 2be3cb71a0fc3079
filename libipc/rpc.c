/* SPDX-License-Identifier: MIT */
/*
 * rpc.c: the client call and the server loop of <axl/rpc.h> (message
 * building and parsing are in msg.c).
 */
#include <axl/rpc.h>

#include <stdbool.h>

#include <axl/inject.h>
#include <axl/print.h>
#include <axl/proc.h>
#include <axl/protocols.h>
#include <axl/string.h>

/* The number of words a message holds (its length field). */
static unsigned msg_len(const struct axl_msg *m) { return AXL_MSGINFO_LEN(m->info); }

long axl_rpc_call(uint64_t ep, struct axl_msg *m)
{
    long err = axl_call(ep, m);

    if (err != AXL_E_OK) {
        return err;
    }
    /* A reply without even a status word is a broken server, not a success. */
    return msg_len(m) >= 1 ? (long)m->mr[0] : AXL_S_BAD_REQUEST;
}

/* The op of ops with label, or NULL. */
static const struct axl_rpc_op *find_op(const struct axl_server *s, uint64_t label)
{
    for (size_t i = 0; i < s->ops_count; i++) {
        if (s->ops[i].label == label) {
            return &s->ops[i];
        }
    }
    return NULL;
}

/*
 * Supervision, done here so that no driver writes it (docs/supervisor.md):
 * the heartbeat answer, fault injection, and one report to the supervisor
 * when this instance has served its first request (it times restarts).
 */
static struct {
    struct axl_inject in; /* the injection armed, if armed */
    uint64_t serial;      /* of the last request taken from the info page */
    uint64_t seen;        /* requests since it was armed */
    bool armed;
} inj;


/* Takes a new injection request from the info page (the supervisor writes it there). */
static void inject_take(void)
{
    const volatile struct axl_procinfo *pi = axl_procinfo;

    if (!pi || pi->inject_serial == inj.serial) {
        return;
    }
    inj.serial = pi->inject_serial;
    inj.in.kind = pi->inject.kind;
    inj.in.after = pi->inject.after;
    inj.in.seed = pi->inject.seed;
    inj.in.arg = pi->inject.arg;
    inj.in.arg2 = pi->inject.arg2;
    inj.seen = 0;
    /* The supervisor carries out code mutations itself; here only the process kinds. */
    inj.armed = inj.in.kind != AXL_INJECT_NONE && !axl_inject_by_supervisor((unsigned)inj.in.kind);
}

/* Called for each request: fires an injection that is due. True if the reply is to be corrupted. */
static bool inject_due(const struct axl_server *s)
{
    if (!inj.armed || inj.seen++ < inj.in.after) {
        return false;
    }
    inj.armed = false;
    if (axl_inject_by_device((unsigned)inj.in.kind)) {
        if (s->inject) {
            /* The request's words past MR3 are in the IPC buffer, which any call the driver
             * makes (a line printed) overwrites: kept aside meanwhile. */
            static uint64_t saved[AXL_MSG_MAX_WORDS];
            if (axl_ipc_buffer) {
                memcpy(saved, axl_ipc_buffer->mr, sizeof(saved));
            }
            s->inject(s->ctx, &inj.in);
            if (axl_ipc_buffer) {
                memcpy(axl_ipc_buffer->mr, saved, sizeof(saved));
            }
        } else {
            axl_printf("inject: %s: not a DMA driver: ignored\n",
                       axl_inject_kind_name((unsigned)inj.in.kind));
        }
        return false;
    }
    switch (inj.in.kind) {
    case AXL_INJECT_REPLY_GARBAGE:
    case AXL_INJECT_REPLY_WRONG_LABEL:
    case AXL_INJECT_REPLY_OVERSIZED:
        return true;
    default:
        axl_inject_fire(&inj.in); /* most kinds never come back */
        return false;
    }
}

long axl_serve(const struct axl_server *s)
{
    struct axl_msg msg;
    uint64_t ready_tsc = axl_rdtsc(), first_tsc = 0;
    bool reported = !axl_procinfo; /* the root task reports to nobody */

    if (!reported) {
        /* Serving from now on: the supervisor holds DMA faults against this instance only
         * from here (earlier ones may be a predecessor's transfers, docs/iommu.md). */
        ((struct axl_proc_status *)AXL_PROC_STATUS_ADDR)->ready_tsc = ready_tsc;
    }
    inject_take();
    long err = axl_recv(s->ep, &msg);
    for (;;) {
        if (err != AXL_E_OK) {
            return err;
        }
        uint64_t label = AXL_MSGINFO_LABEL(msg.info);
        if (label == AXL_LABEL_NOTIFICATION) {
            uint64_t word = msg.badge;
            if (word & AXL_NOTIFY_HEARTBEAT) {
                axl_signal(AXL_PROC_SLOT_HEARTBEAT);
            }
            if (word & AXL_NOTIFY_INJECT) {
                inject_take();
            }
            word &= ~(AXL_NOTIFY_HEARTBEAT | AXL_NOTIFY_INJECT);
            if (word && s->notified) {
                s->notified(s->ctx, word);
            }
            err = axl_recv(s->ep, &msg);
            continue;
        }
        if (!first_tsc) {
            first_tsc = axl_rdtsc();
        }
        struct axl_msg req = msg;
        struct axl_msg reply = axl_message(0, 1);
        struct axl_rpc_request r = {.msg = &req, .badge = msg.badge, .reply = &reply};
        const struct axl_rpc_op *op = label == AXL_OP_PING ? NULL : find_op(s, label);
        bool corrupt = label != AXL_OP_PING && inject_due(s);
        long status;

        if (label == AXL_OP_PING && !find_op(s, label)) {
            status = AXL_E_OK; /* every server answers the heartbeat */
            axl_msg_put_word(&reply, axl_procinfo ? axl_procinfo->pid : 0);
        } else if (!op) {
            status = AXL_S_NO_SUCH_OP;
        } else if (AXL_MSGINFO_LEN(req.info) < op->min_words) {
            status = AXL_S_BAD_REQUEST;
        } else {
            status = op->handle(s->ctx, &r);
        }
        if (status == AXL_RPC_NO_REPLY) {
            err = axl_recv(s->ep, &msg);
            continue;
        }
        reply.mr[0] = (uint64_t)status;
        if (status != AXL_E_OK) {
            reply.info = AXL_MSGINFO(0, 0, 1); /* an error carries no results */
        }
        if (corrupt) {
            axl_inject_reply(&inj.in, &reply);
        }
        if (!reported) {
            /* Tell the supervisor when this instance began to serve: two words it reads from
             * our page, and a signal, which never blocks (a message to it could: it may be
             * waiting for a server that waits for us). */
            reported = true;
            struct axl_proc_status *st = (struct axl_proc_status *)AXL_PROC_STATUS_ADDR;
            st->ready_tsc = ready_tsc;
            st->served_tsc = first_tsc;
            axl_signal(AXL_PROC_SLOT_SERVING_NOTE);
        }
        msg = reply;
        err = axl_reply_recv(s->ep, &msg);
        if (err != AXL_E_OK && err != AXL_E_ABORTED) {
            /* The reply could not go (say, a capability the caller may not take back): the
             * caller is answered ABORTED when its reply capability goes; serve the next. */
            err = axl_recv(s->ep, &msg);
        }
    }
}
