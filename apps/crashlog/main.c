/* SPDX-License-Identifier: MIT */
/*
 * crashlog: the crash records of earlier boots, read in user space.
 *
 * The kernel verified each record at boot with the machine key and handed
 * them to the supervisor, which serves them to components whose manifest
 * says may-read-pstore = yes (SUP_PSTORE_INFO, _ENTRY, _READ). crashlog
 * lists them: for a trusted record the panic, the registers that matter
 * and the last lines of the kernel log; for any other, the verdict and why,
 * and what it claims only as a claim. It checks each record's structure
 * itself (it has no key, so it cannot check the tag: the kernel's verdict
 * stands), and that the supervisor refuses requests out of range.
 *
 * Arguments (manifest args): none, or "--expect-denied": this instance was
 * not granted may-read-pstore and checks that it is refused.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <axl/axl.h>
#include <axl/panic.h>
#include <axl/proc.h>
#include <axl/protocols.h>
#include <axl/pstore.h>
#include <axl/rpc.h>

#define LOG_LINES 3 /* of the kernel log shown per trusted record */

static const char *verdict_name(uint64_t v)
{
    static const char *const names[] = {
#define AXL_X(value, name, text) [value] = #name,
        AXL_PSTORE_VERDICTS(AXL_X)
#undef AXL_X
    };
    return v < sizeof(names) / sizeof(names[0]) ? names[v] : "UNKNOWN";
}

static long call(struct axl_msg *m) { return axl_rpc_call(AXL_PROC_SLOT_SUPERVISOR_EP, m); }

struct entry {
    uint64_t id, verdict, length, flags;
    char why[AXL_PSTORE_WHY_MAX + 1];
};

static long get_entry(uint64_t i, struct entry *e)
{
    struct axl_msg m;
    axl_rpc_begin(&m, AXL_OP_SUP_PSTORE_ENTRY);
    axl_msg_put_word(&m, i);
    long err = call(&m);
    unsigned pos = 1;
    if (err == AXL_E_OK) {
        err = axl_msg_get_word(&m, &pos, &e->id);
    }
    if (err == AXL_E_OK) {
        err = axl_msg_get_word(&m, &pos, &e->verdict);
    }
    if (err == AXL_E_OK) {
        err = axl_msg_get_word(&m, &pos, &e->length);
    }
    if (err == AXL_E_OK) {
        err = axl_msg_get_word(&m, &pos, &e->flags);
    }
    if (err == AXL_E_OK) {
        err = axl_msg_get_str(&m, &pos, e->why, sizeof(e->why) - 1);
    }
    return err;
}

/* Reads record i's bytes into buf (AXL_PSTORE_RECORD_MAX); *n gets how many. */
static long get_bytes(uint64_t i, uint8_t *buf, size_t length, size_t *n)
{
    *n = 0;
    while (*n < length) {
        struct axl_msg m;
        axl_rpc_begin(&m, AXL_OP_SUP_PSTORE_READ);
        axl_msg_put_word(&m, i);
        axl_msg_put_word(&m, *n);
        long err = call(&m);
        unsigned pos = 1;
        size_t got = 0;
        if (err == AXL_E_OK) {
            err = axl_msg_get_bytes(&m, &pos, buf + *n, length - *n, &got);
        }
        if (err != AXL_E_OK) {
            return err;
        }
        if (got == 0) {
            break; /* the supervisor has no more than this */
        }
        *n += got;
    }
    return AXL_E_OK;
}

/* The record's body, or NULL with *why set when its structure is wrong. */
static const struct axl_pstore_body *body_of(const uint8_t *rec, size_t n, const char **why)
{
    const struct axl_cper_header *h = (const void *)rec;
    const struct axl_pstore_body *b = (const void *)(rec + AXL_PSTORE_BODY_OFFSET);

    if (n < AXL_PSTORE_BODY_OFFSET + sizeof(*b) + AXL_PSTORE_TAG_SIZE) {
        *why = "shorter than a record";
    } else if (memcmp(h->signature, AXL_CPER_SIGNATURE, 4) != 0 || h->record_length != n) {
        *why = "not a CPER record of its length";
    } else if (b->magic != AXL_PSTORE_MAGIC || b->version != AXL_PSTORE_VERSION) {
        *why = "not an Axolotl record of a version this program knows";
    } else if (b->log_len > n - AXL_PSTORE_BODY_OFFSET - sizeof(*b) - AXL_PSTORE_TAG_SIZE) {
        *why = "its log runs past its end";
    } else {
        return b;
    }
    return NULL;
}

/* The last `lines` lines of the record's log. */
static void print_log_tail(const struct axl_pstore_body *b, unsigned lines)
{
    const char *log = (const char *)(b + 1);
    size_t end = b->log_len;

    while (end > 0 && log[end - 1] == '\n') {
        end--;
    }
    size_t start = end;
    for (unsigned seen = 0; start > 0; start--) {
        if (log[start - 1] == '\n' && ++seen == lines) {
            break;
        }
    }
    while (start < end) {
        size_t nl = start;
        while (nl < end && log[nl] != '\n') {
            nl++;
        }
        printf("crashlog:   log| %.*s\n", (int)(nl - start), log + start);
        start = nl + 1;
    }
}

