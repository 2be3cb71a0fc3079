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

/* Faults recorded since boot (all devices), and faults that were lost to overflow. */
uint64_t vtd_fault_count(void);

#endif /* AXL_ARCH_VTD_H */
