/* SPDX-License-Identifier: MIT */
/*
 * ktest.c: the case runner and failure recording (ktest.h), and how the
 * suite ends the scenario.
 *
 * After each case the runner asks the kernel for its consistency check
 * (DEBUG_CHECK), so a case that leaves the capability tree broken is the
 * one that fails, not some later case that trips over the damage.
 */
#include "ktest.h"

/* The linker set of cases (libipc/user.ld): one pointer per KTEST. */
extern const struct ktest *const __start_axl_ktest[];
extern const struct ktest *const __stop_axl_ktest[];

#define MAX_CASES 1024

/* The running case's first failure, and how many more it had. */
static struct {
    unsigned count;
    const char *file;
    int line;
    char what[192];
} failure;

void kt_fail(const char *file, int line, const char *fmt, ...)
{
    va_list ap;

    if (failure.count++ > 0) {
        return;
    }
    failure.file = file;
    failure.line = line;
    va_start(ap, fmt);
    axl_vsnprintf(failure.what, sizeof(failure.what), fmt, ap);
    va_end(ap);
}

/* Why the running case could not test what it states on this CPU; empty if it could. */
static char skip_reason[320];

void kt_skip(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    axl_vsnprintf(skip_reason, sizeof(skip_reason), fmt, ap);
    va_end(ap);
}

bool kt_check(bool ok, const char *what, const char *file, int line)
{
    if (!ok) {
        kt_fail(file, line, "%s is false", what);
    }
    return ok;
}

bool kt_check_eq(uint64_t a, uint64_t b, bool equal, const char *sa, const char *sb,
                 const char *file, int line)
{
    bool ok = (a == b) == equal;
    if (!ok) {
        kt_fail(file, line, "%s %s %s: 0x%llx %s 0x%llx", sa, equal ? "==" : "!=", sb,
                (unsigned long long)a, equal ? "!=" : "==", (unsigned long long)b);
    }
    return ok;
}

bool kt_check_err(long got, long want, const char *expr, const char *file, int line)
{
    bool ok = got == want;
    if (!ok) {
        kt_fail(file, line, "%s returned %s (%ld), expected %s", expr, axl_errname(got), got,
                axl_errname(want));
    }
    return ok;
}

/* The cases, sorted by ID (insertion sort: there are few, and the set is read-only). */
static unsigned sorted_cases(const struct ktest **out, unsigned max)
{
    unsigned n = 0;

    for (const struct ktest *const *p = __start_axl_ktest; p < __stop_axl_ktest && n < max; p++) {
        unsigned i = n++;
        while (i > 0 && strcmp(out[i - 1]->id, (*p)->id) > 0) {
            out[i] = out[i - 1];
            i--;
        }
        out[i] = *p;
    }
    return n;
}

unsigned kt_case_count(void) { return (unsigned)(__stop_axl_ktest - __start_axl_ktest); }

/* "CAP_001" -> "KT-CAP-001", the form printed and quoted in reports. */
static void display_id(const char *id, char *buf, size_t size)
{
    size_t n = (size_t)axl_snprintf(buf, size, "KT-%s", id);
    for (size_t i = 0; i < n && i < size; i++) {
        if (buf[i] == '_') {
            buf[i] = '-';
        }
    }
}

enum outcome { PASSED, FAILED, SKIPPED };

/* Runs one case and prints its line. */
static enum outcome run_case(const struct ktest *t)
{
    char id[32];

    failure.count = 0;
    skip_reason[0] = 0;
    t->run();
    long problems = axl_debug_check();
    if (problems != 0) {
        kt_fail(__FILE__, __LINE__,
                "the kernel's consistency check found %ld problems after it "
                "(see the kernel log)",
                problems);
    }
    display_id(t->id, id, sizeof(id));
    if (failure.count == 0 && skip_reason[0]) {
        axl_printf("skip %s %s: %s\n", id, t->sentence, skip_reason);
        return SKIPPED;
    }
    if (failure.count == 0) {
        axl_printf("ok %s %s\n", id, t->sentence);
        return PASSED;
    }
    if (failure.count == 1) {
        axl_printf("FAIL %s %s: %s:%d: %s\n", id, t->sentence, failure.file, failure.line,
                   failure.what);
    } else {
        axl_printf("FAIL %s %s: %s:%d: %s (and %u more failures)\n", id, t->sentence, failure.file,
                   failure.line, failure.what, failure.count - 1);
    }
    return FAILED;
}

void kt_run_all(unsigned *passed, unsigned *failed, unsigned *skipped)
{
    static const struct ktest *cases[MAX_CASES];
    unsigned n = sorted_cases(cases, MAX_CASES);

    *passed = *failed = *skipped = 0;
    if (n < kt_case_count()) {
        axl_printf("FAIL ktest: %u cases, more than the runner's %u: raise MAX_CASES\n",
                   kt_case_count(), MAX_CASES);
        (*failed)++;
    }
    for (unsigned i = 0; i < n; i++) {
        switch (run_case(cases[i])) {
        case PASSED:
            (*passed)++;
            break;
        case FAILED:
            (*failed)++;
            break;
        case SKIPPED:
            (*skipped)++;
            break;
        }
    }
}

void kt_end(unsigned code)
{
    /* Without usable boot info kt_slot has nothing: the CNode's last slot is as good as any. */
    uint64_t slot = kt_slot();
    if (slot == 0) {
        slot = (1ull << AXL_ROOT_CNODE_RADIX) - 1;
    }
    long err = axl_scenario_end(slot, code);
    /* Only reached if QEMU did not exit: no debug-exit device, or the kernel refused. */
    axl_printf("ktest: cannot end the scenario through port 0x%x: %s\n", AXL_DEBUG_EXIT_PORT,
               err ? axl_strerror(err) : "the write returned");
}
