/* SPDX-License-Identifier: MIT */
/*
 * test_cspace.c: CSpace addressing and untyped memory (KT-CSP-*): guards
 * and multi-level lookup (kernel/core/cspace.c; docs/abi.md, "CSpace
 * addressing"), CNode guards set by CNODE_MINT, and what untyped memory
 * does on revoke, from device memory and for kernel-only types
 * (kernel/core/untyped.c, cnode.c).
 *
 * The root task's CNode consumes all 64 bits of a cptr (a 52-bit guard of
 * 0 and radix 12), so in its own CSpace a lookup never goes below it. To
 * exercise deeper lookups, the cases CSP_007..CSP_010 switch the root
 * thread's own CSpace root (TCB_CONFIGURE on AXL_SLOT_TCB) to a tree in
 * which every slot number still names the same capability, and switch back
 * before they return:
 *
 *   top: a radix-4 CNode C1, minted with a 24-bit guard of 0
 *     C1[0]: the root CNode, minted with a 24-bit guard of 0: 24+4+24+12 = 64,
 *            so a cptr below 4096 is still the root slot of that number
 *     C1[1]: a radix-4 CNode C3 with a 32-bit guard of 0: 24+4+32+4 = 64,
 *            so (1 << 36) | j names C3[j]
 *     C1[2]: C3 with a 40-bit guard: 24+4+40+4 = 72 bits, more than a cptr has
 *     C1[3]: C3 with a 16-bit guard: 48 bits, 16 left over after C3's slot
 *     C1[4]: a notification, found with 36 bits left over
 *     C1[5]: C3 with a 32-bit guard of 0xabc
 *   C3[5]: a copy of a notification N with badge 0x5 (signalling it is how a
 *          lookup is seen to reach it; N is polled through its root slot)
 */
#include "ktest.h"

#define ROOT AXL_SLOT_CNODE
#define RW (AXL_RIGHT_READ | AXL_RIGHT_WRITE)

/* A CNode mint's badge argument: guard length and value (docs/abi.md). */
#define GUARD(bits, value) ((uint64_t)(bits) | (uint64_t)(value) << 6)

/* CNODE_MINT with a 64-bit badge word as the kernel receives it. */
static long mint_raw(uint64_t cnode, uint64_t dest, uint64_t src, uint64_t badge)
{
    const uint64_t args[] = {dest, ROOT, src, AXL_RIGHTS_ALL, badge};
    return axl_invoke(cnode, AXL_INV_CNODE_MINT, 5, args, NULL);
}

KTEST(CSP_001, "in the root CSpace a cptr with any bit above the 12 slot bits fails the 52-bit "
               "guard (FAILED_LOOKUP)")
{
    static const uint64_t high[] = {1ull << 12, 1ull << 20, 1ull << 51, 1ull << 63};
    uint64_t ntfn = kt_retype1(AXL_OBJ_NOTIFICATION, 0), word;
    struct axl_cap_info info;

    KT_ASSERT_NE(ntfn, 0);
    for (unsigned i = 0; i < sizeof(high) / sizeof(high[0]); i++) {
        long sig = axl_signal(high[i] | ntfn);
        long insp = axl_cnode_inspect(high[i] | ROOT, AXL_SLOT_TCB, &info);
        if (sig != AXL_E_FAILED_LOOKUP || insp != AXL_E_FAILED_LOOKUP) {
            kt_fail(__FILE__, __LINE__,
                    "cptr with bit 0x%llx: SIGNAL returned %s, INSPECT %s, "
                    "expected AXL_E_FAILED_LOOKUP",
                    (unsigned long long)high[i], axl_errname(sig), axl_errname(insp));
        }
    }
    KT_EXPECT_ERR(axl_poll(ntfn, &word), AXL_E_WOULD_BLOCK); /* no signal got through */
}

