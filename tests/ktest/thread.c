/* SPDX-License-Identifier: MIT */
/*
 * thread.c: threads in the root task's address space and CSpace, and the
 * bounded waits the cases use to let them run (thread.h).
 *
 * The region at KT_SPACE_BASE is set up the first time a case asks for a
 * thread or a scratch page: a PDPT, a page directory and a page table,
 * each retyped from untyped memory and installed with TABLE_MAP (a
 * MAPPING error means one is already there, which is fine), then five
 * frames per area (four stack pages and the IPC buffer page). Everything
 * here is made once and kept: areas are reused, TCBs are not.
 */
#include "thread.h"

#define ROOT AXL_SLOT_CNODE
#define AREA_BASE(a) (KT_SPACE_BASE + (uint64_t)(a)*KT_AREA_SIZE)

static struct kt_thread threads[KT_THREAD_MAX];
static bool area_used[KT_THREAD_MAX];
static uint64_t area_frames[KT_THREAD_MAX]; /* first of five frames: stack pages, then IPC */
static bool space_ready, space_failed;
static uint64_t park; /* a notification nobody signals */
static uint64_t scratch_next = KT_SCRATCH_BASE, hole_next = KT_HOLE_BASE;

/* Retypes a table of type and installs it to cover va; true if it is (or was already) there. */
static bool map_table(unsigned type, uint64_t va, const char *file, int line)
{
    uint64_t t;
    long err = kt_retype(type, 0, 1, &t);

    if (err == AXL_E_OK) {
        err = axl_table_map(t, AXL_SLOT_VSPACE, va);
    }
    if (err != AXL_E_OK && err != AXL_E_MAPPING) {
        kt_fail(file, line, "thread.c: table of type %u for 0x%llx: %s", type,
                (unsigned long long)va, axl_strerror(err));
        return false;
    }
    return true;
}

static bool map_frame(uint64_t frame, uint64_t va, unsigned rights, unsigned attr, const char *file,
                      int line)
{
    long err = axl_page_map(frame, AXL_SLOT_VSPACE, va, rights, attr);
    if (err) {
        kt_fail(file, line, "thread.c: mapping a frame at 0x%llx: %s", (unsigned long long)va,
                axl_strerror(err));
        return false;
    }
    return true;
}

static bool setup_space(const char *file, int line)
{
    if (space_ready) {
        return true;
    }
    if (space_failed) {
        kt_fail(file, line,
                "thread.c: the thread region could not be set up (see an earlier case)");
        return false;
    }
    space_failed = true;
    if (!map_table(AXL_OBJ_PDPT, KT_SPACE_BASE, file, line) ||
        !map_table(AXL_OBJ_PAGE_DIRECTORY, KT_SPACE_BASE, file, line) ||
        !map_table(AXL_OBJ_PAGE_TABLE, KT_SPACE_BASE, file, line)) {
        return false;
    }
    for (unsigned a = 0; a < KT_THREAD_MAX; a++) {
        long err = kt_retype(AXL_OBJ_FRAME, 0, KT_STACK_PAGES + 1, &area_frames[a]);
        if (err) {
            kt_fail(file, line, "thread.c: frames for thread area %u: %s", a, axl_strerror(err));
            return false;
        }
        for (unsigned p = 0; p < KT_STACK_PAGES; p++) {
            if (!map_frame(area_frames[a] + p, AREA_BASE(a) + (KT_AREA_STACK_PAGE + p) * KT_PAGE,
                           AXL_RIGHT_READ | AXL_RIGHT_WRITE, 0, file, line)) {
                return false;
            }
        }
        if (!map_frame(area_frames[a] + KT_STACK_PAGES, AREA_BASE(a) + KT_AREA_IPC_PAGE * KT_PAGE,
                       AXL_RIGHT_READ | AXL_RIGHT_WRITE, 0, file, line)) {
            return false;
        }
    }
    if (kt_retype(AXL_OBJ_NOTIFICATION, 0, 1, &park) != AXL_E_OK) {
        park = 0; /* kt_thread_exit falls back to yielding */
    }
    space_failed = false;
    space_ready = true;
    return true;
}

/* Where every thread starts: rdi = its kt_thread, rsp = stack top - 8 (as after a call). */
static __attribute__((noreturn, used)) void thread_entry(struct kt_thread *t)
{
    t->fn(t->arg);
    kt_thread_exit();
}

struct kt_thread *kt_thread_self(void)
{
    uint64_t sp;

