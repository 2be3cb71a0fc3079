/* SPDX-License-Identifier: MIT */
/*
 * test_syscall.c: the system calls that need no second thread
 * (KT-SYS-*): yield, the non-blocking endpoint calls, and notifications
 * signalled and polled by the same thread.
 *
 * WAIT and POLL return the notification's word where a message's badge
 * comes back (rdi), which axl_wait and axl_poll hand out as *word.
 */
#include "ktest.h"

#define ROOT AXL_SLOT_CNODE

KTEST(SYS_001, "YIELD with no other thread to run returns at once with success")
{
    KT_EXPECT_OK(axl_yield());
    KT_EXPECT_OK(axl_yield());
}

KTEST(SYS_002, "POLL on a notification nobody signalled fails with WOULD_BLOCK")
{
    uint64_t ntfn = kt_retype1(AXL_OBJ_NOTIFICATION, 0), word = 1;

    KT_ASSERT_NE(ntfn, 0);
    KT_EXPECT_ERR(axl_poll(ntfn, &word), AXL_E_WOULD_BLOCK);
    KT_EXPECT_EQ(word, 0);
}

KTEST(SYS_003, "signals through two badged capabilities OR into the word; POLL takes and clears it")
{
    uint64_t ntfn = kt_retype1(AXL_OBJ_NOTIFICATION, 0), a = kt_slot(), b = kt_slot(), word;

    KT_ASSERT_NE(ntfn, 0);
    KT_ASSERT_OK(axl_cnode_mint(ROOT, a, ROOT, ntfn, AXL_RIGHT_WRITE, 0x11));
    KT_ASSERT_OK(axl_cnode_mint(ROOT, b, ROOT, ntfn, AXL_RIGHT_WRITE, 0x06));
    KT_ASSERT_OK(axl_signal(a));
    KT_ASSERT_OK(axl_signal(b));
    KT_ASSERT_OK(axl_signal(a));
    KT_EXPECT_OK(axl_poll(ntfn, &word));
    KT_EXPECT_EQ(word, 0x17);
    KT_EXPECT_ERR(axl_poll(ntfn, &word), AXL_E_WOULD_BLOCK);
}

KTEST(SYS_004, "WAIT on a notification already signalled returns at once with its word")
{
    uint64_t ntfn = kt_retype1(AXL_OBJ_NOTIFICATION, 0), badged = kt_slot(), word;

    KT_ASSERT_NE(ntfn, 0);
    KT_ASSERT_OK(axl_cnode_mint(ROOT, badged, ROOT, ntfn, AXL_RIGHTS_ALL, 0x100));
    KT_ASSERT_OK(axl_signal(badged));
    KT_EXPECT_OK(axl_wait(ntfn, &word));
    KT_EXPECT_EQ(word, 0x100);
}

KTEST(SYS_005, "signalling needs the write right: a read-only copy gets INSUFFICIENT_RIGHTS")
{
    uint64_t ntfn = kt_retype1(AXL_OBJ_NOTIFICATION, 0), ro = kt_slot(), word;

    KT_ASSERT_NE(ntfn, 0);
    KT_ASSERT_OK(axl_cnode_mint(ROOT, ro, ROOT, ntfn, AXL_RIGHT_READ, 1));
    KT_EXPECT_ERR(axl_signal(ro), AXL_E_INSUFFICIENT_RIGHTS);
    KT_EXPECT_ERR(axl_poll(ntfn, &word), AXL_E_WOULD_BLOCK); /* nothing was signalled */
}

KTEST(SYS_006, "NB_RECV on an endpoint with no sender fails with WOULD_BLOCK")
{
    uint64_t ep = kt_retype1(AXL_OBJ_ENDPOINT, 0);
    struct axl_msg m;

    KT_ASSERT_NE(ep, 0);
    KT_EXPECT_ERR(axl_nb_recv(ep, &m), AXL_E_WOULD_BLOCK);
}

KTEST(SYS_007, "NB_SEND on an endpoint with no receiver fails with WOULD_BLOCK")
{
    uint64_t ep = kt_retype1(AXL_OBJ_ENDPOINT, 0);
    struct axl_msg m = axl_message(1, 2);

    KT_ASSERT_NE(ep, 0);
    m.mr[0] = 0xdead;
    m.mr[1] = 0xbeef;
    KT_EXPECT_ERR(axl_nb_send(ep, &m), AXL_E_WOULD_BLOCK);
}
