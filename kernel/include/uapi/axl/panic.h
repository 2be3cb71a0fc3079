/* SPDX-License-Identifier: MIT */
/*
 * uapi/axl/panic.h: stable kernel panic codes.
 *
 * Every panic report starts with "KERNEL PANIC P<nn> <NAME>". The numbers
 * never change meaning, so logs, crash records and the host decoder can
 * rely on them; new codes are only appended. Freestanding: needs nothing.
 */
#ifndef AXL_UAPI_PANIC_H
#define AXL_UAPI_PANIC_H

/* X(number, NAME, "meaning") */
#define AXL_PANIC_CODES(X)                                                                         \
    X(1, TRAP, "CPU exception in kernel mode")                                                     \
    X(2, EARLY_TRAP, "CPU exception before the full IDT was installed")                            \
    X(3, BOOT32_TRAP, "CPU exception in the 32-bit boot stub")                                     \
    X(4, ASSERT, "a kernel invariant does not hold")                                               \
    X(5, OUT_OF_MEMORY, "the kernel ran out of memory it cannot do without")                       \
    X(6, UNEXPECTED_IRQ, "an interrupt arrived on a vector nobody owns")

#ifndef __ASSEMBLER__
enum axl_panic_code {
#define AXL_X(num, name, text) AXL_PANIC_##name = (num),
    AXL_PANIC_CODES(AXL_X)
#undef AXL_X
};

/* The name of a panic code ("TRAP"), or "UNKNOWN": for the kernel, readers of crash records in
 * user space (apps/crashlog) and the host decoder alike. */
static inline const char *axl_panic_code_name(int code)
{
    switch (code) {
#define AXL_X(num, name, text)                                                                     \
    case num:                                                                                      \
        return #name;
        AXL_PANIC_CODES(AXL_X)
#undef AXL_X
    default:
        return "UNKNOWN";
    }
}
#endif

#endif /* AXL_UAPI_PANIC_H */
