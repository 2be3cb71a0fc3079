/* SPDX-License-Identifier: MIT */
/*
 * pstore_record.c: sealing and checking crash records (see pstore_record.h
 * and uapi/axl/pstore.h). The order of the checks in pstore_check matters:
 * a record is judged torn before its body is judged malformed, because an
 * interrupted write leaves a sound header over an erased tail.
 */
#include <kstring.h>
#include <pstore_record.h>

static const struct axl_guid creator_guid = AXL_PSTORE_CREATOR_GUID;
static const struct axl_guid notify_guid = AXL_PSTORE_NOTIFY_GUID;
static const struct axl_guid section_guid = AXL_PSTORE_SECTION_GUID;
static const uint8_t zero_key[AEAD_KEY_SIZE];

#define FIXED_SIZE (AXL_PSTORE_BODY_OFFSET + sizeof(struct axl_pstore_body))
#define MIN_RECORD (FIXED_SIZE + AXL_PSTORE_TAG_SIZE)

const char *pstore_verdict_name(enum pstore_verdict v)
{
    static const char *const names[] = {"authentic", "unkeyed",   "unverified", "forged",
                                        "torn",      "truncated", "malformed",  "foreign"};
    return (unsigned)v < ARRAY_SIZE(names) ? names[v] : "unknown";
}

static void put_le32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) {
        p[i] = (uint8_t)(v >> (8 * i));
    }
}

void pstore_nonce(const struct axl_pstore_body *body, uint8_t nonce[AEAD_NONCE_SIZE])
{
    uint32_t salt = body->salt;
    uint64_t counter = body->counter;

    put_le32(nonce, salt);
    put_le32(nonce + 4, (uint32_t)counter);
    put_le32(nonce + 8, (uint32_t)(counter >> 32));
}

uint32_t pstore_key_id(const uint8_t key[AEAD_KEY_SIZE])
{
    /* A tag over a fixed string under a nonce no record uses (the counter
     * never reaches 2^64 - 1): public, and binds the id to the key. */
    static const char label[] = "axolotl pstore key id";
    uint8_t nonce[AEAD_NONCE_SIZE], tag[AEAD_TAG_SIZE];

    memset(nonce, 0xff, sizeof(nonce));
    aead_seal(key, nonce, label, sizeof(label) - 1, NULL, NULL, 0, tag);
    uint32_t id = (uint32_t)tag[0] | (uint32_t)tag[1] << 8 | (uint32_t)tag[2] << 16 |
                  (uint32_t)tag[3] << 24;
    return id ? id : 1;
}

/* The ERST record id a body's record must have. */
static uint64_t pstore_record_id(const struct axl_pstore_body *b)
{
    switch (b->kind) {
    case AXL_PSTORE_KIND_STATE:
        return AXL_PSTORE_STATE_ID;
    case AXL_PSTORE_KIND_RESERVED:
        return b->next_counter;
    default:
        return b->counter;
    }
}

size_t pstore_seal(void *rec, const uint8_t *key)
{
    uint8_t *r = rec;
    struct axl_cper_header *h = (struct axl_cper_header *)r;
    struct axl_cper_section *s = (struct axl_cper_section *)(r + sizeof(*h));
    struct axl_pstore_body *b = (struct axl_pstore_body *)(r + AXL_PSTORE_BODY_OFFSET);
    uint8_t nonce[AEAD_NONCE_SIZE];

    if (b->log_len > AXL_PSTORE_LOG_MAX) {
        b->log_len = AXL_PSTORE_LOG_MAX;
    }
    if (key) {
        b->flags |= AXL_PSTORE_F_KEYED;
        b->key_id = pstore_key_id(key);
    } else {
        b->flags &= ~(uint32_t)AXL_PSTORE_F_KEYED;
        b->key_id = 0;
    }
    size_t len = MIN_RECORD + b->log_len;
    uint32_t severity =
        b->kind == AXL_PSTORE_KIND_PANIC ? AXL_CPER_SEVERITY_FATAL : AXL_CPER_SEVERITY_INFO;

    memset(h, 0, sizeof(*h));
    memcpy(h->signature, AXL_CPER_SIGNATURE, 4);
    h->revision = AXL_CPER_REVISION;
    h->signature_end = AXL_CPER_SIGNATURE_END;
    h->section_count = 1;
    h->error_severity = severity;
    h->record_length = (uint32_t)len;
    h->creator_id = creator_guid;
    h->notification_type = notify_guid;
    h->record_id = pstore_record_id(b);

    memset(s, 0, sizeof(*s));
    s->section_offset = AXL_PSTORE_BODY_OFFSET;
    s->section_length = (uint32_t)(len - AXL_PSTORE_BODY_OFFSET);
    s->revision = AXL_CPER_REVISION;
    s->flags = 1; /* primary */
    s->section_type = section_guid;
    s->section_severity = severity;
    memcpy(s->fru_text, "axolotl kernel", 14);

    pstore_nonce(b, nonce);
    aead_seal(key ? key : zero_key, nonce, r, len - AXL_PSTORE_TAG_SIZE, NULL, NULL, 0,
              r + len - AXL_PSTORE_TAG_SIZE);
    return len;
}

