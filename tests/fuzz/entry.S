/* SPDX-License-Identifier: MIT */
/*
 * entry.S: the fuzz threads' way into the kernel, their start, and two
 * gadgets a fuzzed TCB_WRITE_REGISTERS may point a thread at (fuzz.h).
 *
 * fuzz_syscall sets every register of the system-call convention
 * (<axl/syscalls.h>) from a struct fuzz_regs and stores every one the
 * kernel returns, so a call can carry any values at all. Its SYSCALL is
 * the only one a fuzz thread makes from C, and fuzz_syscall_ret the
 * address after it: the root knows a fault message with that RIP comes
 * from the call the thread recorded in cur_nr.
 */
    .text

/* long fuzz_syscall(struct fuzz_regs *r) */
    .global fuzz_syscall
    .type fuzz_syscall, @function
fuzz_syscall:
    pushq %rbp
    movq %rsp, %rbp
    pushq %rbx
    pushq %r12                      /* keeps the stack 16-byte aligned */
    movq %rdi, %rbx                 /* rbx survives SYSCALL */
    movq 0(%rbx), %rax
    movq 8(%rbx), %rdi
    movq 16(%rbx), %rsi
    movq 24(%rbx), %rdx
    movq 32(%rbx), %r10
    movq 40(%rbx), %r8
    movq 48(%rbx), %r9
    syscall
    .global fuzz_syscall_ret
fuzz_syscall_ret:
    movq %rax, 56(%rbx)
    movq %rdi, 64(%rbx)
    movq %rsi, 72(%rbx)
    movq %rdx, 80(%rbx)
    movq %r10, 88(%rbx)
    movq %r8, 96(%rbx)
    movq %r9, 104(%rbx)
    popq %r12
    popq %rbx
    popq %rbp
    ret
    .size fuzz_syscall, . - fuzz_syscall

/* A fuzz thread starts here (TCB_WRITE_REGISTERS): rdi = its index, rsp = its stack top. */
    .global fuzz_thread_start
    .type fuzz_thread_start, @function
fuzz_thread_start:
    xorl %ebp, %ebp
    andq $-16, %rsp
    call fuzz_thread_main
    ud2                             /* fuzz_thread_main does not return */
    .size fuzz_thread_start, . - fuzz_thread_start

/*
 * Gadgets: SYSCALL number 0 with whatever else the registers hold (RFLAGS may
 * have TF set), a fault the root answers; then #UD, and the root restarts
 * the thread. Never another number: a thread's registers may hold anything,
 * and a REPLY could resume a thread at a RIP taken from them ...
 */
    .global fuzz_gadget_syscall
fuzz_gadget_syscall:
    xorl %eax, %eax
    syscall
    ud2

/* ... and a thread that spins in user mode until the timer preempts it. */
    .global fuzz_gadget_spin
fuzz_gadget_spin:
    pause
    jmp fuzz_gadget_spin

    .section .note.GNU-stack, "", @progbits
