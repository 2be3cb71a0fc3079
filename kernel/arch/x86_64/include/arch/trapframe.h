/* SPDX-License-Identifier: MIT */
/*
 * arch/trapframe.h: the register frame traps.S builds on every exception
 * or interrupt. The layout is fixed by the push order in traps.S (general
 * registers) and by the CPU (Intel SDM Vol. 3A §6.14.2: in 64-bit mode
 * SS:RSP, RFLAGS, CS:RIP and an optional error code are always pushed).
 */
#ifndef AXL_ARCH_TRAPFRAME_H
#define AXL_ARCH_TRAPFRAME_H

#ifndef __ASSEMBLER__
#include <stdint.h>

struct trap_frame {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
    uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector;                   /* pushed by the stub */
    uint64_t error;                    /* pushed by the CPU, or 0 by the stub */
    uint64_t rip, cs, rflags, rsp, ss; /* pushed by the CPU */
};
_Static_assert(sizeof(struct trap_frame) == 22 * 8, "trap frame layout");
_Static_assert(__builtin_offsetof(struct trap_frame, vector) == 15 * 8, "vector offset");
#endif

#define TRAP_FRAME_SIZE (22 * 8)

#ifdef __ASSEMBLER__
/* The general registers in struct trap_frame order (r15 lowest), for every entry and exit. */
.macro PUSH_GPRS
    pushq %rax
    pushq %rbx
    pushq %rcx
    pushq %rdx
    pushq %rsi
    pushq %rdi
    pushq %rbp
    pushq %r8
    pushq %r9
    pushq %r10
    pushq %r11
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
.endm
.macro POP_GPRS
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %r11
    popq %r10
    popq %r9
    popq %r8
    popq %rbp
    popq %rdi
    popq %rsi
    popq %rdx
    popq %rcx
    popq %rbx
    popq %rax
.endm
#endif

#endif /* AXL_ARCH_TRAPFRAME_H */
