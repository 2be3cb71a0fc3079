/* SPDX-License-Identifier: MIT */
/*
 * uart.c: the 16550 itself: set-up, interrupts, transmit and receive,
 * through the I/O-port and IRQ capabilities the manifest granted.
 *
 * Interrupts arrive as signals on the process's bound notification (bit
 * `line`). Why uart_interrupt loops: ISA interrupts reach the I/O APIC
 * edge-triggered, and the kernel masks the line from each interrupt until
 * IRQ_ACK. The UART holds its line high while any enabled condition is
 * pending, so a condition that arises after the driver last looked but
 * before it acknowledged raises an edge on a masked line, which the I/O
 * APIC drops, and the line, still high, never makes another. So the driver
 * looks again after each acknowledgement, until the UART has nothing
 * pending: then its line is low and the next condition is an edge that
 * arrives.
 */
#include "uart16550.h"

#include <axl/invoke.h>
#include <axl/proc.h>
#include <axl/rpc.h>

/* Reads a register; 0xff (a floating bus) once a port access has failed. */
static uint8_t in(struct uart *u, unsigned reg)
{
    uint32_t v = 0xff;

    if (!u->error) {
        u->error = axl_ioport_in(u->io, u->base + reg, 1, &v);
    }
    return u->error ? 0xff : (uint8_t)v;
}

static void out(struct uart *u, unsigned reg, uint8_t v)
{
    if (!u->error) {
        u->error = axl_ioport_out(u->io, u->base + reg, 1, v);
    }
}

static void set_ier(struct uart *u, uint8_t ier)
{
    if (ier != u->ier) {
        out(u, UART_IER, ier);
        u->ier = ier;
    }
}

/* LSR; counts the overrun it may report, since reading LSR clears that bit. */
static uint8_t line_status(struct uart *u)
{
    uint8_t lsr = in(u, UART_LSR);

    if ((lsr & LSR_OE) && !u->error) {
        u->rx_lost++; /* at least one byte; the UART does not say how many */
    }
    return lsr;
}

static void rx_put(struct uart *u, uint8_t c)
{
    if (u->rx_count == UART_RX_BYTES) {
        u->rx_lost++; /* nobody reads: keep the oldest input, drop the newest */
        return;
    }
    u->rx[(u->rx_head + u->rx_count) % UART_RX_BYTES] = c;
    u->rx_count++;
}

/*
 * Resolves every condition that holds the interrupt line high: takes the
 * received bytes, and turns the transmit interrupt off once the FIFO is
 * empty (uart_write turns it on again while it has bytes left). Returns
 * whether there was anything to do.
 */
static bool service(struct uart *u)
{
    bool any = false;

    while (!u->error) {
        uint8_t lsr = line_status(u);
        if (lsr & LSR_DR) {
            rx_put(u, in(u, UART_RBR));
        } else if ((u->ier & IER_TX) && (lsr & LSR_THRE)) {
            set_ier(u, u->ier & ~IER_TX);
        } else {
            break;
        }
        any = true;
    }
    return any;
}

void uart_interrupt(struct uart *u)
{
    service(u);
    do {
        axl_irq_ack(u->irq); /* cannot fail (docs/abi.md) */
    } while (service(u));    /* something came before the ack: its edge may be lost (above) */
}

/* Blocks until the UART interrupts, and handles the interrupt. */
static void wait_for_interrupt(struct uart *u)
{
    uint64_t word;
    long err = axl_wait(AXL_PROC_SLOT_NOTIFICATION, &word);

    if (err) {
        u->error = err; /* no notification, no interrupts: the UART is unusable */
    } else if (word & (1ull << u->line)) {
        uart_interrupt(u);
    }
}

size_t uart_write(struct uart *u, const uint8_t *p, size_t n)
{
    size_t done = 0;

    while (done < n && !u->error) {
        if (line_status(u) & LSR_THRE) {
            /* THRE with the FIFO on means the whole transmit FIFO is empty. */
            for (unsigned k = 0; k < u->fifo && done < n; k++) {
                out(u, UART_THR, p[done++]);
            }
        } else {
            set_ier(u, u->ier | IER_TX); /* interrupts at once if it emptied meanwhile */
            wait_for_interrupt(u);
        }
    }
    set_ier(u, u->ier & ~IER_TX);
    return done;
}

size_t uart_read(struct uart *u, uint8_t *out, size_t max)
{
    size_t n = 0;

    for (; n < max && u->rx_count > 0; n++) {
        out[n] = u->rx[u->rx_head];
        u->rx_head = (u->rx_head + 1) % UART_RX_BYTES;
        u->rx_count--;
    }
    return n;
}

long uart_init(struct uart *u, uint64_t io, unsigned base, uint64_t irq, unsigned line)
{
    *u = (struct uart){.io = io, .irq = irq, .base = base, .line = line, .fifo = 1};

    /* Two patterns, so that neither a floating bus (0xff) nor a stuck bit passes. */
    out(u, UART_SCR, 0x5a);
    bool present = in(u, UART_SCR) == 0x5a;
    out(u, UART_SCR, 0xa5);
    present = present && in(u, UART_SCR) == 0xa5;
    if (u->error || !present) {
        return u->error ? u->error : AXL_S_IO_ERROR;
    }

    out(u, UART_IER, 0); /* quiet while it is set up (u->ier is 0 already) */
    out(u, UART_LCR, LCR_DLAB);
    out(u, UART_DLL, UART_CLOCK_DIVISOR & 0xff);
    out(u, UART_DLM, UART_CLOCK_DIVISOR >> 8);
    out(u, UART_LCR, LCR_8N1); /* and DLAB off again */
    out(u, UART_FCR, FCR_ENABLE | FCR_CLEAR_RX | FCR_CLEAR_TX | FCR_TRIGGER_1);
    if ((in(u, UART_IIR) & IIR_FIFO_ON) == IIR_FIFO_ON) {
        u->fifo = UART_FIFO_BYTES; /* a 16550A; an 8250/16450 or a 16550 with a broken FIFO: 1 */
    }
    out(u, UART_MCR, MCR_DTR | MCR_RTS | MCR_OUT2);
    set_ier(u, IER_RX);
    /* Input that came meanwhile, and an interrupt the line may still have masked. */
    uart_interrupt(u);
    return u->error;
}
