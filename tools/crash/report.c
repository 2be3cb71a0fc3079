/* SPDX-License-Identifier: MIT */
/*
 * report.c: a whole decode (crash_analyze: which records an input holds and
 * what each is) and its two renderings, the human report and JSON. The
 * human lines are matched by the scenario tests: change their shape only
 * together with tests/scenarios/.
 */
#include <stdlib.h>
#include <string.h>

#include <arch/trapinfo.h>
#include <panic.h>
#include <uapi/axl/panic.h>

#include "crash.h"

/* --- analysis --- */

static bool all_bytes(const uint8_t *p, size_t n, uint8_t v)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] != v) {
            return false;
        }
    }
    return true;
}

static int analyze_store(struct crash_report *r, const uint8_t *buf, size_t len,
                         const uint8_t *key, char *err, size_t errlen)
{
    if (crash_store_open(buf, len, &r->store, err, errlen) != 0) {
        return -1;
    }
    const struct crash_store *st = &r->store;
    size_t n = 0;
    for (uint32_t s = st->first_slot; s < st->nslots; s++) {
        n += crash_store_map(buf, len, st, s) != 0;
    }
    r->recs = calloc(n ? n : 1, sizeof(*r->recs));
    if (!r->recs) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (uint32_t s = st->first_slot; s < st->nslots && r->nrecs < n; s++) {
        uint64_t id = crash_store_map(buf, len, st, s);
        if (!id) {
            continue;
        }
        struct crash_record *rec = &r->recs[r->nrecs++];
        size_t avail;
        const uint8_t *p = crash_store_slot(buf, len, st, s, &avail);
        rec->number = (unsigned)r->nrecs;
        rec->where = CRASH_AT_SLOT;
        rec->slot = s;
        rec->id = id;
        crash_record_decode(rec, p ? p : buf, avail, key);
        size_t head = avail < 128 ? avail : 128;
        if (p && avail > 0 && (all_bytes(p, head, 0) || all_bytes(p, head, 0xff))) {
            snprintf(rec->why, sizeof(rec->why),
                     "the map lists this slot but it holds no record (erased bytes)");
        }
    }
    crash_apply_replay(r->recs, r->nrecs);
    return 0;
}

static int analyze_dump(struct crash_report *r, const uint8_t *buf, size_t len,
                        const uint8_t *key, char *err, size_t errlen)
{
    size_t off = r->bo.offset <= len ? r->bo.offset : len;
    if (crash_dump_open(buf + off, len - off, &r->dump, err, errlen) != 0) {
        return -1;
    }
    crash_dump_read_idt(&r->dump, r->dump.ncpus ? &r->dump.cpus[0] : NULL, &r->idt);

    uint64_t paddr[CRASH_MAX_MEMRECS];
    const uint8_t *where[CRASH_MAX_MEMRECS];
    size_t avail[CRASH_MAX_MEMRECS];
    size_t n = crash_dump_find_records(&r->dump, paddr, where, avail, CRASH_MAX_MEMRECS);
    r->recs = calloc(n ? n : 1, sizeof(*r->recs));
    if (!r->recs) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        struct crash_record *rec = &r->recs[r->nrecs++];
        rec->number = (unsigned)r->nrecs;
        rec->where = CRASH_AT_MEMORY;
        rec->addr = paddr[i];
        crash_record_decode(rec, where[i], avail[i], key);
        /* The kernel may hold several copies of one record (written, read back): the
         * later ones are reported as copies, not as records of their own. */
        size_t rl = rec->record_length;
        for (size_t j = 0; j < i && rl; j++) {
            if (r->recs[j].same_as == 0 && r->recs[j].record_length == rl && rl <= avail[i] &&
                rl <= avail[j] && memcmp(where[i], where[j], rl) == 0) {
                rec->same_as = r->recs[j].number;
                break;
            }
        }
    }
    return 0;
}

int crash_analyze(struct crash_report *r, const char *file, const uint8_t *buf, size_t len,
                  enum crash_kind kind, const struct crash_byteorder *bo, const uint8_t *key,
                  char *err, size_t errlen)
{
    int rc = -1;

    memset(r, 0, sizeof(*r));
    r->file = file;
    r->kind = kind;
    r->keyed = key != NULL;
    if (bo) {
        r->bo = *bo;
    }
    switch (kind) {
    case CRASH_KIND_ERST:
        rc = analyze_store(r, buf, len, key, err, errlen);
        break;
    case CRASH_KIND_ELF:
        rc = analyze_dump(r, buf, len, key, err, errlen);
        break;
    case CRASH_KIND_RECORD:
        r->recs = calloc(1, sizeof(*r->recs));
        if (!r->recs) {
            snprintf(err, errlen, "out of memory");
            break;
        }
        r->nrecs = 1;
        r->recs[0].number = 1;
        r->recs[0].where = CRASH_AT_FILE;
        crash_record_decode(&r->recs[0], buf, len, key);
        rc = 0;
        break;
    default:
        snprintf(err, errlen, "not an ERST store, a CPER record or an ELF memory dump");
        break;
    }
    if (rc == 0) {
        crash_summarize(r->recs, r->nrecs, &r->sum);
    }
    return rc;
}

void crash_report_free(struct crash_report *r)
{
    free(r->recs);
    r->recs = NULL;
    r->nrecs = 0;
    if (r->kind == CRASH_KIND_ELF) {
        crash_dump_close(&r->dump);
    }
}

