/* SPDX-License-Identifier: MIT */
/*
 * panic.h: the kernel panic path (panic/kpanic.c).
 *
 * kpanic is reserved for broken kernel invariants; anything a user (or a
 * boot loader) can cause gets an error instead. The panic path is
 * self-contained: it disables interrupts, switches to its own stack, takes
 * no lock and allocates nothing, prints the report on serial and on the
 * VGA text screen, tells the host (pvpanic, then isa-debug-exit) and halts.
 * A fault while panicking prints one line and halts.
 */
#ifndef AXL_PANIC_H
#define AXL_PANIC_H

#include <uapi/axl/panic.h>
#include "types.h"

struct trap_frame;

/* Panics with a formatted reason. Callable from any context. */
NORETURN void kpanic(enum axl_panic_code code, const char *fmt, ...) PRINTF_LIKE(2, 3);

/* Panics on a CPU exception (called by the arch trap dispatcher). */
NORETURN void kpanic_trap(enum axl_panic_code code, struct trap_frame *frame);

/* Name of a panic code ("TRAP"), or "UNKNOWN" (uapi/axl/panic.h: user space and the host
 * crash decoder use the same one). */
static inline const char *panic_code_name(int code) { return axl_panic_code_name(code); }

/*
 * For arch_panic_dump only (valid while panicking): print to serial and
 * the VGA screen ('\n' ends a line), and format addr as "name+0xoff" or
 * "?" into buf, returning buf.
 */
void panic_printf(const char *fmt, ...) PRINTF_LIKE(1, 2);
const char *panic_symbolize(uint64_t addr, char *buf, size_t size);

/* Set by the nested-panic self-test: the panic path faults on purpose. */
extern volatile bool panic_selftest_nested;

#define KASSERT(cond)                                                                              \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            kpanic(AXL_PANIC_ASSERT, "assertion '%s' failed at %s:%d", #cond, __FILE__, __LINE__); \
        }                                                                                          \
    } while (0)

#endif /* AXL_PANIC_H */
