/* SPDX-License-Identifier: MIT */
/*
 * table.h: the name server's table of registrations (servers/name).
 *
 * Pure bookkeeping, no system calls: which name is registered by which
 * process (its badge, the pid the root task minted), in which slot of the
 * name server's CNode the endpoint is kept, and the name's generation.
 * main.c moves capabilities around and calls these; the host unit test
 * tests/unit/name/test_name_table.c checks them.
 *
 * A name's generation is 1 at its first registration and grows by one at
 * every later one, also after an unregistration: a client that looked a
 * name up before sees a different generation once the service behind it
 * was replaced. To remember that, an unregistered name keeps its entry
 * (withdrawn). An entry is never reused for another name while an unused
 * one is left; once all NAME_TABLE_SIZE are taken, a new name takes the
 * place of a withdrawn one, whose history is then forgotten (registered
 * again later, it starts over at generation 1).
 */
#ifndef AXL_NAME_TABLE_H
#define AXL_NAME_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NAME_TABLE_SIZE 64
#define NAME_LEN_MAX 32 /* = AXL_NAME_MAX (main.c checks) */

struct name_entry {
    char name[NAME_LEN_MAX + 1]; /* "" while the entry has never been used */
    bool live;                   /* registered now (false: unused or withdrawn) */
    uint64_t owner;              /* badge of the registering process: its pid */
    uint64_t slot;               /* CNode slot holding the endpoint (live only) */
    uint64_t generation;         /* of the last registration; kept once withdrawn */
    bool failed; /* withdrawn because the supervisor gave up on its owner (NAME_FAILED) */
};

struct name_table {
    struct name_entry entries[NAME_TABLE_SIZE];
};

enum name_result {
    NAME_OK,
    NAME_INVALID,   /* not a valid name (name_valid) */
    NAME_EXISTS,    /* registered by another process */
    NAME_FULL,      /* every entry holds a live registration */
    NAME_NOT_FOUND, /* no live registration of that name */
    NAME_DENIED,    /* another process registered it */
    NAME_GAVE_UP,   /* withdrawn: the supervisor gave up on the process that registered it */
};

/*
 * A service name: 1..NAME_LEN_MAX bytes of printable ASCII other than
 * space and '/' (n is its length; a NUL inside makes it invalid).
 */
bool name_valid(const char *name, size_t n);

/* The entry of name, live or withdrawn, or NULL. */
struct name_entry *name_find(struct name_table *t, const char *name);

/*
 * Registers the endpoint in slot under name for owner. A live registration
 * of the same owner is replaced: *old_slot gets its slot, which the caller
 * deletes (0 if nothing was replaced). *generation gets the new generation.
 * NAME_EXISTS if another owner holds it live, NAME_FULL if no entry is free,
 * NAME_INVALID if name is not a valid name.
 */
enum name_result name_register(struct name_table *t, const char *name, uint64_t owner,
                               uint64_t slot, uint64_t *generation, uint64_t *old_slot);

/* The live registration of name: its slot and generation. NAME_NOT_FOUND if none,
 * NAME_GAVE_UP if its owner failed for good (name_fail_owner). */
enum name_result name_lookup(struct name_table *t, const char *name, uint64_t *slot,
                             uint64_t *generation);

/*
 * Withdraws name if owner registered it; *old_slot gets the slot to delete.
 * NAME_NOT_FOUND if it is not registered, NAME_DENIED if another owner did.
 */
enum name_result name_unregister(struct name_table *t, const char *name, uint64_t owner,
                                 uint64_t *old_slot);

/*
 * The supervisor gave up on owner: each of its live names is withdrawn and
 * marked failed, so lookups answer NAME_GAVE_UP (until owner registers it
 * again). The slots to delete go to slots[0..max); returns how many names.
 */
unsigned name_fail_owner(struct name_table *t, uint64_t owner, uint64_t *slots, unsigned max);

/* Withdraws e whoever registered it (its endpoint is gone); returns the slot to delete. */
uint64_t name_withdraw(struct name_entry *e);

#endif /* AXL_NAME_TABLE_H */
