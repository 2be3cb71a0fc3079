/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for kernel/core/multiboot.c: Multiboot info validation.
 *
 * A 64 KiB fake physical memory holds the info structure, strings, the
 * memory map and the module list; the memory map itself may describe any
 * RAM (module contents are never read). Every malformed input must give
 * one clear message and a defined result, never a crash (ASan/UBSan).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <boot.h>
#include <multiboot.h>

#define MEM_SIZE 0x10000
#define MBI 0x1000
#define CMDLINE 0x2000
#define LOADER 0x2100
#define MMAP 0x3000
#define MODS 0x4000
#define MODSTR 0x5000
#define KSTART 0x100000
#define KEND 0x12c000

static uint8_t mem[MEM_SIZE];
static struct boot_info bi;
static char logs[16][256];
static int logl[16], nlogs;

static const void *fake_map(void *ctx, paddr_t phys, uint64_t len)
{
    (void)ctx;
    if (phys >= MEM_SIZE || len > MEM_SIZE - phys) {
        return NULL;
    }
    return mem + phys;
}

static const struct phys_reader rd = {fake_map, NULL};

static void logcb(int level, const char *msg)
{
    if (nlogs < 16) {
        snprintf(logs[nlogs], sizeof(logs[0]), "%s", msg);
        logl[nlogs] = level;
    }
    nlogs++;
}

static bool logged(const char *needle)
{
    for (int i = 0; i < nlogs && i < 16; i++) {
        if (strstr(logs[i], needle)) {
            return true;
        }
    }
    return false;
}

static struct mb_info *info(void) { return (struct mb_info *)(mem + MBI); }

static void put_mmap(unsigned i, uint64_t addr, uint64_t len, uint32_t type)
{
    struct mb_mmap_entry e = {20, addr, len, type};
    memcpy(mem + MMAP + i * sizeof(e), &e, sizeof(e));
    info()->mmap_length = (i + 1) * (uint32_t)sizeof(e);
}

static void put_module(unsigned i, uint32_t start, uint32_t end, const char *str)
{
    struct mb_module m = {start, end, MODSTR + i * 64, 0};
    memcpy(mem + MODS + i * sizeof(m), &m, sizeof(m));
    strcpy((char *)mem + MODSTR + i * 64, str);
    info()->mods_count = i + 1;
}

/* What QEMU 7.2's loader hands over (reference/qemu-hardware.md §1.3). */
static int setup_qemu_like(void **state)
{
    (void)state;
    memset(mem, 0, sizeof(mem));
    memset(&bi, 0, sizeof(bi));
    nlogs = 0;
    struct mb_info *mi = info();
    mi->flags = MB_INFO_MEM | MB_INFO_CMDLINE | MB_INFO_MODS | MB_INFO_MMAP | MB_INFO_LOADER;
    mi->mem_lower = 639;
    mi->mem_upper = 261120;
    strcpy((char *)mem + CMDLINE, "build/kernel/kernel.elf32 selftest=kernel-pf");
    mi->cmdline = CMDLINE;
    strcpy((char *)mem + LOADER, "qemu");
    mi->boot_loader_name = LOADER;
    mi->mmap_addr = MMAP;
    put_mmap(0, 0, 0x9fc00, 1);
    put_mmap(1, 0x9fc00, 0x400, 2);
    put_mmap(2, 0xf0000, 0x10000, 2);
    put_mmap(3, 0x100000, 0xfee0000, 1);
    put_mmap(4, 0xb0000000, 0x10000000, 2);
    mi->mods_addr = MODS;
    put_module(0, 0x12d000, 0x12d04e, "build/scenarios/hello/greeting.txt lang=en x=1");
    put_module(1, 0x12e000, 0x12e400, "numbers.bin");
    return 0;
}

static int parse(void)
{
    return boot_parse_multiboot(&rd, MB_BOOT_MAGIC, MBI, KSTART, KEND, &bi, logcb);
}

