/* SPDX-License-Identifier: MIT */
/*
 * trap.c: where every exception and interrupt lands (from traps.S).
 *
 * For now the kernel runs no user code, so every exception is a broken
 * kernel invariant: a panic, marked EARLY_TRAP while only the early IDT
 * exists. (User-mode faults become fault messages in the capability-kernel
 * issue.) The only interrupts the kernel owns are the LAPIC timer and the
 * LAPIC's spurious vector; anything else is a panic too.
 */
#include <arch.h>
#include <arch/cpu.h>
#include <clock.h>
#include <panic.h>

void trap_dispatch(struct trap_frame *f)
{
    if (f->vector < 32) {
        kpanic_trap(arch_idt_is_full() ? AXL_PANIC_TRAP : AXL_PANIC_EARLY_TRAP, f);
    }
    if (f->vector == VEC_TIMER) {
        arch_timer_eoi();
        clock_tick();
        return;
    }
    if (f->vector == VEC_SPURIOUS) {
        return; /* the LAPIC wants no EOI for these (SDM Vol. 3A §11.9) */
    }
    kpanic_trap(AXL_PANIC_UNEXPECTED_IRQ, f);
}
