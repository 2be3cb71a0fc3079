/* SPDX-License-Identifier: MIT */
/*
 * selftest.h: deliberate kernel failures, selected with "selftest=NAME" on
 * the command line, so scenarios can prove the panic path tells the truth
 * (core/selftest.c). A kernel booted without the option never runs them.
 */
#ifndef AXL_SELFTEST_H
#define AXL_SELFTEST_H

#include "types.h"

enum selftest_stage {
    SELFTEST_EARLY, /* before the full IDT: only the early IDT stands */
    SELFTEST_LATE,  /* after memory and paging are set up */
};

/* Selects the self-test named in cmdline. Returns false (having logged the
 * known names) if the name is unknown. No option selects nothing. */
bool selftest_select(const char *cmdline);

/* Runs the selected self-test if it belongs to this stage and ends the
 * boot: most tests panic on purpose; one that returns ends the scenario
 * with PASS or FAIL. Returns only if no self-test runs at this stage. */
void selftest_run(enum selftest_stage stage);


/* The address the kernel-pf self-test writes to. */
#define SELFTEST_PF_ADDR 0x00000000deadbeefull

#endif /* AXL_SELFTEST_H */
