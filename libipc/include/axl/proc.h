/* SPDX-License-Identifier: MIT */
/*
 * axl/proc.h: how the root task starts a process, as the process sees it
 * (libipc). A user-space convention, not kernel ABI: the kernel knows none
 * of it (see docs/user-space.md and docs/manifest.md).
 *
 * A process starts like the root task: rdi points at an info page, rsi at
 * its IPC buffer, rsp near AXL_ROOT_STACK_TOP. Its info page is a struct
 * axl_procinfo (magic AXL_PROCINFO_MAGIC) instead of the kernel's boot info.
 * Its CSpace is one CNode of 2^AXL_PROC_CNODE_RADIX slots whose guard makes
 * a cptr equal a slot index, with the fixed slots below filled in; the
 * capabilities its manifest entry grants follow from AXL_PROC_SLOT_GRANTED
 * on, named in info->caps[].
 */
#ifndef AXL_LIBIPC_PROC_H
#define AXL_LIBIPC_PROC_H

#include <stdint.h>

#define AXL_PROCINFO_MAGIC 0x6f666e49636f7250ull /* "ProcInfo" */
#define AXL_PROCINFO_VERSION 2

#define AXL_PROC_CNODE_RADIX 10 /* 1024 slots */

/* Fixed slots of a process's CNode (0 when the manifest gave none). */
#define AXL_PROC_SLOT_TCB 1          /* its own thread */
#define AXL_PROC_SLOT_CNODE 2        /* its CSpace root */
#define AXL_PROC_SLOT_VSPACE 3       /* its PML4 */
#define AXL_PROC_SLOT_SERVING_NOTE 4 /* the supervisor's notification, badged: "serving again" */
#define AXL_PROC_SLOT_INFO 6         /* the frame holding struct axl_procinfo */
#define AXL_PROC_SLOT_IPC_BUFFER 7   /* the frame holding its IPC buffer */
#define AXL_PROC_SLOT_SUPERVISOR_EP 8      /* the root task's endpoint, badged with its pid */
#define AXL_PROC_SLOT_NAME_EP 9      /* the name server (0 for the name server itself) */
#define AXL_PROC_SLOT_CONSOLE_EP 10  /* the console server, badged with its pid */
#define AXL_PROC_SLOT_HEAP_UNTYPED 11 /* its memory quota: the heap grows from it */
#define AXL_PROC_SLOT_NOTIFICATION 12 /* bound to its thread: signals arrive in recv */
#define AXL_PROC_SLOT_SERVICE_EP 13  /* an endpoint of its own, to serve on (kept across restarts) */
#define AXL_PROC_SLOT_HEARTBEAT 14   /* the supervisor's notification, badged with its bit: the pong */
#define AXL_PROC_SLOT_GRANTED 16     /* the manifest's grants, in info->caps[] order */

/* Where things are in a process's address space. */
#define AXL_PROC_INFO_ADDR 0x80001000ull  /* = AXL_ROOT_BOOTINFO */
#define AXL_PROC_IPC_BUFFER 0x80002000ull /* = AXL_ROOT_IPC_BUFFER */
#define AXL_PROC_HEAP_BASE 0x100000000ull /* the heap grows up from 4 GiB */
#define AXL_PROC_MMIO_BASE 0x200000000ull /* granted device memory is mapped from 8 GiB */
#define AXL_PROC_MMIO_MAX (2ull << 20)     /* ... at most 2 MiB of it in all (mmio, pci) */
/* The rest of the IPC buffer's page: words the process writes for the supervisor to read. */
#define AXL_PROC_STATUS_ADDR (AXL_PROC_IPC_BUFFER + 3072)
#define AXL_PROC_PERSIST_BASE 0x300000000ull /* memory kept across restarts (persist =), at 12 GiB */
/* The badge bit of a process's fault endpoint (its pid in the low bits): how an external pager
 * (manifest: pager = ...) tells a fault message from a request. */
#define AXL_PROC_FAULT_BADGE (1ull << 40)
/* Paged memory (servers/mm, docs/swap.md): a client's window at 16 GiB, at most 64 MiB. */
#define AXL_PROC_PAGED_BASE 0x400000000ull
#define AXL_PROC_PAGED_MAX (64ull << 20)

