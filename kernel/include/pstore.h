/* SPDX-License-Identifier: MIT */
/*
 * pstore.h: crash records that survive the reboot (panic/pstore.c).
 *
 * At boot pstore_init finds the ACPI ERST store, reads the machine key
 * from fw_cfg, reports and verifies what earlier boots left ("previous
 * boot crashed: ..."), clears it, leases nonce counters and reserves a
 * slot for this boot's panic record. The records it found go to the root
 * task (pstore_handoff), to be read in user space. On the panic path pstore_panic_write
 * fills that slot: allocation-free, lock-free, one ERST write, so the
 * record is complete or absent. docs/crash.md has the whole story.
 */
#ifndef AXL_PSTORE_H
#define AXL_PSTORE_H

#include "types.h"

struct trap_frame;
struct pmm;

/* Boot only, before the root task is built: pmm gives the frames of the handoff. */
void pstore_init(struct pmm *pmm);

/* The frames holding the records for user space (uapi/axl/pstore.h, axl_pstore_handoff):
 * contiguous from *base; false when there are none. */
bool pstore_handoff(paddr_t *base, uint64_t *pages);

/* Which boot of this store this is (1 = the first; 1 without a store). */
uint64_t pstore_boot_count(void);

struct pstore_panic {
    int code;                       /* enum axl_panic_code */
    bool have_trap;
    const struct trap_frame *frame; /* the trap frame, or kpanic's captured registers */
    const char *reason;
    const uint64_t *backtrace;      /* [0] = RIP */
    unsigned backtrace_count;
    uint64_t panic_tsc;             /* TSC at panic entry */
};

/* Panic path only: writes the panic record, first thing, before any slow output. */
void pstore_panic_write(const struct pstore_panic *p);
/* Panic path only: prints one line saying what pstore_panic_write did and how long it took. */
void pstore_panic_report(void);

#endif /* AXL_PSTORE_H */
