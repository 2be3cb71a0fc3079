/* SPDX-License-Identifier: MIT */
/*
 * manifest.h: the boot manifest, parsed (root task). The format, every key,
 * its default and limits, and every error message are in docs/manifest.md.
 *
 * A manifest declares devices (what I/O ports, IRQs and device memory make
 * up each) and components (the processes the root task starts, with the
 * capabilities each may have). It is untrusted text from a boot module, and
 * a mistake in it must never stop the rest of the system: every problem is
 * confined to the section it is in. A bad [component] is rejected
 * (valid = false) and the rest still start; a bad [device] is rejected and
 * so is every component that names it. Every problem is also recorded as
 * one line of text, "line N: ...", for the root task to print.
 *
 * The parser is pure C: no system calls, no allocation, no C library
 * beyond memcpy/memset/strlen/strcmp. It fills in a caller-provided struct
 * manifest (about 20 KiB: give it static storage, not the stack), reads
 * exactly the len bytes it is given (the text needs no NUL), and is built
 * both into the root task and into a host unit test.
 *
 * Use:
 *     static struct manifest m;
 *     manifest_parse(&m, text, len);
 *     manifest_check_modules(&m, names, nmodules);
 *     for each error: print m.errors[i].msg;
 *     for each component with valid set, in file order: start it.
 */
#ifndef AXL_ROOT_MANIFEST_H
#define AXL_ROOT_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Limits (docs/manifest.md#limits). */
#define MF_MAX_DEVICES 16
#define MF_MAX_COMPONENTS 16
#define MF_MAX_DOMAINS 8           /* [domain name] sections */
#define MF_MAX_SPAWN 4             /* may-spawn = ...: module names */
#define MF_MAX_RANGES 4            /* of each kind (ioports, irqs, mmio) per device */
#define MF_MAX_COMPONENT_DEVICES 8 /* devices = ... */
#define MF_MAX_ENDPOINTS 8         /* endpoints = ... */
#define MF_MAX_ERRORS 16           /* kept; more are only counted (errors_dropped) */
#define MF_NAME_MAX 23             /* characters of a device, component or module name */
#define MF_ARGS_MAX 127            /* bytes of args */
#define MF_LINE_MAX 255            /* bytes of a line, without its end */
#define MF_MSG_MAX 160             /* bytes of an error message, with its NUL */

#define MF_NONE 0xffu /* an unresolved reference index (struct mf_ref.index) */

#define MF_IRQ_COUNT 24              /* IRQs 0..23: the I/O APIC's inputs (AXL_IRQ_COUNT) */
#define MF_PAGE_SIZE 4096u           /* mmio ranges are aligned to this */
#define MF_MMIO_MAX_BYTES (1u << 30) /* one mmio range: at most 1 GiB */
#define MF_PHYS_LIMIT (1ull << 52)   /* mmio ranges end at or below the largest physical address */

/* Defaults and bounds of the component keys. */
#define MF_DEFAULT_PRIORITY 100
#define MF_PRIORITY_MIN 1
#define MF_PRIORITY_MAX 254 /* the root task runs at 255 */
#define MF_DEFAULT_MEMORY (256u * 1024)
#define MF_MEMORY_MIN (16u * 1024)
#define MF_MEMORY_MAX (64u * 1024 * 1024)
#define MF_DEFAULT_MAX_RESTARTS 5
#define MF_MAX_RESTARTS_MAX 1000
#define MF_DEFAULT_RESTART_WINDOW_MS 10000
#define MF_DURATION_MAX_MS 3600000u /* restart-window and heartbeat: at most one hour */
#define MF_PERSIST_MAX (256u * 1024) /* persist = ...: memory kept across restarts */
#define MF_INJECT_NAME_MAX 23              /* characters of a fault kind's name */

/* Bounds of the domain keys (docs/resources.md). */
#define MF_DOMAIN_MEMORY_MIN (64u * 1024)
#define MF_DOMAIN_MEMORY_MAX (64u * 1024 * 1024)
#define MF_DOMAIN_PROCS_MAX 32 /* max-procs = 1..32 */
#define MF_DEFAULT_MAX_PROCS 8