static void show(uint64_t i, const struct entry *e, const uint8_t *rec, size_t n)
{
    bool trusted = (e->flags & AXL_PSTORE_H_TRUSTED) != 0;
    const char *why = NULL;
    const struct axl_pstore_body *b = n ? body_of(rec, n, &why) : NULL;

    if (trusted) {
        printf("crashlog: record %llu (id 0x%llx): trusted, %s\n", (unsigned long long)i,
               (unsigned long long)e->id, verdict_name(e->verdict));
    } else {
        printf("crashlog: record %llu (id 0x%llx): NOT trusted, %s: %s\n", (unsigned long long)i,
               (unsigned long long)e->id, verdict_name(e->verdict), e->why);
    }
    if (!b) {
        printf("crashlog:   %zu bytes%s%s\n", n, why ? ": " : " kept", why ? why : "");
        return;
    }
    char reason[AXL_PSTORE_REASON_MAX + 1];
    memcpy(reason, b->reason, AXL_PSTORE_REASON_MAX);
    reason[AXL_PSTORE_REASON_MAX] = 0;
    /* An untrusted record's contents are what an attacker may have written: claims. */
    const char *lead = trusted ? "" : "it claims: ";
    printf("crashlog:   %sP%02u %s: %s (boot %llu, %llu ms after boot)\n", lead,
           (unsigned)b->panic_code, axl_panic_code_name((int)b->panic_code), reason,
           (unsigned long long)b->boot_count, (unsigned long long)(b->uptime_ns / 1000000));
    printf("crashlog:   %srip 0x%016llx cr2 0x%016llx, %u backtrace frames, %u log bytes\n", lead,
           (unsigned long long)b->regs[16], (unsigned long long)b->regs[21],
           (unsigned)b->backtrace_count, (unsigned)b->log_len);
    if (trusted) {
        print_log_tail(b, LOG_LINES);
    }
}

/* Requests out of range must be refused, not answered with someone's memory. */
static int check_bounds(uint64_t count, const struct entry *first)
{
    struct entry e;
    long err = get_entry(count, &e);
    if (err != AXL_S_NOT_FOUND) {
        printf("crashlog: entry %llu of %llu: expected NOT_FOUND, got %s\n",
               (unsigned long long)count, (unsigned long long)count, axl_strerror(err));
        return 1;
    }
    if (count > 0) {
        struct axl_msg m;
        axl_rpc_begin(&m, AXL_OP_SUP_PSTORE_READ);
        axl_msg_put_word(&m, 0);
        axl_msg_put_word(&m, first->length + 1);
        err = call(&m);
        if (err != AXL_S_BAD_REQUEST) {
            printf("crashlog: a read past record 0's end: expected BAD_REQUEST, got %s\n",
                   axl_strerror(err));
            return 1;
        }
    }
    printf("crashlog: requests out of range are refused\n");
    return 0;
}

int main(void)
{
    bool expect_denied = axl_procinfo && strcmp(axl_procinfo->args, "--expect-denied") == 0;
    struct axl_msg m;

    axl_rpc_begin(&m, AXL_OP_SUP_PSTORE_INFO);
    long err = call(&m);
    if (expect_denied) {
        printf("crashlog: without may-read-pstore the supervisor says: %s\n", axl_strerror(err));
        return err == AXL_S_DENIED ? 0 : 1;
    }
    if (err != AXL_E_OK) {
        printf("crashlog: the supervisor refused: %s\n", axl_strerror(err));
        return 1;
    }
    uint64_t count = m.mr[1], boot = m.mr[2], key = m.mr[3];
    printf("crashlog: %llu crash records from before boot %llu (machine key %08llx)\n",
           (unsigned long long)count, (unsigned long long)boot, (unsigned long long)key);

    static uint8_t rec[AXL_PSTORE_RECORD_MAX];
    struct entry first = {0};
    for (uint64_t i = 0; i < count; i++) {
        struct entry e;
        size_t n = 0;
        err = get_entry(i, &e);
        if (err == AXL_E_OK && e.length > sizeof(rec)) {
            err = AXL_S_BAD_REQUEST;
        }
        if (err == AXL_E_OK) {
            err = get_bytes(i, rec, e.length, &n);
        }
        if (err != AXL_E_OK) {
            printf("crashlog: record %llu: %s\n", (unsigned long long)i, axl_strerror(err));
            return 1;
        }
        if (n != e.length) {
            printf("crashlog: record %llu: %zu of its %llu bytes served\n", (unsigned long long)i,
                   n, (unsigned long long)e.length);
            return 1;
        }
        if (i == 0) {
            first = e;
        }
        show(i, &e, rec, n);
    }
    return check_bounds(count, &first);
}
