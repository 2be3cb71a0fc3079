/* SPDX-License-Identifier: MIT */
/*
 * arch/acpi.h: finding a static ACPI table by its signature (acpi.c). No
 * AML: the kernel reads only tables of plain data (DMAR).
 */
#ifndef AXL_ARCH_ACPI_H
#define AXL_ARCH_ACPI_H

#include <types.h>

struct acpi_header {
    char signature[4];
    uint32_t length; /* of the whole table, this header included */
    uint8_t revision;
    uint8_t checksum; /* all bytes of the table sum to 0 */
    char oem_id[6];
    char oem_table_id[8];
    uint32_t oem_revision;
    uint32_t creator_id;
    uint32_t creator_revision;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_header) == 36, "ACPI table header");

/* The table with this signature, checksum verified, or NULL. */
const struct acpi_header *acpi_find(const char signature[4]);

#endif /* AXL_ARCH_ACPI_H */
