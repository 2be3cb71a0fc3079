/* SPDX-License-Identifier: MIT */
/*
 * record.c: one record decoded (pstore_check says what it is, the body's
 * fields are read byte by byte), the replay rule over a store, and the
 * summary and exit status.
 */
#include <stddef.h>
#include <string.h>

#include "crash.h"

#define BODY AXL_PSTORE_BODY_OFFSET
#define FIXED (AXL_PSTORE_BODY_OFFSET + sizeof(struct axl_pstore_body))
#define OFF(field) offsetof(struct axl_pstore_body, field)
#define HOFF(field) offsetof(struct axl_cper_header, field)

const char *crash_status_name(enum crash_status s)
{
    static const char *const names[CRASH_NSTATUS] = {
        "authentic", "unkeyed", "unverified", "forged",  "torn",
        "truncated", "malformed", "foreign",  "replayed"};
    return (unsigned)s < CRASH_NSTATUS ? names[s] : "unknown";
}

static enum crash_status status_of(enum pstore_verdict v)
{
    switch (v) {
    case PSTORE_AUTHENTIC: return CRASH_AUTHENTIC;
    case PSTORE_UNKEYED: return CRASH_UNKEYED;
    case PSTORE_UNVERIFIED: return CRASH_UNVERIFIED;
    case PSTORE_FORGED: return CRASH_FORGED;
    case PSTORE_TORN: return CRASH_TORN;
    case PSTORE_TRUNCATED: return CRASH_TRUNCATED;
    case PSTORE_FOREIGN: return CRASH_FOREIGN;
    case PSTORE_MALFORMED:
    default: return CRASH_MALFORMED;
    }
}

void crash_guid_format(const uint8_t g[16], char *buf, size_t size)
{
    snprintf(buf, size, "{%08x-%04x-%04x-%02x%02x-%02x%02x%02x%02x%02x%02x}",
             (unsigned)crash_rd32(g), (unsigned)crash_rd16(g + 4), (unsigned)crash_rd16(g + 6),
             g[8], g[9], g[10], g[11], g[12], g[13], g[14], g[15]);
}

static void read_body(struct crash_body *b, const uint8_t *p)
{
    memset(b, 0, sizeof(*b));
    b->magic = crash_rd32(p + OFF(magic));
    b->version = crash_rd16(p + OFF(version));
    b->kind = crash_rd16(p + OFF(kind));
    b->flags = crash_rd32(p + OFF(flags));
    b->salt = crash_rd32(p + OFF(salt));
    b->counter = crash_rd64(p + OFF(counter));
    b->boot_count = crash_rd64(p + OFF(boot_count));
    b->uptime_ns = crash_rd64(p + OFF(uptime_ns));
    b->panic_tsc = crash_rd64(p + OFF(panic_tsc));
    memcpy(b->build_id, p + OFF(build_id), sizeof(b->build_id));
    b->key_id = crash_rd32(p + OFF(key_id));
    b->panic_code = crash_rd32(p + OFF(panic_code));
    b->vector = crash_rd32(p + OFF(vector));
    b->error_code = crash_rd64(p + OFF(error_code));
    for (size_t i = 0; i < AXL_PSTORE_NREGS; i++) {
        b->regs[i] = crash_rd64(p + OFF(regs) + 8 * i);
    }
    b->backtrace_count = crash_rd32(p + OFF(backtrace_count));
    for (size_t i = 0; i < AXL_PSTORE_BACKTRACE_MAX; i++) {
        b->backtrace[i] = crash_rd64(p + OFF(backtrace) + 8 * i);
    }
    b->idt_base = crash_rd64(p + OFF(idt_base));
    memcpy(b->idt_present, p + OFF(idt_present), sizeof(b->idt_present));
    memcpy(b->reason, p + OFF(reason), AXL_PSTORE_REASON_MAX);
    b->reason[AXL_PSTORE_REASON_MAX] = '\0';
    b->next_counter = crash_rd64(p + OFF(next_counter));
    b->last_consumed = crash_rd64(p + OFF(last_consumed));
    b->log_len = crash_rd32(p + OFF(log_len));
}

