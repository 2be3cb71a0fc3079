/* SPDX-License-Identifier: MIT */
/*
 * main.c: the name server. Services register an endpoint under a name;
 * clients look a name up and get a copy of that endpoint (AXL_NAME_OPS in
 * <axl/protocols.h>, the client side in <axl/name.h>).
 *
 * It is a process the root task starts (<axl/proc.h>): it serves on its
 * own endpoint at AXL_PROC_SLOT_SERVICE_EP, and every other process holds
 * a copy of that endpoint badged with its pid, so a request's badge says
 * who asks. Only the process that registered a name may replace or
 * withdraw it. The bookkeeping is table.c; this file moves capabilities:
 *
 *   - an endpoint sent with NAME_REGISTER arrives in recv_slot, the one
 *     slot offered to the kernel for incoming capabilities. Every handler
 *     leaves that slot empty again (the endpoint moved to a slot of its
 *     own, or deleted), since the kernel will not put a capability into an
 *     occupied slot. A capability sent with a request no handler sees (an
 *     unknown operation) stays there until the next request's handler
 *     clears it: that next request loses its own capability, and a
 *     register is refused with AXL_S_BAD_REQUEST, to be tried again.
 *   - the endpoint is kept without READ, so whoever looks it up can call
 *     the service but never take its requests;
 *   - NAME_LOOKUP answers with a copy of it in the reply. The kernel lets
 *     a reply carry capabilities only if the client's capability to this
 *     server has GRANT_REPLY (and NAME_REGISTER needs GRANT): the root task
 *     mints the clients' copies with both.
 *
 * A registration whose endpoint capability has disappeared (the service
 * died and the root task revoked its endpoint, which deletes the copies
 * derived from it, ours included) is withdrawn when it is next touched, so
 * the restarted service can register the name again, with the next
 * generation.
 */
#include <axl/axl.h>
#include <axl/name.h>
#include <axl/proc.h>
#include <axl/protocols.h>
#include <axl/rpc.h>

#include "table.h"

_Static_assert(NAME_LEN_MAX == AXL_NAME_MAX, "the table holds the names the protocol allows");

#define CNODE AXL_PROC_SLOT_CNODE /* our CSpace root: a cptr is a slot index in it */

static struct name_table table;
static uint64_t recv_slot; /* where a capability sent to us lands; empty between requests */

/* Slots given back (their capability deleted), to use again before asking libipc for more. */
static uint64_t spare[NAME_TABLE_SIZE + 2];
static unsigned nspare;

static uint64_t slot_get(void) { return nspare ? spare[--nspare] : axl_slot_alloc(); }

/* Deletes whatever slot holds and keeps the slot for later. */
static void slot_put(uint64_t slot)
{
    axl_cnode_delete(CNODE, slot);
    /* At most 64 registrations and one slot in flight are out at once, so spare never fills. */
    if (nspare < sizeof(spare) / sizeof(spare[0])) {
        spare[nspare++] = slot;
    }
}

/* Empties recv_slot for the next request (deleting an empty slot is no error). */
static void clear_recv_slot(void) { axl_cnode_delete(CNODE, recv_slot); }

static long status_of(enum name_result r)
{
    switch (r) {
    case NAME_OK:
        return AXL_E_OK;
    case NAME_INVALID:
        return AXL_S_BAD_REQUEST;
    case NAME_EXISTS:
        return AXL_S_EXISTS;
    case NAME_FULL:
        return AXL_S_NO_SPACE;
    case NAME_NOT_FOUND:
        return AXL_S_NOT_FOUND;
    case NAME_DENIED:
        return AXL_S_DENIED;
    case NAME_GAVE_UP:
        return AXL_S_FAILED;
    }
    return AXL_S_BAD_REQUEST;
}

/* Whether slot holds an endpoint capability. */
static bool holds_endpoint(uint64_t slot, struct axl_cap_info *info)
{
    return axl_cnode_inspect(CNODE, slot, info) == AXL_E_OK && info->type == AXL_OBJ_ENDPOINT;
}

