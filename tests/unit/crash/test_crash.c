/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for the crash decoder's library (tools/crash/): ERST stores
 * built here with pstore_seal (authentic, forged, torn, truncated, replayed,
 * foreign, unkeyed, unverified), the summary and exit status, JSON escaping,
 * byte-order detection on little- and big-endian dumps, the page walk, the
 * IDT read from memory, records found in a dump, nm parsing and address
 * classification, build ids, and every prefix of the inputs (no crash).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "crash.h"
#include "synth.h"

#define RS 8192u
#define NSLOTS 8u

static const uint8_t key[AEAD_KEY_SIZE] = "unit test machine key 0123456789";
static const uint8_t other_key[AEAD_KEY_SIZE] = "another machine's key 0123456789";

static uint8_t store[NSLOTS * RS];
static uint8_t rec[AXL_PSTORE_RECORD_MAX];
static uint8_t dump[SYNTH_DUMP_MEM + 4096];

static struct synth_panic pf_panic(uint64_t counter)
{
    struct synth_panic p = {.counter = counter, .boot = 1, .panic_code = 1, .vector = 14,
                            .error_code = 2, .rip = 0xffffffff80104abc,
                            .rsp = 0xffffffff80118f70, .cr2 = 0xdeadbeef,
                            .reason = "exception 14 (#PF page fault) in kernel mode",
                            .log = "first line\nsecond line\n", .have_idt = true,
                            .missing = {-1}};
    return p;
}

/* A store: slot 1 panic (counter 3), slot 2 state (counter 2, last consumed lc). */
static void build_store(uint64_t last_consumed, const uint8_t *k)
{
    struct synth_panic p = pf_panic(3);
    synth_store_init(store, NSLOTS, RS);
    size_t n = synth_panic_record(rec, &p, k);
    synth_store_put(store, RS, 1, 3, rec, n);
    n = synth_state_record(rec, 2, 1, 19, last_consumed, k);
    synth_store_put(store, RS, 2, AXL_PSTORE_STATE_ID, rec, n);
}

static int analyze(struct crash_report *r, const uint8_t *buf, size_t len, const uint8_t *k)
{
    struct crash_byteorder bo;
    char err[256];
    enum crash_kind kind = crash_detect(buf, len, &bo);
    return crash_analyze(r, "test", buf, len, kind, &bo, k, err, sizeof(err));
}

/* The report as text (malloc'd), and the exit status the printer returned. */
static char *render(const struct crash_report *r, const struct crash_symbolizer *sym, bool json,
                    int *status)
{
    FILE *f = tmpfile();
    assert_non_null(f);
    *status = json ? crash_print_json(r, sym, f) : crash_print_human(r, sym, f);
    long n = ftell(f);
    assert_true(n >= 0);
    char *s = malloc((size_t)n + 1);
    assert_non_null(s);
    rewind(f);
    assert_int_equal(fread(s, 1, (size_t)n, f), (size_t)n);
    s[n] = '\0';
    fclose(f);
    return s;
}

static void assert_contains(const char *hay, const char *needle)
{
    if (!strstr(hay, needle)) {
        fail_msg("expected \"%s\" in:\n%s", needle, hay);
    }
}

/* --- stores --- */

static void test_store_authentic(void **state)
{
    (void)state;
    struct crash_report r;
    int status;
    build_store(0, key);
    assert_int_equal(analyze(&r, store, sizeof(store), key), 0);
    assert_int_equal(r.kind, CRASH_KIND_ERST);
    assert_int_equal(r.store.record_size, RS);
    assert_int_equal(r.store.first_slot, 1);
    assert_int_equal(r.nrecs, 2);
    assert_int_equal(r.recs[0].status, CRASH_AUTHENTIC);
    assert_int_equal(r.recs[1].status, CRASH_AUTHENTIC);
    assert_string_equal(crash_record_type(&r.recs[0]), "panic");
    assert_string_equal(crash_record_type(&r.recs[1]), "state");
    assert_int_equal(r.sum.count[CRASH_AUTHENTIC], 2);
    assert_int_equal(crash_exit_status(&r.sum), 0);

    char *out = render(&r, NULL, false, &status);
    assert_int_equal(status, 0);
    assert_contains(out, "store test: 7 slots of 8192 bytes, 2 records\n");
    char line[128];
    snprintf(line, sizeof(line),
             "record 1 (slot 1, id 0x0000000000000003): panic, authentic (key %08x, counter 3, "
             "boot 1)\n",
             (unsigned)pstore_key_id(key));
    assert_contains(out, line);
    assert_contains(out, "  panic    P01 TRAP: exception 14 (#PF page fault) in kernel mode\n");
    assert_contains(out, "  trap     14 #PF page fault\n");
    assert_contains(out, "  error    0x2: P=0 not-present W=1 write U=0 supervisor R=0 I=0 data\n");
    assert_contains(out, "  rip      0xffffffff80104abc\n");
    assert_contains(out, "  cr2      0x00000000deadbeef: user space\n");
    assert_contains(out, "  rax 0x1111111111111111 rbx 0x2222222222222222 rcx 0x3333333333333333\n");
    assert_contains(out, "  rflags 0x0000000000000046 cs 0x0008 ss 0x0010\n");
    assert_contains(out, "  backtrace\n    #0  0xffffffff80104abc\n    #1  0xffffffff80104bbc\n");
    assert_contains(out, "  idt      entry 14 present\n");
    assert_contains(out, "  uptime   0.123456 s, panic tsc 0x1234567890\n");
    assert_contains(out, "  build id a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3\n");
    assert_contains(out, "  log      (23 bytes, last lines of the kernel log)\n    first line\n"
                         "    second line\n");
    assert_contains(out, "): state, authentic (key ");
    assert_contains(out, ": boot count 1, next counter 19, last consumed 0\n");
    assert_contains(out, "summary: 2 records: 2 authentic\n");
    assert_null(strstr(out, "not authentic"));
    assert_null(strstr(out, "untrusted"));
    free(out);
    crash_report_free(&r);
}

