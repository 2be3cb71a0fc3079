/* SPDX-License-Identifier: MIT */
/*
 * test_vspace.c: address spaces (KT-VSP-*): mapping page tables and
 * frames, unmapping, rights and attributes, and what deleting or revoking
 * does to mappings (kernel/arch/x86_64/vspace.c; docs/abi.md, "Mapping
 * memory").
 *
 * Where a case reads or writes memory it does so in the root task's own
 * space (AXL_SLOT_VSPACE), through a page table of its own at ROOT_REGION
 * (1 GiB, far from the image at 4 MiB and the stack below 2 GiB, in a
 * page directory the boot code made). Memory is only touched after the
 * mapping succeeded: the root thread has no fault handler, so a page
 * fault would stop the whole suite. Everything else is observed through
 * error codes, mostly in fresh PML4s whose tables cover [0, 2 MiB): an
 * address is free exactly when a frame maps there without MAPPING.
 *
 * Table placement itself (TABLE_MAP rounds its address down to the span
 * the table covers) has cases of its own (VSP_031..VSP_033); the other
 * cases use addresses where a table lands in the same entry whichever
 * span it is rounded to, so that one mistake there does not fail them all.
 */
#include "ktest.h"

#define ROOT AXL_SLOT_CNODE
#define VSPACE AXL_SLOT_VSPACE
#define RO AXL_RIGHT_READ
#define RW (AXL_RIGHT_READ | AXL_RIGHT_WRITE)
#define PAGE 0x1000ull
#define LARGE 0x200000ull

#define ROOT_REGION 0x40000000ull      /* the root task's test page table covers 2 MiB here */
#define ROOT_LARGE_FIRST 0x41000000ull /* large frames in the root task's space, 2 MiB each */

static volatile uint64_t *at(uint64_t va) { return (volatile uint64_t *)(uintptr_t)va; }

/* --- the root task's test region --- */

static uint64_t root_pt;         /* slot of the page table at ROOT_REGION, 0 until made */
static unsigned root_pages_used; /* 4 KiB pages of ROOT_REGION handed out */
static unsigned root_large_used; /* 2 MiB slots from ROOT_LARGE_FIRST handed out */

/* A fresh, unmapped 4 KiB address in the root task's space under a page table; 0 if none. */
#define root_page() root_page_at(__FILE__, __LINE__)
static uint64_t root_page_at(const char *file, int line)
{
    if (!root_pt) {
        uint64_t pt = kt_retype1_at(AXL_OBJ_PAGE_TABLE, 0, file, line);
        if (!pt) {
            return 0;
        }
        long err = axl_table_map(pt, VSPACE, ROOT_REGION);
        if (err) {
            kt_fail(file, line, "TABLE_MAP of the test page table at 0x%llx: %s",
                    (unsigned long long)ROOT_REGION, axl_errname(err));
            return 0;
        }
        root_pt = pt;
    }
    if (root_pages_used >= 512) {
        kt_fail(file, line, "the root task's test region is used up");
        return 0;
    }
    return ROOT_REGION + PAGE * root_pages_used++;
}

/* A fresh 2 MiB-aligned address in the root task's space whose page-directory entry is free. */
static uint64_t root_large(void) { return ROOT_LARGE_FIRST + LARGE * root_large_used++; }

/* --- fresh address spaces --- */

/* The tables of an address space made by new_space. */
struct space {
    uint64_t pml4, pdpt, pd, pt;
};

/*
 * A new PML4 with a PDPT, a page directory and (if levels is 3) a page
 * table mapped at address 0, so the page table covers [0, 2 MiB). Fewer
 * levels stop earlier (0: the PML4 alone). Returns false, with a failure
 * recorded at the caller's line, if anything failed.
 */
#define new_space(s, levels) new_space_at((s), (levels), __FILE__, __LINE__)
static bool new_space_at(struct space *s, unsigned levels, const char *file, int line)
{
    static const unsigned types[] = {AXL_OBJ_PDPT, AXL_OBJ_PAGE_DIRECTORY, AXL_OBJ_PAGE_TABLE};
    uint64_t *slots[] = {&s->pdpt, &s->pd, &s->pt};

    *s = (struct space){0};
    s->pml4 = kt_retype1_at(AXL_OBJ_PML4, 0, file, line);
    if (!s->pml4) {
        return false;
    }
    for (unsigned i = 0; i < levels && i < 3; i++) {
        uint64_t t = kt_retype1_at(types[i], 0, file, line);
        if (!t) {
            return false;
        }
        long err = axl_table_map(t, s->pml4, 0);
        if (err) {
            kt_fail(file, line, "TABLE_MAP of a table of type %u at 0 in a new PML4: %s", types[i],
                    axl_errname(err));
            return false;
        }
        *slots[i] = t;
    }
    return true;
}

/* The root task's untyped i (from the boot information) that lies in slot ut. */
static const struct axl_boot_untyped *boot_untyped(uint64_t ut)
{
    uint64_t i = ut - axl_bootinfo->untyped_first;
    return i < axl_bootinfo->untyped_count ? &axl_bootinfo->untyped[i] : NULL;
}

/* ------------------------------------------------------------------------------------------- */

KTEST(VSP_001, "a fresh frame mapped read-write reads as zero and keeps what is written to it")
{
    uint64_t f = kt_retype1(AXL_OBJ_FRAME, 0), va = root_page();
    unsigned nonzero = 0;

    KT_ASSERT_NE(f, 0);
    KT_ASSERT_NE(va, 0);
    KT_ASSERT_OK(axl_page_map(f, VSPACE, va, RW, 0));
    for (unsigned i = 0; i < PAGE / 8; i++) {
        nonzero += at(va)[i] != 0;
    }
    KT_EXPECT_EQ(nonzero, 0);
    at(va)[0] = 0x1122334455667788ull;
    at(va)[511] = 0xfedcba9876543210ull;
    KT_EXPECT_EQ(at(va)[0], 0x1122334455667788ull);
    KT_EXPECT_EQ(at(va)[511], 0xfedcba9876543210ull);
}

