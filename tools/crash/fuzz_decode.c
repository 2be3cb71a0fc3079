/* SPDX-License-Identifier: MIT */
/*
 * fuzz_decode.c: the libFuzzer target of the crash decoder. Each input goes
 * through everything that parses untrusted bytes: format detection and
 * byte order, the ERST store, the dump's ELF, notes, page walk and IDT,
 * record decoding with and without a key, both report renderings (into
 * /dev/null), and the nm-output and build-id parsers. No program is run
 * and no symbol is looked up.
 *
 * fuzz.sh builds it with libFuzzer; tests/unit/crash/run_corpus.c replays
 * tests/crash-corpus/ through it under ASan and UBSan in `scons test`.
 */
#include <stdlib.h>
#include <string.h>

#include "crash.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The key the fuzz seeds are sealed with (tools/crash/mkseeds.c). */
const uint8_t crash_fuzz_key[AEAD_KEY_SIZE] = "axolotl crash decoder fuzz key!";

static FILE *sink(void)
{
    static FILE *f;
    if (!f) {
        f = fopen("/dev/null", "w");
    }
    return f;
}

static void decode(const uint8_t *buf, size_t len, const uint8_t *key,
                   const struct crash_symbolizer *sym)
{
    struct crash_byteorder bo;
    struct crash_report r;
    char err[256];
    enum crash_kind kind = crash_detect(buf, len, &bo);

    if (crash_analyze(&r, "fuzz", buf, len, kind, &bo, key, err, sizeof(err)) == 0) {
        FILE *f = sink();
        if (f) {
            crash_print_human(&r, sym, f);
            crash_print_json(&r, sym, f);
        }
    }
    crash_report_free(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* A private copy: a byte-swapped image is converted in place, and the parsers get
     * exactly size bytes (ASan catches any read past them). */
    uint8_t *buf = malloc(size ? size : 1);
    if (!buf) {
        return 0;
    }
    memcpy(buf, data, size);

    struct crash_byteorder bo;
    if (crash_detect(buf, size, &bo) == CRASH_KIND_ELF && bo.swapped) {
        crash_swap32(buf, size);
    }

    /* the input's text as nm output: a symbol table for classification and diagnosis */
    struct crash_symtab t;
    struct crash_symbolizer sym;
    memset(&sym, 0, sizeof(sym));
    if (crash_symtab_parse((const char *)buf, size, &t) == 0) {
        sym.symtab = &t;
        sym.build_id_len = crash_elf_build_id(buf, size, sym.build_id, sizeof(sym.build_id));
        sym.have_build_id = sym.build_id_len > 0;
        if (sym.build_id_len > sizeof(sym.build_id)) {
            sym.build_id_len = sizeof(sym.build_id);
        }
        char cls[256];
        crash_classify_addr(&t, size >= 8 ? crash_rd64(buf) : 0, cls, sizeof(cls));
    }

    decode(buf, size, NULL, NULL);
    decode(buf, size, crash_fuzz_key, &sym);

    /* every parser on the raw input, whatever detection said */
    struct crash_store st;
    char err[256];
    if (crash_store_open(buf, size, &st, err, sizeof(err)) == 0) {
        for (uint32_t s = st.first_slot; s < st.nslots && s < st.first_slot + 64; s++) {
            size_t n;
            (void)crash_store_map(buf, size, &st, s);
            (void)crash_store_slot(buf, size, &st, s, &n);
        }
    }
    struct crash_dump d;
    if (crash_dump_open(buf, size, &d, err, sizeof(err)) == 0) {
        struct crash_idt idt;
        crash_dump_read_idt(&d, d.ncpus ? &d.cpus[0] : NULL, &idt);
        uint64_t pa;
        for (size_t i = 0; i < d.ncpus && i < 4; i++) {
            const struct crash_cpu *c = &d.cpus[i];
            (void)crash_dump_translate(&d, c->cr[0], c->cr[3], c->rip, &pa, NULL);
            (void)crash_dump_translate(&d, c->cr[0] | (1ull << 31), c->cr[3], c->gpr[6], &pa,
                                       NULL);
        }
    }
    crash_dump_close(&d);
    struct crash_record rec;
    memset(&rec, 0, sizeof(rec));
    crash_record_decode(&rec, buf, size, crash_fuzz_key);
    crash_apply_replay(&rec, 1);

    if (sym.symtab) {
        crash_symtab_free(&t);
    }
    free(buf);
    return 0;
}