KTEST(CSP_002, "a CNode capability in a root slot is invoked as that CNode, not descended into: a "
               "copy into its slot 3 is found there")
{
    uint64_t cn = kt_retype1(AXL_OBJ_CNODE, 4), ntfn = kt_retype1(AXL_OBJ_NOTIFICATION, 0),
             back = kt_slot();
    struct axl_cap_info info;

    KT_ASSERT_NE(ntfn, 0);
    KT_ASSERT_NE(cn, 0);
    KT_ASSERT_OK(axl_cnode_copy(cn, 3, ROOT, ntfn, AXL_RIGHT_WRITE));
    KT_ASSERT_OK(axl_cnode_inspect(cn, 3, &info));
    KT_EXPECT_EQ(info.type, AXL_OBJ_NOTIFICATION);
    KT_EXPECT_EQ(info.rights, AXL_RIGHT_WRITE);
    KT_ASSERT_OK(axl_cnode_inspect(cn, 0, &info));
    KT_EXPECT_EQ(info.type, AXL_OBJ_NULL);
    /* As a source CNode too: copy it back out into the root CNode. */
    KT_ASSERT_OK(axl_cnode_copy(ROOT, back, cn, 3, AXL_RIGHTS_ALL));
    KT_ASSERT_TRUE(kt_inspect(back, &info));
    KT_EXPECT_EQ(info.type, AXL_OBJ_NOTIFICATION);
    /* Its slots end at 16. */
    KT_EXPECT_ERR(axl_cnode_inspect(cn, 16, &info), AXL_E_FAILED_LOOKUP);
}

KTEST(CSP_003, "CNODE_MINT of a CNode sets the copy's guard: INSPECT reports the value in MR2 and "
               "the radix in MR3")
{
    uint64_t cn = kt_retype1(AXL_OBJ_CNODE, 4), a = kt_slot(), b = kt_slot();
    const uint64_t max = (1ull << AXL_GUARD_MAX_BITS) - 1; /* 58 + radix 4 fits 64 bits */
    struct axl_cap_info info;

    KT_ASSERT_NE(cn, 0);
    KT_ASSERT_OK(axl_cnode_mint(ROOT, a, ROOT, cn, AXL_RIGHTS_ALL, GUARD(20, 0xabcde)));
    KT_ASSERT_TRUE(kt_inspect(a, &info));
    KT_EXPECT_EQ(info.type, AXL_OBJ_CNODE);
    KT_EXPECT_EQ(info.badge, 0xabcde);
    KT_EXPECT_EQ(info.size_bits, 4);
    KT_ASSERT_OK(mint_raw(ROOT, b, cn, GUARD(AXL_GUARD_MAX_BITS, max)));
    KT_ASSERT_TRUE(kt_inspect(b, &info));
    KT_EXPECT_EQ(info.badge, max);
    KT_ASSERT_TRUE(kt_inspect(cn, &info));
    KT_EXPECT_EQ(info.badge, 0); /* the original keeps its own */
}

KTEST(CSP_004, "CNODE_MINT of a CNode with a guard longer than 58 bits, or than 64 bits minus "
               "its radix, fails with INVALID_ARGUMENT")
{
    static const unsigned bits[] = {AXL_GUARD_MAX_BITS + 1, 61, 63};
    uint64_t cn = kt_retype1(AXL_OBJ_CNODE, 4), dest = kt_slot();
    struct axl_cap_info info;

    KT_ASSERT_NE(cn, 0);
    for (unsigned i = 0; i < sizeof(bits) / sizeof(bits[0]); i++) {
        long err = axl_cnode_mint(ROOT, dest, ROOT, cn, AXL_RIGHTS_ALL, GUARD(bits[i], 0));
        if (err != AXL_E_INVALID_ARGUMENT) {
            kt_fail(__FILE__, __LINE__,
                    "a %u-bit guard returned %s, expected "
                    "AXL_E_INVALID_ARGUMENT",
                    bits[i], axl_errname(err));
        }
    }
    /* The root CNode has radix 12: 53 guard bits are one too many, 52 are right. */
    KT_EXPECT_ERR(axl_cnode_mint(ROOT, dest, ROOT, ROOT, AXL_RIGHTS_ALL, GUARD(53, 0)),
                  AXL_E_INVALID_ARGUMENT);
    KT_ASSERT_TRUE(kt_inspect(dest, &info));
    KT_EXPECT_EQ(info.type, AXL_OBJ_NULL);
}

