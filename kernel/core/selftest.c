/* SPDX-License-Identifier: MIT */
/*
 * selftest.c: deliberate kernel failures for the scenarios that check the
 * panic path (see selftest.h). Each test logs what it is about to do, so a
 * scenario can compare the report with the intent.
 */
#include <arch.h>
#include <clock.h>
#include <cmdline.h>
#include <fmt.h>
#include <klog.h>
#include <kstring.h>
#include <panic.h>
#include <pstore.h>
#include <selftest.h>
#include <uapi/axl/exit.h>

static __attribute__((noinline)) void selftest_early_fault(void)
{
    kinfo("selftest", "early-fault: executing ud2 before the full IDT is installed");
    arch_selftest_invalid_opcode();
}

static __attribute__((noinline)) void selftest_kernel_pf(void)
{
    kinfo("selftest", "kernel-pf: writing to 0x%016llx from selftest_kernel_pf",
          (unsigned long long)SELFTEST_PF_ADDR);
    volatile uint64_t *volatile target = (volatile uint64_t *)(uintptr_t)SELFTEST_PF_ADDR;
    *target = 0x1;
}

/*
 * An initialization-order bug: an exception taken while its IDT gate is
 * not present yet (the #UD gate here). The CPU cannot deliver #UD and
 * raises #NP with an error code naming IDT entry 6; the record's IDT
 * bitmap (and a dump's IDT) shows the gate missing. (With the #PF gate
 * missing instead, the #NP during #PF delivery becomes a double fault,
 * SDM Vol. 3A table 6-5, which hides the vector.)
 */
static __attribute__((noinline)) void selftest_init_order(void)
{
    kinfo("selftest", "init-order: executing ud2 while the #UD gate is not present");
    arch_selftest_unplug_gate(6);
    arch_selftest_invalid_opcode();
}

/* Never set: keeps the compiler from proving the recursion infinite. */
static volatile bool stop_recursion;

/* Each level pins 512 bytes of stack; noinline keeps every level a real frame. */
static __attribute__((noinline)) uint64_t recurse(uint64_t depth)
{
    volatile uint8_t pad[512];

    pad[depth % sizeof(pad)] = (uint8_t)depth;
    if (stop_recursion) {
        return 0;
    }
    return recurse(depth + 1) + pad[depth % sizeof(pad)];
}

static __attribute__((noinline)) void selftest_stack_overflow(void)
{
    kinfo("selftest", "stack-overflow: recursing until the boot stack runs into its guard page");
    recurse(0);
}

static __attribute__((noinline)) void selftest_divide_error(void)
{
    kinfo("selftest", "divide-error: dividing by zero in kernel mode");
    arch_selftest_divide_error();
}

static __attribute__((noinline)) void selftest_assert(void)
{
    kinfo("selftest", "assert: failing a kernel assertion");
    int answer = 41;
    KASSERT(answer == 42);
}

static __attribute__((noinline)) void selftest_nested_panic(void)
{
    kinfo("selftest", "nested-panic: a panic whose report path faults");
    panic_selftest_nested = true;
    kpanic(AXL_PANIC_ASSERT, "selftest nested-panic: first panic");
}

static __attribute__((noinline)) void selftest_stray_interrupt(void)
{
    kinfo("selftest", "stray-interrupt: raising vector 0x41, which nothing owns");
    arch_selftest_software_interrupt();
}

static bool check_clock(void)
{
    kinfo("selftest", "clock: counting 20 timer ticks against the TSC");
    return clock_selftest(20);
}

static const struct selftest {
    const char *name;
    enum selftest_stage stage;
    void (*fault)(void); /* fails on purpose: returning at all is the test's failure */
    bool (*check)(void); /* or: a check that returns its verdict */
} selftests[] = {
    {"early-fault", SELFTEST_EARLY, selftest_early_fault, NULL},
    {"kernel-pf", SELFTEST_LATE, selftest_kernel_pf, NULL},
    {"init-order", SELFTEST_LATE, selftest_init_order, NULL},
    {"stack-overflow", SELFTEST_LATE, selftest_stack_overflow, NULL},
    {"divide-error", SELFTEST_LATE, selftest_divide_error, NULL},
    {"assert", SELFTEST_LATE, selftest_assert, NULL},
    {"nested-panic", SELFTEST_LATE, selftest_nested_panic, NULL},
    {"stray-interrupt", SELFTEST_LATE, selftest_stray_interrupt, NULL},
    {"clock", SELFTEST_LATE, NULL, check_clock},
};

static const struct selftest *selected;
static uint64_t selected_boots; /* selftest-boots=N: run only on boots 1..N of the crash store */

bool selftest_select(const char *cmdline)
{
    char name[32];

    if (cmdline_get(cmdline, "selftest", name, sizeof(name)) < 0) {
        return true;
    }
    for (size_t i = 0; i < ARRAY_SIZE(selftests); i++) {
        if (strcmp(name, selftests[i].name) == 0) {
            selected = &selftests[i];
            kinfo("selftest", "selected %s", name);
            if (cmdline_get_uint(cmdline, "selftest-boots", 1000000, &selected_boots) == -2) {
                kerror("selftest", "selftest-boots= wants a number from 0 to 1000000");
                return false;
            }
            return true;
        }
    }
    char known[200];
    size_t n = 0;
    for (size_t i = 0; i < ARRAY_SIZE(selftests); i++) {
        n += (size_t)ksnprintf(known + n, n < sizeof(known) ? sizeof(known) - n : 0, " %s",
                               selftests[i].name);
    }
    kerror("selftest", "unknown self-test '%s'; known:%s", name, known);
    return false;
}

void selftest_run(enum selftest_stage stage)
{
    if (!selected || selected->stage != stage) {
        return;
    }
    if (selected_boots && pstore_boot_count() > selected_boots) {
        kinfo("selftest", "%s not run: this is boot %llu of the crash store (selftest-boots=%llu)",
              selected->name, (unsigned long long)pstore_boot_count(),
              (unsigned long long)selected_boots);
        return;
    }
    if (selected->fault) {
        selected->fault();
        kerror("selftest", "%s returned instead of failing", selected->name);
        arch_exit(AXL_EXIT_FAIL);
    }
    bool passed = selected->check();
    klog(passed ? KLOG_INFO : KLOG_ERROR, "selftest", "%s %s", selected->name,
         passed ? "passed" : "failed");
    arch_exit(passed ? AXL_EXIT_PASS : AXL_EXIT_FAIL);
}