/* What the supervisor does when a component exits or fails (restart = ...). */
enum mf_restart_policy {
    MF_RESTART = 0, /* "restart": start it again (within max-restarts per restart-window) */
    MF_GIVE_UP,     /* "give-up": leave it stopped */
    MF_ESCALATE,    /* "escalate": treat it as a failure of the whole system */
};

/* An inclusive range: I/O ports first..last. */
struct mf_ioports {
    uint16_t first, last;
};

/* Device memory: physical base and length in bytes, both multiples of MF_PAGE_SIZE. */
struct mf_mmio {
    uint64_t base, size;
};

/* A PCI function (pci = BB:DD.F): bus 0..255, device 0..31, function 0..7, segment 0. */
struct mf_pci {
    uint8_t bus, dev, fn;
};

/* A [device name] section. */
struct mf_device {
    char name[MF_NAME_MAX + 1];
    unsigned line;           /* of its section header */
    bool valid;              /* false: rejected, see reason */
    char reason[MF_MSG_MAX]; /* the first error that rejected it ("" when valid) */
    struct mf_ioports ioports[MF_MAX_RANGES];
    unsigned nioports;
    uint8_t irqs[MF_MAX_RANGES]; /* each 0..23, no repeats */
    unsigned nirqs;
    struct mf_mmio mmio[MF_MAX_RANGES];
    unsigned nmmio;
    bool has_pci;       /* pci = ...: the supervisor grants the function's config page and BARs */
    struct mf_pci pci;  /* valid when has_pci */
    uint64_t bar_bytes; /* bar-bytes = ...: grant only this much of each memory BAR (0: all) */
};

/*
 * A [domain name] section: a resource domain (docs/resources.md). Every
 * process of the components placed in it (domain = name), and every process
 * they spawn, is built from its memory, and at most max_procs of them live at
 * once. A component without a domain key has a private domain of its own.
 */
struct mf_domain {
    char name[MF_NAME_MAX + 1];
    unsigned line;           /* of its section header */
    bool valid;              /* false: rejected, see reason (its components are rejected too) */
    char reason[MF_MSG_MAX]; /* the first error that rejected it ("" when valid) */
    uint64_t memory;         /* bytes: memory_requested rounded up to 2^n */
    uint64_t memory_requested;
    unsigned max_procs;      /* processes alive at once: 1..MF_DOMAIN_PROCS_MAX */
    unsigned priority;       /* the highest priority a process in it may have (1..254) */
};

/* A name in a devices or endpoints list, and what it resolved to. */
struct mf_ref {
    char name[MF_NAME_MAX + 1];
    uint8_t index; /* into manifest.devices or .components; MF_NONE when no such name */
};

/* A [component name] section: one process. */
struct mf_component {
    char name[MF_NAME_MAX + 1]; /* [a-z0-9-], 1..23 characters */
    unsigned line;              /* of its section header */
    bool valid;                 /* false: rejected, do not start it; see reason */
    char reason[MF_MSG_MAX];    /* the first error that rejected it ("" when valid) */

    char module[MF_NAME_MAX + 1]; /* boot module: "x" matches a module "x" or "x.elf" */
    unsigned module_line;         /* of module = (the header's line when defaulted) */
    int module_index;             /* set by manifest_check_modules; -1 until then or if none */

    unsigned priority; /* 1..254 */
    uint64_t memory;   /* heap quota in bytes: memory_requested rounded up to 2^n */
    uint64_t memory_requested;

    struct mf_ref devices[MF_MAX_COMPONENT_DEVICES]; /* index into manifest.devices */
    unsigned ndevices;
    unsigned devices_line;
    struct mf_ref endpoints[MF_MAX_ENDPOINTS]; /* index into manifest.components */
    unsigned nendpoints;
    unsigned endpoints_line;