KTEST(CSP_005, "CNODE_MINT of a CNode with a guard value wider than its length fails with "
               "INVALID_ARGUMENT")
{
    uint64_t cn = kt_retype1(AXL_OBJ_CNODE, 4), dest = kt_slot();
    struct axl_cap_info info;

    KT_ASSERT_NE(cn, 0);
    KT_EXPECT_ERR(axl_cnode_mint(ROOT, dest, ROOT, cn, AXL_RIGHTS_ALL, GUARD(4, 0x10)),
                  AXL_E_INVALID_ARGUMENT);
    KT_EXPECT_ERR(axl_cnode_mint(ROOT, dest, ROOT, cn, AXL_RIGHTS_ALL, GUARD(0, 1)),
                  AXL_E_INVALID_ARGUMENT);
    KT_EXPECT_ERR(mint_raw(ROOT, dest, cn, GUARD(20, 1ull << 20)), AXL_E_INVALID_ARGUMENT);
    KT_ASSERT_TRUE(kt_inspect(dest, &info));
    KT_EXPECT_EQ(info.type, AXL_OBJ_NULL);
    KT_EXPECT_OK(axl_cnode_mint(ROOT, dest, ROOT, cn, AXL_RIGHTS_ALL, GUARD(4, 0xf)));
}

KTEST(CSP_006, "CNODE_COPY of a CNode keeps its guard, and a mint with argument 0 gives a copy "
               "with none")
{
    uint64_t cn = kt_retype1(AXL_OBJ_CNODE, 4), guarded = kt_slot(), copy = kt_slot(),
             plain = kt_slot();
    struct axl_cap_info info;

    KT_ASSERT_NE(cn, 0);
    KT_ASSERT_OK(axl_cnode_mint(ROOT, guarded, ROOT, cn, AXL_RIGHTS_ALL, GUARD(8, 0x5a)));
    KT_ASSERT_OK(axl_cnode_copy(ROOT, copy, ROOT, guarded, AXL_RIGHTS_ALL));
    KT_ASSERT_TRUE(kt_inspect(copy, &info));
    KT_EXPECT_EQ(info.badge, 0x5a);
    KT_ASSERT_OK(axl_cnode_mint(ROOT, plain, ROOT, guarded, AXL_RIGHTS_ALL, 0));
    KT_ASSERT_TRUE(kt_inspect(plain, &info));
    KT_EXPECT_EQ(info.badge, 0);
    /* Any of them is still the same CNode when invoked. */
    KT_ASSERT_OK(axl_cnode_copy(copy, 2, ROOT, AXL_SLOT_TCB, AXL_RIGHTS_ALL));
    KT_ASSERT_OK(axl_cnode_inspect(plain, 2, &info));
    KT_EXPECT_EQ(info.type, AXL_OBJ_TCB);
}

/* --- a two-level CSpace for the root thread (see the top of the file) --- */

static struct {
    bool built;
    uint64_t top;  /* root slot: C1 minted with its 24-bit guard, the new CSpace root */
    uint64_t c3;   /* root slot: C3 itself */
    uint64_t ntfn; /* root slot: N */
} tree;

#define C1_INDEX_SHIFT 36 /* bits 39..36 index C1 */
#define CPTR(c1_index, rest) ((uint64_t)(c1_index) << C1_INDEX_SHIFT | (uint64_t)(rest))

static bool build_tree(const char *file, int line)
{
    uint64_t c1, c3, ntfn, top = kt_slot();
    long err;

    if (tree.built) {
        return true;
    }
    c1 = kt_retype1_at(AXL_OBJ_CNODE, 4, file, line);
    c3 = kt_retype1_at(AXL_OBJ_CNODE, 4, file, line);
    ntfn = kt_retype1_at(AXL_OBJ_NOTIFICATION, 0, file, line);
    if (!c1 || !c3 || !ntfn || !top) {
        return false;
    }
    if ((err = axl_cnode_mint(c1, 0, ROOT, ROOT, AXL_RIGHTS_ALL, GUARD(24, 0))) ||
        (err = axl_cnode_mint(c1, 1, ROOT, c3, AXL_RIGHTS_ALL, GUARD(32, 0))) ||
        (err = axl_cnode_mint(c1, 2, ROOT, c3, AXL_RIGHTS_ALL, GUARD(40, 0))) ||
        (err = axl_cnode_mint(c1, 3, ROOT, c3, AXL_RIGHTS_ALL, GUARD(16, 0))) ||
        (err = axl_cnode_mint(c1, 4, ROOT, ntfn, AXL_RIGHT_WRITE, 0x40)) ||
        (err = axl_cnode_mint(c1, 5, ROOT, c3, AXL_RIGHTS_ALL, GUARD(32, 0xabc))) ||
        (err = axl_cnode_mint(c3, 5, ROOT, ntfn, AXL_RIGHT_WRITE, 0x5)) ||
        (err = axl_cnode_mint(ROOT, top, ROOT, c1, AXL_RIGHTS_ALL, GUARD(24, 0)))) {
        kt_fail(file, line, "building the two-level CSpace: %s", axl_errname(err));
        return false;
    }
    tree.top = top;
    tree.c3 = c3;
    tree.ntfn = ntfn;
    tree.built = true;
    return true;
}

