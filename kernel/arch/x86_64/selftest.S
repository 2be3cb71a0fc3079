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

    .section .note.GNU-stack, "", @progbits
