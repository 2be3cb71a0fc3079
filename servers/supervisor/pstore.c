/* SPDX-License-Identifier: MIT */
/*
 * pstore.c: serving the crash records of earlier boots (pstore.h).
 *
 * The kernel read the ERST store at boot, judged every record with the
 * machine key (which never leaves the kernel), reported them, and handed
 * them here as read-only frames before clearing the store. So this is the
 * only copy: the supervisor keeps it for the whole boot and lets the
 * components the manifest names read it, entry by entry and in chunks.
 * It trusts nothing blindly: the handoff's structure is checked once, and
 * a broken one is refused as a whole.
 */
#include <axl/axl.h>
#include <axl/protocols.h>
#include <axl/rpc.h>
#include <axl/pstore.h>

#include "manifest.h"
#include "mem.h"
#include "proc.h"
#include "pstore.h"
#include "supervise.h"

static const struct axl_pstore_handoff *handoff; /* NULL: none, or refused */

static bool terminated(const char *s, size_t size)
{
    for (size_t i = 0; i < size; i++) {
        if (s[i] == 0) {
            return true;
        }
    }
    return false;
}

/* Why the handoff cannot be used, or NULL when it is sound. */
static const char *check(const struct axl_pstore_handoff *h, uint64_t bytes)
{
    if (h->magic != AXL_PSTORE_HANDOFF_MAGIC || h->version != AXL_PSTORE_HANDOFF_VERSION) {
        return "wrong magic or version";
    }
    if (h->count > AXL_PSTORE_HANDOFF_MAX || h->size > bytes) {
        return "more entries or bytes than it has room for";
    }
    for (uint32_t i = 0; i < h->count; i++) {
        const struct axl_pstore_handoff_entry *e = &h->entry[i];
        if (e->verdict > AXL_PSTORE_VERDICT_REPLAYED || e->length > AXL_PSTORE_RECORD_MAX ||
            (e->length &&
             (e->offset < sizeof(*h) || e->offset > h->size || e->length > h->size - e->offset)) ||
            !terminated(e->why, sizeof(e->why))) {
            return "an entry is out of bounds";
        }
    }
    return NULL;
}

void pstore_setup(const struct axl_bootinfo *bi)
{
    if (bi->pstore_frames == 0) {
        return; /* no store, or nothing in it */
    }
    if (bi->pstore_frames > ROOT_PSTORE_PAGES) {
        say("crash records: %llu pages is more than the %u expected; not read",
            (unsigned long long)bi->pstore_frames, ROOT_PSTORE_PAGES);
        return;
    }
    for (uint64_t f = 0; f < bi->pstore_frames; f++) {
        long err = root_map(ROOT_PSTORE + f * 4096, bi->pstore_first_slot + f, AXL_RIGHT_READ);
        if (err != AXL_E_OK) {
            say("crash records: cannot map them: %s", axl_strerror(err));
            return;
        }
    }
    const struct axl_pstore_handoff *h = (const void *)ROOT_PSTORE;
    const char *why = check(h, bi->pstore_frames * 4096);
    if (why) {
        say("crash records: the kernel's handoff is unusable (%s); not served", why);
        return;
    }
    unsigned trusted = 0;
    for (uint32_t i = 0; i < h->count; i++) {
        trusted += (h->entry[i].flags & AXL_PSTORE_H_TRUSTED) != 0;
    }
    handoff = h;
    say("crash records: %u from earlier boots (%u trusted), kept for this boot "
        "(SUP_PSTORE_*, may-read-pstore)",
        (unsigned)h->count, trusted);
}

static void reply(struct axl_msg *r) { axl_reply(r); }

static void reply_status(long status)
{
    struct axl_msg r = axl_message(0, 1);
    r.mr[0] = (uint64_t)status;
    reply(&r);
}

/* Entry MR0 of the request, or NULL (the status is sent). */
static const struct axl_pstore_handoff_entry *entry_of(const struct axl_msg *m)
{
    unsigned pos = 0;
    uint64_t index;

    if (axl_msg_get_word(m, &pos, &index) != AXL_E_OK) {
        reply_status(AXL_S_BAD_REQUEST);
        return NULL;
    }
    if (!handoff || index >= handoff->count) {
        reply_status(AXL_S_NOT_FOUND);
        return NULL;
    }
    return &handoff->entry[index];
}

bool pstore_request(const struct proc *p, const struct axl_msg *m)
{
    uint64_t op = AXL_MSGINFO_LABEL(m->info);
    struct axl_msg r = axl_message(0, 1);
    r.mr[0] = AXL_E_OK;

    if (op != AXL_OP_SUP_PSTORE_INFO && op != AXL_OP_SUP_PSTORE_ENTRY &&
        op != AXL_OP_SUP_PSTORE_READ) {
        return false;
    }
    if (!p->mf->may_read_pstore) {
        reply_status(AXL_S_DENIED); /* registers and the kernel log: not for everyone */
        return true;
    }
    if (op == AXL_OP_SUP_PSTORE_INFO) {
        axl_msg_put_word(&r, handoff ? handoff->count : 0);
        axl_msg_put_word(&r, handoff ? handoff->boot_count : 0);
        axl_msg_put_word(&r, handoff ? handoff->key_id : 0);
        reply(&r);
        return true;
    }
    const struct axl_pstore_handoff_entry *e = entry_of(m);
    if (!e) {
        return true;
    }
    if (op == AXL_OP_SUP_PSTORE_ENTRY) {
        axl_msg_put_word(&r, e->id);
        axl_msg_put_word(&r, e->verdict);
        axl_msg_put_word(&r, e->length);
        axl_msg_put_word(&r, e->flags);
        axl_msg_put_str(&r, e->why);
        reply(&r);
        return true;
    }
    unsigned pos = 1;
    uint64_t offset;
    if (axl_msg_get_word(m, &pos, &offset) != AXL_E_OK || offset > e->length) {
        reply_status(AXL_S_BAD_REQUEST);
        return true;
    }
    size_t n = e->length - offset;
    n = n < AXL_MSG_BYTES_MAX(1) ? n : AXL_MSG_BYTES_MAX(1);
    axl_msg_put_bytes(&r, (const uint8_t *)handoff + e->offset + offset, n);
    reply(&r);
    return true;
}
