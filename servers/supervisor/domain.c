/* SPDX-License-Identifier: MIT */
/*
 * domain.c: resource domains: their memory, their process limit, spawning
 * into them, killing them, and their part of the report (domain.h,
 * docs/resources.md).
 */
#include <axl/axl.h>
#include <axl/proc.h>
#include <axl/protocols.h>
#include <axl/rpc.h>

#include "domain.h"
#include "mem.h"
#include "supervise.h"

#define PAGE 4096ull
#define DOMAIN_MIN_BLOCK_BITS 16 /* no region smaller than 64 KiB */
#define SLOTS_KEPT_FREE 256      /* root slots no domain may reserve: the system's own */

struct domain domains[DOMAIN_MAX];

static unsigned log2_up(uint64_t n)
{
    unsigned b = 0;
    while ((1ull << b) < n) {
        b++;
    }
    return b;
}

/* --- the buddy allocator's capability operations --- */

static long ut_split(void *ctx, uint64_t parent, unsigned bits, uint64_t half[2])
{
    (void)ctx;
    half[0] = slot_alloc();
    half[1] = half[0] ? slot_alloc() : 0;
    long err = half[1] ? AXL_E_OK : AXL_E_RANGE;
    /* Two consecutive slots are not guaranteed: retype one at a time. */
    for (int i = 0; i < 2 && err == AXL_E_OK; i++) {
        err = axl_untyped_retype(parent, AXL_OBJ_UNTYPED, bits, AXL_SLOT_CNODE, half[i], 1);
    }
    if (err != AXL_E_OK) {
        for (int i = 0; i < 2; i++) {
            if (half[i]) {
                axl_cnode_delete(AXL_SLOT_CNODE, half[i]);
                slot_free(half[i]);
            }
        }
    }
    return err;
}

static void ut_join(void *ctx, uint64_t parent, const uint64_t half[2])
{
    (void)ctx, (void)parent;
    for (int i = 0; i < 2; i++) {
        axl_cnode_delete(AXL_SLOT_CNODE, half[i]); /* the last child gone: parent is whole */
        slot_free(half[i]);
    }
}

static void ut_forget(void *ctx, const uint64_t half[2])
{
    (void)ctx;
    for (int i = 0; i < 2; i++) {
        slot_free(half[i]); /* the capability went with the revoke */
    }
}

static const struct buddy_ops ut_ops = {ut_split, ut_join, ut_forget};

/* --- set-up --- */

void domains_init(const struct manifest *m)
{
    unsigned n = 0;

    for (unsigned i = 0; i < m->ndomains && i < MF_MAX_DOMAINS; i++) {
        const struct mf_domain *md = &m->domains[i];
        struct domain *d = &domains[n++];
        *d = (struct domain){.used = true, .named = true, .max_procs = md->max_procs,
                             .priority = md->priority};
        memcpy(d->name, md->name, sizeof(d->name));
        if (!md->valid) {
            d->refused = true; /* main.c printed why; its components are rejected too */
            continue;
        }
        d->bits = log2_up(md->memory);
        long err = mem_untyped(d->bits, &d->ut);
        if (err != AXL_E_OK) {
            say("domain '%s': cannot make its %llu KiB: %s", d->name,
                (unsigned long long)(md->memory / 1024), axl_strerror(err));
            d->refused = true;
            continue;
        }
        buddy_init(&d->buddy, &ut_ops, d, d->ut, d->bits, DOMAIN_MIN_BLOCK_BITS);
    }
    for (unsigned i = 0; i < PROC_COMPONENTS; i++) {
        struct proc *p = &procs[i];
        if (p->state == PROC_FREE || !p->mf) {
            continue;
        }
        unsigned di = p->mf->domain.index;
        if (di != MF_NONE && di < m->ndomains) {
            p->dom = &domains[di];
            if (p->dom->refused && p->state == PROC_READY) {
                p->state = PROC_FAILED;
                say("component '%s': its domain '%s' could not be made: not started", p->name,
                    p->dom->name);
            }
            continue;
        }
        struct domain *d = &domains[MF_MAX_DOMAINS + i];
        *d = (struct domain){.used = true, .max_procs = 1, .priority = MF_PRIORITY_MAX};
        memcpy(d->name, p->name, sizeof(d->name));
        p->dom = d;
    }
}

