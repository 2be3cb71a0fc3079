/* SPDX-License-Identifier: MIT */
/*
 * test_cnode.c: the root task's initial capabilities and the CNode
 * operations on them (KT-CAP-*): copy, mint, move, mutate, delete, revoke
 * and inspect, through invocations of the root CNode (AXL_SLOT_CNODE).
 * The rules come from docs/capabilities.md: rights and badges only
 * narrow, a badge once set is fixed, an untyped has exactly one capability.
 */
#include "ktest.h"

#define ROOT AXL_SLOT_CNODE
#define RW (AXL_RIGHT_READ | AXL_RIGHT_WRITE)

KTEST(CAP_001, "the root task's TCB slot holds a capability to a thread (TCB)")
{
    struct axl_cap_info info;

    KT_ASSERT_TRUE(kt_inspect(AXL_SLOT_TCB, &info));
    KT_EXPECT_EQ(info.type, AXL_OBJ_TCB);
}

KTEST(CAP_002, "the root task starts with its CNode, PML4, controls and frames in the ABI's slots")
{
    static const struct {
        uint64_t slot;
        unsigned type;
    } initial[] = {
        {AXL_SLOT_CNODE, AXL_OBJ_CNODE},
        {AXL_SLOT_VSPACE, AXL_OBJ_PML4},
        {AXL_SLOT_IRQ_CONTROL, AXL_OBJ_IRQ_CONTROL},
        {AXL_SLOT_IOPORT_CONTROL, AXL_OBJ_IOPORT_CONTROL},
        {AXL_SLOT_BOOTINFO, AXL_OBJ_FRAME},
        {AXL_SLOT_IPC_BUFFER, AXL_OBJ_FRAME},
    };

    for (unsigned i = 0; i < sizeof(initial) / sizeof(initial[0]); i++) {
        struct axl_cap_info info;
        if (kt_inspect(initial[i].slot, &info) && info.type != initial[i].type) {
            kt_fail(__FILE__, __LINE__, "slot %llu holds object type %llu, expected %u",
                    (unsigned long long)initial[i].slot, (unsigned long long)info.type,
                    initial[i].type);
        }
    }
}

KTEST(CAP_003, "the root CNode has AXL_ROOT_CNODE_RADIX bits of slots")
{
    struct axl_cap_info info;

    KT_ASSERT_TRUE(kt_inspect(AXL_SLOT_CNODE, &info));
    KT_EXPECT_EQ(info.size_bits, AXL_ROOT_CNODE_RADIX);
}

KTEST(CAP_004, "an empty slot inspects as the null capability")
{
    struct axl_cap_info info;

    KT_ASSERT_TRUE(kt_inspect(kt_slot(), &info));
    KT_EXPECT_EQ(info.type, AXL_OBJ_NULL);
    KT_EXPECT_EQ(info.rights, 0);
}

KTEST(CAP_005, "a copy of a notification capability names a notification, rights narrowed")
{
    uint64_t ntfn = kt_retype1(AXL_OBJ_NOTIFICATION, 0), copy = kt_slot();
    struct axl_cap_info info;

    KT_ASSERT_NE(ntfn, 0);
    KT_ASSERT_OK(axl_cnode_copy(ROOT, copy, ROOT, ntfn, AXL_RIGHT_READ));
    KT_ASSERT_TRUE(kt_inspect(copy, &info));
    KT_EXPECT_EQ(info.type, AXL_OBJ_NOTIFICATION);
    KT_EXPECT_EQ(info.rights, AXL_RIGHT_READ);
    KT_EXPECT_EQ(info.badge, 0);
}

KTEST(CAP_006, "a minted notification capability carries its badge, and a copy of it keeps it")
{
    uint64_t ntfn = kt_retype1(AXL_OBJ_NOTIFICATION, 0), minted = kt_slot(), copy = kt_slot();
    struct axl_cap_info info;

    KT_ASSERT_NE(ntfn, 0);
    KT_ASSERT_OK(axl_cnode_mint(ROOT, minted, ROOT, ntfn, AXL_RIGHTS_ALL, 0x5a));
    KT_ASSERT_TRUE(kt_inspect(minted, &info));
    KT_EXPECT_EQ(info.badge, 0x5a);
    KT_ASSERT_OK(axl_cnode_copy(ROOT, copy, ROOT, minted, AXL_RIGHTS_ALL));
    KT_ASSERT_TRUE(kt_inspect(copy, &info));
    KT_EXPECT_EQ(info.badge, 0x5a);
    KT_ASSERT_TRUE(kt_inspect(ntfn, &info));
    KT_EXPECT_EQ(info.badge, 0); /* the original stays unbadged */
}

