/* SPDX-License-Identifier: MIT */
/*
 * pstore.c: crash records that survive the reboot (see pstore.h, and
 * docs/crash.md for the format, the key, the counters and the threat model).
 *
 * Counters. Every record's nonce holds a counter that must never repeat
 * under the machine key. The state record carries next_counter; each boot
 * takes three (state, reserved slot, panic record) and writes the state
 * with the new next_counter *before* using any of them, so a crash at any
 * point can only skip counters, never reuse one. A per-boot random salt in
 * the nonce hedges against a store rolled back to an older state record.
 *
 * Replays. The state record also carries last_consumed, the highest panic
 * counter already reported: an authentic panic record at or below it is an
 * old record put back, and is reported as such and never trusted.
 *
 * Panic path. pstore_panic_write uses only static memory, the ring of the
 * kernel log and one ERST write over the slot reserved at boot, so it
 * needs no free space, no allocation and no lock.
 */
#include <aead.h>
#include <arch.h>
#include <fmt.h>
#include <klog.h>
#include <kstring.h>
#include <panic.h>
#include <pmm.h>
#include <pstore.h>
#include <pstore_record.h>

#define KEY_FILE "opt/axl/pstore-key"
#define MAX_RECORDS 32 /* records looked at per boot; more are left for the next */
#define NO_ID 0xffffffffffffffffull

/* The kernel's verdicts and the handoff's (uapi) share their numbers, FOREIGN aside. */
_Static_assert((int)PSTORE_AUTHENTIC == (int)AXL_PSTORE_VERDICT_AUTHENTIC &&
                   (int)PSTORE_UNKEYED == (int)AXL_PSTORE_VERDICT_UNKEYED &&
                   (int)PSTORE_UNVERIFIED == (int)AXL_PSTORE_VERDICT_UNVERIFIED &&
                   (int)PSTORE_FORGED == (int)AXL_PSTORE_VERDICT_FORGED &&
                   (int)PSTORE_TORN == (int)AXL_PSTORE_VERDICT_TORN &&
                   (int)PSTORE_TRUNCATED == (int)AXL_PSTORE_VERDICT_TRUNCATED &&
                   (int)PSTORE_MALFORMED == (int)AXL_PSTORE_VERDICT_MALFORMED,
               "verdict numbers");

enum erst_status { ERST_OK = 0, ERST_NO_SPACE = 1, ERST_FAILED = 3, ERST_EMPTY = 4 };

static struct {
    bool ready;          /* a slot is reserved and the counters are leased */
    bool keyed;
    uint8_t key[AEAD_KEY_SIZE];
    uint32_t salt;
    size_t record_max;   /* min(exchange buffer, AXL_PSTORE_RECORD_MAX) */
    uint64_t boot_count;
    uint64_t panic_counter;
} ps = {.boot_count = 1};

/* The record being built. Static, and left in place after a panic, so a
 * memory dump holds it too (the decoder finds it there). */
static uint8_t record[AXL_PSTORE_RECORD_MAX] __attribute__((aligned(16)));

/* The records handed to the root task (boot_root.c asks with pstore_handoff). */
static paddr_t handoff_base;
static uint64_t handoff_pages;

/* What boot found in the store (copies, since the exchange buffer is reused). */
struct found {
    uint64_t id;
    enum pstore_verdict verdict;
    const char *why;
    bool readable;
    struct axl_pstore_body body;
    bool hand;                       /* a panic record (or a broken one of ours): for user space */
    enum axl_pstore_verdict handed;  /* as user space is told it */
};
static struct found found[MAX_RECORDS];
static unsigned nfound;

uint64_t pstore_boot_count(void) { return ps.boot_count; }

static const char *status_name(int status)
{
    switch (status) {
    case ERST_OK:
        return "success";
    case ERST_NO_SPACE:
        return "no space";
    case ERST_FAILED:
        return "failed";
    case ERST_EMPTY:
        return "store empty";
    case 5:
        return "record not found";
    default:
        return "unknown status";
    }
}

