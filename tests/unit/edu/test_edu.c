/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for the edu driver's pure logic: the request limits and the
 * checksum of <axl/edu.h> (shared with clients) and the device-level check
 * of drivers/edu/edu.h, against a model of what QEMU 7.2's edu device accepts
 * (reference: qemu-hardware.md, section 4). The property that matters: no
 * request the protocol accepts can ever make the device abort QEMU.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include <axl/edu.h>

#include "edu.h"

/* What the device model accepts for a transfer of count bytes at device address addr: the
 * start inside the 4 KiB buffer, a count above 0, and the end strictly below the buffer's end
 * (the off-by-one). Anything else is hw_error(): QEMU aborts. */
static bool qemu_accepts(uint64_t addr, uint64_t count)
{
    const uint64_t start = 0x40000, end = 0x41000;
    uint64_t last = addr + count;
    return addr >= start && addr < end && last > addr && last >= start && last < end;
}

static void test_device_check_matches_the_model(void **state)
{
    (void)state;
    for (uint64_t off = 0; off <= 4200; off++) {
        for (uint64_t count = 0; count <= 4200; count++) {
            bool ok = edu_dma_ok(off, count);
            if (ok != qemu_accepts(EDU_BUFFER_ADDR + off, count)) {
                fail_msg("offset %llu count %llu: driver says %d", (unsigned long long)off,
                         (unsigned long long)count, ok);
            }
        }
    }
    assert_true(edu_dma_ok(0, 4095));
    assert_false(edu_dma_ok(0, 4096));
    assert_false(edu_dma_ok(0, 0));
    assert_false(edu_dma_ok(4095, 1));
    assert_true(edu_dma_ok(4094, 1));
    assert_false(edu_dma_ok(UINT64_MAX, 2));        /* no wrap-around */
    assert_false(edu_dma_ok(1, UINT64_MAX));
    assert_false(edu_dma_ok(UINT64_MAX - 10, 20));
}

static void test_protocol_limits(void **state)
{
    (void)state;
    /* Everything the protocol lets through, the device accepts. */
    for (uint64_t off = 0; off <= 4200; off++) {
        for (uint64_t count = 0; count <= 1000; count++) {
            if (axl_edu_xfer_ok(off, count) && !edu_dma_ok(off, count)) {
                fail_msg("offset %llu count %llu passes the protocol but not the device",
                         (unsigned long long)off, (unsigned long long)count);
            }
        }
    }
    assert_true(axl_edu_xfer_ok(0, AXL_EDU_XFER_MAX));
    assert_false(axl_edu_xfer_ok(0, AXL_EDU_XFER_MAX + 1));
    assert_true(axl_edu_xfer_ok(AXL_EDU_BUFFER_BYTES - 1, 1));
    assert_false(axl_edu_xfer_ok(AXL_EDU_BUFFER_BYTES, 1));
    assert_true(axl_edu_xfer_ok(4 * AXL_EDU_XFER_MAX, AXL_EDU_BUFFER_BYTES - 4 * AXL_EDU_XFER_MAX));
    assert_false(axl_edu_xfer_ok(4000, 200));
    assert_false(axl_edu_xfer_ok(0, 0));
    assert_false(axl_edu_xfer_ok(0, 4096));
    assert_false(axl_edu_xfer_ok(UINT64_MAX, 1));
    assert_false(axl_edu_xfer_ok(1, UINT64_MAX));
    /* A whole buffer's worth goes in five messages. */
    assert_int_equal((AXL_EDU_BUFFER_BYTES + AXL_EDU_XFER_MAX - 1) / AXL_EDU_XFER_MAX, 5);
}

static void test_dma_command(void **state)
{
    (void)state;
    assert_int_equal(edu_dma_command(false, true), EDU_DMA_RUN | EDU_DMA_IRQ);
    assert_int_equal(edu_dma_command(true, true), EDU_DMA_RUN | EDU_DMA_IRQ | EDU_DMA_TO_RAM);
    assert_int_equal(edu_dma_command(true, false), EDU_DMA_RUN | EDU_DMA_TO_RAM);
    assert_int_equal(edu_dma_command(false, false), 0x1);
    assert_int_equal(EDU_DMA_RUN | EDU_DMA_TO_RAM | EDU_DMA_IRQ, 0x7);
}

static void test_checksum(void **state)
{
    (void)state;
    /* The standard check values of CRC-32 (zlib's crc32). */
    assert_int_equal(axl_edu_checksum("", 0), 0);
    assert_int_equal(axl_edu_checksum("a", 1), 0xe8b7be43u);
    assert_int_equal(axl_edu_checksum("123456789", 9), 0xcbf43926u);
    assert_int_equal(axl_edu_checksum("The quick brown fox jumps over the lazy dog", 43),
                     0x414fa339u);
    uint8_t zeros[4095];
    memset(zeros, 0, sizeof(zeros));
    uint32_t z = axl_edu_checksum(zeros, sizeof(zeros));
    zeros[2047] = 1; /* one bit changes it */
    assert_int_not_equal(axl_edu_checksum(zeros, sizeof(zeros)), z);
}

static void test_factorial(void **state)
{
    (void)state;
    assert_int_equal(axl_edu_factorial(0), 1);
    assert_int_equal(axl_edu_factorial(1), 1);
    assert_int_equal(axl_edu_factorial(5), 120);
    assert_int_equal(axl_edu_factorial(12), 479001600u);
    assert_int_equal(axl_edu_factorial(13), 1932053504u); /* 6227020800 mod 2^32 */
    assert_int_equal(axl_edu_factorial(20), 2192834560u);
    assert_int_equal(axl_edu_factorial(33), 2147483648u);
    assert_int_equal(axl_edu_factorial(34), 0); /* 2^32 divides 34! */
    assert_int_equal(axl_edu_factorial(AXL_EDU_FACTORIAL_MAX), 0);
}

/* The benchmarks' median (EDU_BENCH_MAP, edubench): sorts in place; even counts round down. */
static void test_median(void **state)
{
    (void)state;
    uint64_t one[] = {7};
    uint64_t odd[] = {5, 1, 9, 3, 7};
    uint64_t even[] = {10, 2, 4, 7};
    uint64_t big[] = {UINT64_MAX, UINT64_MAX - 2};
    uint64_t same[] = {4, 4, 4, 4, 4, 4};

    assert_int_equal(axl_edu_median(one, 1), 7);
    assert_int_equal(axl_edu_median(odd, 5), 5);
    for (unsigned i = 1; i < 5; i++) {
        assert_true(odd[i - 1] <= odd[i]);
    }
    assert_int_equal(axl_edu_median(even, 4), 5); /* (4 + 7) / 2, rounded down */
    assert_true(axl_edu_median(big, 2) == UINT64_MAX - 1); /* no overflow */
    assert_int_equal(axl_edu_median(same, 6), 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_device_check_matches_the_model),
        cmocka_unit_test(test_protocol_limits),
        cmocka_unit_test(test_dma_command),
        cmocka_unit_test(test_checksum),
        cmocka_unit_test(test_factorial),
        cmocka_unit_test(test_median),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
