/* SPDX-License-Identifier: MIT */
/*
 * mem.h: the root task's bookkeeping of its own CNode slots and untyped
 * memory, and mapping pages with whatever page tables they need.
 */
#ifndef AXL_ROOT_MEM_H
#define AXL_ROOT_MEM_H

#include <stdbool.h>
#include <stdint.h>

#include <axl/axl.h>

/* A free slot of the root CNode (0: none left). */
uint64_t slot_alloc(void);
/* Marks slot free again (its capability must already be gone). */
void slot_free(uint64_t slot);
/* Root-CNode slots in use and in all (for the report). */
unsigned slots_used(void);

/* Sets up the allocators from the boot info. */
void mem_init(const struct axl_bootinfo *bi);

/*
 * Carves an untyped of 2^bits bytes from the boot RAM untyped into a new
 * root slot, returned in *slot. AXL_E_NOT_ENOUGH_MEMORY when no region has room.
 */
long mem_untyped(unsigned bits, uint64_t *slot);

/* Bytes of boot RAM the supervisor has not carved yet (the kernel's watermarks). */
uint64_t mem_free_bytes(void);

/* Retypes one object of type (and size_bits) from untyped ut into a new root slot. */
long mem_retype(uint64_t ut, unsigned type, unsigned size_bits, uint64_t *slot);

/*
 * A list of root slots an owner (a process) holds: everything made for it,
 * so that it can be forgotten when its untyped is revoked.
 */
struct slot_list {
    uint64_t *slots;
    unsigned count, max;
};
/* mem_retype that also records the slot in list (NO_SPACE... as AXL_E_RANGE when full). */
long mem_retype_into(struct slot_list *list, uint64_t ut, unsigned type, unsigned size_bits,
                     uint64_t *slot);

/*
 * Maps frame at vaddr in pml4 with rights and attributes; paging
 * structures that are missing are retyped from ut (their slots go to list)
 * and installed first.
 */
long mem_map(uint64_t pml4, uint64_t vaddr, uint64_t frame, unsigned rights, unsigned attrs,
             uint64_t ut, struct slot_list *list);

/* The root task's own window for looking into frames it does not keep mapped. */
#define ROOT_SCRATCH 0x600000000000ull
/* Where the root task maps the boot modules to read them. */
#define ROOT_MODULES 0x610000000000ull
/* Where it keeps the crash records of earlier boots (pstore.c), and their most pages. */
#define ROOT_PSTORE 0x620000000000ull
#define ROOT_PSTORE_PAGES 32

/* Maps frame at ROOT_SCRATCH in the root task (writable); returns the address or NULL. */
void *scratch_map(uint64_t frame);
void scratch_unmap(uint64_t frame);
/* Maps frame at vaddr in the root task's own space. */
long root_map(uint64_t vaddr, uint64_t frame, unsigned rights);

/* A frame mapped elsewhere, mapped for the supervisor to read and write through a copy; NULL on
 * failure. One at a time: peek_unmap before the next. */
void *peek_map(uint64_t frame);
void peek_unmap(void);
/* As peek_map for a frame of device memory: mapped uncached, in a window of its own. */
void *peek_map_device(uint64_t frame);
void peek_unmap_device(void);

#endif /* AXL_ROOT_MEM_H */