KTEST(VSP_002, "PAGE_UNMAP frees the address: another frame maps there and reads its own zeroes")
{
    uint64_t a = kt_retype1(AXL_OBJ_FRAME, 0), b = kt_retype1(AXL_OBJ_FRAME, 0), va = root_page();

    KT_ASSERT_NE(a, 0);
    KT_ASSERT_NE(b, 0);
    KT_ASSERT_NE(va, 0);
    KT_ASSERT_OK(axl_page_map(a, VSPACE, va, RW, 0));
    at(va)[7] = 0xa5a5;
    KT_EXPECT_ERR(axl_page_map(b, VSPACE, va, RW, 0), AXL_E_MAPPING); /* taken by a */
    KT_ASSERT_OK(axl_page_unmap(a));
    KT_ASSERT_OK(axl_page_map(b, VSPACE, va, RW, 0));
    KT_EXPECT_EQ(at(va)[7], 0); /* b's memory, not a's */
}

KTEST(VSP_003, "a mapped frame capability cannot map at another address or in another PML4 "
               "(ILLEGAL_OPERATION)")
{
    uint64_t f = kt_retype1(AXL_OBJ_FRAME, 0), va = root_page(), other = root_page();
    struct space s;

    KT_ASSERT_NE(f, 0);
    KT_ASSERT_NE(other, 0);
    KT_ASSERT_TRUE(new_space(&s, 3));
    KT_ASSERT_OK(axl_page_map(f, VSPACE, va, RW, 0));
    KT_EXPECT_ERR(axl_page_map(f, VSPACE, other, RW, 0), AXL_E_ILLEGAL_OPERATION);
    KT_EXPECT_ERR(axl_page_map(f, s.pml4, 0x1000, RW, 0), AXL_E_ILLEGAL_OPERATION);
    KT_EXPECT_ERR(axl_page_map(f, s.pml4, va, RW, 0), AXL_E_ILLEGAL_OPERATION);
    /* After PAGE_UNMAP it maps anywhere. */
    KT_ASSERT_OK(axl_page_unmap(f));
    KT_EXPECT_OK(axl_page_map(f, s.pml4, 0x1000, RW, 0));
}

KTEST(VSP_004,
      "a frame mapped again at its own address takes the new rights and keeps its contents")
{
    uint64_t f = kt_retype1(AXL_OBJ_FRAME, 0), va = root_page();

    KT_ASSERT_NE(f, 0);
    KT_ASSERT_NE(va, 0);
    KT_ASSERT_OK(axl_page_map(f, VSPACE, va, RW, 0));
    at(va)[3] = 0xabcdef;
    KT_ASSERT_OK(axl_page_map(f, VSPACE, va, RO, 0)); /* fewer rights */
    KT_EXPECT_EQ(at(va)[3], 0xabcdef);
    KT_ASSERT_OK(axl_page_map(f, VSPACE, va, RW, 0)); /* and back */
    at(va)[3] = 0x123456;
    KT_EXPECT_EQ(at(va)[3], 0x123456);
}

KTEST(VSP_005, "a copy of a frame capability maps the same memory elsewhere: a write through one "
               "mapping reads back through the other")
{
    uint64_t f = kt_retype1(AXL_OBJ_FRAME, 0), copy = kt_slot(), va1 = root_page(),
             va2 = root_page(), pa1, pa2;

    KT_ASSERT_NE(f, 0);
    KT_ASSERT_NE(va2, 0);
    KT_ASSERT_OK(axl_cnode_copy(ROOT, copy, ROOT, f, AXL_RIGHTS_ALL));
    KT_ASSERT_OK(axl_page_map(f, VSPACE, va1, RW, 0));
    KT_ASSERT_OK(axl_page_map(copy, VSPACE, va2, RO, 0));
    at(va1)[100] = 0x5151515151515151ull;
    KT_EXPECT_EQ(at(va2)[100], 0x5151515151515151ull);
    at(va1)[100] = 7;
    KT_EXPECT_EQ(at(va2)[100], 7);
    KT_ASSERT_OK(axl_page_address(f, &pa1));
    KT_ASSERT_OK(axl_page_address(copy, &pa2));
    KT_EXPECT_EQ(pa1, pa2);
}

KTEST(VSP_006, "mapping a frame where a page table above the address is missing fails with MAPPING")
{
    uint64_t f = kt_retype1(AXL_OBJ_FRAME, 0);
    struct space bare, no_pt;

    KT_ASSERT_NE(f, 0);
    KT_ASSERT_TRUE(new_space(&bare, 0));
    KT_ASSERT_TRUE(new_space(&no_pt, 2));
    KT_EXPECT_ERR(axl_page_map(f, bare.pml4, 0x1000, RW, 0), AXL_E_MAPPING);        /* no PDPT */
    KT_EXPECT_ERR(axl_page_map(f, no_pt.pml4, 0x1000, RW, 0), AXL_E_MAPPING);       /* no PT */
    KT_EXPECT_ERR(axl_page_map(f, VSPACE, 0x20000000000ull, RW, 0), AXL_E_MAPPING); /* no PDPT */
    KT_EXPECT_ERR(axl_page_map(f, VSPACE, 0xc0000000ull, RW, 0), AXL_E_MAPPING);    /* no PD */
    /* None of the failures recorded a mapping: the frame still maps. */
    KT_EXPECT_OK(axl_page_map(f, VSPACE, root_page(), RO, 0));
}

KTEST(VSP_007, "mapping a frame at an address another frame holds fails with MAPPING and records "
               "nothing")
{
    uint64_t a = kt_retype1(AXL_OBJ_FRAME, 0), b = kt_retype1(AXL_OBJ_FRAME, 0);
    struct space s;

    KT_ASSERT_NE(b, 0);
    KT_ASSERT_TRUE(new_space(&s, 3));
    KT_ASSERT_OK(axl_page_map(a, s.pml4, 0x4000, RW, 0));
    KT_EXPECT_ERR(axl_page_map(b, s.pml4, 0x4000, RW, 0), AXL_E_MAPPING);
    KT_EXPECT_ERR(axl_page_map(b, s.pml4, 0x4000, RO, 0), AXL_E_MAPPING);
    KT_EXPECT_OK(axl_page_map(b, s.pml4, 0x5000, RW, 0)); /* b was not left half-mapped */
}

