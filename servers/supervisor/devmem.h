/* SPDX-License-Identifier: MIT */
/*
 * devmem.h: device memory for the processes the supervisor starts: frames
 * carved from the kernel's device untyped at exactly the physical pages a
 * manifest names (mmio = ..., pci = ...), made once and kept, and mapped
 * into a process uncached (docs/manifest.md, "Device memory").
 */
#ifndef AXL_ROOT_DEVMEM_H
#define AXL_ROOT_DEVMEM_H

#include <stddef.h>
#include <stdint.h>

#include <axl/axl.h>

#include "manifest.h"
#include "mem.h"
#include "pci.h"
#include "proc.h"

/* Device frames the supervisor keeps in all (each holds a root-CNode slot for good): 4 MiB. */
#define DEVMEM_MAX_FRAMES 1024
/* Pieces of device untyped it tracks: the kernel's, and the halves split off them. */
#define DEVMEM_MAX_PIECES 512

/* Learns the device untyped the kernel handed over (boot info). */
void devmem_init(const struct axl_bootinfo *bi);

/*
 * Maps [base, base + size) (page aligned) into p at vaddr, read-write and
 * uncached, through copies of the kept frames, and moves the copies into p's
 * CNode at slots *next, *next + 1, ... (one per page; *next advances). A range
 * that is not device memory the supervisor holds (RAM, the APIC pages the
 * kernel keeps, anything above 4 GiB) is refused before anything is made:
 * AXL_E_INVALID_ARGUMENT with why saying what it is. Other failures
 * (AXL_E_RANGE: out of slots or over DEVMEM_MAX_FRAMES) also fill why.
 */
long devmem_map(struct proc *p, uint64_t base, uint64_t size, uint64_t vaddr, uint64_t *next,
                char *why, size_t n);

/*
 * The PCI function of manifest device index dev (which has pci = ...), its
 * BARs sized at its first use and remembered; later calls only check that
 * the BARs are still where they were. Fills why and returns
 * AXL_E_INVALID_ARGUMENT when there is no function there, when it is not an
 * endpoint, or when a BAR is malformed or moved.
 */
long devmem_pci(const struct mf_device *dev, unsigned index, const struct pci_function **fn,
                char *why, size_t n);

#endif /* AXL_ROOT_DEVMEM_H */
