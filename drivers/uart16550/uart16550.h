/* SPDX-License-Identifier: MIT */
/*
 * uart16550.h: the 16550 UART, its registers and the driver's view of one
 * (uart.c drives it, main.c serves requests; docs/driver.md explains both).
 *
 * Registers are offsets from the first port of the range the manifest
 * granted (0x3f8 for COM1, 0x2f8 for COM2). Layout: reference/qemu-hardware.md
 * §3.1 and the 16550 datasheet.
 */
#ifndef UART16550_H
#define UART16550_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define UART_RBR 0 /* read: receive buffer (DLAB 0) */
#define UART_THR 0 /* write: transmit holding (DLAB 0) */
#define UART_DLL 0 /* divisor latch, low byte (DLAB 1) */
#define UART_IER 1 /* interrupt enable (DLAB 0) */
#define UART_DLM 1 /* divisor latch, high byte (DLAB 1) */
#define UART_IIR 2 /* read: interrupt identification */
#define UART_FCR 2 /* write: FIFO control */
#define UART_LCR 3 /* line control */
#define UART_MCR 4 /* modem control */
#define UART_LSR 5 /* line status */
#define UART_SCR 7 /* scratch: no function, which makes it a presence test */
#define UART_PORTS 8

#define IER_RX 0x01 /* interrupt when received data is available */
#define IER_TX 0x02 /* interrupt when the transmit holding register (FIFO) is empty */

#define IIR_FIFO_ON 0xc0 /* both bits: the FIFOs are enabled and work (a 16550A) */

#define FCR_ENABLE 0x01
#define FCR_CLEAR_RX 0x02
#define FCR_CLEAR_TX 0x04
#define FCR_TRIGGER_1 0x00 /* interrupt on every received byte: keys appear at once */

#define LCR_8N1 0x03  /* 8 data bits, no parity, 1 stop bit */
#define LCR_DLAB 0x80 /* registers 0 and 1 are the divisor latch */

#define MCR_DTR 0x01
#define MCR_RTS 0x02
#define MCR_OUT2 0x08 /* on a PC, gates the UART's interrupt line to the interrupt controller */

#define LSR_DR 0x01   /* a received byte is waiting */
#define LSR_OE 0x02   /* a received byte was lost: overrun (cleared by reading LSR) */
#define LSR_THRE 0x20 /* the transmitter takes bytes: holding register (or FIFO) empty */

#define UART_CLOCK_DIVISOR 1 /* 1.8432 MHz / 16 / 1 = 115200 baud */
#define UART_FIFO_BYTES 16   /* a 16550A's transmit FIFO */
#define UART_RX_BYTES 1024   /* received bytes kept until a UART_READ takes them */

struct uart {
    uint64_t io;     /* cptr: the I/O-port range */
    uint64_t irq;    /* cptr: the IRQ handler */
    unsigned base;   /* the range's first port: register 0 */
    unsigned line;   /* the IRQ number; its signals set bit `line` of the notification */
    unsigned fifo;   /* bytes the transmitter takes when THRE: 16, or 1 without a FIFO */
    uint8_t ier;     /* IER as last written (reading it back would cost a system call) */
    long error;      /* first failed port access (AXL_E_*); the UART is unusable after one */
    uint8_t rx[UART_RX_BYTES];
    size_t rx_head;  /* index of the oldest byte */
    size_t rx_count; /* bytes waiting */
    uint64_t rx_lost; /* bytes dropped: ring full or FIFO overrun */
};

/*
 * Programs the UART at port base (115200 8N1, FIFOs on, receive interrupts
 * on, OUT2) after checking one is there. AXL_E_OK, AXL_S_IO_ERROR if no UART
 * answers, or the error of the failed port access.
 */
long uart_init(struct uart *u, uint64_t io, unsigned base, uint64_t irq, unsigned line);
/* The interrupt was signalled: takes what the UART has, then acknowledges the IRQ. */
void uart_interrupt(struct uart *u);
/* Transmits all n bytes, waiting for transmit interrupts as needed; returns how many went out. */
size_t uart_write(struct uart *u, const uint8_t *p, size_t n);
/* Moves up to max received bytes to out; returns how many. */
size_t uart_read(struct uart *u, uint8_t *out, size_t max);

#endif /* UART16550_H */
