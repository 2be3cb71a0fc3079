/* SPDX-License-Identifier: MIT */
/*
 * dma.c: the driver's DMA buffer: one page of its own memory (retyped from
 * its heap quota), mapped at DMA_VADDR, and the address the device is given
 * for it.
 */
#include <axl/axl.h>
#include <axl/name.h>
#include <axl/proc.h>

#include "edu.h"

/* Where the buffer is mapped: 3 GiB, above the stack and IPC buffer, below the heap. */
#define DMA_VADDR 0xc0000000ull

/* A new object of type from the heap quota, in a free slot of the process's CNode. */
static long retype(unsigned type, uint64_t *slot)
{
    *slot = axl_slot_alloc();
    if (!*slot) {
        return AXL_E_RANGE;
    }
    return axl_untyped_retype(AXL_PROC_SLOT_HEAP_UNTYPED, type, 0, AXL_PROC_SLOT_CNODE, *slot, 1);
}

/*
 * Maps frame at va, adding the paging structures it lacks from the quota.
 * PAGE_MAP and TABLE_MAP say AXL_E_MAPPING when a level above is missing
 * (or the place is taken), so the lowest level that goes in is installed,
 * bottom-up, and the page is tried again; a table that did not go in is kept
 * for the next round rather than made twice.
 */
static long map(uint64_t frame, uint64_t va)
{
    static const unsigned levels[] = {AXL_OBJ_PAGE_TABLE, AXL_OBJ_PAGE_DIRECTORY, AXL_OBJ_PDPT};
    uint64_t spare[3] = {0};
    long err = axl_page_map(frame, AXL_PROC_SLOT_VSPACE, va, AXL_RIGHT_READ | AXL_RIGHT_WRITE, 0);

    for (unsigned round = 0; err == AXL_E_MAPPING && round < 3; round++) {
        for (unsigned l = 0; l < 3; l++) {
            if (!spare[l] && (err = retype(levels[l], &spare[l])) != AXL_E_OK) {
                return err;
            }
            err = axl_table_map(spare[l], AXL_PROC_SLOT_VSPACE, va);
            if (err == AXL_E_OK) {
                spare[l] = 0;
                break;
            }
            if (err != AXL_E_MAPPING) {
                return err;
            }
        }
        if (err == AXL_E_OK) {
            err = axl_page_map(frame, AXL_PROC_SLOT_VSPACE, va, AXL_RIGHT_READ | AXL_RIGHT_WRITE, 0);
        }
    }
    return err;
}

long edu_dma_setup(struct edu *e)
{
    uint64_t frame;
    long err = retype(AXL_OBJ_FRAME, &frame);

    if (err == AXL_E_OK) {
        err = map(frame, DMA_VADDR);
    }
    if (err == AXL_E_OK) {
        err = axl_page_address(frame, &e->dma_phys);
    }
    if (err != AXL_E_OK) {
        axl_printf("edu: cannot make its DMA buffer: %s\n", axl_strerror(err));
        return err;
    }
    e->dma = (uint8_t *)DMA_VADDR;
    return AXL_E_OK;
}

/*
 * The address the device uses for byte offset of the DMA buffer. Today it
 * is the physical address: there is no IOMMU, the device reaches all of RAM,
 * and nothing but this driver's care keeps its transfers inside its buffer.
 * Once the kernel programs VT-d, this becomes an IOVA: the driver maps its
 * buffer frame into an IOSpace capability of its own (its DMA domain) and
 * gives the device that address, and a transfer anywhere else is blocked.
 */
uint64_t dma_addr(const struct edu *e, uint64_t offset) { return e->dma_phys + offset; }