/* --- shared pieces of both renderings --- */

static const char *const reg_names[AXL_PSTORE_NREGS] = {
#define AXL_X(i, name) [i] = #name,
    AXL_PSTORE_REGS(AXL_X)
#undef AXL_X
};

static void lower(const char *s, char *out, size_t size)
{
    size_t i = 0;
    for (; s[i] && i + 1 < size; i++) {
        out[i] = (s[i] >= 'A' && s[i] <= 'Z') ? (char)(s[i] - 'A' + 'a') : s[i];
    }
    out[i] = '\0';
}

static const char *panic_name(uint32_t code)
{
    return code > INT32_MAX ? "UNKNOWN" : panic_code_name((int)code);
}

static void hex_bytes(const uint8_t *p, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[p[i] >> 4];
        out[2 * i + 1] = digits[p[i] & 15];
    }
    out[2 * n] = '\0';
}

static bool have_trap(const struct crash_record *rec)
{
    return (rec->body.flags & AXL_PSTORE_F_HAVE_TRAP) && rec->body.vector < 256;
}

/* Is IDT entry v present? -1 unknown. from_memory tells which source answered. */
static int idt_entry(const struct crash_report *r, const struct crash_record *rec, unsigned v,
                     bool *from_memory)
{
    *from_memory = false;
    if (v >= 256) {
        return -1;
    }
    if (r->kind == CRASH_KIND_ELF && r->idt.valid) {
        switch (r->idt.gate[v]) {
        case CRASH_GATE_PRESENT:
            *from_memory = true;
            return 1;
        case CRASH_GATE_MISSING:
        case CRASH_GATE_BEYOND_LIMIT:
            *from_memory = true;
            return 0;
        default:
            break;
        }
    }
    if (rec->body.flags & AXL_PSTORE_F_HAVE_IDT) {
        return (rec->body.idt_present[v / 8] >> (v % 8)) & 1;
    }
    return -1;
}

static int record_idt_bit(const struct crash_record *rec, unsigned v)
{
    if (v >= 256 || !(rec->body.flags & AXL_PSTORE_F_HAVE_IDT)) {
        return -1;
    }
    return (rec->body.idt_present[v / 8] >> (v % 8)) & 1;
}

#define MAX_DIAG 4
struct diagnosis {
    char line[MAX_DIAG][256];
    size_t n;
};

static void diag_add(struct diagnosis *d, const char *text)
{
    if (d->n < MAX_DIAG) {
        snprintf(d->line[d->n++], sizeof(d->line[0]), "%s", text);
    }
}

static void diagnose(const struct crash_report *r, const struct crash_record *rec,
                     const struct crash_symtab *t, struct diagnosis *d)
{
    char buf[256];
    bool mem;
    const struct crash_body *b = &rec->body;
    const struct crash_nm_sym *g;

    memset(d, 0, sizeof(*d));
    if (!have_trap(rec)) {
        if ((g = crash_guard_page(t, b->regs[7]))) {
            snprintf(buf, sizeof(buf), "kernel stack overflow (RSP in %s)", g->name);
            diag_add(d, buf);
        }
        return;
    }
    unsigned v = b->vector;
    uint64_t err = b->error_code, cr2 = b->regs[21], rsp = b->regs[7];
    if ((v == 10 || v == 11 || v == 12 || v == 13) && (err & 2)) {
        unsigned e = (unsigned)((err >> 3) & 0x1fff);
        /* The SDM puts the vector in the selector-index field (error >> 3). QEMU's TCG
         * puts the 16-byte gate's offset there in 64-bit mode (vector * 16 + 2), so
         * when the SDM's entry is present and the offset's entry is not, the latter
         * is the one the CPU failed on; the diagnosis says which reading it used. */
        unsigned q = (unsigned)((err >> 4) & 0xfff);
        if (idt_entry(r, rec, e, &mem) != 0 && idt_entry(r, rec, q, &mem) == 0) {
            snprintf(buf, sizeof(buf),
                     "error code 0x%llx read as a gate offset (vector * 16, as QEMU's TCG "
                     "reports it in 64-bit mode): IDT entry %u",
                     (unsigned long long)err, q);
            diag_add(d, buf);
            e = q;
        }
        if (idt_entry(r, rec, e, &mem) == 0) {
            snprintf(buf, sizeof(buf),
                     "the CPU could not deliver vector %u (%s): its IDT entry is not present, so "
                     "%s %s happened before its handler was installed (an initialization-order "
                     "bug)",
                     e, x86_trap_mnemonic(e), strchr("aeiou", x86_trap_name(e)[0]) ? "an" : "a",
                     x86_trap_name(e));
            diag_add(d, buf);
        }
    }
    if (v == 14) {
        if ((g = crash_guard_page(t, cr2))) {
            snprintf(buf, sizeof(buf), "kernel stack overflow (CR2 in %s)", g->name);
            diag_add(d, buf);
        } else if ((g = crash_guard_page(t, rsp))) {
            snprintf(buf, sizeof(buf), "kernel stack overflow (RSP in %s)", g->name);
            diag_add(d, buf);
        }
    } else if (v == 8) {
        if ((g = crash_guard_page(t, rsp))) {
            snprintf(buf, sizeof(buf), "double fault: kernel stack overflow (RSP in %s)",
                     g->name);
        } else if ((g = crash_guard_page(t, cr2))) {
            snprintf(buf, sizeof(buf), "double fault: kernel stack overflow (CR2 in %s)",
                     g->name);
        } else {
            char missing[160] = "";
            size_t used = 0;
            for (unsigned e = 0; e < 32; e++) {
                /* the vectors Intel reserves need no handler */
                if (x86_trap_mnemonic(e)[1] == '?' || idt_entry(r, rec, e, &mem) != 0) {
                    continue;
                }
                if (used + 16 < sizeof(missing)) {
                    int k = snprintf(missing + used, sizeof(missing) - used, "%s%u %s",
                                     used ? ", " : "", e, x86_trap_mnemonic(e));
                    used += k > 0 ? (size_t)k : 0;
                }
            }
            if (used) {
                snprintf(buf, sizeof(buf),
                         "double fault: the CPU could not deliver an exception; exception "
                         "vectors without an IDT entry: %s",
                         missing);
            } else {
                snprintf(buf, sizeof(buf),
                         "double fault: an exception happened while the CPU was delivering "
                         "another (check the handler stacks, the TSS and the IDT)");
            }
        }
        diag_add(d, buf);
    } else if ((g = crash_guard_page(t, rsp))) {
        snprintf(buf, sizeof(buf), "kernel stack overflow (RSP in %s)", g->name);
        diag_add(d, buf);
    }
}

