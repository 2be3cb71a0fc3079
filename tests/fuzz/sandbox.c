/* SPDX-License-Identifier: MIT */
/*
 * sandbox.c: the root task's side of the fuzzer: the memory it carves,
 * the fault endpoint, the fuzz threads' stacks and IPC buffers, and the
 * sandbox they fuzz, rebuilt from scratch on every refresh (fuzz.h,
 * main.c).
 *
 * Root CNode slots are handed out once, from bootinfo->first_free up, and
 * reused: the sandbox's objects come from one untyped region (sandbox_ut)
 * and go back to it when the root revokes it, so every refresh refills
 * the same root slots.
 */
#include "fuzz.h"

#define SANDBOX_UT_BITS 23 /* the region every sandbox object is carved from: 8 MiB */
#define SCRATCH_SLOTS 16   /* root slots for objects set up before they move into the sandbox */
#define IRQ_LINE 5         /* no device on q35 uses it: its handler never fires */

static uint64_t next_slot;   /* root CNode bump allocator */
static uint64_t boot_ut;     /* the boot untyped everything of the root's is carved from */
static uint64_t sandbox_ut;  /* root slot: the sandbox's region */
static uint64_t sbx;         /* root slot: the sandbox CNode (original) */
static uint64_t sbx_guarded; /* root slot: the sandbox CNode with the 48-bit guard (threads' root) */
static uint64_t tcb[FUZZ_MAX_THREADS];    /* root slots: the fuzz threads (from sandbox_ut) */
static uint64_t fault_ep;                 /* root slot: the endpoint faults arrive on */
static uint64_t fault_ep_badged[FUZZ_MAX_THREADS]; /* ... minted with badge i + 1 */
static uint64_t ipc_frame[FUZZ_MAX_THREADS];
static uint64_t ioport80; /* root slot: I/O port 0x80 (0: none) */
static uint64_t irq_handler;              /* root slot: IRQ_LINE's handler (0: none) */
static uint64_t outside[3]; /* root slots: an endpoint, a notification and a frame not from the region */
static uint64_t scratch;                  /* first of SCRATCH_SLOTS root slots */
static bool sandbox_built;

uint64_t sandbox_slot(void)
{
    if (next_slot == 0) {
        next_slot = axl_bootinfo->first_free;
    }
    if (next_slot >= (1ull << AXL_ROOT_CNODE_RADIX)) {
        return 0;
    }
    return next_slot++;
}

uint64_t sandbox_fault_ep(void) { return fault_ep; }

static bool ok(long err, const char *what)
{
    if (err != AXL_E_OK) {
        axl_printf("fuzz: root: %s failed: %s\n", what, axl_strerror(err));
        return false;
    }
    return true;
}

/* One object of `type` from untyped `ut` into root slot `slot`. */
static bool make(uint64_t ut, unsigned type, unsigned bits, uint64_t slot, const char *what)
{
    return ok(axl_untyped_retype(ut, type, bits, AXL_SLOT_CNODE, slot, 1), what);
}

/* Maps frame at va in the root's own address space, making any page table that is missing. */
static bool map_root_page(uint64_t frame, uint64_t va)
{
    static const unsigned tables[] = {AXL_OBJ_PAGE_TABLE, AXL_OBJ_PAGE_DIRECTORY, AXL_OBJ_PDPT};

    for (unsigned attempt = 0; attempt < 4; attempt++) {
        long err = axl_page_map(frame, AXL_SLOT_VSPACE, va, AXL_RIGHT_READ | AXL_RIGHT_WRITE, 0);
        if (err != AXL_E_MAPPING) {
            return ok(err, "mapping a fuzz thread's page");
        }
        /* A table is missing: add the lowest one that can go in now. */
        bool added = false;
        for (unsigned l = 0; l < 3 && !added; l++) {
            uint64_t t = sandbox_slot();
            if (!t || !make(boot_ut, tables[l], 0, t, "a page table for the root")) {
                return false;
            }
            added = axl_table_map(t, AXL_SLOT_VSPACE, va) == AXL_E_OK;
        }
        if (!added) {
            break;
        }
    }
    axl_printf("fuzz: root: cannot map a page at 0x%llx\n", (unsigned long long)va);
    return false;
}

