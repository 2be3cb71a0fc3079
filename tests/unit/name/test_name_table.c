/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for servers/name/table.c: the name server's registrations.
 * The rules (table.h): generations start at 1 and grow with every
 * registration of a name, also across unregistration; only the owner may
 * replace or withdraw a live registration; 64 live names at most, with
 * withdrawn names giving way to new ones when the table is full.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "table.h"

static struct name_table t;

static int reset(void **state)
{
    (void)state;
    memset(&t, 0, sizeof(t));
    return 0;
}

/* Registers and expects result r; returns the generation. */
static uint64_t reg(const char *name, uint64_t owner, uint64_t slot, enum name_result r,
                    uint64_t expect_old)
{
    uint64_t gen = 99, old = 99;
    assert_int_equal(name_register(&t, name, owner, slot, &gen, &old), r);
    assert_int_equal(old, expect_old);
    if (r != NAME_OK) {
        assert_int_equal(gen, 0);
    }
    return gen;
}

static void test_name_valid(void **state)
{
    (void)state;
    assert_true(name_valid("uart", 4));
    assert_true(name_valid("a", 1));
    assert_true(name_valid("Net.eth0:rx~!", 13));
    assert_true(name_valid("0123456789abcdef0123456789abcdef", 32));
    assert_false(name_valid("0123456789abcdef0123456789abcdefg", 33));
    assert_false(name_valid("", 0));
    assert_false(name_valid("a/b", 3));
    assert_false(name_valid("a b", 3));
    assert_false(name_valid("a\tb", 3));
    assert_false(name_valid("a\0b", 3));
    assert_false(name_valid("caf\xc3\xa9", 5));
    assert_false(name_valid("del\x7f", 4));
}

static void test_register_and_lookup(void **state)
{
    (void)state;
    uint64_t slot = 0, gen = 0;

    assert_int_equal(name_lookup(&t, "uart", &slot, &gen), NAME_NOT_FOUND);
    assert_int_equal(reg("uart", 2, 100, NAME_OK, 0), 1);
    assert_int_equal(reg("console", 3, 101, NAME_OK, 0), 1);
    assert_int_equal(name_lookup(&t, "uart", &slot, &gen), NAME_OK);
    assert_int_equal(slot, 100);
    assert_int_equal(gen, 1);
    assert_int_equal(name_lookup(&t, "console", &slot, &gen), NAME_OK);
    assert_int_equal(slot, 101);
    assert_int_equal(name_lookup(&t, "uar", &slot, &gen), NAME_NOT_FOUND);
    assert_int_equal(slot, 0);
    assert_int_equal(gen, 0);
}

static void test_taken_by_another(void **state)
{
    (void)state;
    reg("uart", 2, 100, NAME_OK, 0);
    reg("uart", 5, 102, NAME_EXISTS, 0);
    uint64_t slot, gen;
    assert_int_equal(name_lookup(&t, "uart", &slot, &gen), NAME_OK);
    assert_int_equal(slot, 100); /* untouched */
    assert_int_equal(gen, 1);
}

static void test_same_owner_replaces(void **state)
{
    (void)state;
    reg("uart", 2, 100, NAME_OK, 0);
    assert_int_equal(reg("uart", 2, 105, NAME_OK, 100), 2); /* old slot 100 to delete */
    uint64_t slot, gen;
    assert_int_equal(name_lookup(&t, "uart", &slot, &gen), NAME_OK);
    assert_int_equal(slot, 105);
    assert_int_equal(gen, 2);
}

static void test_unregister(void **state)
{
    (void)state;
    uint64_t old = 99, slot, gen;

    assert_int_equal(name_unregister(&t, "uart", 2, &old), NAME_NOT_FOUND);
    assert_int_equal(old, 0);
    reg("uart", 2, 100, NAME_OK, 0);
    assert_int_equal(name_unregister(&t, "uart", 3, &old), NAME_DENIED);
    assert_int_equal(old, 0);
    assert_int_equal(name_lookup(&t, "uart", &slot, &gen), NAME_OK);
    assert_int_equal(name_unregister(&t, "uart", 2, &old), NAME_OK);
    assert_int_equal(old, 100);
    assert_int_equal(name_lookup(&t, "uart", &slot, &gen), NAME_NOT_FOUND);
    assert_int_equal(name_unregister(&t, "uart", 2, &old), NAME_NOT_FOUND);
}

