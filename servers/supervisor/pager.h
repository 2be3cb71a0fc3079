/* SPDX-License-Identifier: MIT */
/*
 * pager.h: external pagers (manifest: pager = NAME; docs/supervisor.md,
 * docs/swap.md). A component with a pager gets that component's service
 * endpoint as its fault endpoint, badged as the supervisor's copy would be
 * (PROC_FAULT_BADGE | pid). The pager resolves the faults it can and hands
 * the rest back with SUP_FAULT, which the supervisor treats exactly as a
 * fault the kernel had sent it.
 */
#ifndef AXL_SUPERVISOR_PAGER_H
#define AXL_SUPERVISOR_PAGER_H

#include <stdint.h>

#include <axl/sys.h>

#include "mem.h"
#include "proc.h"

/*
 * The root slot of the endpoint p's fault endpoint is minted from: root_ep,
 * or the service endpoint of p's pager; 0 when the pager has none (it could
 * not be built, or the supervisor gave up on it): p cannot be built then.
 */
uint64_t pager_fault_source(const struct proc *p, uint64_t root_ep);

/* SUP_FAULT from `from`: its status (the caller is answered with it). */
long pager_fault_request(struct proc *from, const struct axl_msg *m);

#endif /* AXL_SUPERVISOR_PAGER_H */