KTEST(CAP_007, "a badge, once set, cannot be replaced by minting again (ILLEGAL_OPERATION)")
{
    uint64_t ntfn = kt_retype1(AXL_OBJ_NOTIFICATION, 0), minted = kt_slot(), again = kt_slot();
    struct axl_cap_info info;

    KT_ASSERT_NE(ntfn, 0);
    KT_ASSERT_OK(axl_cnode_mint(ROOT, minted, ROOT, ntfn, AXL_RIGHTS_ALL, 1));
    KT_EXPECT_ERR(axl_cnode_mint(ROOT, again, ROOT, minted, AXL_RIGHTS_ALL, 2),
                  AXL_E_ILLEGAL_OPERATION);
    KT_ASSERT_TRUE(kt_inspect(again, &info));
    KT_EXPECT_EQ(info.type, AXL_OBJ_NULL);
}

KTEST(CAP_008, "copying or minting never adds rights the source lacks")
{
    uint64_t ntfn = kt_retype1(AXL_OBJ_NOTIFICATION, 0), ro = kt_slot(), copy = kt_slot(),
             minted = kt_slot();
    struct axl_cap_info info;

    KT_ASSERT_NE(ntfn, 0);
    KT_ASSERT_OK(axl_cnode_copy(ROOT, ro, ROOT, ntfn, AXL_RIGHT_READ));
    KT_ASSERT_OK(axl_cnode_copy(ROOT, copy, ROOT, ro, AXL_RIGHTS_ALL));
    KT_ASSERT_TRUE(kt_inspect(copy, &info));
    KT_EXPECT_EQ(info.rights, AXL_RIGHT_READ);
    KT_ASSERT_OK(axl_cnode_mint(ROOT, minted, ROOT, ro, AXL_RIGHTS_ALL, 7));
    KT_ASSERT_TRUE(kt_inspect(minted, &info));
    KT_EXPECT_EQ(info.rights, AXL_RIGHT_READ);
}

KTEST(CAP_009, "copying into an occupied slot fails with DELETE_FIRST and leaves it as it was")
{
    uint64_t ntfn = kt_retype1(AXL_OBJ_NOTIFICATION, 0), ep = kt_retype1(AXL_OBJ_ENDPOINT, 0);
    struct axl_cap_info info;

    KT_ASSERT_NE(ntfn, 0);
    KT_ASSERT_NE(ep, 0);
    KT_EXPECT_ERR(axl_cnode_copy(ROOT, ep, ROOT, ntfn, AXL_RIGHTS_ALL), AXL_E_DELETE_FIRST);
    KT_ASSERT_TRUE(kt_inspect(ep, &info));
    KT_EXPECT_EQ(info.type, AXL_OBJ_ENDPOINT);
}

KTEST(CAP_010, "copying from an empty slot fails with INVALID_CAPABILITY")
{
    uint64_t empty = kt_slot(), dest = kt_slot();

    KT_EXPECT_ERR(axl_cnode_copy(ROOT, dest, ROOT, empty, AXL_RIGHTS_ALL),
                  AXL_E_INVALID_CAPABILITY);
}

KTEST(CAP_011, "deleting a copy empties its slot and leaves the original")
{
    uint64_t ntfn = kt_retype1(AXL_OBJ_NOTIFICATION, 0), copy = kt_slot();
    struct axl_cap_info info;

    KT_ASSERT_NE(ntfn, 0);
    KT_ASSERT_OK(axl_cnode_copy(ROOT, copy, ROOT, ntfn, AXL_RIGHTS_ALL));
    KT_ASSERT_OK(axl_cnode_delete(ROOT, copy));
    KT_ASSERT_TRUE(kt_inspect(copy, &info));
    KT_EXPECT_EQ(info.type, AXL_OBJ_NULL);
    KT_ASSERT_TRUE(kt_inspect(ntfn, &info));
    KT_EXPECT_EQ(info.type, AXL_OBJ_NOTIFICATION);
}