static void load_key(void)
{
    long n = arch_fw_cfg_read(KEY_FILE, ps.key, sizeof(ps.key));

    if (n == (long)sizeof(ps.key)) {
        ps.keyed = true;
        kinfo("pstore", "machine key %08x (fw_cfg %s)", pstore_key_id(ps.key), KEY_FILE);
        return;
    }
    memset(ps.key, 0, sizeof(ps.key));
    if (n < 0) {
        kwarn("pstore", "no machine key (fw_cfg %s): records are written unkeyed and can "
                        "not be trusted", KEY_FILE);
    } else {
        kwarn("pstore", "the machine key in fw_cfg %s has %ld bytes, not %u: ignored; records "
                        "are written unkeyed", KEY_FILE, n, (unsigned)sizeof(ps.key));
    }
}

/* Reads every record id the device lists (its cursor is first run to its end). */
static void scan(void)
{
    uint64_t ids[MAX_RECORDS];
    unsigned nids = 0;

    for (unsigned i = 0; i <= 256 && arch_erst_next_id() != NO_ID; i++) {
    }
    for (unsigned i = 0; i <= 256; i++) {
        uint64_t id = arch_erst_next_id();
        if (id == NO_ID) {
            break;
        }
        if (nids == MAX_RECORDS) {
            kwarn("pstore", "more than %u records in the store; the rest wait for a later boot",
                  MAX_RECORDS);
            break;
        }
        ids[nids++] = id;
    }
    for (unsigned i = 0; i < nids; i++) {
        struct found *f = &found[nfound++];
        memset(f, 0, sizeof(*f));
        f->id = ids[i];
        int st = arch_erst_read(ids[i]);
        if (st != ERST_OK) {
            f->verdict = PSTORE_MALFORMED;
            f->why = status_name(st);
            continue;
        }
        f->readable = true;
        memcpy(record, arch_erst_buffer(), ps.record_max);
        f->verdict = pstore_check(record, ps.record_max, ps.keyed ? ps.key : NULL, &f->why);
        if (f->verdict != PSTORE_MALFORMED && f->verdict != PSTORE_TRUNCATED &&
            f->verdict != PSTORE_FOREIGN) {
            memcpy(&f->body, pstore_body(record), sizeof(f->body));
        }
    }
}

/* A record of ours: readable (the device accepted its length) and not another creator's. */
static bool ours(const struct found *f) { return f->readable && f->verdict != PSTORE_FOREIGN; }

static void report_crash(const struct found *f)
{
    const struct axl_pstore_body *b = &f->body;
    char reason[AXL_PSTORE_REASON_MAX + 1];

    memcpy(reason, b->reason, AXL_PSTORE_REASON_MAX);
    reason[AXL_PSTORE_REASON_MAX] = 0;
    kwarn("pstore", "previous boot crashed: P%02u %s: %s (boot %llu, %llu.%06llu s after boot; "
                    "rip 0x%016llx, cr2 0x%016llx; record %llu)",
          b->panic_code, panic_code_name((int)b->panic_code), reason,
          (unsigned long long)b->boot_count, (unsigned long long)(b->uptime_ns / 1000000000u),
          (unsigned long long)(b->uptime_ns / 1000u % 1000000u), (unsigned long long)b->regs[16],
          (unsigned long long)b->regs[21], (unsigned long long)f->id);
}

