/* SPDX-License-Identifier: MIT */
/*
 * pci.c: identifying a PCI function and sizing its BARs (pci.h). Pure: all
 * access goes through the two accessors of struct pci_config.
 *
 * The BAR formats are those of the PCI Local Bus Specification 3.0, 6.2.5.1:
 * bit 0 set is an I/O BAR (address in bits 2..31); else bits 1-2 are the
 * memory type (0: 32-bit, 2: 64-bit, with the next register holding the
 * upper half; 1 was "below 1 MiB" and is reserved since PCI 2.2) and bit 3
 * says prefetchable. Writing all-ones and reading back leaves 0 in the bits
 * the size forces to 0, so the size is the two's complement of what is read.
 */
#include "pci.h"

#define BAR_IO 0x1u
#define BAR_TYPE_MASK 0x6u
#define BAR_TYPE_64 0x4u
#define BAR_TYPE_1M 0x2u
#define BAR_PREFETCH 0x8u
#define BAR_IO_ADDR 0xfffffffcu
#define BAR_MEM_ADDR 0xfffffff0u

static unsigned bar_offset(unsigned i) { return PCI_BAR0 + 4 * i; }

/* The base a BAR register (and for a 64-bit BAR the next) holds. */
static uint64_t bar_base(const struct pci_config *cfg, unsigned i, enum pci_bar_kind kind)
{
    uint32_t lo = cfg->read(cfg->ctx, bar_offset(i));
    switch (kind) {
    case PCI_BAR_IO:
        return lo & BAR_IO_ADDR;
    case PCI_BAR_MEM32:
        return lo & BAR_MEM_ADDR;
    case PCI_BAR_MEM64:
        return (lo & BAR_MEM_ADDR) | (uint64_t)cfg->read(cfg->ctx, bar_offset(i + 1)) << 32;
    default:
        return 0;
    }
}

/* Writes all-ones to register i, returns what reads back, and puts the old value back. */
static uint32_t size_mask(const struct pci_config *cfg, unsigned i)
{
    uint32_t old = cfg->read(cfg->ctx, bar_offset(i));
    cfg->write(cfg->ctx, bar_offset(i), 0xffffffffu);
    uint32_t mask = cfg->read(cfg->ctx, bar_offset(i));
    cfg->write(cfg->ctx, bar_offset(i), old);
    return mask;
}

/* Sizes BAR i (decoding is off); returns the number of registers it takes, or 0 if malformed. */
static unsigned size_bar(const struct pci_config *cfg, unsigned i, struct pci_bar *b)
{
    uint32_t v = cfg->read(cfg->ctx, bar_offset(i));

    *b = (struct pci_bar){.kind = PCI_BAR_UNUSED};
    if (v & BAR_IO) {
        uint32_t mask = size_mask(cfg, i) & BAR_IO_ADDR;
        uint32_t size = (~mask + 1) & 0xffffu; /* the upper 16 bits may read as 0 or 1 */
        if (mask && size) {
            *b = (struct pci_bar){.kind = PCI_BAR_IO, .size = size};
        }
        b->base = bar_base(cfg, i, b->kind);
        return 1;
    }
    unsigned type = v & BAR_TYPE_MASK;
    if (type == BAR_TYPE_64) {
        if (i + 1 >= PCI_BARS) {
            return 0;
        }
        uint64_t mask = (size_mask(cfg, i) & BAR_MEM_ADDR) | (uint64_t)size_mask(cfg, i + 1) << 32;
        if (mask) {
            *b = (struct pci_bar){.kind = PCI_BAR_MEM64, .size = ~mask + 1,
                                  .prefetchable = (v & BAR_PREFETCH) != 0};
        }
        b->base = bar_base(cfg, i, b->kind);
        return 2;
    }
    if (type == BAR_TYPE_1M || type == BAR_TYPE_MASK) {
        return 0; /* reserved types */
    }
    uint32_t mask = size_mask(cfg, i) & BAR_MEM_ADDR;
    if (mask) {
        *b = (struct pci_bar){.kind = PCI_BAR_MEM32, .size = (uint32_t)(~mask + 1),
                              .prefetchable = (v & BAR_PREFETCH) != 0};
    }
    b->base = bar_base(cfg, i, b->kind);
    return 1;
}

enum pci_status pci_probe(const struct pci_config *cfg, struct pci_function *f, unsigned *bad_bar)
{
    uint32_t id = cfg->read(cfg->ctx, PCI_VENDOR);

    *f = (struct pci_function){.vendor = (uint16_t)id, .device = (uint16_t)(id >> 16)};
    if (f->vendor == 0xffff) {
        return PCI_NO_FUNCTION;
    }
    f->header_type = (uint8_t)(cfg->read(cfg->ctx, 0x0c) >> 16) & 0x7f;
    if (f->header_type != 0) {
        return PCI_NOT_ENDPOINT;
    }
    f->command = (uint16_t)cfg->read(cfg->ctx, PCI_COMMAND);

    /* Writing the upper half (status) as 0 changes nothing: its bits are cleared by writing 1. */
    cfg->write(cfg->ctx, PCI_COMMAND, f->command & ~(uint32_t)(PCI_COMMAND_IO | PCI_COMMAND_MEMORY));
    enum pci_status st = PCI_OK;
    for (unsigned i = 0; i < PCI_BARS;) {
        unsigned n = size_bar(cfg, i, &f->bar[i]);
        if (n == 0) {
            *bad_bar = i;
            st = PCI_BAD_BAR;
            break;
        }
        i += n; /* the upper half of a 64-bit BAR stays PCI_BAR_UNUSED */
    }
    cfg->write(cfg->ctx, PCI_COMMAND, f->command);
    return st;
}

void pci_read_bases(const struct pci_config *cfg, const struct pci_function *f,
                    uint64_t base[PCI_BARS])
{
    for (unsigned i = 0; i < PCI_BARS; i++) {
        base[i] = bar_base(cfg, i, f->bar[i].kind);
    }
}