static bool all_bytes(const uint8_t *p, size_t n, uint8_t v)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] != v) {
            return false;
        }
    }
    return true;
}

#define VERDICT(v, text)                                                                           \
    do {                                                                                           \
        if (why) {                                                                                 \
            *why = (text);                                                                         \
        }                                                                                          \
        return (v);                                                                                \
    } while (0)

enum pstore_verdict pstore_check(const void *rec, size_t len, const uint8_t *key,
                                 const char **why)
{
    const uint8_t *r = rec;
    struct axl_cper_header h;
    struct axl_cper_section s;
    struct axl_pstore_body b;

    if (why) {
        *why = "";
    }
    if (len < sizeof(h)) {
        VERDICT(PSTORE_TRUNCATED, "shorter than a CPER header");
    }
    memcpy(&h, r, sizeof(h));
    if (memcmp(h.signature, AXL_CPER_SIGNATURE, 4) != 0 ||
        h.signature_end != AXL_CPER_SIGNATURE_END) {
        VERDICT(PSTORE_MALFORMED, "no CPER signature");
    }
    if (memcmp(&h.creator_id, &creator_guid, sizeof(creator_guid)) != 0) {
        VERDICT(PSTORE_FOREIGN, "written by another creator");
    }
    if (h.record_length < MIN_RECORD || h.record_length > AXL_PSTORE_RECORD_MAX) {
        VERDICT(PSTORE_MALFORMED, "record length out of range");
    }
    if (h.record_length > len) {
        VERDICT(PSTORE_TRUNCATED, "record length runs past the end of the data");
    }
    const uint8_t *tag = r + h.record_length - AXL_PSTORE_TAG_SIZE;
    if (all_bytes(tag, AXL_PSTORE_TAG_SIZE, 0xff) || all_bytes(tag, AXL_PSTORE_TAG_SIZE, 0)) {
        VERDICT(PSTORE_TORN, "the tag is still erased: the write did not complete");
    }
    memcpy(&s, r + sizeof(h), sizeof(s));
    memcpy(&b, r + AXL_PSTORE_BODY_OFFSET, sizeof(b));
    if (h.section_count != 1 || s.section_offset != AXL_PSTORE_BODY_OFFSET ||
        s.section_length != h.record_length - AXL_PSTORE_BODY_OFFSET ||
        memcmp(&s.section_type, &section_guid, sizeof(section_guid)) != 0) {
        VERDICT(PSTORE_MALFORMED, "CPER section descriptor inconsistent");
    }
    if (b.magic != AXL_PSTORE_MAGIC || b.version != AXL_PSTORE_VERSION) {
        VERDICT(PSTORE_MALFORMED, "unknown payload magic or version");
    }
    if (b.kind != AXL_PSTORE_KIND_PANIC && b.kind != AXL_PSTORE_KIND_STATE &&
        b.kind != AXL_PSTORE_KIND_RESERVED) {
        VERDICT(PSTORE_MALFORMED, "unknown record kind");
    }
    if ((uint64_t)b.log_len + MIN_RECORD != h.record_length) {
        VERDICT(PSTORE_MALFORMED, "log length disagrees with the record length");
    }
    if (h.record_id != pstore_record_id(&b)) {
        VERDICT(PSTORE_MALFORMED, "record id disagrees with the counter");
    }

    uint8_t nonce[AEAD_NONCE_SIZE];
    pstore_nonce(&b, nonce);
    const uint8_t *use = zero_key;
    if (b.flags & AXL_PSTORE_F_KEYED) {
        if (!key) {
            VERDICT(PSTORE_UNVERIFIED, "no key to check it with");
        }
        use = key;
    }
    if (aead_open(use, nonce, r, h.record_length - AXL_PSTORE_TAG_SIZE, NULL, NULL, 0, tag) != 0) {
        VERDICT(PSTORE_FORGED, (b.flags & AXL_PSTORE_F_KEYED)
                                   ? "the tag does not match: altered, or made with another key"
                                   : "the tag does not match");
    }
    if (!(b.flags & AXL_PSTORE_F_KEYED)) {
        VERDICT(PSTORE_UNKEYED, "written without a machine key: anyone could have made it");
    }
    return PSTORE_AUTHENTIC;
}
