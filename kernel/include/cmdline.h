/* SPDX-License-Identifier: MIT */
/*
 * cmdline.h: the kernel command line (core/cmdline.c).
 *
 * Words are separated by spaces; "key=value" words set options. Under
 * QEMU's -kernel the first word is the kernel's path, which is skipped by
 * key lookups like any word without '='. Pure functions, host-testable.
 */
#ifndef AXL_CMDLINE_H
#define AXL_CMDLINE_H

#include "types.h"

/*
 * Copies the value of the last "key=value" word into buf (NUL-terminated,
 * truncated to size - 1). Returns the value's full length, or -1 when the
 * key is absent. A bare "key" word yields an empty value.
 */
int cmdline_get(const char *cmdline, const char *key, char *buf, size_t size);

/*
 * Parses the value of key as an unsigned decimal or 0x-prefixed hex
 * number into *out. Returns 0, -1 if the key is absent, or -2 (leaving
 * *out alone) if the value is empty, malformed or above max.
 */
int cmdline_get_uint(const char *cmdline, const char *key, uint64_t max, uint64_t *out);

#endif /* AXL_CMDLINE_H */
