/* SPDX-License-Identifier: MIT */
/*
 * string.c: memory and string primitives for a freestanding kernel.
 *
 * Plain loops; memset and memcpy move 8 bytes at a time when the
 * addresses allow, because retype clears every new object (up to a
 * 2 MiB frame) with memset. GCC may turn a loop that stores a constant
 * into a call to memset, which here would be memset calling itself; the
 * attribute keeps it from doing so.
 */
#include <kstring.h>

#define NO_LIBCALL __attribute__((optimize("no-tree-loop-distribute-patterns")))

NO_LIBCALL void *memset(void *dst, int c, size_t n)
{
    unsigned char *d = dst;
    if (((uintptr_t)d & 7) == 0) {
        uint64_t w = 0x0101010101010101ull * (unsigned char)c;
        uint64_t *q = (uint64_t *)d;
        for (; n >= 8; n -= 8) {
            *q++ = w;
        }
        d = (unsigned char *)q;
    }
    while (n--) {
        *d++ = (unsigned char)c;
    }
    return dst;
}

NO_LIBCALL void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    if ((((uintptr_t)d | (uintptr_t)s) & 7) == 0) {
        uint64_t *qd = (uint64_t *)d;
        const uint64_t *qs = (const uint64_t *)s;
        for (; n >= 8; n -= 8) {
            *qd++ = *qs++;
        }
        d = (unsigned char *)qd;
        s = (const unsigned char *)qs;
    }
    while (n--) {
        *d++ = *s++;
    }
    return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    if (d < s) {
        while (n--) {
            *d++ = *s++;
        }
    } else {
        while (n--) {
            d[n] = s[n];
        }
    }
    return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const unsigned char *x = a, *y = b;
    for (; n; n--, x++, y++) {
        if (*x != *y) {
            return *x - *y;
        }
    }
    return 0;
}

size_t strlen(const char *s)
{
    size_t n = 0;
    while (s[n]) {
        n++;
    }
    return n;
}

size_t strnlen(const char *s, size_t max)
{
    size_t n = 0;
    while (n < max && s[n]) {
        n++;
    }
    return n;
}

int strcmp(const char *a, const char *b)
{
    while (*a && *a == *b) {
        a++;
        b++;
    }
    return (unsigned char)*a - (unsigned char)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
    for (; n; n--, a++, b++) {
        if (*a != *b || !*a) {
            return (unsigned char)*a - (unsigned char)*b;
        }
    }
    return 0;
}