/* Bits the supervisor signals on a process's notification (IRQs use bits 0..23). */
#define AXL_NOTIFY_HEARTBEAT (1ull << 63) /* answer by signalling AXL_PROC_SLOT_HEARTBEAT */
#define AXL_NOTIFY_INJECT (1ull << 62)    /* a fault injection is waiting in the info page */
/* The bit of the process's own timer: axl_sleep_until and axl_sleep_us (<axl/time.h>) arm the
 * notification's timer with it (the driver library's timer, drivers/lib/, uses it too). */
#define AXL_NOTIFY_SLEEP (1ull << 32)

#include <axl/inject.h>

#define AXL_PROC_MAX_CAPS 24
#define AXL_PROC_NAME_MAX 24

/* What a granted capability is (axl_proc_cap.kind). */
enum axl_proc_cap_kind {
    AXL_PROC_CAP_IOPORT = 1, /* first..last: an I/O port range */
    AXL_PROC_CAP_IRQ = 2,    /* first: the IRQ; its signals set bit first of the notification */
    AXL_PROC_CAP_MMIO = 3,   /* first: physical address, last: bytes; mapped at vaddr; cptr: the
                              * frames, one slot per page from cptr on */
    AXL_PROC_CAP_ENDPOINT = 4, /* another component's service endpoint (name: its name) */
    AXL_PROC_CAP_IOSPACE = 5,  /* the IO space of a granted PCI function (name "pci:BB:DD.F
                                * iospace"; first: bus, last: devfn); only with DMA remapping on */
    AXL_PROC_CAP_KDRIVER = 6,  /* the driver linked into a monolithic kernel (name "kdriver";
                                * manifest: kernel-driver = yes; build/kernel-mono/ only) */
};

struct axl_proc_cap {
    char name[AXL_PROC_NAME_MAX]; /* as the manifest wrote it, e.g. "ioport:0x3f8-0x3ff" */
    uint64_t kind;                /* enum axl_proc_cap_kind */
    uint64_t cptr;                /* where it is in the process's CSpace */
    uint64_t first, last;         /* see enum axl_proc_cap_kind */
    uint64_t vaddr;               /* MMIO: where it is mapped (uncached); else 0 */
};

struct axl_procinfo {
    uint64_t magic;   /* AXL_PROCINFO_MAGIC */
    uint64_t version; /* AXL_PROCINFO_VERSION */
    uint64_t pid;     /* 1, 2, ...: unique while the system runs; the badge root minted */
    uint64_t tsc_hz;  /* timestamp-counter ticks per second (the kernel's calibration) */
    uint64_t first_free;  /* first empty slot of its CNode */
    uint64_t heap_base;   /* AXL_PROC_HEAP_BASE */
    uint64_t heap_quota;  /* bytes of the heap untyped (a power of two; page tables come out of it) */
    uint64_t boot_tsc;    /* rdtsc when the root task started it */
    char name[AXL_PROC_NAME_MAX]; /* component name from the manifest */
    char args[128];               /* the manifest's args = "...", NUL-terminated */
    uint64_t cap_count;
    struct axl_proc_cap caps[AXL_PROC_MAX_CAPS];
    /* Version 2: supervision. */
    uint64_t generation;   /* 1 for the first instance, +1 at every restart */
    uint64_t persist_size; /* bytes at AXL_PROC_PERSIST_BASE that outlive this instance (0: none) */
    uint64_t heartbeat_ms; /* the supervisor expects heartbeat answers within this (0: no pings) */
    struct axl_inject inject; /* a fault to inject (kind 0: none); the supervisor rewrites it */
    uint64_t inject_serial;   /* grows by one with every new injection request */
};
_Static_assert(sizeof(struct axl_procinfo) <= 4096, "procinfo fits its page");

/*
 * At AXL_PROC_STATUS_ADDR: written by the driver framework (axl_serve), read
 * by the supervisor after a signal on AXL_PROC_SLOT_SERVING_NOTE, to time
 * a restart without a message that could block either side.
 */
struct axl_proc_status {
    uint64_t ready_tsc;  /* rdtsc when axl_serve began to wait for requests */
    uint64_t served_tsc; /* rdtsc when the first request arrived */
};

/* Set by the start-up code: this process's info page, or NULL in the root task. */
extern struct axl_procinfo *axl_procinfo;

/* The granted capability called name in this process's info page, or NULL. */
const struct axl_proc_cap *axl_proc_cap(const char *name);

#endif /* AXL_LIBIPC_PROC_H */
