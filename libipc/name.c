/* SPDX-License-Identifier: MIT */
/*
 * name.c: the name-service client of <axl/name.h>, and the slot allocator
 * a process uses for capabilities it receives.
 */
#include <axl/name.h>

#include <axl/invoke.h>
#include <axl/proc.h>
#include <axl/protocols.h>
#include <axl/rpc.h>
#include <axl/string.h>

uint64_t axl_slot_alloc(void)
{
    static uint64_t next;

    if (!axl_procinfo) {
        return 0;
    }
    if (next < axl_procinfo->first_free) {
        next = axl_procinfo->first_free;
    }
    /* Skip slots something else filled (the heap takes slots from first_free too). */
    while (next < (1u << AXL_PROC_CNODE_RADIX)) {
        struct axl_cap_info info;
        uint64_t slot = next++;
        if (axl_cnode_inspect(AXL_PROC_SLOT_CNODE, slot, &info) == AXL_E_OK &&
            info.type == AXL_OBJ_NULL) {
            return slot;
        }
    }
    return 0;
}

/* A request to the name server about name (the string checked here too, for a clear error). */
static long name_request(struct axl_msg *m, uint64_t op, const char *name)
{
    size_t n = strlen(name);

    if (n == 0 || n > AXL_NAME_MAX) {
        return AXL_E_INVALID_ARGUMENT;
    }
    axl_rpc_begin(m, op);
    return axl_msg_put_str(m, name);
}

long axl_name_register(const char *name, uint64_t ep, uint64_t *generation)
{
    struct axl_msg m;
    long err = name_request(&m, AXL_OP_NAME_REGISTER, name);

    if (generation) {
        *generation = 0;
    }
    if (err != AXL_E_OK) {
        return err;
    }
    if (!axl_ipc_buffer) {
        return AXL_E_NO_IPC_BUFFER;
    }
    axl_ipc_buffer->caps[0] = ep;
    m.info = AXL_MSGINFO(AXL_OP_NAME_REGISTER, 1, AXL_MSGINFO_LEN(m.info));
    err = axl_rpc_call(AXL_PROC_SLOT_NAME_EP, &m);
    if (err == AXL_E_OK && generation) {
        *generation = m.mr[1];
    }
    return err;
}

long axl_name_lookup(const char *name, uint64_t slot, uint64_t *generation)
{
    struct axl_msg m;
    long err = name_request(&m, AXL_OP_NAME_LOOKUP, name);

    if (generation) {
        *generation = 0;
    }
    if (err != AXL_E_OK) {
        return err;
    }
    if (!axl_ipc_buffer) {
        return AXL_E_NO_IPC_BUFFER;
    }
    struct axl_ipc_buffer saved = *axl_ipc_buffer; /* the receive window is the caller's setting */
    axl_ipc_buffer->recv_cnode = AXL_PROC_SLOT_CNODE;
    axl_ipc_buffer->recv_slot = slot;
    axl_ipc_buffer->recv_count = 1;
    err = axl_rpc_call(AXL_PROC_SLOT_NAME_EP, &m);
    axl_ipc_buffer->recv_cnode = saved.recv_cnode;
    axl_ipc_buffer->recv_slot = saved.recv_slot;
    axl_ipc_buffer->recv_count = saved.recv_count;
    if (err == AXL_E_OK && AXL_MSGINFO_CAPS(m.info) != 1) {
        err = AXL_S_BAD_REQUEST; /* the server said yes but sent no capability */
    }
    if (err == AXL_E_OK && generation) {
        *generation = m.mr[1];
    }
    return err;
}

long axl_name_unregister(const char *name)
{
    struct axl_msg m;
    long err = name_request(&m, AXL_OP_NAME_UNREGISTER, name);

    return err != AXL_E_OK ? err : axl_rpc_call(AXL_PROC_SLOT_NAME_EP, &m);
}
