/* SPDX-License-Identifier: MIT */
/*
 * arch/pci.h: the few PCI configuration-space accesses the kernel itself
 * needs (pci.c): finding its own devices (ERST) on bus 0 through ports
 * 0xCF8/0xCFC. Drivers in user space use ECAM through their grants.
 */
#ifndef AXL_ARCH_PCI_H
#define AXL_ARCH_PCI_H

#include <types.h>

uint32_t pci_read32(unsigned bus, unsigned dev, unsigned func, unsigned reg);
void pci_write32(unsigned bus, unsigned dev, unsigned func, unsigned reg, uint32_t v);
/* A memory BAR's address (a 64-bit BAR spans two registers), or 0 for an I/O BAR. */
uint64_t pci_mem_bar(unsigned bus, unsigned dev, unsigned func, unsigned reg);
/* The first device on bus 0 (function 0) with this vendor and device id: its number, or -1. */
int pci_find(uint16_t vendor, uint16_t device);

#endif /* AXL_ARCH_PCI_H */