/* Makes the root thread's CSpace root cspace (a cptr in its current CSpace). */
static long set_cspace(uint64_t cspace)
{
    return axl_tcb_configure(AXL_SLOT_TCB, 0, cspace, AXL_SLOT_VSPACE, AXL_ROOT_IPC_BUFFER,
                             AXL_SLOT_IPC_BUFFER);
}

/* Switches to the two-level CSpace; false, with a failure recorded, if that did not happen. */
#define enter_tree() enter_tree_at(__FILE__, __LINE__)
static bool enter_tree_at(const char *file, int line)
{
    if (!build_tree(file, line)) {
        return false;
    }
    long err = set_cspace(tree.top);
    if (err) {
        kt_fail(file, line, "TCB_CONFIGURE to the two-level CSpace: %s", axl_errname(err));
        return false;
    }
    return true;
}

/*
 * Back to the root CNode (slot 2 resolves to it in both CSpaces). If
 * that fails nothing else can work; the case fails and says so.
 */
static void leave_tree(void)
{
    uint64_t word;

    KT_EXPECT_OK(set_cspace(ROOT));
    /* In the root CSpace again, a cptr with bits above 12 fails the 52-bit guard. */
    KT_EXPECT_ERR(axl_signal(CPTR(1, 5)), AXL_E_FAILED_LOOKUP);
    (void)axl_poll(tree.ntfn, &word);
}

/* Signals through cptr and returns the notification's word (0 if nothing came). */
static uint64_t signal_through(uint64_t cptr, long *err)
{
    uint64_t word = 0;

    *err = axl_signal(cptr);
    if (axl_poll(tree.ntfn, &word) != AXL_E_OK) {
        word = 0;
    }
    return word;
}

KTEST(CSP_007, "with the thread's CSpace root a guarded CNode over the root CNode, slot numbers "
               "still resolve and (1 << 36) | 5 reaches slot 5 of a CNode one level down")
{
    struct axl_cap_info info;
    long err;

    if (!enter_tree()) {
        return;
    }
    KT_EXPECT_TRUE(kt_inspect(AXL_SLOT_TCB, &info)); /* slot 2 and slot 1, via C1[0] */
    KT_EXPECT_EQ(info.type, AXL_OBJ_TCB);
    KT_EXPECT_EQ(signal_through(CPTR(1, 5), &err), 0x5); /* C1[1] -> C3[5] */
    KT_EXPECT_OK(err);
    KT_EXPECT_EQ(signal_through(CPTR(5, 0xabc << 4 | 5), &err), 0x5); /* C1[5], guard 0xabc */
    KT_EXPECT_OK(err);
    KT_EXPECT_EQ(signal_through(tree.ntfn, &err), 0x1); /* N's own root slot, unbadged */
    KT_EXPECT_OK(err);
    leave_tree();
}

KTEST(CSP_008, "in a two-level CSpace a guard mismatch at any level fails with FAILED_LOOKUP")
{
    static const uint64_t bad[] = {
        1ull << 63 | 5,             /* C1's 24-bit guard */
        1ull << 40 | CPTR(1, 5),    /* C1's guard, lowest bit */
        CPTR(1, 1ull << 20 | 5),    /* C3's 32-bit guard, via C1[1] */
        CPTR(1, 1ull << 35 | 5),    /* the same, highest bit */
        CPTR(5, 5),                 /* C1[5] wants guard 0xabc */
        CPTR(5, 0xabd << 4 | 5),    /* ... exactly */
        CPTR(0, 1ull << 12 | ROOT), /* the root CNode's 24-bit guard, via C1[0] */
    };
    long err;

    if (!enter_tree()) {
        return;
    }
    for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        uint64_t word = signal_through(bad[i], &err);
        if (err != AXL_E_FAILED_LOOKUP || word != 0) {
            kt_fail(__FILE__, __LINE__,
                    "cptr 0x%llx: SIGNAL returned %s (word 0x%llx), expected "
                    "AXL_E_FAILED_LOOKUP",
                    (unsigned long long)bad[i], axl_errname(err), (unsigned long long)word);
        }
    }
    leave_tree();
}

