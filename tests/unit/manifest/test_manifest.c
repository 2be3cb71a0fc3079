/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for servers/supervisor/manifest.c: the boot manifest parser.
 *
 * Every text is handed to the parser from a heap block of exactly its
 * length, without a NUL, so a read past the end is an ASan error. Errors
 * are checked word for word: they are what a developer reads on the
 * console (docs/manifest.md lists them). Malformed input, cut input and
 * random bytes must never crash the parser, and must leave the manifest
 * consistent (the invariants in check_invariants).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "manifest.h"

static struct manifest m;

/* Every manifest the parser produces, whatever its input, satisfies these. */
static void check_invariants(void)
{
    assert_true(m.ndevices <= MF_MAX_DEVICES);
    assert_true(m.ncomponents <= MF_MAX_COMPONENTS);
    assert_true(m.nerrors <= MF_MAX_ERRORS);
    assert_true(m.errors_dropped == 0 || m.nerrors == MF_MAX_ERRORS);
    for (unsigned i = 0; i < m.nerrors; i++) {
        assert_non_null(memchr(m.errors[i].msg, 0, MF_MSG_MAX));
        assert_true(m.errors[i].line > 0);
        assert_int_equal(strncmp(m.errors[i].msg, "line ", 5), 0);
        for (const char *s = m.errors[i].msg; *s; s++) {
            assert_true(*s >= 0x20 && *s < 0x7f); /* printable, one line */
        }
    }
    for (unsigned i = 0; i < m.ndevices; i++) {
        const struct mf_device *d = &m.devices[i];
        assert_true(d->nioports <= MF_MAX_RANGES && d->nirqs <= MF_MAX_RANGES &&
                    d->nmmio <= MF_MAX_RANGES);
        assert_int_equal(d->valid, d->reason[0] == 0);
        for (unsigned j = 0; j < d->nioports; j++) {
            assert_true(d->ioports[j].first <= d->ioports[j].last);
        }
        for (unsigned j = 0; j < d->nirqs; j++) {
            assert_true(d->irqs[j] < MF_IRQ_COUNT);
        }
        for (unsigned j = 0; j < d->nmmio; j++) {
            assert_true(d->mmio[j].base % 4096 == 0 && d->mmio[j].size % 4096 == 0);
            assert_true(d->mmio[j].size > 0 && d->mmio[j].base + d->mmio[j].size <= MF_PHYS_LIMIT);
        }
        if (d->has_pci) {
            assert_true(d->pci.dev < 32 && d->pci.fn < 8);
        }
    }
    for (unsigned i = 0; i < m.ncomponents; i++) {
        const struct mf_component *c = &m.components[i];
        assert_int_equal(c->valid, c->reason[0] == 0);
        assert_true(strlen(c->name) >= 1 && strlen(c->name) <= MF_NAME_MAX);
        assert_true(strlen(c->args) <= MF_ARGS_MAX);
        assert_true(c->ndevices <= MF_MAX_COMPONENT_DEVICES);
        assert_true(c->nendpoints <= MF_MAX_ENDPOINTS);
        if (!c->valid) {
            continue;
        }
        /* A valid component is startable: everything it names exists and is valid. */
        assert_true(c->priority >= 1 && c->priority <= 254);
        assert_true(c->memory >= c->memory_requested && (c->memory & (c->memory - 1)) == 0);
        assert_true(c->memory >= MF_MEMORY_MIN && c->memory <= MF_MEMORY_MAX);
        for (unsigned j = 0; j < c->ndevices; j++) {
            assert_true(c->devices[j].index < m.ndevices);
            assert_true(m.devices[c->devices[j].index].valid);
        }
        for (unsigned j = 0; j < c->nendpoints; j++) {
            assert_true(c->endpoints[j].index < m.ncomponents && c->endpoints[j].index != i);
            assert_true(m.components[c->endpoints[j].index].valid);
        }
        assert_true(c->nspawn <= MF_MAX_SPAWN);
        if (c->domain.index != MF_NONE) {
            assert_true(c->domain.index < m.ndomains && m.domains[c->domain.index].valid);
        } else {
            assert_int_equal(c->domain.name[0], 0);
            assert_true(c->nspawn == 0 || c->may_kill); /* a private domain holds one process */
        }
    }
    assert_true(m.ndomains <= MF_MAX_DOMAINS);
    for (unsigned i = 0; i < m.ndomains; i++) {
        const struct mf_domain *d = &m.domains[i];
        assert_int_equal(d->valid, d->reason[0] == 0);
        if (d->valid) {
            assert_true(d->memory >= MF_DOMAIN_MEMORY_MIN && d->memory <= MF_DOMAIN_MEMORY_MAX);
            assert_true((d->memory & (d->memory - 1)) == 0 && d->memory >= d->memory_requested);
            assert_true(d->max_procs >= 1 && d->max_procs <= MF_DOMAIN_PROCS_MAX);
        }
    }
}

/* Parses len bytes of text from an exactly sized heap copy (no NUL after it). */
static unsigned parse_n(const char *text, size_t len)
{
    char *copy = malloc(len ? len : 1);
    assert_non_null(copy);
    memcpy(copy, text, len);
    unsigned valid = manifest_parse(&m, copy, len);
    free(copy);
    check_invariants();
    return valid;
}

static unsigned parse(const char *text) { return parse_n(text, strlen(text)); }

/* Exactly these errors, in this order. */
static void expect_errors(unsigned n, ...)
{
    va_list ap;
    va_start(ap, n);
    for (unsigned i = 0; i < n; i++) {
        const char *want = va_arg(ap, const char *);
        if (i >= m.nerrors || strcmp(m.errors[i].msg, want) != 0) {
            for (unsigned j = 0; j < m.nerrors; j++) {
                print_message("  error %u: %s\n", j, m.errors[j].msg);
            }
            fail_msg("error %u should be \"%s\"", i, want);
        }
    }
    va_end(ap);
    assert_int_equal(m.nerrors, n);
}

static const struct mf_component *comp(const char *name)
{
    for (unsigned i = 0; i < m.ncomponents; i++) {
        if (strcmp(m.components[i].name, name) == 0) {
            return &m.components[i];
        }
    }
    fail_msg("no component '%s'", name);
    return NULL;
}

static const struct mf_device *dev(const char *name)
{
    for (unsigned i = 0; i < m.ndevices; i++) {
        if (strcmp(m.devices[i].name, name) == 0) {
            return &m.devices[i];
        }
    }
    fail_msg("no device '%s'", name);
    return NULL;
}

/* Parses "[component c]\n<key> = <value>\n" and says whether c is valid. */
static bool key_ok(const char *key, const char *value)
{
    char text[512];
    snprintf(text, sizeof(text), "[component c]\n%s = %s\n", key, value);
    parse(text);
    assert_int_equal(m.ncomponents, 1);
    return m.components[0].valid;
}

/* The same in a [device d]. */
static bool device_key_ok(const char *key, const char *value)
{
    char text[512];
    snprintf(text, sizeof(text), "[device d]\n%s = %s\n", key, value);
    parse(text);
    assert_int_equal(m.ndevices, 1);
    return m.devices[0].valid;
}

