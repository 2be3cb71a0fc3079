/* SPDX-License-Identifier: MIT */
/*
 * serial.c: polled output on COM1, the kernel's console until user space
 * owns the UART, and always on the panic path.
 *
 * Register offsets and the init sequence: reference/qemu-hardware.md §3.1
 * (16550: THR +0, IER +1, FCR +2, LCR +3, MCR +4, LSR +5).
 */
#include <arch.h>
#include <arch/x86.h>

#define COM1 0x3f8
#define UART_LSR_THRE 0x20 /* transmit holding register empty */

static void uart_init(void)
{
    outb(COM1 + 1, 0x00); /* IER: no interrupts */
    outb(COM1 + 3, 0x80); /* LCR: DLAB to set the divisor */
    outb(COM1 + 0, 0x01); /* DLL: 115200 baud */
    outb(COM1 + 1, 0x00); /* DLM */
    outb(COM1 + 3, 0x03); /* LCR: 8N1 */
    outb(COM1 + 2, 0xc7); /* FCR: FIFOs on and cleared */
    outb(COM1 + 4, 0x03); /* MCR: DTR, RTS */
}

/* Bounded wait: an absent UART must not hang the kernel (it reads 0xff). */
static void uart_putc(char c)
{
    for (int i = 0; i < 100000 && !(inb(COM1 + 5) & UART_LSR_THRE); i++) {
    }
    outb(COM1, (uint8_t)c);
}

void arch_console_init(void) { uart_init(); }

void arch_console_putc(char c) { uart_putc(c); }

/* Re-initialises the UART once: the panic may have interrupted anything. */
void arch_panic_putc(char c)
{
    static bool ready;

    if (!ready) {
        uart_init();
        ready = true;
    }
    uart_putc(c);
}