/* Reports every panic record; returns the highest authentic counter reported. */
static uint64_t report(uint64_t last_consumed)
{
    uint64_t highest = last_consumed;
    unsigned crashes = 0;

    for (unsigned i = 0; i < nfound; i++) {
        struct found *f = &found[i];
        const struct axl_pstore_body *b = &f->body;
        if (f->verdict == PSTORE_FOREIGN) {
            kinfo("pstore", "record 0x%llx was written by another creator; left alone",
                  (unsigned long long)f->id);
            continue;
        }
        if (f->verdict == PSTORE_AUTHENTIC && b->kind != AXL_PSTORE_KIND_PANIC) {
            continue; /* the state record, or a slot reserved by a boot that did not panic */
        }
        if (f->verdict != PSTORE_AUTHENTIC) {
            kwarn("pstore", "record 0x%llx is %s: %s; not trusted", (unsigned long long)f->id,
                  pstore_verdict_name(f->verdict), f->why);
            f->hand = true;
            f->handed = (enum axl_pstore_verdict)f->verdict;
            continue;
        }
        bool duplicate = false;
        for (unsigned j = 0; j < i; j++) {
            duplicate |= found[j].verdict == PSTORE_AUTHENTIC &&
                         found[j].body.kind == AXL_PSTORE_KIND_PANIC &&
                         found[j].body.counter == b->counter;
        }
        if (b->counter <= last_consumed || duplicate) {
            kwarn("pstore", "record 0x%llx is replayed: counter %llu was already reported (last "
                            "consumed %llu); not trusted",
                  (unsigned long long)f->id, (unsigned long long)b->counter,
                  (unsigned long long)last_consumed);
            f->hand = true;
            f->handed = AXL_PSTORE_VERDICT_REPLAYED;
            f->why = "already reported by an earlier boot";
            continue;
        }
        report_crash(f);
        f->hand = true;
        f->handed = AXL_PSTORE_VERDICT_AUTHENTIC;
        crashes++;
        highest = max_u64(highest, b->counter);
    }
    if (crashes == 0) {
        kinfo("pstore", "no crash reported by earlier boots");
    }
    return highest;
}

/* Writes the record in `record` (len bytes), clearing foreign records while the store is full. */
static int write_record(size_t len)
{
    for (;;) {
        memcpy(arch_erst_buffer(), record, len);
        int st = arch_erst_write();
        if (st != ERST_NO_SPACE) {
            return st;
        }
        struct found *victim = NULL;
        for (unsigned i = 0; i < nfound && !victim; i++) {
            /* another creator's, or unreadable (the device refused its length) */
            if ((found[i].verdict == PSTORE_FOREIGN || !found[i].readable) && found[i].id != 0) {
                victim = &found[i];
            }
        }
        if (!victim) {
            return st;
        }
        kwarn("pstore", "store full: clearing record 0x%llx of another creator to make room",
              (unsigned long long)victim->id);
        if (arch_erst_clear(victim->id) != ERST_OK) {
            return st;
        }
        victim->id = 0;
    }
}

static struct axl_pstore_body *new_body(uint16_t kind, uint64_t counter)
{
    struct axl_pstore_body *b = (struct axl_pstore_body *)(record + AXL_PSTORE_BODY_OFFSET);

    memset(record, 0, sizeof(record));
    b->magic = AXL_PSTORE_MAGIC;
    b->version = AXL_PSTORE_VERSION;
    b->kind = kind;
    b->salt = ps.salt;
    b->counter = counter;
    b->boot_count = ps.boot_count;
    b->uptime_ns = arch_time_ns();
    b->vector = 0xffffffffu;
    extern const uint8_t _build_id_note[], _build_id_note_end[];
    /* The note: namesz, descsz, type, "GNU\0", then the descsz-byte id. */
    if (_build_id_note_end - _build_id_note >= 16 + 20) {
        memcpy(b->build_id, _build_id_note + 16, sizeof(b->build_id));
    }
    return b;
}

/* The bytes of a record just read into the exchange buffer worth keeping: its CPER length when
 * that is sane, else all the device gave (a torn or malformed record, kept whole for forensics). */
static uint32_t kept_length(void)
{
    const struct axl_cper_header *h = arch_erst_buffer();
    uint32_t len = h->record_length;
    return len >= AXL_PSTORE_BODY_OFFSET + AXL_PSTORE_TAG_SIZE && len <= ps.record_max
               ? len
               : (uint32_t)ps.record_max;
}

/*
 * Copies every record report() marked into fresh frames for the root task,
 * reading each again from the store (the exchange buffer held only one at a
 * time). Runs before the store is cleared, so a record is in the handoff or
 * still in the store, never neither.
 */
