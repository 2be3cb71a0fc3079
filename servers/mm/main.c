/* SPDX-License-Identifier: MIT */
/*
 * main.c: mm, the memory manager and external pager (docs/swap.md).
 *
 * Clients reach it through `endpoints = mm` (badged with their pid) and name
 * it as their pager (`pager = mm`), so the kernel sends their faults to its
 * service endpoint too, badged AXL_PROC_FAULT_BADGE | pid. It keeps frames=N
 * frames of its own, retyped from its heap untyped, each mapped in its own
 * space (to fill, read and write them) and, through a second capability, in
 * at most one client page at a time. Pages go out to, and come back from,
 * the block device granted as `endpoints = ramdisk`. The policy is core.c's;
 * this file does the system calls for it and speaks AXL_MM_OPS.
 *
 * Its loop is its own rather than axl_serve's: a fault message's label is
 * the fault kind, and #PF is 1, the label axl_serve answers as PING.
 *
 * Arguments: frames=N (1..256, default 32).
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <axl/axl.h>
#include <axl/faults.h>
#include <axl/name.h>
#include <axl/proc.h>
#include <axl/protocols.h>
#include <axl/rpc.h>

#include "core.h"

#define PAGE 4096ull
#define CNODE AXL_PROC_SLOT_CNODE
#define OWN_BASE AXL_PROC_PAGED_BASE /* its frames, in its own space */
#define BLOCKS_PER_PAGE (PAGE / AXL_BLK_BLOCK_SIZE)
#define MAX_TABLES 8 /* per address space: a PD and page tables for 4 MiB, a PDPT at most */

_Static_assert(MM_WINDOW_PAGES * PAGE <= AXL_PROC_PAGED_MAX, "the window fits the ABI's bound");
_Static_assert(MM_MAX_FRAMES * PAGE <= (2ull << 20), "own frames fit one page directory's worth");

enum { T_PT, T_PD, T_PDPT, T_KINDS };
static const unsigned table_type[T_KINDS] = {AXL_OBJ_PAGE_TABLE, AXL_OBJ_PAGE_DIRECTORY,
                                             AXL_OBJ_PDPT};

struct tables {
    uint64_t cap[MAX_TABLES];
    uint8_t kind[MAX_TABLES];
    unsigned n;
};

static struct mm mm;
static uint64_t own_cap[MM_MAX_FRAMES], client_cap[MM_MAX_FRAMES];
static uint64_t vspace[MM_MAX_CLIENTS]; /* slot of each client's PML4 capability */
static struct tables client_tables[MM_MAX_CLIENTS], own_tables;
static uint64_t spare[T_KINDS][MM_MAX_CLIENTS * MAX_TABLES];
static unsigned nspare[T_KINDS];
static uint64_t blk;      /* the block device's endpoint, 0: none */
static uint64_t recv_slot; /* where a capability sent to us lands */

static void *own_va(unsigned f) { return (void *)(uintptr_t)(OWN_BASE + f * PAGE); }

/* ---- paging structures ---- */

static long take_table(unsigned k, uint64_t *cap)
{
    if (nspare[k]) {
        *cap = spare[k][--nspare[k]];
        return AXL_E_OK;
    }
    uint64_t slot = axl_slot_alloc();
    if (!slot) {
        return AXL_E_NOT_ENOUGH_MEMORY;
    }
    long err = axl_untyped_retype(AXL_PROC_SLOT_HEAP_UNTYPED, table_type[k], 0, CNODE, slot, 1);
    *cap = err ? 0 : slot;
    return err;
}

static void put_table(unsigned k, uint64_t cap)
{
    if (nspare[k] < MM_MAX_CLIENTS * MAX_TABLES) {
        spare[k][nspare[k]++] = cap;
    } else {
        axl_cnode_delete(CNODE, cap);
    }
}

/* Installs the lowest paging structure va lacks in pml4 (as libc/heap.c does). */
static long add_table(struct tables *t, uint64_t pml4, uint64_t va)
{
    if (t->n == MAX_TABLES) {
        return AXL_E_RANGE;
    }
    for (unsigned k = T_PT; k < T_KINDS; k++) {
        uint64_t cap;
        long err = take_table(k, &cap);
        if (err != AXL_E_OK) {
            return err;
        }
        err = axl_table_map(cap, pml4, va);
        if (err == AXL_E_OK) {
            t->cap[t->n] = cap;
            t->kind[t->n++] = (uint8_t)k;
            return AXL_E_OK;
        }
        put_table(k, cap);
        if (err != AXL_E_MAPPING) {
            return err;
        }
    }
    return AXL_E_MAPPING;
}

