/* SPDX-License-Identifier: MIT */
/*
 * supervise.c: what the supervisor does when a component fails
 * (docs/supervisor.md).
 *
 * Detection: the kernel's fault messages, missed heartbeats, exits with a
 * non-zero status, and complaints from clients. Reaction, per component
 * (manifest): restart at once; after repeated failures in one restart
 * window, restart after an exponential backoff; after more than
 * max-restarts failures in the window, give up (the service's endpoint is
 * revoked and its names answer FAILED); for critical components, or
 * restart = escalate, an orderly reboot of the system.
 *
 * A restart must be quick, so nothing is printed while it happens: the
 * lines about it are collected and printed once the new instance runs.
 * Every line carries the times of the restart's phases, measured with the
 * time stamp counter: detect (the kernel took the fault until the
 * supervisor knew), teardown, create; and once the new instance answers its
 * first request, init (start until it waits for requests), first request
 * after (until a client's request reached it) and the downtime (the fault
 * until that first request).
 */
#include <axl/axl.h>
#include <axl/inject.h>
#include <axl/iommu.h>
#include <axl/proc.h>
#include <axl/protocols.h>
#include <axl/rpc.h>

#include "mem.h"
#include "proc.h"
#include "supervise.h"
#include "swifi.h"

#define TIMER_BIT (1ull << 63) /* of sup_ntfn: the supervisor's own timer */
#define TICK_US 10000          /* how often the timer looks at heartbeats and backoffs */
#define BACKOFF_FIRST_MS 10    /* the second failure in a window waits this, then doubling */
#define BACKOFF_MAX_MS 1000

static bool timer_armed;
static bool restarting; /* say() must not use the console while a component is torn down */


static uint64_t us_of(uint64_t ticks) { return ticks * 1000000 / proc_tsc_hz(); }
static uint64_t ticks_of_ms(uint64_t ms) { return ms * (proc_tsc_hz() / 1000); }

/* --- lines held back while a restart is under way --- */

static char held[4][AXL_MSG_BYTES_MAX(0) - 2];
static unsigned nheld;