KTEST(CAP_012, "moving a capability empties the source slot and fills the destination")
{
    uint64_t ep = kt_retype1(AXL_OBJ_ENDPOINT, 0), dest = kt_slot();
    struct axl_cap_info info;

    KT_ASSERT_NE(ep, 0);
    KT_ASSERT_OK(axl_cnode_move(ROOT, dest, ROOT, ep));
    KT_ASSERT_TRUE(kt_inspect(ep, &info));
    KT_EXPECT_EQ(info.type, AXL_OBJ_NULL);
    KT_ASSERT_TRUE(kt_inspect(dest, &info));
    KT_EXPECT_EQ(info.type, AXL_OBJ_ENDPOINT);
    KT_EXPECT_EQ(info.rights, AXL_RIGHTS_ALL);
}

KTEST(CAP_013, "mutating a capability without copies moves it with its rights narrowed")
{
    uint64_t ep = kt_retype1(AXL_OBJ_ENDPOINT, 0), dest = kt_slot();
    struct axl_cap_info info;

    KT_ASSERT_NE(ep, 0);
    KT_ASSERT_OK(axl_cnode_mutate(ROOT, dest, ROOT, ep, AXL_RIGHT_WRITE));
    KT_ASSERT_TRUE(kt_inspect(dest, &info));
    KT_EXPECT_EQ(info.type, AXL_OBJ_ENDPOINT);
    KT_EXPECT_EQ(info.rights, AXL_RIGHT_WRITE);
}

KTEST(CAP_014, "revoking a capability deletes its copies and keeps it")
{
    uint64_t ntfn = kt_retype1(AXL_OBJ_NOTIFICATION, 0), a = kt_slot(), b = kt_slot();
    struct axl_cap_info info;

    KT_ASSERT_NE(ntfn, 0);
    KT_ASSERT_OK(axl_cnode_copy(ROOT, a, ROOT, ntfn, RW));
    KT_ASSERT_OK(axl_cnode_mint(ROOT, b, ROOT, a, RW, 3)); /* a grandchild */
    KT_ASSERT_OK(axl_cnode_revoke(ROOT, ntfn));
    KT_ASSERT_TRUE(kt_inspect(a, &info));
    KT_EXPECT_EQ(info.type, AXL_OBJ_NULL);
    KT_ASSERT_TRUE(kt_inspect(b, &info));
    KT_EXPECT_EQ(info.type, AXL_OBJ_NULL);
    KT_ASSERT_TRUE(kt_inspect(ntfn, &info));
    KT_EXPECT_EQ(info.type, AXL_OBJ_NOTIFICATION);
}

KTEST(CAP_015, "an untyped capability cannot be copied (ILLEGAL_OPERATION)")
{
    uint64_t ut = kt_untyped(AXL_UNTYPED_MIN_BITS, 1), dest = kt_slot(); /* any untyped */

    KT_ASSERT_NE(ut, 0);
    KT_EXPECT_ERR(axl_cnode_copy(ROOT, dest, ROOT, ut, AXL_RIGHTS_ALL), AXL_E_ILLEGAL_OPERATION);
}

KTEST(CAP_016, "a slot index past the end of the root CNode fails with FAILED_LOOKUP")
{
    const uint64_t past = 1ull << AXL_ROOT_CNODE_RADIX;
    struct axl_cap_info info;

    KT_EXPECT_ERR(axl_cnode_delete(ROOT, past), AXL_E_FAILED_LOOKUP);
    KT_EXPECT_ERR(axl_cnode_inspect(ROOT, past, &info), AXL_E_FAILED_LOOKUP);
    KT_EXPECT_ERR(axl_cnode_copy(ROOT, past, ROOT, AXL_SLOT_TCB, AXL_RIGHTS_ALL),
                  AXL_E_FAILED_LOOKUP);
}