static const char EXAMPLE[] = "# The hello system\n"                                 /* 1 */
                              "\n"                                                   /* 2 */
                              "[device com1]                 # the first UART\n"     /* 3 */
                              "ioports = 0x3f8-0x3ff\n"                              /* 4 */
                              "irqs = 4\n"                                           /* 5 */
                              "mmio = 0xfeb00000+0x1000\n"                           /* 6 */
                              "\n"                                                   /* 7 */
                              "[component uart]\n"                                   /* 8 */
                              "module = uart16550\n"                                 /* 9 */
                              "priority = 250\n"                                     /* 10 */
                              "memory = 64K\n"                                       /* 11 */
                              "devices = com1\n"                                     /* 12 */
                              "endpoints = console\n"                                /* 13 */
                              "args = \"--baud 115200\"\n"                           /* 14 */
                              "restart = restart\n"                                  /* 15 */
                              "max-restarts = 5\n"                                   /* 16 */
                              "restart-window = 10s\n"                               /* 17 */
                              "heartbeat = 500ms\n"                                  /* 18 */
                              "critical = no\n"                                      /* 19 */
                              "shutdown-on-exit = no\n"                              /* 20 */
                              "\n"                                                   /* 21 */
                              "[component console]\n"                                /* 22 */
                              "priority = 200\n"                                     /* 23 */
                              "memory = 100K                 # rounded up to 128K\n" /* 24 */
                              "critical = yes\n"                                     /* 25 */
                              "restart = escalate\n";                                /* 26 */

static void test_full_example(void **state)
{
    (void)state;
    assert_int_equal(parse(EXAMPLE), 2);
    expect_errors(0);
    assert_int_equal(m.errors_dropped, 0);

    assert_int_equal(m.ndevices, 1);
    const struct mf_device *d = dev("com1");
    assert_true(d->valid);
    assert_int_equal(d->line, 3);
    assert_int_equal(d->nioports, 1);
    assert_int_equal(d->ioports[0].first, 0x3f8);
    assert_int_equal(d->ioports[0].last, 0x3ff);
    assert_int_equal(d->nirqs, 1);
    assert_int_equal(d->irqs[0], 4);
    assert_int_equal(d->nmmio, 1);
    assert_int_equal(d->mmio[0].base, 0xfeb00000);
    assert_int_equal(d->mmio[0].size, 0x1000);

    assert_int_equal(m.ncomponents, 2);
    const struct mf_component *u = &m.components[0], *c = &m.components[1];
    assert_string_equal(u->name, "uart");
    assert_true(u->valid);
    assert_string_equal(u->reason, "");
    assert_int_equal(u->line, 8);
    assert_string_equal(u->module, "uart16550");
    assert_int_equal(u->module_line, 9);
    assert_int_equal(u->module_index, -1); /* until manifest_check_modules */
    assert_int_equal(u->priority, 250);
    assert_int_equal(u->memory, 64 * 1024);
    assert_int_equal(u->memory_requested, 64 * 1024);
    assert_int_equal(u->ndevices, 1);
    assert_string_equal(u->devices[0].name, "com1");
    assert_int_equal(u->devices[0].index, 0);
    assert_int_equal(u->devices_line, 12);
    assert_int_equal(u->nendpoints, 1);
    assert_string_equal(u->endpoints[0].name, "console");
    assert_int_equal(u->endpoints[0].index, 1); /* declared below it */
    assert_int_equal(u->endpoints_line, 13);
    assert_string_equal(u->args, "--baud 115200");
    assert_int_equal(u->restart, MF_RESTART);
    assert_int_equal(u->max_restarts, 5);
    assert_int_equal(u->restart_window_ms, 10000);
    assert_int_equal(u->heartbeat_ms, 500);
    assert_false(u->critical);
    assert_false(u->shutdown_on_exit);

    assert_string_equal(c->name, "console");
    assert_true(c->valid);
    assert_string_equal(c->module, "console");
    assert_int_equal(c->priority, 200);
    assert_int_equal(c->memory_requested, 100 * 1024);
    assert_int_equal(c->memory, 128 * 1024);
    assert_true(c->critical);
    assert_int_equal(c->restart, MF_ESCALATE);

    const char *mods[] = {"root.elf", "console.elf", "uart16550.elf", "hello.manifest"};
    assert_int_equal(manifest_check_modules(&m, mods, 4), 2);
    assert_int_equal(u->module_index, 2);
    assert_int_equal(c->module_index, 1);
    expect_errors(0);
}

static void test_defaults(void **state)
{
    (void)state;
    assert_int_equal(parse("[component hello]\n"), 1);
    expect_errors(0);
    const struct mf_component *c = comp("hello");
    assert_true(c->valid);
    assert_string_equal(c->module, "hello");
    assert_int_equal(c->module_line, 1);
    assert_int_equal(c->priority, 100);
    assert_int_equal(c->memory, 256 * 1024);
    assert_int_equal(c->memory_requested, 256 * 1024);
    assert_int_equal(c->ndevices, 0);
    assert_int_equal(c->nendpoints, 0);
    assert_string_equal(c->args, "");
    assert_int_equal(c->restart, MF_RESTART);
    assert_int_equal(c->max_restarts, 5);
    assert_int_equal(c->restart_window_ms, 10000);
    assert_int_equal(c->heartbeat_ms, 0);
    assert_false(c->critical);
    assert_false(c->shutdown_on_exit);
}

static void test_empty_and_comment_only(void **state)
{
    (void)state;
    assert_int_equal(parse_n("", 0), 0);
    expect_errors(0);
    assert_int_equal(parse("# nothing\n\n   \t\n  # still nothing"), 0);
    expect_errors(0);
    assert_int_equal(m.ncomponents, 0);
}

static void test_priority(void **state)
{
    (void)state;
    assert_true(key_ok("priority", "1"));
    assert_true(key_ok("priority", "254"));
    assert_int_equal(m.components[0].priority, 254);
    assert_true(key_ok("priority", "0x10"));
    assert_int_equal(m.components[0].priority, 16);
    assert_false(key_ok("priority", "0"));
    expect_errors(1, "line 2: component 'c': bad priority '0' (1..254)");
    assert_false(key_ok("priority", "255"));
    assert_false(key_ok("priority", "-1"));
    assert_false(key_ok("priority", "12a"));
    assert_false(key_ok("priority", "99999999999999999999999")); /* overflows 64 bits */
    assert_false(key_ok("priority", "0x"));
}

static void test_memory(void **state)
{
    (void)state;
    assert_true(key_ok("memory", "16K"));
    assert_int_equal(m.components[0].memory, 16384);
    assert_true(key_ok("memory", "64M"));
    assert_int_equal(m.components[0].memory, 64u << 20);
    assert_true(key_ok("memory", "3M"));
    assert_int_equal(m.components[0].memory_requested, 3u << 20);
    assert_int_equal(m.components[0].memory, 4u << 20);
    assert_true(key_ok("memory", "20000")); /* bytes */
    assert_int_equal(m.components[0].memory, 32768);
    assert_true(key_ok("memory", "0x10000"));
    assert_int_equal(m.components[0].memory, 65536);
    assert_false(key_ok("memory", "15K"));
    expect_errors(1, "line 2: component 'c': bad memory '15K' (16K..64M: bytes, or a number with "
                     "suffix K or M)");
    assert_false(key_ok("memory", "65M"));
    assert_false(key_ok("memory", "64M1"));
    assert_false(key_ok("memory", "1G"));
    assert_false(key_ok("memory", "64k"));                   /* suffixes are upper case */
    assert_false(key_ok("memory", "18446744073709551615K")); /* the multiplication overflows */
}

