/* SPDX-License-Identifier: MIT */
/*
 * arch/memlayout.h: the x86_64 virtual memory layout. Included from
 * assembly and the linker script as well as C, so only plain defines.
 *
 *   0xffff800000000000  direct map of physical memory (2 MiB pages)
 *   0xffffffff80000000  kernel image, phys 0x100000 at +0x100000
 *
 * The lower half belongs to user space: every address space (PML4) has
 * its own lower half and shares the kernel's upper half.
 */
#ifndef AXL_ARCH_MEMLAYOUT_H
#define AXL_ARCH_MEMLAYOUT_H

#define KERNEL_VMA 0xffffffff80000000
#define KERNEL_PHYS 0x100000
#define KERNEL_DIRECT_MAP 0xffff800000000000
/* The boot page tables direct-map this much; arch_paging_init maps all RAM. */
#define BOOT_DIRECT_MAP_SIZE 0x100000000

/* Interrupt vectors the kernel owns (0-31 are CPU exceptions). */
#define VEC_TIMER 0x20
#define VEC_SPURIOUS 0xff
#define VEC_IOMMU 0x4f    /* the VT-d fault event (an MSI) */
#define VEC_IRQ_BASE 0x50 /* IOAPIC line n arrives on VEC_IRQ_BASE + n */
#define SYSCALL_VECTOR 0x100 /* in a trap frame: entered by SYSCALL, not a vector */

#define KSTACK_SIZE 16384 /* boot stack */
#define IST_STACK_SIZE 8192

#endif /* AXL_ARCH_MEMLAYOUT_H */