bool sandbox_setup(void)
{
    const struct axl_bootinfo *bi = axl_bootinfo;

    /* The first RAM untyped big enough for the sandbox and the root's own few objects. */
    for (uint64_t i = 0; i < bi->untyped_count && i < AXL_BOOT_MAX_UNTYPED; i++) {
        if (!bi->untyped[i].device && bi->untyped[i].size_bits >= SANDBOX_UT_BITS + 1) {
            boot_ut = bi->untyped_first + i;
            break;
        }
    }
    if (!boot_ut) {
        axl_printf("fuzz: root: no untyped region of 2^%u bytes\n", SANDBOX_UT_BITS + 1);
        return false;
    }
    sandbox_ut = sandbox_slot();
    sbx = sandbox_slot();
    sbx_guarded = sandbox_slot();
    fault_ep = sandbox_slot();
    for (unsigned i = 0; i < FUZZ_MAX_THREADS; i++) {
        tcb[i] = sandbox_slot();
        fault_ep_badged[i] = sandbox_slot();
    }
    scratch = sandbox_slot();
    for (unsigned i = 1; i < SCRATCH_SLOTS; i++) {
        sandbox_slot();
    }
    if (!make(boot_ut, AXL_OBJ_UNTYPED, SANDBOX_UT_BITS, sandbox_ut, "carving the sandbox region") ||
        !make(boot_ut, AXL_OBJ_ENDPOINT, 0, fault_ep, "the fault endpoint")) {
        return false;
    }
    for (unsigned i = 0; i < FUZZ_MAX_THREADS; i++) {
        if (!ok(axl_cnode_mint(AXL_SLOT_CNODE, fault_ep_badged[i], AXL_SLOT_CNODE, fault_ep,
                               AXL_RIGHT_WRITE | AXL_RIGHT_GRANT_REPLY, i + 1),
                "minting a badged fault endpoint")) {
            return false;
        }
        /* Stack and IPC buffer: the root's frames, mapped in the root's space, never in the sandbox. */
        for (unsigned p = 0; p < FUZZ_STACK_PAGES; p++) {
            uint64_t f = sandbox_slot();
            if (!f || !make(boot_ut, AXL_OBJ_FRAME, 0, f, "a stack frame") ||
                !map_root_page(f, FUZZ_STACK_BOTTOM(i) + p * 0x1000ull)) {
                return false;
            }
        }
        ipc_frame[i] = sandbox_slot();
        if (!ipc_frame[i] || !make(boot_ut, AXL_OBJ_FRAME, 0, ipc_frame[i], "an IPC buffer frame") ||
            !map_root_page(ipc_frame[i], FUZZ_IPC_VA(i))) {
            return false;
        }
    }
    /* A port range that is harmless to write (POST codes), and an IRQ line nothing raises. */
    ioport80 = sandbox_slot();
    if (axl_ioport_issue(AXL_SLOT_IOPORT_CONTROL, 0x80, 0x80, AXL_SLOT_CNODE, ioport80) != AXL_E_OK) {
        axl_printf("fuzz: root: no I/O port capability for 0x80; the sandbox has none\n");
        ioport80 = 0;
    }
    /* Objects from outside the region: the sandbox gets copies, which a refresh deletes but
     * whose objects live on (as a server's capabilities to its clients' objects would). */
    static const unsigned outside_types[3] = {AXL_OBJ_ENDPOINT, AXL_OBJ_NOTIFICATION, AXL_OBJ_FRAME};
    for (unsigned i = 0; i < 3; i++) {
        outside[i] = sandbox_slot();
        if (!outside[i] || !make(boot_ut, outside_types[i], 0, outside[i], "an object outside the sandbox")) {
            return false;
        }
    }
    irq_handler = sandbox_slot();
    if (axl_irq_control_get(AXL_SLOT_IRQ_CONTROL, IRQ_LINE, AXL_SLOT_CNODE, irq_handler) != AXL_E_OK) {
        axl_printf("fuzz: root: no handler for IRQ %u; the sandbox has none\n", IRQ_LINE);
        irq_handler = 0;
    }
    return next_slot != 0 && next_slot < (1ull << AXL_ROOT_CNODE_RADIX);
}

/* --- filling the sandbox --- */

static unsigned filled; /* next sandbox slot to fill */

/* Retypes count objects from `ut` (a root slot) into the next sandbox slots. */
static bool put_new(uint64_t ut, unsigned type, unsigned bits, unsigned count)
{
    if (!ok(axl_untyped_retype(ut, type, bits, sbx, filled, count), "filling the sandbox")) {
        return false;
    }
    for (unsigned i = 0; i < count; i++) {
        fz.known[filled++] = (uint8_t)type;
    }
    return true;
}

