/* SPDX-License-Identifier: MIT */
/*
 * hello: the sample program of the demo scenario. An ordinary C program:
 * printf goes through newlib's stdio to write(), which the porting layer
 * (libc/) sends to the console server, which tags the line and hands it to
 * the UART driver. It then asks the root task for the process report and
 * exits; its exit status ends the scenario (shutdown-on-exit).
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <axl/axl.h>
#include <axl/proc.h>
#include <axl/protocols.h>
#include <axl/rpc.h>

int main(void)
{
    const char *who = axl_procinfo && axl_procinfo->args[0] ? axl_procinfo->args : "world";
    char *heap = malloc(64);

    if (!heap) {
        printf("hello: malloc failed\n");
        return 1;
    }
    snprintf(heap, 64, "\"%s\"", "str");
    printf("Hello, %s! printf says %d, %d, %#x, %.2f, %s\n", who, 42, -7, 42, 3.14159, heap);
    free(heap);
    struct axl_tcb_info me;
    if (axl_tcb_info(AXL_PROC_SLOT_TCB, &me) == AXL_E_OK) {
        printf("I am pid %d, kernel thread %llu, priority %llu\n", (int)getpid(),
               (unsigned long long)me.id, (unsigned long long)me.priority);
    }

    struct axl_msg m;
    axl_rpc_begin(&m, AXL_OP_SUP_PS);
    long err = axl_rpc_call(AXL_PROC_SLOT_SUPERVISOR_EP, &m);
    if (err != AXL_E_OK) {
        printf("hello: the process report failed: %s\n", axl_strerror(err));
        return 1;
    }
    return 0;
}
