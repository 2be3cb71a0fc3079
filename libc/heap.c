/* SPDX-License-Identifier: MIT */
/*
 * heap.c: sbrk, under newlib's malloc (porting layer).
 *
 * In a process the heap starts at axl_procinfo->heap_base and grows a page
 * at a time out of the process's memory quota, the untyped capability at
 * AXL_PROC_SLOT_HEAP_UNTYPED: each page is a 4 KiB frame retyped from it
 * into a free slot of the process's own CNode and mapped read-write,
 * no-execute. When PAGE_MAP reports AXL_E_MAPPING because a paging
 * structure above the page is missing, the missing page table (or page
 * directory, or PDPT, found bottom-up by TABLE_MAP's own AXL_E_MAPPING) is
 * retyped from the same untyped and mapped too: the quota pays for the
 * heap's page tables. Frames come zeroed (retype clears every object,
 * kernel/core/untyped.c), so nothing here clears memory.
 *
 * When the quota or the CNode runs out, sbrk fails with ENOMEM and the
 * break does not move. Nothing half-done is lost: an object retyped for a
 * page that could not be finished, and a slot taken for an object that
 * could not be retyped, are kept and used first next time. The break may
 * move back (newlib's malloc gives memory back at the top); the pages stay
 * mapped and are used again when it moves forward.
 *
 * heap_base is page-aligned (AXL_PROC_HEAP_BASE).
 *
 * The root task has no process info and no quota of its own: its heap is a
 * fixed arena in .bss (libc/root_arena.c), and sbrk fails with ENOMEM at its
 * end. Only programs built as root tasks (AxlUserProgram(..., root_task=True))
 * link the arena; in any other program started as a root task sbrk fails.
 */
#include "axlc.h"

#include <malloc.h>
#include <stddef.h>
#include <stdlib.h>
#include <unistd.h>

#include <axl/invoke.h>
#include <axl/name.h>
#include <axl/proc.h>

#define PAGE_SIZE 4096ull
/* Defined by root_arena.c, in programs linked as root tasks only (weak: else absent). */
extern char axl_root_arena[] __attribute__((weak));
extern const size_t axl_root_arena_size __attribute__((weak));

/* What a page needs, bottom-up: its frame, then the tables above it. */
enum heap_object { HEAP_FRAME, HEAP_PT, HEAP_PD, HEAP_PDPT, HEAP_OBJECTS };
static const unsigned object_type[HEAP_OBJECTS] = {AXL_OBJ_FRAME, AXL_OBJ_PAGE_TABLE,
                                                   AXL_OBJ_PAGE_DIRECTORY, AXL_OBJ_PDPT};

static uintptr_t heap_break;         /* the heap is [heap_base, heap_break) */
static uintptr_t mapped_end;         /* [heap_base, mapped_end) is mapped */
static uint64_t spare[HEAP_OBJECTS]; /* a retyped object of each kind not yet used, or 0 */
static uint64_t spare_slot;          /* an empty slot already taken from axl_slot_alloc, or 0 */

/* A capability to a new object of kind k: the spare one, or one retyped from the quota. */
static long take(enum heap_object k, uint64_t *cap)
{
    *cap = 0;
    if (spare[k]) {
        *cap = spare[k];
        spare[k] = 0;
        return AXL_E_OK;
    }
    uint64_t slot = spare_slot ? spare_slot : axl_slot_alloc();
    if (slot == 0) {
        return AXL_E_NOT_ENOUGH_MEMORY; /* the CNode is full */
    }
    long err = axl_untyped_retype(AXL_PROC_SLOT_HEAP_UNTYPED, object_type[k], 0,
                                  AXL_PROC_SLOT_CNODE, slot, 1);
    spare_slot = err ? slot : 0;
    *cap = err ? 0 : slot; /* a cptr is a slot index in a process's CSpace */
    return err;
}

/*
 * Installs the lowest paging structure va lacks: a page table, or if that
 * has no page directory to go in, a page directory, or else a PDPT. The
 * caller tries again until the page itself maps. Returns AXL_E_MAPPING if
 * even a PDPT does not fit: something else is mapped at va.
 */
static long add_table(uint64_t va)
{
    for (enum heap_object k = HEAP_PT; k <= HEAP_PDPT; k++) {
        uint64_t table;
        long err = take(k, &table);
        if (err != AXL_E_OK) {
            return err;
        }
        err = axl_table_map(table, AXL_PROC_SLOT_VSPACE, va);
        if (err == AXL_E_OK) {
            return AXL_E_OK;
        }
        spare[k] = table; /* not needed here after all, or needs the level above first */
        if (err != AXL_E_MAPPING) {
            return err;
        }
    }
    return AXL_E_MAPPING;
}

/* Maps a fresh frame at va, with the paging structures it needs. */
static long map_page(uint64_t va)
{
    uint64_t frame = 0;
    long err = take(HEAP_FRAME, &frame);

    /* At most three tables can be missing above it: PDPT, page directory, page table. */
    for (int tables = 0; err == AXL_E_OK; tables++) {
        err = axl_page_map(frame, AXL_PROC_SLOT_VSPACE, va, AXL_RIGHT_READ | AXL_RIGHT_WRITE, 0);
        if (err != AXL_E_MAPPING || tables == 3) {
            break;
        }
        err = add_table(va);
    }
    if (err != AXL_E_OK && frame) {
        spare[HEAP_FRAME] = frame;
    }
    return err;
}

/* The root task's heap: a fixed arena. */
static void *arena_sbrk(ptrdiff_t incr)
{
    static size_t used;
    size_t size = axl_root_arena ? axl_root_arena_size : 0;

    if (incr < 0 ? 0 - (size_t)incr > used : (size_t)incr > size - used) {
        errno = ENOMEM;
        return (void *)-1;
    }
    void *old = axl_root_arena + used;
    used += incr;
    return old;
}

void *sbrk(ptrdiff_t incr)
{
    if (!axl_procinfo) {
        return arena_sbrk(incr);
    }
    if (heap_break == 0) {
        heap_break = mapped_end = axl_procinfo->heap_base;
    }
    uintptr_t base = axl_procinfo->heap_base, old = heap_break;
    /* The heap may grow up to where granted device memory is mapped. */
    if (incr < 0 ? 0 - (uintptr_t)incr > old - base : (uintptr_t)incr > AXL_PROC_MMIO_BASE - old) {
        errno = ENOMEM;
        return (void *)-1;
    }
    uintptr_t end = old + incr;
    while (mapped_end < end) {
        if (map_page(mapped_end) != AXL_E_OK) {
            errno = ENOMEM;
            return (void *)-1;
        }
        mapped_end += PAGE_SIZE;
    }
    heap_break = end;
    return (void *)old;
}

/*
 * C11's aligned_alloc in newlib 3.3 calls posix_memalign, which newlib
 * itself does not have: here it is, on newlib's memalign.
 */
int posix_memalign(void **out, size_t align, size_t size)
{
    if (align < sizeof(void *) || (align & (align - 1)) != 0) {
        return EINVAL;
    }
    void *p = memalign(align, size);
    if (!p) {
        return ENOMEM;
    }
    *out = p;
    return 0;
}