/* A copy (badge 0) or mint of sandbox slot src, or of a root slot, into the next sandbox slot. */
static bool put_derived(uint64_t src_cnode, uint64_t src, unsigned type, unsigned rights,
                        uint64_t badge)
{
    long err = badge ? axl_cnode_mint(sbx, filled, src_cnode, src, rights, badge)
                     : axl_cnode_copy(sbx, filled, src_cnode, src, rights);
    if (!ok(err, "copying into the sandbox")) {
        return false;
    }
    fz.known[filled++] = (uint8_t)type;
    return true;
}

/* Moves an object set up in a root slot into the next sandbox slot. */
static bool put_moved(uint64_t root_slot, unsigned type)
{
    if (!ok(axl_cnode_move(sbx, filled, AXL_SLOT_CNODE, root_slot), "moving into the sandbox")) {
        return false;
    }
    fz.known[filled++] = (uint8_t)type;
    return true;
}

/*
 * An address space with a few mappings, set up from root slots and then
 * moved in, so the sandbox starts with mapped frames and tables to unmap,
 * delete and map over.
 */
static bool put_address_space(void)
{
    uint64_t pml4 = scratch, pdpt = scratch + 1, pd = scratch + 2, pt = scratch + 3;
    uint64_t pt2 = scratch + 4, f0 = scratch + 5, f1 = scratch + 6, f2 = scratch + 7;
    uint64_t ut = sandbox_ut;

    if (!make(ut, AXL_OBJ_PML4, 0, pml4, "a sandbox PML4") ||
        !make(ut, AXL_OBJ_PDPT, 0, pdpt, "a sandbox PDPT") ||
        !make(ut, AXL_OBJ_PAGE_DIRECTORY, 0, pd, "a sandbox page directory") ||
        !make(ut, AXL_OBJ_PAGE_TABLE, 0, pt, "a sandbox page table") ||
        !make(ut, AXL_OBJ_PAGE_TABLE, 0, pt2, "a sandbox page table") ||
        !make(ut, AXL_OBJ_FRAME, 0, f0, "a sandbox frame") ||
        !make(ut, AXL_OBJ_FRAME, 0, f1, "a sandbox frame") ||
        !make(ut, AXL_OBJ_FRAME, 0, f2, "a sandbox frame")) {
        return false;
    }
    if (!ok(axl_table_map(pdpt, pml4, SANDBOX_VA), "mapping a sandbox PDPT") ||
        !ok(axl_table_map(pd, pml4, SANDBOX_VA), "mapping a sandbox page directory") ||
        !ok(axl_table_map(pt, pml4, SANDBOX_VA), "mapping a sandbox page table") ||
        !ok(axl_table_map(pt2, pml4, SANDBOX_VA + 0x200000), "mapping a sandbox page table") ||
        !ok(axl_page_map(f0, pml4, SANDBOX_VA, AXL_RIGHT_READ | AXL_RIGHT_WRITE, 0), "mapping") ||
        !ok(axl_page_map(f1, pml4, SANDBOX_VA + 0x1000, AXL_RIGHT_READ, AXL_MAP_EXECUTE), "mapping") ||
        !ok(axl_page_map(f2, pml4, SANDBOX_VA + 0x200000, AXL_RIGHT_READ | AXL_RIGHT_WRITE, 0),
            "mapping")) {
        return false;
    }
    return put_moved(pml4, AXL_OBJ_PML4) && put_moved(pdpt, AXL_OBJ_PDPT) &&
           put_moved(pd, AXL_OBJ_PAGE_DIRECTORY) && put_moved(pt, AXL_OBJ_PAGE_TABLE) &&
           put_moved(pt2, AXL_OBJ_PAGE_TABLE) && put_moved(f0, AXL_OBJ_FRAME) &&
           put_moved(f1, AXL_OBJ_FRAME) && put_moved(f2, AXL_OBJ_FRAME);
}

/*
 * The sandbox's contents (slot: what):
 *   0 empty, the null cptr        1 the sandbox CNode, 4-bit guard (the loop, fuzz.h)
 *   2, 3 the fuzz threads' TCBs   4 I/O port 0x80      5 IRQ handler (IRQ_LINE)
 *   6 the sandbox CNode with the threads' 48-bit guard (for TCB_CONFIGURE)
 *   then untyped (2^12, 2^14, 2^16, 2^21), endpoints, notifications, CNodes,
 *   frames, an address space with mappings, a spare PML4 and tables, two
 *   unstarted TCBs, copies and mints with badges and fewer rights, copies
 *   of an endpoint, a notification and a frame from outside the region, a
 *   2 MiB frame; the rest empty.
 */