/* The addresses to look up for a panic record: RIP, then the backtrace (return addresses
 * minus one for frames >= 1, so the call, not what follows it, is named). */
static size_t record_addrs(const struct crash_record *rec, uint64_t *addrs)
{
    size_t n = 0, bt = rec->body.backtrace_count;
    addrs[n++] = rec->body.regs[16];
    if (bt > AXL_PSTORE_BACKTRACE_MAX) {
        bt = AXL_PSTORE_BACKTRACE_MAX;
    }
    for (size_t i = 0; i < bt; i++) {
        addrs[n++] = rec->body.backtrace[i] - (i >= 1 && rec->body.backtrace[i] ? 1 : 0);
    }
    return n;
}

static bool lookup(const struct crash_symbolizer *sym, const uint64_t *addrs, size_t n,
                   struct crash_where_sym *out)
{
    memset(out, 0, n * sizeof(*out));
    return sym && sym->lookup && sym->lookup(sym->ctx, addrs, n, out);
}

static void sym_suffix(const struct crash_where_sym *w, char *buf, size_t size)
{
    if (!w->func[0]) {
        buf[0] = '\0';
    } else if (!w->file[0]) {
        snprintf(buf, size, " %s", w->func);
    } else if (!w->line) {
        snprintf(buf, size, " %s (%s)", w->func, w->file);
    } else {
        snprintf(buf, size, " %s (%s:%u)", w->func, w->file, w->line);
    }
}

static bool build_id_mismatch(const struct crash_record *rec, const struct crash_symbolizer *sym)
{
    uint8_t zero[20] = {0};
    if (!sym || !sym->have_build_id || memcmp(rec->body.build_id, zero, 20) == 0) {
        return false;
    }
    return sym->build_id_len != 20 || memcmp(sym->build_id, rec->body.build_id, 20) != 0;
}

static const struct crash_symtab *symtab_of(const struct crash_symbolizer *sym)
{
    return sym ? sym->symtab : NULL;
}

/* --- human --- */

/* Text from the record, with control characters shown as \xNN. */
static void put_text(FILE *f, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c < 0x20 && c != '\t') || c == 0x7f) {
            static const char hex[] = "0123456789abcdef";
            char esc[5] = {'\\', 'x', hex[c >> 4], hex[c & 15], '\0'};
            fputs(esc, f);
        } else {
            fputc(c, f);
        }
    }
}

static void where_text(const struct crash_record *rec, char *buf, size_t size)
{
    switch (rec->where) {
    case CRASH_AT_SLOT:
        snprintf(buf, size, "slot %u, id 0x%016llx", rec->slot, (unsigned long long)rec->id);
        break;
    case CRASH_AT_MEMORY:
        snprintf(buf, size, "memory 0x%llx", (unsigned long long)rec->addr);
        break;
    default:
        snprintf(buf, size, "file offset 0x%llx", (unsigned long long)rec->addr);
        break;
    }
}

static void upper(const char *s, char *out, size_t size)
{
    size_t i = 0;
    for (; s[i] && i + 1 < size; i++) {
        out[i] = (s[i] >= 'a' && s[i] <= 'z') ? (char)(s[i] - 'a' + 'A') : s[i];
    }
    out[i] = '\0';
}

static void print_log(FILE *f, const struct crash_record *rec)
{
    fprintf(f, "  log      (%zu bytes, last lines of the kernel log)\n", rec->log_avail);
    const char *s = (const char *)rec->log;
    size_t n = rec->log_avail, start = 0;
    while (start < n) {
        size_t end = start;
        while (end < n && s[end] != '\n') {
            end++;
        }
        size_t len = end - start;
        if (len && s[start + len - 1] == '\r') {
            len--;
        }
        fputs("    ", f);
        put_text(f, s + start, len);
        fputc('\n', f);
        start = end + 1;
    }
}