static void test_store_forged(void **state)
{
    (void)state;
    struct crash_report r;
    int status;
    build_store(0, key);
    store[RS + AXL_PSTORE_BODY_OFFSET + 300] ^= 0x40; /* a register bit of record 1 */
    assert_int_equal(analyze(&r, store, sizeof(store), key), 0);
    assert_int_equal(r.recs[0].status, CRASH_FORGED);
    assert_true(r.recs[0].readable);
    assert_int_equal(r.recs[1].status, CRASH_AUTHENTIC);
    assert_int_equal(r.sum.count[CRASH_FORGED], 1);
    assert_int_equal(r.sum.bad, 1);
    assert_string_equal(r.sum.why, "record 1 is forged");
    assert_int_equal(crash_exit_status(&r.sum), 1);
    char *out = render(&r, NULL, false, &status);
    assert_int_equal(status, 1);
    assert_contains(out, "record 1 (slot 1, id 0x0000000000000003): panic, FORGED: ");
    assert_contains(out, "FORGED: the tag does not match");
    assert_contains(out, "  (untrusted: the fields below may be false)\n");
    assert_contains(out, "  panic    P01 TRAP:");
    assert_contains(out, "summary: 2 records: 1 authentic, 1 forged\n");
    assert_contains(out, "not authentic: record 1 is forged\n");
    free(out);
    crash_report_free(&r);

    /* sealed under another machine's key: forged, and the key ids say why */
    build_store(0, other_key);
    assert_int_equal(analyze(&r, store, sizeof(store), key), 0);
    assert_int_equal(r.recs[0].status, CRASH_FORGED);
    assert_non_null(strstr(r.recs[0].why, "record key"));
    assert_int_equal(r.sum.count[CRASH_FORGED], 2);
    crash_report_free(&r);
}

static void test_store_torn_and_truncated(void **state)
{
    (void)state;
    struct crash_report r;
    struct synth_panic p = pf_panic(3);
    build_store(0, key);
    size_t n = synth_panic_record(rec, &p, key);
    memset(store + RS + n - AXL_PSTORE_TAG_SIZE, 0xff, AXL_PSTORE_TAG_SIZE); /* erased tag */
    assert_int_equal(analyze(&r, store, sizeof(store), key), 0);
    assert_int_equal(r.recs[0].status, CRASH_TORN);
    assert_int_equal(r.sum.count[CRASH_TORN], 1);
    assert_int_equal(crash_exit_status(&r.sum), 1);
    crash_report_free(&r);

    /* the file ends in the middle of record 1 */
    build_store(0, key);
    assert_int_equal(analyze(&r, store, RS + 500, key), 0);
    assert_true(r.store.short_file);
    assert_int_equal(r.nrecs, 1); /* slot 2 is beyond the end */
    assert_int_equal(r.recs[0].status, CRASH_TRUNCATED);
    assert_string_equal(crash_record_type(&r.recs[0]), "panic");
    assert_string_equal(r.sum.why, "record 1 is truncated");
    crash_report_free(&r);
}

static void test_store_replayed(void **state)
{
    (void)state;
    struct crash_report r;
    int status;
    /* the state says counter 3 was already reported: record 1 was put back */
    build_store(3, key);
    assert_int_equal(analyze(&r, store, sizeof(store), key), 0);
    assert_int_equal(r.recs[0].verdict, PSTORE_AUTHENTIC);
    assert_int_equal(r.recs[0].status, CRASH_REPLAYED);
    assert_string_equal(r.recs[0].why, "counter 3 <= last consumed 3 (an old record put back)");
    assert_int_equal(r.sum.count[CRASH_REPLAYED], 1);
    assert_int_equal(crash_exit_status(&r.sum), 1);
    char *out = render(&r, NULL, false, &status);
    assert_contains(out, "panic, REPLAYED: counter 3 <= last consumed 3 (an old record put back)\n");
    assert_contains(out, "summary: 2 records: 1 authentic, 1 replayed\n");
    assert_contains(out, "not authentic: record 1 is replayed\n");
    free(out);
    crash_report_free(&r);

    /* a forged state record does not count */
    build_store(3, key);
    store[2 * RS + AXL_PSTORE_BODY_OFFSET + 600] ^= 1;
    assert_int_equal(analyze(&r, store, sizeof(store), key), 0);
    assert_int_equal(r.recs[0].status, CRASH_AUTHENTIC);
    assert_int_equal(r.recs[1].status, CRASH_FORGED);
    crash_report_free(&r);

    /* the same record twice: the second copy is the replay */
    build_store(0, key);
    memcpy(store + 3 * RS, store + RS, RS);
    memcpy(store + 24 + 3 * 8, store + 24 + 1 * 8, 8);
    assert_int_equal(analyze(&r, store, sizeof(store), key), 0);
    assert_int_equal(r.nrecs, 3);
    assert_int_equal(r.recs[0].status, CRASH_AUTHENTIC);
    assert_int_equal(r.recs[2].status, CRASH_REPLAYED);
    assert_non_null(strstr(r.recs[2].why, "already used by record 1"));
    crash_report_free(&r);
}

