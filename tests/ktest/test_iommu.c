/* SPDX-License-Identifier: MIT */
/*
 * test_iommu.c: IO spaces (KT-IOM-*): issuing one per PCI function from
 * the IOMMU control (AXL_SLOT_IOMMU_CONTROL), installing IO page tables
 * level by level, and mapping frames into them, with every refusal
 * (kernel/arch/x86_64/iospace.c; docs/abi.md, docs/iommu.md).
 *
 * The devfns used, 0x1f.5 to 0x1f.7, hold no device on q35: the IO space is real
 * (its context entry points at the tables made here) but nothing DMAs
 * through it. The ktest scenario runs with the iommu device; without one,
 * IOMMU_ISSUE is refused and the cases are skipped, saying so.
 */
#include <axl/edu.h>

#include "ktest.h"

#define ROOT AXL_SLOT_CNODE
#define CONTROL AXL_SLOT_IOMMU_CONTROL
/* Each case its own function (0x1f.7, .6, .5: empty on q35), since tables outlive a case. */
#define DEVFN 0xff

static long inv(uint64_t cap, unsigned label, uint64_t a0, uint64_t a1, uint64_t a2,
                struct axl_msg *reply)
{
    const uint64_t args[] = {a0, a1, a2};
    return axl_invoke(cap, label, 3, args, reply);
}

/* The IO space of devfn in a fresh slot, or 0 (the case is skipped) when remapping is off. */
static uint64_t space(unsigned devfn)
{
    uint64_t slot = kt_slot();
    const uint64_t args[] = {0, devfn, ROOT, slot};
    long err = axl_invoke(CONTROL, AXL_INV_IOMMU_ISSUE, 4, args, NULL);

    if (err == AXL_E_ILLEGAL_OPERATION) {
        kt_skip("no DMA remapping (run with the iommu device): IOMMU_ISSUE is refused");
        return 0;
    }
    KT_EXPECT_OK(err);
    return err == AXL_E_OK ? slot : 0;
}

/* Installs a new IO page table at iova; returns the level the kernel says, or 0. */
static unsigned install(uint64_t ios, uint64_t iova)
{
    uint64_t t = kt_retype1(AXL_OBJ_IO_PAGE_TABLE, 0);
    struct axl_msg r;
    long err = inv(t, AXL_INV_IO_TABLE_MAP, ios, iova, 0, &r);
    return err == AXL_E_OK ? (unsigned)r.mr[0] : 0;
}

KTEST(IOM_001, "IOMMU_ISSUE refuses a bus other than 0, a devfn past 255 and an occupied slot; "
               "issues an IO space with no faults")
{
    uint64_t slot = kt_slot();
    const uint64_t bus1[] = {1, 0, ROOT, slot}, far[] = {0, 256, ROOT, slot};
    uint64_t ios = space(DEVFN);
    struct axl_msg r;

    if (!ios) {
        return;
    }
    KT_EXPECT_ERR(axl_invoke(CONTROL, AXL_INV_IOMMU_ISSUE, 4, bus1, NULL), AXL_E_RANGE);
    KT_EXPECT_ERR(axl_invoke(CONTROL, AXL_INV_IOMMU_ISSUE, 4, far, NULL), AXL_E_RANGE);
    const uint64_t taken[] = {0, DEVFN, ROOT, ios};
    KT_EXPECT_ERR(axl_invoke(CONTROL, AXL_INV_IOMMU_ISSUE, 4, taken, NULL), AXL_E_DELETE_FIRST);
    KT_EXPECT_OK(axl_invoke(ios, AXL_INV_IOSPACE_FAULT, 0, NULL, &r));
    KT_EXPECT_EQ(r.mr[0], 0);
}

KTEST(IOM_002, "IO page tables install root first, then the 1 GiB and 2 MiB levels on the path; "
               "a fourth on the same path is MAPPING, one elsewhere starts at level 2 or 1")
{
    uint64_t ios = space(DEVFN - 1);

    if (!ios) {
        return;
    }
    KT_EXPECT_EQ(install(ios, 0x10000000), 3);
    KT_EXPECT_EQ(install(ios, 0x10000000), 2);
    KT_EXPECT_EQ(install(ios, 0x10000000), 1);
    uint64_t t = kt_retype1(AXL_OBJ_IO_PAGE_TABLE, 0);
    KT_EXPECT_ERR(inv(t, AXL_INV_IO_TABLE_MAP, ios, 0x10000000, 0, NULL), AXL_E_MAPPING);
    KT_EXPECT_EQ(install(ios, 0x10200000), 1);  /* same 1 GiB, next 2 MiB */
    KT_EXPECT_EQ(install(ios, 0x40000000), 2);  /* the next 1 GiB */
    KT_EXPECT_ERR(inv(t, AXL_INV_IO_TABLE_MAP, ios, 1ull << 39, 0, NULL), AXL_E_RANGE);
    /* Cleanup is the tables' deletion: the root's blocks the device again. */
}