    /* pager = NAME: the component whose service endpoint gets this one's faults (seL4's
     * external pager; servers/mm, docs/swap.md). name "" = none: the supervisor's. */
    struct mf_ref pager; /* index into manifest.components */
    unsigned pager_line;

    char args[MF_ARGS_MAX + 1]; /* NUL-terminated; "" by default */

    /* For the supervisor (supervise.c, docs/supervisor.md). */
    enum mf_restart_policy restart;
    unsigned max_restarts;      /* 0..1000 */
    uint32_t restart_window_ms; /* 1 ms .. 1 h */
    uint32_t heartbeat_ms;      /* 0 = none */
    bool critical;
    bool shutdown_on_exit; /* the system shuts down with this component's exit status */
    uint64_t persist;      /* bytes of memory that survive its restarts (multiple of 4K), 0: none */
    /* inject = KIND [after N] [seed S]: a fault to inject (docs/supervisor.md); kind "" = none.
     * The kind's name is checked against the table by the supervisor, not here. */
    char inject[MF_INJECT_NAME_MAX + 1];
    uint64_t inject_after, inject_seed;
    bool inject_every_start; /* inject again into every restarted instance (else the first only) */
    bool may_inject;         /* may ask the supervisor to inject faults into others (SUP_INJECT) */
    bool may_read_pstore;    /* may read the crash records of earlier boots (SUP_PSTORE_*) */
    bool kernel_driver;      /* gets the driver linked into a monolithic kernel (AXL_SLOT_KDRIVER) */

    /* Resource domains (docs/resources.md). */
    struct mf_ref domain; /* domain = name: index into manifest.domains; MF_NONE: a private one */
    unsigned domain_line;
    char spawn[MF_MAX_SPAWN][MF_NAME_MAX + 1]; /* may-spawn = ...: boot modules it may start */
    int spawn_index[MF_MAX_SPAWN];             /* set by manifest_check_modules */
    unsigned nspawn;
    unsigned spawn_line;
    bool may_kill; /* may kill a whole domain (SUP_DOMAIN_KILL) and read any domain's usage */
};

/* One problem found: "line N: ..." (line 0: not tied to a line). */
struct mf_error {
    unsigned line;
    char msg[MF_MSG_MAX];
};

struct manifest {
    struct mf_device devices[MF_MAX_DEVICES]; /* in file order, rejected ones included */
    unsigned ndevices;
    struct mf_component components[MF_MAX_COMPONENTS]; /* in file order, rejected ones included */
    unsigned ncomponents;
    struct mf_domain domains[MF_MAX_DOMAINS]; /* in file order, rejected ones included */
    unsigned ndomains;
    struct mf_error errors[MF_MAX_ERRORS]; /* in the order found */
    unsigned nerrors;
    unsigned errors_dropped; /* errors past MF_MAX_ERRORS: counted, not kept */
};

/*
 * Parses len bytes of text into *m, which it overwrites entirely. The text
 * need not end in a NUL or a newline, and no byte past len is read. Device
 * and endpoint names are resolved at the end. Returns the number of valid
 * components (m->nerrors says whether anything was wrong).
 */
unsigned manifest_parse(struct manifest *m, const char *text, size_t len);

/*
 * Matches each component's module against the boot modules' names
 * (names[0..n), NUL-terminated, as in struct axl_boot_module.name; a NULL
 * entry matches nothing, e.g. for a module that could not be mapped): an
 * exact match first, else "<module>.elf". Sets module_index; a valid one whose
 * module is missing is rejected ("no boot module 'x'"), and so, in turn, is
 * every component with an endpoint to a rejected one. Call it once (a second
 * call reports the missing modules again). Returns the number of valid
 * components.
 */
unsigned manifest_check_modules(struct manifest *m, const char *const *names, size_t n);

/* The restart policy's name as written in a manifest ("restart", "give-up", "escalate"). */
const char *manifest_restart_name(enum mf_restart_policy p);

#endif /* AXL_ROOT_MANIFEST_H */