/* Withdraws e if it is live but its endpoint has gone (see the top of this file). */
static void withdraw_if_gone(struct name_entry *e)
{
    struct axl_cap_info info;

    if (e && e->live && !holds_endpoint(e->slot, &info)) {
        axl_printf("name: '%s' withdrawn: the endpoint pid %lu registered is gone\n", e->name,
                   e->owner);
        slot_put(name_withdraw(e));
    }
}

/* The request's first argument: a service name (str), checked. */
static long get_name(const struct axl_rpc_request *req, char name[AXL_NAME_MAX + 1])
{
    unsigned pos = 0;

    if (axl_msg_get_str(req->msg, &pos, name, AXL_NAME_MAX) != AXL_E_OK ||
        !name_valid(name, strlen(name))) {
        return AXL_S_BAD_REQUEST;
    }
    return AXL_E_OK;
}

/* Keeps the endpoint that arrived in recv_slot under name for owner. */
static long register_endpoint(const char *name, uint64_t owner, uint64_t *generation)
{
    struct axl_cap_info info;
    uint64_t slot, old;

    if (!holds_endpoint(recv_slot, &info) || !(info.rights & AXL_RIGHT_WRITE)) {
        return AXL_S_BAD_REQUEST; /* not something a client could call */
    }
    withdraw_if_gone(name_find(&table, name));
    slot = slot_get();
    if (!slot) {
        return AXL_S_NO_SPACE;
    }
    long err = axl_cnode_mutate(CNODE, slot, CNODE, recv_slot,
                                (unsigned)(info.rights & ~(uint64_t)AXL_RIGHT_READ));
    if (err != AXL_E_OK) {
        slot_put(slot);
        return err;
    }
    enum name_result r = name_register(&table, name, owner, slot, generation, &old);
    if (r != NAME_OK) {
        slot_put(slot);
        return status_of(r);
    }
    if (old) {
        slot_put(old); /* the same process registered the name again: the old endpoint goes */
    }
    axl_printf("name: '%s' registered by pid %lu, generation %lu\n", name, owner, *generation);
    return AXL_E_OK;
}

/* NAME_REGISTER: str name, cap endpoint -> MR1 generation. */
static long op_register(void *ctx, struct axl_rpc_request *req)
{
    char name[AXL_NAME_MAX + 1];
    uint64_t generation = 0;
    long status = get_name(req, name);

    (void)ctx;
    if (status == AXL_E_OK) {
        status = AXL_MSGINFO_CAPS(req->msg->info) ? register_endpoint(name, req->badge, &generation)
                                                  : AXL_S_BAD_REQUEST;
    }
    clear_recv_slot(); /* refused: the endpoint is dropped; taken: the slot is empty already */
    if (status == AXL_E_OK) {
        axl_msg_put_word(req->reply, generation);
    }
    return status;
}

/* NAME_LOOKUP: str name -> cap endpoint, MR1 generation. */
static long op_lookup(void *ctx, struct axl_rpc_request *req)
{
    char name[AXL_NAME_MAX + 1];
    uint64_t slot, generation;
    long status = get_name(req, name);

    (void)ctx;
    clear_recv_slot(); /* a lookup brings no capability; one sent anyway is dropped */
    if (status != AXL_E_OK) {
        return status;
    }
    withdraw_if_gone(name_find(&table, name));
    status = status_of(name_lookup(&table, name, &slot, &generation));
    if (status != AXL_E_OK) {
        return status;
    }
    axl_msg_put_word(req->reply, generation);
    /* The reply carries a copy of the endpoint, into the slot the client offered. */
    axl_ipc_buffer->caps[0] = slot;
    req->reply->info =
        AXL_MSGINFO(AXL_MSGINFO_LABEL(req->reply->info), 1, AXL_MSGINFO_LEN(req->reply->info));
    return AXL_E_OK;
}

