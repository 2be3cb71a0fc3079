/* SPDX-License-Identifier: MIT */
/*
 * test_ioport.c: I/O-port capabilities (KT-IOP-*): issuing ranges from
 * the I/O-port control (AXL_SLOT_IOPORT_CONTROL), and IOPORT_IN/OUT with
 * their width, range and rights checks (kernel/arch/x86_64/ioport.c;
 * docs/abi.md, "I/O ports").
 *
 * The devices used are ones QEMU's q35 emulates the same way every time
 * and the kernel does not depend on: the scratch register of COM1's 16550
 * (port 0x3ff, a byte that keeps what is written and nothing else; the
 * kernel's serial driver never touches it) and the CMOS RTC's register D
 * through index port 0x70 and data port 0x71. Other ports are only read,
 * or only issued.
 */
#include "ktest.h"

#define ROOT AXL_SLOT_CNODE
#define CONTROL AXL_SLOT_IOPORT_CONTROL

#define COM1 0x3f8
#define COM1_LAST 0x3ff
#define COM1_SCR 0x3ff /* 16550 scratch register */
#define CMOS_INDEX 0x70
#define CMOS_DATA 0x71
#define CMOS_REG_D 0x0d /* bit 7: valid RAM and time; the rest read 0 */

/* A capability for [first, last] in a fresh slot; 0, with a failure recorded, if refused. */
#define issue(first, last) issue_at((first), (last), __FILE__, __LINE__)
static uint64_t issue_at(unsigned first, unsigned last, const char *file, int line)
{
    uint64_t slot = kt_slot();
    long err = axl_ioport_issue(CONTROL, first, last, ROOT, slot);

    if (err) {
        kt_fail(file, line, "IOPORT_ISSUE of 0x%x..0x%x: %s", first, last, axl_errname(err));
        return 0;
    }
    return slot;
}

/* IOPORT_ISSUE with 64-bit arguments, as the kernel receives them. */
static long issue_raw(uint64_t first, uint64_t last, uint64_t slot)
{
    const uint64_t args[] = {first, last, ROOT, slot};
    return axl_invoke(CONTROL, AXL_INV_IOPORT_ISSUE, 4, args, NULL);
}

/* IOPORT_IN with a 64-bit port number. */
static long in_raw(uint64_t cap, uint64_t port, uint64_t width)
{
    const uint64_t args[] = {port, width};
    return axl_invoke(cap, AXL_INV_IOPORT_IN, 2, args, NULL);
}

KTEST(IOP_001, "IOPORT_ISSUE with first above last, or last above 0xffff, fails with RANGE")
{
    uint64_t slot = kt_slot();
    struct axl_cap_info info;

    KT_EXPECT_ERR(axl_ioport_issue(CONTROL, 0x3ff, 0x3f8, ROOT, slot), AXL_E_RANGE);
    KT_EXPECT_ERR(axl_ioport_issue(CONTROL, 0xfff0, 0x10000, ROOT, slot), AXL_E_RANGE);
    KT_EXPECT_ERR(issue_raw(0x3f8, (1ull << 32) | 0x3ff, slot), AXL_E_RANGE);
    KT_EXPECT_ERR(issue_raw((1ull << 32) | 0x3f8, 0x3ff, slot), AXL_E_RANGE);
    KT_EXPECT_ERR(issue_raw(~0ull, ~0ull, slot), AXL_E_RANGE);
    KT_ASSERT_TRUE(kt_inspect(slot, &info));
    KT_EXPECT_EQ(info.type, AXL_OBJ_NULL);
    KT_EXPECT_OK(axl_ioport_issue(CONTROL, 0xffff, 0xffff, ROOT, slot)); /* the edge itself */
}

