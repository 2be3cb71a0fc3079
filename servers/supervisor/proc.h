/* SPDX-License-Identifier: MIT */
/*
 * proc.h: the processes the supervisor starts from the manifest, and
 * restarts (docs/supervisor.md).
 *
 * Each instance of a process is built from one untyped region of its own
 * (its "domain"): CNode, TCB, address space, page tables, image, stack,
 * heap quota and notification are all retyped from it, so revoking that one
 * capability takes every object of the instance back at once, and its
 * memory with it: the domain is kept and the next instance is built from
 * the same memory. What must outlive an instance is made elsewhere: the
 * service endpoint (clients keep their copies across restarts) and the
 * persistent memory (persist = ...).
 */
#ifndef AXL_ROOT_PROC_H
#define AXL_ROOT_PROC_H

#include <stdbool.h>
#include <stdint.h>

#include <elf_image.h>

#include "manifest.h"

/* procs[]: the manifest's components first (pid = index + 1), then processes spawned at run
 * time (SUP_SPAWN, docs/resources.md), which get pids from PROC_COMPONENTS + 1 up, never reused. */
#define PROC_COMPONENTS MF_MAX_COMPONENTS
#define PROC_CHILDREN 32
#define PROC_MAX (PROC_COMPONENTS + PROC_CHILDREN)
#define PROC_SLOTS 320 /* root-CNode slots one process may use (image pages, tables, ...) */
#define PROC_CHILD_SLOTS 128 /* ... and one spawned process (its domain reserves this many) */
#define PROC_TEXT_PAGES 64   /* executable pages tracked for code mutation (SWIFI) */
#define PROC_PERSIST_PAGES (MF_PERSIST_MAX / 4096)

/* Bits of the supervisor's notification: pid-1 a heartbeat answer, 32+pid-1 "serving". */
#define PROC_SERVING_BIT 32
/* Bit PROC_DMA_BIT + index of the supervisor's notification: the IOMMU blocked a DMA of a PCI
 * function the process drives (its IO space is bound to it). */
#define PROC_DMA_BIT 16
#define PROC_IOSPACES 2 /* PCI functions with an IO space, per component */
_Static_assert(MF_MAX_COMPONENTS <= 31, "badge bits of the supervisor's notification");

/* A badge bit that marks a process's fault endpoint (its pid is in the low bits). */
#define PROC_FAULT_BADGE (1ull << 40)

enum proc_state {
    PROC_FREE,
    PROC_READY,   /* built (and, once resumed, running) */
    PROC_WAITING, /* torn down after a failure, to be restarted when its backoff ends */
    PROC_EXITED,  /* ended with exit status 0: done, not restarted */
    PROC_FAULTED, /* stopped after a failure, not restarted (restart = give-up) */
    PROC_FAILED,  /* could not be built, or the supervisor gave up on it */
    PROC_KILLED,  /* its domain was killed (SUP_DOMAIN_KILL) */
};

struct domain;

struct proc {
    enum proc_state state;
    const struct mf_component *mf;
    uint64_t pid;
    struct domain *dom;         /* the resource domain it runs in and is charged to (domain.h) */
    bool child;                 /* spawned at run time: mf is own_mf; not restarted */
    uint64_t parent;            /* a child: its creator's pid */
    struct mf_component own_mf; /* a child's settings: its creator's, less devices and policy */
    char name[MF_NAME_MAX + 1];