static long map_frame(uint64_t frame, uint64_t pml4, uint64_t va, bool writable, struct tables *t)
{
    unsigned rights = AXL_RIGHT_READ | (writable ? AXL_RIGHT_WRITE : 0);
    long err = AXL_E_OK;

    for (int tables = 0; err == AXL_E_OK; tables++) {
        err = axl_page_map(frame, pml4, va, rights, 0); /* never executable */
        if (err != AXL_E_MAPPING || tables == 3) {
            break;
        }
        err = add_table(t, pml4, va);
    }
    return err;
}

/* The tables made for a client go back to the pool (unmapping clears them). */
static void release_tables(struct tables *t)
{
    for (unsigned i = 0; i < t->n; i++) {
        axl_table_unmap(t->cap[i]);
        put_table(t->kind[i], t->cap[i]);
    }
    t->n = 0;
}

/* ---- what core.c asks for ---- */

static void io_zero(void *ctx, unsigned f)
{
    (void)ctx;
    memset(own_va(f), 0, PAGE);
}

static long io_write(void *ctx, unsigned f, unsigned slot)
{
    (void)ctx;
    const uint8_t *src = own_va(f);
    for (unsigned b = 0; b < BLOCKS_PER_PAGE; b++) {
        struct axl_msg m;
        axl_rpc_begin(&m, AXL_OP_BLK_WRITE);
        axl_msg_put_word(&m, (uint64_t)slot * BLOCKS_PER_PAGE + b);
        long err = axl_msg_put_bytes(&m, src + b * AXL_BLK_BLOCK_SIZE, AXL_BLK_BLOCK_SIZE);
        err = err ? err : axl_rpc_call(blk, &m);
        if (err == AXL_E_OK && (AXL_MSGINFO_LEN(m.info) < 2 || m.mr[1] != 1)) {
            err = AXL_S_PROTOCOL;
        }
        if (err != AXL_E_OK) {
            return err;
        }
    }
    return AXL_E_OK;
}

static long io_read(void *ctx, unsigned f, unsigned slot)
{
    (void)ctx;
    uint8_t *dst = own_va(f);
    for (unsigned b = 0; b < BLOCKS_PER_PAGE; b++) {
        struct axl_msg m;
        axl_rpc_begin(&m, AXL_OP_BLK_READ);
        axl_msg_put_word(&m, (uint64_t)slot * BLOCKS_PER_PAGE + b);
        axl_msg_put_word(&m, 1);
        long err = axl_rpc_call(blk, &m);
        unsigned pos = 1;
        size_t n = 0;
        if (err == AXL_E_OK &&
            (axl_msg_get_bytes(&m, &pos, dst + b * AXL_BLK_BLOCK_SIZE, AXL_BLK_BLOCK_SIZE, &n) ||
             n != AXL_BLK_BLOCK_SIZE)) {
            err = AXL_S_PROTOCOL;
        }
        if (err != AXL_E_OK) {
            return err;
        }
    }
    return AXL_E_OK;
}

static long io_map(void *ctx, unsigned ci, unsigned page, unsigned f, bool writable)
{
    (void)ctx;
    long err = map_frame(client_cap[f], vspace[ci], AXL_PROC_PAGED_BASE + page * PAGE, writable,
                         &client_tables[ci]);
    if (err != AXL_E_OK) {
        axl_printf("mm: cannot map page %u of pid %llu: %s\n", page,
                   (unsigned long long)mm.client[ci].id, axl_strerror(err));
    }
    return err;
}

static void io_unmap(void *ctx, unsigned f)
{
    (void)ctx;
    axl_page_unmap(client_cap[f]);
}

static void io_event(void *ctx, enum mm_event ev, unsigned ci, unsigned page, long err)
{
    (void)ctx;
    unsigned long long pid = mm.client[ci].id;
    switch (ev) {
    case MM_EV_STORE_FAILED:
        axl_printf("mm: backing store failed (write of page %u of pid %llu: %s): no more "
                   "page-outs; reclaiming without I/O; new allocations throttled\n",
                   page, pid, axl_strerror(err));
        break;
    case MM_EV_PAGE_LOST:
        axl_printf("mm: page %u of pid %llu lost: reading it back from the store failed: %s\n",
                   page, pid, axl_strerror(err));
        break;
    case MM_EV_NO_FRAME:
        axl_printf("mm: no frame for page %u of pid %llu: every frame holds a dirty page and the "
                   "store has failed; faults that need a frame are forwarded to the supervisor\n",
                   page, pid);
        break;
    }
}

/* ---- requests ---- */

