/* SPDX-License-Identifier: MIT */
/*
 * axl/string.h: memcpy, memset, strlen and the rest (libipc).
 *
 * They come from newlib's libc.a, the one C library of user programs, and
 * this header is its <string.h>. It stays so that code written before
 * newlib (and <axl/axl.h>) keeps including what it always did, strnlen
 * included: under -std=c11 newlib declares that POSIX function only when
 * the program asks for POSIX (_POSIX_C_SOURCE), so it is declared here too.
 */
#ifndef AXL_LIBIPC_STRING_H
#define AXL_LIBIPC_STRING_H

#include <string.h>

size_t strnlen(const char *s, size_t max);

#endif /* AXL_LIBIPC_STRING_H */