KTEST(VSP_008, "a frame address that is not 4 KiB aligned fails with ALIGNMENT")
{
    uint64_t f = kt_retype1(AXL_OBJ_FRAME, 0);
    struct space s;

    KT_ASSERT_NE(f, 0);
    KT_ASSERT_TRUE(new_space(&s, 3));
    KT_EXPECT_ERR(axl_page_map(f, s.pml4, 0x1001, RW, 0), AXL_E_ALIGNMENT);
    KT_EXPECT_ERR(axl_page_map(f, s.pml4, 0x1800, RW, 0), AXL_E_ALIGNMENT);
    KT_EXPECT_ERR(axl_page_map(f, s.pml4, 0x1ff8, RW, 0), AXL_E_ALIGNMENT);
    KT_EXPECT_OK(axl_page_map(f, s.pml4, 0x1000, RW, 0));
}

KTEST(VSP_009, "a frame at or above AXL_USER_TOP, or a large frame that would end above it, fails "
               "with RANGE")
{
    uint64_t f = kt_retype1(AXL_OBJ_FRAME, 0), large = kt_retype1(AXL_OBJ_LARGE_FRAME, 0);

    KT_ASSERT_NE(f, 0);
    KT_ASSERT_NE(large, 0);
    KT_EXPECT_ERR(axl_page_map(f, VSPACE, AXL_USER_TOP, RW, 0), AXL_E_RANGE);
    KT_EXPECT_ERR(axl_page_map(f, VSPACE, AXL_USER_TOP + PAGE, RW, 0), AXL_E_RANGE);
    KT_EXPECT_ERR(axl_page_map(f, VSPACE, 0xffff800000000000ull, RW, 0), AXL_E_RANGE);
    KT_EXPECT_ERR(axl_page_map(f, VSPACE, 0xfffffffffffff000ull, RW, 0), AXL_E_RANGE);
    KT_EXPECT_ERR(axl_page_map(large, VSPACE, 1ull << 47, RW, 0), AXL_E_RANGE);
    /* The last 2 MiB boundary below the top: the large frame would cross it. */
    KT_EXPECT_ERR(axl_page_map(large, VSPACE, (AXL_USER_TOP - 1) & ~(LARGE - 1), RW, 0),
                  AXL_E_RANGE);
    /* The last page below the top is in range: it only lacks tables. */
    KT_EXPECT_ERR(axl_page_map(f, VSPACE, AXL_USER_TOP - PAGE, RW, 0), AXL_E_MAPPING);
}

KTEST(VSP_010, "a read-only frame capability maps read-only; asking it for WRITE fails with "
               "INSUFFICIENT_RIGHTS")
{
    uint64_t f = kt_retype1(AXL_OBJ_FRAME, 0), ro = kt_slot(), va = root_page();

    KT_ASSERT_NE(f, 0);
    KT_ASSERT_NE(va, 0);
    KT_ASSERT_OK(axl_cnode_mint(ROOT, ro, ROOT, f, RO, 0));
    KT_EXPECT_ERR(axl_page_map(ro, VSPACE, va, RW, 0), AXL_E_INSUFFICIENT_RIGHTS);
    KT_ASSERT_OK(axl_page_map(ro, VSPACE, va, RO, 0));
    KT_EXPECT_EQ(at(va)[0], 0);
    /* Mapping it again at its own address cannot add WRITE either. */
    KT_EXPECT_ERR(axl_page_map(ro, VSPACE, va, RW, 0), AXL_E_INSUFFICIENT_RIGHTS);
}

KTEST(VSP_011, "a mapping without READ fails with INSUFFICIENT_RIGHTS: x86 has no write-only pages")
{
    uint64_t f = kt_retype1(AXL_OBJ_FRAME, 0);
    struct space s;

    KT_ASSERT_NE(f, 0);
    KT_ASSERT_TRUE(new_space(&s, 3));
    KT_EXPECT_ERR(axl_page_map(f, s.pml4, 0x1000, AXL_RIGHT_WRITE, 0), AXL_E_INSUFFICIENT_RIGHTS);
    KT_EXPECT_ERR(axl_page_map(f, s.pml4, 0x1000, 0, 0), AXL_E_INSUFFICIENT_RIGHTS);
    KT_EXPECT_OK(axl_page_map(f, s.pml4, 0x1000, RW, 0));
}

KTEST(VSP_012, "rights other than READ and WRITE, or unknown attribute bits, fail with "
               "INVALID_ARGUMENT")
{
    uint64_t f = kt_retype1(AXL_OBJ_FRAME, 0);
    struct space s;

    KT_ASSERT_NE(f, 0);
    KT_ASSERT_TRUE(new_space(&s, 3));
    KT_EXPECT_ERR(axl_page_map(f, s.pml4, 0x1000, RW | AXL_RIGHT_GRANT, 0), AXL_E_INVALID_ARGUMENT);
    KT_EXPECT_ERR(axl_page_map(f, s.pml4, 0x1000, RW, 0x4), AXL_E_INVALID_ARGUMENT);
    KT_EXPECT_ERR(axl_page_map(f, s.pml4, 0x1000, RW, 0x80000000u), AXL_E_INVALID_ARGUMENT);
    /* Bits above 32 count too (the kernel must not truncate the words). */
    const uint64_t bad_rights[] = {s.pml4, 0x1000, (1ull << 32) | RW, 0};
    const uint64_t bad_attr[] = {s.pml4, 0x1000, RW, 1ull << 40};
    KT_EXPECT_ERR(axl_invoke(f, AXL_INV_PAGE_MAP, 4, bad_rights, NULL), AXL_E_INVALID_ARGUMENT);
    KT_EXPECT_ERR(axl_invoke(f, AXL_INV_PAGE_MAP, 4, bad_attr, NULL), AXL_E_INVALID_ARGUMENT);
    KT_EXPECT_OK(axl_page_map(f, s.pml4, 0x1000, RW, AXL_MAP_EXECUTE | AXL_MAP_UNCACHED));
}