KTEST(CSP_009, "a path whose guards and radixes add up to more than 64 bits fails with "
               "FAILED_LOOKUP")
{
    uint64_t word;
    long err;

    if (!enter_tree()) {
        return;
    }
    /* C1[2]: C3 with a 40-bit guard needs 24 + 4 + 40 + 4 = 72 bits. */
    word = signal_through(CPTR(2, 5), &err);
    KT_EXPECT_ERR(err, AXL_E_FAILED_LOOKUP);
    KT_EXPECT_EQ(word, 0);
    leave_tree();
}

KTEST(CSP_010, "a lookup ends at the first capability that is not a CNode, ignoring the bits left "
               "over")
{
    long err;

    if (!enter_tree()) {
        return;
    }
    /* C1[4] is a notification with badge 0x40: the 36 bits below C1's index do not matter. */
    KT_EXPECT_EQ(signal_through(CPTR(4, 0), &err), 0x40);
    KT_EXPECT_OK(err);
    KT_EXPECT_EQ(signal_through(CPTR(4, 0xfffffffffull), &err), 0x40);
    KT_EXPECT_OK(err);
    /* C1[3]: C3 with a 16-bit guard takes bits 35..16; C3's index is bits 19..16, 16 bits left. */
    KT_EXPECT_EQ(signal_through(CPTR(3, 5ull << 16), &err), 0x5);
    KT_EXPECT_OK(err);
    KT_EXPECT_EQ(signal_through(CPTR(3, 5ull << 16 | 0xffff), &err), 0x5);
    KT_EXPECT_OK(err);
    /* An empty slot at the end of a path is found, and is no capability. */
    KT_EXPECT_EQ(signal_through(CPTR(1, 6), &err), 0);
    KT_EXPECT_ERR(err, AXL_E_INVALID_CAPABILITY);
    leave_tree();
}

/* --- untyped memory --- */

/* The slot of a boot device untyped of at least min_bits that does not cover avoid; 0 if none. */
static uint64_t device_untyped(unsigned min_bits, uint64_t avoid)
{
    for (uint64_t i = 0; i < axl_bootinfo->untyped_count && i < AXL_BOOT_MAX_UNTYPED; i++) {
        const struct axl_boot_untyped *u = &axl_bootinfo->untyped[i];
        bool covers = avoid >= u->paddr && avoid - u->paddr < (1ull << u->size_bits);
        if (u->device && u->size_bits >= min_bits && !covers) {
            return axl_bootinfo->untyped_first + i;
        }
    }
    return 0;
}

#define ECAM_BASE 0xb0000000ull /* test_vspace.c reads it through its own device untyped */

KTEST(CSP_011, "revoking an untyped returns its memory: full, it refuses more; after REVOKE it "
               "retypes again from its start")
{
    uint64_t ut = kt_retype1(AXL_OBJ_UNTYPED, 16), frames = kt_slots(16), more = kt_slot(),
             pa_first, pa_again;
    struct axl_cap_info info;

    KT_ASSERT_NE(ut, 0);
    KT_ASSERT_NE(frames, 0);
    KT_ASSERT_OK(axl_untyped_retype(ut, AXL_OBJ_FRAME, 0, ROOT, frames, 16));
    KT_ASSERT_OK(axl_page_address(frames, &pa_first));
    KT_EXPECT_ERR(axl_untyped_retype(ut, AXL_OBJ_ENDPOINT, 0, ROOT, more, 1),
                  AXL_E_NOT_ENOUGH_MEMORY);
    KT_ASSERT_OK(axl_cnode_revoke(ROOT, ut));
    KT_ASSERT_TRUE(kt_inspect(frames + 15, &info));
    KT_EXPECT_EQ(info.type, AXL_OBJ_NULL);
    KT_ASSERT_OK(axl_untyped_retype(ut, AXL_OBJ_UNTYPED, 16, ROOT, more, 1)); /* all of it */
    KT_ASSERT_OK(axl_untyped_retype(more, AXL_OBJ_FRAME, 0, ROOT, frames, 1));
    KT_ASSERT_OK(axl_page_address(frames, &pa_again));
    KT_EXPECT_EQ(pa_again, pa_first);
}