static void test_multiboot_accepts_qemu_info(void **state)
{
    (void)state;
    assert_int_equal(parse(), BOOT_OK);
    assert_int_equal(nlogs, 0);
    assert_string_equal(bi.cmdline, "build/kernel/kernel.elf32 selftest=kernel-pf");
    assert_string_equal(bi.loader, "qemu");
    assert_int_equal(bi.nregions, 5);
    assert_int_equal(bi.usable_bytes, 0x9fc00 + 0xfee0000);
    assert_int_equal(bi.mem_top, 0xffe0000);
    assert_int_equal(bi.nmodules, 2);
    assert_string_equal(bi.modules[0].name, "greeting.txt");
    assert_string_equal(bi.modules[0].args, "lang=en x=1");
    assert_string_equal(bi.modules[1].name, "numbers.bin");
    assert_string_equal(bi.modules[1].args, "");
    assert_int_equal(bi.reserved_end, 0x12e400);
}

static void test_multiboot_rejects_wrong_magic(void **state)
{
    (void)state;
    assert_int_equal(boot_parse_multiboot(&rd, 0x12345678, MBI, KSTART, KEND, &bi, logcb),
                     BOOT_E_MAGIC);
    assert_int_equal(nlogs, 1);
    assert_int_equal(logl[0], 0);
    assert_true(logged("not started by a Multiboot loader"));
}

static void test_multiboot_rejects_unreadable_info(void **state)
{
    (void)state;
    assert_int_equal(
        boot_parse_multiboot(&rd, MB_BOOT_MAGIC, MEM_SIZE - 8, KSTART, KEND, &bi, logcb),
        BOOT_E_NOINFO);
    assert_true(logged("is not readable"));
}

static void test_multiboot_no_mmap_falls_back_to_mem_fields(void **state)
{
    (void)state;
    info()->flags &= ~MB_INFO_MMAP;
    assert_int_equal(parse(), BOOT_OK);
    assert_int_equal(nlogs, 1);
    assert_true(logged("no usable memory map; using mem_lower=639 KiB and mem_upper=261120 KiB"));
    assert_int_equal(bi.nregions, 2);
    assert_int_equal(bi.mem_top, 0x100000 + 261120ull * 1024);
    assert_int_equal(bi.nmodules, 2);
}

static void test_multiboot_no_mmap_no_mem_is_one_clear_error(void **state)
{
    (void)state;
    info()->flags &= ~(MB_INFO_MMAP | MB_INFO_MEM);
    assert_int_equal(parse(), BOOT_E_NOMEM);
    assert_int_equal(nlogs, 1);
    assert_int_equal(logl[0], 0);
    assert_true(logged("has no memory map and no memory size"));
}

static void test_multiboot_mmap_without_ram_is_an_error(void **state)
{
    (void)state;
    info()->flags &= ~MB_INFO_MEM;
    info()->mmap_length = 0;
    put_mmap(0, 0xf0000, 0x10000, 2);
    assert_int_equal(parse(), BOOT_E_NOMEM);
    assert_true(logged("lists no available RAM"));
}

static void test_multiboot_short_mmap_entry_stops_the_walk(void **state)
{
    (void)state;
    uint32_t bad = 8; /* entry 2 claims 8 bytes: too short to hold addr/len/type */
    memcpy(mem + MMAP + 2 * 24, &bad, 4);
    assert_int_equal(parse(), BOOT_OK);
    assert_true(logged("memory map entry 2 has size 8 (< 20)"));
    assert_int_equal(bi.nregions, 2);
}

static void test_multiboot_mmap_entry_past_length(void **state)
{
    (void)state;
    info()->mmap_length = 24 * 4 + 10; /* the fifth entry is cut off */
    assert_int_equal(parse(), BOOT_OK);
    assert_true(logged("runs past the map's length"));
    assert_int_equal(bi.nregions, 4);
}

