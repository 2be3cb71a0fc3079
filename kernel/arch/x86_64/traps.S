/* SPDX-License-Identifier: MIT */
/*
 * traps.S: the 256 interrupt/exception entry stubs and the common path
 * that builds a struct trap_frame (arch/trapframe.h) and calls
 * trap_dispatch(frame) in trap.c.
 *
 * Each stub is 16-byte aligned, so stub i is at trap_stubs + 16 * i; the
 * IDT builders (idt_install_early here, idt_init in cpu.c) rely on that.
 * Stubs of vectors without a CPU error code push a 0 so the frame layout
 * is always the same.
 */
#include <arch/trapframe.h>

    .text
    .code64
    .align 16
    .global trap_stubs
trap_stubs:
    .set vec, 0
    .rept 256
    .align 16
    /* Vectors that push an error code (Intel SDM Vol. 3A, Table 6-1). */
    .if !(vec == 8 || (vec >= 10 && vec <= 14) || vec == 17 || vec == 21 || vec == 29 || vec == 30)
    pushq $0
    .endif
    pushq $vec
    jmp trap_common
    .set vec, vec + 1
    .endr

trap_common:
    PUSH_GPRS
    movq %rsp, %rdi
    /* RFLAGS = 2: DF clear for C, and AC clear, which an interrupted user thread may have set
     * and which would otherwise switch SMAP off while the kernel runs. */
    pushq $2
    popfq
    /* The CPU aligned RSP to 16 before pushing; 22 words keep it aligned. */
    call trap_dispatch
    POP_GPRS
    addq $16, %rsp                  /* vector and error code */
    iretq

/*
 * idt_install_early: points all 256 IDT entries at their stubs (interrupt
 * gates, kernel code, no IST) and loads the IDT. Runs before any C code;
 * idt_init() later adds the IST stacks.
 */
    .global idt_install_early
idt_install_early:
    leaq idt_table(%rip), %rdi
    leaq trap_stubs(%rip), %rsi
    movl $256, %ecx
1:  movq %rsi, %rax
    movw %ax, (%rdi)                /* offset 15:0 */
    movw $0x08, 2(%rdi)             /* selector */
    movw $0x8e00, 4(%rdi)           /* present, DPL 0, interrupt gate, IST 0 */
    shrq $16, %rax
    movw %ax, 6(%rdi)               /* offset 31:16 */
    shrq $16, %rax
    movl %eax, 8(%rdi)              /* offset 63:32 */
    movl $0, 12(%rdi)
    addq $16, %rdi
    addq $16, %rsi
    loop 1b
    lidt idt_ptr(%rip)
    ret

    .section .data
    .align 16
    .global idt_ptr
idt_ptr:
    .word 256 * 16 - 1
    .quad idt_table

    .section .bss
    .align 4096
    .global idt_table
idt_table:
    .skip 256 * 16

    .section .note.GNU-stack, "", @progbits