KTEST(IOM_003, "IO_PAGE_MAP checks rights, alignment, range, the interrupt window and missing "
               "tables; maps once per capability; PAGE_MAP of an IO-mapped frame is refused")
{
    uint64_t ios = space(DEVFN - 2);

    if (!ios) {
        return;
    }
    uint64_t f = kt_retype1(AXL_OBJ_FRAME, 0), ro = kt_slot();
    KT_ASSERT_OK(axl_cnode_copy(ROOT, ro, ROOT, f, AXL_RIGHT_READ));
    KT_EXPECT_EQ(install(ios, 0x200000), 3);
    KT_EXPECT_ERR(inv(f, AXL_INV_IO_PAGE_MAP, ios, 0x200000, AXL_RIGHT_WRITE, NULL), AXL_E_MAPPING);
    KT_EXPECT_EQ(install(ios, 0x200000), 2);
    KT_EXPECT_EQ(install(ios, 0x200000), 1);
    KT_EXPECT_ERR(inv(f, AXL_INV_IO_PAGE_MAP, ios, 0x200000, 0, NULL), AXL_E_INVALID_ARGUMENT);
    KT_EXPECT_ERR(inv(f, AXL_INV_IO_PAGE_MAP, ios, 0x200000, AXL_RIGHT_GRANT, NULL),
                  AXL_E_INVALID_ARGUMENT);
    KT_EXPECT_ERR(inv(f, AXL_INV_IO_PAGE_MAP, ios, 0x200800, AXL_RIGHT_READ, NULL), AXL_E_ALIGNMENT);
    KT_EXPECT_ERR(inv(f, AXL_INV_IO_PAGE_MAP, ios, 1ull << 39, AXL_RIGHT_READ, NULL), AXL_E_RANGE);
    KT_EXPECT_ERR(inv(f, AXL_INV_IO_PAGE_MAP, ios, 0xfee00000, AXL_RIGHT_READ, NULL), AXL_E_RANGE);
    KT_EXPECT_ERR(inv(ro, AXL_INV_IO_PAGE_MAP, ios, 0x200000, AXL_RIGHT_WRITE, NULL),
                  AXL_E_INSUFFICIENT_RIGHTS);
    KT_EXPECT_ERR(inv(f, AXL_INV_IO_PAGE_MAP, ROOT, 0x200000, AXL_RIGHT_READ, NULL),
                  AXL_E_INVALID_CAPABILITY);
    KT_EXPECT_OK(inv(f, AXL_INV_IO_PAGE_MAP, ios, 0x200000, AXL_RIGHT_READ | AXL_RIGHT_WRITE, NULL));
    KT_EXPECT_ERR(inv(f, AXL_INV_IO_PAGE_MAP, ios, 0x201000, AXL_RIGHT_READ, NULL),
                  AXL_E_ILLEGAL_OPERATION); /* this capability is mapped */
    KT_EXPECT_ERR(inv(ro, AXL_INV_IO_PAGE_MAP, ios, 0x200000, AXL_RIGHT_READ, NULL),
                  AXL_E_MAPPING); /* the address is taken */
    KT_EXPECT_OK(inv(ro, AXL_INV_IO_PAGE_MAP, ios, 0x201000, AXL_RIGHT_READ, NULL));
    KT_EXPECT_ERR(axl_page_map(f, AXL_SLOT_VSPACE, 0x5000000000ull, AXL_RIGHT_READ, 0),
                  AXL_E_ILLEGAL_OPERATION);
    /* Unmapped, the address is free and the capability can map again. */
    KT_EXPECT_OK(axl_invoke(f, AXL_INV_IO_PAGE_UNMAP, 0, NULL, NULL));
    KT_EXPECT_OK(inv(ro, AXL_INV_IO_PAGE_UNMAP, 0, 0, 0, NULL));
    KT_EXPECT_OK(inv(ro, AXL_INV_IO_PAGE_MAP, ios, 0x200000, AXL_RIGHT_READ, NULL));
    KT_EXPECT_OK(inv(f, AXL_INV_IO_PAGE_MAP, ios, 0x202000, AXL_RIGHT_WRITE, NULL));
    KT_EXPECT_OK(axl_cnode_delete(ROOT, ro)); /* deleting a mapped capability unmaps it */
    KT_EXPECT_OK(axl_cnode_delete(ROOT, f));
}

