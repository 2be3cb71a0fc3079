/* SPDX-License-Identifier: MIT */
/*
 * trap.c: where every exception and interrupt lands (from traps.S).
 *
 * From user mode, a trap is the thread's business: user_trap (user.c)
 * turns an exception into a fault message and never returns here. In
 * kernel mode an exception is a broken kernel invariant: a panic, marked
 * EARLY_TRAP while only the early IDT exists. Interrupts reach the kernel
 * in user mode or while it idles: the LAPIC timer, IOAPIC lines (passed
 * on as notification signals) and the spurious vector. An interrupt on a
 * vector nobody owns panics during boot, when it can only be a kernel bug;
 * once user threads run, a driver can program a device to raise one, so
 * it is logged and dropped.
 */
#include <arch.h>
#include <arch/cpu.h>
#include <arch/vtd.h>
#include <clock.h>
#include <irq.h>
#include <klog.h>
#include <panic.h>
#include <uapi/axl/objects.h>

NORETURN void user_trap(struct trap_frame *f);

static bool users_started;

void arch_users_started(void) { users_started = true; }

/* Handles interrupt vector v; returns false if nobody owns it. */
static bool interrupt(uint64_t v)
{
    if (v == VEC_TIMER) {
        arch_timer_eoi();
        clock_tick();
        return true;
    }
    if (v == VEC_IOMMU) {
        arch_timer_eoi();
        vtd_fault_interrupt();
        return true;
    }
    if (v == VEC_SPURIOUS) {
        return true; /* the LAPIC wants no EOI for these (SDM Vol. 3A §11.9) */
    }
    if (v >= VEC_IRQ_BASE && v < VEC_IRQ_BASE + AXL_IRQ_COUNT) {
        arch_irq_mask((unsigned)(v - VEC_IRQ_BASE), true);
        arch_timer_eoi(); /* the LAPIC EOI, whatever the source */
        irq_deliver((unsigned)(v - VEC_IRQ_BASE));
        return true;
    }
    return false;
}

void arch_interrupt(uint64_t vector)
{
    if (!interrupt(vector)) {
        arch_timer_eoi();
        kwarn("irq", "interrupt on unowned vector %llu dropped", (unsigned long long)vector);
    }
}

void trap_dispatch(struct trap_frame *f)
{
    /* NMI and machine check concern the machine, not the thread that happened to run. */
    if (f->vector == 2) {
        kwarn("trap", "NMI received at rip 0x%llx; ignored", (unsigned long long)f->rip);
        return;
    }
    if (f->vector == 18) {
        kpanic_trap(AXL_PANIC_TRAP, f); /* hardware reports an uncorrectable error */
    }
    if ((f->cs & 3) == 3) {
        user_trap(f);
    }
    if (f->vector < 32) {
        kpanic_trap(arch_idt_is_full() ? AXL_PANIC_TRAP : AXL_PANIC_EARLY_TRAP, f);
    }
    if (interrupt(f->vector)) {
        return;
    }
    if (!users_started) {
        kpanic_trap(AXL_PANIC_UNEXPECTED_IRQ, f);
    }
    arch_interrupt(f->vector);
}