KTEST(CSP_012, "deleting an untyped that still has objects fails with REVOKE_FIRST and keeps both")
{
    uint64_t ut = kt_retype1(AXL_OBJ_UNTYPED, 12), ep = kt_slot();
    struct axl_cap_info info;

    KT_ASSERT_NE(ut, 0);
    KT_ASSERT_OK(axl_untyped_retype(ut, AXL_OBJ_ENDPOINT, 0, ROOT, ep, 1));
    KT_EXPECT_ERR(axl_cnode_delete(ROOT, ut), AXL_E_REVOKE_FIRST);
    KT_ASSERT_TRUE(kt_inspect(ut, &info));
    KT_EXPECT_EQ(info.type, AXL_OBJ_UNTYPED);
    KT_ASSERT_TRUE(kt_inspect(ep, &info));
    KT_EXPECT_EQ(info.type, AXL_OBJ_ENDPOINT);
    KT_ASSERT_OK(axl_cnode_revoke(ROOT, ut));
    KT_EXPECT_OK(axl_cnode_delete(ROOT, ut)); /* without objects it goes */
    KT_ASSERT_TRUE(kt_inspect(ut, &info));
    KT_EXPECT_EQ(info.type, AXL_OBJ_NULL);
}

KTEST(CSP_013, "an untyped's INSPECT reports the bytes in use: 0 when new, growing with each "
               "retype, 0 again after REVOKE")
{
    uint64_t ut = kt_retype1(AXL_OBJ_UNTYPED, 16), objs = kt_slots(2);
    struct axl_cap_info info;

    KT_ASSERT_NE(ut, 0);
    KT_ASSERT_NE(objs, 0);
    KT_ASSERT_TRUE(kt_inspect(ut, &info));
    KT_EXPECT_EQ(info.badge, 0);
    KT_EXPECT_EQ(info.size_bits, 16);
    KT_ASSERT_OK(axl_untyped_retype(ut, AXL_OBJ_FRAME, 0, ROOT, objs, 1));
    KT_ASSERT_OK(axl_untyped_retype(ut, AXL_OBJ_ENDPOINT, 0, ROOT, objs + 1, 1));
    KT_ASSERT_TRUE(kt_inspect(ut, &info));
    KT_EXPECT_EQ(info.badge, 4096 + 16);
    KT_ASSERT_OK(axl_cnode_revoke(ROOT, ut));
    KT_ASSERT_TRUE(kt_inspect(ut, &info));
    KT_EXPECT_EQ(info.badge, 0);
}

KTEST(CSP_014, "device untyped retypes into frames, large frames and untyped, and refuses kernel "
               "objects with ILLEGAL_OPERATION")
{
    static const unsigned kernel_objects[] = {
        AXL_OBJ_ENDPOINT, AXL_OBJ_NOTIFICATION,   AXL_OBJ_TCB,       AXL_OBJ_PML4,
        AXL_OBJ_PDPT,     AXL_OBJ_PAGE_DIRECTORY, AXL_OBJ_PAGE_TABLE};
    uint64_t dev = device_untyped(23, ECAM_BASE), slot;
    struct axl_cap_info info;

    KT_ASSERT_NE(dev, 0);
    for (unsigned i = 0; i < sizeof(kernel_objects) / sizeof(kernel_objects[0]); i++) {
        slot = kt_slot();
        long err = axl_untyped_retype(dev, kernel_objects[i], 0, ROOT, slot, 1);
        if (err != AXL_E_ILLEGAL_OPERATION) {
            kt_fail(__FILE__, __LINE__,
                    "device retype into type %u returned %s, expected "
                    "AXL_E_ILLEGAL_OPERATION",
                    kernel_objects[i], axl_errname(err));
        }
    }
    KT_EXPECT_ERR(axl_untyped_retype(dev, AXL_OBJ_CNODE, 4, ROOT, kt_slot(), 1),
                  AXL_E_ILLEGAL_OPERATION);
    slot = kt_slot();
    KT_EXPECT_OK(axl_untyped_retype(dev, AXL_OBJ_FRAME, 0, ROOT, slot, 1));
    KT_EXPECT_TRUE(kt_inspect(slot, &info));
    KT_EXPECT_EQ(info.type, AXL_OBJ_FRAME);
    slot = kt_slot();
    KT_EXPECT_OK(axl_untyped_retype(dev, AXL_OBJ_LARGE_FRAME, 0, ROOT, slot, 1));
    KT_EXPECT_TRUE(kt_inspect(slot, &info));
    KT_EXPECT_EQ(info.type, AXL_OBJ_LARGE_FRAME);
    slot = kt_slot();
    KT_EXPECT_OK(axl_untyped_retype(dev, AXL_OBJ_UNTYPED, 16, ROOT, slot, 1));
    KT_EXPECT_TRUE(kt_inspect(slot, &info));
    KT_EXPECT_EQ(info.type, AXL_OBJ_UNTYPED);
}

