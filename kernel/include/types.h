/* SPDX-License-Identifier: MIT */
/*
 * types.h: scalar types and tiny helpers used everywhere in the kernel.
 *
 * Freestanding (only compiler-provided headers), so the same code also
 * builds on the host for the unit tests.
 */
#ifndef AXL_TYPES_H
#define AXL_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint64_t paddr_t; /* a physical address */
typedef uint64_t vaddr_t; /* a virtual address */

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define PAGE_SIZE 4096ull
#define PAGE_SHIFT 12

#define NORETURN __attribute__((noreturn))
#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))
#define UNUSED __attribute__((unused))

static inline uint64_t align_down(uint64_t x, uint64_t a) { return x & ~(a - 1); }

/* Rounds up; saturates at the largest aligned value instead of wrapping. */
static inline uint64_t align_up(uint64_t x, uint64_t a)
{
    uint64_t r = (x + a - 1) & ~(a - 1);
    return r < x ? align_down(UINT64_MAX, a) : r;
}

static inline uint64_t min_u64(uint64_t a, uint64_t b) { return a < b ? a : b; }
static inline uint64_t max_u64(uint64_t a, uint64_t b) { return a > b ? a : b; }

#endif /* AXL_TYPES_H */