static void test_durations(void **state)
{
    (void)state;
    assert_true(key_ok("restart-window", "500ms"));
    assert_int_equal(m.components[0].restart_window_ms, 500);
    assert_true(key_ok("restart-window", "3600s"));
    assert_int_equal(m.components[0].restart_window_ms, 3600000);
    assert_false(key_ok("restart-window", "3601s"));
    assert_false(key_ok("restart-window", "0"));
    assert_false(key_ok("restart-window", "10"));
    expect_errors(1, "line 2: component 'c': bad restart-window '10' (a duration such as 500ms or "
                     "10s, up to 3600s)");
    assert_false(key_ok("restart-window", "10 s"));
    assert_false(key_ok("restart-window", "99999999999s"));
    assert_true(key_ok("heartbeat", "0"));
    assert_int_equal(m.components[0].heartbeat_ms, 0);
    assert_true(key_ok("heartbeat", "0ms"));
    assert_true(key_ok("heartbeat", "2s"));
    assert_int_equal(m.components[0].heartbeat_ms, 2000);
    assert_false(key_ok("heartbeat", "2m"));
    assert_false(key_ok("heartbeat", "3600001ms"));
}

static void test_restart_keys_and_flags(void **state)
{
    (void)state;
    assert_true(key_ok("restart", "give-up"));
    assert_int_equal(m.components[0].restart, MF_GIVE_UP);
    assert_true(key_ok("restart", "escalate"));
    assert_int_equal(m.components[0].restart, MF_ESCALATE);
    assert_false(key_ok("restart", "always"));
    expect_errors(1, "line 2: component 'c': bad restart 'always' (restart, give-up or escalate)");
    assert_true(key_ok("max-restarts", "0"));
    assert_int_equal(m.components[0].max_restarts, 0);
    assert_true(key_ok("max-restarts", "1000"));
    assert_false(key_ok("max-restarts", "1001"));
    assert_true(key_ok("critical", "yes"));
    assert_true(m.components[0].critical);
    assert_false(key_ok("critical", "true"));
    expect_errors(1, "line 2: component 'c': bad critical 'true' (yes or no)");
    assert_true(key_ok("shutdown-on-exit", "yes"));
    assert_true(m.components[0].shutdown_on_exit);
    assert_false(key_ok("shutdown-on-exit", "Yes"));
    assert_string_equal(manifest_restart_name(MF_RESTART), "restart");
    assert_string_equal(manifest_restart_name(MF_GIVE_UP), "give-up");
    assert_string_equal(manifest_restart_name(MF_ESCALATE), "escalate");
}

static void test_supervisor_keys(void **state)
{
    (void)state;
    const struct mf_component *c = &m.components[0];

    assert_true(key_ok("persist", "64K"));
    assert_int_equal(c->persist, 64 * 1024);
    assert_true(key_ok("persist", "0"));
    assert_false(key_ok("persist", "5000"));
    expect_errors(1, "line 2: component 'c': bad persist '5000' (0..256K, a multiple of 4K (a number "
                     "with suffix K))");
    assert_false(key_ok("persist", "260K"));
    assert_true(key_ok("inject", "null-read"));
    assert_string_equal(c->inject, "null-read");
    assert_int_equal(c->inject_after, 0);
    assert_int_equal(c->inject_seed, 0);
    assert_true(key_ok("inject", "swifi-bitflip seed 77 after 3"));
    assert_string_equal(c->inject, "swifi-bitflip");
    assert_int_equal(c->inject_after, 3);
    assert_int_equal(c->inject_seed, 77);
    assert_true(key_ok("inject", "  exit   after 0x10  "));
    assert_int_equal(c->inject_after, 16);
    assert_false(key_ok("inject", "exit after"));
    expect_errors(1, "line 2: component 'c': bad inject 'exit after' (KIND [after N] [seed S], e.g. "
                     "null-read after 3 seed 7)");
    assert_false(key_ok("inject", "exit after 1 after 2"));
    assert_false(key_ok("inject", "exit sooner 1"));
    assert_false(key_ok("inject", "Null-Read"));
    assert_false(key_ok("inject", "exit seed -1"));
    assert_false(key_ok("inject", "a-kind-name-longer-than-23"));
    assert_true(key_ok("inject-every-start", "yes"));
    assert_true(c->inject_every_start);
    assert_true(key_ok("may-inject", "yes"));
    assert_true(c->may_inject);
    assert_false(key_ok("may-inject", "1"));
    assert_false(c->may_read_pstore);
    assert_true(key_ok("may-read-pstore", "yes"));
    assert_true(c->may_read_pstore);
    assert_false(key_ok("may-read-pstore", "true"));
    assert_false(c->kernel_driver);
    assert_true(key_ok("kernel-driver", "yes"));
    assert_true(c->kernel_driver);
    assert_false(key_ok("kernel-driver", "1"));
}

static void test_module_and_args(void **state)
{
    (void)state;
    assert_true(key_ok("module", "Hello_World.v2-x"));
    assert_string_equal(m.components[0].module, "Hello_World.v2-x");
    assert_false(key_ok("module", "a/b"));
    expect_errors(1, "line 2: component 'c': bad module 'a/b' (A-Z, a-z, 0-9, '.', '_' and '-'; 1 "
                     "to 23 characters)");
    assert_false(key_ok("module", "abcdefghijklmnopqrstuvwx")); /* 24 characters */
    assert_true(key_ok("module", "\"quoted\""));
    assert_string_equal(m.components[0].module, "quoted");

    assert_true(key_ok("args", "\"a \\\"quoted\\\" \\\\ word\"   # comment"));
    assert_string_equal(m.components[0].args, "a \"quoted\" \\ word");
    assert_true(key_ok("args", "unquoted words  # comment"));
    assert_string_equal(m.components[0].args, "unquoted words");
    assert_true(key_ok("args", "\"# not a comment\""));
    assert_string_equal(m.components[0].args, "# not a comment");
    assert_true(key_ok("args", ""));
    assert_string_equal(m.components[0].args, "");

    char longer[200];
    memset(longer, 'a', 128);
    longer[128] = 0;
    assert_false(key_ok("args", longer));
    expect_errors(1, "line 2: component 'c': args longer than 127 bytes");
    longer[127] = 0;
    assert_true(key_ok("args", longer));
    assert_int_equal(strlen(m.components[0].args), 127);
}

