/* SPDX-License-Identifier: MIT */
/*
 * trap.c: where every exception and interrupt lands (from traps.S).
 *
 * For now the kernel runs no user code, takes no interrupts, and so
 * treats every exception as a broken kernel invariant: a panic, marked
 * EARLY_TRAP while only the early IDT exists. (User-mode faults become
 * fault messages in the capability-kernel issue.)
 */
#include <arch.h>
#include <arch/cpu.h>
#include <panic.h>

#define VEC_SPURIOUS 0xff /* LAPIC spurious vector */

void trap_dispatch(struct trap_frame *f)
{
    if (f->vector < 32) {
        kpanic_trap(arch_idt_is_full() ? AXL_PANIC_TRAP : AXL_PANIC_EARLY_TRAP, f);
    }
    if (f->vector == VEC_SPURIOUS) {
        return;
    }
    kpanic_trap(AXL_PANIC_UNEXPECTED_IRQ, f);
}