static void print_panic_human(FILE *f, const struct crash_report *r,
                              const struct crash_record *rec, const struct crash_symbolizer *sym)
{
    const struct crash_body *b = &rec->body;
    const struct crash_symtab *t = symtab_of(sym);
    char buf[512], hex[64], khex[64];

    if (build_id_mismatch(rec, sym)) {
        hex_bytes(b->build_id, 20, hex);
        hex_bytes(sym->build_id, sym->build_id_len < 20 ? sym->build_id_len : 20, khex);
        fprintf(f, "warning: build id mismatch: record %s kernel %s\n", hex, khex);
    }
    fprintf(f, "  panic    P%02u %s: ", (unsigned)b->panic_code, panic_name(b->panic_code));
    put_text(f, b->reason, strlen(b->reason));
    fputc('\n', f);
    if (have_trap(rec)) {
        unsigned v = b->vector;
        fprintf(f, "  trap     %u %s %s\n", v, x86_trap_mnemonic(v), x86_trap_name(v));
        if (x86_trap_has_error(v)) {
            x86_decode_error(v, b->error_code, buf, sizeof(buf));
            fprintf(f, "  error    0x%llx: %s\n", (unsigned long long)b->error_code, buf);
        }
    }
    uint64_t addrs[1 + AXL_PSTORE_BACKTRACE_MAX];
    struct crash_where_sym ws[1 + AXL_PSTORE_BACKTRACE_MAX];
    size_t n = record_addrs(rec, addrs);
    lookup(sym, addrs, n, ws);
    sym_suffix(&ws[0], buf, sizeof(buf));
    fprintf(f, "  rip      0x%016llx%s\n", (unsigned long long)b->regs[16], buf);
    crash_classify_addr(t, b->regs[21], buf, sizeof(buf));
    fprintf(f, "  cr2      0x%016llx: %s\n", (unsigned long long)b->regs[21], buf);
    fprintf(f, "  cr0 0x%016llx cr3 0x%016llx cr4 0x%016llx\n", (unsigned long long)b->regs[20],
            (unsigned long long)b->regs[22], (unsigned long long)b->regs[23]);
    for (size_t i = 0; i < 16; i++) {
        lower(reg_names[i], buf, sizeof(buf));
        fprintf(f, "%s%-3s 0x%016llx%s", i % 3 == 0 ? "  " : "", buf,
                (unsigned long long)b->regs[i], (i % 3 == 2 || i == 15) ? "\n" : " ");
    }
    fprintf(f, "  rflags 0x%016llx cs 0x%04llx ss 0x%04llx\n", (unsigned long long)b->regs[17],
            (unsigned long long)b->regs[18], (unsigned long long)b->regs[19]);
    fprintf(f, "  backtrace%s\n", n > 1 ? "" : " (none)");
    for (size_t i = 1; i < n; i++) {
        sym_suffix(&ws[i], buf, sizeof(buf));
        snprintf(hex, sizeof(hex), "#%zu", i - 1);
        fprintf(f, "    %-3s 0x%016llx%s\n", hex, (unsigned long long)b->backtrace[i - 1], buf);
    }
    if (have_trap(rec)) {
        bool mem;
        int p = idt_entry(r, rec, b->vector, &mem);
        if (p >= 0) {
            fprintf(f, "  idt      entry %u %s", b->vector, p ? "present" : "NOT present");
            int rb = record_idt_bit(rec, b->vector);
            if (mem && rb >= 0 && rb != p) {
                fprintf(f, " (read from the IDT in memory; the record says %s)",
                        rb ? "present" : "NOT present");
            } else if (mem) {
                fprintf(f, " (read from the IDT in memory)");
            }
            fputc('\n', f);
        }
    }
    struct diagnosis d;
    diagnose(r, rec, t, &d);
    for (size_t i = 0; i < d.n; i++) {
        fprintf(f, "  diagnosis: %s\n", d.line[i]);
    }
    fprintf(f, "  uptime   %llu.%06llu s, panic tsc 0x%llx\n",
            (unsigned long long)(b->uptime_ns / 1000000000ull),
            (unsigned long long)(b->uptime_ns % 1000000000ull / 1000),
            (unsigned long long)b->panic_tsc);
    hex_bytes(b->build_id, 20, hex);
    fprintf(f, "  build id %s\n", hex);
    print_log(f, rec);
}

static void print_record_human(FILE *f, const struct crash_report *r,
                               const struct crash_record *rec, const struct crash_symbolizer *sym)
{
    char where[64], status[32], guid[48];
    const struct crash_body *b = &rec->body;
    const char *type = crash_record_type(rec);

    where_text(rec, where, sizeof(where));
    fprintf(f, "record %u (%s): ", rec->number, where);
    if (rec->same_as) {
        fprintf(f, "a copy of record %u\n", rec->same_as);
        return;
    }
    if (rec->status == CRASH_FOREIGN) {
        crash_guid_format(rec->creator, guid, sizeof(guid));
        fprintf(f, "foreign record (creator %s), %u bytes: left alone\n", guid,
                (unsigned)rec->record_length);
        return;
    }
    if (rec->status == CRASH_AUTHENTIC) {
        fprintf(f, "%s, authentic (key %08x, counter %llu, boot %llu)", type, (unsigned)b->key_id,
                (unsigned long long)b->counter, (unsigned long long)b->boot_count);
        if (b->kind == AXL_PSTORE_KIND_STATE) {
            fprintf(f, ": boot count %llu, next counter %llu, last consumed %llu",
                    (unsigned long long)b->boot_count, (unsigned long long)b->next_counter,
                    (unsigned long long)b->last_consumed);
        }
        fputc('\n', f);
    } else {
        upper(crash_status_name(rec->status), status, sizeof(status));
        fprintf(f, "%s, %s%s%s\n", type, status, rec->why[0] ? ": " : "", rec->why);
        if (!rec->readable) {
            return;
        }
        fprintf(f, "  (untrusted: the fields below may be false)\n");
        fprintf(f, "  key %08x, counter %llu, boot %llu\n", (unsigned)b->key_id,
                (unsigned long long)b->counter, (unsigned long long)b->boot_count);
        if (b->kind == AXL_PSTORE_KIND_STATE) {
            fprintf(f, "  boot count %llu, next counter %llu, last consumed %llu\n",
                    (unsigned long long)b->boot_count, (unsigned long long)b->next_counter,
                    (unsigned long long)b->last_consumed);
        }
    }
    if (rec->where == CRASH_AT_SLOT && rec->have_header && rec->readable &&
        rec->header_id != rec->id) {
        fprintf(f, "  note: the store's map says id 0x%016llx, the record says 0x%016llx\n",
                (unsigned long long)rec->id, (unsigned long long)rec->header_id);
    }
    if (b->kind == AXL_PSTORE_KIND_PANIC) {
        print_panic_human(f, r, rec, sym);
    }
}

