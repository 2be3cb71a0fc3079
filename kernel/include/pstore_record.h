/* SPDX-License-Identifier: MIT */
/*
 * pstore_record.h: sealing and checking crash records (lib/pstore_record.c).
 *
 * The record format is uapi/axl/pstore.h. This is the one implementation of
 * "is this record ours, whole and authentic", shared by the kernel (writer
 * on the panic path, reader at boot) and the host decoder (tools/crash/).
 * Pure: no allocation, no globals, bounds-checked against the bytes given.
 */
#ifndef AXL_PSTORE_RECORD_H
#define AXL_PSTORE_RECORD_H

#include <uapi/axl/pstore.h>
#include "aead.h"
#include "types.h"

enum pstore_verdict {
    PSTORE_AUTHENTIC,  /* the tag verifies under the machine key */
    PSTORE_UNKEYED,    /* written without a machine key (all-zero key): not trustworthy */
    PSTORE_UNVERIFIED, /* keyed, but no key was given to check it */
    PSTORE_FORGED,     /* well-formed and complete, but the tag is wrong */
    PSTORE_TORN,       /* the write did not complete: the tag is still erased */
    PSTORE_TRUNCATED,  /* record_length runs past the bytes available */
    PSTORE_MALFORMED,  /* ours (creator GUID), but the header or body is inconsistent */
    PSTORE_FOREIGN,    /* a CPER record of another creator: not ours to judge */
};

/* "authentic", "unkeyed", "unverified", "forged", "torn", "truncated",
 * "malformed", "foreign". */
const char *pstore_verdict_name(enum pstore_verdict v);

/* The nonce of a record: salt (LE) || counter (LE). */
void pstore_nonce(const struct axl_pstore_body *body, uint8_t nonce[AEAD_NONCE_SIZE]);

/* A key's public fingerprint (for body.key_id): never 0 for a real key. */
uint32_t pstore_key_id(const uint8_t key[AEAD_KEY_SIZE]);

/*
 * Completes a record whose body (struct axl_pstore_body, then body.log_len
 * log bytes) is already at offset AXL_PSTORE_BODY_OFFSET of rec: writes the
 * CPER header and section, sets AXL_PSTORE_F_KEYED and key_id when key is
 * non-NULL (else the all-zero key is used), and appends the tag. The
 * caller sets every other body field (kind, counter, salt, ...) first.
 * rec must hold AXL_PSTORE_RECORD_MAX bytes; log_len is clamped to
 * AXL_PSTORE_LOG_MAX. Returns the record's length.
 */
size_t pstore_seal(void *rec, const uint8_t *key);

/*
 * Classifies the record at rec, of which len bytes are available (a whole
 * slot, say). key may be NULL. *why (if why is non-NULL) gets a static
 * one-line reason for every verdict but AUTHENTIC. Never reads past len.
 */
enum pstore_verdict pstore_check(const void *rec, size_t len, const uint8_t *key,
                                 const char **why);

/* The body of a record pstore_check found structurally sound (any verdict
 * but TRUNCATED, MALFORMED and FOREIGN); rec must be suitably sized. */
static inline const struct axl_pstore_body *pstore_body(const void *rec)
{
    return (const struct axl_pstore_body *)((const uint8_t *)rec + AXL_PSTORE_BODY_OFFSET);
}

#endif /* AXL_PSTORE_RECORD_H */
