/* SPDX-License-Identifier: MIT */
/*
 * string.h for the driver sources linked into the monolithic kernel
 * (kernel/SConscript): the C library's string functions are the kernel's
 * own there (kstring.h), and the host's <string.h> must never be reached.
 */
#ifndef AXL_KINCLUDE_STRING_H
#define AXL_KINCLUDE_STRING_H

#include <kstring.h>

#endif