KTEST(VSP_013, "a page mapped with EXECUTE runs code written through another mapping of its frame")
{
    /* mov eax, 0x12345678; ret */
    static const uint8_t code[] = {0xb8, 0x78, 0x56, 0x34, 0x12, 0xc3};
    uint64_t f = kt_retype1(AXL_OBJ_FRAME, 0), x = kt_slot(), data = root_page(),
             text = root_page();

    KT_ASSERT_NE(f, 0);
    KT_ASSERT_NE(text, 0);
    KT_ASSERT_OK(axl_cnode_copy(ROOT, x, ROOT, f, AXL_RIGHTS_ALL));
    KT_ASSERT_OK(axl_page_map(f, VSPACE, data, RW, 0));
    KT_ASSERT_OK(axl_page_map(x, VSPACE, text, RO, AXL_MAP_EXECUTE));
    volatile uint8_t *p = (volatile uint8_t *)(uintptr_t)data;
    for (unsigned i = 0; i < sizeof(code); i++) {
        p[0x80 + i] = code[i];
    }
    uint32_t (*fn)(void) = (uint32_t(*)(void))(uintptr_t)(text + 0x80);
    KT_EXPECT_EQ(fn(), 0x12345678);
}

KTEST(VSP_014, "PAGE_ADDRESS: two frames retyped together lie 4096 bytes apart inside their "
               "untyped's region")
{
    uint64_t ut = kt_untyped(12, 2), first = kt_slots(2), a, b;
    const struct axl_boot_untyped *u = boot_untyped(ut);

    KT_ASSERT_NE(ut, 0);
    KT_ASSERT_NE(first, 0);
    KT_ASSERT_TRUE(u != NULL);
    KT_ASSERT_OK(axl_untyped_retype(ut, AXL_OBJ_FRAME, 0, ROOT, first, 2));
    KT_ASSERT_OK(axl_page_address(first, &a));
    KT_ASSERT_OK(axl_page_address(first + 1, &b));
    KT_EXPECT_EQ(a % PAGE, 0);
    KT_EXPECT_EQ(b, a + PAGE);
    KT_EXPECT_TRUE(a >= u->paddr && b + PAGE <= u->paddr + (1ull << u->size_bits));
}

KTEST(VSP_015, "a large frame needs a free page-directory entry: where a page table sits, or with "
               "no page directory, it fails with MAPPING")
{
    uint64_t large = kt_retype1(AXL_OBJ_LARGE_FRAME, 0);
    struct space s;

    KT_ASSERT_NE(large, 0);
    KT_ASSERT_NE(root_page(), 0); /* the root task's test page table exists */
    KT_ASSERT_TRUE(new_space(&s, 3));
    KT_EXPECT_ERR(axl_page_map(large, VSPACE, ROOT_REGION, RW, 0), AXL_E_MAPPING);
    KT_EXPECT_ERR(axl_page_map(large, s.pml4, 0, RW, 0), AXL_E_MAPPING);
    KT_EXPECT_ERR(axl_page_map(large, VSPACE, 0xc0000000ull, RW, 0), AXL_E_MAPPING); /* no PD */
    KT_EXPECT_OK(axl_page_map(large, s.pml4, LARGE, RW, 0)); /* the next entry is free */
}

KTEST(VSP_016, "a large frame address that is not 2 MiB aligned fails with ALIGNMENT")
{
    uint64_t large = kt_retype1(AXL_OBJ_LARGE_FRAME, 0);
    struct space s;

    KT_ASSERT_NE(large, 0);
    KT_ASSERT_TRUE(new_space(&s, 2));
    KT_EXPECT_ERR(axl_page_map(large, s.pml4, LARGE + PAGE, RW, 0), AXL_E_ALIGNMENT);
    KT_EXPECT_ERR(axl_page_map(large, s.pml4, LARGE + LARGE / 2, RW, 0), AXL_E_ALIGNMENT);
    KT_EXPECT_OK(axl_page_map(large, s.pml4, LARGE, RW, 0));
}

KTEST(VSP_017, "a large frame maps 2 MiB of zeroed, 2 MiB-aligned memory that keeps writes "
               "throughout")
{
    uint64_t large = kt_retype1(AXL_OBJ_LARGE_FRAME, 0), va = root_large(), pa;
    unsigned nonzero = 0;

    KT_ASSERT_NE(large, 0);
    KT_ASSERT_OK(axl_page_address(large, &pa));
    KT_EXPECT_EQ(pa % LARGE, 0);
    KT_ASSERT_OK(axl_page_map(large, VSPACE, va, RW, 0));
    for (uint64_t off = 0; off < LARGE; off += PAGE) {
        nonzero += at(va + off)[0] != 0;
        nonzero += at(va + off)[511] != 0;
    }
    KT_EXPECT_EQ(nonzero, 0);
    at(va)[0] = 1;
    at(va + LARGE - 8)[0] = 2;
    KT_EXPECT_EQ(at(va)[0], 1);
    KT_EXPECT_EQ(at(va + LARGE - 8)[0], 2);
}

KTEST(VSP_018, "a mapped table capability cannot be mapped again, anywhere (ILLEGAL_OPERATION)")
{
    struct space s, other;

    KT_ASSERT_TRUE(new_space(&s, 3));
    KT_ASSERT_TRUE(new_space(&other, 2));
    KT_EXPECT_ERR(axl_table_map(s.pt, s.pml4, 0), AXL_E_ILLEGAL_OPERATION);
    KT_EXPECT_ERR(axl_table_map(s.pt, other.pml4, 0), AXL_E_ILLEGAL_OPERATION);
    KT_EXPECT_ERR(axl_table_map(s.pdpt, s.pml4, 0), AXL_E_ILLEGAL_OPERATION);
    KT_EXPECT_ERR(axl_table_map(s.pd, s.pml4, 0), AXL_E_ILLEGAL_OPERATION);
}

KTEST(VSP_019, "TABLE_MAP into an entry that holds a table already fails with MAPPING")
{
    uint64_t pdpt = kt_retype1(AXL_OBJ_PDPT, 0), pd = kt_retype1(AXL_OBJ_PAGE_DIRECTORY, 0),
             pt = kt_retype1(AXL_OBJ_PAGE_TABLE, 0);
    struct space s, other;

    KT_ASSERT_NE(pt, 0);
    KT_ASSERT_NE(root_page(), 0);
    KT_ASSERT_TRUE(new_space(&s, 3));
    KT_EXPECT_ERR(axl_table_map(pdpt, s.pml4, 0), AXL_E_MAPPING);
    KT_EXPECT_ERR(axl_table_map(pd, s.pml4, 0), AXL_E_MAPPING);
    KT_EXPECT_ERR(axl_table_map(pt, s.pml4, 0), AXL_E_MAPPING);
    KT_EXPECT_ERR(axl_table_map(pt, VSPACE, ROOT_REGION), AXL_E_MAPPING);
    /* The failures recorded nothing: all three map into a PML4 with room. */
    KT_ASSERT_TRUE(new_space(&other, 0));
    KT_EXPECT_OK(axl_table_map(pdpt, other.pml4, 0));
    KT_EXPECT_OK(axl_table_map(pd, other.pml4, 0));
    KT_EXPECT_OK(axl_table_map(pt, other.pml4, 0));
}

