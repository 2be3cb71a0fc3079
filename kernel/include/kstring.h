/* SPDX-License-Identifier: MIT */
/*
 * kstring.h: the few <string.h> functions the kernel needs (lib/string.c).
 * GCC may emit calls to memset/memcpy/memmove/memcmp on its own, so these
 * keep their standard names and contracts. Never blocks, never fails.
 */
#ifndef AXL_KSTRING_H
#define AXL_KSTRING_H

#include "types.h"

void *memset(void *dst, int c, size_t n);
void *memcpy(void *restrict dst, const void *restrict src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);

#endif /* AXL_KSTRING_H */