static void test_store_foreign_unkeyed_unverified(void **state)
{
    (void)state;
    struct crash_report r;
    int status;
    build_store(0, key);
    uint8_t foreign[300];
    memcpy(foreign, store + RS, sizeof(foreign));
    foreign[offsetof(struct axl_cper_header, creator_id)] ^= 0xff;
    synth_store_put(store, RS, 4, 0x1234, foreign, sizeof(foreign));
    assert_int_equal(analyze(&r, store, sizeof(store), key), 0);
    assert_int_equal(r.nrecs, 3);
    assert_int_equal(r.recs[2].status, CRASH_FOREIGN);
    assert_int_equal(r.sum.count[CRASH_FOREIGN], 1);
    assert_int_equal(crash_exit_status(&r.sum), 0); /* foreign records do not count */
    char *out = render(&r, NULL, false, &status);
    assert_int_equal(status, 0);
    assert_contains(out, "record 3 (slot 4, id 0x0000000000001234): foreign record (creator "
                         "{6a5c1ff1-3b7d-4c2a-9e41-5f0b8d27c366}), ");
    assert_contains(out, "bytes: left alone\n");
    assert_contains(out, "summary: 3 records: 2 authentic, 1 foreign\n");
    free(out);
    crash_report_free(&r);

    /* no key: keyed records are unverified */
    build_store(0, key);
    assert_int_equal(analyze(&r, store, sizeof(store), NULL), 0);
    assert_int_equal(r.recs[0].status, CRASH_UNVERIFIED);
    assert_int_equal(r.sum.count[CRASH_UNVERIFIED], 2);
    assert_int_equal(crash_exit_status(&r.sum), 1);
    out = render(&r, NULL, false, &status);
    assert_contains(out, "panic, UNVERIFIED: no key");
    assert_contains(out, "not authentic: record 1 is unverified, record 2 is unverified\n");
    free(out);
    crash_report_free(&r);

    /* written without a machine key */
    build_store(0, NULL);
    assert_int_equal(analyze(&r, store, sizeof(store), key), 0);
    assert_int_equal(r.recs[0].status, CRASH_UNKEYED);
    out = render(&r, NULL, false, &status);
    assert_contains(out, "panic, UNKEYED: written without a machine key");
    free(out);
    crash_report_free(&r);
}

static void test_store_empty_and_headers(void **state)
{
    (void)state;
    struct crash_report r;
    struct crash_store st;
    char err[256];
    int status;
    synth_store_init(store, NSLOTS, RS);
    assert_int_equal(analyze(&r, store, sizeof(store), key), 0);
    assert_int_equal(r.nrecs, 0);
    char *out = render(&r, NULL, false, &status);
    assert_int_equal(status, 0);
    assert_contains(out, "store test: 7 slots of 8192 bytes, 0 records\nno records\n");
    free(out);
    crash_report_free(&r);

    /* the map lists a slot that holds nothing */
    memcpy(store + 24 + 8, "\x07\0\0\0\0\0\0\0", 8);
    memset(store + RS, 0xff, RS);
    assert_int_equal(analyze(&r, store, sizeof(store), key), 0);
    assert_int_equal(r.recs[0].status, CRASH_MALFORMED);
    assert_non_null(strstr(r.recs[0].why, "holds no record"));
    crash_report_free(&r);

    /* a two-slot header: record size 8192, first slot at 16384 */
    synth_store_init(store, NSLOTS, RS);
    memcpy(store + 8, "\0\x20\0\0\0\x40\0\0", 8); /* 8192, 16384 */
    assert_int_equal(crash_store_open(store, sizeof(store), &st, err, sizeof(err)), 0);
    assert_int_equal(st.record_size, 8192);
    assert_int_equal(st.first_slot, 2);
    /* the two fields the other way round: the first slot is not a multiple of the size */
    memcpy(store + 8, "\0\x40\0\0\0\x20\0\0", 8); /* 16384, 8192 */
    assert_int_equal(crash_store_open(store, sizeof(store), &st, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "record size"));
    /* nonsense sizes */
    memcpy(store + 8, "\x03\0\0\0\x05\0\0\0", 8);
    assert_int_equal(crash_store_open(store, sizeof(store), &st, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "record size"));
    assert_int_equal(crash_store_open(store, 10, &st, err, sizeof(err)), -1);
}

