/* SPDX-License-Identifier: MIT */
/*
 * uapi/axl/exit.h: how a guest ends a scenario.
 *
 * Part of the one ABI shared by the kernel, user space and the host tools
 * (tools/axlpy parses the table below, so it is written exactly once).
 * A value V written to the isa-debug-exit port (0xf4) makes QEMU exit with
 * status (V << 1) | 1; statuses 0 and 1 are ambiguous (QEMU itself uses
 * them), so no value here is 0. Freestanding: needs nothing.
 */
#ifndef AXL_UAPI_EXIT_H
#define AXL_UAPI_EXIT_H

#define AXL_DEBUG_EXIT_PORT 0xf4

/* X(value, NAME, "meaning"); host exit status is (value << 1) | 1. */
#define AXL_EXIT_CODES(X)                                                                          \
    X(0x10, PASS, "scenario completed and passed")                                                 \
    X(0x11, FAIL, "scenario ran and reported a failure")                                           \
    X(0x12, PANIC, "kernel panic: report printed on serial and VGA")                               \
    X(0x13, BOOT_ERROR, "boot refused: bad boot information or CPU")                               \
    X(0x14, NESTED_PANIC, "a fault inside the panic path itself")                                  \
    X(0x15, REBOOT, "orderly reboot: the supervisor failed, or escalated a critical failure")

#ifndef __ASSEMBLER__
enum axl_exit_code {
#define AXL_X(value, name, text) AXL_EXIT_##name = (value),
    AXL_EXIT_CODES(AXL_X)
#undef AXL_X
};
#endif

#endif /* AXL_UAPI_EXIT_H */
