/* SPDX-License-Identifier: MIT */
/*
 * pci.c: PCI configuration mechanism #1 (ports 0xCF8/0xCFC), enough for
 * the kernel to find the devices it drives itself. It needs nothing set
 * up, so it works at boot and on the panic path.
 */
#include <arch/pci.h>
#include <arch/x86.h>

#define PCI_CONFIG_ADDR 0xcf8
#define PCI_CONFIG_DATA 0xcfc

static void select(unsigned bus, unsigned dev, unsigned func, unsigned reg)
{
    outl(PCI_CONFIG_ADDR, 0x80000000u | (bus & 0xff) << 16 | (dev & 31) << 11 |
                              (func & 7) << 8 | (reg & 0xfc));
}

uint32_t pci_read32(unsigned bus, unsigned dev, unsigned func, unsigned reg)
{
    select(bus, dev, func, reg);
    return inl(PCI_CONFIG_DATA);
}

void pci_write32(unsigned bus, unsigned dev, unsigned func, unsigned reg, uint32_t v)
{
    select(bus, dev, func, reg);
    outl(PCI_CONFIG_DATA, v);
}

uint64_t pci_mem_bar(unsigned bus, unsigned dev, unsigned func, unsigned reg)
{
    uint32_t lo = pci_read32(bus, dev, func, reg);

    if (lo & 1) {
        return 0; /* an I/O BAR */
    }
    uint64_t addr = lo & ~0xfull;
    if ((lo & 0x6) == 0x4) {
        addr |= (uint64_t)pci_read32(bus, dev, func, reg + 4) << 32;
    }
    return addr;
}

int pci_find(uint16_t vendor, uint16_t device)
{
    for (unsigned dev = 0; dev < 32; dev++) {
        uint32_t id = pci_read32(0, dev, 0, 0);
        if ((id & 0xffff) == vendor && id >> 16 == device) {
            return (int)dev;
        }
    }
    return -1;
}