static void test_quoting_errors(void **state)
{
    (void)state;
    assert_false(key_ok("args", "\"no end"));
    expect_errors(1, "line 2: component 'c': unterminated string");
    assert_false(key_ok("args", "\"a\" b"));
    expect_errors(1, "line 2: component 'c': text after the closing quote");
    assert_false(key_ok("args", "\"a\\n\""));
    expect_errors(1, "line 2: component 'c': bad escape in a string (only \\\" and \\\\)");
    parse("[component c]\npriority\n");
    expect_errors(1, "line 2: component 'c': expected 'key = value'");
    parse("[component c]\n= 3\n");
    expect_errors(1, "line 2: component 'c': expected 'key = value'");
    parse("[component c]\npriority =\n");
    expect_errors(1, "line 2: component 'c': no value for 'priority'");
}

static void test_device_keys(void **state)
{
    (void)state;
    assert_true(device_key_ok("ioports", "0x60, 0x64 ,0x3f8 - 0x3ff, 65535"));
    const struct mf_device *d = &m.devices[0];
    assert_int_equal(d->nioports, 4);
    assert_int_equal(d->ioports[0].first, 0x60);
    assert_int_equal(d->ioports[0].last, 0x60);
    assert_int_equal(d->ioports[2].first, 0x3f8);
    assert_int_equal(d->ioports[2].last, 0x3ff);
    assert_int_equal(d->ioports[3].first, 0xffff);
    assert_false(device_key_ok("ioports", "1,2,3,4,5"));
    expect_errors(1, "line 2: device 'd': too many ioports ranges (at most 4)");
    assert_false(device_key_ok("ioports", "0x3ff-0x3f8"));
    expect_errors(1, "line 2: device 'd': bad ioports range '0x3ff-0x3f8' (a port or first-last, "
                     "within 0..0xffff)");
    assert_false(device_key_ok("ioports", "0x10000"));
    assert_false(device_key_ok("ioports", "1,,2"));
    assert_false(device_key_ok("ioports", "1-"));

    assert_true(device_key_ok("irqs", "0, 23, 4"));
    assert_int_equal(m.devices[0].nirqs, 3);
    assert_int_equal(m.devices[0].irqs[1], 23);
    assert_false(device_key_ok("irqs", "24"));
    expect_errors(1, "line 2: device 'd': bad irq '24' (0..23)");
    assert_false(device_key_ok("irqs", "4, 4"));
    expect_errors(1, "line 2: device 'd': irq 4 listed twice");
    assert_false(device_key_ok("irqs", "1,2,3,5,6"));
    expect_errors(1, "line 2: device 'd': too many irqs (at most 4)");

    assert_true(device_key_ok("mmio", "0xfeb00000+0x1000, 0xfec00000 + 64K, 0x100000000+1M"));
    d = &m.devices[0];
    assert_int_equal(d->nmmio, 3);
    assert_int_equal(d->mmio[1].size, 65536);
    assert_int_equal(d->mmio[2].base, 0x100000000ull);
    assert_false(device_key_ok("mmio", "0xfeb00800+0x1000"));
    expect_errors(1, "line 2: device 'd': bad mmio range '0xfeb00800+0x1000' (base+length, page "
                     "aligned, length at most 1G, below 2^52)");
    assert_false(device_key_ok("mmio", "0xfeb00000+0x800"));
    assert_false(device_key_ok("mmio", "0xfeb00000+0"));
    assert_false(device_key_ok("mmio", "0xfeb00000"));
    assert_false(device_key_ok("mmio", "0xfffffffffffff000+0x2000")); /* would wrap */
    assert_false(device_key_ok("mmio", "0+2048M"));

    assert_int_equal(parse("[device empty]\n"), 0);
    expect_errors(0);
    assert_true(m.devices[0].valid);
}

static void test_device_pci(void **state)
{
    (void)state;
    assert_true(device_key_ok("pci", "00:10.0"));
    const struct mf_device *d = &m.devices[0];
    assert_true(d->has_pci);
    assert_int_equal(d->pci.bus, 0);
    assert_int_equal(d->pci.dev, 0x10);
    assert_int_equal(d->pci.fn, 0);
    assert_true(device_key_ok("pci", "ff:1f.7"));
    assert_int_equal(m.devices[0].pci.bus, 0xff);
    assert_int_equal(m.devices[0].pci.dev, 0x1f);
    assert_int_equal(m.devices[0].pci.fn, 7);
    assert_true(device_key_ok("pci", "3:A.1")); /* one digit, upper case: also hexadecimal */
    assert_int_equal(m.devices[0].pci.bus, 3);
    assert_int_equal(m.devices[0].pci.dev, 0xa);
    assert_true(device_key_ok("pci", "\"01:02.3\""));
    assert_int_equal(m.devices[0].pci.fn, 3);
    assert_true(device_key_ok("pci", "00:1f.2  # AHCI"));
    assert_int_equal(m.devices[0].pci.dev, 0x1f);

    assert_true(device_key_ok("bar-bytes", "4K"));
    assert_int_equal(m.devices[0].bar_bytes, 4096);
    assert_true(device_key_ok("bar-bytes", "64K"));
    assert_int_equal(m.devices[0].bar_bytes, 65536);
    assert_false(device_key_ok("bar-bytes", "100")); /* not whole pages */
    assert_false(device_key_ok("bar-bytes", "0"));
    assert_false(device_key_ok("bar-bytes", "6K"));

    assert_true(device_key_ok("ioports", "0x60"));
    assert_false(m.devices[0].has_pci); /* absent: no PCI function */
    assert_int_equal(m.devices[0].bar_bytes, 0); /* absent: whole BARs */

    assert_false(device_key_ok("pci", "00:20.0"));
    expect_errors(1, "line 2: device 'd': bad pci '00:20.0' (BB:DD.F in hexadecimal: bus "
                     "00..ff, device 00..1f, function 0..7)");
    const char *bad[] = {"00:10.8", "100:00.0", "00:10", "00.10.0", "00:10.0.1", "0x00:10.0",
                         "00:010.0", "00:10.00", ":10.0", "00:.0", "00:10.", "00:10.0,00:11.0",
                         "0000:00:10.0", "00 : 10.0", "-1:10.0", "g0:10.0"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (device_key_ok("pci", bad[i])) {
            fail_msg("pci = %s was accepted", bad[i]);
        }
        assert_int_equal(m.nerrors, 1);
        assert_false(m.devices[0].has_pci);
    }
    parse("[device d]\npci = 00:10.0\npci = 00:11.0\n");
    expect_errors(1, "line 3: device 'd': duplicate key 'pci' (first at line 2)");

    /* With the other keys, and rejected with its users when bad. */
    assert_int_equal(parse("[device edu]\npci = 00:10.0\nirqs = 20\nmmio = 0xfed00000+4K\n"
                           "[component drv]\ndevices = edu\n"),
                     1);
    expect_errors(0);
    assert_true(m.devices[0].has_pci && m.devices[0].nirqs == 1 && m.devices[0].nmmio == 1);
    assert_int_equal(parse("[device edu]\npci = 00:10.9\n[component drv]\ndevices = edu\n"), 0);
    expect_errors(2,
                  "line 2: device 'edu': bad pci '00:10.9' (BB:DD.F in hexadecimal: bus 00..ff, "
                  "device 00..1f, function 0..7)",
                  "line 4: component 'drv': device 'edu' was rejected (capability to an invalid "
                  "device)");
}