/* --- summary and exit status --- */

static void test_exit_status_rule(void **state)
{
    (void)state;
    struct crash_record recs[4];
    struct crash_summary s;
    memset(recs, 0, sizeof(recs));
    for (unsigned i = 0; i < 4; i++) {
        recs[i].number = i + 1;
    }
    crash_summarize(recs, 0, &s);
    assert_int_equal(crash_exit_status(&s), 0); /* nothing at all */
    recs[0].status = CRASH_AUTHENTIC;
    recs[1].status = CRASH_FOREIGN;
    crash_summarize(recs, 2, &s);
    assert_int_equal(s.records, 2);
    assert_int_equal(crash_exit_status(&s), 0);
    recs[2].status = CRASH_TORN;
    recs[3].status = CRASH_MALFORMED;
    crash_summarize(recs, 4, &s);
    assert_int_equal(crash_exit_status(&s), 1);
    assert_int_equal(s.bad, 2);
    assert_string_equal(s.why, "record 3 is torn, record 4 is malformed");
    for (int st = CRASH_UNKEYED; st < CRASH_NSTATUS; st++) {
        recs[2].status = (enum crash_status)st;
        crash_summarize(recs, 3, &s);
        assert_int_equal(crash_exit_status(&s), st == CRASH_FOREIGN ? 0 : 1);
    }
    /* a copy in memory is not a record of its own */
    recs[2].status = CRASH_TORN;
    recs[2].same_as = 1;
    crash_summarize(recs, 3, &s);
    assert_int_equal(s.records, 2);
    assert_int_equal(crash_exit_status(&s), 0);
}

/* --- JSON --- */

static void test_json_escape(void **state)
{
    (void)state;
    char out[128];
    assert_int_equal(crash_json_escape(out, sizeof(out), "plain", 5), 5);
    assert_string_equal(out, "plain");
    crash_json_escape(out, sizeof(out), "a\"b\\c\n\t\r\b\f", 10);
    assert_string_equal(out, "a\\\"b\\\\c\\n\\t\\r\\b\\f");
    crash_json_escape(out, sizeof(out), "\x01\x1f\x7f", 3);
    assert_string_equal(out, "\\u0001\\u001f\\u007f");
    crash_json_escape(out, sizeof(out), "nul\0x", 5);
    assert_string_equal(out, "nul\\u0000x");
    /* valid UTF-8 passes, invalid bytes become U+FFFD */
    crash_json_escape(out, sizeof(out), "caf\xc3\xa9 \xe2\x82\xac", 9);
    assert_string_equal(out, "caf\xc3\xa9 \xe2\x82\xac");
    crash_json_escape(out, sizeof(out), "\xff\xc3(\xed\xa0\x80\xc0\xaf\xe2\x82", 10);
    assert_string_equal(out, "\\ufffd\\ufffd(\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd");
    /* a short buffer: truncated but terminated, and the full length returned */
    char small[4];
    assert_int_equal(crash_json_escape(small, sizeof(small), "\"\"\"", 3), 6);
    assert_string_equal(small, "\\\"\\");
    assert_int_equal(crash_json_escape(NULL, 0, "ab", 2), 2);
}

static void test_json_report(void **state)
{
    (void)state;
    struct crash_report r;
    int status;
    build_store(0, key);
    store[RS + AXL_PSTORE_BODY_OFFSET + 300] ^= 0x40;
    assert_int_equal(analyze(&r, store, sizeof(store), key), 0);
    char *out = render(&r, NULL, true, &status);
    assert_int_equal(status, 1);
    assert_true(out[0] == '{');
    assert_contains(out, "\"file\":\"test\",\"kind\":\"erst\"");
    assert_contains(out, "\"slot\":1,\"id\":\"0x3\",\"type\":\"panic\",\"verdict\":\"forged\"");
    assert_contains(out, "\"counter\":3,\"boot\":1");
    assert_contains(out, "\"panic_code\":1,\"panic_name\":\"TRAP\"");
    assert_contains(out, "\"vector\":14,\"trap\":\"#PF page fault\",\"error_code\":\"0x2\"");
    assert_contains(out, "\"rip\":{\"addr\":\"0xffffffff80104abc\",\"function\":null");
    assert_contains(out, "\"idt\":{\"vector\":14,\"present\":true,\"source\":\"record\"}");
    assert_contains(out, "\"log\":\"first line\\nsecond line\\n\"");
    assert_contains(out, "\"exit_status\":1,\"not_authentic\":\"record 1 is forged\"}}\n");
    /* balanced braces and brackets outside strings */
    int depth = 0;
    bool in_str = false;
    for (const char *p = out; *p; p++) {
        if (in_str) {
            if (*p == '\\') {
                p++;
            } else if (*p == '"') {
                in_str = false;
            }
        } else if (*p == '"') {
            in_str = true;
        } else if (*p == '{' || *p == '[') {
            depth++;
        } else if (*p == '}' || *p == ']') {
            assert_true(--depth >= 0);
        }
    }
    assert_int_equal(depth, 0);
    free(out);
    crash_report_free(&r);
}

/* --- dumps --- */