KTEST(VSP_020, "PAGE_MAP and TABLE_MAP take only a PML4 as the address space (INVALID_CAPABILITY); "
               "a copy of a PML4 capability serves")
{
    uint64_t f = kt_retype1(AXL_OBJ_FRAME, 0), pt = kt_retype1(AXL_OBJ_PAGE_TABLE, 0),
             vs_copy = kt_slot(), empty = kt_slot(), va = root_page();
    struct space s;

    KT_ASSERT_NE(pt, 0);
    KT_ASSERT_NE(va, 0);
    KT_ASSERT_TRUE(new_space(&s, 1));
    KT_EXPECT_ERR(axl_page_map(f, ROOT, va, RW, 0), AXL_E_INVALID_CAPABILITY);
    KT_EXPECT_ERR(axl_page_map(f, s.pdpt, va, RW, 0), AXL_E_INVALID_CAPABILITY);
    KT_EXPECT_ERR(axl_page_map(f, empty, va, RW, 0), AXL_E_INVALID_CAPABILITY);
    KT_EXPECT_ERR(axl_page_map(f, AXL_SLOT_NULL, va, RW, 0), AXL_E_INVALID_CAPABILITY);
    KT_EXPECT_ERR(axl_table_map(pt, AXL_SLOT_TCB, 0), AXL_E_INVALID_CAPABILITY);
    KT_EXPECT_ERR(axl_table_map(pt, f, 0), AXL_E_INVALID_CAPABILITY);
    KT_ASSERT_OK(axl_cnode_copy(ROOT, vs_copy, ROOT, VSPACE, RO));
    KT_ASSERT_OK(axl_page_map(f, vs_copy, va, RW, 0));
    at(va)[1] = 99;
    KT_EXPECT_EQ(at(va)[1], 99);
}

KTEST(VSP_021, "TABLE_MAP at or above AXL_USER_TOP fails with RANGE")
{
    uint64_t pdpt = kt_retype1(AXL_OBJ_PDPT, 0), pt = kt_retype1(AXL_OBJ_PAGE_TABLE, 0);

    KT_ASSERT_NE(pt, 0);
    KT_EXPECT_ERR(axl_table_map(pdpt, VSPACE, AXL_USER_TOP), AXL_E_RANGE);
    KT_EXPECT_ERR(axl_table_map(pdpt, VSPACE, 0xffff800000000000ull), AXL_E_RANGE);
    KT_EXPECT_ERR(axl_table_map(pt, VSPACE, 0xffffffff80000000ull), AXL_E_RANGE);
    KT_EXPECT_ERR(axl_table_map(pt, VSPACE, ~0ull), AXL_E_RANGE);
}

KTEST(VSP_022, "TABLE_MAP of a table whose parent table is missing fails with MAPPING")
{
    uint64_t pd = kt_retype1(AXL_OBJ_PAGE_DIRECTORY, 0), pt = kt_retype1(AXL_OBJ_PAGE_TABLE, 0);
    struct space bare, upper;

    KT_ASSERT_NE(pt, 0);
    KT_ASSERT_TRUE(new_space(&bare, 0));
    KT_ASSERT_TRUE(new_space(&upper, 1));
    KT_EXPECT_ERR(axl_table_map(pd, bare.pml4, 0), AXL_E_MAPPING);  /* no PDPT */
    KT_EXPECT_ERR(axl_table_map(pt, bare.pml4, 0), AXL_E_MAPPING);  /* no PDPT */
    KT_EXPECT_ERR(axl_table_map(pt, upper.pml4, 0), AXL_E_MAPPING); /* no PD */
    KT_EXPECT_OK(axl_table_map(pd, upper.pml4, 0));
    KT_EXPECT_OK(axl_table_map(pt, upper.pml4, 0));
}

KTEST(VSP_023, "unmapping a page table removes what it mapped: mapped again, its old frame's "
               "address takes another frame")
{
    uint64_t a = kt_retype1(AXL_OBJ_FRAME, 0), b = kt_retype1(AXL_OBJ_FRAME, 0);
    struct space s;

    KT_ASSERT_NE(b, 0);
    KT_ASSERT_TRUE(new_space(&s, 3));
    KT_ASSERT_OK(axl_page_map(a, s.pml4, 0x5000, RW, 0));
    KT_ASSERT_ERR(axl_page_map(b, s.pml4, 0x5000, RW, 0), AXL_E_MAPPING);
    KT_ASSERT_OK(axl_table_unmap(s.pt));
    KT_EXPECT_ERR(axl_page_map(b, s.pml4, 0x5000, RW, 0), AXL_E_MAPPING); /* no table there */
    KT_ASSERT_OK(axl_table_map(s.pt, s.pml4, 0));
    KT_EXPECT_OK(axl_page_map(b, s.pml4, 0x5000, RW, 0)); /* a's entry did not survive */
}

KTEST(VSP_024, "unmapping a page directory takes the page table under it out of the space")
{
    uint64_t a = kt_retype1(AXL_OBJ_FRAME, 0), b = kt_retype1(AXL_OBJ_FRAME, 0);
    struct space s;

    KT_ASSERT_NE(b, 0);
    KT_ASSERT_TRUE(new_space(&s, 3));
    KT_ASSERT_OK(axl_page_map(a, s.pml4, 0x6000, RW, 0));
    KT_ASSERT_OK(axl_table_unmap(s.pd));
    KT_EXPECT_ERR(axl_page_map(b, s.pml4, 0x7000, RW, 0), AXL_E_MAPPING); /* PT unreachable */
    KT_ASSERT_OK(axl_table_map(s.pd, s.pml4, 0));
    KT_EXPECT_ERR(axl_page_map(b, s.pml4, 0x7000, RW, 0), AXL_E_MAPPING); /* the PD is empty */
    /* The page table's capability still records its old place: unmap it, then it maps. */
    KT_EXPECT_ERR(axl_table_map(s.pt, s.pml4, 0), AXL_E_ILLEGAL_OPERATION);
    KT_ASSERT_OK(axl_table_unmap(s.pt));
    KT_ASSERT_OK(axl_table_map(s.pt, s.pml4, 0));
    KT_EXPECT_OK(axl_page_map(b, s.pml4, 0x6000, RW, 0)); /* a's old entry is gone */
}