KTEST(IOP_002, "ranges touching the PIC ports 0x20-0x21 or 0xa0-0xa1 fail with ILLEGAL_OPERATION; "
               "their neighbours are issued")
{
    static const struct {
        unsigned first, last;
    } pic[] = {{0x20, 0x20}, {0x21, 0x21}, {0x10, 0x2f}, {0x00, 0xffff}, {0x21, 0xa0},
               {0xa0, 0xa0}, {0xa1, 0xa1}, {0x9f, 0xa0}, {0xa1, 0xa8}};
    static const struct {
        unsigned first, last;
    } beside[] = {{0x00, 0x1f}, {0x22, 0x9f}, {0xa2, 0xa2}, {0xa2, 0xffff}};

    for (unsigned i = 0; i < sizeof(pic) / sizeof(pic[0]); i++) {
        long err = axl_ioport_issue(CONTROL, pic[i].first, pic[i].last, ROOT, kt_slot());
        if (err != AXL_E_ILLEGAL_OPERATION) {
            kt_fail(__FILE__, __LINE__,
                    "issue of 0x%x..0x%x returned %s, expected "
                    "AXL_E_ILLEGAL_OPERATION",
                    pic[i].first, pic[i].last, axl_errname(err));
        }
    }
    for (unsigned i = 0; i < sizeof(beside) / sizeof(beside[0]); i++) {
        long err = axl_ioport_issue(CONTROL, beside[i].first, beside[i].last, ROOT, kt_slot());
        if (err != AXL_E_OK) {
            kt_fail(__FILE__, __LINE__, "issue of 0x%x..0x%x returned %s, expected AXL_E_OK",
                    beside[i].first, beside[i].last, axl_errname(err));
        }
    }
}

KTEST(IOP_003, "IOPORT_ISSUE into an occupied slot fails with DELETE_FIRST and leaves it as it was")
{
    uint64_t ep = kt_retype1(AXL_OBJ_ENDPOINT, 0);
    struct axl_cap_info info;

    KT_ASSERT_NE(ep, 0);
    KT_EXPECT_ERR(axl_ioport_issue(CONTROL, COM1, COM1_LAST, ROOT, ep), AXL_E_DELETE_FIRST);
    KT_EXPECT_ERR(axl_ioport_issue(CONTROL, COM1, COM1_LAST, ROOT, AXL_SLOT_TCB),
                  AXL_E_DELETE_FIRST);
    KT_ASSERT_TRUE(kt_inspect(ep, &info));
    KT_EXPECT_EQ(info.type, AXL_OBJ_ENDPOINT);
}

KTEST(IOP_004, "IOPORT_ISSUE needs a CNode and a slot inside it (INVALID_CAPABILITY, "
               "FAILED_LOOKUP)")
{
    uint64_t ep = kt_retype1(AXL_OBJ_ENDPOINT, 0);

    KT_ASSERT_NE(ep, 0);
    KT_EXPECT_ERR(axl_ioport_issue(CONTROL, COM1, COM1_LAST, ep, 20), AXL_E_INVALID_CAPABILITY);
    KT_EXPECT_ERR(axl_ioport_issue(CONTROL, COM1, COM1_LAST, kt_slot(), 20),
                  AXL_E_INVALID_CAPABILITY);
    KT_EXPECT_ERR(axl_ioport_issue(CONTROL, COM1, COM1_LAST, ROOT, 1ull << AXL_ROOT_CNODE_RADIX),
                  AXL_E_FAILED_LOOKUP);
}

KTEST(IOP_005, "an issued range is an I/O-port capability with all rights; overlapping ranges "
               "may be issued")
{
    uint64_t a = issue(COM1, COM1_LAST), b = issue(COM1_SCR, COM1_SCR), c = issue(0x3f0, 0x3ff);
    struct axl_cap_info info;

    KT_ASSERT_NE(c, 0);
    KT_ASSERT_TRUE(kt_inspect(a, &info));
    KT_EXPECT_EQ(info.type, AXL_OBJ_IOPORT);
    KT_EXPECT_EQ(info.rights, AXL_RIGHTS_ALL);
    KT_ASSERT_TRUE(kt_inspect(b, &info));
    KT_EXPECT_EQ(info.type, AXL_OBJ_IOPORT);
}

KTEST(IOP_006, "IOPORT_IN and IOPORT_OUT with a width other than 1, 2 or 4 fail with "
               "INVALID_ARGUMENT")
{
    static const unsigned bad[] = {0, 3, 5, 8, 16};
    uint64_t io = issue(COM1, COM1_LAST);
    uint32_t v;

    KT_ASSERT_NE(io, 0);
    for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        long in = axl_ioport_in(io, COM1, bad[i], &v);
        long out = axl_ioport_out(io, COM1_SCR, bad[i], 0);
        if (in != AXL_E_INVALID_ARGUMENT || out != AXL_E_INVALID_ARGUMENT) {
            kt_fail(__FILE__, __LINE__,
                    "width %u: IN returned %s, OUT %s, expected "
                    "AXL_E_INVALID_ARGUMENT",
                    bad[i], axl_errname(in), axl_errname(out));
        }
    }
    KT_EXPECT_ERR(in_raw(io, COM1, (1ull << 32) | 1), AXL_E_INVALID_ARGUMENT);
}

