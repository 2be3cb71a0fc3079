/* SPDX-License-Identifier: MIT */
/*
 * arch/trapinfo.h: names of x86 exception vectors and decoding of their
 * error codes (trapinfo.c). Pure functions, host-testable; used by the
 * panic report and, later, by fault messages and the crash decoder.
 */
#ifndef AXL_ARCH_TRAPINFO_H
#define AXL_ARCH_TRAPINFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* "#PF" for vector 14; "IRQ" for 32..255; "#??" for reserved vectors. */
const char *x86_trap_mnemonic(unsigned vector);
/* "page fault" for vector 14; "interrupt" for 32..255. */
const char *x86_trap_name(unsigned vector);
/* True if the CPU pushes an error code for this vector. */
bool x86_trap_has_error(unsigned vector);

/*
 * Writes a human-readable decoding of err for this vector into buf
 * (always NUL-terminated when size > 0), e.g. for #PF
 * "P=0 not-present W=1 write U=0 supervisor R=0 I=0 data". Returns the
 * length written (truncated output is still terminated).
 */
size_t x86_decode_error(unsigned vector, uint64_t err, char *buf, size_t size);

/* Page-fault error code bits (SDM Vol. 3A §4.7). */
#define PF_P (1u << 0)
#define PF_W (1u << 1)
#define PF_U (1u << 2)
#define PF_RSVD (1u << 3)
#define PF_I (1u << 4)
#define PF_PK (1u << 5)
#define PF_SS (1u << 6)
#define PF_SGX (1u << 15)

#endif /* AXL_ARCH_TRAPINFO_H */