KTEST(VSP_025,
      "a frame whose page table was unmapped still records its mapping: it maps again only "
      "after PAGE_UNMAP")
{
    uint64_t a = kt_retype1(AXL_OBJ_FRAME, 0);
    struct space s;

    KT_ASSERT_NE(a, 0);
    KT_ASSERT_TRUE(new_space(&s, 3));
    KT_ASSERT_OK(axl_page_map(a, s.pml4, 0x5000, RW, 0));
    KT_ASSERT_OK(axl_table_unmap(s.pt));
    KT_ASSERT_OK(axl_table_map(s.pt, s.pml4, 0));
    KT_EXPECT_ERR(axl_page_map(a, s.pml4, 0x8000, RW, 0), AXL_E_ILLEGAL_OPERATION);
    KT_EXPECT_ERR(axl_page_map(a, s.pml4, 0x5000, RW, 0), AXL_E_ILLEGAL_OPERATION);
    KT_ASSERT_OK(axl_page_unmap(a));
    KT_EXPECT_OK(axl_page_map(a, s.pml4, 0x8000, RW, 0));
}

KTEST(VSP_026, "deleting a mapped frame capability unmaps it: another frame maps at its address")
{
    uint64_t a = kt_retype1(AXL_OBJ_FRAME, 0), b = kt_retype1(AXL_OBJ_FRAME, 0), va = root_page();

    KT_ASSERT_NE(b, 0);
    KT_ASSERT_NE(va, 0);
    KT_ASSERT_OK(axl_page_map(a, VSPACE, va, RW, 0));
    at(va)[9] = 0x77;
    KT_ASSERT_OK(axl_cnode_delete(ROOT, a));
    KT_ASSERT_OK(axl_page_map(b, VSPACE, va, RW, 0));
    KT_EXPECT_EQ(at(va)[9], 0);
}

KTEST(VSP_027, "a PML4 retyped from untyped takes tables and frames: a second frame at a mapped "
               "address fails with MAPPING")
{
    uint64_t a = kt_retype1(AXL_OBJ_FRAME, 0), b = kt_retype1(AXL_OBJ_FRAME, 0);
    struct space s;
    struct axl_cap_info info;

    KT_ASSERT_NE(b, 0);
    KT_ASSERT_TRUE(new_space(&s, 3));
    KT_ASSERT_TRUE(kt_inspect(s.pml4, &info));
    KT_EXPECT_EQ(info.type, AXL_OBJ_PML4);
    KT_EXPECT_EQ(info.rights, AXL_RIGHTS_ALL);
    KT_ASSERT_OK(axl_page_map(a, s.pml4, 0x3000, RW, 0));
    KT_EXPECT_ERR(axl_page_map(b, s.pml4, 0x3000, RW, 0), AXL_E_MAPPING);
    KT_EXPECT_OK(axl_page_map(b, s.pml4, 0x1ff000, RW, 0)); /* the table's last entry */
}

KTEST(VSP_028, "deleting a PML4 forgets its mappings: its frame and table capabilities unmap "
               "without error and map into another PML4")
{
    uint64_t f = kt_retype1(AXL_OBJ_FRAME, 0), g = kt_retype1(AXL_OBJ_FRAME, 0);
    struct space gone, s, fresh;

    KT_ASSERT_NE(g, 0);
    KT_ASSERT_TRUE(new_space(&gone, 3));
    KT_ASSERT_TRUE(new_space(&s, 3));
    KT_ASSERT_TRUE(new_space(&fresh, 0));
    KT_ASSERT_OK(axl_page_map(f, gone.pml4, 0x3000, RW, 0));
    KT_ASSERT_OK(axl_cnode_delete(ROOT, gone.pml4));
    KT_EXPECT_ERR(axl_page_map(g, gone.pml4, 0x3000, RW, 0), AXL_E_INVALID_CAPABILITY);
    KT_EXPECT_ERR(axl_page_map(f, s.pml4, 0x3000, RW, 0), AXL_E_ILLEGAL_OPERATION);
    KT_EXPECT_OK(axl_page_unmap(f));
    KT_EXPECT_OK(axl_page_map(f, s.pml4, 0x3000, RW, 0));
    KT_EXPECT_ERR(axl_table_map(gone.pdpt, fresh.pml4, 0), AXL_E_ILLEGAL_OPERATION);
    KT_EXPECT_OK(axl_table_unmap(gone.pdpt));
    KT_EXPECT_OK(axl_table_map(gone.pdpt, fresh.pml4, 0));
}

KTEST(VSP_029, "revoking an untyped unmaps the frames made from it: other frames then map at their "
               "addresses")
{
    uint64_t ut = kt_retype1(AXL_OBJ_UNTYPED, 13), frames = kt_slots(2),
             other = kt_retype1(AXL_OBJ_FRAME, 0), other2 = kt_retype1(AXL_OBJ_FRAME, 0);
    uint64_t va1 = root_page(), va2 = root_page();
    struct axl_cap_info info;

    KT_ASSERT_NE(ut, 0);
    KT_ASSERT_NE(frames, 0);
    KT_ASSERT_NE(other2, 0);
    KT_ASSERT_NE(va2, 0);
    KT_ASSERT_OK(axl_untyped_retype(ut, AXL_OBJ_FRAME, 0, ROOT, frames, 2));
    KT_ASSERT_OK(axl_page_map(frames, VSPACE, va1, RW, 0));
    KT_ASSERT_OK(axl_page_map(frames + 1, VSPACE, va2, RW, 0));
    at(va1)[0] = 1;
    at(va2)[0] = 2;
    KT_ASSERT_OK(axl_cnode_revoke(ROOT, ut));
    KT_ASSERT_TRUE(kt_inspect(frames, &info));
    KT_EXPECT_EQ(info.type, AXL_OBJ_NULL);
    KT_ASSERT_OK(axl_page_map(other, VSPACE, va1, RW, 0));
    KT_ASSERT_OK(axl_page_map(other2, VSPACE, va2, RW, 0));
    KT_EXPECT_EQ(at(va1)[0], 0);
    KT_EXPECT_EQ(at(va2)[0], 0);
}