/* Required: an unknown key rejects its component, and only it. */
static void test_unknown_key(void **state)
{
    (void)state;
    assert_int_equal(parse("[component uart]\n"
                           "module = uart16550\n"
                           "prio = 3\n"
                           "[component other]\n"
                           "[device d]\n"
                           "irq = 3\n"),
                     1);
    expect_errors(2, "line 3: component 'uart': unknown key 'prio'",
                  "line 6: device 'd': unknown key 'irq'");
    assert_false(comp("uart")->valid);
    assert_string_equal(comp("uart")->reason, "line 3: component 'uart': unknown key 'prio'");
    assert_true(comp("other")->valid);
    assert_false(dev("d")->valid);
    assert_string_equal(dev("d")->reason, "line 6: device 'd': unknown key 'irq'");
}

static void test_duplicate_key(void **state)
{
    (void)state;
    parse("[component a]\npriority = 3\nmemory = 32K\npriority = 4\n");
    expect_errors(1, "line 4: component 'a': duplicate key 'priority' (first at line 2)");
    assert_false(comp("a")->valid);
    parse("[device a]\nirqs = 3\nirqs = 4\n");
    expect_errors(1, "line 3: device 'a': duplicate key 'irqs' (first at line 2)");
    /* Keys are counted per section. */
    assert_int_equal(parse("[component a]\npriority = 3\n[component b]\npriority = 3\n"), 2);
}

/* Required: a duplicate name rejects the second section, and its lines are not parsed. */
static void test_duplicate_name(void **state)
{
    (void)state;
    assert_int_equal(parse("[component uart]\n"  /* 1 */
                           "priority = 7\n"      /* 2 */
                           "[device com1]\n"     /* 3 */
                           "[component other]\n" /* 4 */
                           "\n"                  /* 5 */
                           "\n"                  /* 6 */
                           "[component uart]\n"  /* 7 */
                           "priority = 9\n"      /* 8 */
                           "bogus = 1\n"         /* 9: in the rejected section, not reported */
                           "[device com1]\n"     /* 10 */
                           "[component uart]\n"  /* 11: a component and a device may share a name */
                           ),
                     2);
    expect_errors(3, "line 7: duplicate component 'uart' (first at line 1)",
                  "line 10: duplicate device 'com1' (first at line 3)",
                  "line 11: duplicate component 'uart' (first at line 1)");
    assert_int_equal(m.ncomponents, 2);
    assert_int_equal(comp("uart")->priority, 7);
    assert_int_equal(m.ndevices, 1);
    assert_int_equal(parse("[device uart]\n[component uart]\ndevices = uart\n"), 1);
    expect_errors(0);
}

/* Required: a capability to a device that is not declared rejects the component. */
static void test_unknown_device(void **state)
{
    (void)state;
    assert_int_equal(parse("[component ok]\n"
                           "[component x]\n"
                           "devices = com9\n"),
                     1);
    expect_errors(1, "line 3: component 'x': no device 'com9' (capability to an unknown device)");
    assert_false(comp("x")->valid);
    assert_int_equal(comp("x")->devices[0].index, MF_NONE);
    assert_true(comp("ok")->valid);
}

static void test_invalid_device_rejects_users(void **state)
{
    (void)state;
    assert_int_equal(parse("[component a]\n"  /* 1 */
                           "devices = com1\n" /* 2: uses a device declared below */
                           "[component b]\n"  /* 3 */
                           "devices = com2\n" /* 4 */
                           "[device com1]\n"  /* 5 */
                           "irqs = 99\n"      /* 6 */
                           "[device com2]\n"  /* 7 */
                           "irqs = 3\n"),     /* 8 */
                     1);
    expect_errors(2, "line 6: device 'com1': bad irq '99' (0..23)",
                  "line 2: component 'a': device 'com1' was rejected (capability to an invalid "
                  "device)");
    assert_false(comp("a")->valid);
    assert_true(comp("b")->valid);
    assert_int_equal(comp("b")->devices[0].index, 1);
}

static void test_device_and_endpoint_lists(void **state)
{
    (void)state;
    parse("[component c]\ndevices = a, a\n");
    expect_errors(1, "line 2: component 'c': 'a' listed twice in devices");
    parse("[component c]\ndevices = a,b,c,d,e,f,g,h,i\n");
    expect_errors(1, "line 2: component 'c': too many devices (at most 8)");
    parse("[component c]\nendpoints = a,\n");
    expect_errors(1, "line 2: component 'c': bad name '' in endpoints (a-z, 0-9 and '-'; 1 to 23 "
                     "characters)");
    parse("[component c]\nendpoints = Big\n");
    expect_errors(1,
                  "line 2: component 'c': bad name 'Big' in endpoints (a-z, 0-9 and '-'; 1 to 23 "
                  "characters)");
    parse("[component c]\nendpoints = a b\n");
    expect_errors(1,
                  "line 2: component 'c': bad name 'a b' in endpoints (a-z, 0-9 and '-'; 1 to 23 "
                  "characters)");

    parse("[device d1]\n[device d2]\n[component a]\ndevices = d2 , d1\nendpoints = b\n"
          "[component b]\nendpoints = a\n");
    expect_errors(0);
    assert_int_equal(comp("a")->ndevices, 2);
    assert_int_equal(comp("a")->devices[0].index, 1);
    assert_int_equal(comp("a")->devices[1].index, 0);
    assert_int_equal(comp("a")->endpoints[0].index, 1); /* a cycle is allowed */
    assert_int_equal(comp("b")->endpoints[0].index, 0);
}

static void test_endpoint_errors(void **state)
{
    (void)state;
    assert_int_equal(parse("[component a]\n"      /* 1 */
                           "endpoints = a\n"      /* 2 */
                           "[component b]\n"      /* 3 */
                           "endpoints = nope\n"), /* 4 */
                     0);
    expect_errors(2, "line 2: component 'a': endpoint to itself",
                  "line 4: component 'b': no component 'nope' (endpoint to an unknown component)");

    /* A calls B calls C, and C is broken: all three are rejected, D (calls nobody) is not. */
    assert_int_equal(parse("[component a]\n" /* 1 */
                           "endpoints = b\n" /* 2 */
                           "[component b]\n" /* 3 */
                           "endpoints = c\n" /* 4 */
                           "[component c]\n" /* 5 */
                           "priority = 0\n"  /* 6 */
                           "[component d]\n"),
                     1);
    expect_errors(3, "line 6: component 'c': bad priority '0' (1..254)",
                  "line 4: component 'b': component 'c' was rejected (endpoint to a rejected "
                  "component)",
                  "line 2: component 'a': component 'b' was rejected (endpoint to a rejected "
                  "component)");
    assert_true(comp("d")->valid);
}