static bool fill(void)
{
    uint64_t ut = sandbox_ut;

    for (unsigned i = 0; i < SB_SLOTS; i++) {
        fz.known[i] = AXL_OBJ_NULL;
    }
    filled = SB_LOOP_SLOT;
    if (!put_derived(AXL_SLOT_CNODE, sbx, AXL_OBJ_CNODE, AXL_RIGHTS_ALL, SB_LOOP_GUARD_BITS)) {
        return false;
    }
    for (unsigned i = 0; i < FUZZ_MAX_THREADS; i++) {
        if (i < fz.threads) {
            if (!put_derived(AXL_SLOT_CNODE, tcb[i], AXL_OBJ_TCB, AXL_RIGHTS_ALL, 0)) {
                return false;
            }
        } else {
            filled++;
        }
    }
    filled = 4;
    if (ioport80 && !put_derived(AXL_SLOT_CNODE, ioport80, AXL_OBJ_IOPORT, AXL_RIGHTS_ALL, 0)) {
        return false;
    }
    filled = 5;
    if (irq_handler && !put_derived(AXL_SLOT_CNODE, irq_handler, AXL_OBJ_IRQ_HANDLER, AXL_RIGHTS_ALL, 0)) {
        return false;
    }
    filled = 6;
    if (!put_derived(AXL_SLOT_CNODE, sbx_guarded, AXL_OBJ_CNODE, AXL_RIGHTS_ALL, 0)) {
        return false;
    }
    unsigned untyped = filled, ep = untyped + 4, ntfn = ep + 6, cnode = ntfn + 4;
    if (!put_new(ut, AXL_OBJ_UNTYPED, 12, 1) || !put_new(ut, AXL_OBJ_UNTYPED, 14, 1) ||
        !put_new(ut, AXL_OBJ_UNTYPED, 16, 1) || !put_new(ut, AXL_OBJ_UNTYPED, 21, 1) ||
        !put_new(ut, AXL_OBJ_ENDPOINT, 0, 6) || !put_new(ut, AXL_OBJ_NOTIFICATION, 0, 4) ||
        !put_new(ut, AXL_OBJ_CNODE, 4, 1) || !put_new(ut, AXL_OBJ_CNODE, 2, 1)) {
        return false;
    }
    /* The radix-4 CNode again with a 6-bit guard: 6 + 4 bits are what s << 10 leaves. */
    if (!put_derived(sbx, cnode, AXL_OBJ_CNODE, AXL_RIGHTS_ALL, 6)) {
        return false;
    }
    unsigned frames = filled;
    if (!put_new(ut, AXL_OBJ_FRAME, 0, 3) || !put_address_space() ||
        !put_new(ut, AXL_OBJ_PML4, 0, 1) || !put_new(ut, AXL_OBJ_PDPT, 0, 1) ||
        !put_new(ut, AXL_OBJ_PAGE_DIRECTORY, 0, 1) || !put_new(ut, AXL_OBJ_PAGE_TABLE, 0, 1)) {
        return false;
    }
    unsigned tcbs = filled;
    if (!put_new(ut, AXL_OBJ_TCB, 0, 2)) {
        return false;
    }
    /* Copies and mints: badges, fewer rights, several capabilities to one object. */
    if (!put_derived(sbx, ep, AXL_OBJ_ENDPOINT, AXL_RIGHTS_ALL, 0x11) ||
        !put_derived(sbx, ep, AXL_OBJ_ENDPOINT, AXL_RIGHT_WRITE | AXL_RIGHT_GRANT, 0x22) ||
        !put_derived(sbx, ep + 1, AXL_OBJ_ENDPOINT, AXL_RIGHT_READ, 0) ||
        !put_derived(sbx, ep + 2, AXL_OBJ_ENDPOINT, AXL_RIGHT_WRITE | AXL_RIGHT_READ, 0x33) ||
        !put_derived(sbx, ntfn, AXL_OBJ_NOTIFICATION, AXL_RIGHT_WRITE, 0x4) ||
        !put_derived(sbx, ntfn, AXL_OBJ_NOTIFICATION, AXL_RIGHT_WRITE, 0x100) ||
        !put_derived(sbx, ntfn + 1, AXL_OBJ_NOTIFICATION, AXL_RIGHT_READ, 0) ||
        !put_derived(sbx, frames, AXL_OBJ_FRAME, AXL_RIGHT_READ, 0) ||
        !put_derived(sbx, tcbs, AXL_OBJ_TCB, AXL_RIGHTS_ALL, 0) ||
        !put_derived(sbx, cnode + 1, AXL_OBJ_CNODE, AXL_RIGHTS_ALL, 0)) {
        return false;
    }
    if (!put_derived(AXL_SLOT_CNODE, outside[0], AXL_OBJ_ENDPOINT, AXL_RIGHTS_ALL, 0x44) ||
        !put_derived(AXL_SLOT_CNODE, outside[1], AXL_OBJ_NOTIFICATION, AXL_RIGHTS_ALL, 0) ||
        !put_derived(AXL_SLOT_CNODE, outside[2], AXL_OBJ_FRAME, AXL_RIGHTS_ALL, 0)) {
        return false;
    }
    /* The 2 MiB frame last: it is aligned to its size, so it goes past everything above. */
    return put_new(ut, AXL_OBJ_LARGE_FRAME, 0, 1);
}