KTEST(CSP_015, "an untyped carved from device untyped is device memory too: it refuses kernel "
               "objects and gives frames")
{
    uint64_t dev = device_untyped(23, ECAM_BASE), child = kt_slot(), ep = kt_slot(),
             frame = kt_slot();
    struct axl_cap_info info;

    KT_ASSERT_NE(dev, 0);
    KT_ASSERT_OK(axl_untyped_retype(dev, AXL_OBJ_UNTYPED, 14, ROOT, child, 1));
    KT_EXPECT_ERR(axl_untyped_retype(child, AXL_OBJ_ENDPOINT, 0, ROOT, ep, 1),
                  AXL_E_ILLEGAL_OPERATION);
    KT_EXPECT_ERR(axl_untyped_retype(child, AXL_OBJ_CNODE, 2, ROOT, ep, 1),
                  AXL_E_ILLEGAL_OPERATION);
    KT_ASSERT_TRUE(kt_inspect(ep, &info));
    KT_EXPECT_EQ(info.type, AXL_OBJ_NULL);
    KT_EXPECT_OK(axl_untyped_retype(child, AXL_OBJ_FRAME, 0, ROOT, frame, 1));
}

KTEST(CSP_016, "types only the kernel makes are refused by retype with INVALID_ARGUMENT, from "
               "device untyped too, and leave the slot empty")
{
    static const unsigned kernel_made[] = {AXL_OBJ_REPLY, AXL_OBJ_IRQ_CONTROL, AXL_OBJ_IRQ_HANDLER,
                                           AXL_OBJ_IOPORT_CONTROL, AXL_OBJ_IOPORT};
    uint64_t ut = kt_untyped(12, 1), dev = device_untyped(23, ECAM_BASE);
    struct axl_cap_info info;

    KT_ASSERT_NE(ut, 0);
    KT_ASSERT_NE(dev, 0);
    for (unsigned i = 0; i < sizeof(kernel_made) / sizeof(kernel_made[0]); i++) {
        uint64_t slot = kt_slot();
        long err = axl_untyped_retype(ut, kernel_made[i], 12, ROOT, slot, 1);
        long derr = axl_untyped_retype(dev, kernel_made[i], 0, ROOT, slot, 1);
        if (err != AXL_E_INVALID_ARGUMENT || derr != AXL_E_INVALID_ARGUMENT) {
            kt_fail(__FILE__, __LINE__,
                    "type %u: retype returned %s, from device %s, expected "
                    "AXL_E_INVALID_ARGUMENT",
                    kernel_made[i], axl_errname(err), axl_errname(derr));
        }
        if (kt_inspect(slot, &info) && info.type != AXL_OBJ_NULL) {
            kt_fail(__FILE__, __LINE__, "type %u: the slot holds type %llu", kernel_made[i],
                    (unsigned long long)info.type);
        }
    }
}

KTEST(CSP_017, "PML4s retype several at once, each a separate address space")
{
    uint64_t first, tables;
    struct axl_cap_info info;

    KT_ASSERT_OK(kt_retype(AXL_OBJ_PML4, 0, 2, &first));
    KT_ASSERT_OK(kt_retype(AXL_OBJ_PDPT, 0, 2, &tables));
    for (uint64_t i = 0; i < 2; i++) {
        KT_ASSERT_TRUE(kt_inspect(first + i, &info));
        KT_EXPECT_EQ(info.type, AXL_OBJ_PML4);
    }
    /* A PDPT mapped into the first leaves the second's entry free. */
    KT_EXPECT_OK(axl_table_map(tables, first, 0));
    KT_EXPECT_OK(axl_table_map(tables + 1, first + 1, 0));
    KT_EXPECT_ERR(axl_table_map(tables + 1, first, 0), AXL_E_ILLEGAL_OPERATION);
}
