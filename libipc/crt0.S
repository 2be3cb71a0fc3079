/* SPDX-License-Identifier: MIT */
/*
 * crt0.S: _start, where every user program begins (libipc).
 *
 * A program's first thread starts here with:
 *   rdi  address of its info page: the kernel's struct axl_bootinfo
 *        (uapi/axl/ipc.h) in the root task, the root task's struct
 *        axl_procinfo (axl/proc.h) in every other process
 *   rsi  address of the thread's struct axl_ipc_buffer
 *   rsp  top of its stack, 16-byte aligned
 * _start passes the first two on to axl_start (start.c), which runs main
 * and exit, and never returns. Nothing else is assumed about the other
 * registers.
 *
 * The System V ABI wants rsp + 8 to be a multiple of 16 at a function's
 * first instruction, i.e. rsp 16-byte aligned just before the call that
 * pushes the return address: the andq makes that true even if a future
 * loader got the alignment wrong. rbp = 0 ends every backtrace here.
 */
    .section .text.start, "ax", @progbits
    .global _start
    .type _start, @function
_start:
    xorl %ebp, %ebp
    andq $-16, %rsp
    call axl_start
    ud2                             /* axl_start does not return */
    .size _start, . - _start

    .section .note.GNU-stack, "", @progbits
