/* SPDX-License-Identifier: MIT */
/*
 * table.c: the name server's registrations (table.h). A linear table: 64
 * entries, looked at only when a service registers or a client looks one
 * up, so there is nothing to gain from anything cleverer.
 */
#include "table.h"

#include <string.h>

bool name_valid(const char *name, size_t n)
{
    if (n < 1 || n > NAME_LEN_MAX) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        /* '!'..'~': printable and not a space; '/' is kept for paths, should names ever nest. */
        if (name[i] <= ' ' || name[i] > '~' || name[i] == '/') {
            return false;
        }
    }
    return true;
}

struct name_entry *name_find(struct name_table *t, const char *name)
{
    for (size_t i = 0; i < NAME_TABLE_SIZE; i++) {
        struct name_entry *e = &t->entries[i];
        if (e->name[0] && strcmp(e->name, name) == 0) {
            return e;
        }
    }
    return NULL;
}

/* An entry for a name not in the table: an unused one, else a withdrawn one, else NULL. */
static struct name_entry *free_entry(struct name_table *t)
{
    struct name_entry *withdrawn = NULL;

    for (size_t i = 0; i < NAME_TABLE_SIZE; i++) {
        struct name_entry *e = &t->entries[i];
        if (!e->name[0]) {
            return e;
        }
        if (!e->live && !withdrawn) {
            withdrawn = e;
        }
    }
    return withdrawn;
}

enum name_result name_register(struct name_table *t, const char *name, uint64_t owner,
                               uint64_t slot, uint64_t *generation, uint64_t *old_slot)
{
    size_t n = strlen(name);
    struct name_entry *e = name_find(t, name);

    *old_slot = 0;
    *generation = 0;
    if (!name_valid(name, n)) {
        return NAME_INVALID; /* also what keeps the copy below inside e->name */
    }
    if (e && e->live && e->owner != owner) {
        return NAME_EXISTS;
    }
    if (!e) {
        e = free_entry(t);
        if (!e) {
            return NAME_FULL;
        }
        memset(e, 0, sizeof(*e)); /* a withdrawn entry's history goes with its old name */
        memcpy(e->name, name, n + 1);
    }
    if (e->live) {
        *old_slot = e->slot; /* the same owner registers again: replace */
    }
    e->live = true;
    e->failed = false;
    e->owner = owner;
    e->slot = slot;
    e->generation++;
    *generation = e->generation;
    return NAME_OK;
}

enum name_result name_lookup(struct name_table *t, const char *name, uint64_t *slot,
                             uint64_t *generation)
{
    struct name_entry *e = name_find(t, name);

    *slot = 0;
    *generation = 0;
    if (e && !e->live && e->failed) {
        return NAME_GAVE_UP;
    }
    if (!e || !e->live) {
        return NAME_NOT_FOUND;
    }
    *slot = e->slot;
    *generation = e->generation;
    return NAME_OK;
}

enum name_result name_unregister(struct name_table *t, const char *name, uint64_t owner,
                                 uint64_t *old_slot)
{
    struct name_entry *e = name_find(t, name);

    *old_slot = 0;
    if (!e || !e->live) {
        return NAME_NOT_FOUND;
    }
    if (e->owner != owner) {
        return NAME_DENIED;
    }
    *old_slot = name_withdraw(e);
    return NAME_OK;
}

unsigned name_fail_owner(struct name_table *t, uint64_t owner, uint64_t *slots, unsigned max)
{
    unsigned n = 0;

    for (unsigned i = 0; i < NAME_TABLE_SIZE; i++) {
        struct name_entry *e = &t->entries[i];
        if (e->live && e->owner == owner) {
            uint64_t slot = name_withdraw(e);
            e->failed = true;
            if (n < max) {
                slots[n] = slot;
            }
            n++;
        }
    }
    return n;
}

uint64_t name_withdraw(struct name_entry *e)
{
    uint64_t slot = e->slot;

    e->live = false;
    e->owner = 0;
    e->slot = 0;
    return slot;
}