/* The generation survives unregistration, whoever registers next. */
static void test_generation_kept(void **state)
{
    (void)state;
    uint64_t old, slot, gen;

    assert_int_equal(reg("uart", 2, 100, NAME_OK, 0), 1);
    assert_int_equal(name_unregister(&t, "uart", 2, &old), NAME_OK);
    assert_int_equal(reg("uart", 7, 110, NAME_OK, 0), 2); /* a restarted driver, new pid */
    assert_int_equal(reg("uart", 7, 111, NAME_OK, 110), 3);
    assert_int_equal(name_lookup(&t, "uart", &slot, &gen), NAME_OK);
    assert_int_equal(gen, 3);
    assert_int_equal(reg("other", 7, 112, NAME_OK, 0), 1); /* per name */
}

static void test_withdraw(void **state)
{
    (void)state;
    uint64_t slot, gen;

    reg("uart", 2, 100, NAME_OK, 0);
    struct name_entry *e = name_find(&t, "uart");
    assert_non_null(e);
    assert_int_equal(name_withdraw(e), 100);
    assert_int_equal(name_lookup(&t, "uart", &slot, &gen), NAME_NOT_FOUND);
    assert_non_null(name_find(&t, "uart")); /* still known, for its generation */
    assert_int_equal(reg("uart", 9, 120, NAME_OK, 0), 2);
    assert_null(name_find(&t, "nope"));
}

static void test_full_table(void **state)
{
    (void)state;
    char name[16];
    uint64_t old, slot, gen;

    for (unsigned i = 0; i < NAME_TABLE_SIZE; i++) {
        snprintf(name, sizeof(name), "svc%u", i);
        reg(name, 10 + i, 200 + i, NAME_OK, 0);
    }
    reg("one-more", 1, 300, NAME_FULL, 0);
    /* Re-registration of a present name needs no new entry. */
    assert_int_equal(reg("svc5", 15, 301, NAME_OK, 205), 2);

    /* A withdrawn name gives way to a new one, and its history goes with it. */
    assert_int_equal(name_unregister(&t, "svc7", 17, &old), NAME_OK);
    assert_int_equal(reg("one-more", 1, 302, NAME_OK, 0), 1);
    assert_null(name_find(&t, "svc7"));
    reg("svc7", 17, 303, NAME_FULL, 0);
    assert_int_equal(name_lookup(&t, "one-more", &slot, &gen), NAME_OK);
    assert_int_equal(slot, 302);

    /* Withdrawn names are remembered while there is room: they are reused last. */
    reset(NULL);
    reg("a", 1, 1, NAME_OK, 0);
    assert_int_equal(name_unregister(&t, "a", 1, &old), NAME_OK);
    for (unsigned i = 0; i < NAME_TABLE_SIZE - 1; i++) {
        snprintf(name, sizeof(name), "n%u", i);
        reg(name, 2, 10 + i, NAME_OK, 0);
    }
    assert_int_equal(reg("a", 1, 5, NAME_OK, 0), 2);
}

static void test_invalid_names_refused(void **state)
{
    (void)state;
    reg("", 1, 1, NAME_INVALID, 0);
    reg("a/b", 1, 1, NAME_INVALID, 0);
    reg("0123456789abcdef0123456789abcdefg", 1, 1, NAME_INVALID, 0);
    assert_null(name_find(&t, "a/b"));
}

static void test_fail_owner(void **state)
{
    (void)state;
    uint64_t slot, gen, slots[4];

    reg("store", 5, 100, NAME_OK, 0);
    reg("store-admin", 5, 101, NAME_OK, 0);
    reg("uart", 3, 102, NAME_OK, 0);
    assert_int_equal(name_fail_owner(&t, 5, slots, 4), 2);
    assert_int_equal(slots[0], 100);
    assert_int_equal(slots[1], 101);
    assert_int_equal(name_lookup(&t, "store", &slot, &gen), NAME_GAVE_UP);
    assert_int_equal(slot, 0);
    assert_int_equal(name_lookup(&t, "uart", &slot, &gen), NAME_OK); /* others untouched */
    assert_int_equal(name_fail_owner(&t, 5, slots, 4), 0);          /* nothing live left */
    assert_int_equal(name_fail_owner(&t, 3, slots, 0), 1); /* counted even with no room */
    /* Registered again (a new start): live, a new generation, no longer failed. */
    assert_int_equal(reg("store", 5, 103, NAME_OK, 0), 2);
    assert_int_equal(name_lookup(&t, "store", &slot, &gen), NAME_OK);
    assert_int_equal(slot, 103);
    /* Another process may take a failed name: its history goes on. */
    assert_int_equal(reg("store-admin", 9, 104, NAME_OK, 0), 2);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup(name, reset)
    const struct CMUnitTest tests[] = {
        T(test_name_valid),
        T(test_register_and_lookup),
        T(test_taken_by_another),
        T(test_same_owner_replaces),
        T(test_unregister),
        T(test_generation_kept),
        T(test_withdraw),
        T(test_full_table),
        T(test_invalid_names_refused),
        T(test_fail_owner),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
