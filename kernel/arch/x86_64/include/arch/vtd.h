/* SPDX-License-Identifier: MIT */
/*
 * arch/vtd.h: the Intel VT-d remapping unit (vtd.c), legacy mode: one
 * root table, one context table for bus 0, register-based invalidation.
 */
#ifndef AXL_ARCH_VTD_H
#define AXL_ARCH_VTD_H

#include <types.h>

/* Is translation on? (false: no unit, or iommu=off) */
bool vtd_enabled(void);

/* The fault event interrupt (VEC_IOMMU): reads, reports and clears every recorded fault. */
void vtd_fault_interrupt(void);

/* Faults recorded since boot (all devices). */
uint64_t vtd_fault_count(void);

/* Bus 0 function devfn translates through the tree at root_pa as domain did (root_pa 0:
 * blocked again). Invalidates the context cache, then the domain's IOTLB, before returning. */
void vtd_context_set(uint8_t devfn, uint64_t root_pa, uint16_t did);
/* Drops every cached translation of domain did, and waits until the unit has. */
void vtd_flush_domain(uint16_t did);

/* Called for each fault the unit recorded (iospace.c keeps it for the device's owner). */
void iospace_fault(uint16_t sid, uint64_t addr, unsigned reason, bool read);

#endif /* AXL_ARCH_VTD_H */