/* pager = NAME: resolved like an endpoint, with its own errors. */
static void test_pager(void **state)
{
    (void)state;
    assert_int_equal(parse("[component client]\n" /* 1 */
                           "pager = mm\n"          /* 2 */
                           "[component mm]\n"),    /* 3 */
                     2);
    assert_int_equal(m.nerrors, 0);
    assert_string_equal(comp("client")->pager.name, "mm");
    assert_int_equal(comp("client")->pager.index, 1);
    assert_int_equal(comp("client")->pager_line, 2);
    assert_string_equal(comp("mm")->pager.name, ""); /* none: the supervisor */

    assert_int_equal(parse("[component a]\n"     /* 1 */
                           "pager = a\n"         /* 2 */
                           "[component b]\n"     /* 3 */
                           "pager = nope\n"      /* 4 */
                           "[component c]\n"     /* 5 */
                           "pager = Mm\n"        /* 6 */
                           "[component d]\n"     /* 7 */
                           "pager = x, y\n"      /* 8 */
                           "[component e]\n"     /* 9 */
                           "pager = d\n"         /* 10 */
                           "[component f]\n"),   /* 11 */
                     1);
    expect_errors(5,
                  "line 6: component 'c': bad pager 'Mm' (a component's name (a-z, 0-9 and '-'; "
                  "1 to 23 characters))",
                  "line 8: component 'd': bad pager 'x, y' (a component's name (a-z, 0-9 and '-'; "
                  "1 to 23 characters))",
                  "line 2: component 'a': pager is itself",
                  "line 4: component 'b': no component 'nope' (pager is an unknown component)",
                  "line 10: component 'e': component 'd' was rejected (pager is a rejected "
                  "component)");
    assert_true(comp("f")->valid);
    assert_false(comp("e")->valid);

    /* A repeated key is an error, as for every key. */
    assert_int_equal(parse("[component a]\n"
                           "pager = b\n"
                           "pager = b\n"
                           "[component b]\n"),
                     1);
    assert_false(comp("a")->valid);
}

/* Required: a component whose boot module is missing is rejected, and so are its callers. */
static void test_missing_module(void **state)
{
    (void)state;
    assert_int_equal(parse("[component hello]\n"  /* 1 */
                           "[component foo]\n"    /* 2 */
                           "[component bar]\n"    /* 3 */
                           "module = barmod\n"    /* 4 */
                           "[component caller]\n" /* 5 */
                           "endpoints = foo\n"),  /* 6 */
                     4);
    const char *mods[] = {"root.elf", "hello.elf", "barmod", "caller.elf"};
    assert_int_equal(manifest_check_modules(&m, mods, 4), 2);
    expect_errors(2, "line 2: component 'foo': no boot module 'foo'",
                  "line 6: component 'caller': component 'foo' was rejected (endpoint to a "
                  "rejected component)");
    assert_int_equal(comp("hello")->module_index, 1);
    assert_int_equal(comp("bar")->module_index, 2);
    assert_int_equal(comp("foo")->module_index, -1);
    check_invariants();

    parse("[component x]\nmodule = gone\n");
    assert_int_equal(manifest_check_modules(&m, NULL, 0), 0);
    expect_errors(1, "line 2: component 'x': no boot module 'gone'");
}

static void test_module_matching(void **state)
{
    (void)state;
    parse("[component a]\nmodule = foo\n[component b]\nmodule = foo.elf\n");
    const char *mods[] = {"foo.elf", "foo", "foo.elfx", NULL, "fo"};
    assert_int_equal(manifest_check_modules(&m, mods, 5), 2);
    assert_int_equal(comp("a")->module_index, 1); /* the exact name wins over foo.elf */
    assert_int_equal(comp("b")->module_index, 0);
    const char *others[] = {"foo.elfx", "fo", "foo.el", "Foo.elf"};
    assert_int_equal(manifest_check_modules(&m, others, 4), 0);
    expect_errors(2, "line 2: component 'a': no boot module 'foo'",
                  "line 4: component 'b': no boot module 'foo.elf'");
}

static void test_outside_section_and_headers(void **state)
{
    (void)state;
    assert_int_equal(parse("priority = 3\n"                      /* 1 */
                           "junk\n"                              /* 2 */
                           "[component]\n"                       /* 3 */
                           "[component a b]\n"                   /* 4 */
                           "[component a\n"                      /* 5 */
                           "[component a] x\n"                   /* 6 */
                           "[driver uart]\n"                     /* 7 */
                           "priority = 5\n"                      /* 8: skipped with its section */
                           "[component Uart]\n"                  /* 9 */
                           "[device abcdefghijklmnopqrstuvwx]\n" /* 10: 24 characters */
                           "[ component   ok ]  # fine\n"        /* 11 */
                           "priority = 9\n"),                    /* 12 */
                     1);
    expect_errors(9, "line 1: key 'priority' outside any section", "line 2: expected 'key = value'",
                  "line 3: bad section header (expected [device name], [component name] or "
                  "[domain name])",
                  "line 4: bad section header (expected [device name], [component name] or "
                  "[domain name])",
                  "line 5: bad section header (expected [device name], [component name] or "
                  "[domain name])",
                  "line 6: bad section header (expected [device name], [component name] or "
                  "[domain name])",
                  "line 7: unknown section kind 'driver' (device, component or domain)",
                  "line 9: bad component name 'Uart' (a-z, 0-9 and '-'; 1 to 23 characters)",
                  "line 10: bad device name 'abcdefghijklmnopqrstuvwx' (a-z, 0-9 and '-'; 1 to "
                  "23 characters)");
    assert_int_equal(comp("ok")->priority, 9);
    assert_int_equal(comp("ok")->line, 11);
}

static void test_comments_and_crlf(void **state)
{
    (void)state;
    assert_int_equal(parse("# header\r\n"
                           "[component a]   # the a\r\n"
                           "  priority   =\t7   # seven\r\n"
                           "\targs = x # y\r\n"
                           "memory=32K\r\n"),
                     1);
    expect_errors(0);
    assert_int_equal(comp("a")->priority, 7);
    assert_string_equal(comp("a")->args, "x");
    assert_int_equal(comp("a")->memory, 32768);
}

static void test_no_final_newline(void **state)
{
    (void)state;
    assert_int_equal(parse("[component a]\npriority = 42"), 1);
    expect_errors(0);
    assert_int_equal(comp("a")->priority, 42);
}

/* Input cut anywhere: every prefix of the example parses without a crash or an overread. */
static void test_truncated_everywhere(void **state)
{
    (void)state;
    size_t len = strlen(EXAMPLE);
    for (size_t n = 0; n <= len; n++) {
        parse_n(EXAMPLE, n);
    }
    /* Cut in the middle of a key: that component only is rejected. */
    size_t cut = (size_t)(strstr(EXAMPLE, "priority = 200") - EXAMPLE) + strlen("priority = 2");
    assert_int_equal(parse_n(EXAMPLE, cut), 2);
    assert_int_equal(comp("console")->priority, 2);
    cut = (size_t)(strstr(EXAMPLE, "priority = 200") - EXAMPLE) + strlen("prio");
    assert_int_equal(parse_n(EXAMPLE, cut), 0); /* uart calls console: it goes too */
    expect_errors(2, "line 23: component 'console': expected 'key = value'",
                  "line 13: component 'uart': component 'console' was rejected (endpoint to a "
                  "rejected component)");
    cut = (size_t)(strstr(EXAMPLE, "[component console]") - EXAMPLE) + strlen("[compo");
    assert_int_equal(parse_n(EXAMPLE, cut), 0);
    expect_errors(2, "line 22: bad section header (expected [device name], [component name] or "
                  "[domain name])",
                  "line 13: component 'uart': no component 'console' (endpoint to an unknown "
                  "component)");
}

