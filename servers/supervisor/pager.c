/* SPDX-License-Identifier: MIT */
/*
 * pager.c: external pagers (pager.h). The kernel sends a thread's faults to
 * whatever endpoint its TCB names; for a component with pager = NAME that is
 * NAME's service endpoint, so the supervisor hears of such a fault only when
 * the pager forwards it (SUP_FAULT): a fault the pager cannot or will not
 * resolve. From there on it is an ordinary fault (supervise_fault).
 */
#include <axl/axl.h>
#include <axl/faults.h>
#include <axl/proc.h>
#include <axl/protocols.h>
#include <axl/rpc.h>

#include "mem.h"
#include "pager.h"
#include "supervise.h"

_Static_assert(PROC_FAULT_BADGE == AXL_PROC_FAULT_BADGE, "pagers read the fault badge");

/* p's pager, or NULL when it has none. */
static const struct proc *pager_of(const struct proc *p)
{
    if (!p->mf || !p->mf->pager.name[0] || p->mf->pager.index >= PROC_MAX) {
        return NULL;
    }
    return &procs[p->mf->pager.index];
}

uint64_t pager_fault_source(const struct proc *p, uint64_t root_ep)
{
    const struct proc *pg = pager_of(p);

    if (!pg) {
        return root_ep;
    }
    if (pg->state == PROC_FREE || pg->state == PROC_FAILED || !pg->service_ep) {
        return 0;
    }
    return pg->service_ep;
}

long pager_fault_request(struct proc *from, const struct axl_msg *m)
{
    uint64_t w[2 + AXL_FAULT_WORDS];
    unsigned pos = 0;

    for (unsigned i = 0; i < 2 + AXL_FAULT_WORDS; i++) {
        if (axl_msg_get_word(m, &pos, &w[i]) != AXL_E_OK) {
            return AXL_S_BAD_REQUEST;
        }
    }
    struct proc *target = proc_by_pid(w[0]);
    if (!target || pager_of(target) != from) {
        return AXL_S_DENIED; /* only a component's own pager speaks for its faults */
    }
    if (w[1] < AXL_FAULT_PAGE_FAULT || w[1] > AXL_FAULT_OTHER_EXCEPTION) {
        return AXL_S_BAD_REQUEST;
    }
    /* The instance the fault was taken in must be the one running: a fault forwarded late,
     * older than the current instance's start, is not held against the new one. */
    uint64_t tsc = w[2 + AXL_FAULT_MR_TSC];
    if (target->state != PROC_READY || (target->start_tsc && tsc < target->start_tsc)) {
        return AXL_S_NOT_FOUND;
    }
    struct axl_msg f = axl_message(w[1], AXL_FAULT_WORDS);
    for (unsigned i = 0; i < AXL_FAULT_WORDS; i++) {
        axl_msg_set(&f, i, w[2 + i]); /* MR4.. go to the IPC buffer, where supervise_fault looks */
    }
    f.badge = PROC_FAULT_BADGE | target->pid;
    supervise_fault(target, &f);
    return AXL_E_OK;
}
