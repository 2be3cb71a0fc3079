/* SPDX-License-Identifier: MIT */
/*
 * main.c: ktest's main: check the boot information, run every case, print
 * the total and end the scenario with its verdict (ktest.h).
 *
 * The last line, "N passed, N failed", is what the scenario matches
 * (tests/scenarios-pending/ktest/scenario.toml); every case line comes
 * before it.
 */
#include "ktest.h"

int main(void)
{
    unsigned passed, failed, skipped;

    if (!axl_bootinfo || axl_bootinfo->magic != AXL_BOOTINFO_MAGIC) {
        axl_printf("FAIL ktest: no valid boot information at %p: cannot find free slots or "
                   "untyped memory\n",
                   (void *)axl_bootinfo);
        axl_printf("0 passed, 1 failed\n");
        kt_end(AXL_EXIT_FAIL);
        return 1;
    }
    axl_printf("ktest: %u cases; free slots from %llu, %llu untyped regions\n", kt_case_count(),
               (unsigned long long)axl_bootinfo->first_free,
               (unsigned long long)axl_bootinfo->untyped_count);
    kt_run_all(&passed, &failed, &skipped);
    if (skipped) {
        axl_printf("ktest: %u skipped: this CPU cannot show what they test (see the skip lines)\n",
                   skipped);
    }
    axl_printf("%u passed, %u failed\n", passed, failed);
    kt_end(failed ? AXL_EXIT_FAIL : AXL_EXIT_PASS);
    return 1;
}
