/* SPDX-License-Identifier: MIT */
/*
 * proc.h: the processes the root task starts from the manifest.
 *
 * Each process is built from one untyped region of its own (its "domain"):
 * CNode, TCB, address space, page tables, image, stack, heap quota,
 * notification and service endpoint are all retyped from it, so revoking
 * that one capability takes every object of the process back at once.
 */
#ifndef AXL_ROOT_PROC_H
#define AXL_ROOT_PROC_H

#include <stdbool.h>
#include <stdint.h>

#include "manifest.h"

#define PROC_MAX MF_MAX_COMPONENTS
#define PROC_SLOTS 320 /* root-CNode slots one process may use (image pages, tables, ...) */

/* A badge bit that marks a process's fault endpoint (its pid is in the low bits). */
#define PROC_FAULT_BADGE (1ull << 40)

enum proc_state { PROC_FREE, PROC_READY, PROC_RUNNING, PROC_EXITED, PROC_FAULTED, PROC_FAILED };

struct proc {
    enum proc_state state;
    const struct mf_component *mf;
    uint64_t pid;
    char name[MF_NAME_MAX + 1];

    uint64_t domain; /* root slot: the untyped everything of the process comes from */
    uint64_t cnode;  /* root slots: its CNode (radix AXL_PROC_CNODE_RADIX, no guard) */
    uint64_t tcb, pml4, service_ep, ntfn;
    uint64_t image_pages; /* image, stack, info and IPC-buffer pages mapped for it */
    uint64_t table_pages; /* paging structures made for it */
    uint64_t quota;       /* bytes of its heap untyped */
    int status;           /* exit status, or the fault kind */

    struct slot_list list; /* root slots it uses, forgotten when the domain is revoked */
    uint64_t list_slots[PROC_SLOTS];
};

extern struct proc procs[PROC_MAX];

/*
 * Makes the domain and service endpoint of every valid component (phase 1,
 * so that any component may be granted any other's endpoint), then builds
 * and starts each in manifest order (phase 2). Components that cannot be
 * built are stopped with a message naming them and the problem.
 */
void procs_start(const struct manifest *m, const struct axl_bootinfo *bi, uint64_t root_ep,
                 void *const *module_data);

/* The process with this pid, or NULL. */
struct proc *proc_by_pid(uint64_t pid);
/* The first process of this component name, or NULL. */
struct proc *proc_by_name(const char *name);

/* Stops p and takes back every object it had; state becomes final. */
void proc_destroy(struct proc *p, enum proc_state final, int status);

/* Prints the process report (ps) with say(). */
void procs_report(void);

/* Root task output: through the console once it serves, the kernel log before. */
void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The console's endpoint (unbadged) in the root CNode, or 0 before it serves. */
extern uint64_t console_ep;

#endif /* AXL_ROOT_PROC_H */