/* Clients whose address space is gone (torn down; their capability went with their domain):
 * everything they had is reclaimed. */
static void reap(void)
{
    for (unsigned ci = 0; ci < MM_MAX_CLIENTS; ci++) {
        struct axl_cap_info info;
        if (!mm.client[ci].used) {
            continue;
        }
        if (axl_cnode_inspect(CNODE, vspace[ci], &info) == AXL_E_OK &&
            info.type == AXL_OBJ_PML4) {
            continue;
        }
        unsigned long long pid = mm.client[ci].id, pages = mm.client[ci].committed;
        mm_detach(&mm, ci);
        release_tables(&client_tables[ci]);
        axl_printf("mm: pid %llu is gone: its %llu pages reclaimed\n", pid, pages);
    }
}

static long op_attach(uint64_t badge, const struct axl_msg *m, struct axl_msg *r)
{
    struct axl_cap_info info;

    if (AXL_MSGINFO_CAPS(m->info) != 1 || axl_cnode_inspect(CNODE, recv_slot, &info) != AXL_E_OK ||
        info.type != AXL_OBJ_PML4) {
        return AXL_S_BAD_REQUEST; /* MM_ATTACH carries the client's VSPACE capability */
    }
    int ci = mm_attach(&mm, badge); /* a restarted client's old pages go first */
    if (ci < 0) {
        return AXL_S_NO_SPACE;
    }
    release_tables(&client_tables[ci]);
    axl_cnode_delete(CNODE, vspace[ci]);
    long err = axl_cnode_move(CNODE, vspace[ci], CNODE, recv_slot);
    if (err != AXL_E_OK) {
        mm.client[ci].used = false;
        return err;
    }
    axl_msg_put_word(r, AXL_PROC_PAGED_BASE);
    axl_msg_put_word(r, MM_WINDOW_PAGES);
    return AXL_E_OK;
}

static long op_alloc(int ci, const struct axl_msg *m, struct axl_msg *r)
{
    uint64_t first;
    enum mm_status st = mm_alloc(&mm, (unsigned)ci, m->mr[0], &first);

    if (st == MM_LIMIT) {
        axl_msg_put_word(r, MM_RETRY_US);
        return AXL_S_LIMIT;
    }
    if (st != MM_OK) {
        return AXL_E_RANGE;
    }
    axl_msg_put_word(r, AXL_PROC_PAGED_BASE + first * PAGE);
    return AXL_E_OK;
}

static long op_free(int ci, const struct axl_msg *m, struct axl_msg *r)
{
    uint64_t va = m->mr[0], dropped;

    if (va % PAGE) {
        return AXL_E_ALIGNMENT;
    }
    if (va < AXL_PROC_PAGED_BASE ||
        mm_free(&mm, (unsigned)ci, (va - AXL_PROC_PAGED_BASE) / PAGE, m->mr[1], &dropped) != MM_OK) {
        return AXL_E_RANGE;
    }
    axl_msg_put_word(r, dropped);
    return AXL_E_OK;
}

static long op_stats(struct axl_msg *r)
{
    struct mm_stats s;
    mm_get_stats(&mm, &s);
    const uint64_t w[] = {s.frames,       s.free_frames, s.resident,  s.swapped,
                          s.pageouts,     s.pageins,     s.store_failed, s.committed,
                          s.limit,        s.throttled,   s.reclaimed};
    for (unsigned i = 0; i < sizeof(w) / sizeof(w[0]); i++) {
        axl_msg_put_word(r, w[i]);
    }
    return AXL_E_OK;
}

/* A request: its reply in *r (status in MR0). */
static void request(const struct axl_msg *m, struct axl_msg *r)
{
    static const struct {
        uint64_t label;
        unsigned words;
    } ops[] = {{AXL_OP_MM_ATTACH, 0}, {AXL_OP_MM_ALLOC, 1}, {AXL_OP_MM_FREE, 2},
               {AXL_OP_MM_STATS, 0},  {AXL_OP_PING, 0}};
    uint64_t label = AXL_MSGINFO_LABEL(m->info);
    long status = AXL_S_NO_SUCH_OP;

    *r = axl_message(0, 1);
    reap();
    for (unsigned i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
        if (ops[i].label != label) {
            continue;
        }
        int ci = mm_find(&mm, m->badge);
        if (AXL_MSGINFO_LEN(m->info) < ops[i].words) {
            status = AXL_S_BAD_REQUEST;
        } else if (label == AXL_OP_PING) {
            status = AXL_E_OK;
            axl_msg_put_word(r, axl_procinfo->pid);
        } else if (label == AXL_OP_MM_ATTACH) {
            status = op_attach(m->badge, m, r);
        } else if (label == AXL_OP_MM_STATS) {
            status = op_stats(r);
        } else if (ci < 0) {
            status = AXL_S_NOT_FOUND; /* MM_ATTACH first */
        } else if (label == AXL_OP_MM_ALLOC) {
            status = op_alloc(ci, m, r);
        } else {
            status = op_free(ci, m, r);
        }
        break;
    }
    axl_cnode_delete(CNODE, recv_slot); /* a capability nobody asked for is dropped */
    r->mr[0] = (uint64_t)status;
    if (status != AXL_E_OK && status != AXL_S_LIMIT) {
        r->info = AXL_MSGINFO(0, 0, 1); /* an error carries no results */
    }
}

