/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for servers/supervisor/pci.c: identifying a PCI function and
 * sizing its BARs, against a simulated configuration space that behaves as
 * the PCI specification says: a BAR keeps only the address bits its size
 * allows, its type bits are read-only, and status bits are cleared by
 * writing 1. The simulation also checks that no BAR is ever written while
 * the function decodes the kind of space it belongs to, and that every BAR
 * and the command register end as they began.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "pci.h"

struct sim_bar {
    uint32_t type;   /* read-only low bits: 0x1 I/O, 0x0 32-bit, 0x4 64-bit, 0x8 prefetchable */
    uint64_t size;   /* 0: not implemented; for a 64-bit BAR it covers both registers */
    uint64_t value;  /* address bits held */
    bool upper;      /* this register is the upper half of the previous (64-bit) BAR */
};

struct sim {
    uint32_t id, class_header; /* offsets 0x00 and 0x0c */
    uint16_t command, status;
    struct sim_bar bar[PCI_BARS];
    unsigned writes, bar_writes_decoding;
};

static uint32_t sim_read(void *ctx, unsigned off)
{
    struct sim *s = ctx;
    switch (off) {
    case 0x00:
        return s->id;
    case 0x04:
        return (uint32_t)s->status << 16 | s->command;
    case 0x0c:
        return s->class_header;
    default:
        break;
    }
    if (off >= PCI_BAR0 && off < PCI_BAR0 + 4 * PCI_BARS) {
        unsigned i = (off - PCI_BAR0) / 4;
        const struct sim_bar *b = &s->bar[i];
        if (b->upper) {
            return (uint32_t)(s->bar[i - 1].value >> 32);
        }
        return b->size ? (uint32_t)b->value | b->type : 0;
    }
    return s->id == 0xffffffffu ? 0xffffffffu : 0;
}

static void sim_write(void *ctx, unsigned off, uint32_t v)
{
    struct sim *s = ctx;
    s->writes++;
    if (off == 0x04) {
        s->command = (uint16_t)v;
        s->status &= (uint16_t)~(v >> 16); /* write 1 to clear */
        return;
    }
    if (off < PCI_BAR0 || off >= PCI_BAR0 + 4 * PCI_BARS) {
        return;
    }
    unsigned i = (off - PCI_BAR0) / 4;
    struct sim_bar *b = s->bar[i].upper ? &s->bar[i - 1] : &s->bar[i];
    if (!b->size) {
        return;
    }
    bool io = b->type & 1;
    if (s->command & (io ? PCI_COMMAND_IO : PCI_COMMAND_MEMORY)) {
        s->bar_writes_decoding++;
    }
    uint64_t keep = ~(b->size - 1);
    if (s->bar[i].upper) {
        b->value = ((uint64_t)v << 32 | (uint32_t)b->value) & keep;
    } else {
        uint64_t low_mask = io ? 0xfffffffcu : 0xfffffff0u;
        b->value = ((b->value & ~0xffffffffull) | (v & low_mask)) & keep;
        if (!(b->type & 0x4)) {
            b->value &= 0xffffffffu;
        }
    }
}

static struct sim edu(void)
{
    struct sim s = {.id = 0x11e81234, .class_header = 0, .command = 0x0103,
                    .status = 0x0010};
    s.bar[0] = (struct sim_bar){.type = 0, .size = 1 << 20, .value = 0xfea00000};
    return s;
}

static struct pci_config config_of(struct sim *s) { return (struct pci_config){sim_read, sim_write, s}; }

static void test_config_address(void **state)
{
    (void)state;
    assert_int_equal(pci_config_address(PCI_ECAM_BASE, 0, 0x10, 0), 0xb0080000ull);
    assert_int_equal(pci_config_address(PCI_ECAM_BASE, 0, 0x1f, 2), 0xb00fa000ull);
    assert_int_equal(pci_config_address(PCI_ECAM_BASE, 0xff, 0x1f, 7), 0xbffff000ull);
    assert_int_equal(pci_config_address(0, 1, 0, 0), 1u << 20);
}

static void test_edu(void **state)
{
    (void)state;
    struct sim s = edu();
    struct pci_config cfg = config_of(&s);
    struct pci_function f;
    unsigned bad = 99;

    assert_int_equal(pci_probe(&cfg, &f, &bad), PCI_OK);
    assert_int_equal(bad, 99);
    assert_int_equal(f.vendor, 0x1234);
    assert_int_equal(f.device, 0x11e8);
    assert_int_equal(f.header_type, 0);
    assert_int_equal(f.command, 0x0103);
    assert_int_equal(f.bar[0].kind, PCI_BAR_MEM32);
    assert_false(f.bar[0].prefetchable);
    assert_int_equal(f.bar[0].base, 0xfea00000u);
    assert_int_equal(f.bar[0].size, 1u << 20);
    for (unsigned i = 1; i < PCI_BARS; i++) {
        assert_int_equal(f.bar[i].kind, PCI_BAR_UNUSED);
    }
    /* Nothing moved, decoding restored, no BAR written while decoding, status untouched. */
    assert_int_equal(s.bar[0].value, 0xfea00000u);
    assert_int_equal(s.command, 0x0103);
    assert_int_equal(s.status, 0x0010);
    assert_int_equal(s.bar_writes_decoding, 0);
    assert_true(s.writes > 0);

    uint64_t base[PCI_BARS];
    pci_read_bases(&cfg, &f, base);
    assert_int_equal(base[0], 0xfea00000u);
    s.bar[0].value = 0xfe900000; /* a driver moved it */
    pci_read_bases(&cfg, &f, base);
    assert_int_equal(base[0], 0xfe900000u);
}