static void hold(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void hold(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (nheld < sizeof(held) / sizeof(held[0])) {
        axl_vsnprintf(held[nheld++], sizeof(held[0]), fmt, ap);
    }
    va_end(ap);
}

static void release_held(void)
{
    for (unsigned i = 0; i < nheld; i++) {
        say("%s", held[i]);
    }
    nheld = 0;
}

bool supervise_console_ok(void)
{
    if (restarting) {
        return false;
    }
    for (unsigned i = 0; i < PROC_MAX; i++) {
        if (procs[i].state == PROC_WAITING) {
            return false; /* the console might be waiting for it: never block on a dead server */
        }
    }
    const struct proc *con = proc_by_name("console");
    return con && con->state == PROC_READY;
}

/* --- the timer --- */

static bool timer_needed(void)
{
    for (unsigned i = 0; i < PROC_MAX; i++) {
        const struct proc *p = &procs[i];
        if (p->state == PROC_WAITING || (p->state == PROC_READY && p->mf && p->mf->heartbeat_ms)) {
            return true;
        }
    }
    return false;
}

static void timer_update(void)
{
    if (!timer_armed && timer_needed()) {
        timer_armed = axl_ntfn_set_timer(sup_ntfn, TIMER_BIT, TICK_US) == AXL_E_OK;
    }
}

/* --- injection --- */

static const char *inject_kind_text(const struct proc *p) { return p->mf->inject; }

/* Applies a code mutation (SWIFI) to p's running text; logs what changed. */
static long swifi_apply(struct proc *p, unsigned kind, uint64_t seed)
{
#ifdef AXL_NO_FAULT_INJECTION
    (void)p, (void)kind, (void)seed;
    return AXL_S_DENIED; /* a release build: compiled out */
#endif
    static uint8_t text[256 * 1024];
    const struct elf_segment *seg = NULL;
    static const enum swifi_kind kinds[] = {
        [AXL_INJECT_SWIFI_BITFLIP] = SWIFI_BITFLIP,
        [AXL_INJECT_SWIFI_DROP] = SWIFI_DROP,
        [AXL_INJECT_SWIFI_REG_SRC] = SWIFI_REG_SRC,
        [AXL_INJECT_SWIFI_REG_DST] = SWIFI_REG_DST,
    };

    for (unsigned i = 0; i < p->img->nsegments; i++) {
        if (p->img->seg[i].exec) {
            seg = &p->img->seg[i];
            break;
        }
    }
    if (!seg || seg->filesz > sizeof(text)) {
        return AXL_E_RANGE;
    }
    memcpy(text, p->data + seg->offset, seg->filesz); /* the pristine bytes */
    struct swifi_result res;
    if (swifi_mutate(text, seg->filesz, kinds[kind], seed, &res) != 0) {
        return AXL_E_INVALID_ARGUMENT;
    }
    /* Write the changed bytes into the instance's own frames: it runs the mutated code. */
    for (unsigned i = 0; i < res.len; i++) {
        uint64_t va = seg->vaddr + res.offset + i, page = va & ~0xfffull;
        for (unsigned t = 0; t < p->ntext; t++) {
            if (p->text[t].vaddr == page) {
                uint8_t *m = peek_map(p->text[t].frame);
                if (m) {
                    m[va - page] = res.after[i];
                    peek_unmap();
                }
            }
        }
    }
    say("inject: '%s' %s seed %llu: %s", p->name, axl_inject_kind_name(kind),
        (unsigned long long)seed, res.what);
    return AXL_E_OK;
}

/* The argument of wild-write-other: a frame of some other running process. */
static uint64_t neighbour_frame(const struct proc *p)
{
    for (unsigned i = 0; i < PROC_MAX; i++) {
        if (&procs[i] != p && procs[i].state == PROC_READY) {
            uint64_t pa = proc_some_frame_address(&procs[i]);
            if (pa) {
                return pa;
            }
        }
    }
    return 0;
}

/*
 * The injection p's framework is given for kind: for the DMA attacks, the
 * targets' physical addresses (the kernel's first page and PML4, from boot
 * information, or a neighbour's frame), whose CRC-32 is taken now, before
 * the attack, and compared afterwards (dma_targets_check), so the log shows
 * whether the memory changed whatever the driver says.
 */
static struct axl_inject injection(struct proc *p, unsigned kind, uint64_t after, uint64_t seed)
{
    struct axl_inject in = {.kind = kind, .after = after, .seed = seed, .arg = neighbour_frame(p)};
    const struct axl_bootinfo *bi = axl_bootinfo;

    p->target[0].pa = p->target[1].pa = 0;
    switch (kind) {
    case AXL_INJECT_DMA_ATTACK_KERNEL:
        in.arg = bi->kernel_phys;
        in.arg2 = bi->kernel_pml4_phys;
        p->target[0].what = "the kernel's first page of code";
        p->target[1].what = "the kernel's PML4";
        p->target[1].pa = in.arg2;
        break;
    case AXL_INJECT_DMA_ATTACK_READ:
        in.arg = bi->kernel_phys;
        p->target[0].what = "the kernel's first page of code";
        break;
    case AXL_INJECT_DMA_ATTACK_NEIGHBOUR:
        p->target[0].what = "a frame of another process";
        break;
    case AXL_INJECT_DMA_ATTACK_UNMAPPED:
        in.arg = proc_text_frame_address(p); /* its own code: never in its IO space */
        p->target[0].what = "its own first page of code";
        break;
    default:
        return in;
    }
    p->target[0].pa = in.arg;
    for (unsigned i = 0; i < 2; i++) {
        if (p->target[i].pa &&
            axl_iommu_checksum(AXL_SLOT_IOMMU_CONTROL, p->target[i].pa, 4096, &p->target[i].crc)) {
            p->target[i].pa = 0; /* not RAM: nothing to compare */
        }
        if (p->target[i].pa) {
            say("dma target: %s at %#llx: crc32 %#010x before the attack", p->target[i].what,
                (unsigned long long)p->target[i].pa, p->target[i].crc);
        }
    }
    if (kind == AXL_INJECT_DMA_ATTACK_READ && p->target[0].pa) {
        uint32_t head = 0;
        axl_iommu_checksum(AXL_SLOT_IOMMU_CONTROL, p->target[0].pa, 64, &head);
        say("dma target: its first 64 bytes: crc32 %#010x (what a read that got through would "
            "copy out)", head);
    }
    return in;
}

/* Compares each DMA attack target of p with its CRC-32 from before the attack. */
static void dma_targets_check(struct proc *p)
{
    for (unsigned i = 0; i < 2; i++) {
        uint32_t now = 0;
        if (!p->target[i].pa ||
            axl_iommu_checksum(AXL_SLOT_IOMMU_CONTROL, p->target[i].pa, 4096, &now) != AXL_E_OK) {
            continue;
        }
        if (now == p->target[i].crc) {
            say("dma target: %s at %#llx: unchanged (crc32 %#010x)", p->target[i].what,
                (unsigned long long)p->target[i].pa, now);
        } else {
            say("dma target: %s at %#llx: CHANGED: crc32 %#010x before, %#010x now",
                p->target[i].what, (unsigned long long)p->target[i].pa, p->target[i].crc, now);
        }
    }
}

void supervise_dma_targets(void)
{
    for (unsigned i = 0; i < PROC_MAX; i++) {
        dma_targets_check(&procs[i]);
    }
}

void supervise_initial_injection(struct proc *p, struct axl_procinfo *info)
{
    if (!p->mf->inject[0] || (p->generation > 0 && !p->mf->inject_every_start)) {
        return; /* generation counts the instances before this one */
    }
    unsigned kind = axl_inject_kind_by_name(inject_kind_text(p));
    if (kind == AXL_INJECT_NONE) {
        say("component '%s': inject: no fault kind '%s' (docs/supervisor.md lists them)", p->name,
            p->mf->inject);
        return;
    }
    if (axl_inject_by_supervisor(kind)) {
        return; /* applied once the instance's text exists: supervise_started */
    }
    if (p->generation == 0) {
        say("inject: '%s' %s after %llu seed %llu", p->name, axl_inject_kind_name(kind),
            (unsigned long long)p->mf->inject_after, (unsigned long long)p->mf->inject_seed);
    }
    info->inject = injection(p, kind, p->mf->inject_after, p->mf->inject_seed);
    info->inject_serial = 1;
}

/* After an instance is built: the code mutations the manifest asks for. */
static void supervise_started(struct proc *p)
{
    if (!p->mf->inject[0] || (p->generation > 1 && !p->mf->inject_every_start)) {
        return;
    }
    unsigned kind = axl_inject_kind_by_name(inject_kind_text(p));
    if (kind != AXL_INJECT_NONE && axl_inject_by_supervisor(kind)) {
        long err = swifi_apply(p, kind, p->mf->inject_seed + p->generation - 1);
        if (err != AXL_E_OK) {
            say("inject: '%s' %s: %s", p->name, axl_inject_kind_name(kind), axl_strerror(err));
        }
    }
}

/* Arms an injection in p now (SUP_INJECT). */
static long inject_now(struct proc *p, unsigned kind, uint64_t after, uint64_t seed)
{
#ifdef AXL_NO_FAULT_INJECTION
    (void)p, (void)kind, (void)after, (void)seed;
    return AXL_S_DENIED; /* a release build: compiled out */
#endif
    if (p->state != PROC_READY || !p->info_frame) {
        return AXL_S_NOT_FOUND;
    }
    if (axl_inject_by_supervisor(kind)) {
        return swifi_apply(p, kind, seed);
    }
    struct axl_inject in = injection(p, kind, after, seed);
    struct axl_procinfo *info = peek_map(p->info_frame);
    if (!info) {
        return AXL_E_MAPPING;
    }
    info->inject = in;
    info->inject_serial++;
    peek_unmap();
    return axl_signal(p->inject_cap);
}

long supervise_inject_request(struct proc *from, const struct axl_msg *m)
{
    char name[MF_NAME_MAX + 1], kind_name[MF_INJECT_NAME_MAX + 1];
    uint64_t after, seed;
    unsigned pos = 0;

    if (!from->mf->may_inject) {
        return AXL_S_DENIED;
    }
    if (axl_msg_get_str(m, &pos, name, sizeof(name) - 1) != AXL_E_OK ||
        axl_msg_get_str(m, &pos, kind_name, sizeof(kind_name) - 1) != AXL_E_OK ||
        axl_msg_get_word(m, &pos, &after) != AXL_E_OK ||
        axl_msg_get_word(m, &pos, &seed) != AXL_E_OK) {
        return AXL_S_BAD_REQUEST;
    }
    unsigned kind = axl_inject_kind_by_name(kind_name);
    struct proc *p = proc_by_name(name);
    if (kind == AXL_INJECT_NONE) {
        return AXL_E_INVALID_ARGUMENT;
    }
    if (strcmp(name, "supervisor") == 0 && !axl_inject_by_supervisor(kind)) {
#ifdef AXL_NO_FAULT_INJECTION
        return AXL_S_DENIED;
#endif
        /* The supervisor-crash scenario: nothing supervises the supervisor, so the kernel
         * must turn this into a clean reboot. */
        say("inject: 'supervisor' %s, asked by '%s'", kind_name, from->name);
        struct axl_inject in = {.kind = kind, .after = 0, .seed = seed};
        axl_inject_fire(&in);
        return AXL_E_OK; /* a kind it survives (leak, wild-write-own) */
    }
    if (!p || p == from) {
        return AXL_S_NOT_FOUND;
    }
    return inject_now(p, kind, after, seed);
}

/* --- failures and restarts --- */

void supervise_reboot(const char *why)
{
    uint64_t slot = slot_alloc();

    say("%s: rebooting the system", why);
    if (supervise_console_ok() && console_ep) {
        struct axl_msg m;
        axl_rpc_begin(&m, AXL_OP_CONSOLE_SYNC);
        axl_rpc_call(console_ep, &m);
    }
    axl_scenario_end(slot, AXL_EXIT_REBOOT); /* under a scenario: QEMU ends with REBOOT */
    uint64_t reset = slot_alloc();
    if (axl_ioport_issue(AXL_SLOT_IOPORT_CONTROL, 0xcf9, 0xcf9, AXL_SLOT_CNODE, reset) == AXL_E_OK) {
        axl_ioport_out(reset, 0xcf9, 1, 0x0e); /* q35 reset control: full reset */
    }
    for (;;) {
        axl_yield(); /* the reset takes a moment */
    }
}

/* Starts a new instance of p (it was torn down); the lines about it are printed after. */
static void restart_now(struct proc *p)
{
    uint64_t t0 = axl_rdtsc();
    long err = proc_create(p);

    if (err != AXL_E_OK) {
        hold("giving up on '%s': cannot build a new instance (%s)", p->name, axl_strerror(err));
        proc_destroy(p, PROC_FAILED, (int)err);
        return;
    }
    supervise_started(p);
    p->start_tsc = axl_rdtsc();
    axl_tcb_resume(p->tcb);
    p->restarts++;
    p->ping_tsc = p->start_tsc;
    p->timing = true;
    hold("restarted '%s' generation %llu: detect %llu us, teardown %llu us, create %llu us",
         p->name, (unsigned long long)p->generation,
         (unsigned long long)us_of(p->detect_tsc - p->fault_tsc),
         (unsigned long long)us_of(p->torn_tsc - p->detect_tsc),
         (unsigned long long)us_of(p->start_tsc - t0));
}

/* Tells the name server that p's names now answer FAILED. */
static void names_failed(struct proc *p)
{
    if (!name_ep || proc_by_name("name") == p) {
        return;
    }
    struct axl_msg m;
    axl_rpc_begin(&m, AXL_OP_NAME_FAILED);
    axl_msg_put_word(&m, p->pid);
    axl_rpc_call(name_ep, &m);
}

/* p failed (what_line says how; fault_tsc when, 0: now): tear it down and apply its policy. */
static void failure(struct proc *p, uint64_t fault_tsc, uint64_t now, const char *what_line)
{
    const struct mf_component *c = p->mf;

    p->fault_tsc = fault_tsc && fault_tsc <= now ? fault_tsc : now;
    p->detect_tsc = now;
    dma_targets_check(p); /* before anything is freed: what a DMA attack did, if there was one */
    restarting = true;
    proc_teardown(p);
    p->torn_tsc = axl_rdtsc();
    p->timing = false;
    hold("%s", what_line);

    if (c->shutdown_on_exit) {
        restarting = false;
        release_held();
        proc_destroy(p, PROC_FAULTED, 0);
        say("component '%s' stopped; it was marked shutdown-on-exit", p->name);
        main_shutdown(false);
        return;
    }
    if (c->critical || c->restart == MF_ESCALATE) {
        restarting = false;
        release_held();
        char why[96];
        axl_snprintf(why, sizeof(why), "component '%s' is critical", p->name);
        supervise_reboot(why);
    }
    if (c->restart == MF_GIVE_UP) {
        proc_destroy(p, PROC_FAULTED, 0);
        names_failed(p);
        hold("component '%s' stopped (restart = give-up)", p->name);
    } else {
        if (now - p->window_tsc > ticks_of_ms(c->restart_window_ms)) {
            p->window_tsc = now;
            p->failures = 0;
        }
        p->failures++;
        if (p->failures > c->max_restarts) {
            hold("giving up on '%s': %u failures in %llu ms", p->name, p->failures,
                 (unsigned long long)(us_of(now - p->window_tsc) / 1000));
            proc_destroy(p, PROC_FAILED, 0);
            names_failed(p);
        } else if (p->failures >= 2) {
            uint64_t ms = BACKOFF_FIRST_MS << (p->failures - 2 < 7 ? p->failures - 2 : 7);
            ms = ms > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : ms;
            p->state = PROC_WAITING;
            p->restart_tsc = now + ticks_of_ms(ms);
            hold("backing off '%s': restart in %llu ms (failure %u in this window)", p->name,
                 (unsigned long long)ms, p->failures);
        } else {
            restart_now(p);
        }
    }
    restarting = false;
    timer_update();
    release_held();
    if (p->state == PROC_READY && proc_by_name("console") == p) {
        console_retag(); /* a new console knows no tags */
    }
}

void supervise_kill(struct proc *p)
{
    bool was_alive = p->state == PROC_READY || p->state == PROC_WAITING;

    p->timing = false;
    proc_destroy(p, PROC_KILLED, 0);
    if (was_alive && !p->child) {
        names_failed(p);
    }
}

static const char *fault_name(uint64_t kind)
{
    static const char *const names[] = {
#define AXL_X(kind, name, text) [kind] = text,
        AXL_FAULTS(AXL_X)
#undef AXL_X
    };
    return kind < sizeof(names) / sizeof(names[0]) && names[kind] ? names[kind] : "unknown fault";
}

void supervise_fault(struct proc *p, const struct axl_msg *m)
{
    uint64_t now = axl_rdtsc(); /* detection: before anything else is done */
    char line[200];
    uint64_t kind = AXL_MSGINFO_LABEL(m->info);

    axl_snprintf(line, sizeof(line),
                 "component '%s' (pid %llu) faulted: %s: rip %#llx rsp %#llx address %#llx "
                 "error %#llx",
                 p->name, (unsigned long long)p->pid, fault_name(kind),
                 (unsigned long long)m->mr[AXL_FAULT_MR_RIP],
                 (unsigned long long)m->mr[AXL_FAULT_MR_RSP],
                 (unsigned long long)m->mr[AXL_FAULT_MR_ADDR],
                 (unsigned long long)m->mr[AXL_FAULT_MR_ERROR]);
    uint64_t tsc = 0;
    unsigned pos = AXL_FAULT_MR_TSC; /* beyond MR3: from the IPC buffer, if the message has it */
    if (axl_msg_get_word(m, &pos, &tsc) != AXL_E_OK) {
        tsc = 0;
    }
    p->status = (int)kind;
    failure(p, tsc, now, line);
}

void supervise_exit(struct proc *p, int status)
{
    uint64_t now = axl_rdtsc();
    char line[120];

    axl_snprintf(line, sizeof(line), "component '%s' (pid %llu) exited with status %d", p->name,
                 (unsigned long long)p->pid, status);
    if (status == 0) {
        bool shut = p->mf->shutdown_on_exit;
        say("%s", line);
        proc_destroy(p, PROC_EXITED, 0); /* finished its work: nothing to restart */
        if (shut) {
            main_shutdown(true);
        }
        timer_update();
        return;
    }
    p->status = status;
    failure(p, 0, now, line);
}

/* p's framework signalled that it served its first request: its times are in its status words. */
static void serving(struct proc *p)
{
    if (!p->timing || !p->ipc_frame) {
        return;
    }
    p->timing = false;
    uint8_t *page = peek_map(p->ipc_frame);
    if (!page) {
        return;
    }
    const struct axl_proc_status *st = (const void *)(page + (AXL_PROC_STATUS_ADDR & 0xfff));
    uint64_t ready = st->ready_tsc, first = st->served_tsc;
    peek_unmap();
    if (ready < p->start_tsc || first < ready || first < p->fault_tsc) {
        return; /* not a sane report: say nothing rather than something false */
    }
    say("'%s' generation %llu serving: init %llu us, first request after %llu us, downtime %llu us",
        p->name, (unsigned long long)p->generation, (unsigned long long)us_of(ready - p->start_tsc),
        (unsigned long long)us_of(first - ready), (unsigned long long)us_of(first - p->fault_tsc));
}

long supervise_complain(struct proc *from, const struct axl_msg *m, struct axl_msg *reply)
{
    char service[MF_NAME_MAX + 1], reason[120], line[220];
    uint64_t gen, now = axl_rdtsc();
    unsigned pos = 0;

    if (axl_msg_get_word(m, &pos, &gen) != AXL_E_OK ||
        axl_msg_get_str(m, &pos, service, sizeof(service) - 1) != AXL_E_OK) {
        return AXL_S_BAD_REQUEST;
    }
    if (axl_msg_get_str(m, &pos, reason, sizeof(reason) - 1) != AXL_E_OK) {
        memcpy(reason, "(no reason given)", 18);
    }
    struct proc *p = proc_by_name(service);
    if (!p || p == from) {
        return AXL_S_NOT_FOUND;
    }
    /* Many clients may see one failure: only a complaint about the running generation counts. */
    bool restart = p->state == PROC_READY && (gen == 0 || gen >= p->generation);
    axl_msg_put_word(reply, restart);
    if (restart) {
        axl_snprintf(line, sizeof(line), "component '%s' (pid %llu) complained about: %s (by '%s')",
                     p->name, (unsigned long long)p->pid, reason, from->name);
        failure(p, 0, now, line);
    }
    return AXL_E_OK;
}

/* Whether p's running instance has begun to serve (its framework writes ready_tsc then). */
static bool is_serving(struct proc *p)
{
    uint8_t *page = p->ipc_frame ? peek_map(p->ipc_frame) : NULL;
    if (!page) {
        return false;
    }
    const struct axl_proc_status *st = (const void *)(page + (AXL_PROC_STATUS_ADDR & 0xfff));
    bool serving = st->ready_tsc != 0 && st->ready_tsc >= p->start_tsc;
    peek_unmap();
    return serving;
}

/*
 * The IOMMU blocked a DMA of a PCI function p drives (bit PROC_DMA_BIT +
 * pid - 1). The kernel counts faults per IO space; new ones are p's fault,
 * and its restart policy applies, as for a CPU fault. Except while a new
 * instance is still starting (it has not begun to serve): its predecessor's
 * transfers may still be in the device (dma-in-flight), and its
 * predecessor's mappings are gone, so such a fault is reported and not held
 * against it.
 */
static void dma_fault(struct proc *p, uint64_t now)
{
    for (unsigned k = 0; k < p->nios; k++) {
        struct axl_io_fault f;
        if (axl_iospace_fault(p->ios[k].slot, &f) != AXL_E_OK || f.count == p->ios[k].seen) {
            continue;
        }
        uint64_t more = f.count - p->ios[k].seen - 1;
        unsigned bdf = p->ios[k].bdf;
        char line[240];
        p->ios[k].seen = f.count;
        axl_snprintf(line, sizeof(line), "component '%s' (pid %llu) DMA fault: %s by %02x:%02x.%u "
                     "at IO address %#llx blocked: %s (reason %llu)%s", p->name,
                     (unsigned long long)p->pid, f.read ? "read" : "write", bdf >> 8,
                     (bdf >> 3) & 31, bdf & 7, (unsigned long long)f.addr,
                     axl_vtd_reason_text((unsigned)f.reason), (unsigned long long)f.reason,
                     more ? " (and earlier ones)" : "");
        if (p->state != PROC_READY) {
            say("%s; no instance is running", line);
        } else if (!is_serving(p)) {
            say("%s", line);
            say("DMA fault of '%s' while generation %llu starts: a predecessor's transfer; not "
                "held against it", p->name, (unsigned long long)p->generation);
        } else {
            p->status = -1;
            failure(p, 0, now, line);
            return;
        }
    }
}

void supervise_notified(uint64_t word)
{
    uint64_t now = axl_rdtsc();

    for (unsigned i = 0; i < PROC_COMPONENTS && PROC_DMA_BIT + i < PROC_SERVING_BIT; i++) {
        if (word & (1ull << (PROC_DMA_BIT + i))) {
            dma_fault(&procs[i], now);
        }
    }

    for (unsigned i = 0; i < PROC_MAX && i < PROC_DMA_BIT; i++) {
        if (word & (1ull << i) && procs[i].state == PROC_READY) {
            procs[i].ping_out = false; /* bit pid-1: its heartbeat answer */
        }
        if (word & (1ull << (PROC_SERVING_BIT + i)) && procs[i].state == PROC_READY) {
            serving(&procs[i]);
        }
    }
    if (!(word & TIMER_BIT)) {
        return;
    }
    timer_armed = false;
    for (unsigned i = 0; i < PROC_MAX; i++) {
        struct proc *p = &procs[i];
        if (p->state == PROC_WAITING && now >= p->restart_tsc) {
            restarting = true;
            restart_now(p);
            restarting = false;
            release_held();
            if (p->state == PROC_READY && proc_by_name("console") == p) {
                console_retag();
            }
            continue;
        }
        uint64_t hb = p->mf ? p->mf->heartbeat_ms : 0;
        if (p->state != PROC_READY || !hb) {
            continue;
        }
        if (p->ping_out && now - p->ping_tsc > ticks_of_ms(hb)) {
            char line[120];
            axl_snprintf(line, sizeof(line), "component '%s' (pid %llu) hung: no heartbeat answer "
                         "in %llu ms", p->name, (unsigned long long)p->pid, (unsigned long long)hb);
            failure(p, p->ping_tsc, now, line);
        } else if (!p->ping_out && now - p->ping_tsc >= ticks_of_ms(hb)) {
            p->ping_out = true;
            p->ping_tsc = now;
            axl_signal(p->ping_cap);
        }
    }
    timer_update();
}

void supervise_start(void)
{
    uint64_t now = axl_rdtsc();

    axl_tcb_bind_notification(AXL_SLOT_TCB, sup_ntfn);
    for (unsigned i = 0; i < PROC_MAX; i++) {
        procs[i].window_tsc = now;
        procs[i].ping_tsc = now;
        if (procs[i].state == PROC_READY) {
            supervise_started(&procs[i]);
        }
    }
    timer_update();
}