static void test_multiboot_mmap_unreadable_uses_mem_fields(void **state)
{
    (void)state;
    info()->mmap_addr = 0xfffff000;
    assert_int_equal(parse(), BOOT_OK);
    assert_true(logged("memory map at 0xfffff000"));
    assert_true(logged("using mem_lower"));
}

static void test_multiboot_too_many_regions_warns_once(void **state)
{
    (void)state;
    for (unsigned i = 0; i < BOOT_MAX_REGIONS + 10; i++) {
        put_mmap(i, 0x100000 + (uint64_t)i * 0x100000, 0x100000, 1);
    }
    assert_int_equal(parse(), BOOT_OK);
    assert_int_equal(bi.nregions, BOOT_MAX_REGIONS);
    assert_int_equal(nlogs, 1);
    assert_true(logged("more than 64 entries"));
}

static void test_multiboot_wrapping_region_is_clipped(void **state)
{
    (void)state;
    put_mmap(5, 0xfffffffffffff000ull, 0x2000, 2);
    assert_int_equal(parse(), BOOT_OK);
    assert_true(logged("wraps past 2^64"));
}

static void test_multiboot_module_past_end_of_ram_is_ignored(void **state)
{
    (void)state;
    put_module(2, 0xfff0000, 0x10010000, "big.bin");
    assert_int_equal(parse(), BOOT_OK);
    assert_int_equal(nlogs, 1);
    assert_true(logged("module 2 (big.bin) at 0xfff0000-0x10010000 lies outside available RAM (RAM "
                       "ends at 0xffe0000); ignored"));
    assert_int_equal(bi.nmodules, 2);
}

static void test_multiboot_module_inverted_range_is_ignored(void **state)
{
    (void)state;
    put_module(2, 0x200000, 0x1ff000, "inverted.bin");
    assert_int_equal(parse(), BOOT_OK);
    assert_true(
        logged("module 2 (inverted.bin) ends at 0x1ff000 before it starts at 0x200000; ignored"));
    assert_int_equal(bi.nmodules, 2);
}

static void test_multiboot_module_overlapping_kernel_or_module(void **state)
{
    (void)state;
    put_module(2, 0x120000, 0x121000, "onkernel.bin");
    put_module(3, 0x12d040, 0x12e000, "ongreeting.bin");
    assert_int_equal(parse(), BOOT_OK);
    assert_true(logged("overlaps the kernel image"));
    assert_true(logged("overlaps module greeting.txt"));
    assert_int_equal(bi.nmodules, 2);
}

static void test_multiboot_too_many_modules_are_capped(void **state)
{
    (void)state;
    for (unsigned i = 0; i < 20; i++) {
        put_module(i, 0x200000 + i * 0x1000, 0x200000 + i * 0x1000 + 16, "m.bin");
    }
    assert_int_equal(parse(), BOOT_OK);
    assert_int_equal(bi.nmodules, BOOT_MAX_MODULES);
    assert_true(logged("20 boot modules given; only the first 16 are used"));
}

static void test_multiboot_module_list_unreadable(void **state)
{
    (void)state;
    info()->mods_addr = 0xffff0000;
    assert_int_equal(parse(), BOOT_OK);
    assert_true(logged("module list at 0xffff0000 is not readable"));
    assert_int_equal(bi.nmodules, 0);
}

static void test_multiboot_bad_strings_are_bounded(void **state)
{
    (void)state;
    memset(mem + CMDLINE, 'a', MEM_SIZE - CMDLINE); /* no NUL before the end of readable memory */
    info()->boot_loader_name = 0x7fffffff;          /* unreadable */
    assert_int_equal(parse(), BOOT_OK);
    assert_true(logged("command line at 0x2000 is longer than 1023 bytes; cut"));
    assert_true(logged("boot loader name at 0x7fffffff is not readable; ignored"));
    assert_int_equal(strlen(bi.cmdline), 1023);
    assert_string_equal(bi.loader, "unknown");
}

