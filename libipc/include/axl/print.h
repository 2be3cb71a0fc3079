/* SPDX-License-Identifier: MIT */
/*
 * axl/print.h: formatted output to the kernel log, and error names
 * (libipc).
 *
 * The formatter is the kernel's own (kernel/lib/fmt.c, compiled into
 * libipc): %d %i %u %x %X %o %c %s %p %% with the flags '-', '0', a width
 * and a precision (also '*'), and the length modifiers hh h l ll z t j.
 * No floating point. Output goes to the kernel log through DEBUG_PUTS,
 * which exists for debugging and tests; a console server will replace it
 * for programs that talk to people.
 */
#ifndef AXL_LIBIPC_PRINT_H
#define AXL_LIBIPC_PRINT_H

#include <stdarg.h>
#include <stddef.h>

#include <axl/syscalls.h>

#define AXL_PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))

/* The longest text one axl_printf sends: one DEBUG_PUTS, the largest message. */
#define AXL_PRINTF_MAX (AXL_MSG_MAX_WORDS * 8)

/*
 * Formats into buf like C11 vsnprintf/snprintf: always NUL-terminated when
 * size > 0, and returns the length the whole output would have had.
 */
int axl_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int axl_snprintf(char *buf, size_t size, const char *fmt, ...) AXL_PRINTF_LIKE(3, 4);

/*
 * Formats into a buffer on the stack and writes it to the kernel log with
 * one DEBUG_PUTS. Output past AXL_PRINTF_MAX - 1 bytes is cut. Returns the
 * number of bytes written, or a negative error code (-AXL_E_*) if the
 * system call failed.
 */
int axl_vprintf(const char *fmt, va_list ap);
int axl_printf(const char *fmt, ...) AXL_PRINTF_LIKE(1, 2);

/* Writes s and a newline. Returns 0 or the system call's error code. */
long axl_puts(const char *s);

/*
 * The name and meaning of an error code from <axl/errors.h>, e.g.
 * "AXL_E_RANGE: a number is outside the range the operation accepts", or
 * "unknown error" for a value the table does not have. Never NULL.
 */
const char *axl_strerror(long err);
/* Just the name, e.g. "AXL_E_RANGE", or "unknown error". Never NULL. */
const char *axl_errname(long err);

#endif /* AXL_LIBIPC_PRINT_H */