static void build_handoff(struct pmm *pmm)
{
    unsigned n = 0, left = 0;

    for (unsigned i = 0; i < nfound; i++) {
        n += found[i].hand && n < AXL_PSTORE_HANDOFF_MAX;
        left += found[i].hand;
    }
    if (n == 0) {
        return;
    }
    if (left > n) {
        kwarn("pstore", "%u records found, user space gets the first %u", left, n);
    }
    uint64_t pages = 1 + (n * (uint64_t)ps.record_max + PAGE_SIZE - 1) / PAGE_SIZE;
    paddr_t base = pmm_alloc_contig(pmm, pages, 1);
    if (base == PMM_NONE) {
        kwarn("pstore", "no memory for the %u records user space would read; they are only "
                        "reported here", n);
        return;
    }
    struct axl_pstore_handoff *h = phys_to_virt(base);
    memset(h, 0, pages * PAGE_SIZE);
    h->magic = AXL_PSTORE_HANDOFF_MAGIC;
    h->version = AXL_PSTORE_HANDOFF_VERSION;
    h->key_id = ps.keyed ? pstore_key_id(ps.key) : 0;
    h->boot_count = ps.boot_count;
    uint32_t at = PAGE_SIZE;
    for (unsigned i = 0; i < nfound && h->count < n; i++) {
        const struct found *f = &found[i];
        if (!f->hand) {
            continue;
        }
        struct axl_pstore_handoff_entry *e = &h->entry[h->count++];
        e->id = f->id;
        e->verdict = f->handed;
        e->flags = f->handed == AXL_PSTORE_VERDICT_AUTHENTIC ? AXL_PSTORE_H_TRUSTED : 0;
        ksnprintf(e->why, sizeof(e->why), "%s", f->handed == AXL_PSTORE_VERDICT_AUTHENTIC ? "" : f->why);
        if (f->readable && arch_erst_read(f->id) == ERST_OK) {
            e->offset = at;
            e->length = kept_length();
            memcpy((uint8_t *)h + at, arch_erst_buffer(), e->length);
            at += align_up(e->length, 16);
        }
    }
    h->size = at;
    handoff_base = base;
    handoff_pages = pages;
}

bool pstore_handoff(paddr_t *base, uint64_t *pages)
{
    *base = handoff_base;
    *pages = handoff_pages;
    return handoff_pages != 0;
}

void pstore_init(struct pmm *pmm)
{
    size_t size = arch_erst_probe();

    if (size == 0) {
        kinfo("pstore", "no ERST device: panic records will not outlive this boot");
        return;
    }
    ps.record_max = size < AXL_PSTORE_RECORD_MAX ? size : AXL_PSTORE_RECORD_MAX;
    load_key();
    ps.salt = arch_random32();
    scan();

    /* The counters: the authentic state record's, and past every authentic record's. */
    uint64_t next = 1, last_consumed = 0, boots = 0;
    for (unsigned i = 0; i < nfound; i++) {
        const struct found *f = &found[i];
        if (f->verdict != PSTORE_AUTHENTIC) {
            if (f->body.kind == AXL_PSTORE_KIND_STATE && ours(f)) {
                kwarn("pstore", "the state record is %s: %s; ignored",
                      pstore_verdict_name(f->verdict), f->why);
            }
            continue;
        }
        next = max_u64(next, f->body.counter + 1);
        if (f->body.kind == AXL_PSTORE_KIND_STATE) {
            next = max_u64(next, f->body.next_counter);
            last_consumed = f->body.last_consumed;
            boots = f->body.boot_count;
        }
    }
    ps.boot_count = boots + 1;
    uint64_t consumed = report(last_consumed);
    build_handoff(pmm);

    /* Lease three counters: state (next), reserved slot (next + 1), panic (next + 2). */
    struct axl_pstore_body *b = new_body(AXL_PSTORE_KIND_STATE, next);
    b->next_counter = next + 3;
    b->last_consumed = consumed;
    int st = write_record(pstore_seal(record, ps.keyed ? ps.key : NULL));
    if (st != ERST_OK) {
        kerror("pstore", "cannot write the state record (%s): no panic record this boot, since "
                         "its counter could not be made safe", status_name(st));
        return;
    }
    for (unsigned i = 0; i < nfound; i++) {
        if (ours(&found[i]) && found[i].id != AXL_PSTORE_STATE_ID && found[i].id != 0) {
            arch_erst_clear(found[i].id);
        }
    }
    b = new_body(AXL_PSTORE_KIND_RESERVED, next + 1);
    b->next_counter = next + 2;
    st = write_record(pstore_seal(record, ps.keyed ? ps.key : NULL));
    if (st != ERST_OK) {
        kerror("pstore", "cannot reserve a slot for a panic record (%s): a panic this boot "
                         "leaves no record", status_name(st));
        return;
    }
    ps.panic_counter = next + 2;
    ps.ready = true;
    kinfo("pstore", "boot %llu of this store; a slot is reserved for a panic record "
                    "(record %llu, %s)",
          (unsigned long long)ps.boot_count, (unsigned long long)ps.panic_counter,
          ps.keyed ? "keyed" : "UNKEYED");
}

