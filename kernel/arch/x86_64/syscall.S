/* SPDX-License-Identifier: MIT */
/*
 * syscall.S: the doors between user mode and the kernel.
 *
 * syscall_entry is where SYSCALL lands (MSR_LSTAR). The CPU has put the
 * user RIP in rcx and RFLAGS in r11 and masked IF (MSR_FMASK), but left
 * rsp alone. The entry builds the same struct trap_frame an interrupt
 * would, but directly in the current TCB (its regs field, found through
 * `current`), so nothing is copied; then it switches to the kernel stack,
 * which is empty at every entry from user mode: the kernel never blocks
 * on it (see core/sched.c).
 *
 * arch_enter_user(regs) leaves through IRETQ from a saved frame (in the
 * TCB). IRETQ, unlike SYSRET, restores every register, so the same exit
 * serves threads that entered by SYSCALL, by a fault or by an interrupt.
 */
#include <arch/memlayout.h>
#include <arch/trapframe.h>
#include <tcb_layout.h>

#define USER_CS 0x23 /* GDT 0x20, RPL 3 */
#define USER_SS 0x1b /* GDT 0x18, RPL 3 */

    .text
    .code64
    .global syscall_entry
syscall_entry:
    movq %rsp, syscall_user_rsp(%rip)
    movq current(%rip), %rsp        /* user mode runs only with a current thread */
    addq $(TCB_REGS_OFFSET + TRAP_FRAME_SIZE), %rsp
    pushq $USER_SS
    pushq syscall_user_rsp(%rip)
    pushq %r11                      /* RFLAGS */
    pushq $USER_CS
    pushq %rcx                      /* RIP */
    pushq $0                        /* error code */
    pushq $SYSCALL_VECTOR           /* not a CPU vector: marks a system call */
    PUSH_GPRS
    leaq boot_stack_top(%rip), %rsp
    xorl %ebp, %ebp                 /* a backtrace ends here */
    cld
    call syscall_dispatch           /* does not return */
    ud2

    .global arch_enter_user
arch_enter_user:
    movq %rdi, %rsp
    POP_GPRS
    addq $16, %rsp                  /* vector and error code */
    iretq

    .global arch_fpu_save
arch_fpu_save:
    fxsave64 (%rdi)
    ret

    .global arch_fpu_restore
arch_fpu_restore:
    fxrstor64 (%rdi)
    ret

    .section .bss
    .align 8
syscall_user_rsp:
    .skip 8

    .section .note.GNU-stack, "", @progbits