static void print_summary_human(FILE *f, const struct crash_summary *s)
{
    static const enum crash_status order[] = {
        CRASH_AUTHENTIC, CRASH_UNKEYED,   CRASH_UNVERIFIED, CRASH_FORGED, CRASH_TORN,
        CRASH_TRUNCATED, CRASH_MALFORMED, CRASH_REPLAYED,   CRASH_FOREIGN};
    fprintf(f, "summary: %u record%s", s->records, s->records == 1 ? "" : "s");
    const char *sep = ": ";
    for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
        if (s->count[order[i]]) {
            fprintf(f, "%s%u %s", sep, s->count[order[i]], crash_status_name(order[i]));
            sep = ", ";
        }
    }
    fputc('\n', f);
}

static void print_cpu_human(FILE *f, const struct crash_report *r, size_t i,
                            const struct crash_symbolizer *sym)
{
    const struct crash_cpu *c = &r->dump.cpus[i];
    char buf[512];
    struct crash_where_sym w;

    if (!c->have_qemu && !c->have_prstatus) {
        return;
    }
    lookup(sym, &c->rip, 1, &w);
    sym_suffix(&w, buf, sizeof(buf));
    if (i > 0) {
        fprintf(f, "cpu %zu     rip 0x%016llx%s\n", i, (unsigned long long)c->rip, buf);
        return;
    }
    fprintf(f, "cpu 0\n");
    fprintf(f, "  rip      0x%016llx%s\n", (unsigned long long)c->rip, buf);
    fprintf(f, "  rsp 0x%016llx rbp 0x%016llx rflags 0x%016llx\n", (unsigned long long)c->gpr[6],
            (unsigned long long)c->gpr[7], (unsigned long long)c->rflags);
    if (!c->have_qemu) {
        fprintf(f, "  (no QEMU note: control registers and IDT unknown)\n");
        return;
    }
    fprintf(f, "  cr0 0x%016llx cr2 0x%016llx cr3 0x%016llx cr4 0x%016llx\n",
            (unsigned long long)c->cr[0], (unsigned long long)c->cr[2],
            (unsigned long long)c->cr[3], (unsigned long long)c->cr[4]);
    crash_classify_addr(symtab_of(sym), c->cr[2], buf, sizeof(buf));
    fprintf(f, "  cr2      0x%016llx: %s\n", (unsigned long long)c->cr[2], buf);
    fprintf(f, "  idt      base 0x%016llx limit 0x%x\n", (unsigned long long)c->idt.base,
            (unsigned)c->idt.limit);
}

static void print_dump_header(FILE *f, const struct crash_report *r,
                              const struct crash_symbolizer *sym)
{
    const struct crash_dump *d = &r->dump;
    bool mib = d->mem_bytes >= (1u << 20);
    fprintf(f, "dump %s: ELF64 memory dump, %zu memory segment%s, %llu %s, %zu cpu%s\n",
            r->file, d->nsegs, d->nsegs == 1 ? "" : "s",
            (unsigned long long)(d->mem_bytes >> (mib ? 20 : 10)), mib ? "MiB" : "KiB", d->ncpus,
            d->ncpus == 1 ? "" : "s");
    if (r->bo.swapped) {
        fprintf(f,
                "byte order: big-endian 32-bit words (ELF magic found as 46 4c 45 7f at offset "
                "0x%zx); converting\n",
                r->bo.offset);
    } else {
        fprintf(f, "byte order: little-endian (ELF magic found as 7f 45 4c 46 at offset 0x%zx)\n",
                r->bo.offset);
    }
    if (d->type != 4) {
        fprintf(f, "warning: ELF type %u is not a core file (is this a memory dump?)\n",
                d->type);
    }
    if (d->machine != 62) {
        fprintf(f, "warning: ELF machine %u is not x86-64\n", d->machine);
    }
    if (d->truncated) {
        fprintf(f, "warning: the dump is truncated: some memory or notes are missing\n");
    }
    if (d->ncpus == 0) {
        fprintf(f, "cpu      no CPU state in the dump (no QEMU or CORE notes)\n");
    }
    for (size_t i = 0; i < d->ncpus; i++) {
        print_cpu_human(f, r, i, sym);
    }
    if (!r->idt.valid) {
        fprintf(f, "idt      not readable from memory\n");
        return;
    }
    fprintf(f, "idt      %u of 32 exception entries present", r->idt.present);
    const char *sep = "; missing: ";
    for (unsigned v = 0; v < 32; v++) {
        if (r->idt.gate[v] != CRASH_GATE_PRESENT) {
            fprintf(f, "%s%u %s%s", sep, v, x86_trap_mnemonic(v),
                    r->idt.gate[v] == CRASH_GATE_BEYOND_LIMIT ? " (beyond the limit)"
                    : r->idt.gate[v] == CRASH_GATE_UNREADABLE ? " (unreadable)"
                                                              : "");
            sep = ", ";
        }
    }
    fputc('\n', f);
}

