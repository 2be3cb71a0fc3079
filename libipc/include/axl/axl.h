/* SPDX-License-Identifier: MIT */
/*
 * axl/axl.h: everything a user program needs, in one include (libipc).
 *
 * The ABI headers (<axl/errors.h>, <axl/objects.h>, <axl/syscalls.h>,
 * <axl/ipc.h>, <axl/invocations.h>, <axl/faults.h>, <axl/exit.h>) come
 * from kernel/include/uapi, verbatim; the rest is libipc's own:
 *   axl/sys.h     the system calls, struct axl_msg, axl_bootinfo, axl_ipc_buffer
 *   axl/invoke.h  one function per object operation
 *   axl/print.h   axl_printf, axl_snprintf, axl_strerror
 *   axl/string.h  memcpy, memset, strlen, ...
 * A program defines int main(void); crt0 calls it (docs/user-space.md).
 */
#ifndef AXL_LIBIPC_AXL_H
#define AXL_LIBIPC_AXL_H

#include <axl/errors.h>
#include <axl/exit.h>
#include <axl/faults.h>
#include <axl/invocations.h>
#include <axl/ipc.h>
#include <axl/objects.h>
#include <axl/syscalls.h>

#include <axl/invoke.h>
#include <axl/print.h>
#include <axl/string.h>
#include <axl/sys.h>

#endif /* AXL_LIBIPC_AXL_H */
