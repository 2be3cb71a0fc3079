/* SPDX-License-Identifier: MIT */
/*
 * mkseeds.c: writes the fuzz seeds (fuzz.sh runs it when the corpus has no
 * seed-* files): a store with a panic, a state and a foreign record, the
 * same store forged, torn and cut short, a store with replayed records, a
 * store of records the diagnoses apply to (guard pages of fuzz_decode.c's
 * symbol table, a missing IDT entry), lone records (keyed, unkeyed, cut
 * short), dumps in both byte orders, a dump cut short, an ELF with a build
 * id, and an nm-like text.
 *   mkseeds DIR
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "synth.h"

extern const uint8_t crash_fuzz_key[AEAD_KEY_SIZE];

#define RS 1024u /* small slots keep the seeds small (the decoder accepts >= 1024) */
#define NSLOTS 6u

static void put(const char *dir, const char *name, const uint8_t *p, size_t n)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/seed-%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(p, 1, n, f) != n || fclose(f) != 0) {
        perror(path);
        exit(1);
    }
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: mkseeds DIR\n");
        return 2;
    }
    const char *dir = argv[1];
    static uint8_t rec[AXL_PSTORE_RECORD_MAX], st[AXL_PSTORE_RECORD_MAX], store[NSLOTS * 8192];
    static uint8_t dump[SYNTH_DUMP_MEM + 4096];
    struct synth_panic p = {.counter = 3, .boot = 1, .panic_code = 1, .vector = 13,
                            .error_code = (14 << 3) | 2, .rip = 0xffffffff80104abc,
                            .rsp = 0xffffffff80118f70, .cr2 = 0xdeadbeef,
                            .reason = "exception 13 (#GP general protection) in kernel mode",
                            .log = "boot\nselftest: kernel-pf\n", .have_idt = true,
                            .missing = {14, -1}};
    size_t n = synth_panic_record(rec, &p, crash_fuzz_key);
    if (n > RS) { /* the log is short: the record fits a small slot */
        fprintf(stderr, "record too large\n");
        return 1;
    }
    size_t sn = synth_state_record(st, 2, 1, 19, 0, crash_fuzz_key);
    synth_store_init(store, NSLOTS, RS);
    synth_store_put(store, RS, 1, 3, rec, n);
    synth_store_put(store, RS, 2, AXL_PSTORE_STATE_ID, st, sn);
    uint8_t foreign[256];
    memcpy(foreign, rec, sizeof(foreign));
    foreign[64] ^= 0x55; /* another creator */
    synth_store_put(store, RS, 3, 0x99, foreign, sizeof(foreign));
    put(dir, "store.erst", store, NSLOTS * RS);
    put(dir, "store-short.erst", store, 2 * RS + 300);

    uint8_t *slot1 = store + RS;
    slot1[AXL_PSTORE_BODY_OFFSET + 100] ^= 1; /* forged */
    put(dir, "store-forged.erst", store, NSLOTS * RS);
    slot1[AXL_PSTORE_BODY_OFFSET + 100] ^= 1;
    memset(slot1 + n - AXL_PSTORE_TAG_SIZE, 0xff, AXL_PSTORE_TAG_SIZE); /* torn */
    put(dir, "store-torn.erst", store, NSLOTS * RS);

    put(dir, "record.cper", rec, n);
    put(dir, "record-truncated.cper", rec, n / 2);

    int missing[] = {14, -1};
    size_t dn = synth_dump(dump, missing, rec, n);
    put(dir, "dump.elf", dump, dn);
    put(dir, "dump-short.elf", dump, 0x1800);
    crash_swap32(dump, dn);
    put(dir, "dump-be.elf", dump, dn);

    /* replayed: the state consumed counter 3; counter 7 appears twice */
    synth_store_init(store, NSLOTS, RS);
    synth_store_put(store, RS, 1, 3, rec, n);
    sn = synth_state_record(st, 5, 2, 9, 3, crash_fuzz_key);
    synth_store_put(store, RS, 2, AXL_PSTORE_STATE_ID, st, sn);
    p.counter = 7;
    size_t n7 = synth_panic_record(rec, &p, crash_fuzz_key);
    synth_store_put(store, RS, 3, 7, rec, n7);
    synth_store_put(store, RS, 4, 7, rec, n7);
    put(dir, "store-replayed.erst", store, NSLOTS * RS);

    /* diagnoses: #PF in a guard page, #DF with RSP in one, #GP naming a missing gate,
     * an assertion with RSP in a guard page */
    synth_store_init(store, NSLOTS, RS);
    struct synth_panic d = p;
    d.counter = 10, d.vector = 14, d.error_code = 2, d.cr2 = 0xffffffff80118ff0ull;
    d.log = "";
    synth_store_put(store, RS, 1, 10, rec, synth_panic_record(rec, &d, crash_fuzz_key));
    d.counter = 11, d.vector = 8, d.error_code = 0, d.cr2 = 0, d.rsp = 0xffffffff8011d008ull;
    synth_store_put(store, RS, 2, 11, rec, synth_panic_record(rec, &d, crash_fuzz_key));
    d.counter = 12, d.vector = 13, d.error_code = (14 << 3) | 3, d.rsp = 0xffffffff8011a000ull;
    synth_store_put(store, RS, 3, 12, rec, synth_panic_record(rec, &d, crash_fuzz_key));
    d.counter = 13, d.vector = 0xFFFFFFFFu, d.panic_code = 4, d.rsp = 0xffffffff80118010ull;
    d.reason = "assertion 'answer == 42' failed at kernel/core/selftest.c:65";
    synth_store_put(store, RS, 4, 13, rec, synth_panic_record(rec, &d, crash_fuzz_key));
    put(dir, "store-diagnoses.erst", store, NSLOTS * RS);

    p.counter = 3;
    n = synth_panic_record(rec, &p, NULL);
    put(dir, "record-unkeyed.cper", rec, n);

    /* an ELF64 whose one SHT_NOTE section holds a GNU build id */
    static uint8_t elf[0x140];
    memcpy(elf, "\x7f" "ELF\x02\x01\x01", 7);
    elf[40] = 0x80, elf[58] = 64, elf[60] = 2; /* e_shoff, e_shentsize, e_shnum */
    elf[0xc0 + 4] = 7, elf[0xc0 + 25] = 0x01, elf[0xc0 + 32] = 36; /* SHT_NOTE at 0x100 */
    elf[0x100] = 4, elf[0x104] = 20, elf[0x108] = 3;
    memcpy(elf + 0x10c, "GNU", 4);
    memset(elf + 0x110, 0x5a, 20);
    put(dir, "buildid.elf", elf, sizeof(elf));

    static const char nm[] =
        "ffffffff80100000 T _text_start\n"
        "ffffffff80104a00 0000000000000100 T selftest_kernel_pf\n"
        "ffffffff80110000 T _text_end\n"
        "ffffffff80111000 R _rodata_start\n"
        "ffffffff80118000 B boot_stack_guard\n"
        "ffffffff80119000 0000000000000008 b counter\n"
        "ffffffff80200000 B _kernel_end\n"
        "                 U undefined\n";
    put(dir, "nm.txt", (const uint8_t *)nm, sizeof(nm) - 1);
    return 0;
}