/*
 * Destroys everything carved from the region: sandbox, fuzz threads, what
 * they made. Revoking the region does it all, but the order objects go in
 * matters to the kernel, so the way there varies with the refresh: the
 * sandbox's untyped regions first, or every sandbox slot one by one, or the
 * sandbox CNode's own capabilities first.
 */
static bool teardown(uint64_t refresh)
{
    switch (rng_mix(fz.seed ^ rng_mix(refresh + 0x7ea2)) % 4) {
    case 1:
        for (unsigned s = 0; s < SB_SLOTS; s++) {
            if (fz.known[s] == AXL_OBJ_UNTYPED) {
                axl_cnode_revoke(sbx, s); /* may fail: the slot may hold something else by now */
            }
        }
        break;
    case 2:
        for (unsigned s = SB_SLOTS; s-- > 0;) {
            axl_cnode_revoke(sbx, s);
            axl_cnode_delete(sbx, s);
        }
        break;
    case 3:
        ok(axl_cnode_delete(AXL_SLOT_CNODE, sbx_guarded), "deleting the sandbox's guarded capability");
        ok(axl_cnode_delete(AXL_SLOT_CNODE, sbx), "deleting the sandbox CNode's capability");
        break;
    default:
        break;
    }
    return ok(axl_cnode_revoke(AXL_SLOT_CNODE, sandbox_ut), "revoking the sandbox region");
}

bool sandbox_refresh(void)
{
    static uint64_t refreshes;

    if (sandbox_built && !teardown(refreshes++)) {
        return false;
    }
    sandbox_built = true;
    if (!make(sandbox_ut, AXL_OBJ_CNODE, SB_RADIX, sbx, "the sandbox CNode") ||
        !ok(axl_cnode_mint(AXL_SLOT_CNODE, sbx_guarded, AXL_SLOT_CNODE, sbx, AXL_RIGHTS_ALL,
                           SB_GUARD_BITS),
            "guarding the sandbox CNode")) {
        return false;
    }
    for (unsigned i = 0; i < fz.threads; i++) {
        if (!make(sandbox_ut, AXL_OBJ_TCB, 0, tcb[i], "a fuzz thread")) {
            return false;
        }
    }
    if (!fill()) {
        return false;
    }
    for (unsigned i = 0; i < fz.threads; i++) {
        if (fz.th[i].calls < fz.th[i].target && !sandbox_reset_thread(i, false)) {
            return false;
        }
    }
    return true;
}

/* Empties the sandbox region: every object the run made goes (the last teardown). */
bool sandbox_destroy(void)
{
    sandbox_built = false;
    return teardown(UINT64_MAX);
}

bool sandbox_reset_thread(unsigned i, bool suspend)
{
    uint64_t t = tcb[i];

    if (suspend && !ok(axl_tcb_suspend(t), "suspending a fuzz thread")) {
        return false;
    }
    return ok(axl_tcb_configure(t, fault_ep_badged[i], sbx_guarded, AXL_SLOT_VSPACE, FUZZ_IPC_VA(i),
                                ipc_frame[i]),
              "configuring a fuzz thread") &&
           ok(axl_tcb_set_priority(t, FUZZ_PRIO, FUZZ_PRIO, 0), "setting a fuzz thread's priority") &&
           ok(axl_tcb_write_registers(t, (uint64_t)(uintptr_t)fuzz_thread_start, FUZZ_STACK_TOP(i), i,
                                      0, 0),
              "setting a fuzz thread's registers") &&
           ok(axl_tcb_resume(t), "starting a fuzz thread");
}

void sandbox_stop_thread(unsigned i) { ok(axl_tcb_suspend(tcb[i]), "stopping a fuzz thread"); }