    __asm__ volatile("mov %%rsp, %0" : "=r"(sp));
    if (sp <= KT_SPACE_BASE || sp > KT_SPACE_BASE + KT_THREAD_MAX * KT_AREA_SIZE) {
        return NULL;
    }
    return &threads[(sp - 1 - KT_SPACE_BASE) / KT_AREA_SIZE];
}

struct axl_ipc_buffer *kt_thread_ipc(void)
{
    struct kt_thread *t = kt_thread_self();
    return t ? (struct axl_ipc_buffer *)t->ipc_addr : axl_ipc_buffer;
}

void kt_thread_exit(void)
{
    struct kt_thread *t = kt_thread_self();

    if (t) {
        t->finished = 1;
        axl_tcb_suspend(t->exit_cptr);
    }
    /* Not reached unless the suspend failed: block for good rather than spin. */
    for (;;) {
        if (park) {
            axl_wait(park, NULL);
        }
        axl_yield();
    }
}

struct kt_thread *kt_thread_create_at(void (*fn)(void *), void *arg, unsigned prio,
                                      uint64_t fault_ep, unsigned opts, const char *file, int line)
{
    unsigned a = 0;

    if (!setup_space(file, line)) {
        return NULL;
    }
    while (a < KT_THREAD_MAX && area_used[a]) {
        a++;
    }
    if (a == KT_THREAD_MAX) {
        kt_fail(file, line, "thread.c: all %u thread areas are in use", KT_THREAD_MAX);
        return NULL;
    }
    uint64_t tcb;
    long err = kt_retype(AXL_OBJ_TCB, 0, 1, &tcb);
    if (err) {
        kt_fail(file, line, "thread.c: retype of a TCB: %s", axl_strerror(err));
        return NULL;
    }
    struct kt_thread *t = &threads[a];
    t->tcb = t->exit_cptr = tcb;
    t->area = a;
    t->fn = fn;
    t->arg = arg;
    t->finished = 0;
    t->guard = AREA_BASE(a);
    t->stack_top = AREA_BASE(a) + (KT_AREA_STACK_PAGE + KT_STACK_PAGES) * KT_PAGE;
    t->ipc_addr = AREA_BASE(a) + KT_AREA_IPC_PAGE * KT_PAGE;
    t->ipc_frame = area_frames[a] + KT_STACK_PAGES;
    memset((void *)t->ipc_addr, 0, KT_PAGE);
    *(volatile uint64_t *)(t->stack_top - 8) = 0; /* a null return address: backtraces end */

    bool buf = !(opts & KT_NO_IPC_BUFFER);
    const char *what = "TCB_CONFIGURE";
    err = axl_tcb_configure(tcb, fault_ep, AXL_SLOT_CNODE, AXL_SLOT_VSPACE, buf ? t->ipc_addr : 0,
                            buf ? t->ipc_frame : 0);
    if (!err && !(opts & KT_DEFAULT_PRIORITY)) {
        what = "TCB_SET_PRIORITY";
        err = axl_tcb_set_priority(tcb, prio, prio, 0);
    }
    if (!err) {
        what = "TCB_WRITE_REGISTERS";
        err = axl_tcb_write_registers(tcb, (uint64_t)(uintptr_t)thread_entry, t->stack_top - 8,
                                      (uint64_t)(uintptr_t)t, buf ? t->ipc_addr : 0, 0);
    }
    if (err) {
        kt_fail(file, line, "thread.c: %s of a new thread: %s", what, axl_strerror(err));
        axl_cnode_delete(ROOT, tcb);
        return NULL;
    }
    area_used[a] = true;
    return t;
}

long kt_thread_start(struct kt_thread *t) { return axl_tcb_resume(t->tcb); }

struct kt_thread *kt_thread_spawn_at(void (*fn)(void *), void *arg, unsigned prio, const char *file,
                                     int line)
{
    struct kt_thread *t = kt_thread_create_at(fn, arg, prio, 0, 0, file, line);
    if (!t) {
        return NULL;
    }
    long err = kt_thread_start(t);
    if (err) {
        kt_fail(file, line, "thread.c: TCB_RESUME of a new thread: %s", axl_strerror(err));
        kt_thread_delete(t);
        return NULL;
    }
    return t;
}

void kt_thread_delete(struct kt_thread *t)
{
    if (!t || !area_used[t->area]) {
        return;
    }
    /* The slot may be empty already (the case deleted it): every call below is then harmless. */
    axl_tcb_suspend(t->tcb);
    axl_cnode_revoke(ROOT, t->tcb);
    axl_cnode_delete(ROOT, t->tcb);
    area_used[t->area] = false;
}

