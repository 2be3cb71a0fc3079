/* SPDX-License-Identifier: MIT */
/*
 * selftest.S: the deliberate faults of core/selftest.c that C cannot
 * express. Written in assembly with a full frame so the panic backtrace
 * shows their caller (GCC omits frames in trivial leaf functions).
 */
    .text
    .global arch_selftest_invalid_opcode
arch_selftest_invalid_opcode:
    pushq %rbp
    movq %rsp, %rbp
    ud2
    popq %rbp
    ret

    .global arch_selftest_divide_error
arch_selftest_divide_error:
    pushq %rbp
    movq %rsp, %rbp
    xorl %ecx, %ecx
    xorl %edx, %edx
    movl $1, %eax
    divq %rcx                       /* #DE: divide by zero */
    popq %rbp
    ret

    .global arch_selftest_software_interrupt
arch_selftest_software_interrupt:
    pushq %rbp
    movq %rsp, %rbp
    int $0x41                       /* a vector no device or kernel code owns */
    popq %rbp
    ret

    .section .note.GNU-stack, "", @progbits
