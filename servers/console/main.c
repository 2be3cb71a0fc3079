/* SPDX-License-Identifier: MIT */
/*
 * main.c: console, the server every process writes its output to.
 *
 * It puts the output of all processes on the UART driver one whole line at
 * a time, each line tagged with its writer ("[name] text"), and prints the
 * kernel's log once the kernel has handed COM1 over. It serves
 * AXL_CONSOLE_OPS (<axl/protocols.h>) on its service endpoint and registers
 * that as "console". Every process holds a copy at AXL_PROC_SLOT_CONSOLE_EP
 * badged with its pid, which is how the console tells writers apart; the
 * root task holds the unbadged one (badge 0), and only it may name writers
 * (CONSOLE_TAG), before it starts each process.
 *
 * Every handler first copies its arguments out of the request: the calls
 * the console makes to the UART reuse the IPC buffer, where words past MR3
 * of the request live. Then it prints whatever the kernel logged since the
 * last request, so kernel lines come out before the output they preceded.
 */
#include <axl/axl.h>
#include <axl/name.h>
#include <axl/proc.h>
#include <axl/protocols.h>
#include <axl/rpc.h>

#include "console.h"

/* CONSOLE_WRITE: str bytes -> MR1 bytes taken (all of them). */
static long op_write(void *ctx, struct axl_rpc_request *req)
{
    uint8_t buf[AXL_MSG_BYTES_MAX(0)];
    unsigned pos = 0;
    size_t n;
    long err = axl_msg_get_bytes(req->msg, &pos, buf, sizeof(buf), &n);

    (void)ctx;
    if (err) {
        return err;
    }
    kernel_log_drain(false);
    clients_write(req->badge, buf, n);
    return axl_msg_put_word(req->reply, n);
}

/* CONSOLE_READ: MR0 most bytes -> str bytes (empty: no input waiting). */
static long op_read(void *ctx, struct axl_rpc_request *req)
{
    uint8_t buf[AXL_MSG_BYTES_MAX(1)]; /* what fits after the status word */
    unsigned pos = 0;
    uint64_t most;
    size_t n;
    long err = axl_msg_get_word(req->msg, &pos, &most);

    (void)ctx;
    if (err) {
        return err;
    }
    kernel_log_drain(false);
    err = output_read(buf, most < sizeof(buf) ? (size_t)most : sizeof(buf), &n);
    return err ? err : axl_msg_put_bytes(req->reply, buf, n);
}

/* CONSOLE_TAG: MR0 badge, str tag -> (the unbadged capability only). */
static long op_tag(void *ctx, struct axl_rpc_request *req)
{
    char tag[AXL_PROC_NAME_MAX];
    unsigned pos = 0;
    uint64_t badge;

    (void)ctx;
    if (req->badge != 0) {
        return AXL_S_DENIED;
    }
    long err = axl_msg_get_word(req->msg, &pos, &badge);
    err = err ? err : axl_msg_get_str(req->msg, &pos, tag, sizeof(tag) - 1);
    if (err) {
        return err;
    }
    kernel_log_drain(false);
    clients_tag(badge, tag);
    return AXL_E_OK;
}

/* CONSOLE_SYNC: -> the kernel log and every partial line are written out. */
static long op_sync(void *ctx, struct axl_rpc_request *req)
{
    (void)ctx;
    (void)req;
    kernel_log_drain(true);
    clients_flush();
    return AXL_E_OK;
}

/* PING: -> MR1 pid. Also a chance to print the kernel log while no process writes. */
static long op_ping(void *ctx, struct axl_rpc_request *req)
{
    (void)ctx;
    kernel_log_drain(false);
    return axl_msg_put_word(req->reply, axl_procinfo->pid);
}

int main(void)
{
    uint64_t generation = 0;

    if (!axl_procinfo) {
        axl_printf("console: no process info page: start me from the manifest, not as root task\n");
        return 1;
    }
    /*
     * Without a UART the console still serves: the root task's first call
     * waits for it, and every write looks "uart" up again, so output (and a
     * count of what was lost) resumes once a driver registers. Until then
     * the kernel log is the only place to say so.
     */
    long err = output_init(&generation);
    if (err) {
        axl_printf("console: no UART driver registered as \"%s\" (%d lookups): %s; "
                   "output is lost until one registers\n",
                   AXL_SERVICE_UART, CONSOLE_UART_TRIES, axl_strerror(err));
    }
    kernel_log_drain(false);
    err = axl_name_register(AXL_SERVICE_CONSOLE, AXL_PROC_SLOT_SERVICE_EP, NULL);
    if (err) { /* processes get the endpoint from the root task: serve them anyway */
        output_note("cannot register as \"%s\": %s", AXL_SERVICE_CONSOLE, axl_strerror(err));
    }
    output_note("ready: %d clients, lines of %d bytes, UART generation %llu", CONSOLE_CLIENTS,
                CONSOLE_LINE_MAX, (unsigned long long)generation);

    static const struct axl_rpc_op ops[] = {
        {AXL_OP_CONSOLE_WRITE, 1, op_write}, /* min_words: the length word of the bytes */
        {AXL_OP_CONSOLE_READ, 1, op_read},
        {AXL_OP_CONSOLE_TAG, 2, op_tag},
        {AXL_OP_CONSOLE_SYNC, 0, op_sync},
        {AXL_OP_PING, 0, op_ping},
    };
    const struct axl_server server = {
        .ep = AXL_PROC_SLOT_SERVICE_EP,
        .ops = ops,
        .ops_count = sizeof(ops) / sizeof(ops[0]),
    };
    err = axl_serve(&server);
    output_note("cannot receive on the service endpoint: %s", axl_strerror(err));
    return 1;
}