static void test_multiboot_string_of_exactly_the_limit_is_not_cut(void **state)
{
    (void)state;
    memset(mem + CMDLINE, 'c', 1023);
    mem[CMDLINE + 1023] = '\0';
    assert_int_equal(parse(), BOOT_OK);
    assert_int_equal(nlogs, 0);
    assert_int_equal(strlen(bi.cmdline), 1023);
}

static void test_multiboot_string_running_into_unreadable_memory(void **state)
{
    (void)state;
    memset(mem + MEM_SIZE - 4, 'b', 4);
    info()->cmdline = MEM_SIZE - 4;
    assert_int_equal(parse(), BOOT_OK);
    assert_true(logged("runs into unreadable memory; cut at 4 bytes"));
    assert_string_equal(bi.cmdline, "bbbb");
}

static void test_boot_range_is_ram_spans_adjacent_regions(void **state)
{
    (void)state;
    info()->mmap_length = 0;
    put_mmap(0, 0x100000, 0x100000, 1);
    put_mmap(1, 0x200000, 0x100000, 1);
    put_mmap(2, 0x300000, 0x100000, 2);
    info()->mods_count = 0;
    assert_int_equal(parse(), BOOT_OK);
    assert_true(boot_range_is_ram(&bi, 0x1ff000, 0x201000));
    assert_false(boot_range_is_ram(&bi, 0x2ff000, 0x301000));
    assert_false(boot_range_is_ram(&bi, 0x80000, 0x100001));
    assert_false(boot_range_is_ram(&bi, 0x200000, 0x100000)); /* inverted */
}

static void test_boot_find_free_avoids_kernel_and_modules(void **state)
{
    (void)state;
    assert_int_equal(parse(), BOOT_OK);
    paddr_t at = boot_find_free(&bi, 0x3000, UINT64_MAX);
    assert_int_equal(at, 0x12f000); /* after kernel (to 0x12c000) and both modules */
    assert_int_equal(boot_find_free(&bi, 0x100000000ull, UINT64_MAX), PMM_NONE_ADDR);
    /* One page fits in the gap between the kernel's end and module 0. */
    assert_int_equal(boot_find_free(&bi, 0x1000, UINT64_MAX), 0x12c000);
    assert_int_equal(boot_find_free(&bi, 0x1000, 0x12c000), PMM_NONE_ADDR);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup(name, setup_qemu_like)
    const struct CMUnitTest tests[] = {
        T(test_multiboot_accepts_qemu_info),
        T(test_multiboot_rejects_wrong_magic),
        T(test_multiboot_rejects_unreadable_info),
        T(test_multiboot_no_mmap_falls_back_to_mem_fields),
        T(test_multiboot_no_mmap_no_mem_is_one_clear_error),
        T(test_multiboot_mmap_without_ram_is_an_error),
        T(test_multiboot_short_mmap_entry_stops_the_walk),
        T(test_multiboot_mmap_entry_past_length),
        T(test_multiboot_mmap_unreadable_uses_mem_fields),
        T(test_multiboot_too_many_regions_warns_once),
        T(test_multiboot_wrapping_region_is_clipped),
        T(test_multiboot_module_past_end_of_ram_is_ignored),
        T(test_multiboot_module_inverted_range_is_ignored),
        T(test_multiboot_module_overlapping_kernel_or_module),
        T(test_multiboot_too_many_modules_are_capped),
        T(test_multiboot_module_list_unreadable),
        T(test_multiboot_bad_strings_are_bounded),
        T(test_multiboot_string_of_exactly_the_limit_is_not_cut),
        T(test_multiboot_string_running_into_unreadable_memory),
        T(test_boot_range_is_ram_spans_adjacent_regions),
        T(test_boot_find_free_avoids_kernel_and_modules),
    };
#undef T
    return cmocka_run_group_tests_name("multiboot", tests, NULL, NULL);
}