static void test_byte_order(void **state)
{
    (void)state;
    struct crash_byteorder bo;
    int missing[] = {-1};
    size_t n = synth_dump(dump, missing, NULL, 0);

    assert_int_equal(crash_detect(dump, n, &bo), CRASH_KIND_ELF);
    assert_true(bo.found);
    assert_false(bo.swapped);
    assert_int_equal(bo.offset, 0);

    crash_swap32(dump, n);
    assert_memory_equal(dump, "FLE\x7f", 4);
    assert_int_equal(crash_detect(dump, n, &bo), CRASH_KIND_ELF);
    assert_true(bo.swapped);
    assert_int_equal(bo.offset, 0);
    crash_swap32(dump, n);
    assert_memory_equal(dump, "\x7f" "ELF", 4);

    /* behind a prefix, at an aligned word */
    static uint8_t shifted[256];
    memset(shifted, 0xaa, sizeof(shifted));
    memcpy(shifted + 0x40, "FLE\x7f", 4);
    assert_true(crash_find_elf_magic(shifted, sizeof(shifted), &bo));
    assert_true(bo.swapped);
    assert_int_equal(bo.offset, 0x40);
    /* not in an aligned word: not found */
    memset(shifted, 0xaa, sizeof(shifted));
    memcpy(shifted + 0x42, "\x7f" "ELF", 4);
    assert_false(crash_find_elf_magic(shifted, sizeof(shifted), &bo));
    assert_int_equal(crash_detect(shifted, sizeof(shifted), &bo), CRASH_KIND_UNKNOWN);
    /* a trailing partial word is left alone */
    uint8_t odd[6] = {1, 2, 3, 4, 5, 6};
    crash_swap32(odd, sizeof(odd));
    assert_memory_equal(odd, "\x04\x03\x02\x01\x05\x06", 6);
}

static void test_page_walk(void **state)
{
    (void)state;
    struct crash_dump d;
    char err[256];
    int missing[] = {-1};
    size_t n = synth_dump(dump, missing, NULL, 0);
    uint64_t pa;
    unsigned level;
    assert_int_equal(crash_dump_open(dump, n, &d, err, sizeof(err)), 0);
    assert_int_equal(d.nsegs, 1);
    assert_int_equal(d.ncpus, 1);
    assert_true(d.cpus[0].have_qemu);
    assert_true(d.cpus[0].have_prstatus);
    assert_int_equal(d.cpus[0].cr[3], 0x1000);
    assert_int_equal(d.cpus[0].rip, 0xffffffff80100abcull);
    assert_int_equal(d.cpus[0].gpr[6], 0xffffffff80118f70ull); /* rsp */
    uint64_t cr0 = d.cpus[0].cr[0], cr3 = d.cpus[0].cr[3];

    /* 2 MiB page */
    assert_int_equal(crash_dump_translate(&d, cr0, cr3, SYNTH_KERNEL_VA + 0x1234, &pa, &level),
                     CRASH_WALK_OK);
    assert_int_equal(pa, 0x1234);
    assert_int_equal(level, 2);
    /* 1 GiB page */
    assert_int_equal(crash_dump_translate(&d, cr0, cr3, SYNTH_DIRECT_VA + 0x5678, &pa, &level),
                     CRASH_WALK_OK);
    assert_int_equal(pa, 0x5678);
    assert_int_equal(level, 3);
    /* 4 KiB page, and the absent one next to it */
    assert_int_equal(crash_dump_translate(&d, cr0, cr3, SYNTH_SMALL_VA + 0x10, &pa, &level),
                     CRASH_WALK_OK);
    assert_int_equal(pa, 0x8010);
    assert_int_equal(level, 1);
    assert_int_equal(crash_dump_translate(&d, cr0, cr3, SYNTH_SMALL_VA + 0x1000, &pa, NULL),
                     CRASH_WALK_NOT_PRESENT);
    /* not mapped at all, non-canonical, page tables outside the dump, paging off */
    assert_int_equal(crash_dump_translate(&d, cr0, cr3, 0x400000, &pa, NULL),
                     CRASH_WALK_NOT_PRESENT);
    assert_int_equal(crash_dump_translate(&d, cr0, cr3, 0x0000800000000000ull, &pa, NULL),
                     CRASH_WALK_NONCANONICAL);
    assert_int_equal(crash_dump_translate(&d, cr0, 0x7fff000, SYNTH_KERNEL_VA, &pa, NULL),
                     CRASH_WALK_NO_MEMORY);
    assert_int_equal(crash_dump_translate(&d, 0x11, cr3, 0x4321, &pa, NULL), CRASH_WALK_OK);
    assert_int_equal(pa, 0x4321);

    char text[11];
    assert_true(crash_dump_read_virt(&d, cr0, cr3, SYNTH_SMALL_VA, text, 10));
    text[10] = '\0';
    assert_string_equal(text, "small page");
    /* a read across into the absent page fails */
    assert_false(crash_dump_read_virt(&d, cr0, cr3, SYNTH_SMALL_VA + 0xff8, text, 10));
    /* physical reads stop at the end of memory */
    assert_true(crash_dump_read_phys(&d, SYNTH_DUMP_MEM - 4, text, 4));
    assert_false(crash_dump_read_phys(&d, SYNTH_DUMP_MEM - 4, text, 5));
    crash_dump_close(&d);
}