KTEST(IOM_004, "IOSPACE_SET_NOTIFICATION needs a notification with WRITE, unbinds with 0, and "
               "a destroyed notification is forgotten")
{
    uint64_t ios = space(DEVFN - 3);

    if (!ios) {
        return;
    }
    uint64_t n = kt_retype1(AXL_OBJ_NOTIFICATION, 0), ro = kt_slot(), ep = kt_retype1(AXL_OBJ_ENDPOINT, 0);
    KT_ASSERT_OK(axl_cnode_copy(ROOT, ro, ROOT, n, AXL_RIGHT_READ));
    KT_EXPECT_ERR(axl_iospace_set_notification(ios, ep), AXL_E_INVALID_CAPABILITY);
    KT_EXPECT_ERR(axl_iospace_set_notification(ios, ro), AXL_E_INSUFFICIENT_RIGHTS);
    KT_EXPECT_ERR(axl_iospace_set_notification(ROOT, n), AXL_E_ILLEGAL_OPERATION);
    KT_EXPECT_OK(axl_iospace_set_notification(ios, n));
    KT_EXPECT_OK(axl_iospace_set_notification(ios, 0));
    KT_EXPECT_OK(axl_iospace_set_notification(ios, n));
    /* The kernel must drop its pointer: a later fault would otherwise signal freed memory. */
    KT_EXPECT_OK(axl_cnode_delete(ROOT, ro));
    KT_EXPECT_OK(axl_cnode_delete(ROOT, n));
    struct axl_io_fault f;
    KT_EXPECT_OK(axl_iospace_fault(ios, &f));
    KT_EXPECT_EQ(f.count, 0);
}

KTEST(IOM_005, "IOMMU_CHECKSUM gives the CRC-32 of RAM (a fresh frame: zeros), refuses device "
               "memory, an empty range and one crossing a page")
{
    static const uint8_t zeros[4096];
    uint64_t f = kt_retype1(AXL_OBJ_FRAME, 0), pa = 0;
    uint32_t crc = 0;

    KT_ASSERT_OK(axl_page_address(f, &pa));
    KT_EXPECT_OK(axl_iommu_checksum(CONTROL, pa, 4096, &crc));
    KT_EXPECT_EQ(crc, axl_edu_checksum(zeros, 4096));
    KT_EXPECT_OK(axl_iommu_checksum(CONTROL, pa + 100, 1, &crc));
    KT_EXPECT_EQ(crc, axl_edu_checksum(zeros, 1));
    KT_EXPECT_OK(axl_iommu_checksum(CONTROL, axl_bootinfo->kernel_phys, 64, &crc));
    KT_EXPECT_NE(crc, axl_edu_checksum(zeros, 64)); /* the Multiboot header is not zeros */
    KT_EXPECT_ERR(axl_iommu_checksum(CONTROL, pa, 0, &crc), AXL_E_RANGE);
    KT_EXPECT_ERR(axl_iommu_checksum(CONTROL, pa + 8, 4096, &crc), AXL_E_RANGE);
    KT_EXPECT_ERR(axl_iommu_checksum(CONTROL, 0xfee00000, 4, &crc), AXL_E_INVALID_ARGUMENT);
    KT_EXPECT_ERR(axl_iommu_checksum(CONTROL, 1ull << 46, 4, &crc), AXL_E_INVALID_ARGUMENT);
    KT_EXPECT_OK(axl_cnode_delete(ROOT, f));
}

KTEST(IOM_006, "deleting the root IO table before the tables and frames under it (a revoke "
               "deletes in any order) leaves the device blocked and the kernel standing")
{
    uint64_t ios = space(DEVFN - 4);

    if (!ios) {
        return;
    }
    uint64_t t[3], f = kt_retype1(AXL_OBJ_FRAME, 0);
    struct axl_msg r;
    for (unsigned i = 0; i < 3; i++) {
        t[i] = kt_retype1(AXL_OBJ_IO_PAGE_TABLE, 0);
        KT_ASSERT_OK(inv(t[i], AXL_INV_IO_TABLE_MAP, ios, 0x10000000, 0, &r));
        KT_EXPECT_EQ(r.mr[0], 3 - i);
    }
    KT_ASSERT_OK(inv(f, AXL_INV_IO_PAGE_MAP, ios, 0x10000000, AXL_RIGHT_READ, NULL));
    KT_EXPECT_OK(axl_cnode_delete(ROOT, t[0])); /* the root first */
    KT_EXPECT_OK(axl_cnode_delete(ROOT, t[1]));
    KT_EXPECT_OK(axl_cnode_delete(ROOT, f));
    KT_EXPECT_OK(axl_cnode_delete(ROOT, t[2]));
    /* A new root takes the device's context entry again. */
    uint64_t root = kt_retype1(AXL_OBJ_IO_PAGE_TABLE, 0);
    KT_EXPECT_OK(inv(root, AXL_INV_IO_TABLE_MAP, ios, 0, 0, &r));
    KT_EXPECT_EQ(r.mr[0], 3);
    KT_EXPECT_OK(axl_cnode_delete(ROOT, root));
}