int crash_print_human(const struct crash_report *r, const struct crash_symbolizer *sym,
                      FILE *out)
{
    switch (r->kind) {
    case CRASH_KIND_ERST:
        fprintf(out, "store %s: %u slots of %u bytes, %zu record%s\n", r->file,
                r->store.nslots > r->store.first_slot ? r->store.nslots - r->store.first_slot : 0,
                r->store.record_size, r->nrecs, r->nrecs == 1 ? "" : "s");
        if (r->store.short_file) {
            fprintf(out, "warning: the file ends inside its last slot\n");
        }
        break;
    case CRASH_KIND_ELF:
        print_dump_header(out, r, sym);
        break;
    default:
        fprintf(out, "record file %s: one CPER record\n", r->file);
        break;
    }
    if (sym && !sym->have_build_id && r->nrecs) {
        fprintf(out, "warning: the kernel ELF has no build id: cannot tell whether it matches\n");
    }
    for (size_t i = 0; i < r->nrecs; i++) {
        print_record_human(out, r, &r->recs[i], sym);
    }
    if (r->sum.records == 0) {
        fprintf(out, r->kind == CRASH_KIND_ELF ? "no records (no Axolotl crash record in memory)\n"
                                               : "no records\n");
        return 0;
    }
    print_summary_human(out, &r->sum);
    if (r->sum.bad) {
        fprintf(out, "not authentic: %s\n", r->sum.why);
    }
    return crash_exit_status(&r->sum);
}

/* --- JSON --- */

static void put(char *out, size_t size, size_t *pos, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++, (*pos)++) {
        if (*pos + 1 < size) {
            out[*pos] = s[i];
        }
    }
}

