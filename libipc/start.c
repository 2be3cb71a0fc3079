/* SPDX-License-Identifier: MIT */
/*
 * start.c: from _start (crt0.S) to main, and what happens after it.
 *
 * There is no exit system call yet: a program whose main returns says so
 * in the kernel log and then yields forever, so the rest of the system
 * keeps running (and a scenario waiting for it ends by its timeout).
 */
#include <axl/print.h>
#include <axl/sys.h>

struct axl_bootinfo *axl_bootinfo;
struct axl_ipc_buffer *axl_ipc_buffer;

int main(void);
void axl_start(struct axl_bootinfo *bootinfo, struct axl_ipc_buffer *ipc_buffer)
    __attribute__((noreturn));

/* Called by _start only: the entry registers rdi and rsi, in that order. */
void axl_start(struct axl_bootinfo *bootinfo, struct axl_ipc_buffer *ipc_buffer)
{
    axl_bootinfo = bootinfo;
    axl_ipc_buffer = ipc_buffer;

    int status = main();

    axl_printf("main returned %d\n", status);
    for (;;) {
        axl_yield();
    }
}
