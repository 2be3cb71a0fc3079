/* SPDX-License-Identifier: MIT */
/*
 * klog.h: the kernel log (lib/klog.c).
 *
 * One line per call, prefixed with a timestamp (seconds since boot) and a
 * level, written with "\r\n" to the arch console (COM1) and to a ring
 * buffer, only to the ring once user space drives COM1. Callable with
 * interrupts off; takes no lock (single CPU for now). Never blocks except
 * on the UART's transmit-ready bit. Not used by kpanic, which has its own
 * output path.
 */
#ifndef AXL_KLOG_H
#define AXL_KLOG_H

#include "types.h"

enum klog_level { KLOG_ERROR, KLOG_WARN, KLOG_INFO, KLOG_DEBUG };

void klog(enum klog_level level, const char *subsys, const char *fmt, ...) PRINTF_LIKE(3, 4);

#define kerror(sub, ...) klog(KLOG_ERROR, sub, __VA_ARGS__)
#define kwarn(sub, ...) klog(KLOG_WARN, sub, __VA_ARGS__)
#define kinfo(sub, ...) klog(KLOG_INFO, sub, __VA_ARGS__)

/* Writes text as it is (user programs' debug output), '\n' as "\r\n". */
void klog_raw(const char *s);

/*
 * User space has taken the console UART (its I/O ports were issued): from
 * now on the log goes only to the ring buffer, read with klog_read.
 */
void klog_console_release(void);
/* Takes the console UART back for the last words before a reboot. */
void klog_console_reclaim(void);

/*
 * Copies up to max log bytes from position pos (bytes since boot) into
 * out; *first gets the position of the first byte copied, later than pos
 * if those bytes were overwritten or came before the console handover
 * (they went to COM1 then). Returns the count.
 */
uint64_t klog_read(uint64_t pos, char *out, size_t max, uint64_t *first);

/* Copies the last (at most max) bytes logged, oldest first, into out; returns the count.
 * For crash records: reads the ring only, so it is safe on the panic path. */
size_t klog_tail(char *out, size_t max);

/* Number of lines logged at each level so far (boot summary, tests). */
unsigned klog_count(enum klog_level level);

#endif /* AXL_KLOG_H */