/* What the panic write did, for pstore_panic_report (which may run later). */
static struct {
    enum { NOT_READY, WRITTEN, FAILED } outcome;
    int status;
    size_t len;
    uint64_t ticks;
} last;

void pstore_panic_write(const struct pstore_panic *p)
{
    if (!ps.ready) {
        last.outcome = NOT_READY;
        return;
    }
    ps.ready = false; /* one record per boot: a nested panic must not overwrite it */
    struct axl_pstore_body *b = new_body(AXL_PSTORE_KIND_PANIC, ps.panic_counter);
    b->panic_tsc = p->panic_tsc;
    b->panic_code = (uint32_t)p->code;
    if (p->have_trap) {
        b->flags |= AXL_PSTORE_F_HAVE_TRAP;
        b->vector = (uint32_t)p->frame->vector;
        b->error_code = p->frame->error;
    }
    uint64_t regs[AXL_PSTORE_NREGS];
    arch_panic_regs(p->frame, regs);
    memcpy(b->regs, regs, sizeof(regs));
    unsigned n = p->backtrace_count < AXL_PSTORE_BACKTRACE_MAX ? p->backtrace_count
                                                                : AXL_PSTORE_BACKTRACE_MAX;
    b->backtrace_count = n;
    for (unsigned i = 0; i < n; i++) {
        b->backtrace[i] = p->backtrace[i];
    }
    uint8_t idt[sizeof(b->idt_present)];
    b->idt_base = arch_idt_present(idt);
    memcpy(b->idt_present, idt, sizeof(idt));
    b->flags |= AXL_PSTORE_F_HAVE_IDT;
    ksnprintf(b->reason, sizeof(b->reason), "%s", p->reason);
    size_t room = ps.record_max - AXL_PSTORE_BODY_OFFSET - sizeof(*b) - AXL_PSTORE_TAG_SIZE;
    b->log_len = (uint32_t)klog_tail((char *)(b + 1), room);
    last.len = pstore_seal(record, ps.keyed ? ps.key : NULL);
    memcpy(arch_erst_buffer(), record, last.len);
    last.status = arch_erst_write();
    last.ticks = arch_timestamp() - p->panic_tsc;
    last.outcome = last.status == ERST_OK ? WRITTEN : FAILED;
}

void pstore_panic_report(void)
{
    uint64_t hz = arch_tsc_hz();

    switch (last.outcome) {
    case NOT_READY:
        panic_printf("pstore: no slot reserved (no ERST store, or it failed at boot); "
                     "the record is not kept\n");
        break;
    case FAILED:
        panic_printf("pstore: the panic record was NOT written: ERST says %s\n",
                     status_name(last.status));
        break;
    case WRITTEN:
        panic_printf("pstore: panic record %llu written (%llu bytes, %s) %llu us after the panic "
                     "began (%llu TSC ticks)\n",
                     (unsigned long long)ps.panic_counter, (unsigned long long)last.len,
                     ps.keyed ? "keyed" : "UNKEYED",
                     (unsigned long long)(hz ? last.ticks * 1000000 / hz : 0),
                     (unsigned long long)last.ticks);
        break;
    }
}
