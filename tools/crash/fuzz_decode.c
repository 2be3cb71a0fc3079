/* SPDX-License-Identifier: MIT */
/*
 * fuzz_decode.c: the libFuzzer target of the crash decoder. Each input goes
 * through everything that parses untrusted bytes: format detection and
 * byte order, the ERST store, the dump's ELF, notes, page walk and IDT,
 * record decoding with and without a key, both report renderings (into
 * /dev/null), and the nm-output and build-id parsers. No program is run:
 * a fixed symbol table and a stand-in for addr2line take the kernel's place.
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

/* A kernel's symbols as nm prints them, for address classes and stack diagnoses. */
static const char kernel_nm[] =
    "ffffffff80100000 T _text_start\n"
    "ffffffff80104a00 0000000000000100 T selftest_kernel_pf\n"
    "ffffffff80104b00 0000000000000200 t selftest_run\n"
    "ffffffff80110000 T _text_end\n"
    "ffffffff80111000 R _rodata_start\n"
    "ffffffff80111000 0000000000000040 r names\n"
    "ffffffff80118000 B boot_stack_guard\n"
    "ffffffff80119000 B boot_stack_bottom\n"
    "ffffffff8011d000 B boot_stack_top\n"
    "ffffffff8011d000 B df_stack_guard\n"
    "ffffffff8011e000 B df_stack_bottom\n"
    "ffffffff80120000 0000000000000008 b counter\n"
    "ffffffff80200000 B _kernel_end\n";

/* Stands in for addr2line: every shape of answer (nothing, a function, a file, a line). */
static bool fake_lookup(void *ctx, const uint64_t *addrs, size_t n, struct crash_where_sym *out)
{
    (void)ctx;
    for (size_t i = 0; i < n; i++) {
        unsigned shape = (unsigned)(addrs[i] & 3);
        if (shape >= 1) {
            snprintf(out[i].func, sizeof(out[i].func), "func_%llx",
                     (unsigned long long)(addrs[i] >> 4 & 0xfff));
        }
        if (shape >= 2) {
            snprintf(out[i].file, sizeof(out[i].file), "kernel/core/\"x\".c");
        }
        if (shape == 3) {
            out[i].line = (unsigned)(addrs[i] >> 2 & 0x3ff);
        }
    }
    return true;
}

static void decode(const uint8_t *buf, size_t len, enum crash_kind kind,
                   const struct crash_byteorder *bo, const uint8_t *key,
                   const struct crash_symbolizer *sym)
{
    struct crash_report r;
    char err[256];

    if (crash_analyze(&r, "fuzz", buf, len, kind, bo, key, err, sizeof(err)) == 0) {
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
    enum crash_kind kind = crash_detect(buf, size, &bo);
    if (kind == CRASH_KIND_ELF && bo.swapped) {
        crash_swap32(buf, size);
    }

    /* the input's own bytes read as nm output and as an ELF with a build id */
    struct crash_symtab own;
    if (crash_symtab_parse((const char *)buf, size, &own) == 0) {
        char cls[256];
        crash_classify_addr(&own, size >= 8 ? crash_rd64(buf) : 0, cls, sizeof(cls));
        crash_symtab_free(&own);
    }
    uint8_t id[20];
    (void)crash_elf_build_id(buf, size, id, sizeof(id));

    /* no kernel, no key; then a kernel (symbols, a build id that differs) and the key */
    static struct crash_symtab t;
    static bool have_t;
    if (!have_t) {
        have_t = crash_symtab_parse(kernel_nm, sizeof(kernel_nm) - 1, &t) == 0;
    }
    struct crash_symbolizer sym = {.lookup = fake_lookup, .symtab = have_t ? &t : NULL,
                                   .have_build_id = true, .build_id_len = 20};
    memset(sym.build_id, 0x5a, sizeof(sym.build_id));
    decode(buf, size, kind, &bo, NULL, NULL);
    decode(buf, size, kind, &bo, crash_fuzz_key, &sym);

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

    free(buf);
    return 0;
}