static void test_embedded_nul_and_control(void **state)
{
    (void)state;
    static const char text[] = "[component a]\npriority = 3\0 4\n[component b]\n";
    assert_int_equal(parse_n(text, sizeof(text) - 1), 1);
    expect_errors(1, "line 2: component 'a': NUL byte in the line");
    assert_true(comp("b")->valid);

    assert_int_equal(parse("[component a]\nargs = \"a\x01\"\n[component b]\n"), 1);
    expect_errors(1, "line 2: component 'a': control character 0x01 in the line");
    assert_int_equal(parse("[component a]\nargs = x\ry\n"), 0);
    expect_errors(1, "line 2: component 'a': control character 0x0d in the line");

    /* A broken header still ends the section above it. */
    static const char hdr[] = "[component a]\n[compo\0nent b]\npriority = 7\n";
    assert_int_equal(parse_n(hdr, sizeof(hdr) - 1), 1);
    expect_errors(1, "line 2: bad section header: NUL byte in the line");
    assert_int_equal(comp("a")->priority, 100);
    assert_int_equal(parse("[component a]\n[component\x1b b]\n"), 1);
    expect_errors(1, "line 2: bad section header: control character 0x1b in the line");
}

static void test_long_lines(void **state)
{
    (void)state;
    char text[2048];
    char pad[400];

    memset(pad, 'x', sizeof(pad));
    pad[300] = 0;
    snprintf(text, sizeof(text), "[component a]\nargs = \"%s\"\n[component b]\npriority = 9\n",
             pad);
    assert_int_equal(parse(text), 1);
    expect_errors(1, "line 2: component 'a': line longer than 255 bytes");
    assert_int_equal(comp("b")->priority, 9);

    /* 255 bytes is still a line; a long comment is as long as any line. */
    pad[255 - 2] = 0;
    snprintf(text, sizeof(text), "[component a]\n# %s\n", pad);
    assert_int_equal(parse(text), 1);
    pad[255 - 2] = 'x';
    pad[255 - 1] = 0;
    snprintf(text, sizeof(text), "[component a]\n# %s\n", pad);
    assert_int_equal(parse(text), 0);

    /* A long header, and a long line as the last one without a newline. */
    snprintf(text, sizeof(text), "[component a]\n[component b] # %s\npriority = 5\n", pad);
    assert_int_equal(parse(text), 1);
    expect_errors(1, "line 2: bad section header: line longer than 255 bytes");
    assert_int_equal(comp("a")->priority, 100);
    snprintf(text, sizeof(text), "[component a]\nargs = %s", pad);
    assert_int_equal(parse(text), 0);

    /* A long token in a message is cut. */
    parse("[component a]\nabcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnop = 1\n");
    expect_errors(1, "line 2: component 'a': unknown key 'abcdefghijklmnopqrstuvwxyz012345...'");
}

static void test_too_many_components(void **state)
{
    (void)state;
    char text[4096];
    size_t n = 0;
    for (unsigned i = 0; i < 17; i++) {
        n += (size_t)snprintf(text + n, sizeof(text) - n, "[component c%u]\npriority = %u\n", i,
                              i + 1);
    }
    n += (size_t)snprintf(text + n, sizeof(text) - n, "[component caller]\nendpoints = c16\n");
    assert_int_equal(parse_n(text, n), 16);
    expect_errors(2, "line 33: too many components (at most 16): 'c16' ignored",
                  "line 35: too many components (at most 16): 'caller' ignored");
    assert_int_equal(m.ncomponents, 16);
    assert_int_equal(m.components[15].priority, 16);

    n = 0;
    for (unsigned i = 0; i < 17; i++) {
        n += (size_t)snprintf(text + n, sizeof(text) - n, "[device d%u]\nirqs = 1\n", i);
    }
    n += (size_t)snprintf(text + n, sizeof(text) - n, "[component c]\ndevices = d16\n");
    assert_int_equal(parse_n(text, n), 0);
    expect_errors(2, "line 33: too many devices (at most 16): 'd16' ignored",
                  "line 36: component 'c': no device 'd16' (capability to an unknown device)");
}

static void test_error_overflow(void **state)
{
    (void)state;
    char text[4096];
    size_t n = (size_t)snprintf(text, sizeof(text), "[component c]\n");
    for (unsigned i = 0; i < 20; i++) {
        n += (size_t)snprintf(text + n, sizeof(text) - n, "bad%u = 1\n", i);
    }
    assert_int_equal(parse_n(text, n), 0);
    assert_int_equal(m.nerrors, MF_MAX_ERRORS);
    assert_int_equal(m.errors_dropped, 4);
    assert_string_equal(m.errors[15].msg, "line 17: component 'c': unknown key 'bad15'");
    assert_string_equal(comp("c")->reason, "line 2: component 'c': unknown key 'bad0'");
}

/* Non-ASCII bytes: fine in comments and args, shown as '?' in messages. */
static void test_non_ascii(void **state)
{
    (void)state;
    assert_int_equal(parse("# caf\xc3\xa9\n[component a]\nargs = \"na\xc3\xafve\"\n"), 1);
    assert_string_equal(comp("a")->args, "na\xc3\xafve");
    parse("[component a]\npri\xff = 1\n");
    expect_errors(1, "line 2: component 'a': unknown key 'pri?'");
}

/* A tiny deterministic generator, so a failure can be reproduced. */
static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint32_t next_random(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)rng;
}

static void test_garbage_bytes(void **state)
{
    (void)state;
    static char buf[4096];

    /* Pure noise, biased towards the characters the grammar cares about. */
    static const char alphabet[] = "[]=#\"\\,-+\n\n\n \t\r\0abcdeikmnoprstuvxyz0123456789KMs";
    for (unsigned round = 0; round < 3000; round++) {
        size_t n = next_random() % sizeof(buf);
        for (size_t i = 0; i < n; i++) {
            uint32_t r = next_random();
            buf[i] = r & 0x100 ? (char)r : alphabet[r % (sizeof(alphabet) - 1)];
        }
        parse_n(buf, n);
        const char *none[] = {"x"};
        manifest_check_modules(&m, none, 1);
        check_invariants();
    }

    /* The example, with a few bytes changed, inserted or removed. */
    size_t len = strlen(EXAMPLE);
    for (unsigned round = 0; round < 3000; round++) {
        size_t n = len;
        memcpy(buf, EXAMPLE, len);
        for (unsigned k = 1 + next_random() % 4; k; k--) {
            size_t at = next_random() % n;
            uint32_t r = next_random();
            if (r % 3 == 0) {
                buf[at] = (char)(r >> 8);
            } else if (r % 3 == 1 && n + 1 < sizeof(buf)) {
                memmove(buf + at + 1, buf + at, n - at);
                buf[at] = alphabet[(r >> 8) % (sizeof(alphabet) - 1)];
                n++;
            } else if (n > 1) {
                memmove(buf + at, buf + at + 1, n - at - 1);
                n--;
            }
        }
        parse_n(buf, n);
        const char *mods[] = {"uart16550.elf", "console.elf"};
        manifest_check_modules(&m, mods, 2);
        check_invariants();
    }
}

