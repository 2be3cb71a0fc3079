/* SPDX-License-Identifier: MIT */
/*
 * axl/domain.h: resource domains, from inside one (libipc; the supervisor's
 * SUP_SPAWN, SUP_DOMAIN_INFO, SUP_DOMAIN_KILL and SUP_PS; docs/resources.md).
 *
 * A process runs in a resource domain: memory and a process limit. It may
 * start copies of the boot modules its manifest section lists in may-spawn;
 * each new process is built from its domain's memory and counts against its
 * limit. Each call returns AXL_E_OK or the status: AXL_S_LIMIT (the process
 * limit: EAGAIN), AXL_E_NOT_ENOUGH_MEMORY (the domain's memory: ENOMEM),
 * AXL_S_DENIED (not in may-spawn, or no may-kill), AXL_S_NOT_FOUND.
 */
#ifndef AXL_LIBIPC_DOMAIN_H
#define AXL_LIBIPC_DOMAIN_H

#include <stdint.h>

/* What SUP_DOMAIN_INFO answers, in its order. */
struct axl_domain_info {
    uint64_t memory;        /* bytes the domain has */
    uint64_t used;          /* bytes charged to its processes (their regions) */
    uint64_t procs;         /* processes alive in it */
    uint64_t max_procs;     /* its limit */
    uint64_t spawned;       /* processes spawned in it so far */
    uint64_t refused_nomem; /* spawns refused for its memory */
    uint64_t refused_limit; /* spawns refused for its process limit */
    uint64_t restarts;      /* restarts of its processes */
    uint64_t kernel_used;   /* the kernel's watermark of its untyped: 0 when all is free */
    uint64_t free_ram;      /* bytes of boot RAM the supervisor has not carved (whole system) */
    uint64_t root_slots;    /* the supervisor's CNode slots in use (whole system) */
    uint64_t killed;        /* 1 once the domain was killed */
};

/* Starts boot module `module` (a may-spawn entry) with args in the caller's domain, with the
 * caller's heap quota; its pid in *pid (may be NULL). */
long axl_spawn(const char *module, const char *args, uint64_t *pid);
/* The same in domain `domain` ("": the caller's; another needs may-kill: an operator starting
 * a job), with a heap quota of heap bytes (0: the caller's). */
long axl_spawn_in(const char *domain, const char *module, const char *args, uint64_t heap,
                  uint64_t *pid);
/*
 * The same for C programs, POSIX style (defined by the C library, libc/process.c): the new
 * pid, or -1 with errno EAGAIN (the domain's process limit), ENOMEM (its memory), EPERM (not
 * in may-spawn), E2BIG (name or args too long) or EIO.
 */
int axl_spawn_process(const char *module, const char *args);

/* The usage of domain `name` ("": the caller's own; another needs may-kill). */
long axl_domain_info(const char *name, struct axl_domain_info *out);
/* Kills every process of domain `name` and takes its memory back (may-kill). */
long axl_domain_kill(const char *name, uint64_t *killed, uint64_t *bytes);
/* Has the supervisor print the process report: AXL_PS_TABLE, AXL_PS_JSON or both. */
#define AXL_PS_TABLE 0
#define AXL_PS_JSON 1
#define AXL_PS_BOTH 2
long axl_ps(unsigned how);

#endif /* AXL_LIBIPC_DOMAIN_H */