static void test_idt_from_memory(void **state)
{
    (void)state;
    struct crash_dump d;
    struct crash_idt idt;
    char err[256];
    int missing[] = {3, 14, 0x50, -1};
    size_t n = synth_dump(dump, missing, NULL, 0);
    assert_int_equal(crash_dump_open(dump, n, &d, err, sizeof(err)), 0);
    crash_dump_read_idt(&d, &d.cpus[0], &idt);
    assert_true(idt.valid);
    assert_int_equal(idt.present, 30);
    assert_int_equal(idt.gate[3], CRASH_GATE_MISSING);
    assert_int_equal(idt.gate[14], CRASH_GATE_MISSING);
    assert_int_equal(idt.gate[13], CRASH_GATE_PRESENT);
    assert_int_equal(idt.gate[0x50], CRASH_GATE_MISSING);
    assert_int_equal(idt.handler[13], 0xffffffff80101000ull + 16 * 13);
    /* a short limit: later gates are beyond it */
    d.cpus[0].idt.limit = 16 * 8 - 1;
    crash_dump_read_idt(&d, &d.cpus[0], &idt);
    assert_int_equal(idt.gate[7], CRASH_GATE_PRESENT);
    assert_int_equal(idt.gate[8], CRASH_GATE_BEYOND_LIMIT);
    assert_int_equal(idt.present, 7);
    /* an IDT base nothing maps */
    d.cpus[0].idt.limit = 0xfff;
    d.cpus[0].idt.base = 0xffffffff90000000ull;
    crash_dump_read_idt(&d, &d.cpus[0], &idt);
    assert_false(idt.valid);
    assert_int_equal(idt.gate[0], CRASH_GATE_UNREADABLE);
    crash_dump_close(&d);
}

static void test_dump_record(void **state)
{
    (void)state;
    struct crash_report r;
    int status;
    /* a #GP whose error code names IDT entry 14, which the IDT in memory lacks (the record
     * says present: memory is the authority) */
    struct synth_panic p = pf_panic(7);
    p.vector = 13;
    p.error_code = (14 << 3) | 2;
    size_t n = synth_panic_record(rec, &p, key);
    int missing[] = {13, 14, -1};
    size_t dn = synth_dump(dump, missing, rec, n);
    /* and a second, identical copy elsewhere in memory */
    memcpy(dump + SYNTH_MEM_FILE_OFFSET + 0x8c00, rec, n);

    assert_int_equal(analyze(&r, dump, dn, key), 0);
    assert_int_equal(r.kind, CRASH_KIND_ELF);
    assert_int_equal(r.nrecs, 2);
    assert_int_equal(r.recs[0].where, CRASH_AT_MEMORY);
    assert_int_equal(r.recs[0].addr, SYNTH_RECORD_PA);
    assert_int_equal(r.recs[0].status, CRASH_AUTHENTIC);
    assert_int_equal(r.recs[1].same_as, 1);
    assert_int_equal(r.sum.records, 1);
    char *out = render(&r, NULL, false, &status);
    assert_int_equal(status, 0);
    assert_contains(out, "byte order: little-endian (ELF magic found as 7f 45 4c 46 at offset "
                         "0x0)\n");
    assert_contains(out, "  rip      0xffffffff80100abc\n");
    assert_contains(out, "  cr0 0x0000000080010011 cr2 0x00000000deadbeef cr3 "
                         "0x0000000000001000 cr4 0x0000000000000020\n");
    assert_contains(out, "  idt      base 0xffffffff80006000 limit 0xfff\n");
    assert_contains(out, "idt      30 of 32 exception entries present; missing: 13 #GP, 14 #PF\n");
    assert_contains(out, "record 1 (memory 0x8400): panic, authentic (key ");
    assert_contains(out, "  idt      entry 13 NOT present (read from the IDT in memory; the "
                         "record says present)\n");
    assert_contains(out, "  diagnosis: the CPU could not deliver vector 14 (#PF): its IDT entry "
                         "is not present, so a page fault happened before its handler was "
                         "installed (an initialization-order bug)\n");
    assert_contains(out, "record 2 (memory 0x8c00): a copy of record 1\n");
    assert_contains(out, "summary: 1 record: 1 authentic\n");
    free(out);
    crash_report_free(&r);

    /* the same dump, every 32-bit word swapped: detected and, once converted, identical */
    crash_swap32(dump, dn);
    struct crash_byteorder bo;
    assert_int_equal(crash_detect(dump, dn, &bo), CRASH_KIND_ELF);
    assert_true(bo.swapped);
    crash_swap32(dump, dn);
    char err[256];
    assert_int_equal(crash_analyze(&r, "be", dump, dn, CRASH_KIND_ELF, &bo, key, err, sizeof(err)),
                     0);
    out = render(&r, NULL, false, &status);
    assert_contains(out, "byte order: big-endian 32-bit words (ELF magic found as 46 4c 45 7f at "
                         "offset 0x0); converting\n");
    assert_contains(out, "record 1 (memory 0x8400): panic, authentic");
    free(out);
    crash_report_free(&r);

    /* no record in memory */
    dn = synth_dump(dump, missing, NULL, 0);
    assert_int_equal(analyze(&r, dump, dn, key), 0);
    out = render(&r, NULL, false, &status);
    assert_int_equal(status, 0);
    assert_contains(out, "no records");
    free(out);
    crash_report_free(&r);
}