static void test_mixed_bars(void **state)
{
    (void)state;
    struct sim s = {.id = 0x10008086, .class_header = 0x00800000, .command = 0x0107};
    s.bar[0] = (struct sim_bar){.type = 0x1, .size = 0x20, .value = 0xc040};
    s.bar[2] = (struct sim_bar){.type = 0x4 | 0x8, .size = 16ull << 20, .value = 0x800000000ull};
    s.bar[3] = (struct sim_bar){.upper = true};
    s.bar[4] = (struct sim_bar){.type = 0x1, .size = 0x100, .value = 0}; /* not assigned */
    s.bar[5] = (struct sim_bar){.type = 0x8, .size = 0x1000, .value = 0xfeb00000};
    struct pci_config cfg = config_of(&s);
    struct pci_function f;
    unsigned bad;

    assert_int_equal(pci_probe(&cfg, &f, &bad), PCI_OK); /* header 0x80: multi-function, type 0 */
    assert_int_equal(f.bar[0].kind, PCI_BAR_IO);
    assert_int_equal(f.bar[0].base, 0xc040);
    assert_int_equal(f.bar[0].size, 0x20);
    assert_int_equal(f.bar[1].kind, PCI_BAR_UNUSED);
    assert_int_equal(f.bar[2].kind, PCI_BAR_MEM64);
    assert_true(f.bar[2].prefetchable);
    assert_int_equal(f.bar[2].base, 0x800000000ull);
    assert_int_equal(f.bar[2].size, 16ull << 20);
    assert_int_equal(f.bar[3].kind, PCI_BAR_UNUSED); /* its upper half */
    assert_int_equal(f.bar[4].kind, PCI_BAR_IO);
    assert_int_equal(f.bar[4].base, 0);
    assert_int_equal(f.bar[4].size, 0x100);
    assert_int_equal(f.bar[5].kind, PCI_BAR_MEM32);
    assert_true(f.bar[5].prefetchable);
    assert_int_equal(f.bar[5].size, 0x1000);
    assert_int_equal(s.bar[0].value, 0xc040);
    assert_int_equal(s.bar[2].value, 0x800000000ull);
    assert_int_equal(s.bar[5].value, 0xfeb00000u);
    assert_int_equal(s.command, 0x0107);
    assert_int_equal(s.bar_writes_decoding, 0);

    uint64_t base[PCI_BARS];
    pci_read_bases(&cfg, &f, base);
    assert_int_equal(base[2], 0x800000000ull);
    assert_int_equal(base[3], 0);
}

static void test_large_64bit_bar(void **state)
{
    (void)state;
    struct sim s = edu();
    s.bar[0] = (struct sim_bar){.type = 0x4, .size = 8ull << 30, .value = 0x1000000000ull};
    s.bar[1] = (struct sim_bar){.upper = true};
    struct pci_config cfg = config_of(&s);
    struct pci_function f;
    unsigned bad;

    assert_int_equal(pci_probe(&cfg, &f, &bad), PCI_OK);
    assert_int_equal(f.bar[0].kind, PCI_BAR_MEM64);
    assert_int_equal(f.bar[0].size, 8ull << 30); /* the size spans both registers */
    assert_int_equal(f.bar[0].base, 0x1000000000ull);
}

static void test_refusals(void **state)
{
    (void)state;
    struct pci_function f;
    unsigned bad = 99;

    struct sim none = {.id = 0xffffffffu};
    struct pci_config cfg = config_of(&none);
    assert_int_equal(pci_probe(&cfg, &f, &bad), PCI_NO_FUNCTION);
    assert_int_equal(none.writes, 0);
    assert_int_equal(f.vendor, 0xffff);

    struct sim bridge = edu();
    bridge.class_header = 0x00010000;
    cfg = config_of(&bridge);
    assert_int_equal(pci_probe(&cfg, &f, &bad), PCI_NOT_ENDPOINT);
    assert_int_equal(f.header_type, 1);
    assert_int_equal(bridge.writes, 0);

    struct sim last64 = edu();
    last64.bar[5] = (struct sim_bar){.type = 0x4, .size = 0x4000, .value = 0xfe000000};
    cfg = config_of(&last64);
    assert_int_equal(pci_probe(&cfg, &f, &bad), PCI_BAD_BAR);
    assert_int_equal(bad, 5);
    assert_int_equal(last64.command, 0x0103); /* restored on the error path too */

    struct sim reserved = edu();
    reserved.bar[1] = (struct sim_bar){.type = 0x2, .size = 0x1000, .value = 0xd0000};
    cfg = config_of(&reserved);
    assert_int_equal(pci_probe(&cfg, &f, &bad), PCI_BAD_BAR);
    assert_int_equal(bad, 1);
    assert_int_equal(f.bar[0].kind, PCI_BAR_MEM32); /* what came before is filled in */
    assert_int_equal(reserved.command, 0x0103);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config_address),
        cmocka_unit_test(test_edu),
        cmocka_unit_test(test_mixed_bars),
        cmocka_unit_test(test_large_64bit_bar),
        cmocka_unit_test(test_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