void domains_reserve(void)
{
    unsigned entries = PROC_CHILDREN, slots_free = (1u << AXL_ROOT_CNODE_RADIX) - slots_used();

    slots_free = slots_free > SLOTS_KEPT_FREE ? slots_free - SLOTS_KEPT_FREE : 0;
    for (unsigned i = 0; i < MF_MAX_DOMAINS; i++) {
        struct domain *d = &domains[i];
        if (!d->used || d->refused) {
            continue;
        }
        unsigned members = domain_procs(d);
        unsigned want = d->max_procs > members ? d->max_procs - members : 0;
        if (want > entries || want * PROC_CHILD_SLOTS > slots_free) {
            unsigned fit = entries < slots_free / PROC_CHILD_SLOTS ? entries
                                                                    : slots_free / PROC_CHILD_SLOTS;
            say("domain '%s': room for %u more processes, not the %u its max-procs allows: it "
                "may spawn %u", d->name, fit, want, fit);
            want = fit;
        }
        d->children_max = want;
        entries -= want;
        slots_free -= want * PROC_CHILD_SLOTS;
    }
}

/* --- regions --- */

long domain_region(struct proc *p, uint64_t bytes)
{
    struct domain *d = p->dom;

    if (!d || !d->named) {
        return mem_untyped(log2_up(bytes), &p->region);
    }
    if (d->killed || d->refused) {
        return AXL_S_DENIED;
    }
    unsigned bits;
    long err = buddy_alloc(&d->buddy, log2_up(bytes), &p->region, &bits);
    if (err == BUDDY_NO_MEMORY) {
        p->region = 0;
        return AXL_E_NOT_ENOUGH_MEMORY;
    }
    return err;
}

void domain_release(struct proc *p)
{
    struct domain *d = p->dom;

    if (!p->region) {
        return;
    }
    if (d && d->named) {
        buddy_free(&d->buddy, p->region); /* its slot goes back with it, or stays a free block */
    } else {
        axl_cnode_delete(AXL_SLOT_CNODE, p->region);
        slot_free(p->region);
    }
    p->region = 0;
}

/* --- questions --- */

struct domain *domain_by_name(const char *name)
{
    for (unsigned i = 0; i < DOMAIN_MAX; i++) {
        if (domains[i].used && strcmp(domains[i].name, name) == 0) {
            return &domains[i];
        }
    }
    return NULL;
}

static bool alive(const struct proc *p) { return p->state == PROC_READY || p->state == PROC_WAITING; }

unsigned domain_procs(const struct domain *d)
{
    unsigned n = 0;
    for (unsigned i = 0; i < PROC_MAX; i++) {
        n += procs[i].dom == d && alive(&procs[i]);
    }
    return n;
}

static unsigned domain_children(const struct domain *d)
{
    unsigned n = 0;
    for (unsigned i = PROC_COMPONENTS; i < PROC_MAX; i++) {
        n += procs[i].dom == d && procs[i].state != PROC_FREE;
    }
    return n;
}

static unsigned domain_restarts(const struct domain *d)
{
    unsigned n = d->restarts_gone;
    for (unsigned i = 0; i < PROC_MAX; i++) {
        if (procs[i].dom == d && procs[i].state != PROC_FREE) {
            n += procs[i].restarts;
        }
    }
    return n;
}

/* A private domain's one process, or NULL. */
static const struct proc *private_proc(const struct domain *d)
{
    for (unsigned i = 0; i < PROC_COMPONENTS; i++) {
        if (procs[i].dom == d && procs[i].state != PROC_FREE) {
            return &procs[i];
        }
    }
    return NULL;
}

/* The kernel's word on untyped ut: its size and its watermark (bytes used); false if none. */
static bool untyped_info(uint64_t ut, uint64_t *size, uint64_t *used)
{
    struct axl_cap_info ci;
    *size = *used = 0;
    if (!ut || axl_cnode_inspect(AXL_SLOT_CNODE, ut, &ci) != AXL_E_OK || ci.type != AXL_OBJ_UNTYPED) {
        return false;
    }
    *size = 1ull << ci.size_bits;
    *used = ci.badge; /* an untyped's word: bytes used */
    return true;
}

static uint64_t watermark(uint64_t ut)
{
    uint64_t size, used;
    untyped_info(ut, &size, &used);
    return used;
}

uint64_t domain_size(const struct domain *d)
{
    if (d->named) {
        return d->refused ? 0 : 1ull << d->bits;
    }
    const struct proc *p = private_proc(d);
    uint64_t size = 0, used;
    if (p) {
        untyped_info(p->region, &size, &used);
    }
    return size;
}

