/* SPDX-License-Identifier: MIT */
/*
 * pci.h: a PCI function's configuration space, as the supervisor reads it
 * to grant a driver its device (manifest key pci = BB:DD.F, docs/manifest.md).
 *
 * Pure C over two accessors, so that the host unit test can hand it a
 * simulated function (tests/unit/pci/); the supervisor's accessors read and
 * write the function's ECAM page, mapped uncached (devmem.c).
 */
#ifndef AXL_ROOT_PCI_H
#define AXL_ROOT_PCI_H

#include <stdbool.h>
#include <stdint.h>

/*
 * Where the configuration spaces are (PCI Express ECAM): QEMU's q35 puts the
 * window at 0xb0000000 for buses 0..255 (its ACPI MCFG table says so, and
 * the E820 map reserves 0xb0000000-0xbfffffff). Hard-coded for q35: the root
 * task has no access to the ACPI tables yet.
 */
#define PCI_ECAM_BASE 0xb0000000ull
#define PCI_CONFIG_SIZE 4096u /* one function's configuration space: one page */

/* Configuration-space registers (type 0 header). */
#define PCI_VENDOR 0x00      /* 16 bits; 0xffff: no function there */
#define PCI_DEVICE 0x02      /* 16 bits */
#define PCI_COMMAND 0x04     /* 16 bits */
#define PCI_HEADER_TYPE 0x0e /* 8 bits; bit 7: multi-function */
#define PCI_BAR0 0x10        /* six 32-bit base address registers */
#define PCI_BARS 6

#define PCI_COMMAND_IO 0x1     /* decodes its I/O BARs */
#define PCI_COMMAND_MEMORY 0x2 /* decodes its memory BARs */
#define PCI_COMMAND_MASTER 0x4 /* may start DMA (and MSI) */

/* The physical address of the configuration page of bus:dev.fn under ECAM at ecam. */
static inline uint64_t pci_config_address(uint64_t ecam, unsigned bus, unsigned dev, unsigned fn)
{
    return ecam + ((uint64_t)bus << 20) + ((uint64_t)dev << 15) + ((uint64_t)fn << 12);
}

/* 32-bit accesses to one function's configuration space, at 4-byte aligned offsets. */
struct pci_config {
    uint32_t (*read)(void *ctx, unsigned offset);
    void (*write)(void *ctx, unsigned offset, uint32_t value);
    void *ctx;
};

enum pci_bar_kind {
    PCI_BAR_UNUSED = 0, /* not implemented (sizes to 0), or the upper half of a 64-bit BAR */
    PCI_BAR_MEM32,
    PCI_BAR_MEM64, /* takes this register and the next */
    PCI_BAR_IO,
};

struct pci_bar {
    enum pci_bar_kind kind;
    bool prefetchable;
    uint64_t base; /* as the firmware assigned it (0: not assigned) */
    uint64_t size; /* bytes (I/O: ports), a power of two */
};

struct pci_function {
    uint16_t vendor, device;
    uint8_t header_type; /* without the multi-function bit */
    uint16_t command;    /* as found (and restored) */
    struct pci_bar bar[PCI_BARS];
};

enum pci_status {
    PCI_OK = 0,
    PCI_NO_FUNCTION, /* vendor 0xffff: nothing answers at that address */
    PCI_NOT_ENDPOINT, /* header type other than 0 (a bridge, a CardBus bridge) */
    PCI_BAD_BAR,      /* a 64-bit BAR in the last register, or a reserved memory type */
};

/*
 * Reads the function's identity and sizes its BARs the standard way: with
 * I/O and memory decoding switched off in the command register, each BAR is
 * written all-ones, read back, and written back as it was; then the command
 * register is restored. Nothing is moved or resized: every BAR keeps the
 * address the firmware gave it. On PCI_BAD_BAR, *bad_bar says which.
 */
enum pci_status pci_probe(const struct pci_config *cfg, struct pci_function *f, unsigned *bad_bar);

/* Reads the BARs' current bases only (no writes): base[i] as pci_probe would report it. */
void pci_read_bases(const struct pci_config *cfg, const struct pci_function *f,
                    uint64_t base[PCI_BARS]);

#endif /* AXL_ROOT_PCI_H */
