/* SPDX-License-Identifier: MIT */
/*
 * ktest.h: the kernel test suite's framework (tests/ktest/).
 *
 * ktest is a root task: it boots as the first module, runs every case
 * against the real kernel through system calls, prints one line per case
 * and ends the scenario with the pass or fail exit code. A case is
 * declared once, with a stable ID and a sentence saying what must hold:
 *
 *     KTEST(CAP_004, "a copy of a notification capability names a notification")
 *     {
 *         uint64_t ntfn = kt_retype1(AXL_OBJ_NOTIFICATION, 0), copy = kt_slot();
 *         KT_ASSERT_NE(ntfn, 0);
 *         KT_EXPECT_OK(axl_cnode_copy(AXL_SLOT_CNODE, copy, AXL_SLOT_CNODE, ntfn, ...));
 *         ...
 *     }
 *
 * and printed as "ok KT-CAP-001 <sentence>", "FAIL KT-CAP-001 <sentence>:
 * <file>:<line>: <what>" or "skip KT-CAP-001 <sentence>: <why>" (kt_skip). IDs are AREA_NNN, never reused for another
 * meaning; a second definition of one ID is a link error. KTEST puts a
 * pointer to the case in the section axl_ktest (libipc/user.ld collects
 * it), and the runner sorts the cases by ID, so the order of files and
 * definitions does not matter.
 *
 * KT_EXPECT_* record a failure and let the case go on; KT_ASSERT_* record
 * it and return from the case (use them where later steps depend on the
 * result). A case's first failure is the one reported, with a count of
 * any more. Cases run one after another in one thread and share the root
 * task's CSpace: each takes fresh slots from kt_slot and leaves behind
 * whatever it made (slots are not reused, untyped memory is not returned).
 */
#ifndef KTEST_H
#define KTEST_H

#include <stdbool.h>
#include <stdint.h>

#include <axl/axl.h>

struct ktest {
    const char *id;       /* as written in KTEST, e.g. "CAP_001" */
    const char *sentence; /* what the case checks, one line */
    void (*run)(void);
};

#define KTEST(ID, SENTENCE)                                                                        \
    static void ktest_run_##ID(void);                                                              \
    const struct ktest ktest_case_##ID = {#ID, SENTENCE, ktest_run_##ID};                          \
    const struct ktest *const ktest_ptr_##ID __attribute__((used, section("axl_ktest"))) =         \
        &ktest_case_##ID;                                                                          \
    static void ktest_run_##ID(void)

/* --- recording failures (ktest.c) --- */

/* Records a failure of the running case at file:line; the text is formatted like axl_printf. */
void kt_fail(const char *file, int line, const char *fmt, ...) AXL_PRINTF_LIKE(3, 4);

/*
 * Marks the running case as skipped, with the reason (formatted like
 * axl_printf): it could not test what its sentence states on this CPU,
 * e.g. an exception the emulator never raises. A skipped case counts
 * neither as passed nor as failed; a failure recorded too still fails it.
 */
void kt_skip(const char *fmt, ...) AXL_PRINTF_LIKE(1, 2);

/* Each returns whether the check held, recording a failure if not. */
bool kt_check(bool ok, const char *what, const char *file, int line);
bool kt_check_eq(uint64_t a, uint64_t b, bool equal, const char *sa, const char *sb,
                 const char *file, int line);
bool kt_check_err(long got, long want, const char *expr, const char *file, int line);

