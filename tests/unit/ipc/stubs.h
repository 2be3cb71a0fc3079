/* SPDX-License-Identifier: MIT */
/*
 * stubs.h: what the IPC host tests know about their stand-ins for the
 * arch layer and the kernel log (stubs.c).
 *
 * kernel_exit ends in arch_enter_user (or, with nothing runnable, in the
 * idle loop's arch_wait_for_interrupt). While stub_exit_armed is set both
 * longjmp to stub_exit instead, with 1 (a thread was entered) or 2 (the
 * CPU would idle), so a test can run syscall_dispatch to its end. Unarmed,
 * both abort: nothing else may leave the kernel.
 */
#ifndef AXL_TEST_IPC_STUBS_H
#define AXL_TEST_IPC_STUBS_H

#include <setjmp.h>
#include <stdbool.h>

#define STUB_ENTERED_USER 1
#define STUB_IDLED 2

extern jmp_buf stub_exit;
extern bool stub_exit_armed;
/* Lines logged per level (enum klog_level): KLOG_ERROR lines are also printed. */
extern unsigned stub_klog_lines[4];
extern uint64_t stub_ticks; /* what clock_ticks returns */

#endif