uint64_t domain_used(const struct domain *d)
{
    /* A named domain's processes are charged their regions; a private domain's one region is
     * what the kernel has carved of it. */
    return d->named ? d->buddy.used : domain_kernel_used(d);
}

uint64_t domain_kernel_used(const struct domain *d)
{
    if (d->named) {
        return d->refused ? 0 : watermark(d->ut);
    }
    const struct proc *p = private_proc(d);
    return p ? watermark(p->region) : 0;
}

/* --- spawning --- */

/* Says it once per domain and kind; later refusals are only counted. */
static void refused(struct domain *d, const struct proc *from, const char *module, long why)
{
    uint64_t *count = why == AXL_E_NOT_ENOUGH_MEMORY ? &d->refused_nomem : &d->refused_limit;
    if ((*count)++ == 0) {
        say("domain '%s': spawn of '%s' by pid %llu refused: %s (%u processes, %llu of %llu KiB "
            "used); further refusals are counted, not printed",
            d->name, module, (unsigned long long)from->pid,
            why == AXL_E_NOT_ENOUGH_MEMORY ? "out of memory (ENOMEM)"
                                           : "process limit reached (EAGAIN)",
            domain_procs(d), (unsigned long long)(domain_used(d) / 1024),
            (unsigned long long)(domain_size(d) / 1024));
    }
}

long domain_spawn_request(struct proc *from, const struct axl_msg *m, struct axl_msg *r)
{
    char module[MF_NAME_MAX + 1], args[MF_ARGS_MAX + 1], target[MF_NAME_MAX + 1];
    unsigned pos = 0;
    uint64_t heap = 0;
    long err = axl_msg_get_word(m, &pos, &heap);

    if (err == AXL_E_OK) {
        err = axl_msg_get_str(m, &pos, module, sizeof(module) - 1);
    }
    if (err == AXL_E_OK) {
        err = axl_msg_get_str(m, &pos, args, sizeof(args) - 1);
    }
    if (err == AXL_E_OK) {
        err = axl_msg_get_str(m, &pos, target, sizeof(target) - 1);
    }
    if (err != AXL_E_OK) {
        return AXL_S_BAD_REQUEST;
    }
    if (heap && (heap < MF_MEMORY_MIN || heap > MF_MEMORY_MAX)) {
        return AXL_E_RANGE;
    }
    const struct mf_component *c = from->mf;
    int module_index = -1;
    for (unsigned k = 0; k < c->nspawn; k++) {
        if (strcmp(c->spawn[k], module) == 0) {
            module_index = c->spawn_index[k];
        }
    }
    /* Into its own domain; into another only as an operator (may-kill). */
    struct domain *d = target[0] ? domain_by_name(target) : from->dom;
    if (target[0] && !d) {
        return AXL_S_NOT_FOUND;
    }
    if (module_index < 0 || !d || !d->named || d->killed || d->refused ||
        (d != from->dom && !from->mf->may_kill)) {
        return AXL_S_DENIED;
    }
    if (domain_procs(d) >= d->max_procs || domain_children(d) >= d->children_max) {
        refused(d, from, module, AXL_S_LIMIT);
        return AXL_S_LIMIT;
    }
    struct proc *child = NULL;
    err = proc_spawn(from, d, (unsigned)module_index, module, args, heap, &child);
    if (err == AXL_E_NOT_ENOUGH_MEMORY || err == AXL_E_RANGE) {
        /* Its memory, or the root slots it reserved: either way its own resources. */
        refused(d, from, module, AXL_E_NOT_ENOUGH_MEMORY);
        return AXL_E_NOT_ENOUGH_MEMORY;
    }
    if (err != AXL_E_OK) {
        return err;
    }
    d->spawned++;
    say("domain '%s': pid %llu spawned '%s' (pid %llu): %u of %u processes, %llu of %llu KiB "
        "used", d->name, (unsigned long long)from->pid, module, (unsigned long long)child->pid,
        domain_procs(d), d->max_procs, (unsigned long long)(domain_used(d) / 1024),
        (unsigned long long)(domain_size(d) / 1024));
    axl_msg_put_word(r, child->pid);
    return AXL_E_OK;
}

/* --- usage, and killing --- */

/* The domain a request names: "" is the caller's; another needs may-kill. */
static long requested_domain(struct proc *from, const struct axl_msg *m, struct domain **out)
{
    char name[MF_NAME_MAX + 1];
    unsigned pos = 0;

    if (axl_msg_get_str(m, &pos, name, sizeof(name) - 1) != AXL_E_OK) {
        return AXL_S_BAD_REQUEST;
    }
    struct domain *d = name[0] ? domain_by_name(name) : from->dom;
    if (!d) {
        return AXL_S_NOT_FOUND;
    }
    if (d != from->dom && !from->mf->may_kill) {
        return AXL_S_DENIED;
    }
    *out = d;
    return AXL_E_OK;
}

