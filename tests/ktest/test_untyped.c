/* SPDX-License-Identifier: MIT */
/*
 * test_untyped.c: retyping untyped memory into objects (KT-RETYPE-*).
 *
 * The rules are untyped.c's and objects.h's: count objects go into
 * consecutive empty slots, each new capability has all rights, sizes come
 * from the AXL_OBJECT_TYPES table (size_bits for untyped and CNodes), and
 * the kernel alone makes the types whose size there is 0 from REPLY on.
 */
#include "ktest.h"

#define ROOT AXL_SLOT_CNODE

KTEST(RETYPE_001, "retyping into three endpoints fills three consecutive slots with endpoints")
{
    uint64_t first;
    struct axl_cap_info info;

    KT_ASSERT_OK(kt_retype(AXL_OBJ_ENDPOINT, 0, 3, &first));
    for (uint64_t s = first; s < first + 3; s++) {
        KT_ASSERT_TRUE(kt_inspect(s, &info));
        KT_EXPECT_EQ(info.type, AXL_OBJ_ENDPOINT);
        KT_EXPECT_EQ(info.rights, AXL_RIGHTS_ALL);
        KT_EXPECT_EQ(info.badge, 0);
    }
}

KTEST(RETYPE_002, "a retype whose slots are not all empty fails with DELETE_FIRST, makes nothing")
{
    uint64_t ut = kt_untyped(kt_object_bits(AXL_OBJ_NOTIFICATION, 0), 2);
    uint64_t free_slot = kt_slot(), taken = kt_retype1(AXL_OBJ_ENDPOINT, 0);
    struct axl_cap_info info;

    KT_ASSERT_NE(ut, 0);
    KT_ASSERT_EQ(taken, free_slot + 1); /* kt_slot hands out consecutive slots */
    KT_EXPECT_ERR(axl_untyped_retype(ut, AXL_OBJ_NOTIFICATION, 0, ROOT, free_slot, 2),
                  AXL_E_DELETE_FIRST);
    KT_ASSERT_TRUE(kt_inspect(free_slot, &info));
    KT_EXPECT_EQ(info.type, AXL_OBJ_NULL);
    KT_ASSERT_TRUE(kt_inspect(taken, &info));
    KT_EXPECT_EQ(info.type, AXL_OBJ_ENDPOINT);
}

KTEST(RETYPE_003, "retyping into an unknown object type fails with INVALID_ARGUMENT")
{
    uint64_t ut = kt_untyped(12, 1);

    KT_ASSERT_NE(ut, 0);
    KT_EXPECT_ERR(axl_untyped_retype(ut, AXL_OBJ_COUNT, 0, ROOT, kt_slot(), 1),
                  AXL_E_INVALID_ARGUMENT);
    KT_EXPECT_ERR(axl_untyped_retype(ut, AXL_OBJ_NULL, 0, ROOT, kt_slot(), 1),
                  AXL_E_INVALID_ARGUMENT);
}

KTEST(RETYPE_004, "reply, control, IRQ handler and I/O port capabilities cannot be retyped")
{
    static const unsigned kernel_made[] = {AXL_OBJ_REPLY, AXL_OBJ_IRQ_CONTROL, AXL_OBJ_IRQ_HANDLER,
                                           AXL_OBJ_IOPORT_CONTROL, AXL_OBJ_IOPORT};
    uint64_t ut = kt_untyped(12, 1);

    KT_ASSERT_NE(ut, 0);
    for (unsigned i = 0; i < sizeof(kernel_made) / sizeof(kernel_made[0]); i++) {
        uint64_t slot = kt_slot();
        long err = axl_untyped_retype(ut, kernel_made[i], 0, ROOT, slot, 1);
        if (err != AXL_E_INVALID_ARGUMENT) {
            kt_fail(__FILE__, __LINE__,
                    "retype into object type %u returned %s, expected "
                    "AXL_E_INVALID_ARGUMENT",
                    kernel_made[i], axl_errname(err));
        }
    }
}

KTEST(RETYPE_005, "a retype of zero objects fails with RANGE")
{
    uint64_t ut = kt_untyped(12, 1);

    KT_ASSERT_NE(ut, 0);
    KT_EXPECT_ERR(axl_untyped_retype(ut, AXL_OBJ_ENDPOINT, 0, ROOT, kt_slot(), 0), AXL_E_RANGE);
}

KTEST(RETYPE_006, "a retype running past the last slot of the CNode fails with FAILED_LOOKUP")
{
    uint64_t ut = kt_untyped(12, 1);
    const uint64_t last = (1ull << AXL_ROOT_CNODE_RADIX) - 1;

    KT_ASSERT_NE(ut, 0);
    KT_EXPECT_ERR(axl_untyped_retype(ut, AXL_OBJ_ENDPOINT, 0, ROOT, last, 2), AXL_E_FAILED_LOOKUP);
}

KTEST(RETYPE_007, "a CNode retyped with radix 4 reports radix 4")
{
    uint64_t cnode = kt_retype1(AXL_OBJ_CNODE, 4);
    struct axl_cap_info info;

    KT_ASSERT_NE(cnode, 0);
    KT_ASSERT_TRUE(kt_inspect(cnode, &info));
    KT_EXPECT_EQ(info.type, AXL_OBJ_CNODE);
    KT_EXPECT_EQ(info.size_bits, 4);
}

KTEST(RETYPE_008, "an untyped retyped from an untyped reports its size and can be retyped")
{
    uint64_t child = kt_retype1(AXL_OBJ_UNTYPED, 12), ep = kt_slot();
    struct axl_cap_info info;

    KT_ASSERT_NE(child, 0);
    KT_ASSERT_TRUE(kt_inspect(child, &info));
    KT_EXPECT_EQ(info.type, AXL_OBJ_UNTYPED);
    KT_EXPECT_EQ(info.size_bits, 12);
    KT_ASSERT_OK(axl_untyped_retype(child, AXL_OBJ_ENDPOINT, 0, ROOT, ep, 1));
    KT_ASSERT_TRUE(kt_inspect(ep, &info));
    KT_EXPECT_EQ(info.type, AXL_OBJ_ENDPOINT);
}

KTEST(RETYPE_009, "an untyped too small for the objects asked of it fails with NOT_ENOUGH_MEMORY")
{
    uint64_t child = kt_retype1(AXL_OBJ_UNTYPED, 12), frames = kt_slots(2);
    struct axl_cap_info info;

    KT_ASSERT_NE(child, 0);
    KT_EXPECT_ERR(axl_untyped_retype(child, AXL_OBJ_FRAME, 0, ROOT, frames, 2),
                  AXL_E_NOT_ENOUGH_MEMORY);
    KT_ASSERT_TRUE(kt_inspect(frames, &info));
    KT_EXPECT_EQ(info.type, AXL_OBJ_NULL);
    /* One frame does fit, and then nothing more does. */
    KT_EXPECT_OK(axl_untyped_retype(child, AXL_OBJ_FRAME, 0, ROOT, frames, 1));
    KT_EXPECT_ERR(axl_untyped_retype(child, AXL_OBJ_ENDPOINT, 0, ROOT, frames + 1, 1),
                  AXL_E_NOT_ENOUGH_MEMORY);
}
