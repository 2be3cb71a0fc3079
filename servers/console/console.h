/* SPDX-License-Identifier: MIT */
/*
 * console.h: the console server's parts (main.c serves AXL_CONSOLE_OPS).
 *
 *   clients.c     one line buffer per client, cut into tagged lines
 *   output.c      the UART driver, found by name, and the one place output leaves
 *   kernel_log.c  the kernel's log, read with LOG_READ and printed as it is
 */
#ifndef CONSOLE_H
#define CONSOLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <axl/print.h>

#define CONSOLE_LINE_MAX 512 /* bytes of a client's line; a longer one is cut */
#define CONSOLE_CLIENTS 128  /* clients with a tag and a line at once; least recently used goes */
#define CONSOLE_CUT_MARK '~' /* ends a piece of a line that goes on in the next (as in the kernel log) */
#define CONSOLE_UART_TRIES 10000 /* name lookups (with a yield between) before giving up on the UART */

/* --- clients.c --- */

/* Takes n bytes a client (its badge) wrote: every complete line goes out, tagged. */
void clients_write(uint64_t badge, const uint8_t *p, size_t n);
/* Names the client with this badge (the root task's CONSOLE_TAG). */
void clients_tag(uint64_t badge, const char *tag);
/* Writes out every partial line, marked as cut (CONSOLE_SYNC). */
void clients_flush(void);

/* --- output.c --- */

/* Finds the UART driver by name, retrying while it is not registered yet. */
long output_init(uint64_t *generation);
/* Writes "[tag] text\r\n" (text: at most CONSOLE_LINE_MAX bytes), with the cut mark if cut. */
void output_line(const char *tag, const char *text, size_t n, bool cut);
/* Writes a line of the console's own: "[console] ...". */
void output_note(const char *fmt, ...) AXL_PRINTF_LIKE(1, 2);
/* Writes bytes as they are (the kernel log: whole lines with their own prefix). */
void output_raw(const char *p, size_t n);
/* Takes up to max bytes of input from the UART into buf; AXL_S_IO_ERROR if it cannot. */
long output_read(uint8_t *buf, size_t max, size_t *n);

/* --- kernel_log.c --- */

/* Prints kernel-log bytes not printed yet; with all, also a last line not yet ended. */
void kernel_log_drain(bool all);

#endif /* CONSOLE_H */
