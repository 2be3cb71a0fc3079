/* SPDX-License-Identifier: MIT */
/*
 * entry64.S: the first 64-bit code in the higher half, and the kernel's
 * static stacks.
 *
 * long_mode_high installs the early IDT before running any C, so every
 * exception from here on reaches kpanic; then it calls
 * kmain(multiboot magic, multiboot info physical address).
 *
 * Each stack sits above its own guard page; arch_paging_init unmaps the
 * guard pages, so running off the end of a stack faults instead of
 * silently corrupting its neighbour (the #DF that follows runs on IST1).
 */
#include <arch/memlayout.h>

    .text
    .code64
    .global long_mode_high
long_mode_high:
    movw $0x10, %ax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %ss
    xorl %eax, %eax
    movw %ax, %fs
    movw %ax, %gs
    leaq boot_stack_top(%rip), %rsp
    xorl %ebp, %ebp                 /* ends every backtrace */
    call idt_install_early
    movl boot_mb_magic(%rip), %edi
    movl boot_mb_info(%rip), %esi
    call kmain
1:  cli                             /* kmain does not return */
    hlt
    jmp 1b

/* arch_call_on_stack(fn, arg, stack_top): switches stacks for good. */
    .global arch_call_on_stack
arch_call_on_stack:
    movq %rdx, %rsp
    movq %rdi, %rax
    movq %rsi, %rdi
    call *%rax
    ud2

/*
 * arch_capture_frame(struct trap_frame *f): the caller's registers, as if
 * it had trapped at the instruction after the call. vector = ~0 (no trap).
 */
    .global arch_capture_frame
arch_capture_frame:
    movq %r15, 0*8(%rdi)
    movq %r14, 1*8(%rdi)
    movq %r13, 2*8(%rdi)
    movq %r12, 3*8(%rdi)
    movq %r11, 4*8(%rdi)
    movq %r10, 5*8(%rdi)
    movq %r9,  6*8(%rdi)
    movq %r8,  7*8(%rdi)
    movq %rbp, 8*8(%rdi)
    movq %rdi, 9*8(%rdi)
    movq %rsi, 10*8(%rdi)
    movq %rdx, 11*8(%rdi)
    movq %rcx, 12*8(%rdi)
    movq %rbx, 13*8(%rdi)
    movq %rax, 14*8(%rdi)
    movq $-1, 15*8(%rdi)            /* vector: none */
    movq $0, 16*8(%rdi)             /* error */
    movq (%rsp), %rax
    movq %rax, 17*8(%rdi)           /* rip: our return address */
    movq %cs, %rax
    movq %rax, 18*8(%rdi)
    pushfq
    popq %rax
    movq %rax, 19*8(%rdi)
    leaq 8(%rsp), %rax
    movq %rax, 20*8(%rdi)           /* rsp as the caller sees it */
    movq %ss, %rax
    movq %rax, 21*8(%rdi)
    movq 14*8(%rdi), %rax
    ret

/* Stacks, each above a guard page (see kernel_stacks[] in cpu.c). */
    .section .bss.stacks, "aw", @nobits
    .align 4096
#define STACK(name, size)           \
    .global name##_guard, name##_bottom, name##_top; \
name##_guard:  .skip 4096;          \
name##_bottom: .skip size;          \
name##_top:

STACK(boot_stack, KSTACK_SIZE)
STACK(df_stack, IST_STACK_SIZE)
STACK(nmi_stack, IST_STACK_SIZE)
STACK(mc_stack, IST_STACK_SIZE)
STACK(panic_stack, KSTACK_SIZE)

    .section .note.GNU-stack, "", @progbits
