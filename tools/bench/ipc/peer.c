/* SPDX-License-Identifier: MIT */
/*
 * peer.c: the loops the peer threads run (bench.h).
 *
 * These functions run in the server space (or, for the same-space round
 * trip, in the root space) on a small stack of their own. In the server
 * space our .data and .bss are pristine copies from the ELF file, so
 * nothing here may read the root task's globals (axl_bootinfo and
 * axl_ipc_buffer are NULL there): everything comes from *sh, and the
 * system calls are libipc's inline wrappers, which touch no global.
 * Messages are empty (length 0), as in seL4's published IPC figures.
 *
 * Each loop stamps the shared page at the point the root task's sample
 * ends or begins; the root task explains which in main.c.
 */
#include "bench.h"

_Noreturn void peer_server(struct bench_shared *sh)
{
    uint64_t ep = sh->ep;
    struct axl_msg m;

    axl_recv(ep, &m);
    for (;;) {
        m.info = AXL_MSGINFO(0, 0, 0); /* the reply: empty */
        axl_reply_recv(ep, &m);
    }
}

_Noreturn void peer_server_stamp(struct bench_shared *sh)
{
    uint64_t ep = sh->ep;
    struct axl_msg m;

    axl_recv(ep, &m);
    for (;;) {
        sh->t_arrive = bench_tsc(); /* the call has arrived: its one-way time ends here */
        m.info = AXL_MSGINFO(0, 0, 0);
        sh->t_leave = bench_tsc(); /* the reply's one-way time starts here */
        axl_reply_recv(ep, &m);
    }
}

_Noreturn void peer_sender(struct bench_shared *sh)
{
    uint64_t ep = sh->ep;
    const struct axl_msg m = axl_message(0, 0);

    for (;;) {
        sh->t = bench_tsc(); /* the send's one-way time starts here */
        axl_send(ep, &m);
    }
}

_Noreturn void peer_signaller(struct bench_shared *sh)
{
    uint64_t ntfn = sh->ntfn;

    for (;;) {
        sh->t = bench_tsc(); /* signal-to-wakeup starts here */
        axl_signal(ntfn);
    }
}

_Noreturn void peer_yielder(struct bench_shared *sh)
{
    for (;;) {
        sh->t = bench_tsc(); /* back from YIELD (the loop's top): the switch to us ends here */
        axl_yield();
    }
}
