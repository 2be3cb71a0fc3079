/* SPDX-License-Identifier: MIT */
/*
 * axl/edu.h: the limits and the checksum of the edu service (libipc), shared
 * by the driver (drivers/edu/) and its clients. Its operations, AXL_EDU_OPS,
 * are in <axl/protocols.h>; docs/driver.md explains the driver.
 *
 * The edu device has a 4 KiB buffer that DMA moves bytes into and out of.
 * A request names an offset into it and a count of bytes; both must keep the
 * transfer inside what the device model accepts (QEMU 7.2 aborts the whole
 * virtual machine on anything else), and inside what one message carries.
 * Pure: no system calls, so that the host unit test checks it too.
 */
#ifndef AXL_LIBIPC_EDU_H
#define AXL_LIBIPC_EDU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The device buffer: 4096 bytes, but QEMU 7.2 checks the end of a transfer
 * with an off-by-one, so offset + count must stay at or below 4095: the
 * largest transfer is 4095 bytes, and the buffer's last byte is never used.
 */
#define AXL_EDU_BUFFER_BYTES 4095u
/* Bytes one EDU_COPY_IN or EDU_COPY_OUT moves: what fits in one message with its other words. */
#define AXL_EDU_XFER_MAX 896u
/* EDU_FACTORIAL: the largest n (the device multiplies n times, in a host thread). */
#define AXL_EDU_FACTORIAL_MAX 65535u
/* EDU_BENCH_MAP: the most rounds one request times (the driver keeps every sample). */
#define AXL_EDU_BENCH_ROUNDS_MAX 1024u

/* Whether a transfer of count bytes at offset into the device buffer is a valid request. */
static inline bool axl_edu_xfer_ok(uint64_t offset, uint64_t count)
{
    return count >= 1 && count <= AXL_EDU_XFER_MAX && offset < AXL_EDU_BUFFER_BYTES &&
           count <= AXL_EDU_BUFFER_BYTES - offset;
}

/* The checksum of copied bytes: CRC-32 (IEEE 802.3, reflected, as zlib's crc32). */
static inline uint32_t axl_edu_checksum(const void *data, size_t n)
{
    const unsigned char *p = data;
    uint32_t c = 0xffffffffu;

    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++) {
            c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
        }
    }
    return ~c;
}

/* n! truncated to 32 bits, as the device computes it. */
static inline uint32_t axl_edu_factorial(uint32_t n)
{
    uint32_t f = 1;
    while (n > 1) {
        f *= n--;
    }
    return f;
}

/*
 * The median of n >= 1 samples, which are sorted in place (insertion sort: the benchmarks
 * keep at most a few thousand); of an even count, the mean of the middle two, rounded down.
 */
static inline uint64_t axl_edu_median(uint64_t *v, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        uint64_t x = v[i];
        size_t j = i;
        for (; j > 0 && v[j - 1] > x; j--) {
            v[j] = v[j - 1];
        }
        v[j] = x;
    }
    if (n == 0) {
        return 0;
    }
    return n % 2 ? v[n / 2] : v[n / 2 - 1] + (v[n / 2] - v[n / 2 - 1]) / 2;
}

#endif /* AXL_LIBIPC_EDU_H */
