/* SPDX-License-Identifier: MIT */
/*
 * store: an example storage service whose acknowledged writes survive its
 * own crashes (docs/supervisor.md, "The store example").
 *
 * The "device" is the component's persistent memory (manifest: persist =),
 * which the supervisor keeps across restarts, as a disk outlives its
 * driver. Each key 0..127 has two record slots; a write goes to the slot
 * that is not current, with a sequence number one higher and a checksum
 * written last, and is acknowledged only after that. A crash in the middle
 * of a write leaves a record whose checksum does not match: it is ignored
 * and the older copy stays current. So the write that was being made is
 * lost (it was never acknowledged), and every acknowledged one is kept.
 * A new instance needs no recovery pass: reading always takes the valid
 * copy with the higher sequence number.
 *
 * Before acknowledging, a write is read back through the same path a later
 * read takes. A store whose code is corrupted (the campaign's code
 * mutations found this) could otherwise acknowledge a record no read can
 * find: a silent loss. Read back, the corruption becomes a crash before the
 * acknowledgement, which the supervisor repairs with a fresh instance.
 */
#include <axl/axl.h>
#include <axl/name.h>
#include <axl/proc.h>
#include <axl/protocols.h>
#include <axl/rpc.h>

#define KEYS 128

struct record {
    uint64_t key, value, seq, sum; /* sum: of the other three; written last */
};

static struct record (*table)[2]; /* in persistent memory: KEYS pairs */

static uint64_t record_sum(const struct record *r)
{
    return axl_store_check(0x5eed, r->key ^ (r->seq << 8), r->value);
}

/* The current record of key: the valid copy with the higher sequence number, or NULL. */
static volatile struct record *current(uint64_t key)
{
    volatile struct record *best = NULL;
    for (unsigned i = 0; i < 2; i++) {
        volatile struct record *r = &table[key][i];
        struct record copy = {r->key, r->value, r->seq, r->sum};
        if (copy.seq != 0 && copy.key == key && copy.sum == record_sum(&copy) &&
            (!best || copy.seq > best->seq)) {
            best = r;
        }
    }
    return best;
}

static void write_value(uint64_t key, uint64_t value)
{
    volatile struct record *cur = current(key);
    volatile struct record *next = cur == &table[key][0] ? &table[key][1] : &table[key][0];
    struct record r = {.key = key, .value = value, .seq = cur ? cur->seq + 1 : 1};

    next->sum = 0; /* invalid while it is being written */
    __asm__ volatile("" ::: "memory");
    next->key = r.key;
    next->value = r.value;
    next->seq = r.seq;
    __asm__ volatile("" ::: "memory");
    next->sum = record_sum(&r); /* from here on, it is the current copy */
}

/* Writes, reads back, and stops the process (no acknowledgement) if they disagree. */
static void write_checked(uint64_t key, uint64_t value)
{
    write_value(key, value);
    volatile struct record *r = current(key);
    if (!r || r->value != value) {
        axl_printf("store: key %lu does not read back as written: stopping unacknowledged\n",
                   (unsigned long)key);
        __builtin_trap(); /* fail-stop: the supervisor restarts a pristine instance */
    }
}

static long get_key(const struct axl_rpc_request *req, unsigned *pos, uint64_t *key)
{
    if (axl_msg_get_word(req->msg, pos, key) != AXL_E_OK || *key >= KEYS) {
        return AXL_S_BAD_REQUEST;
    }
    return AXL_E_OK;
}

static long reply2(struct axl_rpc_request *req, uint64_t op, uint64_t key, uint64_t v)
{
    axl_msg_put_word(req->reply, v);
    axl_msg_put_word(req->reply, axl_store_check(op, key, v));
    return AXL_E_OK;
}

static long op_put(void *ctx, struct axl_rpc_request *req)
{
    uint64_t key, value;
    unsigned pos = 0;
    (void)ctx;
    if (get_key(req, &pos, &key) != AXL_E_OK || axl_msg_get_word(req->msg, &pos, &value)) {
        return AXL_S_BAD_REQUEST;
    }
    write_checked(key, value);
    return reply2(req, AXL_OP_STORE_PUT, key, key);
}

static long op_get(void *ctx, struct axl_rpc_request *req)
{
    uint64_t key;
    unsigned pos = 0;
    (void)ctx;
    if (get_key(req, &pos, &key) != AXL_E_OK) {
        return AXL_S_BAD_REQUEST;
    }
    volatile struct record *r = current(key);
    return r ? reply2(req, AXL_OP_STORE_GET, key, r->value) : AXL_S_NOT_FOUND;
}

static long op_add(void *ctx, struct axl_rpc_request *req)
{
    uint64_t key, delta;
    unsigned pos = 0;
    (void)ctx;
    if (get_key(req, &pos, &key) != AXL_E_OK || axl_msg_get_word(req->msg, &pos, &delta)) {
        return AXL_S_BAD_REQUEST;
    }
    volatile struct record *r = current(key);
    uint64_t value = (r ? r->value : 0) + delta;
    write_checked(key, value);
    return reply2(req, AXL_OP_STORE_ADD, key, value);
}

static const struct axl_rpc_op ops[] = {
    {AXL_OP_STORE_PUT, 2, op_put},
    {AXL_OP_STORE_GET, 1, op_get},
    {AXL_OP_STORE_ADD, 2, op_add},
};

int main(void)
{
    const struct axl_procinfo *pi = axl_procinfo;
    uint64_t gen = 0;

    if (!pi || pi->persist_size < KEYS * sizeof(table[0])) {
        axl_printf("store: needs persist = %luK or more in its manifest section\n",
                   (unsigned long)(KEYS * sizeof(table[0]) / 1024));
        return 2;
    }
    table = (struct record (*)[2])AXL_PROC_PERSIST_BASE;
    unsigned keys = 0;
    for (uint64_t k = 0; k < KEYS; k++) {
        keys += current(k) != NULL;
    }
    long err = axl_name_register(AXL_SERVICE_STORE, AXL_PROC_SLOT_SERVICE_EP, &gen);
    if (err != AXL_E_OK) {
        axl_printf("store: cannot register: %s\n", axl_strerror(err));
        return 2;
    }
    axl_printf("store: instance %lu serving %u keys kept from before (name generation %lu)\n",
               (unsigned long)pi->generation, keys, (unsigned long)gen);
    const struct axl_server server = {
        .ep = AXL_PROC_SLOT_SERVICE_EP, .ops = ops, .ops_count = sizeof(ops) / sizeof(ops[0])};
    err = axl_serve(&server);
    axl_printf("store: stopped serving: %s\n", axl_strerror(err));
    return 2;
}
