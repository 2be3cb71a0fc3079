/* SPDX-License-Identifier: MIT */
/*
 * supervise.h: detection, restart policy, heartbeats and fault injection
 * (docs/supervisor.md). main.c's loop hands every event here.
 */
#ifndef AXL_SUPERVISOR_SUPERVISE_H
#define AXL_SUPERVISOR_SUPERVISE_H

#include <stdbool.h>
#include <stdint.h>

#include <axl/proc.h>
#include <axl/rpc.h>

#include "proc.h"

/* Binds the supervisor's notification and starts the heartbeat timer if any component needs it. */
void supervise_start(void);

/* Destroys p for good because its domain is being killed (state KILLED; a spawned process's
 * entry is freed). */
void supervise_kill(struct proc *p);

/* The kernel's fault message for p (its pid was in the badge). */
void supervise_fault(struct proc *p, const struct axl_msg *m);
/* p sent SUP_EXIT with status. */
void supervise_exit(struct proc *p, int status);
/* The supervisor's bound notification fired: heartbeat answers and the timer. */
void supervise_notified(uint64_t word);
/* SUP_COMPLAIN from client `from`: fills reply; may restart the service. */
long supervise_complain(struct proc *from, const struct axl_msg *m, struct axl_msg *reply);
/* SUP_INJECT from `from`. */
long supervise_inject_request(struct proc *from, const struct axl_msg *m);

/* Called while building p's info page: the manifest's injection, if it applies to this instance. */
void supervise_initial_injection(struct proc *p, struct axl_procinfo *info);

/* Says, for every DMA attack target, whether it still has the CRC-32 it had before the attack. */
void supervise_dma_targets(void);

/* Whether say() may go through the console now (it and everything it needs are up). */
bool supervise_console_ok(void);

/* The orderly reboot of escalate: says why, flushes the console, exit code REBOOT / reset. */
void supervise_reboot(const char *why);

extern uint64_t sup_ntfn; /* proc.c */
extern uint64_t name_ep;  /* proc.c: the name server's endpoint, unbadged */
long procs_init(void);    /* proc.c: memory for what outlives instances */

#endif /* AXL_SUPERVISOR_SUPERVISE_H */