/* ---- faults ---- */

/* Hands a fault back to the supervisor (SUP_FAULT): the client is not answered. */
static void forward(uint64_t pid, uint64_t kind, const uint64_t *w, const char *why)
{
    struct axl_msg m;

    axl_printf("mm: fault of pid %llu at %#llx (rip %#llx) forwarded to the supervisor: %s\n",
               (unsigned long long)pid, (unsigned long long)w[AXL_FAULT_MR_ADDR],
               (unsigned long long)w[AXL_FAULT_MR_RIP], why);
    axl_rpc_begin(&m, AXL_OP_SUP_FAULT);
    axl_msg_put_word(&m, pid);
    axl_msg_put_word(&m, kind);
    for (unsigned i = 0; i < AXL_FAULT_WORDS; i++) {
        axl_msg_put_word(&m, w[i]);
    }
    long err = axl_rpc_call(AXL_PROC_SLOT_SUPERVISOR_EP, &m);
    if (err != AXL_E_OK) {
        axl_printf("mm: SUP_FAULT for pid %llu: %s\n", (unsigned long long)pid,
                   axl_strerror(err));
    }
}

/* True: resolved, resume the thread. */
static bool fault(const struct axl_msg *m)
{
    uint64_t w[AXL_FAULT_WORDS] = {0}, pid = m->badge & ~AXL_PROC_FAULT_BADGE;
    uint64_t kind = AXL_MSGINFO_LABEL(m->info);

    for (unsigned i = 0; i < AXL_FAULT_WORDS && i < AXL_MSGINFO_LEN(m->info); i++) {
        w[i] = axl_msg_get(m, i); /* before any call reuses the IPC buffer */
    }
    int ci = mm_find(&mm, pid);
    if (kind != AXL_FAULT_PAGE_FAULT || ci < 0) {
        forward(pid, kind, w, ci < 0 ? "not attached" : "not a page fault");
        return false;
    }
    uint64_t addr = w[AXL_FAULT_MR_ADDR], err = w[AXL_FAULT_MR_ERROR];
    uint64_t page = addr >= AXL_PROC_PAGED_BASE ? (addr - AXL_PROC_PAGED_BASE) / PAGE : UINT64_MAX;
    enum mm_verdict v = mm_fault(&mm, (unsigned)ci, page, err & 2, err & 0x10);
    if (v != MM_RESOLVED) {
        forward(pid, kind, w, mm_verdict_name(v));
        return false;
    }
    return true;
}

/* ---- start ---- */

static bool setup(unsigned nframes)
{
    for (unsigned f = 0; f < nframes; f++) {
        own_cap[f] = axl_slot_alloc();
        long err = own_cap[f] ? axl_untyped_retype(AXL_PROC_SLOT_HEAP_UNTYPED, AXL_OBJ_FRAME, 0,
                                                   CNODE, own_cap[f], 1)
                              : AXL_E_NOT_ENOUGH_MEMORY;
        client_cap[f] = err ? 0 : axl_slot_alloc();
        if (!err) {
            err = client_cap[f] ? axl_cnode_copy(CNODE, client_cap[f], CNODE, own_cap[f],
                                                 AXL_RIGHTS_ALL)
                                : AXL_E_NOT_ENOUGH_MEMORY;
        }
        if (!err) {
            err = map_frame(own_cap[f], AXL_PROC_SLOT_VSPACE, (uint64_t)(uintptr_t)own_va(f), true,
                            &own_tables);
        }
        if (err) {
            axl_printf("mm: frame %u of %u: %s (give it more memory)\n", f, nframes,
                       axl_strerror(err));
            return false;
        }
    }
    for (unsigned ci = 0; ci < MM_MAX_CLIENTS; ci++) {
        vspace[ci] = axl_slot_alloc();
        if (!vspace[ci]) {
            axl_printf("mm: no slots left in its CNode\n");
            return false;
        }
    }
    recv_slot = axl_slot_alloc();
    if (!recv_slot) {
        axl_printf("mm: no slots left in its CNode\n");
        return false;
    }
    axl_ipc_buffer->recv_cnode = CNODE;
    axl_ipc_buffer->recv_slot = recv_slot;
    axl_ipc_buffer->recv_count = 1;
    return true;
}