static void root_at(unsigned prio) { axl_tcb_set_priority(AXL_SLOT_TCB, prio, KT_PRIO_ROOT, 0); }

static void clean(void)
{
    for (unsigned a = 0; a < KT_THREAD_MAX; a++) {
        kt_thread_delete(&threads[a]);
    }
    root_at(KT_PRIO_ROOT);
    if (axl_ipc_buffer) {
        axl_ipc_buffer->recv_cnode = 0;
        axl_ipc_buffer->recv_slot = 0;
        axl_ipc_buffer->recv_count = 0;
        for (unsigned i = 0; i < AXL_MSG_MAX_CAPS; i++) {
            axl_ipc_buffer->caps[i] = 0;
        }
    }
}

void kt_threads_begin(void) { clean(); }

void kt_threads_end(void) { clean(); }

/* --- time and waiting --- */

uint64_t kt_now(void) { return axl_rdtsc(); }

uint64_t kt_ticks_ms(uint64_t ms)
{
    uint64_t hz = axl_bootinfo && axl_bootinfo->tsc_hz ? axl_bootinfo->tsc_hz : 1000000000ull;
    return ms * (hz / 1000);
}

bool kt_wait(bool (*cond)(void *), void *arg, uint64_t ms)
{
    uint64_t end = kt_now() + kt_ticks_ms(ms);
    bool ok;

    root_at(KT_PRIO_WAIT);
    while (!(ok = cond(arg)) && kt_now() < end) {
        axl_yield();
    }
    root_at(KT_PRIO_ROOT);
    return ok;
}

static bool flag_set(void *p) { return *(volatile int *)p != 0; }

bool kt_wait_flag(volatile int *flag, uint64_t ms) { return kt_wait(flag_set, (void *)flag, ms); }

bool kt_thread_join(struct kt_thread *t, uint64_t ms)
{
    return t && kt_wait_flag(&t->finished, ms);
}

void kt_settle(void)
{
    root_at(KT_PRIO_WAIT); /* returns once nothing above priority 1 can run */
    root_at(KT_PRIO_ROOT);
}

void kt_run_at(unsigned prio, uint64_t ms)
{
    uint64_t end = kt_now() + kt_ticks_ms(ms);

    root_at(prio);
    /* A few turns at least, even if the host stalled QEMU past the deadline. */
    for (unsigned i = 0; i < KT_RUN_MIN_YIELDS || kt_now() < end; i++) {
        axl_yield();
    }
    root_at(KT_PRIO_ROOT);
}

long kt_recv_timeout(uint64_t ep, struct axl_msg *m, uint64_t ms)
{
    uint64_t end = kt_now() + kt_ticks_ms(ms);
    long err;

    root_at(KT_PRIO_WAIT);
    while ((err = axl_nb_recv(ep, m)) == AXL_E_WOULD_BLOCK && kt_now() < end) {
        axl_yield();
    }
    root_at(KT_PRIO_ROOT);
    return err;
}

/* --- memory --- */

uint64_t kt_scratch_page_at(unsigned rights, unsigned attr, uint64_t *frame, const char *file,
                            int line)
{
    uint64_t f = 0;

    if (frame) {
        *frame = 0;
    }
    if (!setup_space(file, line)) {
        return 0;
    }
    if (scratch_next >= KT_HOLE_BASE) {
        kt_fail(file, line, "thread.c: no scratch addresses left");
        return 0;
    }
    long err = kt_retype(AXL_OBJ_FRAME, 0, 1, &f);
    if (err) {
        kt_fail(file, line, "thread.c: retype of a scratch frame: %s", axl_strerror(err));
        return 0;
    }
    uint64_t va = scratch_next;
    scratch_next += KT_PAGE;
    if (!map_frame(f, va, rights, attr, file, line)) {
        return 0;
    }
    if (frame) {
        *frame = f;
    }
    return va;
}

uint64_t kt_hole(void)
{
    if (hole_next >= KT_HOLE_END) {
        return AREA_BASE(0) + 5 * KT_PAGE; /* the never-mapped page of an area */
    }
    uint64_t va = hole_next;
    hole_next += KT_PAGE;
    return va;
}

uint64_t kt_mint_at(uint64_t src, unsigned rights, uint64_t badge, const char *file, int line)
{
    uint64_t slot = kt_slot();
    long err = axl_cnode_mint(ROOT, slot, ROOT, src, rights, badge);

    if (err) {
        kt_fail(file, line, "mint of slot %llu (rights 0x%x, badge 0x%llx): %s",
                (unsigned long long)src, rights, (unsigned long long)badge, axl_strerror(err));
        return 0;
    }
    return slot;
}