/* NAME_UNREGISTER: str name -> (only the registering process may). */
static long op_unregister(void *ctx, struct axl_rpc_request *req)
{
    char name[AXL_NAME_MAX + 1];
    uint64_t old;
    long status = get_name(req, name);

    (void)ctx;
    clear_recv_slot();
    if (status != AXL_E_OK) {
        return status;
    }
    status = status_of(name_unregister(&table, name, req->badge, &old));
    if (status == AXL_E_OK) {
        slot_put(old);
        axl_printf("name: '%s' unregistered by pid %lu\n", name, req->badge);
    }
    return status;
}

/* NAME_FAILED: MR0 pid -> its names answer FAILED (the supervisor's unbadged capability only). */
static long op_failed(void *ctx, struct axl_rpc_request *req)
{
    uint64_t pid, slots[NAME_TABLE_SIZE];
    unsigned pos = 0;

    (void)ctx;
    clear_recv_slot();
    if (req->badge != 0) {
        return AXL_S_DENIED; /* every process but the supervisor holds a badged copy */
    }
    if (axl_msg_get_word(req->msg, &pos, &pid) != AXL_E_OK) {
        return AXL_S_BAD_REQUEST;
    }
    unsigned n = name_fail_owner(&table, pid, slots, NAME_TABLE_SIZE);
    for (unsigned i = 0; i < n && i < NAME_TABLE_SIZE; i++) {
        slot_put(slots[i]);
    }
    axl_printf("name: %u names of pid %lu now answer 'failed'\n", n, pid);
    return AXL_E_OK;
}

/* PING: -> MR1 pid (the supervisor's heartbeat). */
static long op_ping(void *ctx, struct axl_rpc_request *req)
{
    (void)ctx;
    clear_recv_slot();
    axl_msg_put_word(req->reply, axl_procinfo->pid);
    return AXL_E_OK;
}

/* min_words 0: a short request reaches its handler, which refuses it and clears recv_slot. */
static const struct axl_rpc_op ops[] = {
    {AXL_OP_NAME_REGISTER, 0, op_register},
    {AXL_OP_NAME_LOOKUP, 0, op_lookup},
    {AXL_OP_NAME_UNREGISTER, 0, op_unregister},
    {AXL_OP_NAME_FAILED, 0, op_failed},
    {AXL_OP_PING, 0, op_ping},
};

int main(void)
{
    if (!axl_procinfo || !axl_ipc_buffer) {
        axl_printf("name: not started as a process (no process info or IPC buffer)\n");
        return 1;
    }
    recv_slot = axl_slot_alloc();
    if (!recv_slot) {
        axl_printf("name: no free slot in its CNode\n");
        return 1;
    }
    axl_ipc_buffer->recv_cnode = CNODE; /* the kernel only reads these: set once */
    axl_ipc_buffer->recv_slot = recv_slot;
    axl_ipc_buffer->recv_count = 1;

    const struct axl_server server = {
        .ep = AXL_PROC_SLOT_SERVICE_EP,
        .ops = ops,
        .ops_count = sizeof(ops) / sizeof(ops[0]),
    };
    axl_printf("name: pid %lu serving, up to %u names\n", axl_procinfo->pid, NAME_TABLE_SIZE);
    for (;;) {
        long err = axl_serve(&server);
        struct axl_cap_info info;
        if (!holds_endpoint(AXL_PROC_SLOT_SERVICE_EP, &info)) {
            axl_printf("name: stopped: its endpoint is gone (%s)\n", axl_errname(err));
            return 1;
        }
        /*
         * A reply failed (a lookup's reply to a client without GRANT_REPLY, or
         * an endpoint revoked meanwhile): serve on. The next receive drops the
         * unanswered caller, who sees AXL_E_ABORTED.
         */
        axl_printf("name: a reply failed (%s); serving on\n", axl_strerror(err));
    }
}
