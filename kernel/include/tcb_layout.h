/* SPDX-License-Identifier: MIT */
/*
 * tcb_layout.h: where a TCB keeps the user registers, for the SYSCALL
 * entry (arch/x86_64/syscall.S), which saves them there directly instead
 * of copying a frame from the kernel stack. thread.h checks the value.
 */
#ifndef AXL_TCB_LAYOUT_H
#define AXL_TCB_LAYOUT_H

#define TCB_REGS_OFFSET 832 /* offsetof(struct tcb, regs): 5 slots of 64 bytes, 512 of FPU */

#endif /* AXL_TCB_LAYOUT_H */
