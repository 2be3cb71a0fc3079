/* SPDX-License-Identifier: MIT */
/* domain.c: spawning, domain usage and killing, through the supervisor (<axl/domain.h>). */
#include <axl/domain.h>

#include <axl/proc.h>
#include <axl/protocols.h>
#include <axl/rpc.h>

/* A call to the supervisor that answers with the status in MR0. */
static long sup_call(struct axl_msg *m)
{
    long err = axl_call(AXL_PROC_SLOT_SUPERVISOR_EP, m);
    if (err != AXL_E_OK) {
        return err;
    }
    return AXL_MSGINFO_LEN(m->info) ? (long)m->mr[0] : AXL_S_BAD_REQUEST;
}

long axl_spawn(const char *module, const char *args, uint64_t *pid)
{
    return axl_spawn_in("", module, args, 0, pid);
}

long axl_spawn_in(const char *domain, const char *module, const char *args, uint64_t heap,
                  uint64_t *pid)
{
    struct axl_msg m;
    axl_rpc_begin(&m, AXL_OP_SUP_SPAWN);
    if (axl_msg_put_word(&m, heap) || axl_msg_put_str(&m, module) ||
        axl_msg_put_str(&m, args ? args : "") || axl_msg_put_str(&m, domain ? domain : "")) {
        return AXL_E_RANGE;
    }
    long err = sup_call(&m);
    if (err == AXL_E_OK && AXL_MSGINFO_LEN(m.info) < 2) {
        err = AXL_S_BAD_REQUEST;
    }
    if (pid) {
        *pid = err == AXL_E_OK ? m.mr[1] : 0;
    }
    return err;
}

long axl_domain_info(const char *name, struct axl_domain_info *out)
{
    struct axl_msg m;
    uint64_t *w = (uint64_t *)out;
    const unsigned n = sizeof(*out) / sizeof(uint64_t);

    axl_rpc_begin(&m, AXL_OP_SUP_DOMAIN_INFO);
    if (axl_msg_put_str(&m, name)) {
        return AXL_E_RANGE;
    }
    long err = sup_call(&m);
    if (err == AXL_E_OK && AXL_MSGINFO_LEN(m.info) < 1 + n) {
        err = AXL_S_BAD_REQUEST;
    }
    for (unsigned i = 0; i < n; i++) {
        w[i] = err == AXL_E_OK ? axl_msg_get(&m, 1 + i) : 0; /* MR4 and up: the IPC buffer */
    }
    return err;
}

long axl_domain_kill(const char *name, uint64_t *killed, uint64_t *bytes)
{
    struct axl_msg m;
    axl_rpc_begin(&m, AXL_OP_SUP_DOMAIN_KILL);
    if (axl_msg_put_str(&m, name)) {
        return AXL_E_RANGE;
    }
    long err = sup_call(&m);
    if (err == AXL_E_OK && AXL_MSGINFO_LEN(m.info) < 3) {
        err = AXL_S_BAD_REQUEST;
    }
    if (killed) {
        *killed = err == AXL_E_OK ? m.mr[1] : 0;
    }
    if (bytes) {
        *bytes = err == AXL_E_OK ? m.mr[2] : 0;
    }
    return err;
}

long axl_ps(unsigned how)
{
    struct axl_msg m = axl_message(AXL_OP_SUP_PS, 1);
    m.mr[0] = how;
    return sup_call(&m);
}