KTEST(IOP_007, "a port outside the range fails with RANGE, also an access of 2 or 4 bytes that "
               "runs past its last port")
{
    uint64_t io = issue(COM1, COM1_LAST);
    uint32_t v;

    KT_ASSERT_NE(io, 0);
    KT_EXPECT_ERR(axl_ioport_in(io, COM1 - 1, 1, &v), AXL_E_RANGE);
    KT_EXPECT_ERR(axl_ioport_in(io, COM1_LAST + 1, 1, &v), AXL_E_RANGE);
    KT_EXPECT_ERR(axl_ioport_in(io, COM1 - 1, 2, &v), AXL_E_RANGE);  /* starts before */
    KT_EXPECT_ERR(axl_ioport_in(io, COM1_LAST, 2, &v), AXL_E_RANGE); /* straddles the end */
    KT_EXPECT_ERR(axl_ioport_in(io, COM1_LAST - 2, 4, &v), AXL_E_RANGE);
    KT_EXPECT_ERR(axl_ioport_out(io, COM1_LAST + 1, 1, 0), AXL_E_RANGE);
    KT_EXPECT_ERR(axl_ioport_out(io, COM1_LAST, 2, 0), AXL_E_RANGE);
    KT_EXPECT_ERR(in_raw(io, (1ull << 16) | COM1, 1), AXL_E_RANGE);
    KT_EXPECT_ERR(in_raw(io, (1ull << 32) | COM1, 1), AXL_E_RANGE);
    /* Every byte inside is fine (reads of the UART's status registers change nothing). */
    KT_EXPECT_OK(axl_ioport_in(io, COM1_LAST - 3, 4, &v));
    KT_EXPECT_OK(axl_ioport_in(io, COM1_LAST - 1, 2, &v));
    KT_EXPECT_OK(axl_ioport_in(io, COM1_LAST, 1, &v));
}

KTEST(IOP_008, "a port number near 2^64 cannot wrap around past the range check (RANGE)")
{
    uint64_t io = issue(COM1, COM1_LAST);

    KT_ASSERT_NE(io, 0);
    /* port + width - 1 wraps to 0 or 1: a check that wraps lets these reach ports 0xfffd-0xffff. */
    KT_EXPECT_ERR(in_raw(io, ~0ull, 2), AXL_E_RANGE);
    KT_EXPECT_ERR(in_raw(io, ~0ull - 2, 4), AXL_E_RANGE);
    KT_EXPECT_ERR(in_raw(io, ~0ull, 4), AXL_E_RANGE);
}

KTEST(IOP_009, "a one-port range at 0xffff allows a 1-byte access, and a 2-byte one fails with "
               "RANGE")
{
    uint64_t io = issue(0xffff, 0xffff);
    uint32_t v;

    KT_ASSERT_NE(io, 0);
    KT_EXPECT_OK(axl_ioport_in(io, 0xffff, 1, &v)); /* nothing decodes it: reads 0xff */
    KT_EXPECT_EQ(v, 0xff);
    KT_EXPECT_ERR(axl_ioport_in(io, 0xffff, 2, &v), AXL_E_RANGE);
    KT_EXPECT_ERR(axl_ioport_in(io, 0xfffe, 1, &v), AXL_E_RANGE);
}

KTEST(IOP_010, "COM1's scratch register keeps what IOPORT_OUT writes to it, read back by "
               "IOPORT_IN")
{
    uint64_t io = issue(COM1, COM1_LAST);
    uint32_t v = 0;

    KT_ASSERT_NE(io, 0);
    KT_ASSERT_OK(axl_ioport_out(io, COM1_SCR, 1, 0xa5));
    KT_ASSERT_OK(axl_ioport_in(io, COM1_SCR, 1, &v));
    KT_EXPECT_EQ(v, 0xa5);
    KT_ASSERT_OK(axl_ioport_out(io, COM1_SCR, 1, 0x15a)); /* only the low byte goes out */
    KT_ASSERT_OK(axl_ioport_in(io, COM1_SCR, 1, &v));
    KT_EXPECT_EQ(v, 0x5a);
}

