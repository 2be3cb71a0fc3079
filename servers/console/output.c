/* SPDX-License-Identifier: MIT */
/*
 * output.c: the UART driver as the console sees it, the one way out.
 *
 * The driver's endpoint comes from the name server ("uart"). A driver can
 * die and be restarted under the same name; a call then fails (ABORTED when
 * it died while serving us, INVALID_CAPABILITY when our copy is gone), and
 * the console looks the name up again once and retries once. Output the
 * UART did not take is counted and reported in the next output that gets
 * through.
 */
#include "console.h"

#include <stdarg.h>

#include <axl/invoke.h>
#include <axl/name.h>
#include <axl/proc.h>
#include <axl/protocols.h>
#include <axl/rpc.h>
#include <axl/string.h>

static uint64_t uart_slot; /* our CNode's slot for the UART's endpoint */
static uint64_t lost;      /* bytes of output the UART did not take, not reported yet */

/* Puts the UART's endpoint in uart_slot, asking the name server up to `tries` times. */
static long resolve(unsigned tries, uint64_t *generation)
{
    long err = AXL_S_NOT_FOUND;

    if (!uart_slot) {
        return AXL_S_NO_SPACE; /* our CNode was full at start */
    }
    (void)axl_cnode_delete(AXL_PROC_SLOT_CNODE, uart_slot); /* the stale copy: the slot must be empty */
    for (unsigned i = 0; i < tries && err == AXL_S_NOT_FOUND; i++) {
        if (i > 0) {
            axl_yield(); /* let the driver start and register */
        }
        err = axl_name_lookup(AXL_SERVICE_UART, uart_slot, generation);
    }
    return err;
}

long output_init(uint64_t *generation)
{
    uart_slot = axl_slot_alloc();
    return resolve(CONSOLE_UART_TRIES, generation);
}

/* True when err means our endpoint leads to no driver any more (see the top). */
static bool link_broken(long err)
{
    return err == AXL_E_ABORTED || err == AXL_E_INVALID_CAPABILITY;
}

/*
 * Calls the UART with request *m, which must lie in MR0..MR3: a retry sends
 * the saved copy, and words in the IPC buffer would not survive the failed
 * call. The reply replaces *m.
 */
static long uart_call(struct axl_msg *m)
{
    struct axl_msg request = *m;
    long err = axl_rpc_call(uart_slot, m);

    if (link_broken(err) && resolve(1, NULL) == AXL_E_OK) {
        *m = request;
        err = axl_rpc_call(uart_slot, m);
    }
    return err;
}

/* One UART_WRITE of n bytes (at most one message's worth). */
static long uart_write(const void *p, size_t n)
{
    struct axl_msg m;

    axl_rpc_begin(&m, AXL_OP_UART_WRITE);
    long err = axl_msg_put_bytes(&m, p, n);
    if (err) {
        return err;
    }
    err = axl_rpc_call(uart_slot, &m);
    if (link_broken(err) && resolve(1, NULL) == AXL_E_OK) {
        axl_rpc_begin(&m, AXL_OP_UART_WRITE); /* the failed call overwrote the IPC buffer */
        err = axl_msg_put_bytes(&m, p, n);
        err = err ? err : axl_rpc_call(uart_slot, &m);
    }
    return err;
}

/* Sends one piece of output; counts it lost if the UART would not take it. */
static void emit(const char *p, size_t n)
{
    if (lost > 0) {
        char note[80];
        int k = axl_snprintf(note, sizeof(note), "[console] %llu bytes of output lost\r\n",
                             (unsigned long long)lost);
        if (uart_write(note, (size_t)k) == AXL_E_OK) {
            lost = 0;
        }
    }
    if (uart_write(p, n) != AXL_E_OK) {
        lost += n;
    }
}

void output_line(const char *tag, const char *text, size_t n, bool cut)
{
    char buf[1 + AXL_PROC_NAME_MAX + 2 + CONSOLE_LINE_MAX + 3]; /* [tag] text~\r\n */
    size_t t = strnlen(tag, AXL_PROC_NAME_MAX - 1), len = 0;

    n = n < CONSOLE_LINE_MAX ? n : CONSOLE_LINE_MAX;
    buf[len++] = '[';
    memcpy(buf + len, tag, t);
    len += t;
    buf[len++] = ']';
    buf[len++] = ' ';
    memcpy(buf + len, text, n);
    len += n;
    if (cut) {
        buf[len++] = CONSOLE_CUT_MARK;
    }
    buf[len++] = '\r';
    buf[len++] = '\n';
    emit(buf, len);
}

void output_note(const char *fmt, ...)
{
    char text[CONSOLE_LINE_MAX + 1];
    va_list ap;

    va_start(ap, fmt);
    int n = axl_vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    output_line("console", text, n < 0 ? 0 : (size_t)n, false); /* output_line cuts at the max */
}

void output_raw(const char *p, size_t n)
{
    const size_t max = AXL_MSG_BYTES_MAX(0);

    for (size_t k; n > 0; p += k, n -= k) {
        k = n < max ? n : max;
        emit(p, k);
    }
}

long output_read(uint8_t *buf, size_t max, size_t *n)
{
    struct axl_msg m;
    unsigned pos = 1; /* the bytes follow the status */

    *n = 0;
    axl_rpc_begin(&m, AXL_OP_UART_READ);
    axl_msg_put_word(&m, max); /* MR0: fits in any message */
    if (uart_call(&m) != AXL_E_OK || axl_msg_get_bytes(&m, &pos, buf, max, n) != AXL_E_OK) {
        return AXL_S_IO_ERROR; /* not the driver's own error: a client would read it as ours */
    }
    return AXL_E_OK;
}