    uint64_t region; /* root slot: the untyped every object of an instance comes from */
    uint64_t cnode;  /* root slots: its CNode (radix AXL_PROC_CNODE_RADIX, no guard) */
    uint64_t tcb, pml4, ntfn;
    uint64_t ping_cap, inject_cap; /* its notification, badged AXL_NOTIFY_HEARTBEAT / _INJECT */
    uint64_t info_frame;           /* its info page (the supervisor writes injections there) */
    uint64_t ipc_frame;            /* its IPC buffer's page (struct axl_proc_status is there) */
    uint64_t service_ep;           /* made once: outlives its instances */
    struct {
        uint64_t slot;  /* root slot: the IO space, made once, bound to PROC_DMA_BIT + index */
        uint64_t seen;  /* its fault count already dealt with */
        uint16_t bdf;   /* bus << 8 | devfn */
    } ios[PROC_IOSPACES];
    unsigned nios;
    struct {
        uint64_t pa;      /* physical address of a DMA attack's target page, 0: none */
        uint32_t crc;     /* its CRC-32 before the attack */
        const char *what; /* what it is, for the report */
    } target[2];          /* set when a dma-attack-* injection is armed (supervise.c) */
    uint64_t persist[PROC_PERSIST_PAGES]; /* frames of persist = ..., made once */
    unsigned npersist;
    struct {
        uint64_t vaddr, frame;
    } text[PROC_TEXT_PAGES]; /* its executable pages, for code mutations */
    unsigned ntext;
    uint64_t image_pages; /* image, stack, info and IPC-buffer pages mapped for it */
    uint64_t table_pages; /* paging structures made for it */
    uint64_t quota;       /* bytes of its heap untyped */
    int status;           /* exit status, or the fault kind */

    /* Supervision (supervise.c). */
    uint64_t generation;      /* instances started so far */
    unsigned restarts;        /* in all */
    unsigned failures;        /* in the current restart window */
    uint64_t window_tsc;      /* when the current window began */
    uint64_t restart_tsc;     /* PROC_WAITING: when to restart it */
    bool ping_out;            /* a heartbeat is unanswered */
    uint64_t ping_tsc;        /* when the last heartbeat was sent */
    uint64_t fault_tsc, detect_tsc, torn_tsc, start_tsc; /* the last restart's times */
    bool timing;              /* waiting for the new instance's SUP_SERVING */
    const struct elf_image *img; /* the pristine image it is built from */
    const uint8_t *data;

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

/*
 * Builds and starts a new process from boot module module_index, named name, with args, in
 * domain d and charged to it (SUP_SPAWN: domain.c checks the limits first). Its settings are
 * parent's, less devices, persistent memory, policy (it is not restarted) and rights; its
 * priority at most d's; its heap quota heap bytes (rounded up to 2^n; 0: parent's).
 * AXL_E_NOT_ENOUGH_MEMORY or AXL_E_RANGE: its domain's memory or slots ran out.
 */
long proc_spawn(struct proc *parent, struct domain *d, unsigned module_index, const char *name,
                const char *args, uint64_t heap, struct proc **out);

/* Builds a new instance of p from its pristine image and domain (state READY, not resumed). */
long proc_create(struct proc *p);
/* Stops p's instance and takes back its objects; keeps domain, endpoint and persistent memory. */
void proc_teardown(struct proc *p);
/* As teardown, and gives up the domain, endpoint and persistent memory too; state becomes final. */
void proc_destroy(struct proc *p, enum proc_state final, int status);
/* The physical address of one of p's frames (for wild-write-other), or 0. */
/* The physical address of p's first page of code (its content changes only by SWIFI), or 0. */
uint64_t proc_text_frame_address(const struct proc *p);
uint64_t proc_some_frame_address(const struct proc *p);
/* Time stamp counter ticks per second. */
uint64_t proc_tsc_hz(void);

/* Prints the process report (ps) with say(): as a table, and/or as JSON lines (ps-json). */
void procs_report(bool text, bool json);

/* Root task output: through the console once it serves, the kernel log before. */
void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The console's endpoint (unbadged) in the root CNode, or 0 before it serves. */
extern uint64_t console_ep;
/* Tells the console every process's tag (at boot, and after the console restarted). */
void console_retag(void);
/* Ends the system: QEMU exits with PASS or FAIL. */
void main_shutdown(bool pass);

#endif /* AXL_ROOT_PROC_H */
