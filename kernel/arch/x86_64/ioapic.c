/* SPDX-License-Identifier: MIT */
/*
 * ioapic.c: the I/O APIC that routes device interrupt lines to vectors
 * (82093AA datasheet; the register window is IOREGSEL at +0, IOWIN at
 * +0x10; redirection entry n is registers 0x10 + 2n and 0x11 + 2n).
 *
 * IRQ numbers are I/O APIC inputs (GSIs). Inputs 0-15 carry the ISA
 * interrupts, edge-triggered and active high; 16-23 are PCI INTx lines,
 * level-triggered and active low. QEMU's q35 places the I/O APIC at its
 * conventional address; reading it from the ACPI MADT is left for the
 * ACPI work that VT-d needs anyway.
 */
#include <arch.h>
#include <irq.h>
#include <uapi/axl/objects.h>

#define IOAPIC_PHYS 0xfec00000ull
#define REDIR_MASKED (1u << 16)
#define REDIR_LEVEL (1u << 15)
#define REDIR_ACTIVE_LOW (1u << 13)

static volatile uint32_t *ioapic(void) { return phys_to_virt(IOAPIC_PHYS); }

static uint32_t ioapic_read(uint32_t reg)
{
    ioapic()[0] = reg;
    return ioapic()[4];
}

static void ioapic_write(uint32_t reg, uint32_t v)
{
    ioapic()[0] = reg;
    ioapic()[4] = v;
}

static unsigned ioapic_inputs(void) { return ((ioapic_read(1) >> 16) & 0xff) + 1; }

bool arch_irq_setup(unsigned irq)
{
    if (irq >= AXL_IRQ_COUNT || irq >= ioapic_inputs()) {
        return false;
    }
    uint32_t lo = (VEC_IRQ_BASE + irq) | REDIR_MASKED;
    if (irq >= 16) {
        lo |= REDIR_LEVEL | REDIR_ACTIVE_LOW;
    }
    ioapic_write(0x11 + 2 * irq, 0); /* destination: LAPIC 0, the boot CPU */
    ioapic_write(0x10 + 2 * irq, lo);
    return true;
}

void arch_irq_mask(unsigned irq, bool masked)
{
    if (irq >= AXL_IRQ_COUNT) {
        return;
    }
    uint32_t lo = ioapic_read(0x10 + 2 * irq);
    ioapic_write(0x10 + 2 * irq, masked ? lo | REDIR_MASKED : lo & ~REDIR_MASKED);
}