void crash_record_decode(struct crash_record *r, const uint8_t *rec, size_t avail,
                         const uint8_t *key)
{
    const char *why = NULL;

    r->avail = avail;
    r->verdict = pstore_check(rec, avail, key, &why);
    r->status = status_of(r->verdict);
    snprintf(r->why, sizeof(r->why), "%s", r->verdict == PSTORE_AUTHENTIC || !why ? "" : why);
    r->have_header = avail >= sizeof(struct axl_cper_header);
    r->readable = false;
    r->log = NULL;
    r->log_avail = 0;
    r->given_key_id = key ? pstore_key_id(key) : 0;
    memset(&r->body, 0, sizeof(r->body));
    if (!r->have_header) {
        return;
    }
    r->header_id = crash_rd64(rec + HOFF(record_id));
    r->record_length = crash_rd32(rec + HOFF(record_length));
    memcpy(r->creator, rec + HOFF(creator_id), sizeof(r->creator));
    if (r->verdict == PSTORE_FOREIGN || avail < FIXED || crash_rd32(rec + BODY) != AXL_PSTORE_MAGIC) {
        return;
    }
    r->readable = true;
    read_body(&r->body, rec + BODY);
    /* The log: body.log_len bytes after the body, within the record (tag excluded), within
     * the bytes we have, and never more than a record can hold. */
    size_t end = avail < FIXED + AXL_PSTORE_LOG_MAX ? avail : FIXED + AXL_PSTORE_LOG_MAX;
    if (r->record_length >= FIXED + AXL_PSTORE_TAG_SIZE &&
        r->record_length - AXL_PSTORE_TAG_SIZE < end) {
        end = r->record_length - AXL_PSTORE_TAG_SIZE;
    }
    size_t room = end > FIXED ? end - FIXED : 0;
    r->log = rec + FIXED;
    r->log_avail = r->body.log_len < room ? r->body.log_len : room;

    if (r->verdict == PSTORE_FORGED && key && (r->body.flags & AXL_PSTORE_F_KEYED) &&
        r->body.key_id != r->given_key_id) {
        size_t n = strlen(r->why);
        snprintf(r->why + n, sizeof(r->why) - n, " (record key %08x, given key %08x)",
                 (unsigned)r->body.key_id, (unsigned)r->given_key_id);
    }
}

const char *crash_record_type(const struct crash_record *r)
{
    if (r->status == CRASH_FOREIGN) {
        return "foreign";
    }
    if (r->readable && r->body.kind == AXL_PSTORE_KIND_PANIC) {
        return "panic";
    }
    if (r->readable && r->body.kind == AXL_PSTORE_KIND_STATE) {
        return "state";
    }
    /* no body to read: the header's record id still tells a state record from a panic */
    if (!r->readable && r->have_header && r->verdict != PSTORE_MALFORMED) {
        return r->header_id == AXL_PSTORE_STATE_ID ? "state" : "panic";
    }
    return "unknown";
}

static bool authentic_of_kind(const struct crash_record *r, unsigned kind)
{
    return r->verdict == PSTORE_AUTHENTIC && r->readable && r->body.kind == kind;
}

/*
 * Only an authentic state record counts. A panic record is REPLAYED when its
 * counter is at or below the state's last_consumed (it was reported before and
 * has been put back), or when an earlier authentic record has the same counter
 * (counters never repeat, so one of them is a copy; the later one is blamed).
 */
void crash_apply_replay(struct crash_record *recs, size_t n)
{
    const struct crash_record *state = NULL;

    for (size_t i = 0; i < n; i++) {
        if (authentic_of_kind(&recs[i], AXL_PSTORE_KIND_STATE) &&
            (!state || recs[i].body.counter > state->body.counter)) {
            state = &recs[i];
        }
    }
    for (size_t i = 0; i < n; i++) {
        struct crash_record *r = &recs[i];
        if (!authentic_of_kind(r, AXL_PSTORE_KIND_PANIC)) {
            continue;
        }
        if (state && r->body.counter <= state->body.last_consumed) {
            r->status = CRASH_REPLAYED;
            snprintf(r->why, sizeof(r->why),
                     "counter %llu <= last consumed %llu (an old record put back)",
                     (unsigned long long)r->body.counter,
                     (unsigned long long)state->body.last_consumed);
            continue;
        }
        for (size_t j = 0; j < i; j++) {
            if (recs[j].verdict == PSTORE_AUTHENTIC && recs[j].readable &&
                recs[j].body.counter == r->body.counter) {
                r->status = CRASH_REPLAYED;
                snprintf(r->why, sizeof(r->why),
                         "counter %llu already used by record %u (a copy put back)",
                         (unsigned long long)r->body.counter, recs[j].number);
                break;
            }
        }
    }
}

void crash_summarize(const struct crash_record *recs, size_t n, struct crash_summary *s)
{
    memset(s, 0, sizeof(*s));
    size_t used = 0;
    for (size_t i = 0; i < n; i++) {
        const struct crash_record *r = &recs[i];
        if (r->same_as) { /* a copy in memory of an earlier record */
            continue;
        }
        s->records++;
        if ((unsigned)r->status < CRASH_NSTATUS) {
            s->count[r->status]++;
        }
        if (r->status == CRASH_AUTHENTIC || r->status == CRASH_FOREIGN) {
            continue;
        }
        s->bad++;
        if (used + 48 < sizeof(s->why)) {
            int k = snprintf(s->why + used, sizeof(s->why) - used, "%srecord %u is %s",
                             used ? ", " : "", r->number, crash_status_name(r->status));
            used += k > 0 ? (size_t)k : 0;
            used = used < sizeof(s->why) ? used : sizeof(s->why) - 1;
        } else if (used + 6 < sizeof(s->why) && !strstr(s->why, ", ...")) {
            memcpy(s->why + used, ", ...", 6);
            used += 5;
        }
    }
}

int crash_exit_status(const struct crash_summary *s) { return s->bad ? 1 : 0; }
