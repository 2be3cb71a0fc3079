/* SPDX-License-Identifier: MIT */
/*
 * service.c: calls that survive a restart of the server (<axl/service.h>).
 */
#include <axl/service.h>

#include <axl/axl.h>
#include <axl/proc.h>
#include <axl/protocols.h>
#include <axl/rpc.h>


/* Looks s->name up again into s->slot (emptied first). */
static long resolve(struct axl_service *s)
{
    axl_cnode_delete(AXL_PROC_SLOT_CNODE, s->slot);
    return axl_name_lookup(s->name, s->slot, &s->generation);
}

long axl_service_open(struct axl_service *s, const char *name)
{
    size_t n = strlen(name);

    memset(s, 0, sizeof(*s));
    if (n == 0 || n > AXL_NAME_MAX) {
        return AXL_E_INVALID_ARGUMENT;
    }
    memcpy(s->name, name, n + 1);
    s->tries = 4;
    s->budget_us = 2000000;
    s->slot = axl_slot_alloc();
    if (!s->slot) {
        return AXL_E_RANGE;
    }
    return axl_name_lookup(s->name, s->slot, &s->generation);
}

long axl_service_complain(struct axl_service *s, const char *reason)
{
    struct axl_msg m;

    s->complaints++;
    axl_rpc_begin(&m, AXL_OP_SUP_COMPLAIN);
    axl_msg_put_word(&m, s->generation);
    axl_msg_put_str(&m, s->name);
    if (axl_msg_put_str(&m, reason) != AXL_E_OK) {
        axl_msg_put_str(&m, "(reason too long)");
    }
    return axl_rpc_call(AXL_PROC_SLOT_SUPERVISOR_EP, &m);
}

/* The reply in m breaks the convention of <axl/rpc.h>: why, or NULL. */
static const char *broken(const struct axl_service *s, const struct axl_msg *m)
{
    unsigned len = AXL_MSGINFO_LEN(m->info);

    if (AXL_MSGINFO_LABEL(m->info) != 0) {
        return "a reply with a label other than 0";
    }
    if (len < 1) {
        return "a reply without a status word";
    }
    if (s->max_reply_words && len > s->max_reply_words) {
        return "an oversized reply";
    }
    return NULL;
}

long axl_service_call(struct axl_service *s, struct axl_msg *m, unsigned flags)
{
    const struct axl_msg req = *m;
    uint64_t hz = axl_procinfo && axl_procinfo->tsc_hz ? axl_procinfo->tsc_hz : 1000000000ull;
    uint64_t deadline = axl_rdtsc() + s->budget_us * (hz / 1000000 ? hz / 1000000 : 1);
    unsigned tries = s->tries ? s->tries : 1;

    s->calls++;
    for (unsigned attempt = 1;; attempt++) {
        long status;
        *m = req;
        long err = axl_call(s->slot, m);
        if (err == AXL_E_OK) {
            const char *why = broken(s, m);
            if (!why) {
                return (long)m->mr[0]; /* the service's own answer, whatever it is */
            }
            axl_service_complain(s, why);
            status = AXL_S_PROTOCOL;
        } else if (err == AXL_E_ABORTED || err == AXL_E_INVALID_CAPABILITY) {
            /* The server died with our request (ABORTED), or the endpoint went with a service
             * the supervisor gave up on (the capability was revoked). */
            s->aborted++;
            status = AXL_S_RESTARTED;
        } else {
            return err; /* our own mistake (rights, buffer): retrying cannot help */
        }
        long r = resolve(s);
        if (r == AXL_S_FAILED) {
            return AXL_S_FAILED;
        }
        if (!(flags & AXL_CALL_IDEMPOTENT)) {
            return status;
        }
        if (r != AXL_E_OK || attempt >= tries || axl_rdtsc() > deadline) {
            return AXL_S_TIMEOUT;
        }
        s->retries++;
    }
}
