/* SPDX-License-Identifier: MIT */
/*
 * domain.h: resource domains (docs/resources.md).
 *
 * A domain is memory and a process limit. A [domain] of the manifest is one
 * untyped object carved at boot; every process of the components placed in
 * it, and every process they spawn (SUP_SPAWN), is built from a block of it
 * (buddy.h), so a domain can never use more memory than it was given, and
 * what it uses is nobody else's. A component without a domain key runs in a
 * private domain: its own region, one process. Killing a domain
 * (SUP_DOMAIN_KILL) destroys every process in it and revokes its untyped:
 * every byte comes back, which the kernel's watermark of the untyped shows.
 */
#ifndef AXL_ROOT_DOMAIN_H
#define AXL_ROOT_DOMAIN_H

#include <stdbool.h>
#include <stdint.h>

#include <axl/rpc.h>

#include "buddy.h"
#include "manifest.h"
#include "mem.h"
#include "proc.h"

#define DOMAIN_MAX (MF_MAX_DOMAINS + PROC_COMPONENTS) /* named ones, then private ones */

struct domain {
    char name[MF_NAME_MAX + 1];
    bool used;     /* this entry is a domain */
    bool named;    /* a [domain] of the manifest; false: one component's private domain */
    bool killed;   /* SUP_DOMAIN_KILL: its processes are gone and no more are made */
    bool refused;  /* could not be set up at boot: its components were not started */
    uint64_t ut;   /* named: the root slot of its untyped */
    unsigned bits; /* named: 2^bits bytes */
    unsigned max_procs;
    unsigned priority;      /* the highest a process in it may have */
    unsigned children_max;  /* spawned processes it may have at once (reserved at boot) */
    uint64_t spawned;       /* processes spawned in it so far */
    uint64_t refused_nomem; /* spawns refused for its memory */
    uint64_t refused_limit; /* spawns refused for its process limit */
    unsigned restarts_gone; /* restarts of its processes that are gone */
    struct buddy buddy;     /* named: its memory */
};

extern struct domain domains[DOMAIN_MAX];

/* Makes the named domains' untyped, and a private domain per component without one. */
void domains_init(const struct manifest *m);
/* After the components are built: reserves each named domain's process entries and root
 * slots for what it may spawn; a domain whose reservation does not fit spawns nothing. */
void domains_reserve(void);

/* A region of at least bytes for p's instances, from p's domain, into p->region. */
long domain_region(struct proc *p, uint64_t bytes);
/* Gives p's region back to its domain (p's instance must be torn down). */
void domain_release(struct proc *p);

/* The domain called name, or NULL. */
struct domain *domain_by_name(const char *name);
/* Processes alive (built or waiting for a restart) in d. */
unsigned domain_procs(const struct domain *d);
/* Bytes of d charged to its processes, and its size. */
uint64_t domain_used(const struct domain *d);
uint64_t domain_size(const struct domain *d);
/* The kernel's watermark of d's untyped (named) or of its one region (private): bytes. */
uint64_t domain_kernel_used(const struct domain *d);

/* SUP_SPAWN, SUP_DOMAIN_INFO, SUP_DOMAIN_KILL from from; the reply in *r. */
long domain_spawn_request(struct proc *from, const struct axl_msg *m, struct axl_msg *r);
long domain_info_request(struct proc *from, const struct axl_msg *m, struct axl_msg *r);
long domain_kill_request(struct proc *from, const struct axl_msg *m, struct axl_msg *r);

/* The domain part of the process report: a table, and/or JSON lines (docs/resources.md). */
void domains_report(bool text, bool json);

#endif /* AXL_ROOT_DOMAIN_H */
