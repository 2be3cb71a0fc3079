/* SPDX-License-Identifier: MIT */
/*
 * arch/cpu.h: x86_64-internal interfaces between cpu.c, paging.c and
 * trap.c. Not for generic code (use arch.h).
 */
#ifndef AXL_ARCH_CPU_H
#define AXL_ARCH_CPU_H

#include <types.h>

struct trap_frame;

/* Writes the stack guard pages' addresses to out; returns how many. */
size_t arch_guard_pages(vaddr_t *out, size_t max);

/* Called by traps.S for every exception and interrupt. */
void trap_dispatch(struct trap_frame *f);

#endif /* AXL_ARCH_CPU_H */