/* --- symbols --- */

static const char nm_text[] =
    "ffffffff80100000 T _text_start\n"
    "ffffffff80104a00 0000000000000100 T selftest_kernel_pf\n"
    "ffffffff80104b00 0000000000000080 t helper\n"
    "ffffffff80110000 T _text_end\n"
    "ffffffff80111000 R _rodata_start\n"
    "ffffffff80111000 0000000000000010 r names\n"
    "ffffffff80118000 B boot_stack_guard\n"
    "ffffffff80119000 B boot_stack_bottom\n"
    "ffffffff8011d000 B df_stack_guard\n"
    "ffffffff8011e000 0000000000000008 b counter\n"
    "ffffffff80200000 B _kernel_end\n"
    "                 U undefined_symbol\n"
    "garbage line\n"
    "ffffffff80300000 X\n";

static void test_symbols(void **state)
{
    (void)state;
    struct crash_symtab t;
    char buf[256];
    assert_int_equal(crash_symtab_parse(nm_text, sizeof(nm_text) - 1, &t), 0);
    assert_int_equal(t.n, 11);
    assert_non_null(crash_symtab_find(&t, "helper"));
    assert_null(crash_symtab_find(&t, "undefined_symbol"));

    crash_classify_addr(&t, 0x0, buf, sizeof(buf));
    assert_string_equal(buf, "NULL page");
    crash_classify_addr(&t, 0xfff, buf, sizeof(buf));
    assert_string_equal(buf, "NULL page");
    crash_classify_addr(&t, 0x1000, buf, sizeof(buf));
    assert_string_equal(buf, "user space");
    crash_classify_addr(&t, 0x00007fffffffffffull, buf, sizeof(buf));
    assert_string_equal(buf, "user space");
    crash_classify_addr(&t, 0x0000800000000000ull, buf, sizeof(buf));
    assert_string_equal(buf, "non-canonical");
    crash_classify_addr(&t, 0xffffffff80118ff8ull, buf, sizeof(buf));
    assert_string_equal(buf, "a guard page (boot_stack_guard)");
    crash_classify_addr(&t, 0xffffffff8011d000ull, buf, sizeof(buf));
    assert_string_equal(buf, "a guard page (df_stack_guard)");
    crash_classify_addr(&t, 0xffffffff80104a33ull, buf, sizeof(buf));
    assert_string_equal(buf, "kernel text (selftest_kernel_pf+0x33)");
    crash_classify_addr(&t, 0xffffffff80104b10ull, buf, sizeof(buf));
    assert_string_equal(buf, "kernel text (helper+0x10)");
    crash_classify_addr(&t, 0xffffffff80111004ull, buf, sizeof(buf));
    assert_string_equal(buf, "kernel data (names+0x4)");
    crash_classify_addr(&t, 0xffffffff8011e004ull, buf, sizeof(buf));
    assert_string_equal(buf, "kernel data (counter+0x4)");
    crash_classify_addr(&t, 0xffffffff80400000ull, buf, sizeof(buf));
    assert_string_equal(buf, "kernel address, no symbol");
    crash_classify_addr(NULL, 0xffffffff80104a33ull, buf, sizeof(buf));
    assert_string_equal(buf, "kernel address, no symbol");
    crash_classify_addr(NULL, 0xffff800000123000ull, buf, sizeof(buf));
    assert_string_equal(buf, "kernel address, no symbol (direct map, physical 0x123000)");

    /* a #PF on a guard page and a #DF with RSP in one are diagnosed */
    const struct crash_nm_sym *g = crash_guard_page(&t, 0xffffffff80118000ull);
    assert_non_null(g);
    assert_string_equal(g->name, "boot_stack_guard");
    assert_null(crash_guard_page(&t, 0xffffffff80119000ull));

    struct crash_report r;
    struct crash_symbolizer sym;
    int status;
    memset(&sym, 0, sizeof(sym));
    sym.symtab = &t;
    struct synth_panic p = pf_panic(3);
    p.cr2 = 0xffffffff80118ff0ull;
    size_t n = synth_panic_record(rec, &p, key);
    assert_int_equal(analyze(&r, rec, n, key), 0);
    assert_int_equal(r.kind, CRASH_KIND_RECORD);
    char *out = render(&r, &sym, false, &status);
    assert_int_equal(status, 0);
    assert_contains(out, "warning: the kernel ELF has no build id");
    assert_contains(out, "  cr2      0xffffffff80118ff0: a guard page (boot_stack_guard)\n");
    assert_contains(out, "  diagnosis: kernel stack overflow (CR2 in boot_stack_guard)\n");
    free(out);
    crash_report_free(&r);

    p.vector = 8;
    p.error_code = 0;
    p.cr2 = 0;
    p.rsp = 0xffffffff8011d010ull;
    n = synth_panic_record(rec, &p, key);
    assert_int_equal(analyze(&r, rec, n, key), 0);
    sym.have_build_id = true;
    sym.build_id_len = 20;
    memset(sym.build_id, 0x11, 20);
    out = render(&r, &sym, false, &status);
    assert_contains(out, "warning: build id mismatch: record a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3"
                         " kernel 1111111111111111111111111111111111111111\n");
    assert_contains(out, "  diagnosis: double fault: kernel stack overflow (RSP in df_stack_guard)\n");
    free(out);
    crash_report_free(&r);
    crash_symtab_free(&t);

    /* paths: the longest prefix ending in the working directory and a slash goes */
    assert_string_equal(crash_strip_path("/work/main/kernel/core/selftest.c", "/work/main"),
                        "kernel/core/selftest.c");
    assert_string_equal(crash_strip_path("/work/main/kernel/x.c", "/work/main/"), "kernel/x.c");
    assert_string_equal(crash_strip_path("/a/work/main/b/work/main/c.c", "/work/main"), "c.c");
    assert_string_equal(crash_strip_path("/work/mainline/x.c", "/work/main"),
                        "/work/mainline/x.c");
    assert_string_equal(crash_strip_path("./kernel/x.c", NULL), "kernel/x.c");
}

