/* SPDX-License-Identifier: MIT */
/*
 * synth.h: synthetic crash inputs (synth.c) for the unit tests and the fuzz
 * seeds: sealed records, ERST store files in QEMU's layout, and small
 * dump-guest-memory ELF cores with page tables, an IDT and a record.
 */
#ifndef AXL_CRASH_SYNTH_H
#define AXL_CRASH_SYNTH_H

#include "crash.h"

struct synth_panic {
    uint64_t counter, boot;
    uint32_t panic_code;
    uint32_t vector;      /* 0xFFFFFFFF: no trap */
    uint64_t error_code;
    uint64_t rip, rsp, cr2;
    const char *reason;
    const char *log;
    bool have_idt;
    int missing[4];       /* IDT vectors not present, -1 terminated / unused */
    uint32_t salt;
};

/* A sealed panic record in rec (AXL_PSTORE_RECORD_MAX bytes); returns its length. */
size_t synth_panic_record(uint8_t *rec, const struct synth_panic *p, const uint8_t *key);
/* A sealed state record. */
size_t synth_state_record(uint8_t *rec, uint64_t counter, uint64_t boot, uint64_t next_counter,
                          uint64_t last_consumed, const uint8_t *key);

/* An empty store of nslots slots (slot 0 the header) in QEMU's header layout. */
void synth_store_init(uint8_t *buf, uint32_t nslots, uint32_t record_size);
/* Puts len bytes of rec in slot (rest 0xFF) under id. */
void synth_store_put(uint8_t *buf, uint32_t record_size, uint32_t slot, uint64_t id,
                     const uint8_t *rec, size_t len);

/* The synthetic dump's memory layout. */
#define SYNTH_DUMP_MEM 0x9000ull /* 36 KiB of guest memory at physical 0 */
#define SYNTH_KERNEL_VA 0xffffffff80000000ull /* 2 MiB page -> physical 0 */
#define SYNTH_DIRECT_VA 0xffff800000000000ull /* 1 GiB page -> physical 0 */
#define SYNTH_SMALL_VA 0xffffffff80200000ull  /* 4 KiB pages: +0 -> 0x8000, +0x1000 absent */
#define SYNTH_IDT_PA 0x6000ull
#define SYNTH_RECORD_PA 0x8400ull /* room for 0xc00 bytes */
#define SYNTH_MEM_FILE_OFFSET 0x1000 /* where physical 0 is in the file */

/* A dump with one CPU; missing lists IDT vectors whose gates are not present (-1 ends it);
 * rec (len bytes, may be NULL) is placed at SYNTH_RECORD_PA. Returns the size (buf must
 * hold SYNTH_DUMP_MEM + 4096). */
size_t synth_dump(uint8_t *buf, const int *missing, const uint8_t *rec, size_t len);

#endif /* AXL_CRASH_SYNTH_H */