/* [domain name] sections, and the component keys domain, may-spawn and may-kill. */
static void test_domains(void **state)
{
    (void)state;
    assert_int_equal(parse("[domain bomb]\n"            /* 1 */
                           "memory = 3M\n"              /* 2 */
                           "max-procs = 6\n"            /* 3 */
                           "[component a]\n"            /* 4 */
                           "domain = bomb\n"            /* 5 */
                           "may-spawn = a, helper.elf\n" /* 6 */
                           "[component b]\n"            /* 7 */
                           "may-kill = yes\n"),         /* 8 */
                     2);
    expect_errors(0);
    assert_int_equal(m.ndomains, 1);
    assert_true(m.domains[0].valid);
    assert_int_equal(m.domains[0].memory_requested, 3u << 20);
    assert_int_equal(m.domains[0].memory, 4u << 20);
    assert_int_equal(m.domains[0].max_procs, 6);
    assert_int_equal(comp("a")->domain.index, 0);
    assert_int_equal(comp("a")->nspawn, 2);
    assert_string_equal(comp("a")->spawn[1], "helper.elf");
    assert_int_equal(comp("b")->domain.index, MF_NONE);
    assert_true(comp("b")->may_kill);
    assert_false(comp("a")->may_kill);

    const char *mods[] = {"a.elf", "b.elf", "helper.elf"};
    assert_int_equal(manifest_check_modules(&m, mods, 3), 2);
    assert_int_equal(comp("a")->spawn_index[0], 0);
    assert_int_equal(comp("a")->spawn_index[1], 2);
    const char *fewer[] = {"a.elf", "b.elf"};
    parse("[domain d]\nmemory = 1M\n[component a]\ndomain = d\nmay-spawn = a, gone\n");
    assert_int_equal(manifest_check_modules(&m, fewer, 2), 0);
    expect_errors(1, "line 5: component 'a': no boot module 'gone' (in may-spawn)");

    /* The default max-procs and priority; bad values; memory is required. */
    parse("[domain d]\nmemory = 64K\n");
    assert_int_equal(m.domains[0].max_procs, MF_DEFAULT_MAX_PROCS);
    assert_int_equal(m.domains[0].priority, MF_PRIORITY_MAX);
    parse("[domain d]\nmemory = 1M\npriority = 50\n[component a]\ndomain = d\npriority = 50\n"
          "[component b]\ndomain = d\npriority = 51\n[domain e]\nmemory = 1M\npriority = 0\n");
    expect_errors(2, "line 12: domain 'e': bad priority '0' (1..254)",
                  "line 8: component 'b': priority 51 is above the highest its domain 'd' allows "
                  "(50)");
    assert_true(comp("a")->valid);
    assert_int_equal(m.domains[0].priority, 50);
    parse("[domain d]\nmemory = 32K\nmax-procs = 33\ncolour = red\n");
    expect_errors(3, "line 2: domain 'd': bad memory '32K' (64K..64M: bytes, or a number with "
                     "suffix K or M)",
                  "line 3: domain 'd': bad max-procs '33' (1..32)",
                  "line 4: domain 'd': unknown key 'colour'");
    assert_false(m.domains[0].valid);
    parse("[domain d]\nmax-procs = 2\n[component c]\ndomain = d\n");
    expect_errors(2, "line 1: domain 'd': no memory (memory = SIZE is required)",
                  "line 4: component 'c': domain 'd' was rejected");
    assert_false(comp("c")->valid);

    /* References: unknown domain, a full one, may-spawn without a domain, bad names. */
    parse("[domain d]\nmemory = 1M\nmax-procs = 1\n"   /* 1..3 */
          "[component a]\ndomain = d\n"               /* 4, 5 */
          "[component b]\ndomain = d\n"               /* 6, 7 */
          "[component c]\ndomain = nope\n"            /* 8, 9 */
          "[component e]\nmay-spawn = e\n"            /* 10, 11 */
          "[component f]\ndomain = D\nmay-spawn = a, a\nmay-kill = maybe\n"); /* 12..15 */
    expect_errors(6, "line 13: component 'f': bad domain 'D' (a-z, 0-9 and '-'; 1 to 23 characters)",
                  "line 14: component 'f': 'a' listed twice in may-spawn",
                  "line 15: component 'f': bad may-kill 'maybe' (yes or no)",
                  "line 7: component 'b': domain 'd' is full: it holds at most 1 processes "
                  "(max-procs)",
                  "line 9: component 'c': no domain 'nope'",
                  "line 11: component 'e': may-spawn needs a domain (domain = name) or may-kill "
                  "(an operator starts jobs in other domains)");
    assert_true(comp("a")->valid);
    assert_false(comp("b")->valid);
    assert_false(key_ok("may-spawn", "a, b, c, d, e"));
    expect_errors(1, "line 2: component 'c': too many may-spawn (at most 4)");
    assert_false(key_ok("may-spawn", "a/b"));

    /* Duplicates and the limit on domains. */
    parse("[domain d]\nmemory = 1M\n[domain d]\nmemory = 1M\n");
    expect_errors(1, "line 3: duplicate domain 'd' (first at line 1)");
    char text[1024] = "";
    for (unsigned i = 0; i <= MF_MAX_DOMAINS; i++) {
        char one[64];
        snprintf(one, sizeof(one), "[domain d%u]\nmemory = 64K\n", i);
        strcat(text, one);
    }
    parse(text);
    assert_int_equal(m.ndomains, MF_MAX_DOMAINS);
    expect_errors(1, "line 17: too many domains (at most 8): 'd8' ignored");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_example),
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_empty_and_comment_only),
        cmocka_unit_test(test_priority),
        cmocka_unit_test(test_memory),
        cmocka_unit_test(test_durations),
        cmocka_unit_test(test_restart_keys_and_flags),
        cmocka_unit_test(test_supervisor_keys),
        cmocka_unit_test(test_module_and_args),
        cmocka_unit_test(test_quoting_errors),
        cmocka_unit_test(test_device_keys),
        cmocka_unit_test(test_device_pci),
        cmocka_unit_test(test_unknown_key),
        cmocka_unit_test(test_duplicate_key),
        cmocka_unit_test(test_duplicate_name),
        cmocka_unit_test(test_unknown_device),
        cmocka_unit_test(test_invalid_device_rejects_users),
        cmocka_unit_test(test_device_and_endpoint_lists),
        cmocka_unit_test(test_endpoint_errors),
        cmocka_unit_test(test_pager),
        cmocka_unit_test(test_missing_module),
        cmocka_unit_test(test_domains),
        cmocka_unit_test(test_module_matching),
        cmocka_unit_test(test_outside_section_and_headers),
        cmocka_unit_test(test_comments_and_crlf),
        cmocka_unit_test(test_no_final_newline),
        cmocka_unit_test(test_truncated_everywhere),
        cmocka_unit_test(test_embedded_nul_and_control),
        cmocka_unit_test(test_long_lines),
        cmocka_unit_test(test_too_many_components),
        cmocka_unit_test(test_error_overflow),
        cmocka_unit_test(test_non_ascii),
        cmocka_unit_test(test_garbage_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