int main(void)
{
    static const struct mm_io io = {NULL, io_zero, io_write, io_read, io_map, io_unmap, io_event};
    unsigned long long nframes = 32, blocks = 0;

    if (!axl_procinfo) {
        axl_printf("mm: no process info page: start me from the manifest\n");
        return 1;
    }
    const char *a = axl_procinfo->args;
    if (a[0]) {
        char *end;
        if (strncmp(a, "frames=", 7) != 0 || a[7] < '0' || a[7] > '9' ||
            (nframes = strtoull(a + 7, &end, 10), *end) || nframes < 1 ||
            nframes > MM_MAX_FRAMES) {
            axl_printf("mm: bad arguments \"%s\" (frames=N, 1..%u)\n", a, MM_MAX_FRAMES);
            return 1;
        }
    }
    const struct axl_proc_cap *disk = axl_proc_cap("endpoint:ramdisk");
    if (disk) {
        struct axl_msg m;
        blk = disk->cptr;
        axl_rpc_begin(&m, AXL_OP_BLK_INFO);
        long err = axl_rpc_call(blk, &m);
        if (err != AXL_E_OK || AXL_MSGINFO_LEN(m.info) < 3 || m.mr[1] != AXL_BLK_BLOCK_SIZE) {
            axl_printf("mm: the block device does not answer BLK_INFO as expected (%s): no swap\n",
                       err ? axl_strerror(err) : "wrong block size");
            blk = 0;
        } else {
            blocks = m.mr[2];
        }
    }
    uint64_t slots = blocks / BLOCKS_PER_PAGE;
    if (!setup((unsigned)nframes)) {
        return 1;
    }
    mm_init(&mm, &io, (unsigned)nframes, (unsigned)(slots < MM_MAX_SLOTS ? slots : MM_MAX_SLOTS));
    long err = axl_name_register(AXL_SERVICE_MM, AXL_PROC_SLOT_SERVICE_EP, NULL);
    if (err) {
        axl_printf("mm: cannot register as \"%s\": %s\n", AXL_SERVICE_MM, axl_strerror(err));
        return 1;
    }
    axl_printf("mm: %llu frames, %u swap slots on %s (%llu blocks): commit limit %llu pages; "
               "window %#llx, %u pages a client\n",
               nframes, mm.nslots, blk ? "ramdisk" : "no store", blocks,
               (unsigned long long)mm_limit(&mm), (unsigned long long)AXL_PROC_PAGED_BASE,
               MM_WINDOW_PAGES);

    struct axl_msg msg;
    bool reported = false;
    err = axl_recv(AXL_PROC_SLOT_SERVICE_EP, &msg);
    for (;;) {
        if (err != AXL_E_OK) {
            axl_printf("mm: cannot receive on the service endpoint: %s\n", axl_strerror(err));
            return 1;
        }
        uint64_t label = AXL_MSGINFO_LABEL(msg.info);
        if (label == AXL_LABEL_NOTIFICATION) {
            if (msg.badge & AXL_NOTIFY_HEARTBEAT) {
                axl_signal(AXL_PROC_SLOT_HEARTBEAT);
            }
            err = axl_recv(AXL_PROC_SLOT_SERVICE_EP, &msg);
            continue;
        }
        if (msg.badge & AXL_PROC_FAULT_BADGE) {
            if (!fault(&msg)) {
                err = axl_recv(AXL_PROC_SLOT_SERVICE_EP, &msg); /* not answered: suspended */
                continue;
            }
            msg = axl_message(AXL_FAULT_RESUME, 0);
        } else {
            struct axl_msg r;
            request(&msg, &r);
            msg = r;
        }
        if (!reported) { /* the supervisor times restarts by this (docs/supervisor.md) */
            reported = true;
            struct axl_proc_status *st = (struct axl_proc_status *)AXL_PROC_STATUS_ADDR;
            st->ready_tsc = st->served_tsc = axl_rdtsc();
            axl_signal(AXL_PROC_SLOT_SERVING_NOTE);
        }
        err = axl_reply_recv(AXL_PROC_SLOT_SERVICE_EP, &msg);
        if (err != AXL_E_OK && err != AXL_E_ABORTED) {
            err = axl_recv(AXL_PROC_SLOT_SERVICE_EP, &msg);
        }
    }
}
