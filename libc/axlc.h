/* SPDX-License-Identifier: MIT */
/*
 * axlc.h: what the files of the porting layer share (libc/, not installed).
 *
 * The porting layer is the system-call layer newlib expects beneath it:
 * newlib built for a bare x86_64-elf calls write(), sbrk(), _exit() and the
 * rest by their plain names, and these files define them on Axolotl's
 * system calls and servers. A program is one thread (newlib's single
 * global reentrancy structure is enough). Each file includes this first.
 */
#ifndef AXL_LIBC_AXLC_H
#define AXL_LIBC_AXLC_H

/* The POSIX and BSD declarations (sbrk, kill, ...) we define, whatever -std says. */
#define _DEFAULT_SOURCE 1

#include <errno.h>
#include <stdint.h>

/* How every call here fails: errno = e, return -1. */
static inline int axlc_fail(int e)
{
    errno = e;
    return -1;
}

/* fd is standard input, output or error, the only files a process has. */
static inline int axlc_is_std(int fd) { return fd >= 0 && fd <= 2; }

#endif /* AXL_LIBC_AXLC_H */