static void test_build_id(void **state)
{
    (void)state;
    /* an ELF64 with one SHT_NOTE section holding an NT_GNU_BUILD_ID note */
    static uint8_t elf[512];
    memset(elf, 0, sizeof(elf));
    memcpy(elf, "\x7f" "ELF\x02\x01\x01", 7);
    elf[40] = 0x80;           /* e_shoff = 0x80 */
    elf[58] = 64;             /* e_shentsize */
    elf[60] = 2;              /* e_shnum */
    uint8_t *sh = elf + 0x80 + 64; /* section 1 */
    sh[4] = 7;                /* SHT_NOTE */
    sh[25] = 0x01;            /* sh_offset = 0x100 */
    sh[32] = 16 + 20;         /* sh_size */
    uint8_t *note = elf + 0x100;
    note[0] = 4, note[4] = 20, note[8] = 3;
    memcpy(note + 12, "GNU", 4);
    for (int i = 0; i < 20; i++) {
        note[16 + i] = (uint8_t)i;
    }
    uint8_t id[20];
    assert_int_equal(crash_elf_build_id(elf, sizeof(elf), id, sizeof(id)), 20);
    assert_int_equal(id[19], 19);
    /* a note running past its section: none */
    sh[32] = 30;
    assert_int_equal(crash_elf_build_id(elf, sizeof(elf), id, sizeof(id)), 0);
    assert_int_equal(crash_elf_build_id(elf, 40, id, sizeof(id)), 0);
}

/* --- robustness: every prefix, and flipped bytes, decode without incident --- */

static void decode_all(const uint8_t *buf, size_t len)
{
    struct crash_report r;
    int status;
    if (analyze(&r, buf, len, key) == 0) {
        free(render(&r, NULL, false, &status));
        free(render(&r, NULL, true, &status));
    }
    crash_report_free(&r);
}

static void test_prefixes_and_damage(void **state)
{
    (void)state;
    build_store(0, key);
    for (size_t len = 0; len <= 3 * RS; len += len < 1024 ? 7 : 389) {
        uint8_t *copy = malloc(len ? len : 1);
        memcpy(copy, store, len);
        decode_all(copy, len); /* ASan: an exact-size heap copy catches any over-read */
        free(copy);
    }
    struct synth_panic p = pf_panic(3);
    size_t n = synth_panic_record(rec, &p, key);
    int missing[] = {14, -1};
    size_t dn = synth_dump(dump, missing, rec, n);
    for (size_t len = 0; len <= dn; len += len < 2048 ? 13 : 1021) {
        uint8_t *copy = malloc(len ? len : 1);
        memcpy(copy, dump, len);
        decode_all(copy, len);
        free(copy);
    }
    /* damage: every 97th byte of the dump's headers and notes, and of a record */
    for (size_t i = 0; i < 0x600; i += 97) {
        dump[i] ^= 0xff;
        decode_all(dump, dn);
        dump[i] ^= 0xff;
    }
    for (size_t i = 0; i < n; i += 29) {
        rec[i] ^= 0x80;
        decode_all(rec, n);
        rec[i] ^= 0x80;
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_store_authentic),
        cmocka_unit_test(test_store_forged),
        cmocka_unit_test(test_store_torn_and_truncated),
        cmocka_unit_test(test_store_replayed),
        cmocka_unit_test(test_store_foreign_unkeyed_unverified),
        cmocka_unit_test(test_store_empty_and_headers),
        cmocka_unit_test(test_exit_status_rule),
        cmocka_unit_test(test_json_escape),
        cmocka_unit_test(test_json_report),
        cmocka_unit_test(test_byte_order),
        cmocka_unit_test(test_page_walk),
        cmocka_unit_test(test_idt_from_memory),
        cmocka_unit_test(test_dump_record),
        cmocka_unit_test(test_symbols),
        cmocka_unit_test(test_build_id),
        cmocka_unit_test(test_prefixes_and_damage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