/* Length of the valid UTF-8 sequence at s (n bytes left), or 0. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    size_t len;
    unsigned cp, min;
    if (c < 0x80) {
        return 1;
    } else if ((c & 0xe0) == 0xc0) {
        len = 2, cp = c & 0x1f, min = 0x80;
    } else if ((c & 0xf0) == 0xe0) {
        len = 3, cp = c & 0x0f, min = 0x800;
    } else if ((c & 0xf8) == 0xf0) {
        len = 4, cp = c & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (len > n) {
        return 0;
    }
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80) {
            return 0;
        }
        cp = cp << 6 | (s[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
        return 0;
    }
    return len;
}

size_t crash_json_escape(char *out, size_t size, const char *s, size_t n)
{
    size_t pos = 0;
    const unsigned char *u = (const unsigned char *)s;

    for (size_t i = 0; i < n;) {
        unsigned char c = u[i];
        const char *rep = NULL;
        switch (c) {
        case '"': rep = "\\\""; break;
        case '\\': rep = "\\\\"; break;
        case '\b': rep = "\\b"; break;
        case '\f': rep = "\\f"; break;
        case '\n': rep = "\\n"; break;
        case '\r': rep = "\\r"; break;
        case '\t': rep = "\\t"; break;
        default: break;
        }
        if (rep) {
            put(out, size, &pos, rep, strlen(rep));
            i++;
        } else if (c < 0x20 || c == 0x7f) {
            static const char hex[] = "0123456789abcdef";
            char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            put(out, size, &pos, esc, 6);
            i++;
        } else {
            size_t k = utf8_len(u + i, n - i);
            if (k == 0) {
                put(out, size, &pos, "\\ufffd", 6);
                i++;
            } else {
                put(out, size, &pos, s + i, k);
                i += k;
            }
        }
    }
    if (size) {
        out[pos < size ? pos : size - 1] = '\0';
    }
    return pos;
}

static void jstr(FILE *f, const char *s, size_t n)
{
    char small[512];
    size_t need = crash_json_escape(small, sizeof(small), s, n);
    fputc('"', f);
    if (need < sizeof(small)) {
        fputs(small, f);
    } else {
        char *big = malloc(need + 1);
        if (big) {
            crash_json_escape(big, need + 1, s, n);
            fputs(big, f);
            free(big);
        }
    }
    fputc('"', f);
}

static void jcstr(FILE *f, const char *s) { jstr(f, s, strlen(s)); }

static void jkey(FILE *f, bool *first, const char *k)
{
    fprintf(f, "%s\"%s\":", *first ? "" : ",", k);
    *first = false;
}

static void jhex(FILE *f, uint64_t v) { fprintf(f, "\"0x%llx\"", (unsigned long long)v); }

static void jsym(FILE *f, uint64_t addr, const struct crash_where_sym *w)
{
    fprintf(f, "{\"addr\":");
    jhex(f, addr);
    fprintf(f, ",\"function\":");
    if (w->func[0]) {
        jcstr(f, w->func);
    } else {
        fputs("null", f);
    }
    fprintf(f, ",\"file\":");
    if (w->file[0]) {
        jcstr(f, w->file);
    } else {
        fputs("null", f);
    }
    if (w->line) {
        fprintf(f, ",\"line\":%u}", w->line);
    } else {
        fprintf(f, ",\"line\":null}");
    }
}

static void print_panic_json(FILE *f, const struct crash_report *r,
                             const struct crash_record *rec, const struct crash_symbolizer *sym)
{
    const struct crash_body *b = &rec->body;
    char buf[512], hex[64];
    bool first = false;

    jkey(f, &first, "panic_code");
    fprintf(f, "%u", (unsigned)b->panic_code);
    jkey(f, &first, "panic_name");
    jcstr(f, panic_name(b->panic_code));
    jkey(f, &first, "reason");
    jcstr(f, b->reason);
    jkey(f, &first, "vector");
    if (have_trap(rec)) {
        unsigned v = b->vector;
        fprintf(f, "%u", v);
        snprintf(buf, sizeof(buf), "%s %s", x86_trap_mnemonic(v), x86_trap_name(v));
        jkey(f, &first, "trap");
        jcstr(f, buf);
        jkey(f, &first, "error_code");
        jhex(f, b->error_code);
        x86_decode_error(v, b->error_code, buf, sizeof(buf));
        jkey(f, &first, "error_text");
        if (x86_trap_has_error(v)) {
            jcstr(f, buf);
        } else {
            fputs("null", f);
        }
    } else {
        fputs("null,\"trap\":null,\"error_code\":null,\"error_text\":null", f);
    }
    jkey(f, &first, "regs");
    fputc('{', f);
    for (size_t i = 0; i < AXL_PSTORE_NREGS; i++) {
        lower(reg_names[i], buf, sizeof(buf));
        fprintf(f, "%s\"%s\":", i ? "," : "", buf);
        jhex(f, b->regs[i]);
    }
    fputc('}', f);
    crash_classify_addr(symtab_of(sym), b->regs[21], buf, sizeof(buf));
    jkey(f, &first, "cr2_class");
    jcstr(f, buf);

    uint64_t addrs[1 + AXL_PSTORE_BACKTRACE_MAX];
    struct crash_where_sym ws[1 + AXL_PSTORE_BACKTRACE_MAX];
    size_t n = record_addrs(rec, addrs);
    lookup(sym, addrs, n, ws);
    jkey(f, &first, "rip");
    jsym(f, b->regs[16], &ws[0]);
    jkey(f, &first, "backtrace");
    fputc('[', f);
    for (size_t i = 1; i < n; i++) {
        if (i > 1) {
            fputc(',', f);
        }
        jsym(f, b->backtrace[i - 1], &ws[i]);
    }
    fputc(']', f);
    jkey(f, &first, "idt");
    bool mem;
    int p = have_trap(rec) ? idt_entry(r, rec, b->vector, &mem) : -1;
    if (p >= 0) {
        fprintf(f, "{\"vector\":%u,\"present\":%s,\"source\":\"%s\"}", b->vector,
                p ? "true" : "false", mem ? "memory" : "record");
    } else {
        fputs("null", f);
    }
    struct diagnosis d;
    diagnose(r, rec, symtab_of(sym), &d);
    jkey(f, &first, "diagnosis");
    fputc('[', f);
    for (size_t i = 0; i < d.n; i++) {
        if (i) {
            fputc(',', f);
        }
        jcstr(f, d.line[i]);
    }
    fputc(']', f);
    jkey(f, &first, "uptime_ns");
    fprintf(f, "%llu", (unsigned long long)b->uptime_ns);
    jkey(f, &first, "panic_tsc");
    jhex(f, b->panic_tsc);
    hex_bytes(b->build_id, 20, hex);
    jkey(f, &first, "build_id");
    jcstr(f, hex);
    jkey(f, &first, "build_id_mismatch");
    fputs(build_id_mismatch(rec, sym) ? "true" : "false", f);
    jkey(f, &first, "log");
    jstr(f, (const char *)rec->log, rec->log_avail);
}

static void print_record_json(FILE *f, const struct crash_report *r,
                              const struct crash_record *rec, const struct crash_symbolizer *sym)
{
    const struct crash_body *b = &rec->body;
    bool first = true;
    char buf[64];

    fputc('{', f);
    jkey(f, &first, "number");
    fprintf(f, "%u", rec->number);
    jkey(f, &first, "slot");
    if (rec->where == CRASH_AT_SLOT) {
        fprintf(f, "%u", rec->slot);
        jkey(f, &first, "id");
        jhex(f, rec->id);
    } else {
        fputs("null", f);
        jkey(f, &first, rec->where == CRASH_AT_MEMORY ? "memory" : "offset");
        jhex(f, rec->addr);
        jkey(f, &first, "id");
        if (rec->have_header) {
            jhex(f, rec->header_id);
        } else {
            fputs("null", f);
        }
    }
    if (rec->same_as) {
        jkey(f, &first, "copy_of");
        fprintf(f, "%u}", rec->same_as);
        return;
    }
    jkey(f, &first, "type");
    jcstr(f, crash_record_type(rec));
    jkey(f, &first, "verdict");
    jcstr(f, crash_status_name(rec->status));
    jkey(f, &first, "why");
    jcstr(f, rec->why);
    jkey(f, &first, "length");
    fprintf(f, "%u", (unsigned)rec->record_length);
    if (rec->status == CRASH_FOREIGN) {
        crash_guid_format(rec->creator, buf, sizeof(buf));
        jkey(f, &first, "creator");
        jcstr(f, buf);
    }
    jkey(f, &first, "untrusted");
    fputs(rec->status != CRASH_AUTHENTIC ? "true" : "false", f);
    if (!rec->readable) {
        fputc('}', f);
        return;
    }
    jkey(f, &first, "key_id");
    snprintf(buf, sizeof(buf), "%08x", (unsigned)b->key_id);
    jcstr(f, buf);
    jkey(f, &first, "counter");
    fprintf(f, "%llu", (unsigned long long)b->counter);
    jkey(f, &first, "boot");
    fprintf(f, "%llu", (unsigned long long)b->boot_count);
    if (b->kind == AXL_PSTORE_KIND_STATE) {
        jkey(f, &first, "next_counter");
        fprintf(f, "%llu", (unsigned long long)b->next_counter);
        jkey(f, &first, "last_consumed");
        fprintf(f, "%llu", (unsigned long long)b->last_consumed);
    } else if (b->kind == AXL_PSTORE_KIND_PANIC) {
        print_panic_json(f, r, rec, sym);
    }
    fputc('}', f);
}

int crash_print_json(const struct crash_report *r, const struct crash_symbolizer *sym,
                     FILE *f)
{
    bool first = true;

    fputc('{', f);
    jkey(f, &first, "file");
    jcstr(f, r->file ? r->file : "");
    jkey(f, &first, "kind");
    jcstr(f, crash_kind_name(r->kind));
    if (r->kind == CRASH_KIND_ERST) {
        const struct crash_store *st = &r->store;
        jkey(f, &first, "store");
        fprintf(f, "{\"record_size\":%u,\"first_slot\":%u,\"slots\":%u,\"records\":%zu}",
                st->record_size, st->first_slot,
                st->nslots > st->first_slot ? st->nslots - st->first_slot : 0, r->nrecs);
    } else if (r->kind == CRASH_KIND_ELF) {
        const struct crash_dump *d = &r->dump;
        jkey(f, &first, "dump");
        fprintf(f, "{\"byte_order\":\"%s\",\"magic_offset\":",
                r->bo.swapped ? "big-endian-32" : "little-endian");
        jhex(f, r->bo.offset);
        fprintf(f, ",\"segments\":%zu,\"memory_bytes\":%llu,\"truncated\":%s,\"cpus\":[",
                d->nsegs, (unsigned long long)d->mem_bytes, d->truncated ? "true" : "false");
        for (size_t i = 0; i < d->ncpus; i++) {
            const struct crash_cpu *c = &d->cpus[i];
            struct crash_where_sym w;
            lookup(sym, &c->rip, 1, &w);
            fprintf(f, "%s{\"cpu\":%zu,\"rip\":", i ? "," : "", i);
            jsym(f, c->rip, &w);
            fprintf(f, ",\"rsp\":");
            jhex(f, c->gpr[6]);
            fprintf(f, ",\"rflags\":");
            jhex(f, c->rflags);
            if (c->have_qemu) {
                for (int k = 0; k < 5; k++) {
                    if (k != 1) {
                        fprintf(f, ",\"cr%d\":", k);
                        jhex(f, c->cr[k]);
                    }
                }
                fprintf(f, ",\"idt_base\":");
                jhex(f, c->idt.base);
                fprintf(f, ",\"idt_limit\":");
                jhex(f, c->idt.limit);
            }
            fputc('}', f);
        }
        fprintf(f, "],\"idt\":");
        if (r->idt.valid) {
            fprintf(f, "{\"present\":%u,\"missing\":[", r->idt.present);
            bool any = false;
            for (unsigned v = 0; v < 32; v++) {
                if (r->idt.gate[v] != CRASH_GATE_PRESENT) {
                    fprintf(f, "%s%u", any ? "," : "", v);
                    any = true;
                }
            }
            fputs("]}", f);
        } else {
            fputs("null", f);
        }
        fputc('}', f);
    }
    jkey(f, &first, "kernel_build_id");
    if (sym && sym->have_build_id) {
        char hex[2 * sizeof(sym->build_id) + 1];
        hex_bytes(sym->build_id, sym->build_id_len < 20 ? sym->build_id_len : 20, hex);
        jcstr(f, hex);
    } else {
        fputs("null", f);
    }
    jkey(f, &first, "records");
    fputc('[', f);
    for (size_t i = 0; i < r->nrecs; i++) {
        if (i) {
            fputc(',', f);
        }
        print_record_json(f, r, &r->recs[i], sym);
    }
    fputc(']', f);
    jkey(f, &first, "summary");
    fprintf(f, "{\"records\":%u", r->sum.records);
    for (int s = 0; s < CRASH_NSTATUS; s++) {
        fprintf(f, ",\"%s\":%u", crash_status_name((enum crash_status)s), r->sum.count[s]);
    }
    int status = crash_exit_status(&r->sum);
    fprintf(f, ",\"exit_status\":%d,\"not_authentic\":", status);
    if (r->sum.bad) {
        jcstr(f, r->sum.why);
    } else {
        fputs("null", f);
    }
    fputs("}}\n", f);
    return status;
}