KTEST(VSP_030, "a frame retyped again from reclaimed memory reads as zero, whatever was written "
               "there before")
{
    uint64_t ut = kt_retype1(AXL_OBJ_UNTYPED, 12), f = kt_slot(), again = kt_slot();
    uint64_t va1 = root_page(), va2 = root_page(), pa1, pa2;
    unsigned nonzero = 0;

    KT_ASSERT_NE(ut, 0);
    KT_ASSERT_NE(va2, 0);
    KT_ASSERT_OK(axl_untyped_retype(ut, AXL_OBJ_FRAME, 0, ROOT, f, 1));
    KT_ASSERT_OK(axl_page_address(f, &pa1));
    KT_ASSERT_OK(axl_page_map(f, VSPACE, va1, RW, 0));
    for (unsigned i = 0; i < PAGE / 8; i++) {
        at(va1)[i] = 0xdeadbeefcafef00dull;
    }
    KT_ASSERT_OK(axl_cnode_revoke(ROOT, ut));
    KT_ASSERT_OK(axl_untyped_retype(ut, AXL_OBJ_FRAME, 0, ROOT, again, 1));
    KT_ASSERT_OK(axl_page_address(again, &pa2));
    KT_EXPECT_EQ(pa2, pa1); /* the same memory, from the untyped's start */
    KT_ASSERT_OK(axl_page_map(again, VSPACE, va2, RO, 0));
    for (unsigned i = 0; i < PAGE / 8; i++) {
        nonzero += at(va2)[i] != 0;
    }
    KT_EXPECT_EQ(nonzero, 0);
}

/* --- where TABLE_MAP puts a table: rounded down to the span the table covers --- */

KTEST(VSP_031, "a PDPT, page directory and page table mapped at 0x8040201000 go into PML4 entry 1, "
               "PDPT entry 1 and PD entry 1, and serve a frame there")
{
    uint64_t pdpt = kt_retype1(AXL_OBJ_PDPT, 0), pd = kt_retype1(AXL_OBJ_PAGE_DIRECTORY, 0),
             pt = kt_retype1(AXL_OBJ_PAGE_TABLE, 0), f = kt_retype1(AXL_OBJ_FRAME, 0),
             g = kt_retype1(AXL_OBJ_FRAME, 0);
    const uint64_t va = 0x8040201000ull; /* PML4 1, PDPT 1, PD 1, PT 1 */
    struct space s;

    KT_ASSERT_NE(g, 0);
    KT_ASSERT_TRUE(new_space(&s, 0));
    KT_EXPECT_OK(axl_table_map(pdpt, s.pml4, va));
    KT_EXPECT_OK(axl_table_map(pd, s.pml4, va));
    KT_EXPECT_OK(axl_table_map(pt, s.pml4, va));
    KT_EXPECT_OK(axl_page_map(f, s.pml4, va, RW, 0));
    /* Nothing landed in the first entries, which cover address 0. */
    KT_EXPECT_ERR(axl_page_map(g, s.pml4, 0x1000, RW, 0), AXL_E_MAPPING);
    KT_EXPECT_ERR(axl_page_map(g, s.pml4, 0x8040001000ull, RW, 0), AXL_E_MAPPING);
    KT_EXPECT_ERR(axl_page_map(g, s.pml4, 0x8000201000ull, RW, 0), AXL_E_MAPPING);
}

KTEST(VSP_032, "a page table mapped at 0x200000 covers [2 MiB, 4 MiB), not the first 2 MiB")
{
    uint64_t pt = kt_retype1(AXL_OBJ_PAGE_TABLE, 0), f = kt_retype1(AXL_OBJ_FRAME, 0),
             g = kt_retype1(AXL_OBJ_FRAME, 0);
    struct space s;

    KT_ASSERT_NE(g, 0);
    KT_ASSERT_TRUE(new_space(&s, 2));
    KT_EXPECT_OK(axl_table_map(pt, s.pml4, LARGE + 0x3000));
    KT_EXPECT_OK(axl_page_map(f, s.pml4, LARGE, RW, 0));
    KT_EXPECT_ERR(axl_page_map(g, s.pml4, 0x1000, RW, 0), AXL_E_MAPPING);
}

KTEST(VSP_033, "a PDPT, page directory and page table mapped at 0x20000000000 in the root task's "
               "space let a frame there be written and read")
{
    const uint64_t va = 0x20000000000ull;
    uint64_t pdpt = kt_retype1(AXL_OBJ_PDPT, 0), pd = kt_retype1(AXL_OBJ_PAGE_DIRECTORY, 0),
             pt = kt_retype1(AXL_OBJ_PAGE_TABLE, 0), f = kt_retype1(AXL_OBJ_FRAME, 0);

    KT_ASSERT_NE(f, 0);
    KT_ASSERT_OK(axl_table_map(pdpt, VSPACE, va));
    KT_ASSERT_OK(axl_table_map(pd, VSPACE, va));
    KT_ASSERT_OK(axl_table_map(pt, VSPACE, va));
    KT_ASSERT_OK(axl_page_map(f, VSPACE, va, RW, 0)); /* only now is va safe to touch */
    at(va)[0] = 0x2000;
    KT_EXPECT_EQ(at(va)[0], 0x2000);
}

/* --- odds and ends --- */

KTEST(VSP_034, "unmapping a frame or table that is not mapped succeeds and changes nothing")
{
    uint64_t f = kt_retype1(AXL_OBJ_FRAME, 0), pt = kt_retype1(AXL_OBJ_PAGE_TABLE, 0);
    struct space s;

    KT_ASSERT_NE(pt, 0);
    KT_ASSERT_TRUE(new_space(&s, 2));
    KT_EXPECT_OK(axl_page_unmap(f));
    KT_EXPECT_OK(axl_table_unmap(pt));
    KT_ASSERT_OK(axl_page_map(f, VSPACE, root_page(), RW, 0));
    KT_EXPECT_OK(axl_page_unmap(f));
    KT_EXPECT_OK(axl_page_unmap(f)); /* twice */
    KT_EXPECT_OK(axl_table_map(pt, s.pml4, 0));
}

