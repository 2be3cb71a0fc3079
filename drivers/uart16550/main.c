/* SPDX-License-Identifier: MIT */
/*
 * main.c: uart16550, the user-space driver of a PC 16550 UART.
 *
 * It drives the UART whose I/O ports and IRQ its manifest entry grants
 * (COM1: ports 0x3f8-0x3ff, IRQ 4; the range's first port is the base, so
 * COM2 works the same), registers as "uart" with the name server and serves
 * AXL_UART_OPS (<axl/protocols.h>) on its service endpoint. Bytes pass
 * untranslated both ways: the console server adds "\r" and tags. Once the
 * root task has issued COM1's ports, the kernel no longer writes to COM1,
 * so this driver is the line's only writer (kpanic excepted).
 * docs/driver.md walks through it.
 */
#include <axl/axl.h>
#include <axl/name.h>
#include <axl/proc.h>
#include <axl/protocols.h>
#include <axl/rpc.h>

#include "uart16550.h"

/* Fails a request because a port access or the notification failed; says why, once. */
static long io_failed(struct uart *u)
{
    static bool said;

    if (!said) {
        axl_printf("uart16550: the UART is unusable: %s\n", axl_strerror(u->error));
        said = true;
    }
    return AXL_S_IO_ERROR;
}

/* UART_WRITE: str bytes -> MR1 bytes written. */
static long op_write(void *ctx, struct axl_rpc_request *req)
{
    struct uart *u = ctx;
    uint8_t buf[AXL_MSG_BYTES_MAX(0)];
    unsigned pos = 0;
    size_t n;
    long err = axl_msg_get_bytes(req->msg, &pos, buf, sizeof(buf), &n);

    if (err) {
        return err;
    }
    size_t done = uart_write(u, buf, n);
    return u->error ? io_failed(u) : axl_msg_put_word(req->reply, done);
}

/* UART_READ: MR0 most bytes -> str bytes received (empty: none waiting). */
static long op_read(void *ctx, struct axl_rpc_request *req)
{
    struct uart *u = ctx;
    uint8_t buf[AXL_MSG_BYTES_MAX(1)]; /* what fits after the status word */
    unsigned pos = 0;
    uint64_t most;
    long err = axl_msg_get_word(req->msg, &pos, &most);

    if (err) {
        return err;
    }
    size_t n = uart_read(u, buf, most < sizeof(buf) ? (size_t)most : sizeof(buf));
    return axl_msg_put_bytes(req->reply, buf, n);
}

/* A signal while waiting for requests: input arrived (the only interrupt enabled then). */
static void notified(void *ctx, uint64_t word)
{
    struct uart *u = ctx;

    if (word & (1ull << u->line)) {
        uart_interrupt(u);
    }
}

/* The first capability of kind the manifest granted, or NULL. */
static const struct axl_proc_cap *granted(uint64_t kind)
{
    uint64_t n = axl_procinfo->cap_count;

    for (uint64_t i = 0; i < n && i < AXL_PROC_MAX_CAPS; i++) {
        if (axl_procinfo->caps[i].kind == kind) {
            return &axl_procinfo->caps[i];
        }
    }
    return NULL;
}

static const char *port_name(unsigned base)
{
    switch (base) {
    case 0x3f8: return "COM1";
    case 0x2f8: return "COM2";
    case 0x3e8: return "COM3";
    case 0x2e8: return "COM4";
    default: return "UART";
    }
}

int main(void)
{
    static struct uart uart;

    if (!axl_procinfo) {
        axl_printf("uart16550: no process info page: start me from the manifest, not as root task\n");
        return 1;
    }
    const struct axl_proc_cap *io = granted(AXL_PROC_CAP_IOPORT);
    const struct axl_proc_cap *irq = granted(AXL_PROC_CAP_IRQ);
    if (!io || io->last < io->first || io->last - io->first < UART_PORTS - 1) {
        axl_printf("uart16550: needs a range of %d I/O ports (manifest: ioports)\n", UART_PORTS);
        return 1;
    }
    if (!irq || irq->first >= 64) {
        axl_printf("uart16550: needs an IRQ (manifest: irqs)\n");
        return 1;
    }

    unsigned base = (unsigned)io->first, line = (unsigned)irq->first;
    long err = uart_init(&uart, io->cptr, base, irq->cptr, line);
    if (err == AXL_S_IO_ERROR) {
        axl_printf("uart16550: no UART at 0x%x: its scratch register keeps no value\n", base);
        return 1;
    }
    if (err) {
        axl_printf("uart16550: cannot program the UART at 0x%x: %s\n", base, axl_strerror(err));
        return 1;
    }
    axl_printf("uart16550: %s at 0x%x, irq %u, 115200 8N1, fifo %u\n", port_name(base), base,
               line, uart.fifo);

    err = axl_name_register(AXL_SERVICE_UART, AXL_PROC_SLOT_SERVICE_EP, NULL);
    if (err) {
        axl_printf("uart16550: cannot register as \"%s\": %s\n", AXL_SERVICE_UART,
                   axl_strerror(err));
        return 1;
    }

    static const struct axl_rpc_op ops[] = {
        {AXL_OP_UART_WRITE, 1, op_write}, /* min_words: the length word of the bytes */
        {AXL_OP_UART_READ, 1, op_read},
    };
    const struct axl_server server = {
        .ep = AXL_PROC_SLOT_SERVICE_EP,
        .ops = ops,
        .ops_count = sizeof(ops) / sizeof(ops[0]),
        .ctx = &uart,
        .notified = notified,
    };
    err = axl_serve(&server); /* answers PING itself */
    axl_printf("uart16550: cannot receive on the service endpoint: %s\n", axl_strerror(err));
    return 1;
}
