/* SPDX-License-Identifier: MIT */
/*
 * forkbomb: spawns copies of itself without end, and every copy does the
 * same (the fork-bomb scenario, docs/resources.md). It is not malicious,
 * only relentless: each copy asks the supervisor for another process in a
 * loop that never ends, yielding after a refusal, so the only thing that
 * stops the tree is its resource domain: its process limit (EAGAIN) or its
 * memory (ENOMEM). Each copy says once that it runs and once for the first
 * refusal of each kind; the supervisor counts the rest.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <axl/axl.h>
#include <axl/domain.h>
#include <axl/proc.h>

int main(void)
{
    /* A copy spawns its own module: it was started under the module's name. */
    const char *self = axl_procinfo ? axl_procinfo->name : "forkbomb";
    unsigned long spawned = 0, eagain = 0, enomem = 0;

    printf("forkbomb: pid %d runs; spawning copies of '%s' without end\n", (int)getpid(), self);
    for (;;) {
        int pid = axl_spawn_process(self, "");
        if (pid > 0) {
            spawned++;
            continue;
        }
        int e = errno;
        unsigned long *count = e == EAGAIN ? &eagain : e == ENOMEM ? &enomem : NULL;
        if (!count) {
            printf("forkbomb: pid %d: spawn failed: %s: stopping\n", (int)getpid(), strerror(e));
            return 3; /* anything but the two exhaustion errors is a bug */
        }
        if ((*count)++ == 0) {
            printf("forkbomb: pid %d: spawn refused with %s after %lu copies; trying again\n",
                   (int)getpid(), e == EAGAIN ? "EAGAIN" : "ENOMEM", spawned);
        }
        axl_yield(); /* let everything else at this priority run; then try again */
    }
}
