/* SPDX-License-Identifier: MIT */
/*
 * fmt.h: a small, allocation-free printf engine (lib/fmt.c).
 *
 * Supports %d %i %u %x %X %o %c %s %p %% with the flags '-', '0', a width
 * and a precision (also '*'), and the length modifiers hh h l ll z t j.
 * No floating point. Safe on the panic path: no locks, no allocation.
 */
#ifndef AXL_FMT_H
#define AXL_FMT_H

#include <stdarg.h>
#include "types.h"

/*
 * Formats into buf (always NUL-terminated when size > 0) and returns the
 * length the full output would have had, like C11 vsnprintf.
 */
int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int ksnprintf(char *buf, size_t size, const char *fmt, ...) PRINTF_LIKE(3, 4);

/* The value of a hexadecimal digit (either case), or -1: for every parser of numbers, the
 * kernel's command line and the host crash decoder alike. */
static inline int fmt_digit_value(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

#endif /* AXL_FMT_H */
