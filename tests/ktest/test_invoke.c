/* SPDX-License-Identifier: MIT */
/*
 * test_invoke.c: how the kernel decodes an invocation before doing it
 * (KT-INV-*): the capability must exist, and the label must be one the
 * object's type has (labels are unique across objects, invocations.h).
 */
#include "ktest.h"

#define ROOT AXL_SLOT_CNODE

KTEST(INV_001, "invoking or signalling the null slot fails with INVALID_CAPABILITY")
{
    struct axl_cap_info info;

    KT_EXPECT_ERR(axl_cnode_inspect(AXL_SLOT_NULL, AXL_SLOT_TCB, &info), AXL_E_INVALID_CAPABILITY);
    KT_EXPECT_ERR(axl_tcb_suspend(AXL_SLOT_NULL), AXL_E_INVALID_CAPABILITY);
    KT_EXPECT_ERR(axl_signal(AXL_SLOT_NULL), AXL_E_INVALID_CAPABILITY);
}

KTEST(INV_002, "invoking an empty slot fails with INVALID_CAPABILITY")
{
    uint64_t empty = kt_slot();
    uint64_t paddr;

    KT_EXPECT_ERR(axl_page_address(empty, &paddr), AXL_E_INVALID_CAPABILITY);
    KT_EXPECT_ERR(axl_cnode_delete(empty, 0), AXL_E_INVALID_CAPABILITY);
}

/*
 * Arguments a CNode copy would accept (an empty destination, the TCB as
 * source, all rights), so that the label is the only thing wrong.
 */
static long invoke_cnode_with(unsigned label)
{
    const uint64_t args[] = {kt_slot(), ROOT, AXL_SLOT_TCB, AXL_RIGHTS_ALL, 0};
    return axl_invoke(ROOT, label, 5, args, NULL);
}

KTEST(INV_003, "a CNode refuses labels of other objects' operations with ILLEGAL_OPERATION")
{
    static const unsigned foreign[] = {AXL_INV_TCB_SUSPEND, AXL_INV_PAGE_UNMAP, AXL_INV_IRQ_ACK,
                                       AXL_INV_UNTYPED_RETYPE, AXL_INV_IOPORT_OUT};

    for (unsigned i = 0; i < sizeof(foreign) / sizeof(foreign[0]); i++) {
        long err = invoke_cnode_with(foreign[i]);
        if (err != AXL_E_ILLEGAL_OPERATION) {
            kt_fail(__FILE__, __LINE__,
                    "label %u on a CNode returned %s, expected "
                    "AXL_E_ILLEGAL_OPERATION",
                    foreign[i], axl_errname(err));
        }
    }
}

KTEST(INV_004, "a label that no object has is refused with ILLEGAL_OPERATION")
{
    KT_EXPECT_ERR(invoke_cnode_with(0x7ff), AXL_E_ILLEGAL_OPERATION);
    KT_EXPECT_ERR(axl_invoke(AXL_SLOT_TCB, 0, 0, NULL, NULL), AXL_E_ILLEGAL_OPERATION);
    KT_EXPECT_ERR(axl_invoke(AXL_SLOT_IOPORT_CONTROL, 0x7ff, 0, NULL, NULL),
                  AXL_E_ILLEGAL_OPERATION);
}

KTEST(INV_005, "a frame reports a page-aligned physical address")
{
    uint64_t paddr;

    KT_ASSERT_OK(axl_page_address(AXL_SLOT_IPC_BUFFER, &paddr));
    KT_EXPECT_NE(paddr, 0);
    KT_EXPECT_EQ(paddr & 0xfff, 0);
}
