/* SPDX-License-Identifier: MIT */
/*
 * axl/string.h: the <string.h> functions libipc provides (libipc).
 *
 * There is no C library yet, so user programs get the kernel's plain
 * implementations (kernel/lib/string.c, compiled into libipc). GCC may
 * call memcpy, memset, memmove and memcmp on its own for struct copies and
 * initialisers, so these keep their standard names and contracts.
 */
#ifndef AXL_LIBIPC_STRING_H
#define AXL_LIBIPC_STRING_H

#include <stddef.h>

void *memset(void *dst, int c, size_t n);
void *memcpy(void *restrict dst, const void *restrict src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);

#endif /* AXL_LIBIPC_STRING_H */