#define KT_EXPECT_TRUE(cond) ((void)kt_check(!!(cond), #cond, __FILE__, __LINE__))
#define KT_EXPECT_EQ(a, b)                                                                         \
    ((void)kt_check_eq((uint64_t)(a), (uint64_t)(b), true, #a, #b, __FILE__, __LINE__))
#define KT_EXPECT_NE(a, b)                                                                         \
    ((void)kt_check_eq((uint64_t)(a), (uint64_t)(b), false, #a, #b, __FILE__, __LINE__))
/* expr returns an error code (long); it must be err (an AXL_E_* name). */
#define KT_EXPECT_ERR(expr, err) ((void)kt_check_err((expr), (err), #expr, __FILE__, __LINE__))
#define KT_EXPECT_OK(expr) KT_EXPECT_ERR(expr, AXL_E_OK)

#define KT_ASSERT_TRUE(cond)                                                                       \
    do {                                                                                           \
        if (!kt_check(!!(cond), #cond, __FILE__, __LINE__)) {                                      \
            return;                                                                                \
        }                                                                                          \
    } while (0)
#define KT_ASSERT_EQ(a, b)                                                                         \
    do {                                                                                           \
        if (!kt_check_eq((uint64_t)(a), (uint64_t)(b), true, #a, #b, __FILE__, __LINE__)) {        \
            return;                                                                                \
        }                                                                                          \
    } while (0)
#define KT_ASSERT_NE(a, b)                                                                         \
    do {                                                                                           \
        if (!kt_check_eq((uint64_t)(a), (uint64_t)(b), false, #a, #b, __FILE__, __LINE__)) {       \
            return;                                                                                \
        }                                                                                          \
    } while (0)
#define KT_ASSERT_ERR(expr, err)                                                                   \
    do {                                                                                           \
        if (!kt_check_err((expr), (err), #expr, __FILE__, __LINE__)) {                             \
            return;                                                                                \
        }                                                                                          \
    } while (0)
#define KT_ASSERT_OK(expr) KT_ASSERT_ERR(expr, AXL_E_OK)

/* --- the runner (ktest.c), for main.c --- */

/* The number of KTEST cases linked in. */
unsigned kt_case_count(void);
/* Runs every case in ID order, printing one line each; counts the outcomes. */
void kt_run_all(unsigned *passed, unsigned *failed, unsigned *skipped);
/*
 * Ends the scenario with exit code (AXL_EXIT_PASS or AXL_EXIT_FAIL): issues
 * a capability to the isa-debug-exit port from AXL_SLOT_IOPORT_CONTROL and
 * writes the code to it. Returns only if that did not stop the machine,
 * after saying why.
 */
void kt_end(unsigned code);

/* --- resources for the cases (alloc.c) --- */

/*
 * The next free slot of the root CNode, from axl_bootinfo->first_free up;
 * 0 (the null slot, which every operation refuses) when none is left, so a
 * case that runs out fails on its next invocation.
 */
uint64_t kt_slot(void);
/* count consecutive free slots; returns the first (0 if there is no room). */
uint64_t kt_slots(uint64_t count);

/*
 * The slot of a non-device untyped from the boot information that still
 * has room for count objects of 2^obj_bits bytes each, placed the way the
 * kernel places them (each aligned to its size). Counts them as used.
 * 0 if no untyped has room.
 */
uint64_t kt_untyped(unsigned obj_bits, uint64_t count);

/* log2 of the bytes a retype of type with size_bits takes (-1: cannot be retyped). */
int kt_object_bits(unsigned type, unsigned size_bits);

/*
 * Retypes count objects of type (size_bits as for axl_untyped_retype) from a
 * suitable untyped into fresh consecutive slots of the root CNode; *first
 * gets the first slot. Returns the kernel's error, or AXL_E_NOT_ENOUGH_MEMORY
 * (slots or memory) without a system call.
 */
long kt_retype(unsigned type, unsigned size_bits, uint64_t count, uint64_t *first);
/*
 * One object of type in a fresh slot, which it returns; 0, with a failure
 * recorded at the caller's line, if the retype failed.
 */
#define kt_retype1(type, size_bits) kt_retype1_at((type), (size_bits), __FILE__, __LINE__)
uint64_t kt_retype1_at(unsigned type, unsigned size_bits, const char *file, int line);

/*
 * CNODE_INSPECT of slot in the root CNode. Returns whether it succeeded;
 * if not, *info is zeroed and a failure recorded at the caller's line.
 */
#define kt_inspect(slot, info) kt_inspect_at((slot), (info), __FILE__, __LINE__)
bool kt_inspect_at(uint64_t slot, struct axl_cap_info *info, const char *file, int line);

#endif /* KTEST_H */
