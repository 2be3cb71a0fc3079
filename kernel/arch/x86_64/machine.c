/* SPDX-License-Identifier: MIT */
/*
 * machine.c: talking to the machine as a whole: the VGA text screen,
 * pvpanic, isa-debug-exit and ACPI power-off, and halting.
 * Everything here is safe on the panic path.
 */
#include <arch.h>
#include <arch/x86.h>
#include <uapi/axl/exit.h>

#define VGA_TEXT_PHYS 0xb8000
#define VGA_COLS 80
#define VGA_ROWS 25
#define VGA_CRTC_INDEX 0x3d4
#define VGA_CRTC_DATA 0x3d5
#define PVPANIC_PORT 0x505
#define PVPANIC_PANICKED 0x01
/* PM1a control block under SeaBIOS on pc and q35 (its FADT; reference §2.2). */
#define ACPI_PM1A_CNT 0x604
#define ACPI_SLP_S5 0x2000

static volatile uint16_t *vga_cells(void) { return phys_to_virt(VGA_TEXT_PHYS); }

void arch_vga_clear(uint8_t attr)
{
    volatile uint16_t *cells = vga_cells();

    for (unsigned i = 0; i < VGA_COLS * VGA_ROWS; i++) {
        cells[i] = (uint16_t)(' ' | attr << 8);
    }
    /* Hide the blinking cursor: CRTC cursor-start register, bit 5 = off. */
    outb(VGA_CRTC_INDEX, 0x0a);
    outb(VGA_CRTC_DATA, 0x20);
}

void arch_vga_put(unsigned row, unsigned col, char c, uint8_t attr)
{
    if (row < VGA_ROWS && col < VGA_COLS) {
        vga_cells()[row * VGA_COLS + col] = (uint16_t)((uint8_t)c | attr << 8);
    }
}

/* An absent ISA port reads 0xff; pvpanic reads its event mask (bit 0: panicked). */
void arch_notify_host_panic(void)
{
    uint8_t events = inb(PVPANIC_PORT);

    if (events != 0xff && (events & PVPANIC_PANICKED)) {
        outb(PVPANIC_PORT, PVPANIC_PANICKED);
    }
}

void arch_irq_disable(void) { cli(); }

/* sti takes effect after the next instruction, so no interrupt slips in
 * between it and hlt (SDM Vol. 2B, STI). */
void arch_wait_for_interrupt(void) { __asm__ volatile("sti; hlt; cli" ::: "memory"); }

/* The nop is the one instruction after sti in which interrupts are taken. */
void arch_irq_poll(void) { __asm__ volatile("sti; nop; cli" ::: "memory"); }

NORETURN void arch_halt(void)
{
    for (;;) {
        cli();
        hlt();
    }
}

NORETURN void arch_exit(int code)
{
    outb(AXL_DEBUG_EXIT_PORT, (uint8_t)code);
    /* Still here: no debug-exit device. Power off on success, else stay halted. */
    if (code == AXL_EXIT_PASS) {
        outw(ACPI_PM1A_CNT, ACPI_SLP_S5);
    }
    arch_halt(); /* ACPI power-off is asynchronous: wait for it here */
}

/* q35's reset control register: bit 1 = system reset, bit 2 = reset now, bit 3 = full (cold). */
#define RESET_CONTROL_PORT 0xcf9
#define RESET_FULL 0x0e

NORETURN void arch_reboot(void)
{
    outb(AXL_DEBUG_EXIT_PORT, AXL_EXIT_REBOOT); /* scenarios: QEMU exits with REBOOT */
    outb(RESET_CONTROL_PORT, RESET_FULL);
    arch_halt(); /* the reset takes a moment to arrive */
}

uint64_t arch_timestamp(void) { return rdtsc(); }