long domain_info_request(struct proc *from, const struct axl_msg *m, struct axl_msg *r)
{
    struct domain *d;
    long err = requested_domain(from, m, &d);
    if (err != AXL_E_OK) {
        return err;
    }
    const uint64_t words[] = {
        domain_size(d),        domain_used(d),     domain_procs(d),   d->max_procs,
        d->spawned,            d->refused_nomem,   d->refused_limit,  domain_restarts(d),
        domain_kernel_used(d), mem_free_bytes(),   slots_used(),      d->killed,
    };
    for (unsigned i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
        axl_msg_put_word(r, words[i]); /* MR4 and up go to the IPC buffer */
    }
    return AXL_E_OK;
}

long domain_kill_request(struct proc *from, const struct axl_msg *m, struct axl_msg *r)
{
    struct domain *d;
    long err = requested_domain(from, m, &d);
    if (err != AXL_E_OK) {
        return err;
    }
    if (!from->mf->may_kill || d == from->dom || !d->named || d->refused) {
        return AXL_S_DENIED; /* a private domain is one component: its policy applies */
    }
    uint64_t used = domain_used(d), before = domain_kernel_used(d);
    unsigned killed = 0;
    for (unsigned i = 0; i < PROC_MAX; i++) {
        struct proc *p = &procs[i];
        if (p->dom != d || p->state == PROC_FREE) {
            continue;
        }
        killed += alive(p);
        d->restarts_gone += p->restarts;
        p->restarts = 0;
        supervise_kill(p);
    }
    /* Nothing of it can be left; revoke the untyped anyway, so the kernel says so. */
    axl_cnode_revoke(AXL_SLOT_CNODE, d->ut);
    buddy_reset(&d->buddy);
    d->killed = true;
    say("domain '%s' killed: %u processes, %llu KiB reclaimed; the kernel's watermark of its "
        "untyped: %llu KiB before, %llu KiB now", d->name, killed,
        (unsigned long long)(used / 1024), (unsigned long long)(before / 1024),
        (unsigned long long)(domain_kernel_used(d) / 1024));
    axl_msg_put_word(r, killed);
    axl_msg_put_word(r, used);
    return AXL_E_OK;
}

/* --- the report --- */

void domains_report(bool text, bool json)
{
    if (text) {
        say("%-16s %8s %8s %8s %5s %5s %7s %8s %7s %7s %7s", "domain", "mem KiB", "used KiB",
            "free KiB", "procs", "limit", "threads", "restarts", "spawned", "nomem", "limit");
    }
    for (unsigned i = 0; i < DOMAIN_MAX; i++) {
        const struct domain *d = &domains[i];
        if (!d->used) {
            continue;
        }
        uint64_t size = domain_size(d), used = domain_used(d);
        unsigned n = domain_procs(d);
        if (text) {
            say("%-16s %8llu %8llu %8llu %5u %5u %7u %8u %7llu %7llu %7llu%s", d->name,
                (unsigned long long)(size / 1024), (unsigned long long)(used / 1024),
                (unsigned long long)((size - used) / 1024), n, d->max_procs, n,
                domain_restarts(d), (unsigned long long)d->spawned,
                (unsigned long long)d->refused_nomem, (unsigned long long)d->refused_limit,
                d->killed ? " killed" : d->refused ? " refused" : d->named ? "" : " (private)");
        }
        if (json) {
            say("ps-json {\"kind\":\"domain\",\"name\":\"%s\",\"private\":%s,\"memory\":%llu,"
                "\"used\":%llu,\"free\":%llu,\"kernel_used\":%llu,\"procs\":%u,\"max_procs\":%u,"
                "\"threads\":%u,\"restarts\":%u,\"spawned\":%llu,\"refused_nomem\":%llu,"
                "\"refused_limit\":%llu,\"killed\":%s}",
                d->name, d->named ? "false" : "true", (unsigned long long)size,
                (unsigned long long)used, (unsigned long long)(size - used),
                (unsigned long long)domain_kernel_used(d), n, d->max_procs, n, domain_restarts(d),
                (unsigned long long)d->spawned, (unsigned long long)d->refused_nomem,
                (unsigned long long)d->refused_limit, d->killed ? "true" : "false");
        }
    }
}
