/* SPDX-License-Identifier: MIT */
/*
 * newlib-test: checks that user programs have a working C library: newlib
 * on the porting layer (libc/). One line per check,
 *
 *   ok  NL-FMT-001 %d, %i and %u print decimal, ...
 *   FAIL NL-MEM-003 malloc fails with ENOMEM ...: malloc failed with errno 0, ...
 *
 * then "N passed, M failed". The arguments name the groups to run (run fmt
 * malloc enomem setjmp assert stdlib math string time pid io); none runs
 * them all. As a process started by the root task it ends with exit: 0 if
 * every check passed, else 1, and its atexit handler says so in a line. As the root task itself
 * (the scenario newlib-rootonly) it tests the porting layer's fallbacks, the kernel log and the
 * static heap arena, and ends the machine through the debug-exit port with pass or fail.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <axl/axl.h>
#include <axl/proc.h>

#include "check.h"

static const struct nl_check run_checks[];
static const struct nl_check *const lists[] = {run_checks, nl_fmt_checks, nl_mem_checks,
                                               nl_misc_checks};
#define LISTS (sizeof(lists) / sizeof(lists[0]))

const char *nl_detail(const char *fmt, ...)
{
    static char detail[256];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(detail, sizeof(detail), fmt, ap);
    va_end(ap);
    return detail;
}

static bool constructed;
static const char *program; /* argv[0] */

__attribute__((constructor)) static void construct(void) { constructed = true; }

static void at_exit(void) { printf("newlib-test: the atexit handler ran\n"); }

static const char *start_up(void)
{
    EXPECT(constructed, "the constructor did not run before main");
    EXPECT(program && strncmp(program, "newlib-test", 11) == 0, "argv[0] is \"%s\"",
           program ? program : "(null)");
    EXPECT(atexit(at_exit) == 0, "atexit refused a handler");
    return NULL;
}

static const struct nl_check run_checks[] = {
    {"NL-RUN-001", "run",
     "constructors run before main, argv[0] is the program, atexit takes a handler", start_up},
    {NULL, NULL, NULL, NULL},
};

/* Whether the arguments select group (no arguments: every group). */
static bool selected(int argc, char **argv, const char *group)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], group) == 0) {
            return true;
        }
    }
    return argc < 2;
}

/* Arguments that name no group: each is reported, and counts as a failure. */
static int unknown_groups(int argc, char **argv)
{
    int unknown = 0;

    for (int i = 1; i < argc; i++) {
        bool found = false;
        for (size_t l = 0; l < LISTS && !found; l++) {
            for (const struct nl_check *c = lists[l]; c->id && !found; c++) {
                found = strcmp(argv[i], c->group) == 0;
            }
        }
        if (!found) {
            printf("newlib-test: no group '%s' (groups: run fmt malloc enomem setjmp "
                   "assert stdlib math string time pid io)\n",
                   argv[i]);
            unknown++;
        }
    }
    return unknown;
}

/* The root task ends the scenario: code to QEMU's isa-debug-exit port. */
static void end_machine(unsigned code)
{
    long err = axl_scenario_end(axl_bootinfo->first_free, code);
    printf("newlib-test: cannot end the machine through port 0x%x: %s\n", AXL_DEBUG_EXIT_PORT,
           err ? axl_strerror(err) : "the write returned");
}

int main(int argc, char **argv)
{
    int passed = 0, failed = unknown_groups(argc, argv);

    program = argv[0];
    if (axl_procinfo) {
        printf("newlib-test: as process %llu, heap quota %llu bytes\n",
               (unsigned long long)axl_procinfo->pid, (unsigned long long)axl_procinfo->heap_quota);
    } else {
        printf("newlib-test: as the root task: output to the kernel log, heap from the arena\n");
    }
    for (size_t l = 0; l < LISTS; l++) {
        for (const struct nl_check *c = lists[l]; c->id; c++) {
            if (!selected(argc, argv, c->group)) {
                continue;
            }
            const char *why = c->run();
            if (why) {
                printf("FAIL %s %s: %s\n", c->id, c->what, why);
                failed++;
            } else {
                printf("ok  %s %s\n", c->id, c->what);
                passed++;
            }
        }
    }
    printf("%d passed, %d failed\n", passed, failed);
    if (axl_bootinfo) {
        fflush(stdout);
        end_machine(failed ? AXL_EXIT_FAIL : AXL_EXIT_PASS);
    }
    return failed ? 1 : 0;
}
