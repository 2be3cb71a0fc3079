/* SPDX-License-Identifier: MIT */
/*
 * acpi.c: the RSDP, the RSDT or XSDT, and the tables they list (ACPI 6.x
 * section 5.2). The firmware's tables lie below 4 GiB, inside the boot
 * direct map. Every length is checked against the checksum's coverage
 * before it is trusted, so a malformed table is skipped, never followed.
 */
#include <arch.h>
#include <arch/acpi.h>
#include <kstring.h>

#define TABLE_MAX (1u << 20) /* no table we read is near this; longer ones are refused */

struct rsdp {
    char signature[8]; /* "RSD PTR " */
    uint8_t checksum;  /* the first 20 bytes sum to 0 */
    char oem_id[6];
    uint8_t revision; /* 0: ACPI 1.0 (RSDT only); 2: XSDT too */
    uint32_t rsdt;
    uint32_t length; /* revision 2: the whole structure, xsdt and extended checksum included */
    uint64_t xsdt;
    uint8_t extended_checksum;
    uint8_t reserved[3];
} __attribute__((packed));

static bool sums_to_zero(const void *p, size_t n)
{
    uint8_t sum = 0;
    for (size_t i = 0; i < n; i++) {
        sum = (uint8_t)(sum + ((const uint8_t *)p)[i]);
    }
    return sum == 0;
}

/* The RSDP in [base, base + len), on a 16-byte boundary, or NULL. */
static const struct rsdp *scan(paddr_t base, size_t len)
{
    for (paddr_t at = base; at + sizeof(struct rsdp) <= base + len; at += 16) {
        const struct rsdp *r = phys_to_virt(at);
        if (memcmp(r->signature, "RSD PTR ", 8) == 0 && sums_to_zero(r, 20)) {
            return r;
        }
    }
    return NULL;
}

/* A table at pa, if its header and checksum hold. */
static const struct acpi_header *table_at(uint64_t pa)
{
    if (pa == 0 || pa >= BOOT_DIRECT_MAP_SIZE - TABLE_MAX) {
        return NULL;
    }
    const struct acpi_header *h = phys_to_virt(pa);
    if (h->length < sizeof(*h) || h->length > TABLE_MAX || !sums_to_zero(h, h->length)) {
        return NULL;
    }
    return h;
}

const struct acpi_header *acpi_find(const char signature[4])
{
    /* The first KiB of the EBDA (its segment is at 0x40E), then the BIOS area. */
    paddr_t ebda = (paddr_t)*(const uint16_t *)phys_to_virt(0x40e) << 4;
    const struct rsdp *r = ebda >= 0x80000 && ebda < 0xa0000 ? scan(ebda, 1024) : NULL;
    if (!r) {
        r = scan(0xe0000, 0x20000);
    }
    if (!r) {
        return NULL;
    }
    bool x = r->revision >= 2 && r->xsdt != 0 && sums_to_zero(r, sizeof(*r));
    const struct acpi_header *root = table_at(x ? r->xsdt : r->rsdt);
    if (!root || memcmp(root->signature, x ? "XSDT" : "RSDT", 4) != 0) {
        return NULL;
    }
    size_t entry = x ? 8 : 4, n = (root->length - sizeof(*root)) / entry;
    const uint8_t *entries = (const uint8_t *)(root + 1);
    for (size_t i = 0; i < n; i++) {
        uint64_t pa = 0;
        memcpy(&pa, entries + i * entry, entry);
        const struct acpi_header *h = table_at(pa);
        if (h && memcmp(h->signature, signature, 4) == 0) {
            return h;
        }
    }
    return NULL;
}