KTEST(VSP_035, "frame, table and PML4 capabilities refuse each other's labels with "
               "ILLEGAL_OPERATION")
{
    uint64_t f = kt_retype1(AXL_OBJ_FRAME, 0), pt = kt_retype1(AXL_OBJ_PAGE_TABLE, 0);
    const uint64_t map_args[] = {VSPACE, 0x1000};

    KT_ASSERT_NE(pt, 0);
    KT_EXPECT_ERR(axl_invoke(f, AXL_INV_TABLE_MAP, 2, map_args, NULL), AXL_E_ILLEGAL_OPERATION);
    KT_EXPECT_ERR(axl_invoke(f, AXL_INV_TABLE_UNMAP, 0, NULL, NULL), AXL_E_ILLEGAL_OPERATION);
    KT_EXPECT_ERR(axl_invoke(pt, AXL_INV_PAGE_ADDRESS, 0, NULL, NULL), AXL_E_ILLEGAL_OPERATION);
    KT_EXPECT_ERR(axl_invoke(pt, AXL_INV_PAGE_UNMAP, 0, NULL, NULL), AXL_E_ILLEGAL_OPERATION);
    KT_EXPECT_ERR(axl_invoke(VSPACE, AXL_INV_PAGE_UNMAP, 0, NULL, NULL), AXL_E_ILLEGAL_OPERATION);
    KT_EXPECT_ERR(axl_invoke(VSPACE, AXL_INV_TABLE_UNMAP, 0, NULL, NULL), AXL_E_ILLEGAL_OPERATION);
}

/*
 * The q35 host bridge (PCI 00:00.0, Intel 82G33/MCH, vendor 0x8086,
 * device 0x29c0) has its configuration space at the start of the PCI
 * ECAM window, which SeaBIOS places at 0xb0000000.
 */
#define ECAM_BASE 0xb0000000ull
#define Q35_HOST_BRIDGE_ID 0x29c08086u

KTEST(VSP_036, "a frame from device untyped maps the device itself: the q35 host bridge's PCI ID "
               "reads through ECAM at 0xb0000000")
{
    const struct axl_boot_untyped *u = NULL;
    uint64_t ut = 0, pa = 0, frame = kt_slot(), va = root_page();

    KT_ASSERT_NE(va, 0);
    for (uint64_t i = 0; i < axl_bootinfo->untyped_count && i < AXL_BOOT_MAX_UNTYPED; i++) {
        const struct axl_boot_untyped *c = &axl_bootinfo->untyped[i];
        if (c->device && c->paddr <= ECAM_BASE && ECAM_BASE - c->paddr < (1ull << c->size_bits)) {
            u = c;
            ut = axl_bootinfo->untyped_first + i;
        }
    }
    KT_ASSERT_TRUE(u != NULL);
    /*
     * Untyped children move the watermark up to ECAM_BASE: from what is in
     * use (INSPECT; another case may have carved some), each time the
     * largest naturally aligned block that does not pass it.
     */
    struct axl_cap_info info;
    KT_ASSERT_TRUE(kt_inspect(ut, &info));
    uint64_t at_off = info.badge, target = ECAM_BASE - u->paddr;
    KT_ASSERT_TRUE(at_off <= target);
    while (at_off < target) {
        unsigned b = AXL_UNTYPED_MIN_BITS;
        while (b < u->size_bits && at_off % (1ull << (b + 1)) == 0 &&
               target - at_off >= (1ull << (b + 1))) {
            b++;
        }
        KT_ASSERT_OK(axl_untyped_retype(ut, AXL_OBJ_UNTYPED, b, ROOT, kt_slot(), 1));
        at_off += 1ull << b;
    }
    KT_ASSERT_OK(axl_untyped_retype(ut, AXL_OBJ_FRAME, 0, ROOT, frame, 1));
    KT_ASSERT_OK(axl_page_address(frame, &pa));
    KT_ASSERT_EQ(pa, ECAM_BASE);
    KT_ASSERT_OK(axl_page_map(frame, VSPACE, va, RO, AXL_MAP_UNCACHED));
    KT_EXPECT_EQ(*(volatile uint32_t *)(uintptr_t)va, Q35_HOST_BRIDGE_ID);
}

KTEST(VSP_037, "PDPT, page-directory and page-table capabilities cannot be copied or minted "
               "(ILLEGAL_OPERATION); frame capabilities can")
{
    static const unsigned tables[] = {AXL_OBJ_PDPT, AXL_OBJ_PAGE_DIRECTORY, AXL_OBJ_PAGE_TABLE};
    uint64_t f = kt_retype1(AXL_OBJ_FRAME, 0), fcopy = kt_slot();
    struct axl_cap_info info;

    KT_ASSERT_NE(f, 0);
    for (unsigned i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
        uint64_t t = kt_retype1(tables[i], 0), dest = kt_slot();
        long copy = axl_cnode_copy(ROOT, dest, ROOT, t, AXL_RIGHTS_ALL);
        long mint = axl_cnode_mint(ROOT, dest, ROOT, t, AXL_RIGHTS_ALL, 0);
        if (copy != AXL_E_ILLEGAL_OPERATION || mint != AXL_E_ILLEGAL_OPERATION) {
            kt_fail(__FILE__, __LINE__,
                    "type %u: COPY returned %s, MINT %s, expected "
                    "AXL_E_ILLEGAL_OPERATION",
                    tables[i], axl_errname(copy), axl_errname(mint));
        }
        if (kt_inspect(dest, &info) && info.type != AXL_OBJ_NULL) {
            kt_fail(__FILE__, __LINE__, "type %u: the destination holds type %llu", tables[i],
                    (unsigned long long)info.type);
        }
    }
    KT_EXPECT_OK(axl_cnode_copy(ROOT, fcopy, ROOT, f, AXL_RIGHTS_ALL));
}