KTEST(IOP_011, "the CMOS RTC's register D reads 0x80 (valid RAM and time) through ports 0x70 and "
               "0x71")
{
    uint64_t io = issue(CMOS_INDEX, CMOS_DATA);
    uint32_t v = 0;

    KT_ASSERT_NE(io, 0);
    KT_ASSERT_OK(axl_ioport_out(io, CMOS_INDEX, 1, CMOS_REG_D));
    KT_ASSERT_OK(axl_ioport_in(io, CMOS_DATA, 1, &v));
    KT_EXPECT_EQ(v, 0x80);
}

KTEST(IOP_012, "IOPORT_OUT needs WRITE: through a read-only copy it fails with INSUFFICIENT_RIGHTS "
               "and the port keeps its value")
{
    uint64_t io = issue(COM1, COM1_LAST), ro = kt_slot();
    uint32_t v = 0;

    KT_ASSERT_NE(io, 0);
    KT_ASSERT_OK(axl_cnode_copy(ROOT, ro, ROOT, io, AXL_RIGHT_READ));
    KT_ASSERT_OK(axl_ioport_out(io, COM1_SCR, 1, 0x11));
    KT_EXPECT_ERR(axl_ioport_out(ro, COM1_SCR, 1, 0x22), AXL_E_INSUFFICIENT_RIGHTS);
    KT_ASSERT_OK(axl_ioport_in(ro, COM1_SCR, 1, &v)); /* reading is allowed */
    KT_EXPECT_EQ(v, 0x11);
}

KTEST(IOP_013, "IOPORT_IN needs READ: through a write-only copy it fails with INSUFFICIENT_RIGHTS")
{
    uint64_t io = issue(COM1, COM1_LAST), wo = kt_slot();
    uint32_t v = 0;

    KT_ASSERT_NE(io, 0);
    KT_ASSERT_OK(axl_cnode_mint(ROOT, wo, ROOT, io, AXL_RIGHT_WRITE, 0));
    KT_EXPECT_ERR(axl_ioport_in(wo, COM1_SCR, 1, &v), AXL_E_INSUFFICIENT_RIGHTS);
    KT_EXPECT_OK(axl_ioport_out(wo, COM1_SCR, 1, 0x33));
    KT_ASSERT_OK(axl_ioport_in(io, COM1_SCR, 1, &v));
    KT_EXPECT_EQ(v, 0x33);
}

KTEST(IOP_014, "the control refuses IN and OUT, and a range refuses ISSUE and other objects' "
               "labels (ILLEGAL_OPERATION)")
{
    uint64_t io = issue(COM1, COM1_LAST);
    const uint64_t issue_args[] = {COM1, COM1_LAST, ROOT, kt_slot()};
    const uint64_t in_args[] = {COM1_SCR, 1};
    uint32_t v;

    KT_ASSERT_NE(io, 0);
    KT_EXPECT_ERR(axl_ioport_in(CONTROL, COM1_SCR, 1, &v), AXL_E_ILLEGAL_OPERATION);
    KT_EXPECT_ERR(axl_ioport_out(CONTROL, COM1_SCR, 1, 0), AXL_E_ILLEGAL_OPERATION);
    KT_EXPECT_ERR(axl_invoke(io, AXL_INV_IOPORT_ISSUE, 4, issue_args, NULL),
                  AXL_E_ILLEGAL_OPERATION);
    KT_EXPECT_ERR(axl_invoke(io, AXL_INV_IRQ_ACK, 0, NULL, NULL), AXL_E_ILLEGAL_OPERATION);
    KT_EXPECT_ERR(axl_invoke(io, AXL_INV_PAGE_UNMAP, 0, NULL, NULL), AXL_E_ILLEGAL_OPERATION);
    KT_EXPECT_ERR(axl_invoke(AXL_SLOT_IRQ_CONTROL, AXL_INV_IOPORT_IN, 2, in_args, NULL),
                  AXL_E_ILLEGAL_OPERATION);
}

KTEST(IOP_015, "an issued range is not derived from the control: revoking the control leaves it")
{
    uint64_t io = issue(COM1, COM1_LAST);
    struct axl_cap_info info;
    uint32_t v;

    KT_ASSERT_NE(io, 0);
    KT_ASSERT_OK(axl_cnode_revoke(ROOT, CONTROL));
    KT_ASSERT_TRUE(kt_inspect(io, &info));
    KT_EXPECT_EQ(info.type, AXL_OBJ_IOPORT);
    KT_EXPECT_OK(axl_ioport_in(io, COM1_SCR, 1, &v));
    KT_ASSERT_TRUE(kt_inspect(CONTROL, &info));
    KT_EXPECT_EQ(info.type, AXL_OBJ_IOPORT_CONTROL);
}
